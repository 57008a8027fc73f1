"""Vector and matrix norms (``linalg.vector_norm``, ``linalg.matrix_norm``, ``linalg.norm``, ``torch.norm``).

The vector p-norm ||x||_p = (sum |x_i|^p)^(1/p) is one op with its own backward; the matrix norms
are built from it and from the singular values:  'fro' = 2-norm of the entries, 'nuc' = sum of
singular values, 2 / -2 = largest / smallest singular value, 1 / -1 = max / min column abs-sum,
inf / -inf = max / min row abs-sum.
"""
from __future__ import annotations

import math

import numpy as np

from ...autograd.function import NativeFunction
from ...autograd.tensor import Tensor
from ..arguments import xp_of
from ..reduction.base import normalize_dims
from .decompositions import inv
from .spectral import svdvals

INF = math.inf


class _Sign(NativeFunction):
    """sign(x) (private); its derivative is zero (a graph node all the same, as PyTorch's sgn)."""

    @staticmethod
    def forward(ctx, a):
        ctx.shape = a.shape
        return xp_of(a).sign(a)

    @staticmethod
    def backward(ctx, g):
        return g * 0

    @staticmethod
    def jvp(ctx, t):
        return t * 0


class _Abs(NativeFunction):
    """|x| (private: the norms' backward needs it; sign(x) is a constant of the derivative)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return xp_of(a).abs(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * _Sign.apply(a)

    @staticmethod
    def jvp(ctx, t):
        (a,) = ctx.saved_tensors
        return t * _Sign.apply(a)


def _dnorm(x, nk, ord, dims):
    """d ||x||_ord / dx as a Tensor (nk: the norm with reduced dims kept), zero where the norm is 0."""
    xp = xp_of(x._data)
    dt = x._data.dtype
    sign = _Sign.apply(x)
    zero = nk._data == 0
    if ord == 0:
        return Tensor._make(xp.zeros_like(x._data))
    if ord == 1:
        return sign
    if ord in (INF, -INF):
        ax = xp.abs(x._data)
        mask = (ax == nk._data) | xp.isnan(ax)
        count = mask.sum(axis=dims, keepdims=True)
        return sign * Tensor._make((mask / count).astype(dt))
    nz = Tensor._make((~zero).astype(dt))
    safe_n = nk + Tensor._make(zero.astype(dt))
    if ord == 2:
        return x * nz / safe_n
    ax = _Abs.apply(x)
    if ord < 1:
        xz = x._data == 0
        scaled = sign * (ax + Tensor._make(xz.astype(dt))) ** (ord - 1) * Tensor._make((~xz).astype(dt))
        return scaled * nk ** (1 - ord)
    scaled = sign * ax ** (ord - 1) if ord < 2 else x * ax ** (ord - 2)
    return scaled * nz / safe_n ** (ord - 1)


class VectorNorm(NativeFunction):
    """||x||_ord over dims. grad (PyTorch's norm_backward): x / ||x|| for ord 2; sign(x) |x|^(p-1) / ||x||^(p-1)
    in general; sign(x) for 1; for +-inf the gradient is split evenly among the extremal entries;
    0 for ord 0. Zero where the norm is zero."""

    @staticmethod
    def forward(ctx, x, ord, dims, keepdim):
        xp = xp_of(x)
        ctx.ord, ctx.dims, ctx.keepdim = ord, dims, keepdim
        ax = xp.abs(x)
        if ord == 2:
            n = xp.sqrt((ax * ax).sum(axis=dims, keepdims=keepdim))
        elif ord == 1:
            n = ax.sum(axis=dims, keepdims=keepdim)
        elif ord == INF:
            n = ax.max(axis=dims, keepdims=keepdim)
        elif ord == -INF:
            n = ax.min(axis=dims, keepdims=keepdim)
        elif ord == 0:
            n = (x != 0).sum(axis=dims, keepdims=keepdim).astype(ax.dtype)
        else:
            with np.errstate(divide="ignore"):
                n = (ax ** ord).sum(axis=dims, keepdims=keepdim) ** (1.0 / ord)
        n = xp.asarray(n, dtype=ax.dtype)
        ctx.save_for_backward(x, n)
        return n

    @staticmethod
    def backward(ctx, g):
        x, n = ctx.saved_tensors
        if not ctx.keepdim:
            shape = tuple(1 if i in ctx.dims else s for i, s in enumerate(x.shape))
            g, n = g.reshape(shape), n.reshape(shape)
        return _dnorm(x, n, ctx.ord, ctx.dims) * g, None, None, None

    @staticmethod
    def jvp(ctx, t, *_):
        x, n = ctx.saved_tensors
        if not ctx.keepdim:
            n = n.reshape(tuple(1 if i in ctx.dims else s for i, s in enumerate(x.shape)))
        return (_dnorm(x, n, ctx.ord, ctx.dims) * t).sum(ctx.dims, keepdim=ctx.keepdim)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """Vector norm over ``dim`` (all dims by default, the input taken as a flat vector).

    ord: p (sum |x|^p)^(1/p); inf: max |x|; -inf: min |x|; 0: number of nonzeros.
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg.vector_norm: argument 'x' must be Tensor, not {type(x).__name__}")
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {x.dtype}")
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got '{ord}' (use matrix_norm for matrix norms)")
    dims = normalize_dims(dim, x._data.ndim, "linalg.vector_norm")
    if x._data.size == 0 and ord < 0 or (ord == INF and any(x._data.shape[d] == 0 for d in dims)):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on an empty tensor because the "
                           "operation does not have an identity")
    ord = float(ord)
    if ord.is_integer() and abs(ord) < 1e15:
        ord = int(ord)
    return VectorNorm.apply(x, ord, dims, keepdim)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """Matrix norm over the two dims ``dim``: 'fro', 'nuc', 2, -2 (singular values), 1, -1, inf, -inf."""
    if dtype is not None:
        A = A.to(dtype)
    if A._data.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.matrix_norm: Expected a floating point or complex tensor as input. Got {A.dtype}")
    n = A._data.ndim
    if n < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 dimensions (got shape "
                           f"{list(A.shape)})")
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {list(dim)}")
    d0, d1 = (int(d) % n if -n <= int(d) < n else None for d in dim)
    if d0 is None or d1 is None:
        raise IndexError(f"linalg.matrix_norm: Dimension out of range (dims {list(dim)} for a {n}-D tensor)")
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        perm = [i for i in range(n) if i not in (d0, d1)] + [d0, d1]
        s = svdvals(A.permute(perm))
        if ord == "nuc":
            r = s.sum(-1)
        else:
            r = vector_norm(s, INF if ord == 2 else -INF, -1)
        if keepdim:
            for d in sorted((d0, d1)):
                r = r.unsqueeze(d)
        return r
    if ord in (1, -1, INF, -INF):
        inner, outer = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = vector_norm(A, 1, inner, keepdim=True)
        r = vector_norm(sums, INF if ord > 0 else -INF, outer, keepdim=True)
        return r if keepdim else r.squeeze((d0, d1))
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):
    """``linalg.norm``: a vector norm (dim an int, or 1-D input) or a matrix norm (dim a pair, or 2-D input).
    With ord and dim both None: the 2-norm of the flattened input."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(dim) == 2 or (dim is None and ord is not None and A._data.ndim == 2):
        return matrix_norm(A, "fro" if ord is None else ord, (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    if dim is None and ord is not None and A._data.ndim != 1:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                           f"{A._data.ndim}D.")
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.norm: ord '{ord}' needs a matrix: pass dim as a pair")
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """``torch.norm`` (deprecated in PyTorch in favour of ``linalg.*_norm``): 'fro' or a number p gives the
    vector norm over ``dim`` (all by default); 'nuc' (or 'fro' with a 2-tuple dim) a matrix norm."""
    if isinstance(dim, int):
        dim = (dim,)
    if p == "fro" and (dim is None or len(dim) != 2):
        return vector_norm(input, 2, dim, keepdim, dtype=dtype)
    if isinstance(p, str):
        return matrix_norm(input, p, (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    return vector_norm(input, 2 if p is None else p, dim, keepdim, dtype=dtype)


def cond(A, p=None):
    """Condition number ||A|| ||A^-1|| (p None or 2: s_max / s_min)."""
    if p is None or p == 2 or p == -2:
        s = svdvals(A)
        r = s[..., 0] / s[..., -1]
        return r if p != -2 else 1 / r
    return matrix_norm(A, p) * matrix_norm(inv(A), p)
