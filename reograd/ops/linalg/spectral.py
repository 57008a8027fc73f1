"""QR, SVD, symmetric eigendecomposition, pseudo-inverse and matrix powers (batched), with their
backward formulas (see each class's docstring for the source). Split from ``decomp.py``."""
from __future__ import annotations

import numpy as np

from ...autograd.function import NativeFunction
from ...autograd.tensor import Tensor
from ..arguments import const, xp_of
from ..inplace import write_out
from ..registry import register
from ..shape.diagonals import diag_embed, diagonal, tril
from .decompositions import (Inv, _float_check, _square_check, _transpose, inv, linalg_eigh_t, linalg_lstsq_t,
                             linalg_qr_t, linalg_svd_t, qr_t, svd_t)
from .products import matmul


# =========================================================================== QR
def _eye(n, like):
    return const(np.eye(n, dtype=like._data.dtype))


def _cols(x, lo, hi, n):
    """x[..., :, lo:hi] written as x @ E (E: n x (hi - lo) selection), so it differentiates without indexing."""
    e = np.zeros((n, hi - lo), dtype=x._data.dtype)
    e[np.arange(lo, hi), np.arange(hi - lo)] = 1
    return x @ const(e)


def _place_cols(x, lo, n):
    """x (..., r, k) placed at columns lo:lo+k of a (..., r, n) zero matrix."""
    k = x.shape[-1]
    e = np.zeros((k, n), dtype=x._data.dtype)
    e[np.arange(k), np.arange(lo, lo + k)] = 1
    return x @ const(e)


def _qr_backward_tall(Q, R, gQ, gR):
    """m >= n, reduced: M = R gR^T - gQ^T Q;  grad_A = (gQ + Q copyltu(M)) R^-T
    (Walter & Lehmann 2018; Liao et al. 2019, "Differentiable programming tensor networks")."""
    M = None
    if gR is not None:
        M = R @ gR.mT
    if gQ is not None:
        M = -(gQ.mT @ Q) if M is None else M - gQ.mT @ Q
    b = Q @ (tril(M) + tril(M, -1).mT)
    if gQ is not None:
        b = b + gQ
    return b @ Inv.apply(R).mT


class QR(NativeFunction):
    """A = Q R (Householder, LAPACK geqrf). Backward for mode 'reduced' (any shape) and 'complete' with
    m <= n; for m < n, A = [X | Y], R = [U | V]: X = Q U is square, V = Q^T Y."""

    _materialize_grads = False

    @staticmethod
    def forward(ctx, a, mode):
        xp = xp_of(a)
        ctx.mode = mode
        if mode == "r":
            r = xp.linalg.qr(a, mode="r")
            q = xp.zeros((0,), dtype=a.dtype)
            ctx.save_for_backward(q, r)
            return q, r
        q, r = xp.linalg.qr(a, mode=mode)
        ctx.save_for_backward(q, r)
        return q, r

    @staticmethod
    def backward(ctx, gQ, gR):
        Q, R = ctx.saved_tensors
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                               "Please use linalg.qr(A, mode='reduced') if you are going to differentiate through "
                               "linalg.qr.")
        m, n = Q.shape[-2], R.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        if m >= n:
            return _qr_backward_tall(Q, R, gQ, gR), None
        U = _cols(R, 0, m, n)
        gU = gV = None
        if gR is not None:
            gU, gV = _cols(gR, 0, m, n), _cols(gR, m, n, n)
            Y = Q @ _cols(R, m, n, n)
            gQ = Y @ gV.mT if gQ is None else gQ + Y @ gV.mT
        gX = _qr_backward_tall(Q, U, gQ, gU)
        gA = _place_cols(gX, 0, n)
        if gV is not None:
            gA = gA + _place_cols(Q @ gV, m, n)
        return gA, None


def _qr(op, A, mode):
    _float_check(op, A)
    if A._data.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions (got shape {list(A.shape)})")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or "
                           "'complete'")
    return QR.apply(A, mode)


def linalg_qr(A, mode="reduced", *, out=None):
    """A = Q R with Q orthonormal columns, R upper triangular. mode: 'reduced' (Q (m, k), R (k, n), k = min(m, n)),
    'complete' (Q (m, m), R (m, n)), 'r' (R only; Q is empty)."""
    return linalg_qr_t(*_qr("linalg.qr", A, mode))


def qr(input, some=True, *, out=None):
    """(Q, R) of ``torch.qr``: some=True is mode 'reduced', False is 'complete'."""
    return qr_t(*_qr("qr", input, "reduced" if some else "complete"))


# =========================================================================== SVD
class SVD(NativeFunction):
    """A = U diag(S) Vh (LAPACK gesdd). Backward for the reduced factors (full ones are narrowed to k), with
    E_ij = S_j^2 - S_i^2 (i != j), skew(X) = X - X^T (PyTorch's svd_backward; Townsend 2016):

        grad_A = U [ (skew(U^T gU) S + S skew(V^T gV)) / E + diag(gS) ] Vh
                 + (I - U U^T) gU S^-1 Vh + U S^-1 gVh (I - V V^T)   (the last terms when m > k or n > k)
    Defined when singular values are distinct (and nonzero if U or V get a gradient with m != n)."""

    _materialize_grads = False

    @staticmethod
    def forward(ctx, a, full_matrices):
        u, s, vh = xp_of(a).linalg.svd(a, full_matrices=full_matrices)
        ctx.full = full_matrices
        ctx.save_for_backward(u, s, vh)
        return u, s, vh

    @staticmethod
    def backward(ctx, gU, gS, gVh):
        U, S, Vh = ctx.saved_tensors
        m, n, k = U.shape[-2], Vh.shape[-1], S.shape[-1]
        if ctx.full:
            if U.shape[-1] != k:
                U = _cols(U, 0, k, m)
                gU = None if gU is None else _cols(gU, 0, k, m)
            if Vh.shape[-2] != k:
                Vh = _cols(Vh.mT, 0, k, n).mT
                gVh = None if gVh is None else _cols(gVh.mT, 0, k, n).mT
        return _svd_backward(U, S, Vh, gU, gS, gVh), None


def _svd_backward(U, S, Vh, gU, gS, gVh):
    m, n, k = U.shape[-2], Vh.shape[-1], S.shape[-1]
    if gU is None and gVh is None:
        if gS is None:
            return None
        return (U * gS.unsqueeze(-2)) @ Vh
    S2 = S * S
    E = S2.unsqueeze(-2) - S2.unsqueeze(-1) + _eye(k, S)
    inner = None
    if gU is not None:
        x = U.mT @ gU
        inner = (x - x.mT) * S.unsqueeze(-2)
    if gVh is not None:
        x = Vh @ gVh.mT
        t = S.unsqueeze(-1) * (x - x.mT)
        inner = t if inner is None else inner + t
    inner = inner / E
    if gS is not None:
        inner = inner + diag_embed(gS)
    if m > k and gU is not None:
        gA = U @ inner
        gus = gU / S.unsqueeze(-2)
        gA = gA + gus - U @ (U.mT @ gus)
        return gA @ Vh
    if n > k and gVh is not None:
        gA = inner @ Vh
        sgv = gVh / S.unsqueeze(-1)
        gA = gA + sgv - (sgv @ Vh.mT) @ Vh
        return U @ gA
    return U @ inner @ Vh


def _svd_check(op, A):
    _float_check(op, A)
    if A._data.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions (got shape {list(A.shape)})")


def linalg_svd(A, full_matrices=True, *, driver=None, out=None):
    """A = U diag(S) Vh; S descending. full_matrices=False gives U (m, k), Vh (k, n) with k = min(m, n)."""
    _svd_check("linalg.svd", A)
    return linalg_svd_t(*SVD.apply(A, bool(full_matrices)))


def svd(input, some=True, compute_uv=True, *, out=None):
    """``torch.svd``: returns (U, S, V) with V (not Vh); some=True gives the reduced factors.
    compute_uv=False gives zero-filled U and V."""
    _svd_check("svd", input)
    if not compute_uv:
        s = svdvals(input)
        m, n = input._data.shape[-2:]
        b = input._data.shape[:-2]
        z = np.zeros
        return svd_t(const(z(b + (m, m), input._data.dtype)), s, const(z(b + (n, n), input._data.dtype)))
    u, s, vh = SVD.apply(input, not some)
    return svd_t(u, s, vh.mT)


def svdvals(A, *, driver=None, out=None):
    """Singular values of A (..., m, n), descending, shape (..., min(m, n)). Grad: U diag(g) Vh."""
    _svd_check("linalg.svdvals", A)
    if A.requires_grad or A._fw_grad is not None:
        return SVD.apply(A, False)[1]
    return const(xp_of(A._data).linalg.svd(A._data, compute_uv=False))


# =========================================================================== eigh
class Eigh(NativeFunction):
    """A = V diag(L) V^T for symmetric A (only the UPLO triangle is read); L ascending.

    Backward (PyTorch's linalg_eig_backward, hermitian case): with E_ij = L_j - L_i,
        grad_A = V (diag(gL) + offdiag(V^T gV / E)) V^T.
    jvp: dL = diag(V^T dA V),  dV = V (offdiag(V^T dA V / E)).
    Defined for distinct eigenvalues."""

    _materialize_grads = False

    @staticmethod
    def forward(ctx, a, uplo):
        L, V = xp_of(a).linalg.eigh(a, UPLO=uplo)
        ctx.save_for_backward(L, V)
        return L, V

    @staticmethod
    def backward(ctx, gL, gV):
        L, V = ctx.saved_tensors
        n = L.shape[-1]
        inner = None
        if gV is not None:
            E = L.unsqueeze(-2) - L.unsqueeze(-1) + _eye(n, L)
            x = (V.mT @ gV) / E
            inner = x - diag_embed(diagonal(x, 0, -2, -1))
        if gL is not None:
            inner = diag_embed(gL) if inner is None else inner + diag_embed(gL)
        if inner is None:
            return None, None
        return V @ inner @ V.mT, None

    @staticmethod
    def jvp(ctx, t, _uplo):
        L, V = ctx.saved_tensors
        n = L.shape[-1]
        x = V.mT @ t @ V
        dL = diagonal(x, 0, -2, -1)
        E = L.unsqueeze(-2) - L.unsqueeze(-1) + _eye(n, L)
        y = x / E
        dV = V @ (y - diag_embed(diagonal(y, 0, -2, -1)))
        return dL, dV


def _eigh(op, A, UPLO):
    _square_check(op, A)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"{op}: Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return Eigh.apply(A, UPLO)


def eigh(A, UPLO="L", *, out=None):
    """Eigenvalues (ascending) and orthonormal eigenvectors (columns) of symmetric matrices (..., n, n)."""
    return linalg_eigh_t(*_eigh("linalg.eigh", A, UPLO))


def eigvalsh(A, UPLO="L", *, out=None):
    """Eigenvalues (ascending) of symmetric matrices. Grad: V diag(g) V^T."""
    if A.requires_grad or A._fw_grad is not None:
        return _eigh("linalg.eigvalsh", A, UPLO)[0]
    _square_check("linalg.eigvalsh", A)
    return const(xp_of(A._data).linalg.eigvalsh(A._data, UPLO=UPLO))


# =========================================================================== pseudo-inverse
def _tolerances(A, atol, rtol):
    m, n = A._data.shape[-2:]
    if isinstance(atol, Tensor):
        atol = atol._data
    if isinstance(rtol, Tensor):
        rtol = rtol._data
    if rtol is None:
        rtol = np.finfo(A._data.dtype).eps * max(m, n) if atol is None or np.all(np.asarray(atol) <= 0) else 0.0
    return (0.0 if atol is None else atol), rtol


class Pinv(NativeFunction):
    """A^+ by SVD (or eigh when hermitian), singular values <= max(atol, rtol * s_max) dropped.

    Backward (Golub & Pereyra 1973; PyTorch's pinv_backward), for m <= n with P = A^+, K = G^T P:
        grad_A = -(P K)^T + K P^T - A P K P^T + P^T P (G^T - K A)    (transposed roles when m > n)."""

    @staticmethod
    def forward(ctx, a, atol, rtol, hermitian):
        xp = xp_of(a)
        if hermitian:
            w, v = xp.linalg.eigh(a)
            cut = xp.maximum(atol, rtol * xp.abs(w).max(-1, initial=0.0))
            keep = xp.abs(w) > cut[..., None] if xp.ndim(cut) else xp.abs(w) > cut
            winv = xp.where(keep, 1 / xp.where(keep, w, 1), 0).astype(a.dtype)
            p = (v * winv[..., None, :]) @ _transpose(v)
        else:
            u, s, vh = xp.linalg.svd(a, full_matrices=False)
            cut = xp.maximum(atol, rtol * s.max(-1, initial=0.0))
            keep = s > (cut[..., None] if xp.ndim(cut) else cut)
            sinv = xp.where(keep, 1 / xp.where(keep, s, 1), 0).astype(a.dtype)
            p = (_transpose(vh) * sinv[..., None, :]) @ _transpose(u)
        ctx.save_for_backward(a, p)
        return p

    @staticmethod
    def backward(ctx, g):
        A, P = ctx.saved_tensors
        m, n = A.shape[-2:]
        gh, ph = g.mT, P.mT
        if m <= n:
            K = gh @ P
            Kph = K @ ph
            gA = -(P @ K).mT + Kph - (A @ P) @ Kph + (ph @ P) @ (gh - K @ A)
        else:
            K = P @ gh
            phK = ph @ K
            gA = -(K @ P).mT + ((gh - A @ K) @ P) @ ph + phK - (phK @ P) @ A
        return gA, None, None, None


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """Moore-Penrose pseudo-inverse of A (..., m, n) -> (..., n, m)."""
    _svd_check("linalg.pinv", A)
    atol, rtol = _tolerances(A, atol, rtol)
    return Pinv.apply(A, atol, rtol, bool(hermitian))


def pinverse(input, rcond=1e-15):
    """Pseudo-inverse (``torch.pinverse``): singular values below rcond * s_max are dropped."""
    return pinv(input, rtol=rcond)


def matrix_power(input, n):
    """A^n for square matrices by repeated squaring (n < 0: the inverse's power; n = 0: identity)."""
    _square_check("linalg.matrix_power", input) if input._data.dtype.kind in "fc" else None
    n = int(n)
    if n == 0:
        eye = np.broadcast_to(np.eye(input._data.shape[-1], dtype=input._data.dtype), input._data.shape)
        return const(eye.copy()) if not input.requires_grad else input * 0 + const(eye)
    a = inv(input) if n < 0 else input
    n = abs(n)
    result = None
    while n:
        if n & 1:
            result = a if result is None else result @ a
        n >>= 1
        if n:
            a = a @ a
    return result


def linalg_matrix_power(A, n, *, out=None):
    """A^n for square matrices (n an int; negative n uses the inverse)."""
    return write_out(matrix_power(A, n), out)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """Number of singular values (|eigenvalues| if hermitian) > max(atol, rtol * largest). int64, no grad."""
    _float_check("linalg.matrix_rank", A)
    if A.dim() < 2:
        raise RuntimeError(f"linalg.matrix_rank: The input tensor A must have at least 2 dimensions (got shape "
                           f"{list(A.shape)}).")
    a = A._data
    s = np.abs(np.linalg.eigvalsh(a)) if hermitian else np.linalg.svd(a, compute_uv=False)
    atol, rtol = _tolerances(A, atol, rtol)
    smax = s.max(-1, initial=0.0)
    tol = np.maximum(atol, rtol * smax)
    return Tensor._make(np.asarray((s > np.expand_dims(tol, -1)).sum(-1), dtype=np.int64))


def lstsq(A, B, rcond=None, *, driver=None):
    """Least-squares solution X minimising ||A X - B|| (minimum norm when rank-deficient), as driver 'gelsy':
    returns (solution, residuals, rank, singular_values) with empty residuals and singular values.
    Differentiable through the pseudo-inverse."""
    _float_check("linalg.lstsq", A)
    vec = B._data.ndim == A._data.ndim - 1
    m = A._data.shape[-2]
    if (B._data.shape[-1] if vec else B._data.shape[-2]) != m:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2) (shapes {list(A.shape)} "
                           f"and {list(B.shape)})")
    rtol = rcond if rcond is not None and rcond > 0 else None
    P = pinv(A, rtol=rtol) if rtol is not None else pinv(A)
    X = matmul(P, B.unsqueeze(-1)).squeeze(-1) if vec else matmul(P, B)
    rank = matrix_rank(A) if rtol is None else matrix_rank(A, rtol=rtol)
    empty = Tensor._make(np.zeros((0,), dtype=A._data.dtype))
    return linalg_lstsq_t(X, empty, rank, Tensor._make(np.zeros((0,), dtype=A._data.dtype)))


register(qr, svd, pinverse, matrix_power)
