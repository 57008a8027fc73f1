"""Elementwise arithmetic with broadcasting, and the Python operators on tensors.

Each op: ``forward`` on arrays, ``backward`` (vector-Jacobian product) and ``jvp`` (Jacobian-vector
product) written with Tensor ops, side by side. A binary op's backward returns gradients of the
broadcast shape; the engine sums each back to its input's shape (broadcasting in forward = summing
in backward).
"""
from __future__ import annotations

from ... import backend
from ...autograd.function import NativeFunction
from ...autograd.tensor import Tensor
from ..arguments import apply_binary, as_arr, check_tensor, shape_of, xp_of
from ..inplace import inplace, make_inplace, write_out
from ..promotion import promote, wrap_int
from ..registry import register
from .binary import _div_rounded
from .factory import unary_function, unary_op

FLOAT = backend.FLOAT


# --------------------------------------------------------------------------- add / sub
class Add(NativeFunction):
    """a + alpha * b"""

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.shapes = (shape_of(a), shape_of(b))
        ctx.alpha = alpha
        y = a + b if alpha == 1 else a + alpha * b
        dt = getattr(a, "dtype", None)
        if dt is not None and getattr(y, "dtype", dt) != dt:  # bool + 2 * bool: keep the promoted dtype
            y = (y != 0) if dt == backend.np.bool_ else as_arr(xp_of(a), y).astype(dt)
        return y

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        na, nb = ctx.needs_input_grad[:2]
        gb = None
        if nb:
            gb = g if ctx.alpha == 1 else g * ctx.alpha
        return (g if na else None), gb

    @staticmethod
    def jvp(ctx, ta, tb, _alpha=None):
        if tb is None:
            return ta
        tb = tb if ctx.alpha == 1 else tb * ctx.alpha
        return tb if ta is None else ta + tb


class Sub(NativeFunction):
    """a - alpha * b"""

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.shapes = (shape_of(a), shape_of(b))
        ctx.alpha = alpha
        y = a - b if alpha == 1 else a - alpha * b
        dt = getattr(a, "dtype", None)
        if dt is not None and getattr(y, "dtype", dt) != dt:
            y = as_arr(xp_of(a), y).astype(dt)
        return y

    @staticmethod
    def backward(ctx, g):
        sa, sb = ctx.shapes
        na, nb = ctx.needs_input_grad[:2]
        return (g if na else None), \
            (-g if ctx.alpha == 1 else g * -ctx.alpha if nb else None)

    @staticmethod
    def jvp(ctx, ta, tb, _alpha=None):
        if tb is None:
            return ta
        tb = -tb if ctx.alpha == 1 else tb * -ctx.alpha
        return tb if ta is None else ta + tb


def add(input, other, *, alpha=1, out=None):
    """input + alpha * other, broadcast, with PyTorch's type promotion."""
    a, b, rt = promote(input, other)
    _check_alpha("add", alpha, rt)
    a, b = wrap_int(a, rt), wrap_int(b, rt)
    if not isinstance(a, Tensor):  # scalar + tensor
        return apply_binary(Add, "add", b, a) if alpha == 1 else add(b * alpha, a)
    return apply_binary(Add, "add", a, b, alpha)


def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other, broadcast. (Not defined for bool tensors, as in PyTorch.)"""
    a, b, rt = promote(input, other)
    if rt is backend.bool:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if _is_bool(input) or _is_bool(other):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                           "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    _check_alpha("sub", alpha, rt)
    a, b = wrap_int(a, rt), wrap_int(b, rt)
    if not isinstance(a, Tensor):  # scalar - tensor
        return apply_binary(Add, "sub", -b if alpha == 1 else b * -alpha, a)
    return apply_binary(Sub, "sub", a, b, alpha)


subtract = sub


def _is_bool(x):
    """A bool tensor or a Python bool (what subtraction refuses)."""
    return x._data.dtype.kind == "b" if isinstance(x, Tensor) else isinstance(x, bool)


def _check_alpha(op, alpha, rt):
    if alpha != 1 and rt.category < backend.FLOAT and isinstance(alpha, float):
        raise RuntimeError(f"{op}: for integral input tensors, argument alpha must not be a floating point number "
                           f"(got alpha={alpha} with dtype {rt})")


# --------------------------------------------------------------------------- mul / div
class Mul(NativeFunction):
    """a * b;  d/da = b, d/db = a"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        return (g * b if na else None), (g * a if nb else None)

    @staticmethod
    def jvp(ctx, ta, tb):
        a, b = ctx.saved_tensors
        if tb is None:
            return ta * b
        if ta is None:
            return a * tb
        return ta * b + a * tb


class MulScalar(NativeFunction):
    """a * s for a Python number s (no scalar saved as a tensor: the hot path of ``x * 2``)."""

    node_name = "MulBackward0"

    @staticmethod
    def forward(ctx, a, s):
        ctx.s = s
        return a * s

    @staticmethod
    def backward(ctx, g):
        return g * ctx.s, None

    @staticmethod
    def jvp(ctx, ta, _s):
        return ta * ctx.s


def mul(input, other, *, out=None):
    """input * other, elementwise, broadcast."""
    a, b, rt = promote(input, other)
    a, b = wrap_int(a, rt), wrap_int(b, rt)
    if not isinstance(b, Tensor):
        return MulScalar.apply(a, b)
    if not isinstance(a, Tensor):
        return MulScalar.apply(b, a)
    return apply_binary(Mul, "mul", a, b)


multiply = mul


class Div(NativeFunction):
    """a / b;  d/da = 1/b, d/db = -a/b^2"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = g / b if na else None
        gb = -g * a / (b * b) if nb else None
        return ga, gb

    @staticmethod
    def jvp(ctx, ta, tb):
        a, b = ctx.saved_tensors
        out = None if ta is None else ta / b
        if tb is not None:
            t = -tb * a / (b * b)
            out = t if out is None else out + t
        return out


def div(input, other, *, rounding_mode=None, out=None):
    """input / other. ``rounding_mode``: None (true division, float result), 'trunc' or 'floor'."""
    if rounding_mode is not None:
        if rounding_mode not in ("trunc", "floor"):
            raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                             f"'{rounding_mode}'")
        return _div_rounded(input, other, rounding_mode)
    a, b, _ = promote(input, other, min_category=FLOAT)
    if not isinstance(a, Tensor):
        a = Tensor._make(xp_of(b._data).asarray(a, dtype=b._data.dtype))
    if not isinstance(b, Tensor):
        return MulScalar.apply(a, 1.0 / b) if b != 0 else apply_binary(Div, "div", a, Tensor._make(
            xp_of(a._data).asarray(b, dtype=a._data.dtype)))
    return apply_binary(Div, "div", a, b)


divide = true_divide = div


# --------------------------------------------------------------------------- unary
class Neg(NativeFunction):
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g

    @staticmethod
    def jvp(ctx, t):
        return -t


def neg(input, *, out=None):
    """The negative of ``input``, elementwise: out = -input (the ``-x`` operator); ``negative`` is an alias.

    Any shape; integer dtypes are kept. Bool tensors are an error, as in PyTorch (use ``~`` or
    ``logical_not`` to invert a mask).

    Example::

        >>> reograd.neg(reograd.tensor([1.0, -2.0, 0.5]))
        tensor([-1.0000,  2.0000, -0.5000])
    """
    check_tensor("neg", input)
    if input.dtype is backend.bool:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                           "to invert a mask, use the `~` or `logical_not()` operator instead.")
    return write_out(Neg.apply(input), out)


negative = neg


def _stable_sigmoid(xp, a):
    e = xp.exp(-xp.abs(a))  # exp of a non-positive number only: no overflow for large |x|
    return xp.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


# The hot unary functions: kernel and derivative rule side by side (see ``factory.unary_op``).
Exp = unary_op("Exp", lambda xp, a: xp.exp(a), lambda v, x, y: v * y, saves_output=True, quiet=False,
               doc="e^x;  d/dx = e^x (the output, saved)")
Log = unary_op("Log", lambda xp, a: xp.log(a), lambda v, x, y: v / x, saves_input=True, doc="ln x;  d/dx = 1/x")
Sin = unary_op("Sin", lambda xp, a: xp.sin(a), lambda v, x, y: v * x.cos(), saves_input=True, quiet=False,
               doc="sin x;  d/dx = cos x")
Cos = unary_op("Cos", lambda xp, a: xp.cos(a), lambda v, x, y: -v * x.sin(), saves_input=True, quiet=False,
               doc="cos x;  d/dx = -sin x")
Tanh = unary_op("Tanh", lambda xp, a: xp.tanh(a), lambda v, x, y: v * (1 - y * y), saves_output=True, quiet=False,
                doc="tanh x;  d/dx = 1 - tanh^2 x")
Sigmoid = unary_op("Sigmoid", _stable_sigmoid, lambda v, x, y: v * y * (1 - y), saves_output=True, quiet=False,
                   doc="sigma(x) = 1 / (1 + e^-x);  d/dx = sigma (1 - sigma)")
Relu = unary_op("Relu", lambda xp, a: xp.maximum(a, 0), lambda v, x, y: v * (y > 0), saves_output=True, quiet=False,
                doc="max(x, 0);  d/dx = 1 where x > 0 else 0")
Sqrt = unary_op("Sqrt", lambda xp, a: xp.sqrt(a), lambda v, x, y: v / (2 * y), saves_output=True,
                doc="sqrt x;  d/dx = 1 / (2 sqrt x)")


exp = unary_function("exp", Exp, "e^input, elementwise (integer inputs give the default float dtype).")
log = unary_function("log", Log, "Natural logarithm (-inf at 0, nan below 0).")
sin = unary_function("sin", Sin, """The sine of each element of ``input`` (in radians): out = sin(input).

Any shape; integer inputs give the default float dtype. Gradient: cos(input).

Example::

    >>> reograd.sin(reograd.tensor([0.0, math.pi / 2]))
    tensor([0., 1.])
""")
cos = unary_function("cos", Cos, """The cosine of each element of ``input`` (in radians): out = cos(input).

Any shape; integer inputs give the default float dtype. Gradient: -sin(input).

Example::

    >>> reograd.cos(reograd.tensor([0.0, math.pi]))
    tensor([ 1., -1.])
""")
tanh = unary_function("tanh", Tanh, """Hyperbolic tangent, elementwise: tanh(x) = (e^x - e^-x) / (e^x + e^-x), in (-1, 1).

Any shape; integer inputs give the default float dtype. Gradient: 1 - tanh(x)^2 (from the saved
output).

Example::

    >>> reograd.tanh(reograd.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.7616,  0.0000,  0.7616])
""")
sigmoid = unary_function("sigmoid", Sigmoid, "1 / (1 + exp(-input)), computed without overflow.")
sqrt = unary_function("sqrt", Sqrt, "Square root (nan below 0); its gradient at 0 is inf, as in PyTorch.")


def relu(input, inplace=False):
    """Rectified linear unit, elementwise: relu(x) = max(x, 0).

    ``input``: a tensor of any shape; the result has the same shape and dtype. ``inplace=True``
    overwrites ``input`` and returns it. The gradient is 1 where x > 0 and 0 elsewhere (0 at
    x = 0, as in PyTorch).

    Example::

        >>> reograd.relu(reograd.tensor([-1.0, 0.0, 2.0]))
        tensor([0., 0., 2.])
    """
    if inplace:
        from ..inplace import inplace as _inplace  # noqa: PLC0415

        return _inplace(input, Relu.apply)
    return Relu.apply(input)


def square(input, *, out=None):
    """input * input (integer dtypes kept; bool gives int64, as in PyTorch)."""
    check_tensor("square", input)
    if input._data.dtype == backend.np.bool_:
        input = input.to(backend.int64)
    return write_out(mul(input, input), out)


# --------------------------------------------------------------------------- pow
class PowScalar(NativeFunction):
    """x^p for a number p;  d/dx = p x^(p-1)"""

    @staticmethod
    def forward(ctx, a, p):
        ctx.save_for_backward(a)
        ctx.p = p
        with backend.np.errstate(divide="ignore", invalid="ignore"):
            if p == 2:
                return a * a
            return xp_of(a).power(a, p)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return g * 0, None
        if p == 1:
            return g, None
        if p == 2:
            return g * a * 2, None
        return g * p * a ** (p - 1), None

    @staticmethod
    def jvp(ctx, t, _p):
        (a,) = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return t * 0
        return t * p * a ** (p - 1) if p != 2 else t * a * 2


def _int_pow_negative(xp, a, b):
    """Integer a^b where some b < 0, as PyTorch: 1^b = 1, (-1)^b = +-1 by b's parity, otherwise 0 (the
    integer part of 1/a^|b|; 0^b too). NumPy raises on negative integer powers instead."""
    neg = b < 0
    y = xp.power(a, xp.where(neg, 0, b))
    odd = (b % 2) != 0
    y_neg = xp.where(a == 1, 1, xp.where(a == -1, xp.where(odd, -1, 1), 0)).astype(y.dtype)
    return xp.where(neg, y_neg, y)


class Pow(NativeFunction):
    """a^b;  d/da = b a^(b-1),  d/db = a^b ln a (taken as 0 where a = 0 and b >= 0)"""

    @staticmethod
    def forward(ctx, a, b):
        xp = xp_of(a)
        if a.dtype.kind in "iu" and b.dtype.kind == "i" and bool((b < 0).any()):
            y = _int_pow_negative(xp, a, b)
        else:
            with backend.np.errstate(divide="ignore", invalid="ignore"):
                y = as_arr(xp, xp.power(a, b))
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, g):
        a, b, y = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = None
        if na:
            from .where import where  # noqa: PLC0415

            ga = where(b == 0, 0.0, g * b * a ** (b - 1))  # 0 where b == 0 (PyTorch)
        gb = None
        if nb:
            from .where import where  # noqa: PLC0415

            safe = where(a == 0, 1.0, a)
            gb = g * where((a == 0) & (b >= 0), 0.0, y * safe.log())
        return ga, gb

    @staticmethod
    def jvp(ctx, ta, tb):
        a, b, y = ctx.saved_tensors
        out = None
        if ta is not None:
            from .where import where  # noqa: PLC0415

            out = where(b == 0, 0.0, ta * b * a ** (b - 1))
        if tb is not None:
            from .where import where  # noqa: PLC0415

            safe = where(a == 0, 1.0, a)
            t = tb * where((a == 0) & (b >= 0), 0.0, y * safe.log())
            out = t if out is None else out + t
        return out


def pow(input, exponent, *, out=None):  # noqa: A001
    """input ** exponent (either may be a number). Integer tensors to negative integer powers are an error."""
    if not isinstance(input, Tensor):  # number ** tensor
        a, b, _ = promote(input, exponent)
        a = Tensor._make(xp_of(b._data).asarray(a, dtype=b._data.dtype))
        return apply_binary(Pow, "pow", a, b)
    if not isinstance(exponent, Tensor):
        exponent = exponent.item() if hasattr(exponent, "item") and not isinstance(exponent, (int, float)) \
            else exponent
        a, p, rt = promote(input, exponent)
        if rt.category == backend.INT and isinstance(p, int) and p < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return PowScalar.apply(a, p)
    a, b, _ = promote(input, exponent)
    return apply_binary(Pow, "pow", a, b)


# --------------------------------------------------------------------------- operators
def _rsub(self, other):
    return sub(other, self)


def _rdiv(self, other):
    return div(other, self)


def _rpow(self, other):
    return pow(other, self)

register(add, sub, mul, div, neg, exp, log, sin, cos, tanh, sigmoid, relu, sqrt, square, pow, inplace=True)
register(subtract=sub, multiply=mul, divide=div, true_divide=div, negative=neg, subtract_=make_inplace(sub),
         multiply_=make_inplace(mul), divide_=make_inplace(div), negative_=make_inplace(neg), __add__=add,
         __radd__=add, __iadd__=make_inplace(add), __sub__=sub, __rsub__=_rsub, __isub__=make_inplace(sub),
         __mul__=mul, __rmul__=mul, __imul__=make_inplace(mul), __truediv__=div, __rtruediv__=_rdiv,
         __itruediv__=make_inplace(div), __neg__=neg, __pow__=pow, __rpow__=_rpow, __ipow__=make_inplace(pow))


def _true_divide_(self, other):
    """In-place true division: self / other written into self (self must be a float tensor)."""
    return inplace(self, lambda t: div(t, other))

register(true_divide_=_true_divide_)
