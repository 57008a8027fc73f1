r"""EdgeConv (Wang et al. 2019, "Dynamic Graph CNN for Learning on Point Clouds")."""
from __future__ import annotations

from ....ops.shape.joins import cat
from ..inits import reset
from .message_passing import MessagePassing

__all__ = ["EdgeConv"]


class EdgeConv(MessagePassing):
    r""":math:`\mathbf{x}_i' = \bigoplus_{j \in \mathcal{N}(i)} h_\Theta(\mathbf{x}_i \,\Vert\, \mathbf{x}_j -
    \mathbf{x}_i)` (PyG's ``EdgeConv``; the notes' edge layer).

    Args:
        nn: h_Θ, mapping 2F features to F'.
        aggr: ⊕ ('max' by default).
    """

    def __init__(self, nn, aggr="max", **kwargs):
        super().__init__(aggr=aggr, **kwargs)
        self.nn = nn
        self.reset_parameters()

    def reset_parameters(self):
        """Reset ``nn``'s parameters."""
        super().reset_parameters()
        reset(self.nn)

    def forward(self, x, edge_index):
        if not isinstance(x, (tuple, list)):
            x = (x, x)
        return self.propagate(edge_index, x=x)

    def message(self, x_i, x_j):
        return self.nn(cat([x_i, x_j - x_i], dim=-1))

    def __repr__(self):
        return f"{type(self).__name__}(nn={self.nn})"
