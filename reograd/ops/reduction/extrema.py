"""Extrema and norms: max, min, amax, amin, aminmax, argmax, argmin, norm.

Gradient tie rules as PyTorch: reductions that return only a value (``max()``, ``amax``, ``norm(inf)``)
split the gradient evenly among all elements equal to the result; ``max(dim)``/``min(dim)`` send it
to the returned index.
"""
from __future__ import annotations

import math

from ... import backend
from ...autograd.function import NativeFunction
from ...autograd.tensor import Tensor
from ..arguments import const, xp_of
from ..pointwise.binary import maximum, minimum
from ..registry import register
from .base import Gather, ZeroGrad, check_nonempty, expand_back, normalize_dims, reduction_dim, return_type

_max_t = return_type("max")
_min_t = return_type("min")
_aminmax_t = return_type("aminmax", ("min", "max"))


def _extreme_fn(largest):
    """(value with keepdim, coef): coef = mask / count over the elements equal to the extreme (or NaN)."""
    def fn(a, dims):
        xp = xp_of(a)
        with backend.np.errstate(invalid="ignore"):
            v = a.max(axis=dims, keepdims=True) if largest else a.min(axis=dims, keepdims=True)
        mask = a == v
        if a.dtype.kind in "fc":
            mask |= xp.isnan(a) & xp.isnan(v)
        if a.dtype.kind not in "fc":
            return v, None
        with backend.np.errstate(invalid="ignore", divide="ignore"):
            coef = (mask / mask.sum(axis=dims, keepdims=True)).astype(a.dtype)
        return v, coef
    return fn


_MAX_FN, _MIN_FN = _extreme_fn(True), _extreme_fn(False)


def _coef_reduce(input, dims, keepdim, fn, name):
    from .sums import CoefReduce  # noqa: PLC0415

    return CoefReduce.apply(input, dims, keepdim, fn, name)


def amax(input, dim=(), keepdim=False, *, out=None):
    """Maximum over ``dim`` (all dims by default). The gradient is split evenly among tied maxima."""
    if input._data.size == 0 and (dim is None or isinstance(dim, (list, tuple)) and not dim):
        check_nonempty(input, "amax")  # all dims, given as the default: RuntimeError, as PyTorch
    dims = normalize_dims(dim, input._data.ndim, "amax")
    check_nonempty(input, "amax", dims)
    return _coef_reduce(input, dims, keepdim, _MAX_FN, "AmaxBackward0")


def amin(input, dim=(), keepdim=False, *, out=None):
    """Minimum over ``dim`` (all dims by default). The gradient is split evenly among tied minima."""
    if input._data.size == 0 and (dim is None or isinstance(dim, (list, tuple)) and not dim):
        check_nonempty(input, "amin")  # all dims, given as the default: RuntimeError, as PyTorch
    dims = normalize_dims(dim, input._data.ndim, "amin")
    check_nonempty(input, "amin", dims)
    return _coef_reduce(input, dims, keepdim, _MIN_FN, "AminBackward0")


def _arg_extreme(a, d, largest):
    """Indices (keepdim shape) of the first max/min along d (NaN counts as the extreme)."""
    xp = xp_of(a)
    idx = xp.argmax(a, axis=d) if largest else xp.argmin(a, axis=d)
    return xp.expand_dims(idx, d)


def _select(input, dim, keepdim, largest, op, rtype):
    a = input._data
    d = reduction_dim(dim, a.ndim, op)
    if a.ndim == 0:
        input, a, keepdim = input.reshape(1), a.reshape(1), False
    check_nonempty(input, op, (d,))
    idx = _arg_extreme(a, d, largest)
    values = Gather.apply(input, idx, d, not keepdim)
    return rtype((values, Tensor._make(idx if keepdim else idx.reshape(values._data.shape))))


def max(input, dim=None, keepdim=False, *, out=None):  # noqa: A001
    """``max(input)``: the largest element (gradient split evenly among ties).
    ``max(input, dim, keepdim=False)``: named tuple (values, indices) of the maxima along ``dim``
    (gradient goes to the returned index). ``max(input, other)``: elementwise :func:`maximum`."""
    if isinstance(dim, Tensor):
        return maximum(input, dim)
    if dim is None:
        check_nonempty(input, "max")
        return _coef_reduce(input, tuple(range(input._data.ndim)), False, _MAX_FN, "MaxBackward1")
    return _select(input, dim, keepdim, True, "max", _max_t)


def min(input, dim=None, keepdim=False, *, out=None):  # noqa: A001
    """``min(input)``, ``min(input, dim, keepdim=False)`` -> (values, indices), ``min(input, other)``:
    as :func:`max`, for the smallest."""
    if isinstance(dim, Tensor):
        return minimum(input, dim)
    if dim is None:
        check_nonempty(input, "min")
        return _coef_reduce(input, tuple(range(input._data.ndim)), False, _MIN_FN, "MinBackward1")
    return _select(input, dim, keepdim, False, "min", _min_t)


def aminmax(input, *, dim=None, keepdim=False, out=None):
    """Named tuple (min, max) over ``dim`` (all by default)."""
    dims = () if dim is None else (reduction_dim(dim, input._data.ndim, "aminmax"),)
    if dim is None:
        check_nonempty(input, "aminmax")
    elif input._data.ndim:
        check_nonempty(input, "aminmax", dims)
    kd = keepdim and (dim is not None or input._data.ndim > 0)
    if dim is None and keepdim:
        return _aminmax_t((amin(input, (), True), amax(input, (), True)))
    return _aminmax_t((amin(input, dims, kd), amax(input, dims, kd)))


def _argx(op, input, dim, keepdim, largest):
    a = input._data
    xp = xp_of(a)
    if a.dtype.kind == "b":
        raise RuntimeError(f"{op}(): does not support bool input (input shape {tuple(a.shape)})")
    if dim is None:
        if a.size == 0:  # an IndexError here (not RuntimeError as max()), as PyTorch
            raise IndexError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0 (input shape "
                             f"{tuple(a.shape)}).")
        i = xp.argmax(a) if largest else xp.argmin(a)
        r = xp.asarray(i, dtype=xp.int64)
        return Tensor._make(r.reshape((1,) * a.ndim) if keepdim else r)
    d = reduction_dim(dim, a.ndim, op)
    if a.ndim == 0:
        return Tensor._make(xp.zeros((), dtype=xp.int64))
    check_nonempty(input, op, (d,))
    idx = xp.argmax(a, axis=d, keepdims=keepdim) if largest else xp.argmin(a, axis=d, keepdims=keepdim)
    return Tensor._make(idx.astype(xp.int64, copy=False))


def argmax(input, dim=None, keepdim=False):
    """Index of the (first) maximum: of the flattened input when ``dim`` is None, else along ``dim``."""
    return _argx("argmax", input, dim, keepdim, True)


def argmin(input, dim=None, keepdim=False):
    """Index of the (first) minimum: of the flattened input when ``dim`` is None, else along ``dim``."""
    return _argx("argmin", input, dim, keepdim, False)


# --------------------------------------------------------------------------- norm
class VectorNorm(NativeFunction):
    """||x||_p = (sum |x|^p)^(1/p) over dims (p = inf: max |x|, -inf: min |x|, 0: count of nonzeros).

    d/dx = sign(x) |x|^(p-1) / ||x||^(p-1)  (0 where the norm is 0, as PyTorch); for p = +-inf the
    gradient is split evenly among the elements of extreme magnitude.
    """

    @staticmethod
    def forward(ctx, a, p, dims, keepdim):
        ctx.in_shape, ctx.dims, ctx.keepdim, ctx.p = a.shape, dims, keepdim, p
        xp = xp_of(a)
        ab = xp.abs(a)
        with backend.np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if p == 0:
                y = (ab != 0).sum(axis=dims, keepdims=True).astype(ab.dtype)
            elif math.isinf(p):
                y, coef = (_MAX_FN if p > 0 else _MIN_FN)(ab, dims)
                ctx.coef = coef * xp.sign(a).astype(a.dtype) if coef is not None else None
            elif p == 1:
                y = ab.sum(axis=dims, keepdims=True)
            elif p == 2:
                y = xp.sqrt((ab * ab).sum(axis=dims, keepdims=True))
            else:
                y = (ab ** p).sum(axis=dims, keepdims=True) ** (1.0 / p)
        if not keepdim:
            y = y.reshape(tuple(s for i, s in enumerate(a.shape) if i not in dims))
        y = xp.asarray(y).astype(ab.dtype, copy=False)
        ctx.save_for_backward(a, y)
        return y

    @staticmethod
    def _coef(ctx):
        p = ctx.p
        if p == 0:
            return None
        a, y = ctx.saved_tensors
        if math.isinf(p):
            return ZeroGrad.apply(a, ctx.coef)
        xp = xp_of(a._data)
        dt = y._data.dtype
        sgn = ZeroGrad.apply(a, xp.sign(a._data).astype(a._data.dtype))
        if p == 1:
            return sgn
        ye = expand_back(y, ctx.in_shape, ctx.dims, ctx.keepdim)
        zero = ye._data == 0
        nz = const((~zero).astype(dt))
        safe = ye + const(zero.astype(dt))
        if p == 2:
            return a / safe * nz
        ab = a * sgn
        if p < 1:
            azero = a._data == 0
            aterm = (ab + const(azero.astype(dt))) ** (p - 1) * const((~azero).astype(dt))
        else:
            aterm = ab ** (p - 1)
        return sgn * aterm / safe ** (p - 1) * nz

    @staticmethod
    def backward(ctx, g):
        c = VectorNorm._coef(ctx)
        ge = expand_back(g, ctx.in_shape, ctx.dims, ctx.keepdim)
        return (ge * 0 if c is None else ge * c), None, None, None

    @staticmethod
    def jvp(ctx, t, *_):
        c = VectorNorm._coef(ctx)
        if c is None:
            return t.sum(ctx.dims, keepdim=ctx.keepdim) * 0
        return (t * c).sum(ctx.dims, keepdim=ctx.keepdim)


def vector_norm(input, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The vector p-norm over ``dim`` (all dims by default), as ``torch.linalg.vector_norm``."""
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{str(input.dtype).split('.')[-1].capitalize()}")
    dims = normalize_dims(dim, input._data.ndim, "norm")
    p = float(ord)
    if p < 0 and input._data.size == 0 or (math.isinf(p) and any(input._data.shape[d] == 0 for d in dims)):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on an empty tensor because the "
                           "operation does not have an identity")
    return VectorNorm.apply(input, p, dims, keepdim)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """Norm of ``input``: ``p`` = 'fro' (sqrt of the sum of squares), a number (vector p-norm: 1, 2,
    inf, -inf, 0 or any real), over ``dim`` (all dims by default; an int or tuple). 'nuc' is not
    supported. The gradient of the 2-norm at 0 is 0, as in PyTorch."""
    if isinstance(p, str):
        if p == "fro":
            p = 2
        elif p == "nuc":  # the sum of singular values over two dims (the last two by default)
            from ..linalg.norms import matrix_norm  # noqa: PLC0415

            if dim is None and input._data.ndim != 2 or dim is not None and (not isinstance(dim, (tuple, list))
                                                                            or len(dim) != 2):
                raise RuntimeError(f"norm: p='nuc' needs two dims (a 2-D input or a 2-tuple dim), got dim={dim} for "
                                   f"input shape {list(input.shape)}")
            return matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
        else:
            raise RuntimeError(f"norm: invalid p {p!r} (expected 'fro', 'nuc' or a number)")
    if p is None:
        p = 2
    if input._data.dtype.kind not in "fc" and dtype is None:
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. Got "
                           f"{str(input.dtype).split('.')[-1].capitalize()} instead.")
    return vector_norm(input, p, dim, keepdim, dtype=dtype)

register(max, min, amax, amin, aminmax, argmax, argmin, norm)
