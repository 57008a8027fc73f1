"""``DataParallel``: PyTorch's single-process multi-GPU wrapper, here a pass-through to one device."""
from __future__ import annotations

from ..modules.module import Module

__all__ = ["DataParallel"]


class DataParallel(Module):
    """Runs ``module`` as is: reograd computes on one device per process, so there is nothing to split
    (PyTorch's DataParallel does the same where no GPU is present). Scripts written for it run
    unchanged; ``module`` is the wrapped model and ``state_dict()`` keys start with ``module.``, as in
    PyTorch. For several processes or machines, use ``DistributedDataParallel``.

    Args:
        module: the model. device_ids, output_device, dim: accepted for PyTorch compatibility.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel: module must be a reograd.nn.Module, got {type(module).__name__}")
        self.module = module
        self.device_ids = [] if device_ids is None else list(device_ids)
        self.output_device = output_device
        self.dim = dim

    def forward(self, *inputs, **kwargs):
        """The wrapped module's output on the inputs, unchanged."""
        return self.module(*inputs, **kwargs)
