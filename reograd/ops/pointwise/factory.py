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

from ... import backend
from ...autograd.function import NativeFunction
from ...autograd.tensor import Tensor
from ..arguments import apply_binary, as_arr, check_tensor, xp_of
from ..inplace import write_out
from ..promotion import float_input, tensors_of


def zeros_like(v):
    """Zeros of v's shape and dtype, outside the graph (the gradient of a piecewise-constant op)."""
    return Tensor._make(xp_of(v._data).zeros_like(v._data))


# --------------------------------------------------------------------------- unary
def unary_op(name, fwd, rule=None, *, saves_input=False, saves_output=False, quiet=True, doc=None):
    """A NativeFunction for y = f(x), written as its kernel and its derivative rule side by side::

        Exp = unary_op("Exp", lambda xp, a: xp.exp(a), lambda v, x, y: v * y, saves_output=True)

    ``fwd(xp, a, *params)``: the kernel on arrays (``xp`` is NumPy or CuPy). ``rule(v, x, y, *params)``:
    ``v * f'(x)`` written with Tensor ops, used by backward (v = the gradient) and forward mode (v = the
    tangent); ``x`` is the input if ``saves_input``, ``y`` the output if ``saves_output``, else None. No
    rule: the derivative is zero (floor, sign...). ``quiet``: run the kernel under ``errstate`` (for
    kernels whose nan/inf results NumPy would warn about).
    """
    saves = saves_input or saves_output

    def forward(ctx, a, *params):
        xp = xp_of(a)
        if quiet:
            with np.errstate(all="ignore"):
                y = fwd(xp, a, *params)
        else:
            y = fwd(xp, a, *params)
        if type(y) is not np.ndarray:
            y = as_arr(xp, y)
        if y.dtype != a.dtype and a.dtype.kind in "fc":
            y = y.astype(a.dtype)
        if params:
            ctx.params = params
        if rule is not None and saves:
            ctx.save_for_backward(*((a,) if saves_input else ()) + ((y,) if saves_output else ()))
        return y

    def derivative(ctx, v):
        if rule is None:
            return zeros_like(v)
        if not saves:
            return rule(v, None, None, *ctx.__dict__.get("params", ()))
        s = ctx.saved_tensors
        return rule(v, s[0] if saves_input else None, s[-1] if saves_output else None,
                    *ctx.__dict__.get("params", ()))

    def backward(ctx, g):  # one gradient: the engine gives the parameters (not tensors) none
        return derivative(ctx, g)

    def jvp(ctx, t, *_):
        return derivative(ctx, t)

    return type(name, (NativeFunction,), {
        "forward": staticmethod(forward), "backward": staticmethod(backward), "jvp": staticmethod(jvp),
        "__doc__": doc or f"{name}: elementwise", "__module__": __name__})


def unary_function(name, cls, doc, *, to_float=True, check=None):
    """The public function ``name(input, *, out=None)`` of the unary op ``cls``: checks that ``input`` is a
    Tensor (and ``check(name, input)``), computes integer inputs in the default float dtype (unless not
    ``to_float``) and honours ``out=``."""
    def fn(input, *, out=None):
        check_tensor(name, input)
        if check is not None:
            check(name, input)
        return write_out(cls.apply(float_input(input) if to_float else input), out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


# --------------------------------------------------------------------------- binary
def binary_op(name, fwd, rule_a=None, rule_b=None, *, saves_inputs=True, saves_output=False, doc=None):
    """A NativeFunction for y = f(a, b) with broadcasting, from its kernel and one rule per input::

        Hypot = binary_op("Hypot", lambda xp, a, b: xp.hypot(a, b), lambda v, a, b, y: v * a / y,
                          lambda v, a, b, y: v * b / y, saves_output=True)

    ``rule_a(v, a, b, y)`` = v * df/da (likewise ``rule_b``), of the broadcast shape: the engine sums a
    gradient back to its input's shape. The rules see ``a``, ``b`` if ``saves_inputs`` and ``y`` if
    ``saves_output`` (else None). A missing rule means a zero derivative.
    """
    saves = (saves_inputs or saves_output) and (rule_a is not None or rule_b is not None)

    def forward(ctx, a, b):
        xp = xp_of(a)
        with np.errstate(all="ignore"):
            y = as_arr(xp, fwd(xp, a, b))
        if saves:
            ctx.save_for_backward(*((a, b) if saves_inputs else ()) + ((y,) if saves_output else ()))
        return y

    def _saved(ctx):
        if not saves:
            return None, None, None
        s = ctx.saved_tensors
        a, b = (s[0], s[1]) if saves_inputs else (None, None)
        return a, b, (s[-1] if saves_output else None)

    def backward(ctx, g):
        na, nb = ctx.needs_input_grad[:2]
        a, b, y = _saved(ctx)
        ga = gb = None  # of the broadcast shape: the engine sums each to its input's shape
        if na:
            ga = zeros_like(g) if rule_a is None else rule_a(g, a, b, y)
        if nb:
            gb = zeros_like(g) if rule_b is None else rule_b(g, a, b, y)
        return ga, gb

    def jvp(ctx, ta, tb):
        a, b, y = _saved(ctx)
        out = None
        if ta is not None and rule_a is not None:
            out = rule_a(ta, a, b, y)
        if tb is not None and rule_b is not None:
            t = rule_b(tb, a, b, y)
            out = t if out is None else out + t
        if out is None:  # zero derivative: zeros like the tangent given
            t = ta if ta is not None else tb
            shape, dt = ctx._fw_out_meta[0]
            out = Tensor._make(xp_of(t._data).zeros(shape, dtype=dt))
        return out

    return type(name, (NativeFunction,), {
        "forward": staticmethod(forward), "backward": staticmethod(backward), "jvp": staticmethod(jvp),
        "__doc__": doc or f"{name}: elementwise, broadcast", "__module__": __name__})


def binary_function(name, cls, *, to_float=False, doc=None):
    """The public function ``name(input, other, *, out=None)`` of the binary op ``cls``: operands (tensors
    or numbers) promoted to their common dtype (at least the default float dtype if ``to_float``),
    broadcasting failures reported with the op's name, ``out=`` honoured."""
    def fn(input, other, *, out=None):
        (a, b), _ = tensors_of(name, input, other, min_category=backend.FLOAT if to_float else None)
        return write_out(apply_binary(cls, name, a, b), out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn
