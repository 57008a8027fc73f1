"""Forward-mode automatic differentiation with dual tensors, as ``torch.autograd.forward_ad``.

A dual tensor carries a primal value x and a tangent t. Every op propagates tangents with its jvp
rule, so one forward pass gives J t — the derivative of all outputs along one input direction
(the notes' forward mode: one pass per input, from inputs to outputs).

>>> with forward_ad.dual_level():
...     x = forward_ad.make_dual(reograd.tensor(2.0), reograd.tensor(1.0))
...     y = x.sin() + x * 3.0
...     forward_ad.unpack_dual(y).tangent      # cos(2) + 3
"""
from __future__ import annotations

import weakref
from collections import namedtuple

from .grad_mode import state as _state
from .tensor import Tensor

__all__ = ["dual_level", "make_dual", "unpack_dual", "enter_dual_level", "exit_dual_level", "UnpackedDualTensor"]

UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])

_duals = []  # weak references to tensors given tangents at the current level


def enter_dual_level():
    """Start a forward-AD level (only one at a time, as tangents of tangents are not needed here)."""
    if _state.fw_level >= 0:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _state.fw_level = 0
    return 0


def exit_dual_level(*, level=None):
    """End the level: every tangent made inside is dropped."""
    for ref in _duals:
        t = ref()
        if t is not None:
            t._fw_grad = None
    _duals.clear()
    _state.fw_level = -1


class dual_level:
    """Context manager for a forward-AD level; tangents live only inside it."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()


def _track(t):
    _duals.append(weakref.ref(t))


def make_dual(tensor, tangent, *, level=None):
    """A view of ``tensor`` carrying ``tangent`` (same shape) as its forward-mode derivative."""
    if _state.fw_level < 0:
        raise RuntimeError("make_dual: to create a dual tensor, you need to be inside a dual_level context "
                           "(with forward_ad.dual_level(): ...)")
    if not isinstance(tangent, Tensor) or tangent.shape != tensor.shape:
        raise RuntimeError(f"make_dual: expected tangent of the same shape as primal {list(tensor.shape)}, got "
                           f"{list(getattr(tangent, 'shape', []))}")
    if not tensor.is_floating_point() and not tensor.is_complex():
        raise ValueError(f"make_dual: expected a floating point primal, got {tensor.dtype}")
    from ..ops.shape import Reshape  # noqa: PLC0415  (an alias that stays in the reverse-mode graph)

    t = Reshape.apply(tensor, tensor._data.shape) if tensor._requires_grad else Tensor._make(
        tensor._data, False, None, 0, tensor._vc)
    if tangent.dtype != tensor.dtype:
        tangent = tangent.to(tensor.dtype)
    t._fw_grad = tangent
    _track(t)
    return t


def unpack_dual(tensor, *, level=None):
    """``(primal, tangent)`` of a dual tensor; tangent is None for an ordinary tensor."""
    if not isinstance(tensor, Tensor):
        return UnpackedDualTensor(tensor, None)
    if tensor._base is not None and tensor._vv != tensor._vc[0] and tensor._base._fw_grad is not None:
        from ._views import refresh_tangent  # noqa: PLC0415  (its base changed in place since)

        refresh_tangent(tensor)
    tangent = tensor._fw_grad
    if tangent is None:
        return UnpackedDualTensor(tensor, None)
    primal = Tensor._make(tensor._data, tensor._requires_grad, tensor._grad_fn, tensor._output_nr, tensor._vc)
    return UnpackedDualTensor(primal, tangent)
