"""The basic aggregations: sum, mean, max, min, mul, var, std over each group of rows."""
from __future__ import annotations

import math

from ....autograd.grad_mode import no_grad
from .base import Aggregation

__all__ = ["SumAggregation", "MeanAggregation", "MaxAggregation", "MinAggregation", "MulAggregation",
           "VarAggregation", "StdAggregation"]


class SumAggregation(Aggregation):
    r""":math:`\sum_{e \in g} x_e` per group (0 for an empty group)."""

    def forward(self, x, index=None, ptr=None, dim_size=None, dim=-2):
        return self.reduce(x, index, ptr, dim_size, dim, reduce="sum")


class MeanAggregation(Aggregation):
    r""":math:`\frac{1}{|g|} \sum_{e \in g} x_e` per group (0 for an empty group)."""

    def forward(self, x, index=None, ptr=None, dim_size=None, dim=-2):
        return self.reduce(x, index, ptr, dim_size, dim, reduce="mean")


class MaxAggregation(Aggregation):
    r""":math:`\max_{e \in g} x_e` per group, element-wise (0 for an empty group; ties share the gradient)."""

    def forward(self, x, index=None, ptr=None, dim_size=None, dim=-2):
        return self.reduce(x, index, ptr, dim_size, dim, reduce="max")


class MinAggregation(Aggregation):
    r""":math:`\min_{e \in g} x_e` per group, element-wise (0 for an empty group; ties share the gradient)."""

    def forward(self, x, index=None, ptr=None, dim_size=None, dim=-2):
        return self.reduce(x, index, ptr, dim_size, dim, reduce="min")


class MulAggregation(Aggregation):
    r""":math:`\prod_{e \in g} x_e` per group (1 for an empty group)."""

    def forward(self, x, index=None, ptr=None, dim_size=None, dim=-2):
        return self.reduce(x, index, ptr, dim_size, dim, reduce="mul")


class VarAggregation(Aggregation):
    r"""Population variance per group: :math:`\mathrm{mean}(x^2) - \mathrm{mean}(x)^2`.

    ``semi_grad=True`` computes mean(x²) without gradient (as PyG, to save memory).
    """

    def __init__(self, semi_grad=False):
        super().__init__()
        self.semi_grad = semi_grad

    def forward(self, x, index=None, ptr=None, dim_size=None, dim=-2):
        mean = self.reduce(x, index, ptr, dim_size, dim, reduce="mean")
        if self.semi_grad:
            with no_grad():
                mean2 = self.reduce(x * x, index, ptr, dim_size, dim, "mean")
        else:
            mean2 = self.reduce(x * x, index, ptr, dim_size, dim, "mean")
        return mean2 - mean * mean


class StdAggregation(Aggregation):
    r"""Standard deviation per group: :math:`\sqrt{\max(\mathrm{var}, 10^{-5})}`, set to 0 where var <= 1e-5 (PyG)."""

    def __init__(self, semi_grad=False):
        super().__init__()
        self.var_aggr = VarAggregation(semi_grad)

    def forward(self, x, index=None, ptr=None, dim_size=None, dim=-2):
        var = self.var_aggr(x, index, ptr, dim_size, dim)
        out = var.clamp(min=1e-5).sqrt()
        return out.masked_fill(out <= math.sqrt(1e-5), 0.0)
