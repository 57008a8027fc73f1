"""Pointwise ops of three operands: where, clamp (clip, clamp_min, clamp_max), lerp, addcmul, addcdiv.

Gradients follow PyTorch: ``where`` routes the gradient to the chosen input; ``clamp`` passes it
where min <= x <= max (both bounds inclusive), and with tensor bounds gives it to ``min`` where
x < min < max and to ``max`` where x > max or max < min (the result is then max).
"""
from __future__ import annotations

import numpy as np

from ... import backend
from ...autograd.function import NativeFunction
from ...autograd.tensor import Tensor
from ..arguments import as_arr, check_tensor, xp_of
from ..inplace import make_inplace, write_out
from ..promotion import tensors_of
from ..registry import register
from .where import _broadcast_fail, _shape, where


def _zero_t(shape, dt):
    return Tensor._make(np.zeros(shape, dtype=dt))


# --------------------------------------------------------------------------- clamp
class ClampScalar(NativeFunction):
    """min(max(x, lo), hi) for number bounds;  gradient where lo <= x <= hi."""

    @staticmethod
    def forward(ctx, a, lo, hi):
        xp = xp_of(a)
        y = a
        if lo is not None:
            y = xp.maximum(y, lo)
        if hi is not None:
            y = xp.minimum(y, hi)
        y = as_arr(xp, y)
        if y is a:
            y = a.copy()
        ctx.save_for_backward(a)
        ctx.bounds = (lo, hi)
        return y

    @staticmethod
    def _mask(ctx):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        m = None
        if lo is not None:
            m = x >= lo
        if hi is not None:
            m = (x <= hi) if m is None else m & (x <= hi)
        return m

    @staticmethod
    def backward(ctx, g):
        return where(ClampScalar._mask(ctx), g, 0.0), None, None

    @staticmethod
    def jvp(ctx, t, *_):
        return where(ClampScalar._mask(ctx), t, 0.0)


class ClampTensor(NativeFunction):
    """min(max(x, lo), hi) with tensor bounds (either may be None)."""

    @staticmethod
    def forward(ctx, a, lo, hi):
        xp = xp_of(a)
        y = a
        if lo is not None:
            y = xp.maximum(y, lo)
        if hi is not None:
            y = xp.minimum(y, hi)
        y = as_arr(xp, y)
        if y is a:
            y = a.copy()
        ctx.save_for_backward(a, lo, hi)
        ctx.shapes = (a.shape, _shape(lo), _shape(hi))
        return y

    @staticmethod
    def _masks(ctx):
        x, lo, hi = ctx.saved_tensors
        if lo is not None and hi is not None:
            return (x >= lo) & (x <= hi), (x < lo) & (lo < hi), (x > hi) | (hi < lo)
        if lo is not None:
            return x >= lo, x < lo, None
        return x <= hi, None, x > hi

    @staticmethod
    def backward(ctx, g):
        ms = ClampTensor._masks(ctx)
        return tuple(None if (m is None or not need) else where(m, g, 0.0)
                     for m, need, s in zip(ms, ctx.needs_input_grad, ctx.shapes))

    @staticmethod
    def jvp(ctx, *tangents):
        out = None
        for m, t in zip(ClampTensor._masks(ctx), tangents):
            if m is not None and t is not None:
                term = where(m, t, 0.0)
                out = term if out is None else out + term
        return out


def clamp(input, min=None, max=None, *, out=None):  # noqa: A002
    """Clamp every element into [min, max]: min(max(input, min), max). ``min``/``max``: numbers or
    tensors (broadcast), either may be None; if min > max the result is max. The dtype is the
    promotion of all three (an int tensor clamped by a float gives float)."""
    check_tensor("clamp", input)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if not isinstance(min, Tensor) and not isinstance(max, Tensor):
        lo = min.item() if isinstance(min, np.generic) else min
        hi = max.item() if isinstance(max, np.generic) else max
        (x, _, _), rt = tensors_of("clamp", input, lo, hi)
        if rt.category <= backend.INT:  # keep integer bounds exact
            lo = None if lo is None else int(lo)
            hi = None if hi is None else int(hi)
        return write_out(ClampScalar.apply(x, lo, hi), out)
    (x, lo, hi), _ = tensors_of("clamp", input, min, max)
    try:
        res = ClampTensor.apply(x, lo, hi)
    except ValueError as e:
        if "broadcast" in str(e):
            raise _broadcast_fail("clamp", x, lo, hi) from None
        raise
    return write_out(res, out)


clip = clamp


def clamp_min(input, min, *, out=None):  # noqa: A002
    """Clamp from below: max(input, min) elementwise (``min`` a number or a broadcastable tensor)."""
    return clamp(input, min=min, out=out)


def clamp_max(input, max, *, out=None):  # noqa: A002
    """Clamp from above: min(input, max) elementwise (``max`` a number or a broadcastable tensor)."""
    return clamp(input, max=max, out=out)


# --------------------------------------------------------------------------- lerp
class Lerp(NativeFunction):
    """a + w (b - a), computed as PyTorch does: b - (b - a)(1 - w) for w >= 0.5.

    d/da = 1 - w, d/db = w, d/dw = b - a."""

    @staticmethod
    def forward(ctx, a, b, w):
        xp = xp_of(a)
        d = b - a
        y = as_arr(xp, xp.where(xp.asarray(w) < 0.5, a + w * d, b - d * (1 - w)))
        ctx.save_for_backward(a, b, w if backend.is_array(w) else None)
        ctx.w = None if backend.is_array(w) else w
        ctx.shapes = (a.shape, b.shape, _shape(w))
        return y

    @staticmethod
    def backward(ctx, g):
        a, b, wt = ctx.saved_tensors
        w = ctx.w if wt is None else wt
        na, nb, nw = ctx.needs_input_grad
        sa, sb, sw = ctx.shapes
        return (g * (1 - w) if na else None, g * w if nb else None,
                g * (b - a) if nw else None)

    @staticmethod
    def jvp(ctx, ta, tb, tw):
        a, b, wt = ctx.saved_tensors
        w = ctx.w if wt is None else wt
        out = None
        for t, f in ((ta, lambda t: t * (1 - w)), (tb, lambda t: t * w), (tw, lambda t: t * (b - a))):
            if t is not None:
                out = f(t) if out is None else out + f(t)
        return out


def lerp(input, end, weight, *, out=None):
    """Linear interpolation input + weight * (end - input); ``weight`` a number or a tensor (broadcast)."""
    check_tensor("lerp", input)
    if isinstance(weight, Tensor):
        (a, b, w), _ = tensors_of("lerp", input, end, weight)
    else:
        (a, b), _ = tensors_of("lerp", input, end)
        w = float(weight)
    try:
        res = Lerp.apply(a, b, w)
    except ValueError as e:
        if "broadcast" in str(e):
            raise _broadcast_fail("lerp", a, b, w) from None
        raise
    return write_out(res, out)


# --------------------------------------------------------------------------- addcmul / addcdiv
def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 * tensor2 (broadcast)."""
    from .arithmetic import add, mul  # noqa: PLC0415

    check_tensor("addcmul", input)
    return write_out(add(input, mul(tensor1, tensor2), alpha=value), out)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 / tensor2 (broadcast). Integer tensor1 and tensor2 are an error, as in PyTorch."""
    from .arithmetic import add, div  # noqa: PLC0415

    check_tensor("addcdiv", input)
    ints = [isinstance(t, Tensor) and t._data.dtype.kind in "iub" for t in (tensor1, tensor2)]
    if all(ints):
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future release "
                           "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
                           "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))."
                           "to(input.dtype) using PyTorch 1.5 or earlier.")
    return write_out(add(input, div(tensor1, tensor2), alpha=value), out)


register(clamp, clamp_min, clamp_max, lerp, addcmul, addcdiv, inplace=True)
register(clip=clamp, clip_=make_inplace(clamp))
