"""Affine layers: ``Identity``, ``Linear`` (y = x Wᵀ + b), ``Bilinear`` (y = x1ᵀ A x2 + b), ``LazyLinear``."""
from __future__ import annotations

import math

from ...autograd.grad_mode import no_grad
from ...ops.creation.factories import empty
from .. import init
from ..parameter import Parameter, UninitializedParameter
from ...ops.nn.linear import bilinear, linear
from .module import Module

__all__ = ["Identity", "Linear", "Bilinear", "LazyLinear"]


class Identity(Module):
    """Returns its input unchanged (a placeholder); constructor arguments are accepted and ignored."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    r"""Applies an affine map to the last dimension: :math:`y = x W^T + b`.

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: if False, no additive bias. Default: True.

    Shape: input ``(*, in_features)`` -> output ``(*, out_features)``.

    Attributes:
        weight: ``(out_features, in_features)``, initialised from U(-√k, √k), k = 1/in_features
            (``kaiming_uniform_`` with a = √5, as PyTorch).
        bias: ``(out_features,)``, from U(-√k, √k).

    >>> m = Linear(20, 30)
    >>> m(reograd.randn(128, 20)).shape
    reograd.Size([128, 30])
    """

    __constants__ = ["in_features", "out_features"]

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty((out_features, in_features), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Re-draw weight and bias with PyTorch's default initialisation."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class NonDynamicallyQuantizableLinear(Linear):
    pass


class Bilinear(Module):
    r"""Applies a bilinear map: :math:`y_k = x_1^T A_k x_2 + b_k`.

    Args:
        in1_features, in2_features: sizes of the two inputs; out_features: size of the output.
        bias: if False, no additive bias. Default: True.

    Shape: ``(*, in1)``, ``(*, in2)`` -> ``(*, out)``.

    Attributes:
        weight: ``(out, in1, in2)``; bias: ``(out,)``; both from U(-√k, √k), k = 1/in1_features.
    """

    __constants__ = ["in1_features", "in2_features", "out_features"]

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(empty((out_features, in1_features, in2_features), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.weight.size(1))
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class LazyLinear(Linear):
    """A ``Linear`` whose ``in_features`` is inferred from the first input; it then becomes a ``Linear``.

    Args:
        out_features: size of each output sample; bias: as in ``Linear``.
    """

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        Module.__init__(self)
        self.in_features = 0
        self.out_features = out_features
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)
        else:
            self.register_parameter("bias", None)
        self._lazy_handle = self.register_forward_pre_hook(LazyLinear._infer_parameters)

    def reset_parameters(self):
        if self.in_features != 0:
            super().reset_parameters()

    @staticmethod
    def _infer_parameters(module, args):
        x = args[0]
        with no_grad():
            module.in_features = x.shape[-1]
            module.weight.materialize((module.out_features, module.in_features))
            if module.bias is not None:
                module.bias.materialize((module.out_features,))
            module.reset_parameters()
        module._lazy_handle.remove()
        del module._lazy_handle
        module.__class__ = module.cls_to_become
