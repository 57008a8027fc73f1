"""Reductions: sums, means, extrema, statistics, cumulative ops and sorting.

``dim`` is an int, a tuple of ints or None (all dims); negative dims count from the end;
``keepdim=True`` keeps reduced dims as size 1. Backward broadcasts the gradient back over the
reduced dims (reshape to the keepdim shape, then expand).
"""
from __future__ import annotations

from .. import backend
from ..autograd.function import NativeFunction
from ..autograd.tensor import Tensor, attach_methods

__all__ = ["sum", "mean"]


def normalize_dims(dim, ndim, op="reduce"):
    """``dim`` (None, int, or sequence) as a sorted tuple of non-negative dims."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        dims = dim
        if len(dims) == 0:
            return tuple(range(ndim))
    else:
        dims = (dim,)
    m = max(ndim, 1)
    out = []
    for d in dims:
        d = int(d)
        if not -m <= d < m:
            raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{-m}, {m - 1}], but got {d})")
        d = d % m if ndim else 0
        if d in out:
            raise RuntimeError(f"{op}: dim {d} appears multiple times in the list of dims")
        out.append(d)
    return tuple(sorted(out)) if ndim else ()


def keepdim_shape(shape, dims):
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def expand_back(g, in_shape, dims, keepdim):
    """Gradient of a reduction: g (reduced shape) broadcast back to ``in_shape``."""
    if not keepdim and dims:
        g = g.reshape(keepdim_shape(in_shape, dims))
    return g.expand(in_shape)


class Sum(NativeFunction):
    """sum over dims;  d/dx = 1 for every element (the gradient is broadcast back)"""

    @staticmethod
    def forward(ctx, a, dims, keepdim, dtype):
        ctx.in_shape, ctx.dims, ctx.keepdim = a.shape, dims, keepdim
        return a.sum(axis=dims, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, g):
        return expand_back(g, ctx.in_shape, ctx.dims, ctx.keepdim), None, None, None

    @staticmethod
    def jvp(ctx, t, *_):
        return t.sum(ctx.dims, keepdim=ctx.keepdim)


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A001
    """Sum of elements over ``dim`` (all by default). Integer and bool inputs sum as int64."""
    dims = normalize_dims(dim, input._data.ndim, "sum")
    dt = backend.as_dtype(dtype)
    if dt is None and input._data.dtype.kind in "biu":
        dt = backend.int64
    return Sum.apply(input, dims, keepdim, None if dt is None else dt.np)


class Mean(NativeFunction):
    """mean over dims;  d/dx = 1/n"""

    @staticmethod
    def forward(ctx, a, dims, keepdim):
        ctx.in_shape, ctx.dims, ctx.keepdim = a.shape, dims, keepdim
        n = 1
        for d in dims:
            n *= a.shape[d]
        ctx.n = n
        with backend.np.errstate(invalid="ignore", divide="ignore"):
            return a.mean(axis=dims, keepdims=keepdim).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        return expand_back(g / max(ctx.n, 1) if ctx.n else g * float("nan"), ctx.in_shape, ctx.dims,
                           ctx.keepdim), None, None

    @staticmethod
    def jvp(ctx, t, *_):
        return t.mean(ctx.dims, keepdim=ctx.keepdim)


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Arithmetic mean over ``dim``. Input must be floating point (or pass ``dtype``)."""
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {input.dtype}")
    return Mean.apply(input, normalize_dims(dim, input._data.ndim, "mean"), keepdim)


attach_methods(sum=sum, mean=mean)
