"""Global pooling: one vector per graph from the node features of a batch (the readout of graph classification)."""
from __future__ import annotations

from ....ops.nn.segment import scatter
from ..aggr.sort import SortAggregation

__all__ = ["global_add_pool", "global_mean_pool", "global_max_pool", "global_sort_pool"]


def _pool(x, batch, size, reduce):
    dim = -1 if x.ndim == 1 else -2
    if batch is None:
        if reduce == "max":
            return x.max(dim=dim, keepdim=x.ndim <= 2)[0]
        return getattr(x, reduce)(dim=dim, keepdim=x.ndim <= 2)
    if batch.ndim != 1 or batch.shape[0] != x.shape[dim]:
        raise ValueError(f"global_{'add' if reduce == 'sum' else reduce}_pool: 'batch' must be 1-D with one entry per "
                         f"node (got batch shape {list(batch.shape)} for x of shape {list(x.shape)})")
    return scatter(x, batch, dim=dim, dim_size=size, reduce=reduce)


def global_add_pool(x, batch, size=None):
    r""":math:`\mathbf{r}_g = \sum_{i : \mathrm{batch}_i = g} \mathbf{x}_i`: (N, F) -> (B, F).

    ``batch`` (N,) is the graph of each node (None: one graph, giving (1, F)); ``size`` is B (default
    ``batch.max() + 1``).
    """
    return _pool(x, batch, size, "sum")


def global_mean_pool(x, batch, size=None):
    r""":math:`\mathbf{r}_g = \frac{1}{N_g} \sum_{i : \mathrm{batch}_i = g} \mathbf{x}_i`: (N, F) -> (B, F)."""
    return _pool(x, batch, size, "mean")


def global_max_pool(x, batch, size=None):
    r""":math:`\mathbf{r}_g = \max_{i : \mathrm{batch}_i = g} \mathbf{x}_i` (per channel): (N, F) -> (B, F)."""
    return _pool(x, batch, size, "max")


def global_sort_pool(x, index, k):
    """SortPool: per graph, the k nodes with the largest last channel, in that order, flattened: (B, k · F)."""
    return SortAggregation(k=k)(x, index=index)
