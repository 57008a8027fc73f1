"""Binary pointwise ops with broadcasting: rounded division, floor_divide, remainder, fmod, atan2,
hypot, xlogy, copysign, maximum/minimum, fmax/fmin, logaddexp; and the ``//`` and ``%`` operators.

Each op is one NativeFunction made by ``binary_op`` from its kernel and one derivative rule per
input (``v * df/da``), which backward reduces to the input's shape and jvp uses as is. Gradients
follow PyTorch: maximum/minimum split ties half/half, fmax/fmin give ties to the first input,
rounded division has zero gradient, remainder's gradient for ``other`` is -floor(a/b).
"""
from __future__ import annotations

import math

import numpy as np

from ... import backend
from ...autograd.tensor import Tensor
from ..arguments import apply_binary
from ..inplace import make_inplace, write_out
from ..promotion import tensors_of
from ..registry import register
from .factory import binary_function, binary_op
from .where import where as where_


def _int_zero_check(op, b):
    """Integer division by zero raises in PyTorch (floats give inf/nan)."""
    d = b._data
    if d.dtype.kind in "iub" and bool((d == 0).any()):
        raise RuntimeError(f"ZeroDivisionError ({op}: integer division by zero)")


# --------------------------------------------------------------------------- rounded division
def _trunc_div(xp, a, b):
    if a.dtype.kind in "iu":
        q = xp.floor_divide(a, b)
        fix = (q * b != a) & ((a < 0) != (b < 0))
        return q + fix.astype(q.dtype)
    return xp.trunc(a / b)


DivTrunc = binary_op("DivTrunc", _trunc_div, None, None, saves_inputs=False, doc="trunc(a / b); zero gradient")
DivFloor = binary_op("DivFloor", lambda xp, a, b: xp.floor_divide(a, b), None, None, saves_inputs=False,
                     doc="floor(a / b) (Python semantics); zero gradient")


def _div_rounded(input, other, rounding_mode):
    """``div(input, other, rounding_mode='trunc'|'floor')``: dtype by promotion (integers stay integers)."""
    (a, b), rt = tensors_of("div", input, other)
    if rt is backend.bool:
        raise RuntimeError(f"div: rounding_mode='{rounding_mode}' is not supported for bool tensors")
    _int_zero_check("div", b)
    return apply_binary(DivTrunc if rounding_mode == "trunc" else DivFloor, "div", a, b)


def floor_divide(input, other, *, out=None):
    """floor(input / other), elementwise, broadcast; integers stay integers (Python's ``//``).

    Integer division by zero raises. Zero gradient."""
    return write_out(_div_rounded(input, other, "floor"), out)


# --------------------------------------------------------------------------- remainder / fmod
Remainder = binary_op("Remainder", lambda xp, a, b: xp.remainder(a, b), lambda v, a, b, y: v,
                      lambda v, a, b, y: -v * a.div(b, rounding_mode="floor"),
                      doc="a - floor(a/b) b (sign of b);  d/da = 1, d/db = -floor(a/b)")
Fmod = binary_op("Fmod", lambda xp, a, b: xp.fmod(a, b), lambda v, a, b, y: v,
                 lambda v, a, b, y: -v * a.div(b, rounding_mode="trunc"),
                 doc="a - trunc(a/b) b (sign of a);  d/da = 1, d/db = -trunc(a/b)")


def remainder(input, other, *, out=None):
    """Python's modulus: input - floor(input / other) * other; the result has other's sign."""
    (a, b), _ = tensors_of("remainder", input, other)
    _int_zero_check("remainder", b)
    return write_out(apply_binary(Remainder, "remainder", a, b), out)


def fmod(input, other, *, out=None):
    """C's fmod: input - trunc(input / other) * other; the result has input's sign."""
    (a, b), _ = tensors_of("fmod", input, other)
    _int_zero_check("fmod", b)
    return write_out(apply_binary(Fmod, "fmod", a, b), out)


# --------------------------------------------------------------------------- float binary functions
def _atan2_rules():
    def inv_norm(a, b):
        d = a * a + b * b
        zero = d == 0
        return where_(zero, 0.0, 1 / where_(zero, 1.0, d))  # PyTorch: zero gradient at (0, 0)

    return (lambda v, a, b, y: v * b * inv_norm(a, b)), (lambda v, a, b, y: -v * a * inv_norm(a, b))


Atan2 = binary_op("Atan2", lambda xp, a, b: xp.arctan2(a, b), *_atan2_rules(),
                  doc="angle of (b, a);  d/da = b/(a^2+b^2), d/db = -a/(a^2+b^2)")
Hypot = binary_op("Hypot", lambda xp, a, b: xp.hypot(a, b), lambda v, a, b, y: v * a / y,
                  lambda v, a, b, y: v * b / y, saves_output=True, doc="sqrt(a^2 + b^2);  d/da = a/y, d/db = b/y")


def _xlogy_fwd(xp, a, b):
    return xp.where((a == 0) & ~xp.isnan(b), 0, a * xp.log(b)).astype(a.dtype, copy=False)


Xlogy = binary_op("Xlogy", _xlogy_fwd, lambda v, a, b, y: where_((a == 0) & (b <= 0), 0.0, xlogy(v, b)),
                  lambda v, a, b, y: v * a / b,
                  doc="a log b (0 where a = 0);  d/da = log b (0 where a = 0, b <= 0), d/db = a/b")
Copysign = binary_op("Copysign", lambda xp, a, b: xp.copysign(a, b),
                     lambda v, a, b, y: where_(a == 0, 0.0, v * y / where_(a == 0, 1.0, a)), None,
                     saves_output=True, doc="|a| with the sign of b;  d/da = sign(a) sign(b), d/db = 0")


def _logaddexp_rule(base_ln):
    def ra(v, a, b, y):
        return v * ((a - y) * base_ln).exp()

    def rb(v, a, b, y):
        return v * ((b - y) * base_ln).exp()
    return ra, rb


Logaddexp = binary_op("Logaddexp", lambda xp, a, b: xp.logaddexp(a, b), *_logaddexp_rule(1.0), saves_output=True,
                      doc="log(e^a + e^b);  d/da = e^(a - y)")
Logaddexp2 = binary_op("Logaddexp2", lambda xp, a, b: xp.logaddexp2(a, b), *_logaddexp_rule(math.log(2.0)),
                       saves_output=True, doc="log2(2^a + 2^b);  d/da = 2^(a - y)")


atan2 = binary_function("atan2", Atan2, to_float=True, doc="atan2(input, other): the angle of the point (other, "
                        "input), in (-pi, pi]. Zero gradient at (0, 0), as in PyTorch.")
arctan2 = atan2
hypot = binary_function("hypot", Hypot, to_float=True, doc="sqrt(input^2 + other^2), without overflow.")
xlogy = binary_function("xlogy", Xlogy, to_float=True,
                        doc="input * log(other), and 0 where input == 0 (unless other is nan).")
copysign = binary_function("copysign", Copysign, to_float=True, doc="The magnitude of input with the sign of other.")
logaddexp = binary_function("logaddexp", Logaddexp, to_float=True,
                            doc="log(exp(input) + exp(other)), computed stably.")
logaddexp2 = binary_function("logaddexp2", Logaddexp2, to_float=True,
                             doc="log2(2^input + 2^other), computed stably.")


def ldexp(input, other, *, out=None):
    """input * 2^other (``torch.ldexp``): the result is floating (the default dtype for integer inputs).

    Example: ``ldexp(tensor([1., 3.]), tensor([2, 1]))`` is ``tensor([4., 6.])``.
    """
    from ..promotion import result_type  # noqa: PLC0415

    rt = result_type(input, other)
    if rt.category < backend.FLOAT:
        rt = backend.get_default_dtype()
    x = input.to(rt) if isinstance(input, Tensor) else input
    e = other.to(rt) if isinstance(other, Tensor) else float(other)
    res = x * 2.0 ** e
    return write_out(res, out)


# --------------------------------------------------------------------------- maximum / minimum
def _tie_rules(first_wins):
    """maximum (first_wins = a > b) / minimum: the larger/smaller input takes the gradient, ties split it."""
    def ra(v, a, b, y):
        return where_(first_wins(b, a), 0.0, where_(a == b, v / 2, v))

    def rb(v, a, b, y):
        return where_(first_wins(a, b), 0.0, where_(a == b, v / 2, v))
    return ra, rb


Maximum = binary_op("Maximum", lambda xp, a, b: xp.maximum(a, b), *_tie_rules(lambda p, q: p > q),
                    doc="max(a, b), nan if either is; ties split the gradient half/half")
Minimum = binary_op("Minimum", lambda xp, a, b: xp.minimum(a, b), *_tie_rules(lambda p, q: p < q),
                    doc="min(a, b), nan if either is; ties split the gradient half/half")


def _fm_rules(keep_a):
    def ra(v, a, b, y):
        return where_(keep_a(a, b) | b.isnan(), v, 0.0)

    def rb(v, a, b, y):
        return where_(keep_a(a, b) | b.isnan(), 0.0, v)
    return ra, rb


Fmax = binary_op("Fmax", lambda xp, a, b: xp.fmax(a, b), *_fm_rules(lambda a, b: a >= b),
                 doc="max(a, b) ignoring nan; ties give the gradient to a")
Fmin = binary_op("Fmin", lambda xp, a, b: xp.fmin(a, b), *_fm_rules(lambda a, b: a <= b),
                 doc="min(a, b) ignoring nan; ties give the gradient to a")


maximum = binary_function("maximum", Maximum,
                          doc="Elementwise max of two tensors (nan propagates). Ties split the gradient.")
minimum = binary_function("minimum", Minimum,
                          doc="Elementwise min of two tensors (nan propagates). Ties split the gradient.")
fmax = binary_function("fmax", Fmax, doc="Elementwise max, ignoring nan (nan only where both are nan).")
fmin = binary_function("fmin", Fmin, doc="Elementwise min, ignoring nan (nan only where both are nan).")


# --------------------------------------------------------------------------- operators
def _rfloordiv(self, other):
    return floor_divide(other, self)


def _rmod(self, other):
    return remainder(other, self)


def _not_number(x):
    return not isinstance(x, (Tensor, int, float, bool, complex, np.generic, np.ndarray, list, tuple))


def _op(fn):
    def method(self, other):
        if _not_number(other):
            return NotImplemented
        return fn(self, other)
    method.__name__ = fn.__name__
    return method

register(floor_divide, remainder, fmod, atan2, hypot, xlogy, copysign, ldexp, inplace=True)
register(maximum, minimum, fmax, fmin, logaddexp, logaddexp2)
register(arctan2=atan2, arctan2_=make_inplace(atan2), __floordiv__=_op(floor_divide), __rfloordiv__=_op(_rfloordiv),
         __ifloordiv__=make_inplace(floor_divide), __mod__=_op(remainder), __rmod__=_op(_rmod),
         __imod__=make_inplace(remainder))
