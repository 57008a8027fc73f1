"""Subgraphs: induced by a node set, and the k-hop neighbourhood of nodes; masks <-> indices."""
from __future__ import annotations

import numpy as np

from ... import backend
from ...autograd.tensor import Tensor
from ...ops.creation.factories import as_tensor
from .num_nodes import check_edge_index, maybe_num_nodes

__all__ = ["index_to_mask", "mask_to_index", "select", "subgraph", "k_hop_subgraph"]


def _node_array(op, nodes):
    if isinstance(nodes, int):
        nodes = [nodes]
    if isinstance(nodes, (list, tuple, range)):
        return np.asarray(list(nodes), dtype=np.int64).reshape(-1)
    if not isinstance(nodes, Tensor):
        raise TypeError(f"{op}: nodes must be an int, a list or a Tensor (got {type(nodes).__name__})")
    return nodes._array().reshape(-1)


def index_to_mask(index, size=None):
    """A boolean mask (size,) that is True at ``index``."""
    a = index._array().astype("int64")
    size = int(a.max()) + 1 if size is None else size
    m = backend.get_array_module(a).zeros(size, dtype=bool)
    m[a] = True
    return as_tensor(m)


def mask_to_index(mask):
    """The positions where the boolean ``mask`` is True."""
    return mask.nonzero().view(-1)


def select(value, index, dim):
    """``value`` (a tensor or a list) restricted to ``index`` (indices or a boolean mask) along ``dim``."""
    if isinstance(value, Tensor):
        if index.dtype == backend.bool:
            index = index.nonzero().view(-1)
        return value.index_select(dim, index)
    idx = index._array()
    if idx.dtype == bool:
        return [v for v, keep in zip(value, idx) if keep]
    return [value[int(i)] for i in idx]


def subgraph(subset, edge_index, edge_attr=None, relabel_nodes=False, num_nodes=None, *, return_edge_mask=False):
    """The edges with both ends in ``subset`` (node indices or a boolean node mask) and their ``edge_attr`` rows.

    ``relabel_nodes=True`` renumbers the kept nodes 0..k-1 in their order. Returns ``(edge_index, edge_attr)``,
    plus the edge mask with ``return_edge_mask=True``.
    """
    a = check_edge_index("subgraph", edge_index)
    xp = backend.get_array_module(a)
    s = _node_array("subgraph", subset)
    if s.dtype == bool:
        node_mask, n = s, s.shape[0]
        nodes = xp.nonzero(s)[0]
    else:
        n = maybe_num_nodes(edge_index, num_nodes)
        nodes = s.astype("int64")
        node_mask = xp.zeros(max(n, int(nodes.max()) + 1 if nodes.size else 0), dtype=bool)
        node_mask[nodes] = True
    if a.size and int(a.max()) >= node_mask.shape[0]:
        raise IndexError(f"subgraph: 'edge_index' holds node {int(a.max())} but the node mask covers "
                         f"{node_mask.shape[0]} nodes")
    edge_mask = node_mask[a[0]] & node_mask[a[1]]
    em = as_tensor(edge_mask)
    out = a[:, edge_mask]
    if relabel_nodes:
        mapping = xp.full(node_mask.shape[0], -1, dtype="int64")
        mapping[nodes] = xp.arange(nodes.shape[0])
        out = mapping[out]
    ei = as_tensor(out.astype(edge_index._array().dtype))
    attr = None if edge_attr is None else edge_attr[em]
    return (ei, attr, em) if return_edge_mask else (ei, attr)


def k_hop_subgraph(node_idx, num_hops, edge_index, relabel_nodes=False, num_nodes=None, flow="source_to_target",
                   directed=False):
    """The nodes that reach ``node_idx`` in at most ``num_hops`` steps (PyG's k_hop_subgraph).

    With flow 'source_to_target' a hop follows an edge j -> i backwards from i. Returns ``(subset, edge_index,
    mapping, edge_mask)``: the sorted node set, the edges among them (``directed=True``: only the edges walked),
    where ``node_idx`` ended up in ``subset``, and the kept-edge mask.
    """
    if flow not in ("source_to_target", "target_to_source"):
        raise ValueError(f"k_hop_subgraph: flow must be 'source_to_target' or 'target_to_source' (got {flow!r})")
    a = check_edge_index("k_hop_subgraph", edge_index)
    xp = backend.get_array_module(a)
    n = maybe_num_nodes(edge_index, num_nodes)
    row, col = (a[0], a[1]) if flow == "target_to_source" else (a[1], a[0])
    start = _node_array("k_hop_subgraph", node_idx).astype("int64")
    subsets = [start]
    walked = xp.zeros(a.shape[1], dtype=bool)
    node_mask = xp.zeros(n, dtype=bool)
    for _ in range(num_hops):
        node_mask[:] = False
        node_mask[subsets[-1]] = True
        reach = node_mask[row]
        walked |= reach
        subsets.append(col[reach])
    subset, inv = xp.unique(xp.concatenate(subsets), return_inverse=True)
    inv = inv.reshape(-1)[:start.shape[0]]
    node_mask[:] = False
    node_mask[subset] = True
    edge_mask = walked if directed else node_mask[row] & node_mask[col]
    out = a[:, edge_mask]
    if relabel_nodes:
        mapping = xp.full(n, -1, dtype="int64")
        mapping[subset] = xp.arange(subset.shape[0])
        out = mapping[out]
    return as_tensor(subset), as_tensor(out), as_tensor(inv.astype("int64")), as_tensor(edge_mask)


