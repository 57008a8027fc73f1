"""Shared machinery of the pointwise ops: factories that build a NativeFunction from a forward kernel
and one derivative rule, used for both backward (vjp) and forward mode (jvp).

For an elementwise op the Jacobian is diagonal, so one rule ``rule(v, ...) = v * f'(...)`` gives
both products: backward calls it with the incoming gradient (then reduces it to the input's
shape with ``sum_to_shape``), jvp with the input's tangent. Rules are written with Tensor ops, so
double backward works. A rule may mask (``where``) instead of multiplying, as PyTorch does at
kinks, ties and singular points.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd.function import NativeFunction
from ..autograd.tensor import Tensor
from ._common import as_operand, result_type
from .shape import sum_to_shape


def xp_of(a):
    return backend.get_array_module(a)


def as_arr(xp, y):
    """NumPy ufuncs turn 0-d results into scalars; ops must return (and save) arrays."""
    return y if backend.is_array(y) else xp.asarray(y)


def check_tensor(op, x, argname="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{argname}' (position 1) must be Tensor, not {type(x).__name__}")


def float_input(x):
    """Integer/bool inputs of float functions (exp, sin, ...) compute in the default float dtype."""
    if x._data.dtype.kind not in "fc":
        return x.to(backend.get_default_dtype())
    return x


def zeros_like(v):
    """Zeros of v's shape and dtype, outside the graph (the gradient of a piecewise-constant op)."""
    return Tensor._make(xp_of(v._data).zeros_like(v._data))


def no_bool(op, x, what=None):
    if x._data.dtype == np.bool_:
        raise NotImplementedError(what or f"\"{op}_cpu\" not implemented for 'Bool'")


def no_int(op, x):
    """PyTorch implements some float ops (frac, hypot, round(decimals)) for floating dtypes only."""
    k = x._data.dtype.kind
    if k not in "fc":
        name = {"b": "Bool", "u": "Byte", "i": {1: "Char", 2: "Short", 4: "Int", 8: "Long"}}[k]
        name = name if isinstance(name, str) else name[x._data.dtype.itemsize]
        raise NotImplementedError(f"\"{op}_cpu\" not implemented for '{name}'")


def write_out(res, out):
    """The ``out=`` argument: copy the result into ``out`` (resized like PyTorch when the shape differs)."""
    if out is None:
        return res
    if not isinstance(out, Tensor):
        raise TypeError(f"out must be a Tensor, got {type(out).__name__}")
    if out._requires_grad and res._requires_grad:
        raise RuntimeError("functions with out=... arguments don't support automatic differentiation, but one "
                           "of the arguments requires grad.")
    if out._data.shape == res._data.shape:
        xp_of(out._data).copyto(out._data, res._data, casting="unsafe")
    else:
        out._data = res._data.astype(out._data.dtype)
    out._version_counter[0] += 1
    return out


def wrap_int(x, rt):
    """A Python int operand of an integer op, wrapped into the dtype's range as PyTorch does (uint8 - 300)."""
    if type(x) is int and rt.category == backend.INT:
        info = np.iinfo(rt.np)
        if not info.min <= x <= info.max:
            if not -2 ** 63 <= x < 2 ** 64:  # what a C long can't hold: PyTorch refuses it too
                raise OverflowError(f"int {x} is too big to convert to {rt}")
            return int(np.asarray(x & 0xFFFFFFFFFFFFFFFF, dtype=np.uint64).astype(rt.np))
    return x


def tensors_of(op, *xs, min_category=None):
    """Promote operands (tensors and numbers) to their common dtype; numbers become 0-d tensors.

    Returns (tensors, dtype). ``None`` entries stay None.
    """
    ops = [None if x is None else as_operand(x) for x in xs]
    rt = result_type(*ops)
    if min_category is not None and rt.category < min_category:
        rt = backend.get_default_dtype()
    like = next((o._data for o in ops if isinstance(o, Tensor)), None)
    xp = xp_of(like)
    out = []
    for o in ops:
        if o is None:
            out.append(None)
        elif isinstance(o, Tensor):
            out.append(o if o._data.dtype == rt.np else o.to(rt))
        else:
            out.append(Tensor._make(xp.asarray(o).astype(rt.np)))  # an out-of-range int wraps, as in PyTorch
    return out, rt


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
        ga = gb = None
        if na:
            ga = zeros_like(g) if rule_a is None else rule_a(g, a, b, y)
            ga = sum_to_shape(ga, sa)
        if nb:
            gb = zeros_like(g) if rule_b is None else rule_b(g, a, b, y)
            gb = sum_to_shape(gb, sb)
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


def where_(cond, a, b):
    """``where`` for rules (imported lazily: ternary.py defines it)."""
    from .ternary import where  # noqa: PLC0415

    return where(cond, a, b)
