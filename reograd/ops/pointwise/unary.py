"""Pointwise math beyond the arithmetic of ``elementwise.py``: unary functions (trigonometric,
hyperbolic, exponential/logarithmic, error function, rounding, sign), and, re-exported from
``binary.py`` and ``ternary.py``, binary and ternary ones (atan2, remainder, maximum, where, clamp,
lerp, addcmul...).

Each op is one NativeFunction made by ``unary_op`` from its kernel and its derivative rule
``v * f'(x)``, which serves both backward and forward mode (see ``_pwutil.py``). Integer inputs of
float functions compute in the default float dtype; rounding and sign keep integer dtypes, as in
PyTorch. Gradients follow PyTorch's conventions: abs'(0) = 0, sign' = floor' = round' = 0.
"""
from __future__ import annotations

import math

import numpy as np

from . import erf_kernels as _special
from ...autograd.tensor import Tensor
from ..arguments import check_tensor, no_bool, no_int
from ..inplace import make_inplace, write_out
from ..promotion import float_input
from ..registry import register
from .factory import unary_function, unary_op
from .where import where as where_

_UNARY = ["abs", "absolute", "sign", "sgn", "reciprocal", "rsqrt", "exp2", "expm1", "log2", "log10", "log1p",
          "tan", "asin", "arcsin", "acos", "arccos", "atan", "arctan", "sinh", "cosh", "asinh", "arcsinh",
          "acosh", "arccosh", "atanh", "arctanh", "erf", "erfc", "erfinv", "floor", "ceil", "round", "trunc", "fix",
          "frac", "logit", "positive", "deg2rad", "rad2deg", "sinc", "nan_to_num"]

_LN2, _LN10 = math.log(2.0), math.log(10.0)
_2_SQRTPI = 2.0 / math.sqrt(math.pi)
_SQRTPI_2 = math.sqrt(math.pi) / 2.0
_D2R = math.pi / 180.0

# --------------------------------------------------------------------------- the Functions
Abs = unary_op("Abs", lambda xp, a: xp.abs(a), lambda v, x, y: v * x.sign(), saves_input=True,
               doc="|x|;  d/dx = sign(x) (0 at 0)")
Sign = unary_op("Sign", lambda xp, a: xp.where(xp.isnan(a), 0, xp.sign(a)).astype(a.dtype, copy=False), None,
                doc="sign(x) in {-1, 0, 1} (0 for nan, as PyTorch);  zero derivative")
Reciprocal = unary_op("Reciprocal", lambda xp, a: 1 / a, lambda v, x, y: -v * y * y, saves_output=True,
                      doc="1/x;  d/dx = -1/x^2")
Rsqrt = unary_op("Rsqrt", lambda xp, a: 1 / xp.sqrt(a), lambda v, x, y: v * (y * y * y) * -0.5, saves_output=True,
                 doc="1/sqrt(x);  d/dx = -x^(-3/2) / 2")
Exp2 = unary_op("Exp2", lambda xp, a: xp.exp2(a), lambda v, x, y: v * y * _LN2, saves_output=True,
                doc="2^x;  d/dx = 2^x ln 2")
Expm1 = unary_op("Expm1", lambda xp, a: xp.expm1(a), lambda v, x, y: v * (y + 1), saves_output=True,
                 doc="e^x - 1;  d/dx = e^x")
Log2 = unary_op("Log2", lambda xp, a: xp.log2(a), lambda v, x, y: v / (x * _LN2), saves_input=True,
                doc="log2 x;  d/dx = 1/(x ln 2)")
Log10 = unary_op("Log10", lambda xp, a: xp.log10(a), lambda v, x, y: v / (x * _LN10), saves_input=True,
                 doc="log10 x;  d/dx = 1/(x ln 10)")
Log1p = unary_op("Log1p", lambda xp, a: xp.log1p(a), lambda v, x, y: v / (x + 1), saves_input=True,
                 doc="ln(1 + x);  d/dx = 1/(1+x)")
Tan = unary_op("Tan", lambda xp, a: xp.tan(a), lambda v, x, y: v * (y * y + 1), saves_output=True,
               doc="tan x;  d/dx = 1 + tan^2 x")
Asin = unary_op("Asin", lambda xp, a: xp.arcsin(a), lambda v, x, y: v * (1 - x * x).rsqrt(), saves_input=True,
                doc="asin x;  d/dx = 1/sqrt(1 - x^2)")
Acos = unary_op("Acos", lambda xp, a: xp.arccos(a), lambda v, x, y: -v * (1 - x * x).rsqrt(), saves_input=True,
                doc="acos x;  d/dx = -1/sqrt(1 - x^2)")
Atan = unary_op("Atan", lambda xp, a: xp.arctan(a), lambda v, x, y: v / (x * x + 1), saves_input=True,
                doc="atan x;  d/dx = 1/(1+x^2)")
Sinh = unary_op("Sinh", lambda xp, a: xp.sinh(a), lambda v, x, y: v * x.cosh(), saves_input=True,
                doc="sinh x;  d/dx = cosh x")
Cosh = unary_op("Cosh", lambda xp, a: xp.cosh(a), lambda v, x, y: v * x.sinh(), saves_input=True,
                doc="cosh x;  d/dx = sinh x")
Asinh = unary_op("Asinh", lambda xp, a: xp.arcsinh(a), lambda v, x, y: v * (x * x + 1).rsqrt(), saves_input=True,
                 doc="asinh x;  d/dx = 1/sqrt(x^2 + 1)")
Acosh = unary_op("Acosh", lambda xp, a: xp.arccosh(a), lambda v, x, y: v * (x * x - 1).rsqrt(), saves_input=True,
                 doc="acosh x;  d/dx = 1/sqrt(x^2 - 1)")
Atanh = unary_op("Atanh", lambda xp, a: xp.arctanh(a), lambda v, x, y: v / (1 - x * x), saves_input=True,
                 doc="atanh x;  d/dx = 1/(1 - x^2)")
Erf = unary_op("Erf", lambda xp, a: _special.erf(a), lambda v, x, y: v * (-(x * x)).exp() * _2_SQRTPI,
               saves_input=True, doc="erf x;  d/dx = 2/sqrt(pi) exp(-x^2)")
Erfc = unary_op("Erfc", lambda xp, a: _special.erfc(a), lambda v, x, y: v * (-(x * x)).exp() * -_2_SQRTPI,
                saves_input=True, doc="erfc x = 1 - erf x;  d/dx = -2/sqrt(pi) exp(-x^2)")
Erfinv = unary_op("Erfinv", lambda xp, a: _special.erfinv(a), lambda v, x, y: v * (y * y).exp() * _SQRTPI_2,
                  saves_output=True, doc="erfinv x;  d/dx = sqrt(pi)/2 exp(erfinv(x)^2)")
Floor = unary_op("Floor", lambda xp, a: xp.floor(a), None, doc="floor x;  zero derivative")
Ceil = unary_op("Ceil", lambda xp, a: xp.ceil(a), None, doc="ceil x;  zero derivative")
Trunc = unary_op("Trunc", lambda xp, a: xp.trunc(a), None, doc="trunc x (round toward 0);  zero derivative")
Round = unary_op("Round", lambda xp, a, d: xp.round(a, d), None,
                 doc="round half to even, at ``decimals`` digits;  zero derivative")
Frac = unary_op("Frac", lambda xp, a: a - xp.trunc(a), lambda v, x, y: v, doc="x - trunc(x);  d/dx = 1")
Deg2rad = unary_op("Deg2rad", lambda xp, a: a * _D2R, lambda v, x, y: v * _D2R, doc="x * pi/180")
Rad2deg = unary_op("Rad2deg", lambda xp, a: a * (1 / _D2R), lambda v, x, y: v * (1 / _D2R), doc="x * 180/pi")


def _sinc_fwd(xp, a):
    px = a * math.pi
    safe = xp.where(a == 0, 1, px)
    return xp.where(a == 0, 1, xp.sin(safe) / safe)


def _sinc_rule(v, x, y):
    zero = x == 0
    s = where_(zero, 1.0, x)  # finite everywhere, so double backward does not meet 0 * inf
    px = s * math.pi
    d = (px * px.cos() - px.sin()) / (px * s)
    return v * where_(zero, 0.0, d)


Sinc = unary_op("Sinc", _sinc_fwd, _sinc_rule, saves_input=True, doc="sin(pi x)/(pi x), 1 at 0")


def _logit_fwd(xp, a, eps):
    if eps is not None:
        a = xp.clip(a, eps, 1 - eps)
    return xp.log(a / (1 - a))


def _logit_rule(v, x, y, eps):
    d = v / (x * (1 - x))
    if eps is None:
        return where_((x < 0) | (x > 1), math.nan, d)
    return where_((x < eps) | (x > 1 - eps), 0.0, d)


Logit = unary_op("Logit", _logit_fwd, _logit_rule, saves_input=True,
                 doc="log(x / (1 - x)), x clamped to [eps, 1 - eps]")


def _nan_to_num_fwd(xp, a, nan, posinf, neginf):
    return xp.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)


NanToNum = unary_op("NanToNum", _nan_to_num_fwd, lambda v, x, y, *_: v * x.isfinite(), saves_input=True,
                    doc="nan/inf replaced by finite numbers;  gradient passes where x is finite")


# --------------------------------------------------------------------------- public functions
def _int_copy_or(name, cls, doc):
    """Rounding functions: the identity (a copy) on integer tensors, as in PyTorch."""
    def fn(input, *, out=None):
        check_tensor(name, input)
        if input._data.dtype.kind in "iub":
            return write_out(Tensor._make(input._data.copy()), out)
        return write_out(cls.apply(input), out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


abs = unary_function("abs", Abs, "|input|, elementwise (integer dtypes kept). Gradient sign(x), 0 at 0.",  # noqa: A001
                    to_float=False, check=no_bool)
absolute = abs
reciprocal = unary_function("reciprocal", Reciprocal, "1 / input (integers give the default float dtype).")
rsqrt = unary_function("rsqrt", Rsqrt, "1 / sqrt(input).")
exp2 = unary_function("exp2", Exp2, "2 ** input, elementwise (integers give the default float dtype).")
expm1 = unary_function("expm1", Expm1, "exp(input) - 1, accurate for small input.")
log2 = unary_function("log2", Log2, "Base-2 logarithm log2(input) = ln(input) / ln 2, elementwise.")
log10 = unary_function("log10", Log10, "Base-10 logarithm log10(input) = ln(input) / ln 10, elementwise.")
log1p = unary_function("log1p", Log1p, "log(1 + input), accurate for small input.")
tan = unary_function("tan", Tan, "Tangent tan(input) = sin/cos of input in radians, elementwise.")
asin = arcsin = unary_function("asin", Asin, "Inverse sine; nan outside [-1, 1].")
acos = arccos = unary_function("acos", Acos, "Inverse cosine; nan outside [-1, 1].")
atan = arctan = unary_function("atan", Atan, "Inverse tangent atan(input), elementwise, in (-pi/2, pi/2).")
sinh = unary_function("sinh", Sinh, "Hyperbolic sine sinh(x) = (e^x - e^-x) / 2, elementwise.")
cosh = unary_function("cosh", Cosh, "Hyperbolic cosine cosh(x) = (e^x + e^-x) / 2, elementwise.")
asinh = arcsinh = unary_function("asinh", Asinh, "Inverse hyperbolic sine.")
acosh = arccosh = unary_function("acosh", Acosh, "Inverse hyperbolic cosine; nan below 1.")
atanh = arctanh = unary_function("atanh", Atanh, "Inverse hyperbolic tangent; +-inf at +-1, nan outside.")
erf = unary_function("erf", Erf, "Error function erf(x) = 2/sqrt(pi) int_0^x exp(-t^2) dt.")
erfc = unary_function("erfc", Erfc, "Complementary error function 1 - erf(x), accurate for large x.")
erfinv = unary_function("erfinv", Erfinv, "Inverse error function on (-1, 1); +-inf at +-1, nan outside.")
deg2rad = unary_function("deg2rad", Deg2rad, "Degrees to radians: input * pi / 180.")
rad2deg = unary_function("rad2deg", Rad2deg, "Radians to degrees: input * 180 / pi.")
sinc = unary_function("sinc", Sinc, "Normalized sinc: sin(pi x) / (pi x), and 1 at x = 0.")
frac = unary_function("frac", Frac, "Fractional part: input - trunc(input) (sign of input kept). Gradient 1.",
                     to_float=False, check=no_int)
floor = _int_copy_or("floor", Floor, "Largest integer <= input (integer tensors: a copy). Zero gradient.")
ceil = _int_copy_or("ceil", Ceil, "Smallest integer >= input (integer tensors: a copy). Zero gradient.")
trunc = _int_copy_or("trunc", Trunc, "Round toward zero (integer tensors: a copy). Zero gradient.")
fix = trunc


def sign(input, *, out=None):
    """-1, 0 or 1 by the sign of input (dtype kept; bool tensors are returned as a copy). Zero gradient."""
    check_tensor("sign", input)
    if input._data.dtype == np.bool_:
        return write_out(Tensor._make(input._data.copy()), out)
    return write_out(Sign.apply(input), out)


def sgn(input, *, out=None):
    """sign for real tensors; input / |input| (0 at 0) for complex ones."""
    check_tensor("sgn", input)
    if input.is_complex():
        a = input.abs()
        return write_out(where_(a == 0, 0.0, input / where_(a == 0, 1.0, a)), out)
    return sign(input, out=out)


def round(input, *, decimals=0, out=None):  # noqa: A001
    """Round half to even; with ``decimals``, to that many decimal digits (negative: left of the point)
    as round(x * 10^d) / 10^d. Integer tensors: a copy (decimals must be 0). Zero gradient."""
    check_tensor("round", input)
    if input._data.dtype.kind in "iub":
        if decimals != 0:
            no_int("round", input)
        return write_out(Tensor._make(input._data.copy()), out)
    return write_out(Round.apply(input, int(decimals)), out)


def logit(input, eps=None, *, out=None):
    """log(p / (1 - p)); with ``eps``, p is first clamped to [eps, 1 - eps] (zero gradient outside).
    Without eps the gradient is nan outside [0, 1], as in PyTorch."""
    check_tensor("logit", input)
    return write_out(Logit.apply(float_input(input), None if eps is None else float(eps)), out)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """Replace nan by ``nan``, +inf by ``posinf`` and -inf by ``neginf`` (default: the dtype's largest /
    smallest finite value). Integer tensors are returned as a copy. Gradient passes where input is finite."""
    check_tensor("nan_to_num", input)
    if input._data.dtype.kind in "iub":
        return write_out(Tensor._make(input._data.copy()), out)
    return write_out(NanToNum.apply(input, nan, posinf, neginf), out)


def positive(input):
    """Returns input itself (``+x``). Not defined for bool tensors, as in PyTorch."""
    check_tensor("positive", input)
    if input._data.dtype == np.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


register(abs, sign, sgn, reciprocal, rsqrt, exp2, expm1, log2, log10, log1p, tan, asin, acos, atan, sinh, cosh,
         asinh, acosh, atanh, erf, erfc, erfinv, floor, ceil, round, trunc, frac, logit, deg2rad, rad2deg, sinc,
         nan_to_num, inplace=True)
register(positive)
register(absolute=abs, arcsin=asin, arccos=acos, arctan=atan, arcsinh=asinh, arccosh=acosh, arctanh=atanh,
         fix=trunc, absolute_=make_inplace(abs), arcsin_=make_inplace(asin), arccos_=make_inplace(acos),
         arctan_=make_inplace(atan), arcsinh_=make_inplace(asinh), arccosh_=make_inplace(acosh),
         arctanh_=make_inplace(atanh), fix_=make_inplace(trunc), __abs__=abs, __pos__=positive)
