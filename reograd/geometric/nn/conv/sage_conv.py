r"""GraphSAGE (Hamilton et al. 2017, "Inductive Representation Learning on Large Graphs")."""
from __future__ import annotations

from ....nn.functional import normalize as l2_normalize
from ..aggr.resolver import MultiAggregation
from ..dense.linear import Linear
from .message_passing import MessagePassing

__all__ = ["SAGEConv"]


class SAGEConv(MessagePassing):
    r""":math:`\mathbf{x}_i' = W_1 \mathbf{x}_i + W_2 \cdot \mathrm{mean}_{j \in \mathcal{N}(i)} \mathbf{x}_j`
    (PyG's ``SAGEConv``).

    Args:
        in_channels: int, or (F_source, F_target).
        out_channels: output features.
        aggr: ⊕ ('mean' by default; any aggregation, or a list).
        normalize: L2-normalise the output rows.
        root_weight: add the W₁ x_i term.
        project: first map the sources by ``relu(lin(x_j))``.
        bias: bias of ``lin_l``.

    Parameters: ``lin_l`` (W₂, with bias), ``lin_r`` (W₁, no bias), ``lin`` (with ``project``).
    """

    def __init__(self, in_channels, out_channels, aggr="mean", normalize=False, root_weight=True, project=False,
                 bias=True, **kwargs):
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.normalize = normalize
        self.root_weight = root_weight
        self.project = project
        pair = (in_channels, in_channels) if isinstance(in_channels, int) else in_channels
        super().__init__(aggr, **kwargs)
        if project:
            if pair[0] <= 0:
                raise ValueError(f"'{type(self).__name__}' does not support lazy initialization with `project=True`")
            self.lin = Linear(pair[0], pair[0], bias=True)
        aggr_out = (self.aggr_module.get_out_channels(pair[0]) if isinstance(self.aggr_module, MultiAggregation)
                    else pair[0])
        self.lin_l = Linear(aggr_out, out_channels, bias=bias)
        if root_weight:
            self.lin_r = Linear(pair[1], out_channels, bias=False)
        self.reset_parameters()

    def reset_parameters(self):
        """Redraw the linear maps."""
        super().reset_parameters()
        if self.project:
            self.lin.reset_parameters()
        self.lin_l.reset_parameters()
        if self.root_weight:
            self.lin_r.reset_parameters()

    def forward(self, x, edge_index, size=None):
        if not isinstance(x, (tuple, list)):
            x = (x, x)
        if self.project:
            x = (self.lin(x[0]).relu(), x[1])
        out = self.lin_l(self.propagate(edge_index, x=x, size=size))
        if self.root_weight and x[1] is not None:
            out = out + self.lin_r(x[1])
        if self.normalize:
            out = l2_normalize(out, p=2.0, dim=-1)
        return out

    def message(self, x_j):
        return x_j

    def __repr__(self):
        return f"{type(self).__name__}({self.in_channels}, {self.out_channels}, aggr={self.aggr})"
