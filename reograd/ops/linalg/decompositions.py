"""Matrix functions and decompositions: inverse, determinants, solve, Cholesky, QR, SVD, eigh,
pseudo-inverse, and the vector and matrix norms. All work on batches (leading dims).

Forward passes call LAPACK through ``numpy.linalg``; backward passes are the standard
matrix-calculus formulas, written with Tensor ops so that they differentiate again (each cites
its source). The public names follow ``torch.linalg`` (``reograd.linalg`` re-exports them) and the
older top-level functions (``reograd.det``, ``reograd.svd`` ...).
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ...autograd.function import NativeFunction
from ...autograd.tensor import Tensor
from ..arguments import const, xp_of
from ..registry import register
from ..shape.diagonals import diag_embed, diagonal, tril, triu


class LinAlgError(RuntimeError):
    """A linear-algebra failure on valid input (singular matrix, not positive-definite...)."""


# torch.return_types
slogdet_t = namedtuple("slogdet", ["sign", "logabsdet"])
linalg_slogdet_t = namedtuple("linalg_slogdet", ["sign", "logabsdet"])
qr_t = namedtuple("qr", ["Q", "R"])
linalg_qr_t = namedtuple("linalg_qr", ["Q", "R"])
svd_t = namedtuple("svd", ["U", "S", "V"])
linalg_svd_t = namedtuple("linalg_svd", ["U", "S", "Vh"])
linalg_eigh_t = namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
linalg_inv_ex_t = namedtuple("linalg_inv_ex", ["inverse", "info"])
linalg_cholesky_ex_t = namedtuple("linalg_cholesky_ex", ["L", "info"])
linalg_lstsq_t = namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])
for _t in (slogdet_t, linalg_slogdet_t, qr_t, linalg_qr_t, svd_t, linalg_svd_t, linalg_eigh_t, linalg_inv_ex_t,
           linalg_cholesky_ex_t, linalg_lstsq_t):
    _t.__module__ = "reograd.return_types"


def _float_check(op, A):
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}: argument 'A' must be Tensor, not {type(A).__name__}")
    if A._data.dtype.kind not in "fc":
        # eigh/eigvalsh have no integer kernel in PyTorch (NotImplementedError); the others check the dtype
        err = NotImplementedError if op in ("linalg.eigh", "linalg.eigvalsh") else RuntimeError
        raise err(f"{op}: Expected a floating point or complex tensor as input. Got {A.dtype}")


def _square_check(op, A):
    _float_check(op, A)
    if A._data.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions (got shape {list(A.shape)})")
    m, n = A._data.shape[-2:]
    if m != n:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are {m} by {n} matrices")


def _batch_prefix(A, i):
    return f"(Batch element {i}): " if A.ndim > 2 else ""


def _first_zero_pivot(a):
    """1-based index of the first zero pivot of LU with partial pivoting (LAPACK getrf's info), or 0."""
    a = np.array(a, dtype=np.float64 if a.dtype.kind == "f" else np.complex128)
    n = a.shape[0]
    first = 0
    for j in range(n):
        p = j + int(np.argmax(np.abs(a[j:, j])))
        if a[p, j] == 0:
            first = first or j + 1
            continue
        a[[j, p]] = a[[p, j]]
        a[j + 1:, j:] -= np.outer(a[j + 1:, j] / a[j, j], a[j, j:])
    return first


def _singular_info(A):
    """(batch index, getrf info) of the first singular matrix of a batch, or None."""
    flat = np.asarray(A).reshape((int(np.prod(A.shape[:-2])),) + A.shape[-2:])  # (not -1: 0 x 0 matrices)
    for i, a in enumerate(flat):
        info = _first_zero_pivot(a)
        if info:
            return i, info
    return None


def _raise_singular(op, A):
    found = _singular_info(A)
    i, info = found if found else (0, A.shape[-1])
    raise LinAlgError(f"{op}: {_batch_prefix(A, i)}The diagonal element {info} is zero, the inversion could not be "
                      "completed because the input matrix is singular.") from None


def _transpose(a):
    return a.swapaxes(-1, -2)


# =========================================================================== inverse
class Inv(NativeFunction):
    """Y = A^-1;  grad: -Y^T G Y^T;  jvp: -Y dA Y   (from d(A A^-1) = 0)."""

    @staticmethod
    def forward(ctx, a):
        try:
            y = xp_of(a).linalg.inv(a)
        except np.linalg.LinAlgError:
            _raise_singular("linalg.inv", a)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        yt = y.mT
        return -(yt @ g @ yt)

    @staticmethod
    def jvp(ctx, t):
        (y,) = ctx.saved_tensors
        return -(y @ t @ y)


def inv(A, *, out=None):
    """Inverse of each square matrix of A (..., n, n). Singular input raises an error naming the pivot."""
    _square_check("linalg.inv", A)
    return Inv.apply(A)


def inverse(input, *, out=None):
    """Inverse of square matrices (``torch.inverse``, same as ``linalg.inv``)."""
    return inv(input)


def inv_ex(A, *, check_errors=False, out=None):
    """(inverse, info): info is 0, or the getrf pivot index of a singular matrix (then no error unless asked)."""
    _square_check("linalg.inv_ex", A)
    found = _singular_info(A._data)
    info = np.zeros(A._data.shape[:-2], dtype=np.int32)
    if found is None:
        return linalg_inv_ex_t(Inv.apply(A), const(info))
    if check_errors:
        _raise_singular("linalg.inv_ex", A._data)
    flat = info.reshape(-1)
    for i, a in enumerate(A._data.reshape((flat.size,) + A._data.shape[-2:])):
        flat[i] = _first_zero_pivot(a)
    with np.errstate(all="ignore"):
        y = np.full(A._data.shape, np.nan, dtype=A._data.dtype)
    return linalg_inv_ex_t(const(y), const(info))


# =========================================================================== determinants
def _cofactor(a):
    """Cofactor matrix C = adj(A)^T = det(U) det(V) U diag(prod_{j!=i} s_j) V^T (valid when A is singular)."""
    u, s, vh = np.linalg.svd(a)
    n = s.shape[-1]
    prods = np.stack([np.prod(np.delete(s, i, axis=-1), axis=-1) for i in range(n)], axis=-1) if n > 1 \
        else np.ones_like(s)
    sign = np.linalg.det(u) * np.linalg.det(vh)
    return (u * prods[..., None, :]) @ vh * sign[..., None, None]


class Det(NativeFunction):
    """det A;  d det = det * tr(A^-1 dA), so grad = g det A^-T (the cofactor matrix when A is singular)."""

    @staticmethod
    def forward(ctx, a):
        d = xp_of(a).asarray(xp_of(a).linalg.det(a))
        ctx.save_for_backward(a, d)
        return d

    @staticmethod
    def backward(ctx, g):
        a, d = ctx.saved_tensors
        if (d._data == 0).any():
            return g.unsqueeze(-1).unsqueeze(-1) * const(_cofactor(a._data).astype(a._data.dtype))
        return (g * d).unsqueeze(-1).unsqueeze(-1) * Inv.apply(a).mT

    @staticmethod
    def jvp(ctx, t):
        a, d = ctx.saved_tensors
        if (d._data == 0).any():
            return (const(_cofactor(a._data).astype(a._data.dtype)) * t).sum((-2, -1))
        return d * (Inv.apply(a).mT * t).sum((-2, -1))


def det(A, *, out=None):
    """Determinant of each square matrix of A (..., n, n) -> (...)."""
    _square_check("linalg.det", A)
    return Det.apply(A)


class Slogdet(NativeFunction):
    """(sign, log|det A|);  d log|det A| = tr(A^-1 dA): grad = g A^-T. The sign's gradient is zero."""

    _materialize_grads = False

    @staticmethod
    def forward(ctx, a):
        xp = xp_of(a)
        sign, logabs = xp.linalg.slogdet(a)
        sign, logabs = xp.asarray(sign), xp.asarray(logabs)
        ctx.save_for_backward(a)
        return sign, logabs

    @staticmethod
    def backward(ctx, _gsign, g):
        (a,) = ctx.saved_tensors
        if g is None:
            return None
        return g.unsqueeze(-1).unsqueeze(-1) * Inv.apply(a).mT

    @staticmethod
    def jvp(ctx, t):
        (a,) = ctx.saved_tensors
        return None, (Inv.apply(a).mT * t).sum((-2, -1))


def _slogdet(op, A):
    _square_check(op, A)
    return Slogdet.apply(A)


def linalg_slogdet(A, *, out=None):
    """(sign, logabsdet) with det A = sign * exp(logabsdet): stable for large/small determinants."""
    return linalg_slogdet_t(*_slogdet("linalg.slogdet", A))


def slogdet(input, *, out=None):
    """(sign, logabsdet) of square matrices (``torch.slogdet``)."""
    return slogdet_t(*_slogdet("linalg.slogdet", input))


def logdet(input):
    """log det A: nan where det < 0, -inf where det = 0."""
    sign, logabs = _slogdet("logdet", input)
    with np.errstate(invalid="ignore", divide="ignore"):
        return logabs + const(np.log(sign._data))


# =========================================================================== solve
class Solve(NativeFunction):
    """X = A^-1 B (B: (..., n, k), batch dims broadcast).

    grad_B = A^-T G,  grad_A = -grad_B X^T;  jvp: dX = A^-1 (dB - dA X).
    """

    @staticmethod
    def forward(ctx, a, b):
        try:
            x = xp_of(a).linalg.solve(a, b)
        except np.linalg.LinAlgError:
            raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix is singular.") from None
        ctx.save_for_backward(a, b, x)
        return x

    @staticmethod
    def backward(ctx, g):
        a, b, x = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        gb = Solve.apply(a.mT, g)
        ga = -(gb @ x.mT) if na else None

        return (ga if na else None), (gb if nb else None)

    @staticmethod
    def jvp(ctx, ta, tb):
        a, b, x = ctx.saved_tensors
        r = tb if tb is not None else None
        if ta is not None:
            r = -(ta @ x) if r is None else r - ta @ x
        return Solve.apply(a, r)


def solve(A, B, *, left=True, out=None):
    """X with A X = B (left=True) or X A = B. A (..., n, n); B (..., n, k) or a vector (..., n)."""
    _square_check("linalg.solve", A)
    n = A._data.shape[-1]
    if not left:
        return solve(A.mT, B.mT).mT
    vec = B._data.ndim == 1 or (B._data.ndim == A._data.ndim - 1 and B._data.shape == A._data.shape[:-1])
    bs = B._data.shape + (1,) if vec else B._data.shape
    if len(bs) < 2 or bs[-2] != n:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({n}x{n} and {bs[-2] if len(bs) > 1 else bs[-1]}x{bs[-1] if len(bs) > 1 else 1})")
    try:
        np.broadcast_shapes(A._data.shape[:-2], bs[:-2])
    except ValueError:
        raise RuntimeError(f"linalg.solve: batch dimensions of A {list(A.shape)} and B {list(B.shape)} cannot be "
                           "broadcast") from None
    a, b = A, B
    if a._data.dtype != b._data.dtype:
        from ..promotion import promote  # noqa: PLC0415

        a, b, _ = promote(a, b)
    x = Solve.apply(a, b.unsqueeze(-1) if vec else b)
    return x.squeeze(-1) if vec else x


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """X with A X = B for triangular A (only the ``upper`` or lower triangle of A is read)."""
    _square_check("linalg.solve_triangular", A)
    T = triu(A) if upper else tril(A)
    if unitriangular:
        T = T - diag_embed(diagonal(T, 0, -2, -1)) + const(np.eye(A._data.shape[-1], dtype=A._data.dtype))
    return solve(T, B, left=left)


# =========================================================================== cholesky
def _phi(x):
    """Lower triangle with the diagonal halved."""
    return tril(x) - 0.5 * triu(tril(x))


class Cholesky(NativeFunction):
    """A = L L^T (or U^T U with upper=True).

    Backward (Murray 2016, "Differentiation of the Cholesky decomposition"; PyTorch's form):
    P = tril(L^T gL);  Phi = (P + tril(P, -1)^T) / 2;  grad_A = L^-T Phi L^-1.
    jvp: dL = L phi(L^-1 dA L^-T), phi = lower triangle with halved diagonal.
    """

    @staticmethod
    def forward(ctx, a, upper):
        try:
            L = xp_of(a).linalg.cholesky(a)
        except np.linalg.LinAlgError:
            _raise_not_pd("linalg.cholesky", a)
        ctx.upper = upper
        if upper:
            L = _transpose(L)
        ctx.save_for_backward(L)
        return L

    @staticmethod
    def backward(ctx, g):
        (L,) = ctx.saved_tensors
        if ctx.upper:
            L, g = L.mT, g.mT
        p = tril(L.mT @ g)
        phi = 0.5 * (p + tril(p, -1).mT)
        linv = Inv.apply(L)
        return linv.mT @ phi @ linv, None

    @staticmethod
    def jvp(ctx, t, _upper):
        (L,) = ctx.saved_tensors
        if ctx.upper:
            L = L.mT
        linv = Inv.apply(L)
        dL = L @ _phi(linv @ t @ linv.mT)
        return dL.mT if ctx.upper else dL


def _not_pd_order(a):
    for k in range(1, a.shape[-1] + 1):
        try:
            np.linalg.cholesky(a[:k, :k])
        except np.linalg.LinAlgError:
            return k
    return a.shape[-1]


def _pd_info(A):
    """getrf-like info per matrix: 0, or the order of the first leading minor that is not positive-definite."""
    flat = np.asarray(A).reshape((int(np.prod(A.shape[:-2])),) + A.shape[-2:])  # (not -1: 0 x 0 matrices)
    info = np.zeros(flat.shape[0], dtype=np.int32)
    for i, a in enumerate(flat):
        try:
            np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            info[i] = _not_pd_order(a)
    return info.reshape(A.shape[:-2])


def _raise_not_pd(op, a):
    info = _pd_info(a).reshape(-1)
    bad = np.nonzero(info)[0]
    i = int(bad[0]) if bad.size else 0
    raise LinAlgError(f"{op}: {_batch_prefix(a, i)}The factorization could not be completed because the input is not "
                      f"positive-definite (the leading minor of order {int(info[i]) if bad.size else 1} is not "
                      "positive-definite).") from None


def linalg_cholesky(A, *, upper=False, out=None):
    """L lower triangular with A = L L^H for symmetric positive-definite A (..., n, n); U = L^H if upper."""
    _square_check("linalg.cholesky", A)
    return Cholesky.apply(A, bool(upper))


def cholesky(input, upper=False, *, out=None):
    """Cholesky factor (``torch.cholesky``; prefer ``linalg.cholesky``)."""
    return linalg_cholesky(input, upper=upper)


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """(L, info): info is 0 or the order of the leading minor that is not positive-definite."""
    _square_check("linalg.cholesky_ex", A)
    info = _pd_info(A._data)
    if not info.any():
        return linalg_cholesky_ex_t(Cholesky.apply(A, bool(upper)), const(info))
    if check_errors:
        _raise_not_pd("linalg.cholesky_ex", A._data)
    L = np.zeros_like(A._data)
    return linalg_cholesky_ex_t(const(L), const(info))

register(det, logdet, slogdet, inverse, cholesky)
