"""Smaller parts of PyTorch's API: integer/float helpers (gcd, lcm, frexp, nextafter, heaviside,
float_power, rsub), tensor predicates (is_signed, is_nonzero, is_same_size, typename), complex helpers
for real tensors (real, imag, conj, angle, adjoint...), more random fills (log_normal_, cauchy_,
geometric_), and apply_/map_. (Views and scatters: ``strided.py``; grids: ``grids.py``.)

Differentiable ops are compositions of existing ones or small NativeFunctions whose backward is
written with Tensor ops, so double backward and jvp work.
"""
from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..autograd.function import NativeFunction
from ..autograd.grad_mode import state as _state
from ..autograd.tensor import Tensor, attach_methods
from ._common import broadcast_error, inplace, make_inplace
from ._pwutil import check_tensor, float_input, tensors_of, unary_op, write_out
from ._reduce_base import return_type
from .shape import sum_to_shape
from .generator import rng

__all__ = ["heaviside", "gcd", "lcm", "frexp", "nextafter", "float_power", "rsub", "typename", "is_signed",
           "is_nonzero", "is_same_size", "narrow_copy", "unsafe_chunk", "unsafe_split", "real", "imag", "conj",
           "conj_physical", "resolve_conj", "resolve_neg", "is_conj", "is_neg", "angle", "adjoint"]

_frexp_t = return_type("frexp", ("mantissa", "exponent"))


def _r():
    """The top-level package (imported late: these ops compose functions defined all over it)."""
    import reograd  # noqa: PLC0415

    return reograd


def _xp(a):
    return backend.get_array_module(a)


def _const(xp_arr):
    """A constant (no-grad) tensor wrapping an array."""
    return Tensor._make(xp_arr)


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
    xp = _xp(input._data)
    a, v = input._data, values._data
    try:
        res = xp.where(a == 0, v, (a > 0).astype(a.dtype)).astype(a.dtype)
    except ValueError:

        raise broadcast_error("heaviside", input, values) from None
    return write_out(_const(res), out)


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
    return write_out(_const(_xp(a._data).asarray(res, dtype=a._data.dtype)), out)


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
    xp = _xp(input._data)
    _, e = xp.frexp(input._data)
    e = e.astype(np.int32)
    scale = xp.ldexp(xp.ones((), dtype=input._data.dtype), -e).astype(input._data.dtype)
    res = _frexp_t((input * _const(scale), _const(e)))
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
        res = _xp(input._data).nextafter(input._data, other._data)
    except ValueError:

        raise broadcast_error("nextafter", input, other) from None
    return write_out(_const(_xp(input._data).asarray(res)), out)


def float_power(input, exponent, *, out=None):
    """input ** exponent computed in double precision: the result is float64 (complex128 if either
    operand is complex), whatever the inputs' dtypes. Differentiable in both.
    Example: ``torch.float_power(torch.tensor([2]), 3)`` is ``tensor([8.], dtype=float64)``.
    """
    r = _r()
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError("float_power(): at least one of input and exponent must be a Tensor")
    cplx = any((isinstance(x, Tensor) and x.is_complex()) or isinstance(x, complex) for x in (input, exponent))
    dt = r.complex128 if cplx else r.float64

    def up(x):
        if isinstance(x, Tensor):
            return x if x._data.dtype == dt.np else x.to(dt)
        return complex(x) if cplx else float(x)

    a, b = up(input), up(exponent)
    res = r.pow(a, b)
    if out is not None and out._data.dtype != dt.np:
        raise RuntimeError(f"float_power(): the output given to out= has dtype {out.dtype} but the operation's result "
                           f"requires dtype {dt}")
    return write_out(res, out)


def _float_power_(self, exponent):
    """In-place version of :func:`float_power`: self must be float64 (or complex128)."""
    if self._data.dtype not in (np.float64, np.complex128):
        raise RuntimeError(f"the base given to float_power_ has dtype {self.dtype} but the operation's result "
                           f"requires dtype {_r().float64}")
    return inplace(self, lambda t: float_power(t, exponent))


def rsub(input, other, alpha=1):
    """Reversed subtraction: other - alpha * input (broadcast, usual promotion).
    Example: ``torch.rsub(torch.tensor([1., 2.]), 5)`` is ``[4., 3.]``."""
    return _r().sub(other, input, alpha=alpha)


# ============================================================================================ predicates
def typename(obj):
    """The type name of ``obj``: a tensor's ``x.type()`` (e.g. 'reograd.FloatTensor'), else the
    qualified name of obj (or of its class), as ``torch.typename``."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = obj.__class__.__module__ or ""
        qualname = obj.__class__.__qualname__
    if module in ("", "builtins"):
        return qualname
    return f"{module}.{qualname}"


def is_signed(input):
    """True if input's dtype is signed (int8..int64, floats, complex); False for uint8 and bool."""
    check_tensor("is_signed", input)
    return input._data.dtype.kind in "ifc"


def is_nonzero(input):
    """True if the single element of ``input`` is nonzero (a one-element tensor only; else RuntimeError)."""
    check_tensor("is_nonzero", input)
    n = input._data.size
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous (shape "
                           f"{list(input.shape)})")
    return bool(input._data.reshape(-1)[0] != 0)


def is_same_size(input, other):
    """True if the two tensors have the same shape."""
    check_tensor("is_same_size", input)
    check_tensor("is_same_size", other, "other")
    return tuple(input._data.shape) == tuple(other._data.shape)


def _sum_to_size(self, *size):
    """``x.sum_to_size(*size)``: x summed down to ``size`` (the inverse of expanding ``size`` to x's shape):
    leading dims are summed away and dims where size is 1 summed with keepdim. ``size`` must be expandable
    to x's shape. Example: ``torch.ones(2, 3).sum_to_size(1, 3)`` is ``[[2, 2, 2]]``."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    size = tuple(int(s) for s in size)
    shape = tuple(self._data.shape)
    ok = len(size) <= len(shape) and all(s == t or s == 1 for s, t in zip(size[::-1], shape[::-1]))
    if not ok:
        raise RuntimeError(f"size {list(size)} is not expandable to size {list(shape)}.")
    return sum_to_shape(self, size)


def narrow_copy(input, dim, start, length):
    """Like :func:`narrow` (input[..., start:start+length, ...] along dim) but returns a copy, not a view."""
    check_tensor("narrow_copy", input)
    return input.narrow(dim, start, length).clone()


def unsafe_chunk(input, chunks, dim=0):
    """:func:`chunk` (``chunks`` pieces along dim); PyTorch's 'unsafe' variant skips view tracking, here it
    returns chunk's result."""
    return _r().chunk(input, chunks, dim)


def unsafe_split(tensor, split_size_or_sections, dim=0):
    """:func:`split` along dim into pieces of ``split_size_or_sections``; PyTorch's 'unsafe' variant skips view
    tracking, here it returns split's result."""
    return _r().split(tensor, split_size_or_sections, dim)


# ============================================================================================ complex helpers
class _RealPart(NativeFunction):
    """The real part of a complex tensor (a view);  backward: g as a complex tensor"""

    is_view = True

    @staticmethod
    def forward(ctx, a):
        ctx.dt = a.dtype
        return a.real

    @staticmethod
    def backward(ctx, g):
        return g.to(backend.from_numpy_dtype(ctx.dt))

    @staticmethod
    def jvp(ctx, t):
        return _RealPart.apply(t)


class _ImagPart(NativeFunction):
    """The imaginary part of a complex tensor (a view);  backward: i g"""

    is_view = True

    @staticmethod
    def forward(ctx, a):
        ctx.dt = a.dtype
        return a.imag

    @staticmethod
    def backward(ctx, g):
        return g.to(backend.from_numpy_dtype(ctx.dt)) * 1j

    @staticmethod
    def jvp(ctx, t):
        return _ImagPart.apply(t)


class _Conj(NativeFunction):
    """Complex conjugate (a copy);  backward: conj(g)"""

    @staticmethod
    def forward(ctx, a):
        return _xp(a).conj(a)

    @staticmethod
    def backward(ctx, g):
        return _Conj.apply(g)

    @staticmethod
    def jvp(ctx, t):
        return _Conj.apply(t)


def real(input):
    """The real part: ``input`` itself for a real tensor, a view of the real parts for a complex one."""
    check_tensor("real", input)
    return _RealPart.apply(input) if input._data.dtype.kind == "c" else input


def imag(input):
    """The imaginary part of a complex tensor (a view); a RuntimeError for real tensors, as in PyTorch."""
    check_tensor("imag", input)
    if input._data.dtype.kind != "c":
        raise RuntimeError(f"imag is not implemented for tensors with non-complex dtypes (got {input.dtype}).")
    return _ImagPart.apply(input)


def conj(input):
    """Complex conjugate a - ib: ``input`` itself for a real tensor; a conjugated copy for a complex one
    (PyTorch returns a lazy conjugate view: here it is materialised, so ``is_conj()`` is False)."""
    check_tensor("conj", input)
    return _Conj.apply(input) if input._data.dtype.kind == "c" else input


def conj_physical(input):
    """Complex conjugate, always materialised: ``input`` itself for a real tensor (as :func:`conj`)."""
    return conj(input)


def resolve_conj(input):
    """Materialises a lazy conjugation: reograd conjugates eagerly, so this returns ``input``."""
    check_tensor("resolve_conj", input)
    return input


def resolve_neg(input):
    """Materialises a lazy negation: reograd negates eagerly, so this returns ``input``."""
    check_tensor("resolve_neg", input)
    return input


def is_conj(input):
    """Whether ``input`` is a lazy conjugate view: always False here (conj is materialised)."""
    check_tensor("is_conj", input)
    return False


def is_neg(input):
    """Whether ``input`` has a lazy negation bit: always False here."""
    check_tensor("is_neg", input)
    return False


def _angle_fwd(xp, a):
    if a.dtype.kind == "c":
        return xp.angle(a)
    return xp.where(xp.isnan(a), a, xp.where(a < 0, math.pi, 0.0)).astype(a.dtype)


_Angle = unary_op("Angle", _angle_fwd, None, "", "arg(x): 0 or pi for real x (nan kept);  zero derivative")


def angle(input, *, out=None):
    """The argument (phase) of each element, atan2(imag, real): for real tensors pi where x < 0 and 0
    elsewhere (nan stays nan), with zero gradient, as PyTorch; integers give the default float dtype."""
    check_tensor("angle", input)
    if input._data.dtype.kind == "c":
        return write_out(_const(_xp(input._data).angle(input._data)), out)
    return write_out(_Angle.apply(float_input(input)), out)


def adjoint(input):
    """The conjugate transpose of the last two dims (a view for real tensors): ``input.mH``."""
    check_tensor("adjoint", input)
    if input._data.ndim < 2:
        raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of matrices. Got "
                           f"{input._data.ndim}-D tensor.")
    return input.mH


# ============================================================================================ random fills, apply_
def _log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Samples exp(N(mean, std^2)): the log-normal distribution, shaped like self."""
    if std <= 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    return rng(generator).lognormal(mean, std, self._data.shape)


def _cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Samples median + sigma * tan(pi (U - 1/2)): the Cauchy distribution, shaped like self."""
    if sigma <= 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    return median + sigma * rng(generator).standard_cauchy(self._data.shape)


def _geometric_(self, p, *, generator=None):
    """Samples the number of Bernoulli(p) trials up to the first success (1, 2, ...), shaped like self."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    return rng(generator).geometric(p, self._data.shape)


def _make_fills():
    from .creation import _random_fill  # noqa: PLC0415

    out = {}
    for name, sample, doc in (
            ("log_normal_", _log_normal_, "``x.log_normal_(mean=1, std=2)``: fills x in place with samples of "
             "exp(N(mean, std^2)) (mean and std of the underlying normal); returns x."),
            ("cauchy_", _cauchy_, "``x.cauchy_(median=0, sigma=1)``: fills x in place with Cauchy samples, density "
             "1 / (pi sigma (1 + ((x - median) / sigma)^2)); returns x."),
            ("geometric_", _geometric_, "``x.geometric_(p)``: fills x in place with geometric samples, P(k) = "
             "(1 - p)^(k - 1) p for k = 1, 2, ...; returns x.")):
        fill = _random_fill(sample)
        fill.__doc__ = doc
        out[name] = fill
    return out


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


def _real_prop(self):
    """``x.real``: the real part (x itself for a real tensor, a view for a complex one)."""
    return real(self)


def _imag_prop(self):
    """``x.imag``: the imaginary part of a complex tensor (a view); RuntimeError for real tensors."""
    return imag(self)


def _true_divide_(self, other):
    """In-place true division: self / other written into self (self must be a float tensor)."""
    return inplace(self, lambda t: _r().true_divide(t, other))


attach_methods(
    heaviside=heaviside,
    gcd=gcd, lcm=lcm, gcd_=make_inplace(gcd), lcm_=make_inplace(lcm), frexp=frexp, nextafter=nextafter,
    nextafter_=make_inplace(nextafter), heaviside_=make_inplace(heaviside), float_power=float_power,
    float_power_=_float_power_, is_signed=is_signed, is_nonzero=is_nonzero, is_same_size=is_same_size,
    sum_to_size=_sum_to_size, narrow_copy=narrow_copy, true_divide_=_true_divide_, unsafe_chunk=unsafe_chunk,
    unsafe_split=unsafe_split, conj=conj, conj_physical=conj_physical, conj_physical_=make_inplace(conj_physical),
    resolve_conj=resolve_conj, resolve_neg=resolve_neg, is_conj=is_conj, is_neg=is_neg, angle=angle, adjoint=adjoint,
    real=property(_real_prop), imag=property(_imag_prop), apply_=_apply_, map_=_map_, **_make_fills())
