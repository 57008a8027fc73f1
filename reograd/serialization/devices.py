"""``map_location``: where loaded tensors go, as ``torch.load`` reads the argument."""
from __future__ import annotations

from .. import backend
from ..autograd.tensor import Tensor
from ._errors import UserCodeError

__all__ = ["target_device", "place"]


def target_device(map_location, saved):
    """The device for data saved at ``saved`` (a location string such as ``'cpu'`` or ``'cuda:0'``), or None
    when ``map_location`` is a function (the caller applies it). Locations reograd has no device for (``'mps'``,
    ``'xla:0'``...) load on the CPU."""
    if callable(map_location):
        return None
    if map_location is None:
        target = saved
    elif isinstance(map_location, dict):
        target = map_location.get(saved, saved)
    else:
        target = map_location
    if isinstance(target, bytes):
        target = target.decode("ascii", "replace")
    if isinstance(target, str) and target.split(":", 1)[0] not in ("cpu", "cuda", "meta"):
        target = "cpu"
    dev = backend.as_device(target)
    if dev.type == "cuda" and backend.cupy_module() is None:  # the caller's setup, not the file: raised as is
        raise UserCodeError(RuntimeError(
            "Attempting to deserialize object on a CUDA device but CUDA is not available. If you are running on a "
            "CPU-only machine, please use reograd.load with map_location=reograd.device('cpu') to map your storages "
            "to the CPU."))
    if dev.type == "meta":
        dev = backend.CPU
    return dev


def place(tensor, saved, map_location):
    """``tensor`` (loaded on the CPU) moved where ``map_location`` says data saved at ``saved`` goes.

    A function ``map_location(tensor, saved)`` may return a tensor (used as is) or None (the default place).
    """
    dev = target_device(map_location, saved)
    if dev is None:
        try:
            mapped = map_location(tensor, saved)
        except Exception as e:  # the caller's own code: its error, unchanged
            raise UserCodeError(e) from None
        if mapped is None:
            return place(tensor, saved, None)
        if not isinstance(mapped, Tensor):
            raise UserCodeError(TypeError(f"reograd.load: map_location returned {type(mapped).__name__}; it should "
                                          "return a tensor (or None for the default location)"))
        return mapped
    if dev.type != "cpu":
        tensor = tensor.to(dev)
    return tensor
