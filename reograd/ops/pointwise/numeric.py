"""Smaller parts of PyTorch's API: integer/float helpers (gcd, lcm, frexp, nextafter, heaviside,
float_power, rsub), tensor predicates (is_signed, is_nonzero, is_same_size, typename), complex helpers
for real tensors (real, imag, conj, angle, adjoint...), more random fills (log_normal_, cauchy_,
geometric_), and apply_/map_. (Views and scatters: ``strided.py``; grids: ``grids.py``.)

Differentiable ops are compositions of existing ones or small NativeFunctions whose backward is
written with Tensor ops, so double backward and jvp work.
"""
from __future__ import annotations

import numpy as np

from ... import backend
from ...autograd.grad_mode import state as _state
from ...autograd.tensor import Tensor
from ..arguments import broadcast_error, check_tensor, const, xp_of
from ..inplace import inplace, write_out
from ..promotion import tensors_of
from ..reduction.base import return_type
from ..registry import register
from .arithmetic import pow, sub

_frexp_t = return_type("frexp", ("mantissa", "exponent"))


# ============================================================================================ number helpers
def heaviside(input, values, *, out=None):
    """The Heaviside step: 0 where input < 0, ``values`` where input == 0, 1 where input > 0 (values
    broadcast). input and values must have the same dtype. Not differentiable.
    Example: ``torch.heaviside(torch.tensor([-1., 0., 2.]), torch.tensor(0.5))`` is ``[0, 0.5, 1]``.
    """
    check_tensor("heaviside", input)
    check_tensor("heaviside", values, "values")
    if input._data.dtype != values._data.dtype:
        raise RuntimeError(f"heaviside is not yet implemented for tensors with different dtypes (input {input.dtype}, "
                           f"values {values.dtype})")
    if input._data.dtype.kind == "c":
        raise RuntimeError("heaviside is not yet implemented for complex tensors.")
    xp = xp_of(input._data)
    a, v = input._data, values._data
    try:
        res = xp.where(a == 0, v, (a > 0).astype(a.dtype)).astype(a.dtype)
    except ValueError:

        raise broadcast_error("heaviside", input, values) from None
    return write_out(const(res), out)


def _int_binary(op, ufunc, input, other, out):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    (a, b), _ = tensors_of(op, input, other)
    for x in (a, b):
        if x._data.dtype.kind not in "iu":
            name = {"b": "Bool", "f": {2: "Half", 4: "Float", 8: "Double"},
                    "c": {8: "ComplexFloat", 16: "ComplexDouble"}}
            name = name.get(x._data.dtype.kind, str(x.dtype))
            name = name if isinstance(name, str) else name.get(x._data.dtype.itemsize, str(x.dtype))
            raise NotImplementedError(f"\"{op}_cpu\" not implemented for '{name}' (an integer op; got {x.dtype})")
    try:
        res = ufunc(a._data, b._data)
    except ValueError:

        raise broadcast_error(op, input, other) from None
    return write_out(const(xp_of(a._data).asarray(res, dtype=a._data.dtype)), out)


def gcd(input, other, *, out=None):
    """Greatest common divisor of integer tensors, elementwise (broadcast); gcd(0, 0) = 0, always >= 0.
    Example: ``torch.gcd(torch.tensor([12, 18]), torch.tensor([8, 27]))`` is ``[4, 9]``."""
    return _int_binary("gcd", np.gcd, input, other, out)


def lcm(input, other, *, out=None):
    """Least common multiple of integer tensors, elementwise (broadcast): |a b| / gcd(a, b) (0 if either is 0).
    Example: ``torch.lcm(torch.tensor([4, 6]), torch.tensor([6, 4]))`` is ``[12, 12]``."""
    return _int_binary("lcm", np.lcm, input, other, out)


def frexp(input, *, out=None):
    """Splits a float tensor into mantissa and exponent: input = mantissa * 2^exponent with
    0.5 <= |mantissa| < 1 (both 0 at 0). Returns (mantissa, exponent) with exponent int32. The
    mantissa is differentiable (gradient 2^-exponent). Example: ``torch.frexp(torch.tensor([8.]))``
    is ``(mantissa=[0.5], exponent=[4])``."""
    check_tensor("frexp", input)
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"torch.frexp() only supports floating-point dtypes (got {input.dtype})")
    xp = xp_of(input._data)
    _, e = xp.frexp(input._data)
    e = e.astype(np.int32)
    scale = xp.ldexp(xp.ones((), dtype=input._data.dtype), -e).astype(input._data.dtype)
    res = _frexp_t((input * const(scale), const(e)))
    if out is not None:
        write_out(res[0], out[0])
        write_out(res[1], out[1])
        return _frexp_t(out)
    return res


def nextafter(input, other, *, out=None):
    """The next float after ``input`` towards ``other``, elementwise (same float dtype). Not differentiable.
    Example: ``torch.nextafter(torch.tensor([1.0]), torch.tensor([2.0])) - 1`` is float eps."""
    check_tensor("nextafter", input)
    check_tensor("nextafter", other, "other")
    if input._data.dtype != other._data.dtype or input._data.dtype.kind != "f":
        raise RuntimeError(f"nextafter: expected both inputs to have the same floating-point dtype (got "
                           f"{input.dtype} and {other.dtype})")
    try:
        res = xp_of(input._data).nextafter(input._data, other._data)
    except ValueError:

        raise broadcast_error("nextafter", input, other) from None
    return write_out(const(xp_of(input._data).asarray(res)), out)


def float_power(input, exponent, *, out=None):
    """input ** exponent computed in double precision: the result is float64 (complex128 if either
    operand is complex), whatever the inputs' dtypes. Differentiable in both.
    Example: ``torch.float_power(torch.tensor([2]), 3)`` is ``tensor([8.], dtype=float64)``.
    """
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError("float_power(): at least one of input and exponent must be a Tensor")
    cplx = any((isinstance(x, Tensor) and x.is_complex()) or isinstance(x, complex) for x in (input, exponent))
    dt = backend.complex128 if cplx else backend.float64

    def up(x):
        if isinstance(x, Tensor):
            return x if x._data.dtype == dt.np else x.to(dt)
        return complex(x) if cplx else float(x)

    a, b = up(input), up(exponent)
    res = pow(a, b)
    if out is not None and out._data.dtype != dt.np:
        raise RuntimeError(f"float_power(): the output given to out= has dtype {out.dtype} but the operation's result "
                           f"requires dtype {dt}")
    return write_out(res, out)


def _float_power_(self, exponent):
    """In-place version of :func:`float_power`: self must be float64 (or complex128)."""
    if self._data.dtype not in (np.float64, np.complex128):
        raise RuntimeError(f"the base given to float_power_ has dtype {self.dtype} but the operation's result "
                           f"requires dtype {backend.float64}")
    return inplace(self, lambda t: float_power(t, exponent))


def rsub(input, other, alpha=1):
    """Reversed subtraction: other - alpha * input (broadcast, usual promotion).
    Example: ``torch.rsub(torch.tensor([1., 2.]), 5)`` is ``[4., 3.]``."""
    return sub(other, input, alpha=alpha)


def _check_apply(op, self):
    if type(self._data) is not np.ndarray:
        raise TypeError(f"{op} is only implemented on CPU tensors")
    if _state.grad_enabled and self._requires_grad:
        raise RuntimeError(f"{op}: can't call a Python function on a tensor that requires grad (shape "
                           f"{list(self.shape)}); use it under no_grad() or on x.detach()")


def _apply_(self, callable):
    """``x.apply_(fn)``: replaces each element v of x by fn(v) in place (a Python call per element: slow;
    CPU only, not differentiable). Returns x."""
    _check_apply("apply_", self)
    a = self._data
    flat = a.reshape(-1) if a.flags.c_contiguous else None
    vals = [callable(v) for v in a.reshape(-1).tolist()]
    res = np.asarray(vals).astype(a.dtype).reshape(a.shape)
    if flat is not None:
        flat[...] = res.reshape(-1)
    else:
        a[...] = res
    self._version_counter[0] += 1
    return self


def _map_(self, tensor, callable):
    """``x.map_(y, fn)``: replaces each element v of x by fn(v, w), w the matching element of ``y``
    (broadcast to x's shape), in place. CPU only, not differentiable. Returns x."""
    _check_apply("map_", self)
    check_tensor("map_", tensor, "tensor")
    a = self._data
    try:
        other = np.broadcast_to(tensor._data, a.shape)
    except ValueError:
        raise RuntimeError(f"map_: tensor of shape {list(tensor.shape)} can't be broadcast to self's shape "
                           f"{list(self.shape)}") from None
    vals = [callable(u, v) for u, v in zip(a.reshape(-1).tolist(), other.reshape(-1).tolist())]
    a[...] = np.asarray(vals).astype(a.dtype).reshape(a.shape)
    self._version_counter[0] += 1
    return self

register(heaviside, gcd, lcm, nextafter, inplace=True)
register(frexp, float_power)
register(float_power_=_float_power_, apply_=_apply_, map_=_map_)
