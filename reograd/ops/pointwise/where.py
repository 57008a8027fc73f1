"""``where``: the elementwise choice between two operands, the one op every derivative rule with a mask uses."""
from __future__ import annotations

import numpy as np

from ...autograd.function import NativeFunction
from ...autograd.tensor import Tensor
from ..arguments import as_arr, const, xp_of
from ..inplace import write_out
from ..promotion import tensors_of
from ..registry import register


# --------------------------------------------------------------------------- private helpers
class _Where(NativeFunction):
    """where(mask, a, b) for a constant bool array ``mask`` (a, b tensors of the same shape/broadcastable)."""

    @staticmethod
    def forward(ctx, a, b, mask):
        ctx.mask = mask
        ctx.shapes = (np.shape(a), np.shape(b))
        return xp_of(a).where(mask, a, b)

    @staticmethod
    def backward(ctx, g):

        m = ctx.mask
        na, nb = ctx.needs_input_grad[:2]
        ga = g * const(m, g._data) if na else None
        gb = g * const(~m, g._data) if nb else None
        return ga, gb, None

    @staticmethod
    def jvp(ctx, ta, tb, _m):
        m = ctx.mask
        out = None
        if ta is not None:
            out = ta * const(m, ta._data)
        if tb is not None:
            t = tb * const(~m, tb._data)
            out = t if out is None else out + t
        return out


def where_(mask, a, b):
    """Differentiable where with a constant mask; ``b`` (or ``a``) may be a number."""
    ref = a if isinstance(a, Tensor) else b
    if not isinstance(a, Tensor):
        a = Tensor._make(xp_of(ref._data).asarray(a, dtype=ref._data.dtype))
    if not isinstance(b, Tensor):
        b = Tensor._make(xp_of(ref._data).asarray(b, dtype=ref._data.dtype))
    return _Where.apply(a, b, mask)


def _shape(x):
    return getattr(x, "shape", ())


def _broadcast_fail(op, *xs):
    shapes = [list(_shape(x)) for x in xs if x is not None]
    return RuntimeError(f"{op}: shapes {', '.join(map(str, shapes))} cannot be broadcast together")


# --------------------------------------------------------------------------- where
class Where(NativeFunction):
    """where(c, a, b): a where c else b;  the gradient goes to a where c, to b elsewhere."""

    @staticmethod
    def forward(ctx, c, a, b):
        ctx.save_for_backward(c)
        ctx.shapes = (_shape(a), _shape(b))
        return as_arr(xp_of(a), xp_of(a).where(c, a, b))

    @staticmethod
    def backward(ctx, g):
        (c,) = ctx.saved_tensors
        _, na, nb = ctx.needs_input_grad
        sa, sb = ctx.shapes
        ga = where(c, g, 0.0) if na else None
        gb = where(c, 0.0, g) if nb else None
        return None, ga, gb

    @staticmethod
    def jvp(ctx, _tc, ta, tb):
        (c,) = ctx.saved_tensors
        return where(c, 0.0 if ta is None else ta, 0.0 if tb is None else tb)


def where(condition, input=None, other=None, *, out=None):
    """``input`` where ``condition`` is True, else ``other`` (broadcast; either may be a number).

    ``condition`` must be a bool tensor. The result dtype is the promotion of input and other.
    ``where(condition)`` alone is ``nonzero(condition, as_tuple=True)``.
    """
    if input is None and other is None:
        c = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
        return tuple(Tensor._make(i.astype(np.int64)) for i in xp_of(c).nonzero(c))
    if not isinstance(condition, Tensor):
        raise TypeError(f"where(): argument 'condition' must be Tensor, not {type(condition).__name__}")
    if condition._data.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{condition.dtype}")
    if input is None or other is None:
        raise TypeError("where(): expected both input and other, or neither")
    (a, b), _ = tensors_of("where", input, other)
    try:
        res = Where.apply(condition, a, b)
    except ValueError as e:
        if "broadcast" in str(e):
            raise _broadcast_fail("where", condition, a, b) from None
        raise
    return write_out(res, out)


def _where_method(self, condition, other):
    """``self.where(condition, other)`` = ``torch.where(condition, self, other)``: self where True, else other."""
    return where(condition, self, other)

register(where=_where_method)
