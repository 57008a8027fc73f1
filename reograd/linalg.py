"""``reograd.linalg``: norms, inverses, determinants, solvers and decompositions (as ``torch.linalg``).

The ops live in ``reograd/ops`` (``linalg.py``: products; ``decomp.py``: decompositions and solvers;
``linalg_norms.py``: norms); this module is the namespace, plus a few functions composed from them.
"""
from __future__ import annotations

import numpy as np

from .autograd.tensor import Tensor
from .ops.decomp import (LinAlgError, cholesky_ex, det, inv, inv_ex, linalg_lstsq_t, solve,  # noqa: F401
                         solve_triangular, _float_check)
from .ops.decomp import linalg_cholesky as cholesky
from .ops.decomp import linalg_slogdet as slogdet
from .ops.decomp_spectral import eigh, eigvalsh, pinv, svdvals, _tolerances  # noqa: F401
from .ops.decomp_spectral import linalg_qr as qr
from .ops.decomp_spectral import linalg_svd as svd
from .ops.decomp_spectral import matrix_power as _matrix_power
from .ops.linalg import matmul, tensordot  # noqa: F401
from .ops.linalg import cross as _cross
from .ops.linalg import diagonal as _diagonal
from .ops.linalg_norms import linalg_norm as norm
from .ops.linalg_norms import matrix_norm, vector_norm  # noqa: F401

__all__ = ["norm", "vector_norm", "matrix_norm", "inv", "inv_ex", "det", "slogdet", "solve", "solve_triangular",
           "cholesky", "cholesky_ex", "qr", "svd", "svdvals", "eigh", "eigvalsh", "pinv", "matrix_power",
           "matrix_rank", "lstsq", "multi_dot", "cross", "diagonal", "matmul", "vecdot", "LinAlgError", "cond"]


def matrix_power(A, n, *, out=None):
    """A^n for square matrices (n an int; negative n uses the inverse)."""
    return _matrix_power(A, n)


def cross(input, other, *, dim=-1, out=None):
    """Cross product of 3-vectors along ``dim`` (default the last), broadcasting the other dims."""
    return _cross(input, other, dim)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """Diagonal of the matrices in the last two dims (a view)."""
    return _diagonal(A, offset, dim1, dim2)


def vecdot(x, y, *, dim=-1, out=None):
    """sum_i conj(x_i) y_i over ``dim``, broadcast."""
    if x.is_complex():
        x = x.conj()
    return (x * y).sum(dim)


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


def multi_dot(tensors, *, out=None):
    """Product of a chain of matrices in the cheapest order (dynamic programming on the shapes).
    The first may be a 1-D row vector and the last a 1-D column vector."""
    ts = list(tensors)
    if len(ts) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(ts)}")
    first_vec, last_vec = ts[0].ndim == 1, ts[-1].ndim == 1
    if first_vec:
        ts[0] = ts[0].unsqueeze(0)
    if last_vec:
        ts[-1] = ts[-1].unsqueeze(-1)
    for i, t in enumerate(ts):
        if t.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
    for i in range(len(ts) - 1):
        if ts[i].shape[1] != ts[i + 1].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {list(ts[i].shape)} and "
                               f"{list(ts[i + 1].shape)} cannot be multiplied")
    n = len(ts)
    dims = [t.shape[0] for t in ts] + [ts[-1].shape[1]]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k

    def prod(i, j):
        if i == j:
            return ts[i]
        k = split[i][j]
        return matmul(prod(i, k), prod(k + 1, j))

    r = prod(0, n - 1)
    if first_vec:
        r = r.squeeze(0)
    if last_vec:
        r = r.squeeze(-1)
    return r


def cond(A, p=None):
    """Condition number ||A|| ||A^-1|| (p None or 2: s_max / s_min)."""
    if p is None or p == 2 or p == -2:
        s = svdvals(A)
        r = s[..., 0] / s[..., -1]
        return r if p != -2 else 1 / r
    return matrix_norm(A, p) * matrix_norm(inv(A), p)
