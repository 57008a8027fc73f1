r"""GAT (Veličković et al. 2018, "Graph Attention Networks")."""
from __future__ import annotations

from ....nn.functional import dropout, leaky_relu
from ....nn.parameter import Parameter
from ....ops.creation.factories import empty
from ...utils.loop import add_self_loops, remove_self_loops
from ...utils.softmax import softmax
from ..dense.linear import Linear, register_bias
from ..inits import glorot, zeros
from .message_passing import MessagePassing

__all__ = ["GATConv"]


class _AttentionConv(MessagePassing):
    """What GAT and GATv2 share: their hyper-parameters, the self-loops, the residual and bias, and how the heads
    are joined (concatenated or averaged) into the output."""

    def _keep_args(self, in_channels, out_channels, heads, concat, negative_slope, dropout, add_self_loops, edge_dim,
                   fill_value, residual):
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.heads = heads
        self.concat = concat
        self.negative_slope = negative_slope
        self.dropout = dropout
        self.add_self_loops = add_self_loops
        self.edge_dim = edge_dim
        self.fill_value = fill_value
        self.residual = residual

    def _make_output(self, bias):
        """``res`` (a map of the target features, with ``residual``) and ``bias``, sized for the joined heads."""
        total = self.out_channels * (self.heads if self.concat else 1)
        if self.residual:
            target = self.in_channels if isinstance(self.in_channels, int) else self.in_channels[1]
            self.res = Linear(target, total, bias=False, weight_initializer="glorot")
        else:
            self.register_parameter("res", None)
        register_bias(self, total, bias)

    def _with_self_loops(self, edge_index, edge_attr, num_nodes):
        if not self.add_self_loops:
            return edge_index, edge_attr
        edge_index, edge_attr = remove_self_loops(edge_index, edge_attr)
        return add_self_loops(edge_index, edge_attr, fill_value=self.fill_value, num_nodes=num_nodes)

    def _output(self, out, res, edge_index, alpha, return_attention_weights):
        out = out.reshape(-1, self.heads * self.out_channels) if self.concat else out.mean(dim=1)
        if res is not None:
            out = out + res
        if self.bias is not None:
            out = out + self.bias
        return (out, (edge_index, alpha)) if return_attention_weights else out

    def __repr__(self):
        return f"{type(self).__name__}({self.in_channels}, {self.out_channels}, heads={self.heads})"


class GATConv(_AttentionConv):
    r"""Graph attention (PyG's ``GATConv``), per head:

    .. math::
        \mathbf{x}_i' = \sum_{j \in \mathcal{N}(i) \cup \{i\}} \alpha_{i,j} \Theta \mathbf{x}_j, \qquad
        \alpha_{i,j} = \mathrm{softmax}_j\Big(\mathrm{LeakyReLU}\big(\mathbf{a}_s^\top \Theta \mathbf{x}_j +
        \mathbf{a}_t^\top \Theta \mathbf{x}_i + \mathbf{a}_e^\top \Theta_e \mathbf{e}_{j,i}\big)\Big)

    Args:
        in_channels: int, or (F_source, F_target) (separate ``lin_src`` / ``lin_dst``).
        out_channels: C, features per head.
        heads: H attention heads; ``concat`` joins them (H·C outputs), else averages (C).
        negative_slope: of the LeakyReLU.
        dropout: dropout on the attention coefficients (training only).
        add_self_loops: remove existing loops and add one per node.
        edge_dim: edge feature size (adds the edge term); ``fill_value``: the loops' edge features ('mean' of
            the incoming edges by default, a number, or a tensor).
        bias: learn an additive bias; residual: add a linear map of the target features.

    ``forward(x, edge_index, edge_attr=None, size=None, return_attention_weights=None)``; with
    ``return_attention_weights=True`` returns ``(out, (edge_index, alpha))``, alpha (E', H) over the edges
    actually used (self-loops included).
    """

    def __init__(self, in_channels, out_channels, heads=1, concat=True, negative_slope=0.2, dropout=0.0,
                 add_self_loops=True, edge_dim=None, fill_value="mean", bias=True, residual=False, **kwargs):
        kwargs.setdefault("aggr", "add")
        super().__init__(node_dim=0, **kwargs)
        self._keep_args(in_channels, out_channels, heads, concat, negative_slope, dropout, add_self_loops, edge_dim,
                        fill_value, residual)
        self.lin = self.lin_src = self.lin_dst = None
        if isinstance(in_channels, int):
            self.lin = Linear(in_channels, heads * out_channels, bias=False, weight_initializer="glorot")
        else:
            self.lin_src = Linear(in_channels[0], heads * out_channels, False, weight_initializer="glorot")
            self.lin_dst = Linear(in_channels[1], heads * out_channels, False, weight_initializer="glorot")
        self.att_src = Parameter(empty(1, heads, out_channels))
        self.att_dst = Parameter(empty(1, heads, out_channels))
        if edge_dim is not None:
            self.lin_edge = Linear(edge_dim, heads * out_channels, bias=False, weight_initializer="glorot")
            self.att_edge = Parameter(empty(1, heads, out_channels))
        else:
            self.lin_edge = None
            self.register_parameter("att_edge", None)
        self._make_output(bias)
        self.reset_parameters()

    def reset_parameters(self):
        """Glorot for the maps and attention vectors, zero bias."""
        super().reset_parameters()
        for lin in (self.lin, self.lin_src, self.lin_dst, self.lin_edge, self.res):
            if lin is not None:
                lin.reset_parameters()
        glorot(self.att_src)
        glorot(self.att_dst)
        glorot(self.att_edge)
        zeros(self.bias)

    def forward(self, x, edge_index, edge_attr=None, size=None, return_attention_weights=None):
        H, C = self.heads, self.out_channels
        res = None
        if not isinstance(x, (tuple, list)):
            if x.ndim != 2:
                raise ValueError(f"GATConv: static graphs not supported (x must be 2-D, got shape {list(x.shape)})")
            if self.res is not None:
                res = self.res(x)
            if self.lin is not None:
                x_src = x_dst = self.lin(x).view(-1, H, C)
            else:
                x_src, x_dst = self.lin_src(x).view(-1, H, C), self.lin_dst(x).view(-1, H, C)
        else:
            x_src, x_dst = x
            if x_src.ndim != 2:
                raise ValueError(f"GATConv: static graphs not supported (x must be 2-D, got shape "
                                 f"{list(x_src.shape)})")
            if x_dst is not None and self.res is not None:
                res = self.res(x_dst)
            lin_s, lin_d = (self.lin, self.lin) if self.lin is not None else (self.lin_src, self.lin_dst)
            x_src = lin_s(x_src).view(-1, H, C)
            x_dst = None if x_dst is None else lin_d(x_dst).view(-1, H, C)
        alpha_src = (x_src * self.att_src).sum(dim=-1)
        alpha_dst = None if x_dst is None else (x_dst * self.att_dst).sum(-1)
        n = x_src.shape[0] if x_dst is None else min(x_src.shape[0], x_dst.shape[0])
        edge_index, edge_attr = self._with_self_loops(edge_index, edge_attr, min(size) if size is not None else n)
        alpha = self.edge_updater(edge_index, alpha=(alpha_src, alpha_dst), edge_attr=edge_attr, size=size)
        out = self.propagate(edge_index, x=(x_src, x_dst), alpha=alpha, size=size)
        return self._output(out, res, edge_index, alpha, return_attention_weights)

    def edge_update(self, alpha_j, alpha_i, edge_attr, index, ptr, dim_size):
        alpha = alpha_j if alpha_i is None else alpha_j + alpha_i
        if index.numel() == 0:
            return alpha
        if edge_attr is not None and self.lin_edge is not None:
            if edge_attr.ndim == 1:
                edge_attr = edge_attr.view(-1, 1)
            e = self.lin_edge(edge_attr).view(-1, self.heads, self.out_channels)
            alpha = alpha + (e * self.att_edge).sum(dim=-1)
        alpha = leaky_relu(alpha, self.negative_slope)
        alpha = softmax(alpha, index, ptr, dim_size)
        return dropout(alpha, p=self.dropout, training=self.training)

    def message(self, x_j, alpha):
        return alpha.unsqueeze(-1) * x_j
