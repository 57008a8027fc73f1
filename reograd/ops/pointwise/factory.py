"""Shared machinery of the pointwise ops: factories that build a NativeFunction from a forward kernel
and one derivative rule, used for both backward (vjp) and forward mode (jvp).

For an elementwise op the Jacobian is diagonal, so one rule ``rule(v, ...) = v * f'(...)`` gives
both products: backward calls it with the incoming gradient (the engine sums a broadcast result
back to the input's shape), jvp with the input's tangent. Rules are written with Tensor ops, so
double backward works. A rule may mask (``where``) instead of multiplying, as PyTorch does at
kinks, ties and singular points.
"""
from __future__ import annotations

import numpy as np

from ...autograd.function import NativeFunction
from ...autograd.tensor import Tensor
from ..arguments import as_arr, xp_of


def zeros_like(v):
    """Zeros of v's shape and dtype, outside the graph (the gradient of a piecewise-constant op)."""
    return Tensor._make(xp_of(v._data).zeros_like(v._data))


# --------------------------------------------------------------------------- unary
def unary_op(name, fwd, rule=None, save="x", doc=None):
    """A NativeFunction for y = f(x).

    ``fwd(xp, a, *params)``: the kernel on arrays. ``rule(v, x, y, *params)``: v * f'(x), with Tensor
    ops (``x``/``y`` are None unless ``save`` names them: "x", "y", "xy" or "" for neither). No
    rule: the derivative is zero (floor, sign, ...).
    """

    def forward(ctx, a, *params):
        xp = xp_of(a)
        with np.errstate(all="ignore"):
            y = as_arr(xp, fwd(xp, a, *params))
        if y.dtype != a.dtype and a.dtype.kind in "fc":
            y = y.astype(a.dtype)
        ctx.params = params
        if rule is not None and save:
            ctx.save_for_backward(*{"x": (a,), "y": (y,), "xy": (a, y)}[save])
        return y

    def _apply_rule(ctx, v):
        if rule is None:
            return zeros_like(v)
        s = ctx.saved_tensors
        x = s[0] if "x" in save else None
        y = s[-1] if "y" in save else None
        return rule(v, x, y, *ctx.params)

    def backward(ctx, g):
        return (_apply_rule(ctx, g),) + (None,) * len(ctx.params)

    def jvp(ctx, t, *_):
        return _apply_rule(ctx, t)

    return type(name, (NativeFunction,), {
        "forward": staticmethod(forward), "backward": staticmethod(backward), "jvp": staticmethod(jvp),
        "__doc__": doc or f"{name}: elementwise", "__module__": __name__})


# --------------------------------------------------------------------------- binary
def binary_op(name, fwd, rule_a=None, rule_b=None, save="ab", doc=None):
    """A NativeFunction for y = f(a, b) with broadcasting.

    ``rule_a(v, a, b, y)`` = v * df/da (likewise ``rule_b``), broadcast; backward reduces it to each
    input's shape. ``save``: which of a, b, y the rules read ("ab", "aby", ...). A missing rule
    means a zero derivative.
    """

    def forward(ctx, a, b):
        xp = xp_of(a)
        with np.errstate(all="ignore"):
            y = as_arr(xp, fwd(xp, a, b))
        ctx.shapes = (getattr(a, "shape", ()), getattr(b, "shape", ()))
        if save and (rule_a is not None or rule_b is not None):
            ctx.save_for_backward(*[{"a": a, "b": b, "y": y}[k] for k in save])
        return y

    def _saved(ctx):
        s = dict(zip(save, ctx.saved_tensors))
        return s.get("a"), s.get("b"), s.get("y")

    def backward(ctx, g):
        na, nb = ctx.needs_input_grad[:2]
        sa, sb = ctx.shapes
        a, b, y = _saved(ctx) if save and (rule_a is not None or rule_b is not None) else (None,) * 3
        ga = gb = None  # of the broadcast shape: the engine sums each to its input's shape
        if na:
            ga = zeros_like(g) if rule_a is None else rule_a(g, a, b, y)
        if nb:
            gb = zeros_like(g) if rule_b is None else rule_b(g, a, b, y)
        return ga, gb

    def jvp(ctx, ta, tb):
        a, b, y = _saved(ctx) if save and (rule_a is not None or rule_b is not None) else (None,) * 3
        out = None
        if ta is not None and rule_a is not None:
            out = rule_a(ta, a, b, y)
        if tb is not None and rule_b is not None:
            t = rule_b(tb, a, b, y)
            out = t if out is None else out + t
        if out is None:
            shape, dt = ctx._fw_out_meta[0]
            out = Tensor._make(np.zeros(shape, dtype=dt))
        return out

    return type(name, (NativeFunction,), {
        "forward": staticmethod(forward), "backward": staticmethod(backward), "jvp": staticmethod(jvp),
        "__doc__": doc or f"{name}: elementwise, broadcast", "__module__": __name__})
