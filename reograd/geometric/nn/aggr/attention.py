"""Attention-weighted aggregation (Li et al. 2015, as PyG's ``AttentionalAggregation``)."""
from __future__ import annotations

from ....ops.nn.segment import scatter_softmax
from ..inits import reset
from .base import Aggregation, ptr_to_index

__all__ = ["AttentionalAggregation"]


class AttentionalAggregation(Aggregation):
    r""":math:`\mathbf{r}_g = \sum_{e \in g} \mathrm{softmax}_g(h_{\mathrm{gate}}(\mathbf{x}_e)) \odot h(\mathbf{x}_e)`.

    Args:
        gate_nn: maps x (E, F) to scores (E, 1) (one weight per row) or (E, F') (per channel).
        nn: optional transform of x before weighting.
    """

    def __init__(self, gate_nn, nn=None):
        super().__init__()
        self.gate_nn = gate_nn
        self.nn = nn

    def reset_parameters(self):
        reset(self.gate_nn)
        if self.nn is not None:
            reset(self.nn)

    def forward(self, x, index=None, ptr=None, dim_size=None, dim=-2):
        if index is None:
            index = ptr_to_index(ptr)
        gate = self.gate_nn(x)
        x = self.nn(x) if self.nn is not None else x
        gate = scatter_softmax(gate, index, dim_size, dim)
        return self.reduce(gate * x, index, None, dim_size, dim)

    def __repr__(self):
        return f"{type(self).__name__}(gate_nn={self.gate_nn}, nn={self.nn})"
