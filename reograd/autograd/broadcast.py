"""Broadcasting and its adjoint: ``Expand`` (a broadcast view) and ``SumTo`` (sum back to a shape).

If ``x`` of shape (3, 1) is broadcast to (2, 3, 4) in forward, its gradient is the incoming one
summed over the dims broadcasting added (dim 0) or stretched (dim 2, kept as size 1). The engine
applies this to every gradient a backward returns in the broadcast shape, so an op's backward
never reduces by hand; ``Expand`` and ``SumTo`` are each other's backward, so every order works.
"""
from __future__ import annotations

from .. import backend
from .function import NativeFunction


def broadcastable(src, dst):
    """True if shape ``src`` broadcasts to shape ``dst``."""
    if len(src) > len(dst):
        return False
    for a, b in zip(reversed(src), reversed(dst)):
        if a != b and a != 1:
            return False
    return True


def reduced_dims(shape, grad_shape):
    """The dims of ``grad_shape`` to sum (keeping them) so that the result reshapes to ``shape``."""
    lead = len(grad_shape) - len(shape)
    return tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1 and grad_shape[i + lead] != 1)


class Expand(NativeFunction):
    """A broadcast view (stride 0 along stretched dims);  backward: SumTo the input's shape"""

    is_view = True
    linear = True

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a.shape
        if shape == a.shape:
            return a.view()
        return backend.get_array_module(a).broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, g):
        return SumTo.apply(g, ctx.in_shape), None


class SumTo(NativeFunction):
    """``g`` summed over the dims broadcasting added or stretched, giving ``shape``;  backward: Expand"""

    node_name = "SumBackward1"
    linear = True

    @staticmethod
    def forward(ctx, g, shape):
        ctx.in_shape = g.shape
        dims = reduced_dims(shape, g.shape)
        out = g.sum(axis=dims, keepdims=True) if dims else g
        return backend.get_array_module(g).asarray(out).reshape(shape)

    @staticmethod
    def backward(ctx, gg):
        return Expand.apply(gg, ctx.in_shape), None


def sum_to_shape(g, shape):
    """``g`` (a Tensor) summed to ``shape`` (see ``SumTo``); ``g`` itself when it already has that shape.

    The engine does this for every gradient a backward returns, so a backward needs it only to
    reduce an intermediate.
    """
    if tuple(g._data.shape) == tuple(shape):
        return g
    return SumTo.apply(g, tuple(shape))
