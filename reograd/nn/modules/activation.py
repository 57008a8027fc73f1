"""Activation layers (as ``torch.nn``): thin modules over ``nn.functional``; PReLU has a learnable slope."""
from __future__ import annotations

from .. import functional as F
from ..parameter import Parameter
from .module import Module

__all__ = ["BinaryStep", "Sigmoid", "Tanh", "ArcTan", "ReLU", "LeakyReLU", "PReLU", "RReLU", "ELU", "SELU",
           "CELU", "GELU", "SiLU", "Mish", "Softplus", "Softsign", "Hardtanh", "Hardsigmoid", "Hardswish", "ReLU6",
           "Softmax", "LogSoftmax", "Softmin", "Softmax2d", "Threshold", "Tanhshrink", "Softshrink", "Hardshrink",
           "LogSigmoid", "GLU"]


def _ip(inplace):
    return "inplace=True" if inplace else ""


def _join(*parts):
    return ", ".join(p for p in parts if p)


class BinaryStep(Module):
    """Heaviside step: 1 where x >= 0, else 0 (gradient 0). reograd extra."""

    def forward(self, input):
        return F.binary_step(input)


class ArcTan(Module):
    """arctan(x) as an activation (derivative 1 / (1 + x^2)). reograd extra."""

    def forward(self, input):
        return F.arctan(input)


def _simple(name, fn, doc, inplace_arg=False):
    if inplace_arg:
        def __init__(self, inplace=False):
            Module.__init__(self)
            self.inplace = inplace

        def forward(self, input):
            return fn(input, inplace=self.inplace)

        def extra_repr(self):
            return _ip(self.inplace)
        ns = {"__init__": __init__, "forward": forward, "extra_repr": extra_repr}
    else:
        def forward(self, input):
            return fn(input)
        ns = {"forward": forward}
    ns["__doc__"] = doc
    cls = type(name, (Module,), ns)
    cls.__module__ = __name__
    return cls


Sigmoid = _simple("Sigmoid", F.sigmoid, "Sigmoid, elementwise: 1 / (1 + exp(-x)). Input (*), output the same shape.")
Tanh = _simple("Tanh", F.tanh, "Hyperbolic tangent, elementwise: tanh(x). Input (*), output the same shape.")
ReLU = _simple("ReLU", F.relu, "Rectified linear unit, elementwise: max(x, 0). Input (*), output the same shape.", True)
SELU = _simple("SELU", F.selu, "scale * elu(x, alpha) (self-normalising constants)", True)
SiLU = _simple("SiLU", F.silu, "SiLU (swish), elementwise: x * sigmoid(x). Input (*), output the same shape.", True)
Mish = _simple("Mish", F.mish, "x * tanh(softplus(x))", True)
Hardsigmoid = _simple("Hardsigmoid", F.hardsigmoid, "relu6(x + 3) / 6", True)
Hardswish = _simple("Hardswish", F.hardswish, "x * relu6(x + 3) / 6", True)
Softsign = _simple("Softsign", F.softsign, "Softsign, elementwise: x / (1 + |x|). Input (*), output the same shape.")
Tanhshrink = _simple("Tanhshrink", F.tanhshrink, "Tanhshrink, elementwise: x - tanh(x). Input (*), same shape out.")
LogSigmoid = _simple("LogSigmoid", F.logsigmoid, "Log-sigmoid, elementwise: log(sigmoid(x)) = -softplus(-x), stable.")


class LeakyReLU(Module):
    """x if x > 0 else negative_slope * x."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return _join(f"negative_slope={self.negative_slope}", _ip(self.inplace))


class PReLU(Module):
    """x if x > 0 else a * x with a learnable slope ``a`` (one, or one per channel: ``num_parameters``)."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        from ...ops.creation.factories import full  # noqa: PLC0415

        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(full((num_parameters,), float(init), dtype=dtype, device=device))

    def reset_parameters(self):
        self.weight.data.fill_(self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Randomised leaky ReLU: slope ~ U(lower, upper) per element when training, (lower + upper) / 2 in eval."""

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        return _join(f"lower={self.lower}, upper={self.upper}", _ip(self.inplace))


class ELU(Module):
    """x if x > 0 else alpha (exp(x) - 1)."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return _join(f"alpha={self.alpha}", _ip(self.inplace))


class CELU(ELU):
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1))."""

    def forward(self, input):
        return F.celu(input, self.alpha, self.inplace)


class GELU(Module):
    """x Phi(x) (approximate='tanh': the tanh formula)."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """log(1 + exp(beta x)) / beta, linear above ``threshold``."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """clip(x, min_val, max_val)."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False, min_value=None, max_value=None):
        super().__init__()
        self.min_val = min_val if min_value is None else min_value
        self.max_val = max_val if max_value is None else max_value
        self.inplace = inplace
        if self.max_val <= self.min_val:
            raise AssertionError("Hardtanh: max_val must be greater than min_val")

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return _join(f"min_val={self.min_val}, max_val={self.max_val}", _ip(self.inplace))


class ReLU6(Hardtanh):
    """min(max(x, 0), 6)."""

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return _ip(self.inplace)


class _DimModule(Module):
    _fn = None

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return type(self)._fn(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_DimModule):
    """exp(x_i) / sum_j exp(x_j) along ``dim``."""

    _fn = staticmethod(F.softmax)


class LogSoftmax(_DimModule):
    """log softmax along ``dim``."""

    _fn = staticmethod(F.log_softmax)


class Softmin(_DimModule):
    """softmax(-x) along ``dim``."""

    _fn = staticmethod(F.softmin)


class Softmax2d(Module):
    """Softmax over the channels of (N, C, H, W) or (C, H, W) input."""

    def forward(self, input):
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input of 3 or 4 dims, got {input.dim()}D")
        return F.softmax(input, -3)


class Threshold(Module):
    """x if x > threshold else value."""

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return _join(f"threshold={self.threshold}, value={self.value}", _ip(self.inplace))


class Softshrink(Module):
    """x - lambd if x > lambd, x + lambd if x < -lambd, else 0."""

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return F.softshrink(input, self.lambd)

    def extra_repr(self):
        return str(self.lambd)


class Hardshrink(Softshrink):
    """x if |x| > lambd else 0."""

    def forward(self, input):
        return F.hardshrink(input, self.lambd)


class GLU(Module):
    """a * sigmoid(b) for the two halves a, b of the input along ``dim``."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"
