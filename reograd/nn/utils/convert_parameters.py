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
    """Copy slices of the 1-D tensor ``vec`` into the parameters, in order (their data is replaced)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    device = None
    pointer = 0
    for param in parameters:
        device = _check_same_device(param, device)
        n = param.numel()
        with no_grad():
            chunk = vec._data[pointer:pointer + n].reshape(param._data.shape)
            param._data = chunk.astype(param._data.dtype, copy=True)
        param._vc[0] += 1
        pointer += n
    if pointer != vec.numel():
        raise RuntimeError(f"vector_to_parameters: vector has {vec.numel()} elements but the parameters hold "
                           f"{pointer}")
