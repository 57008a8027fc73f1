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

from collections import namedtuple

from .grad_mode import drop_tangents, state as _state, track_tangent
from .tensor import Tensor
from .views import Alias, refresh_tangent

__all__ = ["dual_level", "make_dual", "unpack_dual", "enter_dual_level", "exit_dual_level", "UnpackedDualTensor"]

UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])

def enter_dual_level():
    """Start a forward-AD level (only one at a time, as tangents of tangents are not needed here)."""
    if _state.fw_level >= 0:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _state.fw_level = 0
    return 0


def exit_dual_level(*, level=None):
    """End the level: every tangent made inside is dropped."""
    drop_tangents()
    _state.fw_level = -1


class dual_level:
    """Context manager for a forward-AD level; tangents live only inside it."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()


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
    # an alias: it stays in the reverse-mode graph of ``tensor``
    t = Alias.apply(tensor) if tensor._requires_grad else Tensor._make(
        tensor._data, False, None, 0, tensor._version_counter)
    if tangent.dtype != tensor.dtype:
        tangent = tangent.to(tensor.dtype)
    t._fw_grad = tangent
    track_tangent(t)
    return t


def unpack_dual(tensor, *, level=None):
    """``(primal, tangent)`` of a dual tensor; tangent is None for an ordinary tensor."""
    if not isinstance(tensor, Tensor):
        return UnpackedDualTensor(tensor, None)
    if tensor._base is not None and tensor._view_version != tensor._version_counter[0] \
            and tensor._base._fw_grad is not None:
        refresh_tangent(tensor)  # its base changed in place since
    tangent = tensor._fw_grad
    if tangent is None:
        return UnpackedDualTensor(tensor, None)
    primal = Tensor._make(tensor._data, tensor._requires_grad, tensor._grad_fn, tensor._output_nr,
                          tensor._version_counter)
    return UnpackedDualTensor(primal, tangent)
