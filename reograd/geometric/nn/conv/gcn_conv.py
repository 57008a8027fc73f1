r"""GCN (Kipf & Welling 2017): :math:`\mathbf{X}' = \hat{D}^{-1/2} \hat{A} \hat{D}^{-1/2} \mathbf{X} \Theta`."""
from __future__ import annotations

from ....ops.creation.factories import ones
from ....ops.nn.segment import scatter
from ...utils.loop import add_remaining_self_loops
from ...utils.num_nodes import check_edge_index, maybe_num_nodes
from ..dense.linear import Linear, register_bias
from ..inits import zeros
from .message_passing import MessagePassing

__all__ = ["GCNConv", "gcn_norm"]


def gcn_norm(edge_index, edge_weight=None, num_nodes=None, improved=False, add_self_loops=True,
             flow="source_to_target", dtype=None):
    r"""The symmetric normalisation of GCN: edge weights :math:`e_{j,i} / \sqrt{\hat d_j \hat d_i}` with
    :math:`\hat d_i = \sum_j \hat e_{j,i}` over :math:`\hat A = A + I` (``+ 2I`` with ``improved``).

    Existing self-loops keep their weight (``add_remaining_self_loops``). Returns ``(edge_index, edge_weight)``;
    differentiable in ``edge_weight``.
    """
    if flow not in ("source_to_target", "target_to_source"):
        raise ValueError(f"gcn_norm: flow must be 'source_to_target' or 'target_to_source' (got {flow!r})")
    check_edge_index("gcn_norm", edge_index, num_nodes)
    n = maybe_num_nodes(edge_index, num_nodes)
    if add_self_loops:
        edge_index, edge_weight = add_remaining_self_loops(edge_index, edge_weight, 2.0 if improved else 1.0, n)
    if edge_weight is None:
        edge_weight = ones(edge_index.shape[1], dtype=dtype, device=edge_index.device)
    row, col = edge_index[0], edge_index[1]
    deg = scatter(edge_weight, col if flow == "source_to_target" else row, 0, n, "sum")
    inv_sqrt = deg.pow(-0.5)
    inv_sqrt = inv_sqrt.masked_fill(inv_sqrt == float("inf"), 0)
    return edge_index, inv_sqrt[row] * edge_weight * inv_sqrt[col]


class GCNConv(MessagePassing):
    r"""The graph convolution of Kipf & Welling (PyG's ``GCNConv``):

    .. math::
        \mathbf{x}_i' = \Theta^\top \sum_{j \in \mathcal{N}(i) \cup \{i\}} \frac{e_{j,i}}{\sqrt{\hat d_j \hat d_i}}
        \mathbf{x}_j + \mathbf{b}, \qquad \hat d_i = 1 + \sum_{j \in \mathcal{N}(i)} e_{j,i}

    Args:
        in_channels, out_channels: feature sizes (in_channels=-1: lazy).
        improved: :math:`\hat A = A + 2I`.
        cached: compute the normalisation once and reuse it (transductive learning on one fixed graph).
        add_self_loops: default ``normalize``.
        normalize: apply the symmetric normalisation (else use ``edge_weight`` as is).
        bias: learn an additive bias.

    Shapes: x (N, F_in), edge_index (2, E), edge_weight (E,) -> (N, F_out). Parameters: ``lin.weight``
    (F_out, F_in, Glorot), ``bias`` (F_out, zeros).
    """

    def __init__(self, in_channels, out_channels, improved=False, cached=False, add_self_loops=None, normalize=True,
                 bias=True, **kwargs):
        kwargs.setdefault("aggr", "add")
        super().__init__(**kwargs)
        if add_self_loops is None:
            add_self_loops = normalize
        if add_self_loops and not normalize:
            raise ValueError(f"'{type(self).__name__}' does not support adding self-loops to the graph when no "
                             f"on-the-fly normalization is applied")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.improved = improved
        self.cached = cached
        self.add_self_loops = add_self_loops
        self.normalize = normalize
        self._cached_edge_index = None
        self.lin = Linear(in_channels, out_channels, bias=False, weight_initializer="glorot")
        register_bias(self, out_channels, bias)
        self.reset_parameters()

    def reset_parameters(self):
        """Glorot ``lin.weight``, zero ``bias``, and forget the cached normalisation."""
        super().reset_parameters()
        self.lin.reset_parameters()
        zeros(self.bias)
        self._cached_edge_index = None

    def forward(self, x, edge_index, edge_weight=None):
        if isinstance(x, (tuple, list)):
            raise ValueError(f"'{type(self).__name__}' received a tuple of node features as input while this layer "
                             f"does not support bipartite message passing. Please try other layers such as "
                             f"'SAGEConv' or 'GraphConv' instead")
        if self.normalize:
            if self._cached_edge_index is None:
                edge_index, edge_weight = gcn_norm(edge_index, edge_weight, x.shape[self.node_dim], self.improved,
                                                   self.add_self_loops, self.flow, x.dtype)
                if self.cached:
                    self._cached_edge_index = (edge_index, edge_weight)
            else:
                edge_index, edge_weight = self._cached_edge_index
        x = self.lin(x)
        out = self.propagate(edge_index, x=x, edge_weight=edge_weight)
        if self.bias is not None:
            out = out + self.bias
        return out

    def message(self, x_j, edge_weight):
        return x_j if edge_weight is None else edge_weight.view(-1, 1) * x_j
