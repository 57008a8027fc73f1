"""Comparisons, logical and bitwise ops, and the floating-point class tests (isnan, isinf, ...).

None of these is differentiable: they return bool (or integer) tensors outside the graph, computed
directly on arrays. Operands are compared in their promoted dtype (PyTorch's rules), so an int
tensor == 1.5 compares in float. The operators ``== != < <= > >= & | ^ ~ << >>`` map here, with
their reflected and in-place forms.
"""
from __future__ import annotations

import numpy as np

from ... import backend
from ...autograd.tensor import Tensor
from ..arguments import broadcast_error, xp_of
from ..inplace import make_inplace
from ..promotion import as_operand, result_type, wrap_int
from ..registry import register

_TYPE_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long",
               "float16": "Half", "float32": "Float", "float64": "Double", "complex64": "ComplexFloat",
               "complex128": "ComplexDouble"}


def _arrays(op, input, other):
    """Raw arrays of two operands in their promoted dtype (numbers stay Python numbers)."""
    a, b = as_operand(input), as_operand(other)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{op}(): expected at least one Tensor argument, got {type(input).__name__} and "
                        f"{type(other).__name__}")
    rdt = result_type(a, b)
    rt = rdt.np
    # a Python int compared in an integer dtype is first cast to it, wrapping around as PyTorch does
    # (``uint8_tensor < -1`` compares with 255), as in the arithmetic ops
    xa = a._data if isinstance(a, Tensor) else wrap_int(a, rdt)
    xb = b._data if isinstance(b, Tensor) else wrap_int(b, rdt)
    if isinstance(a, Tensor) and xa.dtype != rt:
        xa = xa.astype(rt)
    if isinstance(b, Tensor) and xb.dtype != rt:
        xb = xb.astype(rt)
    return xa, xb, rt


def wrap_dim(op, fn, a, b):
    try:
        r = fn(a, b)
    except ValueError as e:
        if "broadcast" in str(e):
            raise broadcast_error(op, a, b) from None
        raise
    if not backend.is_array(r):
        r = np.asarray(r)
    return Tensor._make(r)


def _out(res, out):
    if out is None:
        return res
    if out._data.shape == res._data.shape:
        xp_of(out._data).copyto(out._data, res._data, casting="unsafe")
    else:
        out._data = res._data.astype(out._data.dtype)
    out._version_counter[0] += 1
    return out


# --------------------------------------------------------------------------- comparisons
def _comparison(name, ufunc_name, sym):
    def fn(input, other, *, out=None):
        a, b, _ = _arrays(name, input, other)
        xp = xp_of(a if backend.is_array(a) else b)
        return _out(wrap_dim(name, getattr(xp, ufunc_name), a, b), out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"input {sym} other, elementwise with broadcasting (``other`` may be a number); a bool tensor. "
                  "Operands are compared in their promoted dtype.")
    return fn


eq = _comparison("eq", "equal", "==")
ne = not_equal = _comparison("ne", "not_equal", "!=")
lt = less = _comparison("lt", "less", "<")
le = less_equal = _comparison("le", "less_equal", "<=")
gt = greater = _comparison("gt", "greater", ">")
ge = greater_equal = _comparison("ge", "greater_equal", ">=")


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other|, elementwise (infinities close only to themselves;
    nan close to nan only with ``equal_nan``). Both must be tensors of the same dtype."""
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        bad = other if isinstance(input, Tensor) else input
        raise TypeError(f"isclose(): argument '{'other' if isinstance(input, Tensor) else 'input'}' must be "
                        f"Tensor, not {type(bad).__name__}")
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"isclose: {_TYPE_NAMES[input.dtype.name]} did not match {_TYPE_NAMES[other.dtype.name]} "
                           f"(both tensors must have the same dtype)")
    if rtol < 0 or atol < 0:
        raise RuntimeError(f"isclose: rtol and atol must be non-negative (got rtol={rtol}, atol={atol})")
    a, b = input._data, other._data
    xp = xp_of(a)
    try:
        same = a == b
    except ValueError:
        raise broadcast_error("isclose", a, b) from None
    if a.dtype == np.bool_:
        return Tensor._make(as_arr(xp, same))
    if a.dtype.kind in "iu":  # integers: compare in float64, with no overflow on the difference
        a, b = a.astype(np.float64), b.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        close = same | (xp.isfinite(a) & xp.isfinite(b) & (xp.abs(a - b) <= atol + rtol * xp.abs(b)))
        if equal_nan:
            close = close | (xp.isnan(a) & xp.isnan(b))
    return Tensor._make(as_arr(xp, close))


def as_arr(xp, r):
    return r if backend.is_array(r) else xp.asarray(r)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True if isclose holds for every element (a Python bool)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input, other):
    """True if the tensors have the same shape and equal elements (nan is never equal)."""
    if input.shape != other.shape:
        return False
    a, b, _ = _arrays("equal", input, other)
    return bool((a == b).all())


# --------------------------------------------------------------------------- logical
def _logical(name, ufunc_name):
    def fn(input, other, *, out=None):
        a, b = as_operand(input), as_operand(other)
        xa = a._data if isinstance(a, Tensor) else a
        xb = b._data if isinstance(b, Tensor) else b
        xp = xp_of(xa if backend.is_array(xa) else xb)
        return _out(wrap_dim(name, getattr(xp, ufunc_name), xa, xb), out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {name.split('_')[1]} of the truth values (nonzero is True); a bool tensor."
    return fn


logical_and = _logical("logical_and", "logical_and")
logical_or = _logical("logical_or", "logical_or")
logical_xor = _logical("logical_xor", "logical_xor")


def logical_not(input, *, out=None):
    """Elementwise not of the truth values (nonzero is True); a bool tensor."""
    return _out(Tensor._make(as_arr(xp_of(input._data), xp_of(input._data).logical_not(input._data))), out)


# --------------------------------------------------------------------------- bitwise
def _int_only(op, rt):
    if rt.kind not in "iub":
        raise NotImplementedError(f"\"{op}_cpu\" not implemented for '{_TYPE_NAMES[backend._BY_NP[rt].name]}'")


def _bitwise(name, ufunc_name, kernel):
    def fn(input, other, *, out=None):
        a, b, rt = _arrays(name, input, other)
        _int_only(name, rt)
        xp = xp_of(a if backend.is_array(a) else b)
        if not backend.is_array(a):
            a = xp.asarray(a).astype(rt)  # an out-of-range number wraps, as in PyTorch
        if not backend.is_array(b):
            b = xp.asarray(b)
            b = b if kernel is not None else b.astype(rt)  # shifts: keep the count's value for the range rule
        r = wrap_dim(name, getattr(xp, ufunc_name) if kernel is None else (lambda p, q: kernel(xp, p, q)), a, b)
        if r._data.dtype != rt:
            r._data = r._data.astype(rt)
        return _out(r, out)

    fn.__name__ = fn.__qualname__ = name
    return fn


def _lshift(xp, a, b):
    if a.dtype == np.bool_:
        raise NotImplementedError("\"lshift_cpu\" not implemented for 'Bool'")
    bits = a.dtype.itemsize * 8
    bad = (b < 0) | (b >= bits)
    r = xp.left_shift(a, xp.where(bad, 0, b).astype(a.dtype))
    return xp.where(bad, xp.zeros((), a.dtype), r)


def _rshift(xp, a, b):
    """PyTorch's rule: a shift by < 0 or >= the bit width fills with the sign bit."""
    if a.dtype == np.bool_:
        raise NotImplementedError("\"rshift_cpu\" not implemented for 'Bool'")
    bits = a.dtype.itemsize * 8
    bad = (b < 0) | (b >= bits)
    if a.dtype.kind == "i":
        return xp.right_shift(a, xp.where(bad, bits - 1, b).astype(a.dtype))
    return xp.where(bad, xp.zeros((), a.dtype), xp.right_shift(a, xp.where(bad, 0, b).astype(a.dtype)))


bitwise_and = _bitwise("bitwise_and", "bitwise_and", None)
bitwise_or = _bitwise("bitwise_or", "bitwise_or", None)
bitwise_xor = _bitwise("bitwise_xor", "bitwise_xor", None)
bitwise_left_shift = _bitwise("bitwise_left_shift", None, _lshift)
bitwise_right_shift = _bitwise("bitwise_right_shift", None, _rshift)
bitwise_and.__doc__ = "input & other for integer and bool tensors (bool & bool stays bool)."
bitwise_or.__doc__ = "input | other for integer and bool tensors."
bitwise_xor.__doc__ = "input ^ other for integer and bool tensors."
bitwise_left_shift.__doc__ = "input << other for integer tensors; shifts < 0 or >= the bit width give 0."
bitwise_right_shift.__doc__ = ("input >> other (arithmetic) for integer tensors; shifts < 0 or >= the bit width "
                               "fill with the sign bit.")


def bitwise_not(input, *, out=None):
    """~input: bitwise not of an integer tensor; logical not of a bool tensor."""
    _int_only("bitwise_not", input._data.dtype)
    return _out(Tensor._make(as_arr(xp_of(input._data), xp_of(input._data).invert(input._data))), out)


# --------------------------------------------------------------------------- float classes
def _classify(name, fn_float, int_value, doc):
    def fn(input, *, out=None):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
        d = input._data
        xp = xp_of(d)
        if d.dtype.kind in "fc":
            r = fn_float(xp, d)
        else:
            r = int_value(xp, d)
        return _out(Tensor._make(as_arr(xp, r)), out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


def _filled(v):
    return lambda xp, d: xp.full(d.shape, v, dtype=np.bool_)


isnan = _classify("isnan", lambda xp, d: xp.isnan(d), _filled(False), "True where input is nan.")
isinf = _classify("isinf", lambda xp, d: xp.isinf(d), _filled(False), "True where input is +inf or -inf.")
isfinite = _classify("isfinite", lambda xp, d: xp.isfinite(d), _filled(True), "True where input is neither inf nor nan.")
isposinf = _classify("isposinf", lambda xp, d: xp.isposinf(d), _filled(False), "True where input is +inf.")
isneginf = _classify("isneginf", lambda xp, d: xp.isneginf(d), _filled(False), "True where input is -inf.")
isreal = _classify("isreal", lambda xp, d: (d.imag == 0) if d.dtype.kind == "c" else xp.ones(d.shape, np.bool_),
                   _filled(True), "True where input has no imaginary part (everywhere for real dtypes).")
signbit = _classify("signbit", lambda xp, d: xp.signbit(d),
                    lambda xp, d: (d < 0) if d.dtype.kind == "i" else xp.zeros(d.shape, np.bool_),
                    "True where the sign bit is set (negative numbers and -0.0).")


# --------------------------------------------------------------------------- operators
_OPERAND_TYPES = (Tensor, int, float, bool, complex, np.generic, np.ndarray)


def _op(fn, reflected=False):
    def method(self, other):
        if not isinstance(other, _OPERAND_TYPES):
            return NotImplemented
        return fn(other, self) if reflected else fn(self, other)
    method.__name__ = fn.__name__
    return method


register(eq, ne, lt, le, gt, ge, logical_and, logical_or, logical_xor, logical_not, bitwise_and, bitwise_or,
         bitwise_xor, bitwise_not, bitwise_left_shift, bitwise_right_shift, inplace=True)
register(isclose, allclose, equal, isnan, isinf, isfinite, isposinf, isneginf, isreal, signbit)
register(not_equal=ne, less=lt, less_equal=le, greater=gt, greater_equal=ge, not_equal_=make_inplace(ne),
         less_=make_inplace(lt), less_equal_=make_inplace(le), greater_=make_inplace(gt),
         greater_equal_=make_inplace(ge), __eq__=_op(eq), __ne__=_op(ne), __lt__=_op(lt), __le__=_op(le),
         __gt__=_op(gt), __ge__=_op(ge), __and__=_op(bitwise_and), __rand__=_op(bitwise_and, True),
         __iand__=make_inplace(bitwise_and), __or__=_op(bitwise_or), __ror__=_op(bitwise_or, True),
         __ior__=make_inplace(bitwise_or), __xor__=_op(bitwise_xor), __rxor__=_op(bitwise_xor, True),
         __ixor__=make_inplace(bitwise_xor), __invert__=bitwise_not, __lshift__=_op(bitwise_left_shift),
         __rlshift__=_op(bitwise_left_shift, True), __ilshift__=make_inplace(bitwise_left_shift),
         __rshift__=_op(bitwise_right_shift), __rrshift__=_op(bitwise_right_shift, True),
         __irshift__=make_inplace(bitwise_right_shift))
