r"""GraphConv (Morris et al. 2019, "Weisfeiler and Leman Go Neural")."""
from __future__ import annotations

from ..dense.linear import Linear
from .message_passing import MessagePassing

__all__ = ["GraphConv"]


class GraphConv(MessagePassing):
    r""":math:`\mathbf{x}_i' = \Theta_1 \mathbf{x}_i + \Theta_2 \bigoplus_{j \in \mathcal{N}(i)} e_{j,i} \mathbf{x}_j`
    (PyG's ``GraphConv``).

    Args:
        in_channels: int, or (F_source, F_target) for bipartite graphs.
        out_channels: output features.
        aggr: ⊕ ('add' by default).
        bias: bias of ``lin_rel``.

    Parameters: ``lin_rel`` (Θ₂, with bias) and ``lin_root`` (Θ₁, no bias).
    """

    def __init__(self, in_channels, out_channels, aggr="add", bias=True, **kwargs):
        super().__init__(aggr=aggr, **kwargs)
        self.in_channels = in_channels
        self.out_channels = out_channels
        pair = (in_channels, in_channels) if isinstance(in_channels, int) else in_channels
        self.lin_rel = Linear(pair[0], out_channels, bias=bias)
        self.lin_root = Linear(pair[1], out_channels, bias=False)
        self.reset_parameters()

    def reset_parameters(self):
        """Redraw ``lin_rel`` and ``lin_root``."""
        super().reset_parameters()
        self.lin_rel.reset_parameters()
        self.lin_root.reset_parameters()

    def forward(self, x, edge_index, edge_weight=None, size=None):
        if not isinstance(x, (tuple, list)):
            x = (x, x)
        out = self.lin_rel(self.propagate(edge_index, x=x, edge_weight=edge_weight, size=size))
        if x[1] is not None:
            out = out + self.lin_root(x[1])
        return out

    def message(self, x_j, edge_weight):
        return x_j if edge_weight is None else edge_weight.view(-1, 1) * x_j
