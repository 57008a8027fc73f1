r"""The graph transformer operator (Shi et al. 2021, "Masked Label Prediction")."""
from __future__ import annotations

import math

from ....nn.functional import dropout
from ....ops.shape.joins import cat
from ...utils.softmax import softmax
from ..dense.linear import Linear
from .message_passing import MessagePassing

__all__ = ["TransformerConv"]


class TransformerConv(MessagePassing):
    r"""Scaled dot-product attention over each node's neighbours (PyG's ``TransformerConv``), per head:

    .. math::
        \mathbf{x}_i' = W_1 \mathbf{x}_i + \sum_{j \in \mathcal{N}(i)} \alpha_{i,j} (W_2 \mathbf{x}_j + W_6
        \mathbf{e}_{j,i}), \qquad \alpha_{i,j} = \mathrm{softmax}_j\Big(\frac{(W_3 \mathbf{x}_i)^\top (W_4
        \mathbf{x}_j + W_6 \mathbf{e}_{j,i})}{\sqrt{C}}\Big)

    — the notes' "attention as a GNN": on the complete graph it is a transformer's attention layer.

    Args:
        in_channels: int, or (F_source, F_target).
        out_channels: C per head; heads: H; concat: join the heads (else average).
        beta: gate the skip connection, :math:`\beta_i = \sigma(w^\top [\mathbf{x}_i' \Vert W_1\mathbf{x}_i \Vert
            \mathbf{x}_i' - W_1\mathbf{x}_i])`.
        dropout: on the attention coefficients; edge_dim: edge feature size; bias: in the maps;
        root_weight: add the skip term W₁ x_i (``lin_skip``).

    Parameters ``lin_query``, ``lin_key``, ``lin_value``, ``lin_edge``, ``lin_skip``, ``lin_beta`` as PyG.
    """

    def __init__(self, in_channels, out_channels, heads=1, concat=True, beta=False, dropout=0.0, edge_dim=None,
                 bias=True, root_weight=True, **kwargs):
        kwargs.setdefault("aggr", "add")
        super().__init__(node_dim=0, **kwargs)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.heads = heads
        self.beta = beta and root_weight
        self.root_weight = root_weight
        self.concat = concat
        self.dropout = dropout
        self.edge_dim = edge_dim
        self._alpha = None
        pair = (in_channels, in_channels) if isinstance(in_channels, int) else in_channels
        self.lin_key = Linear(pair[0], heads * out_channels, bias=bias)
        self.lin_query = Linear(pair[1], heads * out_channels, bias=bias)
        self.lin_value = Linear(pair[0], heads * out_channels, bias=bias)
        if edge_dim is not None:
            self.lin_edge = Linear(edge_dim, heads * out_channels, bias=False)
        else:
            self.register_parameter("lin_edge", None)
        width = heads * out_channels if concat else out_channels
        self.lin_skip = Linear(pair[1], width, bias=bias)
        if self.beta:
            self.lin_beta = Linear(3 * width, 1, bias=False)
        else:
            self.register_parameter("lin_beta", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Redraw every linear map."""
        super().reset_parameters()
        for lin in (self.lin_key, self.lin_query, self.lin_value, self.lin_edge, self.lin_skip, self.lin_beta):
            if lin is not None:
                lin.reset_parameters()

    def forward(self, x, edge_index, edge_attr=None, return_attention_weights=None):
        H, C = self.heads, self.out_channels
        if not isinstance(x, (tuple, list)):
            x = (x, x)
        query = self.lin_query(x[1]).view(-1, H, C)
        key = self.lin_key(x[0]).view(-1, H, C)
        value = self.lin_value(x[0]).view(-1, H, C)
        out = self.propagate(edge_index, query=query, key=key, value=value, edge_attr=edge_attr)
        alpha, self._alpha = self._alpha, None
        out = out.reshape(-1, H * C) if self.concat else out.mean(dim=1)
        if self.root_weight:
            x_r = self.lin_skip(x[1])
            if self.lin_beta is not None:
                beta = self.lin_beta(cat([out, x_r, out - x_r], dim=-1)).sigmoid()
                out = beta * x_r + (1 - beta) * out
            else:
                out = out + x_r
        if isinstance(return_attention_weights, bool):
            return out, (edge_index, alpha)
        return out

    def message(self, query_i, key_j, value_j, edge_attr, index, ptr, size_i):
        if self.lin_edge is not None:
            if edge_attr is None:
                raise ValueError("TransformerConv: built with 'edge_dim' but called without 'edge_attr'")
            edge_attr = self.lin_edge(edge_attr).view(-1, self.heads, self.out_channels)
            key_j = key_j + edge_attr
        alpha = (query_i * key_j).sum(dim=-1) / math.sqrt(self.out_channels)
        alpha = softmax(alpha, index, ptr, size_i)
        self._alpha = alpha
        alpha = dropout(alpha, p=self.dropout, training=self.training)
        out = value_j
        if edge_attr is not None:
            out = out + edge_attr
        return out * alpha.view(-1, self.heads, 1)

    def __repr__(self):
        return f"{type(self).__name__}({self.in_channels}, {self.out_channels}, heads={self.heads})"
