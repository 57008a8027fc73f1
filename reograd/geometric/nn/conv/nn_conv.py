r"""NNConv, the edge-conditioned convolution (Gilmer et al. 2017, Simonovsky & Komodakis 2017)."""
from __future__ import annotations

from ..dense.linear import Linear, register_bias
from ..inits import reset, zeros
from .message_passing import MessagePassing

__all__ = ["NNConv"]


class NNConv(MessagePassing):
    r""":math:`\mathbf{x}_i' = \Theta \mathbf{x}_i + \bigoplus_{j \in \mathcal{N}(i)} \mathbf{x}_j \cdot
    h_\Theta(\mathbf{e}_{j,i})`: each edge's features give the (F_in × F_out) matrix its message goes through
    (PyG's ``NNConv``; the MPNN's message function).

    Args:
        in_channels: int, or (F_source, F_target).
        out_channels: F_out.
        nn: maps edge features (E, D) to (E, F_in · F_out).
        aggr: ⊕ ('add' by default).
        root_weight: add Θ x_i (``lin``, no bias).
        bias: learn an additive bias.
    """

    def __init__(self, in_channels, out_channels, nn, aggr="add", root_weight=True, bias=True, **kwargs):
        super().__init__(aggr=aggr, **kwargs)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.nn = nn
        self.root_weight = root_weight
        pair = (in_channels, in_channels) if isinstance(in_channels, int) else in_channels
        self.in_channels_l = pair[0]
        if root_weight:
            self.lin = Linear(pair[1], out_channels, bias=False, weight_initializer="uniform")
        register_bias(self, out_channels, bias)
        self.reset_parameters()

    def reset_parameters(self):
        """Reset ``nn``, redraw ``lin``, zero ``bias``."""
        super().reset_parameters()
        reset(self.nn)
        if self.root_weight:
            self.lin.reset_parameters()
        zeros(self.bias)

    def forward(self, x, edge_index, edge_attr=None, size=None):
        if not isinstance(x, (tuple, list)):
            x = (x, x)
        out = self.propagate(edge_index, x=x, edge_attr=edge_attr, size=size)
        if x[1] is not None and self.root_weight:
            out = out + self.lin(x[1])
        if self.bias is not None:
            out = out + self.bias
        return out

    def message(self, x_j, edge_attr):
        weight = self.nn(edge_attr).view(-1, self.in_channels_l, self.out_channels)
        return (x_j.unsqueeze(1) @ weight).squeeze(1)

    def __repr__(self):
        return (f"{type(self).__name__}({self.in_channels}, {self.out_channels}, aggr={self.aggr}, "
                f"nn={self.nn})")
