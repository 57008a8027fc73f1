"""Between sparse and dense forms: a batch of graphs to padded dense node features or adjacency matrices, and a
dense adjacency back to ``edge_index``."""
from __future__ import annotations

import warnings

from ... import backend
from ...ops.creation.factories import as_tensor, full, ones
from ...ops.nn.segment import scatter
from .num_nodes import check_edge_index

__all__ = ["cumsum", "to_dense_batch", "to_dense_adj", "dense_to_sparse"]


def cumsum(x, dim=0):
    """The cumulative sum with a leading 0 (length + 1): node counts -> the offsets ``ptr`` of a batch."""
    out = x.new_zeros(tuple(x.shape[:dim]) + (x.shape[dim] + 1,) + tuple(x.shape[dim + 1:]))
    out[(slice(None),) * dim + (slice(1, None),)] = x.cumsum(dim)
    return out


def to_dense_batch(x, batch=None, fill_value=0.0, max_num_nodes=None, batch_size=None):
    """Node features (N, F) of a batch of graphs as a padded tensor (B, N_max, F) and the mask (B, N_max) of real
    nodes. Graph b's nodes keep their order; nodes beyond ``max_num_nodes`` are dropped. Differentiable in x.

    ``batch`` (N,) must be sorted (as a :class:`Batch` makes it). Returns ``(out, mask)``.
    """
    if batch is None and max_num_nodes is None:
        return x.unsqueeze(0), ones(1, x.shape[0], dtype=backend.bool, device=x.device)
    xp = backend.get_array_module(x._array())
    b = xp.zeros(x.shape[0], dtype="int64") if batch is None else batch._array().astype("int64")
    if b.shape[0] != x.shape[0]:
        raise ValueError(f"to_dense_batch: 'batch' has {b.shape[0]} entries but 'x' has {x.shape[0]} nodes")
    if batch_size is None:
        batch_size = int(b.max()) + 1 if b.size else 1
    counts = xp.bincount(b, minlength=batch_size)
    if max_num_nodes is None:
        max_num_nodes = int(counts.max()) if counts.size else 0
    pos = xp.arange(b.shape[0]) - (xp.cumsum(counts) - counts)[b]
    valid = pos < max_num_nodes
    flat = as_tensor((b * max_num_nodes + pos)[valid])
    out = full((batch_size * max_num_nodes,) + tuple(x.shape[1:]), fill_value, dtype=x.dtype, device=x.device)
    out = out.index_put((flat,), x[as_tensor(valid)])
    mask = xp.zeros(batch_size * max_num_nodes, dtype=bool)
    mask[(b * max_num_nodes + pos)[valid]] = True
    return (out.view((batch_size, max_num_nodes) + tuple(x.shape[1:])),
            as_tensor(mask.reshape(batch_size, max_num_nodes)))


def to_dense_adj(edge_index, batch=None, edge_attr=None, max_num_nodes=None, batch_size=None):
    """The dense adjacency (B, N_max, N_max[, D]) of a batch of graphs: ``adj[b, i, j]`` = sum of the attributes
    (1 without ``edge_attr``) of the edges from graph b's i-th node to its j-th. Differentiable in edge_attr."""
    a = check_edge_index("to_dense_adj", edge_index, None if batch is None else batch.shape[0])
    xp = backend.get_array_module(a)
    if batch is None:
        b = xp.zeros(int(a.max()) + 1 if a.size else 0, dtype="int64")
    else:
        b = batch._array().astype("int64")
    if batch_size is None:
        batch_size = int(b.max()) + 1 if b.size else 1
    counts = xp.bincount(b, minlength=batch_size)
    offset = xp.cumsum(counts) - counts
    g = b[a[0]]
    i, j = a[0] - offset[g], a[1] - offset[b[a[1]]]
    if max_num_nodes is None:
        max_num_nodes = int(counts.max()) if counts.size else 0
    keep = (i < max_num_nodes) & (j < max_num_nodes)
    if edge_attr is None:
        edge_attr = ones(int(keep.sum()), device=edge_index.device)
    elif not keep.all():
        edge_attr = edge_attr[as_tensor(keep)]
    g, i, j = g[keep], i[keep], j[keep]
    flat = as_tensor((g * max_num_nodes + i) * max_num_nodes + j)
    adj = scatter(edge_attr, flat, 0, batch_size * max_num_nodes * max_num_nodes, "sum")
    return adj.view((batch_size, max_num_nodes, max_num_nodes) + tuple(edge_attr.shape[1:]))


def dense_to_sparse(adj, mask=None):
    """``(edge_index, edge_attr)`` of the non-zero entries of a dense adjacency (N, N), or of a batch (B, N, N) as
    one block-diagonal graph (graph b's nodes offset by the nodes before it; ``mask`` (B, N) marks real nodes)."""
    if adj.ndim not in (2, 3):
        raise ValueError(f"dense_to_sparse: dense adjacency matrix 'adj' must be two- or three-dimensional (got "
                         f"{adj.ndim} dimensions)")
    if mask is not None and adj.ndim == 2:
        warnings.warn("Mask should not be provided in case the dense adjacency matrix is two-dimensional",
                      stacklevel=2)
        mask = None
    if mask is not None and mask.ndim != 2:
        raise ValueError(f"dense_to_sparse: mask must be two-dimensional (got {mask.ndim} dimensions)")
    if adj.ndim == 2:
        ei = adj.nonzero().t()
        return ei, adj[ei[0], ei[1]]
    flat = adj.reshape(-1, adj.shape[-1])
    if mask is not None:
        flat = flat[mask.reshape(-1)]
    ei = flat.nonzero().t()
    attr = flat[ei[0], ei[1]]
    xp = backend.get_array_module(ei._array())
    if mask is None:
        offset = xp.repeat(xp.arange(adj.shape[0]) * adj.shape[2], adj.shape[1])
    else:
        count = mask._array().sum(-1)
        offset = xp.repeat(xp.cumsum(count) - count, count)
    row = ei._array()
    return as_tensor(xp.stack([row[0], row[1] + offset[row[0]]])), attr

