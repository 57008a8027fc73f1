"""PyTorch Geometric's ``Linear``: ``y = x Wᵀ + b`` with a choice of initialisation and lazy ``in_channels=-1``."""
from __future__ import annotations

import math

from ....autograd.grad_mode import no_grad
from ....nn.functional import linear
from ....nn.modules.module import Module
from ....nn.parameter import Parameter, UninitializedParameter
from ....ops.creation.factories import empty
from .. import inits

__all__ = ["Linear", "register_bias"]


def register_bias(module, size, enabled):
    """Give ``module`` a ``bias`` Parameter (size,) (uninitialised: its ``reset_parameters`` fills it), or register
    ``bias`` as None when not ``enabled`` (so it shows in the module as PyTorch's layers do)."""
    if enabled:
        module.bias = Parameter(empty(size))
    else:
        module.register_parameter("bias", None)


class Linear(Module):
    r"""Applies :math:`y = x W^T + b` (PyG's ``torch_geometric.nn.Linear``), the affine map of PyG's layers.

    Args:
        in_channels: input features, or -1 to take them from the first input (lazy initialisation).
        out_channels: output features.
        bias: learn an additive bias.
        weight_initializer: 'glorot', 'uniform' (U(±1/√in)), 'kaiming_uniform' or None (PyTorch's Linear default).
        bias_initializer: 'zeros', or None (U(±1/√in)).

    Parameters ``weight`` (out, in) and ``bias`` (out,), as ``nn.Linear`` (same ``state_dict`` keys).
    """

    def __init__(self, in_channels, out_channels, bias=True, weight_initializer=None, bias_initializer=None):
        super().__init__()
        if weight_initializer not in (None, "glorot", "uniform", "kaiming_uniform"):
            raise RuntimeError(f"Linear: weight initializer '{weight_initializer}' not supported")
        if bias_initializer not in (None, "zeros"):
            raise RuntimeError(f"Linear: bias initializer '{bias_initializer}' not supported")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.weight_initializer = weight_initializer
        self.bias_initializer = bias_initializer
        if in_channels > 0:
            self.weight = Parameter(empty(out_channels, in_channels))
        else:
            self.weight = UninitializedParameter()
            self._hook = self.register_forward_pre_hook(Linear._initialize_parameters)
        register_bias(self, out_channels, bias)
        self.reset_parameters()

    def reset_parameters(self):
        """Redraw the parameters with the chosen initialisers (nothing yet for a lazy layer)."""
        n = self.in_channels
        if n <= 0:
            return
        if self.weight_initializer == "glorot":
            inits.glorot(self.weight)
        elif self.weight_initializer == "uniform":
            inits.uniform(n, self.weight)
        else:
            inits.kaiming_uniform(self.weight, fan=n, a=math.sqrt(5))
        if self.bias is not None:
            if self.bias_initializer == "zeros":
                inits.zeros(self.bias)
            else:
                inits.uniform(n, self.bias)

    @staticmethod
    def _initialize_parameters(module, args):
        with no_grad():
            module.in_channels = args[0].shape[-1]
            module.weight.materialize((module.out_channels, module.in_channels))
            module.reset_parameters()
        module._hook.remove()
        del module._hook

    def forward(self, x):
        return linear(x, self.weight, self.bias)

    def __repr__(self):
        return f"{type(self).__name__}({self.in_channels}, {self.out_channels}, bias={self.bias is not None})"
