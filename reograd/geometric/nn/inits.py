"""The weight initialisations PyTorch Geometric's layers use (``torch_geometric.nn.inits``), on a tensor or on
every parameter and buffer of a module."""
from __future__ import annotations

import math

from ...autograd.tensor import Tensor
from ...nn import init

__all__ = ["uniform", "kaiming_uniform", "glorot", "zeros", "ones", "constant", "normal", "reset"]


def _each(value, fn):
    if isinstance(value, Tensor):
        fn(value)
    elif value is not None:
        for v in list(getattr(value, "parameters", list)()) + list(getattr(value, "buffers", list)()):
            _each(v, fn)


def uniform(size, value):
    """Fill from U(-1/√size, 1/√size)."""
    bound = 1.0 / math.sqrt(size)
    _each(value, lambda t: init.uniform_(t, -bound, bound))


def kaiming_uniform(value, fan, a):
    """Fill from U(-b, b), b = √(6 / ((1 + a²) fan)) (PyTorch's default for Linear with a = √5)."""
    bound = math.sqrt(6 / ((1 + a ** 2) * fan))
    _each(value, lambda t: init.uniform_(t, -bound, bound))


def glorot(value):
    """Glorot / Xavier uniform: U(-b, b), b = √(6 / (size(-2) + size(-1)))."""
    def fill(t):
        b = math.sqrt(6.0 / (t.shape[-2] + t.shape[-1]))
        init.uniform_(t, -b, b)
    _each(value, fill)


def constant(value, fill_value):
    """Fill with ``fill_value``."""
    _each(value, lambda t: init.constant_(t, fill_value))


def zeros(value):
    """Fill every entry with 0."""
    constant(value, 0.0)


def ones(value):
    """Fill every entry with 1."""
    constant(value, 1.0)


def normal(value, mean, std):
    """Fill from N(mean, std²)."""
    _each(value, lambda t: init.normal_(t, mean, std))


def reset(value):
    """Call ``value.reset_parameters()``, or that of every child module that has one."""
    if hasattr(value, "reset_parameters"):
        value.reset_parameters()
    else:
        for child in (value.children() if hasattr(value, "children") else []):
            reset(child)
