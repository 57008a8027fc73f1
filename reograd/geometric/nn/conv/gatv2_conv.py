r"""GATv2 (Brody et al. 2022, "How Attentive are Graph Attention Networks?")."""
from __future__ import annotations

from ....nn.functional import dropout, leaky_relu
from ....nn.parameter import Parameter
from ....ops.creation.factories import empty
from ...utils.softmax import softmax
from ..dense.linear import Linear
from ..inits import glorot, zeros
from .gat_conv import _AttentionConv

__all__ = ["GATv2Conv"]


class GATv2Conv(_AttentionConv):
    r"""Dynamic graph attention (PyG's ``GATv2Conv``): the nonlinearity comes before the attention vector,

    .. math::
        \alpha_{i,j} = \mathrm{softmax}_j\Big(\mathbf{a}^\top \mathrm{LeakyReLU}\big(\Theta_s \mathbf{x}_j +
        \Theta_t \mathbf{x}_i + \Theta_e \mathbf{e}_{j,i}\big)\Big), \qquad
        \mathbf{x}_i' = \sum_{j \in \mathcal{N}(i) \cup \{i\}} \alpha_{i,j} \Theta_s \mathbf{x}_j

    Args: as :class:`GATConv`, plus ``share_weights`` (Θ_s = Θ_t). ``lin_l`` is Θ_s, ``lin_r`` is Θ_t (both with
    bias when ``bias``), ``att`` the attention vector (1, H, C).
    """

    def __init__(self, in_channels, out_channels, heads=1, concat=True, negative_slope=0.2, dropout=0.0,
                 add_self_loops=True, edge_dim=None, fill_value="mean", bias=True, share_weights=False,
                 residual=False, **kwargs):
        super().__init__(node_dim=0, **kwargs)
        self._keep_args(in_channels, out_channels, heads, concat, negative_slope, dropout, add_self_loops, edge_dim,
                        fill_value, residual)
        self.share_weights = share_weights
        pair = (in_channels, in_channels) if isinstance(in_channels, int) else in_channels
        self.lin_l = Linear(pair[0], heads * out_channels, bias=bias, weight_initializer="glorot")
        if share_weights:
            self.lin_r = self.lin_l
        else:
            self.lin_r = Linear(pair[1], heads * out_channels, bias=bias, weight_initializer="glorot")
        self.att = Parameter(empty(1, heads, out_channels))
        if edge_dim is not None:
            self.lin_edge = Linear(edge_dim, heads * out_channels, bias=False, weight_initializer="glorot")
        else:
            self.lin_edge = None
        self._make_output(bias)
        self.reset_parameters()

    def reset_parameters(self):
        """Glorot for the maps and ``att``, zero bias."""
        super().reset_parameters()
        for lin in (self.lin_l, self.lin_r, self.lin_edge, self.res):
            if lin is not None:
                lin.reset_parameters()
        glorot(self.att)
        zeros(self.bias)

    def forward(self, x, edge_index, edge_attr=None, return_attention_weights=None):
        H, C = self.heads, self.out_channels
        res = None
        if not isinstance(x, (tuple, list)):
            if x.ndim != 2:
                raise ValueError(f"GATv2Conv: x must be 2-D (got shape {list(x.shape)})")
            if self.res is not None:
                res = self.res(x)
            x_l = self.lin_l(x).view(-1, H, C)
            x_r = x_l if self.share_weights else self.lin_r(x).view(-1, H, C)
        else:
            x_l, x_r = x
            if x_r is not None and self.res is not None:
                res = self.res(x_r)
            x_l = self.lin_l(x_l).view(-1, H, C)
            if x_r is None:
                raise ValueError("GATv2Conv: the target features of a bipartite pair must not be None")
            x_r = self.lin_r(x_r).view(-1, H, C)
        edge_index, edge_attr = self._with_self_loops(edge_index, edge_attr, min(x_l.shape[0], x_r.shape[0]))
        alpha = self.edge_updater(edge_index, x=(x_l, x_r), edge_attr=edge_attr)
        out = self.propagate(edge_index, x=(x_l, x_r), alpha=alpha)
        return self._output(out, res, edge_index, alpha, return_attention_weights)

    def edge_update(self, x_j, x_i, edge_attr, index, ptr, dim_size):
        x = x_i + x_j
        if edge_attr is not None:
            if edge_attr.ndim == 1:
                edge_attr = edge_attr.view(-1, 1)
            if self.lin_edge is None:
                raise ValueError("GATv2Conv: got 'edge_attr' but the layer was built without 'edge_dim'")
            x = x + self.lin_edge(edge_attr).view(-1, self.heads, self.out_channels)
        x = leaky_relu(x, self.negative_slope)
        alpha = softmax((x * self.att).sum(dim=-1), index, ptr, dim_size)
        return dropout(alpha, p=self.dropout, training=self.training)

    def message(self, x_j, alpha):
        return x_j * alpha.unsqueeze(-1)
