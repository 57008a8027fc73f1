"""Complex helpers for real and complex tensors: real, imag, conj, angle, adjoint..."""
from __future__ import annotations

import math

from ... import backend
from ...autograd.function import NativeFunction
from ..arguments import check_tensor, const, xp_of
from ..inplace import write_out
from ..promotion import float_input
from ..registry import register
from .factory import unary_op


# ============================================================================================ complex helpers
class _RealPart(NativeFunction):
    """The real part of a complex tensor (a view);  backward: g as a complex tensor"""

    is_view = True
    linear = True

    @staticmethod
    def forward(ctx, a):
        ctx.dt = a.dtype
        return a.real

    @staticmethod
    def backward(ctx, g):
        return g.to(backend.from_numpy_dtype(ctx.dt))


class _ImagPart(NativeFunction):
    """The imaginary part of a complex tensor (a view);  backward: i g"""

    is_view = True
    linear = True

    @staticmethod
    def forward(ctx, a):
        ctx.dt = a.dtype
        return a.imag

    @staticmethod
    def backward(ctx, g):
        return g.to(backend.from_numpy_dtype(ctx.dt)) * 1j


class _Conj(NativeFunction):
    """Complex conjugate (a copy);  backward: conj(g)"""

    linear = True

    @staticmethod
    def forward(ctx, a):
        return xp_of(a).conj(a)

    @staticmethod
    def backward(ctx, g):
        return _Conj.apply(g)


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


_Angle = unary_op("Angle", _angle_fwd, None, doc="arg(x): 0 or pi for real x (nan kept);  zero derivative")


def angle(input, *, out=None):
    """The argument (phase) of each element, atan2(imag, real): for real tensors pi where x < 0 and 0
    elsewhere (nan stays nan), with zero gradient, as PyTorch; integers give the default float dtype."""
    check_tensor("angle", input)
    if input._data.dtype.kind == "c":
        return write_out(const(xp_of(input._data).angle(input._data)), out)
    return write_out(_Angle.apply(float_input(input)), out)


def adjoint(input):
    """The conjugate transpose of the last two dims (a view for real tensors): ``input.mH``."""
    check_tensor("adjoint", input)
    if input._data.ndim < 2:
        raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of matrices. Got "
                           f"{input._data.ndim}-D tensor.")
    return input.mH


def _real_prop(self):
    """``x.real``: the real part (x itself for a real tensor, a view for a complex one)."""
    return real(self)


def _imag_prop(self):
    """``x.imag``: the imaginary part of a complex tensor (a view); RuntimeError for real tensors."""
    return imag(self)

register(conj_physical, inplace=True)
register(conj, resolve_conj, resolve_neg, is_conj, is_neg, angle, adjoint)
register(real=property(_real_prop), imag=property(_imag_prop))
