r"""Sets: permutation-invariant networks over variable-size sets.

- :class:`DeepSets` (Zaheer et al. 2017): :math:`f(X) = \rho\big(\bigoplus_{x \in X} \phi(x)\big)`, ⊕ a sum,
  mean or max — invariant to the order of X by construction.
- :class:`AttentionMILPool` (Ilse et al. 2018, attention-based deep multiple-instance learning): a bag of
  instances :math:`\{h_k\}` pooled as :math:`z = \sum_k a_k h_k` with learned weights
  :math:`a_k = \mathrm{softmax}_k\, w^\top \tanh(V h_k)` (gated: :math:`w^\top (\tanh(V h_k) \odot
  \sigma(U h_k))`); the weights say which instances decided the bag's label.

Sets come either as one padded tensor (B, M, F) (with an optional (B, M) mask of real elements) or, as graphs in
a batch, as rows (N, F) with a ``batch`` vector (N,) naming each element's set.
"""
from __future__ import annotations

from ...nn.modules.linear import Linear
from ...nn.modules.module import Module
from ...ops.nn.segment import scatter, scatter_softmax, segment_gather
from .inits import reset

__all__ = ["DeepSets", "AttentionMILPool", "minmax_scale"]

_POOLS = ("sum", "mean", "max")


def _dense_pool(h, mask, pool):
    """⊕ over dim 1 of (B, M, F), counting only the elements with mask True."""
    if mask is None:
        return h.amax(dim=1) if pool == "max" else getattr(h, pool)(dim=1)
    m = mask.unsqueeze(-1)
    if pool == "max":
        return h.masked_fill(~m, float("-inf")).amax(dim=1)
    total = h.masked_fill(~m, 0).sum(dim=1)
    return total if pool == "sum" else total / m.sum(dim=1).clamp(min=1).to(h.dtype)


class DeepSets(Module):
    r""":math:`f(X) = \rho\big(\bigoplus_{x \in X} \phi(x)\big)`: a network on sets that ignores their order.

    Args:
        phi: applied to every element (..., F) -> (..., H).
        rho: applied to each pooled set (B, H) -> output.
        pool: ⊕ — 'sum' (the universal form of Zaheer et al.), 'mean' or 'max'.

    ``forward(x, batch=None, mask=None, size=None)``: x (B, M, F) padded sets (mask (B, M) marks the real
    elements), or x (N, F) with ``batch`` (N,) giving each element's set (``size`` sets).
    """

    def __init__(self, phi, rho, pool="sum"):
        super().__init__()
        if pool not in _POOLS:
            raise ValueError(f"DeepSets: pool must be one of {_POOLS} (got {pool!r})")
        self.phi = phi
        self.rho = rho
        self.pool = pool

    def reset_parameters(self):
        """Reset φ and ρ."""
        reset(self.phi)
        reset(self.rho)

    def forward(self, x, batch=None, mask=None, size=None):
        h = self.phi(x)
        if batch is not None:
            if h.ndim != 2:
                raise ValueError(f"DeepSets: with 'batch', x must be (N, F) rows (got phi(x) of shape {list(h.shape)})")
            pooled = scatter(h, batch, 0, size, self.pool)
        elif h.ndim == 3:
            pooled = _dense_pool(h, mask, self.pool)
        elif h.ndim == 2:   # one set of N elements
            pooled = _dense_pool(h.unsqueeze(0), None if mask is None else mask.view(1, -1), self.pool)
        else:
            raise ValueError(f"DeepSets: expected sets (B, M, F), rows (N, F) with 'batch', or one set (N, F) (got "
                             f"phi(x) of shape {list(h.shape)})")
        return self.rho(pooled)

    def extra_repr(self):
        return f"pool={self.pool!r}"


class AttentionMILPool(Module):
    r"""Attention-based multiple-instance pooling (Ilse et al. 2018): :math:`z = \sum_k a_k h_k` with

    .. math::
        a_k = \frac{\exp\{w^\top \tanh(V h_k)\}}{\sum_j \exp\{w^\top \tanh(V h_j)\}} \quad\text{or, gated,}\quad
        a_k = \frac{\exp\{w^\top (\tanh(V h_k) \odot \mathrm{sigm}(U h_k))\}}{\sum_j \cdots}

    Args:
        in_features: F, the size of each instance embedding h_k.
        hidden_features: the size of V h (and U h).
        gated: use the gated attention.

    ``forward(h, batch=None, mask=None, size=None)`` returns ``(z, a)``: for bags (B, M, F) (mask (B, M) of
    real instances) z is (B, F) and a (B, M); for rows (N, F) with ``batch`` (N,) z is (B, F) and a (N,).
    Parameters: ``V`` and ``w`` (and ``U``), ``nn.Linear`` layers with bias.
    """

    def __init__(self, in_features, hidden_features=128, gated=False):
        super().__init__()
        self.in_features = in_features
        self.hidden_features = hidden_features
        self.gated = gated
        self.V = Linear(in_features, hidden_features)
        self.U = Linear(in_features, hidden_features) if gated else None
        self.w = Linear(hidden_features, 1)

    def reset_parameters(self):
        """Redraw V, U and w."""
        for lin in (self.V, self.U, self.w):
            if lin is not None:
                lin.reset_parameters()

    def scores(self, h):
        """The attention logits :math:`w^\\top \\tanh(V h)` (gated: times sigm(U h)) of each instance, shape h[..., 0]."""
        g = self.V(h).tanh()
        if self.U is not None:
            g = g * self.U(h).sigmoid()
        return self.w(g).squeeze(-1)

    def forward(self, h, batch=None, mask=None, size=None):
        s = self.scores(h)
        if batch is not None:
            if h.ndim != 2:
                raise ValueError(f"AttentionMILPool: with 'batch', h must be (N, F) rows (got {list(h.shape)})")
            a = scatter_softmax(s, batch, size)
            return scatter(a.unsqueeze(-1) * h, batch, 0, size, "sum"), a
        squeeze = h.ndim == 2
        if squeeze:     # one bag
            h, s = h.unsqueeze(0), s.unsqueeze(0)
            mask = None if mask is None else mask.view(1, -1)
        if h.ndim != 3:
            raise ValueError(f"AttentionMILPool: expected bags (B, M, F), rows (N, F) with 'batch', or one bag (M, F) "
                             f"(got {list(h.shape)})")
        if mask is not None:
            s = s.masked_fill(~mask, float("-inf"))
        a = s.softmax(dim=1)
        z = (a.unsqueeze(-1) * h).sum(dim=1)
        return (z[0], a[0]) if squeeze else (z, a)

    def extra_repr(self):
        return f"in_features={self.in_features}, hidden_features={self.hidden_features}, gated={self.gated}"


def minmax_scale(a, batch=None):
    r"""Attention weights rescaled to [0, 1] per bag for a heat map, as Ilse et al.:
    :math:`a_k' = (a_k - \min \mathbf{a}) / (\max \mathbf{a} - \min \mathbf{a})` (0 where a bag's weights are all equal).

    ``a``: (M,) one bag, (B, M) bags (min/max over the last dim), or (N,) rows with ``batch``.
    """
    if batch is not None:
        lo = segment_gather(scatter(a, batch, 0, None, "min"), batch)
        hi = segment_gather(scatter(a, batch, 0, None, "max"), batch)
    else:
        lo, hi = a.amin(dim=-1, keepdim=True), a.amax(dim=-1, keepdim=True)
    span = hi - lo
    return (a - lo) / span.masked_fill(span == 0, 1)
