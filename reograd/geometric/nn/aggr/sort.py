"""Sort pooling (Zhang et al. 2018, "An End-to-End Deep Learning Architecture for Graph Classification")."""
from __future__ import annotations

from ....ops.creation.factories import arange, full
from ....ops.shape.joins import cat
from ...utils.to_dense import to_dense_batch
from .base import Aggregation

__all__ = ["SortAggregation"]


class SortAggregation(Aggregation):
    """Each group's rows sorted by their last channel (descending), the first ``k`` kept (zero-padded when fewer),
    flattened: out (G, k · F)."""

    def __init__(self, k):
        super().__init__()
        self.k = k

    def forward(self, x, index=None, ptr=None, dim_size=None, dim=-2):
        if x.ndim != 2 or dim not in (-2, 0):
            raise ValueError(f"SortAggregation: requires two-dimensional inputs aggregated along dim 0 (got shape "
                             f"{list(x.shape)}, dim {dim})")
        fill = float(x.detach().min()) - 1
        dense, _ = to_dense_batch(x, index, fill_value=fill, batch_size=dim_size)
        b, n, d = dense.shape
        perm = dense[:, :, -1].argsort(dim=-1, descending=True) + (arange(b, device=x.device) * n).view(-1, 1)
        dense = dense.reshape(b * n, d)[perm.reshape(-1)].view(b, n, d)
        if n >= self.k:
            dense = dense[:, :self.k].contiguous()
        else:
            dense = cat([dense, full((b, self.k - n, d), fill, dtype=x.dtype, device=x.device)], dim=1)
        dense = dense.masked_fill(dense == fill, 0)
        return dense.view(b, self.k * d)

    def __repr__(self):
        return f"{type(self).__name__}(k={self.k})"
