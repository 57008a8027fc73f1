r"""GIN (Xu et al. 2019, "How Powerful are Graph Neural Networks?") and GINE (Hu et al. 2020, with edge features)."""
from __future__ import annotations

from ....nn.modules.container import Sequential
from ....nn.parameter import Parameter
from ....ops.creation.factories import empty
from ..dense.linear import Linear
from ..inits import constant, reset
from .message_passing import MessagePassing

__all__ = ["GINConv", "GINEConv"]


class _GINBase(MessagePassing):
    """The shared part of GIN and GINE: ``nn((1 + ε) x_i + Σ_j message)`` with a fixed or learned ε."""

    def _init_eps(self, nn, eps, train_eps):
        self.nn = nn
        self.initial_eps = eps
        if train_eps:
            self.eps = Parameter(empty(1))
        else:
            self.register_buffer("eps", empty(1))

    def reset_parameters(self):
        """Reset ``nn``'s parameters and ε to its initial value."""
        super().reset_parameters()
        reset(self.nn)
        constant(self.eps, self.initial_eps)

    def _finish(self, out, x):
        if x[1] is not None:
            out = out + (1 + self.eps) * x[1]
        return self.nn(out)

    def __repr__(self):
        return f"{type(self).__name__}(nn={self.nn})"


class GINConv(_GINBase):
    r""":math:`\mathbf{x}_i' = h_\Theta\big((1 + \epsilon) \mathbf{x}_i + \sum_{j \in \mathcal{N}(i)} \mathbf{x}_j\big)`
    (PyG's ``GINConv``).

    Args:
        nn: the network h_Θ (e.g. an MLP).
        eps: initial ε.
        train_eps: learn ε (a Parameter), else it is a buffer.
    """

    def __init__(self, nn, eps=0.0, train_eps=False, **kwargs):
        kwargs.setdefault("aggr", "add")
        super().__init__(**kwargs)
        self._init_eps(nn, eps, train_eps)
        self.reset_parameters()

    def forward(self, x, edge_index, size=None):
        if not isinstance(x, (tuple, list)):
            x = (x, x)
        return self._finish(self.propagate(edge_index, x=x, size=size), x)

    def message(self, x_j):
        return x_j


class GINEConv(_GINBase):
    r""":math:`\mathbf{x}_i' = h_\Theta\big((1 + \epsilon) \mathbf{x}_i + \sum_{j \in \mathcal{N}(i)}
    \mathrm{ReLU}(\mathbf{x}_j + \mathbf{e}_{j,i})\big)` (PyG's ``GINEConv``).

    Args:
        nn, eps, train_eps: as :class:`GINConv`.
        edge_dim: edge feature size, mapped by a ``lin`` to the node feature size (else they must match).
    """

    def __init__(self, nn, eps=0.0, train_eps=False, edge_dim=None, **kwargs):
        kwargs.setdefault("aggr", "add")
        super().__init__(**kwargs)
        self._init_eps(nn, eps, train_eps)
        if edge_dim is not None:
            first = nn[0] if isinstance(nn, Sequential) else nn
            if hasattr(first, "in_features"):
                in_channels = first.in_features
            elif hasattr(first, "in_channels"):
                in_channels = first.in_channels
            else:
                raise ValueError("GINEConv: could not infer input channels from `nn`.")
            self.lin = Linear(edge_dim, in_channels)
        else:
            self.lin = None
        self.reset_parameters()

    def reset_parameters(self):
        super().reset_parameters()
        if self.lin is not None:
            self.lin.reset_parameters()

    def forward(self, x, edge_index, edge_attr=None, size=None):
        if not isinstance(x, (tuple, list)):
            x = (x, x)
        return self._finish(self.propagate(edge_index, x=x, edge_attr=edge_attr, size=size), x)

    def message(self, x_j, edge_attr):
        if self.lin is None and x_j.shape[-1] != edge_attr.shape[-1]:
            raise ValueError(f"GINEConv: node and edge feature dimensionalities do not match ({x_j.shape[-1]} vs "
                             f"{edge_attr.shape[-1]}). Consider setting the 'edge_dim' attribute of 'GINEConv'")
        if self.lin is not None:
            edge_attr = self.lin(edge_attr)
        return (x_j + edge_attr).relu()
