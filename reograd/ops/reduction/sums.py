"""Reductions: sums, means, products, statistics, logical reductions.

``dim`` is an int, a tuple of ints or None (all dims); negative dims count from the end;
``keepdim=True`` keeps reduced dims as size 1. Backward broadcasts the gradient back over the
reduced dims (reshape to the keepdim shape, then expand) and multiplies it by the local
derivative ("coefficient") of the reduction; the jvp sums tangent * coefficient over the dims.

Extrema and norms live in ``extrema.py``, cumulative ops in ``cumulative.py``, sorting and
order statistics in ``sorting.py``; all are re-exported here.
"""
from __future__ import annotations

import builtins
import warnings

from ... import backend
from ...autograd.broadcast import sum_to_shape
from ...autograd.function import NativeFunction
from ...autograd.tensor import Tensor
from ..arguments import const, xp_of
from ..registry import register
from .base import Flip, Shift, ZeroGrad, expand_back, move_dims_last, normalize_dims, reduction_dim


def _sum_to_size(self, *size):
    """``x.sum_to_size(*size)``: x summed down to ``size`` (the inverse of expanding ``size`` to x's shape):
    leading dims are summed away and dims where size is 1 summed with keepdim. ``size`` must be expandable
    to x's shape. Example: ``torch.ones(2, 3).sum_to_size(1, 3)`` is ``[[2, 2, 2]]``."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    size = tuple(int(s) for s in size)
    shape = tuple(self._data.shape)
    ok = len(size) <= len(shape) and builtins.all(s == t or s == 1 for s, t in zip(size[::-1], shape[::-1]))
    if not ok:
        raise RuntimeError(f"size {list(size)} is not expandable to size {list(shape)}.")
    return sum_to_shape(self, size)

register(sum_to_size=_sum_to_size)


def _numel(shape, dims):
    n = 1
    for d in dims:
        n *= shape[d]
    return n


# --------------------------------------------------------------------------- a reduction by coefficients
class CoefReduce(NativeFunction):
    """out = reduce(x); d out / d x = coef (a constant array: masks, 1/count).

    ``fn(a, dims) -> (out with keepdim, coef)``. Used by nansum, nanmean, amax/amin, max()/min(),
    median(), norm(inf): their gradients are piecewise constant, so the second derivative is 0.
    """

    @staticmethod
    def forward(ctx, a, dims, keepdim, fn, name):
        ctx.in_shape, ctx.dims, ctx.keepdim, ctx.node_name = a.shape, dims, keepdim, name
        out, coef = fn(a, dims)
        ctx.coef = coef
        return out if keepdim else out.reshape(tuple(s for i, s in enumerate(a.shape) if i not in dims))

    @staticmethod
    def backward(ctx, g):
        return expand_back(g, ctx.in_shape, ctx.dims, ctx.keepdim) * const(ctx.coef), None, None, None, None

    @staticmethod
    def jvp(ctx, t, *_):
        return (t * const(ctx.coef)).sum(ctx.dims, keepdim=ctx.keepdim)


# --------------------------------------------------------------------------- sum / mean
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


def _int_to_long(input, dtype):
    """The dtype a sum/prod accumulates in: ``dtype`` if given, int64 for bool/integer input."""
    dt = backend.as_dtype(dtype)
    if dt is None and input._data.dtype.kind in "biu":
        dt = backend.int64
    return dt


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A001
    """Sum of elements over ``dim`` (all by default). Integer and bool inputs sum as int64.

    >>> reograd.tensor([[1., 2.], [3., 4.]]).sum(1)
    tensor([3., 7.])
    """
    dims = normalize_dims(dim, input._data.ndim, "sum")
    dt = _int_to_long(input, dtype)
    if dt is not None and dt.category >= backend.FLOAT and input._data.dtype != dt.np:
        input = input.to(dt)
    return Sum.apply(input, dims, keepdim, None if dt is None else dt.np)


class Mean(NativeFunction):
    """mean over dims;  d/dx = 1/n"""

    @staticmethod
    def forward(ctx, a, dims, keepdim):
        ctx.in_shape, ctx.dims, ctx.keepdim = a.shape, dims, keepdim
        ctx.n = _numel(a.shape, dims)
        with backend.np.errstate(invalid="ignore", divide="ignore"):
            return xp_of(a).asarray(a.mean(axis=dims, keepdims=keepdim)).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        g = g / ctx.n if ctx.n else g * float("nan")
        return expand_back(g, ctx.in_shape, ctx.dims, ctx.keepdim), None, None

    @staticmethod
    def jvp(ctx, t, *_):
        return t.mean(ctx.dims, keepdim=ctx.keepdim)


def _float_only(input, dtype, op):
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"{op}(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {str(input.dtype).split('.')[-1].capitalize()}")
    return input


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Arithmetic mean over ``dim``: sum / count. Input must be floating point (or pass ``dtype``)."""
    input = _float_only(input, dtype, "mean")
    return Mean.apply(input, normalize_dims(dim, input._data.ndim, "mean"), keepdim)


def _nansum_fn(a, dims):
    xp = xp_of(a)
    ok = ~xp.isnan(a)
    return xp.where(ok, a, 0).sum(axis=dims, keepdims=True), ok.astype(a.dtype)


def _nanmean_fn(a, dims):
    xp = xp_of(a)
    ok = ~xp.isnan(a)
    cnt = ok.sum(axis=dims, keepdims=True)
    with backend.np.errstate(invalid="ignore", divide="ignore"):
        out = (xp.where(ok, a, 0).sum(axis=dims, keepdims=True) / cnt).astype(a.dtype)
        coef = (ok / cnt).astype(a.dtype)
    return out, coef


def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum treating NaN as zero (NaN elements get zero gradient)."""
    if input._data.dtype.kind not in "fc" or dtype is not None and backend.as_dtype(dtype).category < backend.FLOAT:
        return sum(input, dim, keepdim, dtype=dtype)
    if dtype is not None:
        input = input.to(dtype)
    dims = normalize_dims(dim, input._data.ndim, "nansum")
    return CoefReduce.apply(input, dims, keepdim, _nansum_fn, "NansumBackward0")


def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean of the non-NaN elements: nansum / count of non-NaN (NaN if there are none)."""
    input = _float_only(input, dtype, "nanmean")
    dims = normalize_dims(dim, input._data.ndim, "nanmean")
    return CoefReduce.apply(input, dims, keepdim, _nanmean_fn, "NanmeanBackward0")


# --------------------------------------------------------------------------- prod
class Prod(NativeFunction):
    """prod over dims;  d/dx_i = prod_{k != i} x_k  (exact also where inputs are zero)"""

    @staticmethod
    def forward(ctx, a, dims, keepdim, dtype):
        ctx.in_shape, ctx.dims, ctx.keepdim = a.shape, dims, keepdim
        y = a.prod(axis=dims, keepdims=keepdim, dtype=dtype)
        y = xp_of(a).asarray(y)
        ctx.save_for_backward(a, y)
        ctx.has_zero = bool((a == 0).any())
        return y

    @staticmethod
    def _coef(ctx):
        a, y = ctx.saved_tensors
        if not ctx.has_zero:
            return expand_back(y, ctx.in_shape, ctx.dims, ctx.keepdim) / a
        if a._data.ndim == 0:
            return const(xp_of(a._data).ones((), dtype=a._data.dtype))
        # prod of the others = (exclusive prod from the left) * (exclusive prod from the right)
        from .cumulative import cumprod  # noqa: PLC0415

        x, undo = move_dims_last(a, ctx.dims)
        left = cumprod(Shift.apply(x, x.ndim - 1, 1, 1), -1)
        right = Flip.apply(cumprod(Flip.apply(Shift.apply(x, x.ndim - 1, -1, 1), -1), -1), -1)
        return undo(left * right)

    @staticmethod
    def backward(ctx, g):
        return expand_back(g, ctx.in_shape, ctx.dims, ctx.keepdim) * Prod._coef(ctx), None, None, None

    @staticmethod
    def jvp(ctx, t, *_):
        return (t * Prod._coef(ctx)).sum(ctx.dims, keepdim=ctx.keepdim)


def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Product of elements (all, or along the single dim ``dim``). Integer and bool inputs give int64."""
    if dim is None:
        dims = tuple(range(input._data.ndim))
        keepdim = False
    else:
        dims = (reduction_dim(dim, input._data.ndim, "prod"),) if input._data.ndim else ()
    dt = _int_to_long(input, dtype)
    if dt is not None and dt.category >= backend.FLOAT and input._data.dtype != dt.np:
        input = input.to(dt)
    return Prod.apply(input, dims, keepdim, None if dt is None else dt.np)


# --------------------------------------------------------------------------- var / std
class Var(NativeFunction):
    """var = sum (x - mean)^2 / (N - correction);  d/dx = 2 (x - mean) / (N - correction).

    With ``root`` it is std = sqrt(var), d/dx = (x - mean) / ((N - correction) std), 0 where std = 0.
    """

    @staticmethod
    def forward(ctx, a, dims, correction, keepdim, root, full=False):
        ctx.in_shape, ctx.dims, ctx.keepdim, ctx.root, ctx.full = a.shape, dims, keepdim, root, full
        ctx.dof = _numel(a.shape, dims) - correction
        xp = xp_of(a)
        with backend.np.errstate(invalid="ignore", divide="ignore"):
            m = a.mean(axis=dims, keepdims=True)
            d = a - m
            if d.dtype.kind == "c":
                ss = (d.real ** 2 + d.imag ** 2).sum(axis=dims, keepdims=keepdim)
            else:
                ss = (d * d).sum(axis=dims, keepdims=keepdim)
            y = xp.asarray(ss / builtins.max(ctx.dof, 0))
            if root:
                y = xp.asarray(xp.sqrt(y))
        y = y.astype(a.real.dtype if a.dtype.kind == "c" else a.dtype, copy=False)
        ctx.save_for_backward(a, y)
        return y

    @staticmethod
    def _coef(ctx):
        a, y = ctx.saved_tensors
        d = a - a.mean(ctx.dims, keepdim=True)
        if ctx.full and ctx.dof <= 0 and not ctx.root:  # PyTorch (dim=None): NaN where x == mean, else inf
            xp = xp_of(a._data)
            return ZeroGrad.apply(a, xp.where(d._data == 0, xp.nan, xp.inf).astype(a._data.dtype))
        scale = 2.0 / ctx.dof if ctx.dof != 0 else float("inf")  # unclamped (dof < 0 too), as PyTorch
        if not ctx.root:
            return d * scale
        ye = expand_back(y, ctx.in_shape, ctx.dims, ctx.keepdim)
        zero = (ye._data == 0)
        safe = ye + const(zero.astype(ye._data.dtype))
        return d * (scale / 2) / safe * const((~zero).astype(ye._data.dtype))

    @staticmethod
    def backward(ctx, g):
        return expand_back(g, ctx.in_shape, ctx.dims, ctx.keepdim) * Var._coef(ctx), None, None, None, None, None

    @staticmethod
    def jvp(ctx, t, *_):
        return (t * Var._coef(ctx)).sum(ctx.dims, keepdim=ctx.keepdim)


def _var_args(op, input, dim, unbiased, correction):
    if isinstance(dim, bool):  # var(input, unbiased)
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise RuntimeError(f"{op}: can't pass both unbiased and correction")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if input._data.dtype.kind not in "fc":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    dims = normalize_dims(dim, input._data.ndim, op)
    if _numel(input._data.shape, dims) - correction <= 0:  # the result is inf/nan: say why, as PyTorch
        warnings.warn(f"{op.split('_')[0]}(): degrees of freedom is <= 0. Correction should be strictly less than "
                      "the reduction factor (input numel divided by output numel).", UserWarning, stacklevel=3)
    return dims, float(correction) if not isinstance(correction, int) else correction, \
        dim is None or input._data.ndim == 0


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Variance over ``dim``: sum (x - mean)^2 / (N - correction). ``correction=1`` (default) is Bessel's
    correction; ``unbiased=False`` is ``correction=0``."""
    dims, c, full = _var_args("var", input, dim, unbiased, correction)
    return Var.apply(input, dims, c, keepdim, False, full)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Standard deviation over ``dim``: sqrt(var(input, dim, correction)). Gradient 0 where std is 0."""
    dims, c, full = _var_args("std", input, dim, unbiased, correction)
    return Var.apply(input, dims, c, keepdim, True, full)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """(var, mean) over ``dim`` (see :func:`var`)."""
    dims, c, full = _var_args("var_mean", input, dim, unbiased, correction)
    return Var.apply(input, dims, c, keepdim, False, full), Mean.apply(input, dims, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """(std, mean) over ``dim`` (see :func:`std`)."""
    dims, c, full = _var_args("std_mean", input, dim, unbiased, correction)
    return Var.apply(input, dims, c, keepdim, True, full), Mean.apply(input, dims, keepdim)


# --------------------------------------------------------------------------- logsumexp
class LogSumExp(NativeFunction):
    """y = log sum exp x, computed as m + log sum exp(x - m) with m = max x;  d/dx = exp(x - y) (softmax)"""

    @staticmethod
    def forward(ctx, a, dims, keepdim):
        ctx.in_shape, ctx.dims, ctx.keepdim = a.shape, dims, keepdim
        xp = xp_of(a)
        with backend.np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if a.size == 0:
                y = xp.log(xp.exp(a).sum(axis=dims, keepdims=True))
            else:
                m = a.max(axis=dims, keepdims=True)
                m = xp.where(xp.isfinite(m), m, 0)
                y = xp.log(xp.exp(a - m).sum(axis=dims, keepdims=True)) + m
        if not keepdim:
            y = y.reshape(tuple(s for i, s in enumerate(a.shape) if i not in dims))
        y = y.astype(a.dtype, copy=False)
        ctx.save_for_backward(a, y)
        return y

    @staticmethod
    def _coef(ctx):
        a, y = ctx.saved_tensors
        return (a - expand_back(y, ctx.in_shape, ctx.dims, ctx.keepdim)).exp()

    @staticmethod
    def backward(ctx, g):
        return expand_back(g, ctx.in_shape, ctx.dims, ctx.keepdim) * LogSumExp._coef(ctx), None, None

    @staticmethod
    def jvp(ctx, t, *_):
        return (t * LogSumExp._coef(ctx)).sum(ctx.dims, keepdim=ctx.keepdim)


def logsumexp(input, dim, keepdim=False, *, out=None):
    """log(sum(exp(input), dim)), computed stably (no overflow for large inputs)."""
    if input._data.dtype.kind not in "fc":
        input = input.to(backend.get_default_dtype())
    return LogSumExp.apply(input, normalize_dims(dim, input._data.ndim, "logsumexp"), keepdim)


# --------------------------------------------------------------------------- logical reductions
def _logical(op, input, dim, keepdim):
    a = input._data
    dims = normalize_dims(dim, a.ndim, op)
    xp = xp_of(a)
    fn = xp.all if op == "all" else xp.any
    r = xp.asarray(fn(a != 0, axis=dims, keepdims=keepdim))
    return Tensor._make(r.astype(xp.uint8) if a.dtype == xp.uint8 else r)


def all(input, dim=None, keepdim=False, *, out=None):  # noqa: A001
    """True where every element (over ``dim``) is nonzero. uint8 input gives uint8, others bool."""
    return _logical("all", input, dim, keepdim)


def any(input, dim=None, keepdim=False, *, out=None):  # noqa: A001
    """True where some element (over ``dim``) is nonzero. uint8 input gives uint8, others bool."""
    return _logical("any", input, dim, keepdim)


def count_nonzero(input, dim=None):
    """Number of nonzero elements over ``dim`` (int64)."""
    a = input._data
    dims = normalize_dims(dim, a.ndim, "count_nonzero")
    xp = xp_of(a)
    return Tensor._make(xp.asarray((a != 0).sum(axis=dims), dtype=xp.int64))

register(sum, mean, nansum, nanmean, prod, var, std, logsumexp, all, any, count_nonzero)
