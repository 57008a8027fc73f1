"""Softmax family: softmax, log_softmax, softmin (fused ops with closed-form vjp/jvp), and glu.

softmax: y = exp(x - max) / sum exp(x - max);  vjp  y (g - sum(g y));  jvp  y (t - sum(t y)).
log_softmax: y = x - max - log sum exp(x - max);  vjp  g - exp(y) sum(g).
An omitted ``dim`` warns and picks 0 for 0-, 1- and 3-d input, else 1 (torch's legacy rule).
"""
from __future__ import annotations

import warnings

from ...autograd.function import NativeFunction
from ...autograd.tensor import Tensor, wrap_dim
from ..arguments import xp_of


def _check(op, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")
    if x._data.dtype.kind not in "fc":
        raise RuntimeError(f"{op}: expected a floating point input, got {x.dtype}")
    return x


def _softmax_dim(name, ndim):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  "as an argument.", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


class Softmax(NativeFunction):
    """y = exp(x - max) / sum exp(x - max) along dim;  vjp: y (g - sum(g y))"""

    node_name = "SoftmaxBackward0"

    @staticmethod
    def forward(ctx, a, dim):
        xp = xp_of(a)
        ctx.dim = dim
        if a.ndim == 0:
            y = xp.ones_like(a)
        else:
            e = xp.exp(a - a.max(axis=dim, keepdims=True))
            e /= e.sum(axis=dim, keepdims=True)
            y = e
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        if y.ndim == 0:
            return g * 0, None
        return y * (g - (g * y).sum(ctx.dim, keepdim=True)), None

    @staticmethod
    def jvp(ctx, t, _d):
        (y,) = ctx.saved_tensors
        if y.ndim == 0:
            return t * 0
        return y * (t - (t * y).sum(ctx.dim, keepdim=True))


class LogSoftmax(NativeFunction):
    """y = x - max - log sum exp(x - max);  vjp: g - exp(y) sum(g)"""

    node_name = "LogSoftmaxBackward0"

    @staticmethod
    def forward(ctx, a, dim):
        xp = xp_of(a)
        ctx.dim = dim
        if a.ndim == 0:
            y = xp.zeros_like(a)
        else:
            s = a - a.max(axis=dim, keepdims=True)
            y = s - xp.log(xp.exp(s).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        if y.ndim == 0:
            return g * 0, None
        return g - y.exp() * g.sum(ctx.dim, keepdim=True), None

    @staticmethod
    def jvp(ctx, t, _d):
        (y,) = ctx.saved_tensors
        if y.ndim == 0:
            return t * 0
        return t - (y.exp() * t).sum(ctx.dim, keepdim=True)


def _softmax_prep(op, input, dim, dtype, stacklevel_name, _stacklevel=3):
    if dtype is None and not isinstance(_stacklevel, int):  # torch.softmax(input, dim, dtype) positionally
        dtype = _stacklevel
    if dim is None:
        dim = _softmax_dim(stacklevel_name, input.dim())
    if dtype is not None:
        input = input.to(dtype)
    _check(op, input)
    return input, wrap_dim(dim, input.dim(), op)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x_i) / sum_j exp(x_j) along ``dim`` (computed after subtracting the max)."""
    input, dim = _softmax_prep("softmax", input, dim, dtype, "softmax", _stacklevel)
    return Softmax.apply(input, dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """x_i - log sum_j exp(x_j) along ``dim`` (stable)."""
    input, dim = _softmax_prep("log_softmax", input, dim, dtype, "log_softmax", _stacklevel)
    return LogSoftmax.apply(input, dim)


def softmin(input, dim=None, _stacklevel=3, dtype=None):  # noqa: D103
    """softmax(-input) along ``dim``."""
    if dim is None:
        dim = _softmax_dim("softmin", input.dim())
    if dtype is not None:
        input = input.to(dtype)
    return softmax(-input, dim)


def glu(input, dim=-1):
    """a * sigmoid(b) where a, b are the two halves of ``input`` along ``dim``."""
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = wrap_dim(dim, input.dim(), "glu")
    n = input.shape[d]
    if n % 2:
        raise RuntimeError(f"glu: Halving dimension must be even, but dimension {d} is size {n}")
    a, b = _Halves.apply(input, d)
    return a * b.sigmoid()


class _Halves(NativeFunction):
    """The two halves of x along dim (a split whose backward concatenates)."""

    linear = True

    @staticmethod
    def forward(ctx, a, dim):
        h = a.shape[dim] // 2
        ctx.dim = dim
        idx1 = [slice(None)] * a.ndim
        idx2 = list(idx1)
        idx1[dim] = slice(0, h)
        idx2[dim] = slice(h, None)
        return a[tuple(idx1)], a[tuple(idx2)]

    @staticmethod
    def backward(ctx, ga, gb):
        return _Concat2.apply(ga, gb, ctx.dim), None


class _Concat2(NativeFunction):
    """The two halves joined along dim (the adjoint of _Halves)."""

    linear = True

    @staticmethod
    def forward(ctx, a, b, dim):
        ctx.dim = dim
        return xp_of(a).concatenate([a, b], axis=dim)

    @staticmethod
    def backward(ctx, g):
        ga, gb = _Halves.apply(g, ctx.dim)
        return ga, gb, None
