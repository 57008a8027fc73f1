"""Flatten parameters into one vector and back (for second-order methods, line searches, ...)."""
from __future__ import annotations

from ...autograd.grad_mode import no_grad
from ...autograd.tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check_same_device(param, old_device):
    device = param.device
    if old_device is None:
        return device
    if device != old_device:
        raise TypeError("Found two parameters on different devices, this is currently not supported.")
    return old_device


def parameters_to_vector(parameters):
    """One 1-D tensor: the parameters flattened and concatenated (differentiable)."""
    from ... import cat  # noqa: PLC0415

    device = None
    vec = []
    for param in parameters:
        device = _check_same_device(param, device)
        vec.append(param.reshape(-1))
    return cat(vec)


def vector_to_parameters(vec, parameters):
    """Copy slices of the 1-D tensor ``vec`` into the parameters, in order (their data is replaced).

    As PyTorch, elements of ``vec`` beyond the parameters' total size are ignored; a ``vec`` too short
    raises (before any parameter is written)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    parameters = list(parameters)
    device = None
    pointer = 0
    for param in parameters:
        device = _check_same_device(param, device)
        n = param.numel()
        if pointer + n > vec.numel():
            raise RuntimeError(f"shape '{list(param.shape)}' is invalid for input of size "
                               f"{max(vec.numel() - pointer, 0)} (vector_to_parameters: vec of shape "
                               f"{list(vec.shape)} has {vec.numel()} elements, the parameters need "
                               f"{sum(p.numel() for p in parameters)})")
        pointer += n
    pointer = 0
    flat = vec._data.reshape(-1)
    for param in parameters:
        n = param.numel()
        with no_grad():
            chunk = flat[pointer:pointer + n].reshape(param._data.shape)
            param._data = chunk.astype(param._data.dtype, copy=True)
        param._bump_version()
        pointer += n
