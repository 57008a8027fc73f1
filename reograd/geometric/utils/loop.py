"""Self-loops: find, remove, add (with the loop attributes PyG fills in), add only where missing."""
from __future__ import annotations

from ... import backend
from ...autograd.tensor import Tensor
from ...ops.creation.factories import arange, as_tensor, full, ones
from ...ops.shape.joins import cat
from ...ops.nn.segment import scatter
from .num_nodes import check_edge_index, maybe_num_nodes

__all__ = ["contains_self_loops", "remove_self_loops", "segregate_self_loops", "add_self_loops",
           "add_remaining_self_loops"]


def _check_attr(op, edge_index, edge_attr):
    if edge_attr is not None and (edge_attr.ndim == 0 or edge_attr.shape[0] != edge_index.shape[1]):
        raise ValueError(f"{op}: 'edge_attr' has {edge_attr.shape[0] if edge_attr.ndim else 0} rows but "
                         f"'edge_index' has {edge_index.shape[1]} edges (edge_attr shape {list(edge_attr.shape)})")


def contains_self_loops(edge_index):
    """True if some edge (i, i) joins a node to itself."""
    a = check_edge_index("contains_self_loops", edge_index)
    return bool((a[0] == a[1]).any())


def remove_self_loops(edge_index, edge_attr=None):
    """The edges (i, j) with i != j, and their ``edge_attr`` rows. Returns ``(edge_index, edge_attr)``."""
    a = check_edge_index("remove_self_loops", edge_index)
    _check_attr("remove_self_loops", edge_index, edge_attr)
    keep = as_tensor(a[0] != a[1])
    return edge_index[:, keep], (None if edge_attr is None else edge_attr[keep])


def segregate_self_loops(edge_index, edge_attr=None):
    """Split into ``(edge_index, edge_attr, loop_edge_index, loop_edge_attr)``: the other edges, then the loops."""
    a = check_edge_index("segregate_self_loops", edge_index)
    _check_attr("segregate_self_loops", edge_index, edge_attr)
    loop = a[0] == a[1]
    keep, lp = as_tensor(~loop), as_tensor(loop)
    return (edge_index[:, keep], None if edge_attr is None else edge_attr[keep],
            edge_index[:, lp], None if edge_attr is None else edge_attr[lp])


def _loop_attr(edge_index, edge_attr, n, fill_value):
    """The attributes of the n new loops: ones (None), a constant, a tensor broadcast, or a reduction ('add',
    'mean', 'max', 'min', 'mul') of each node's incoming edge attributes."""
    size = (n,) + tuple(edge_attr.shape[1:])
    if fill_value is None:
        return ones(size, dtype=edge_attr.dtype, device=edge_attr.device)
    if isinstance(fill_value, (int, float)) and not isinstance(fill_value, bool):
        return full(size, fill_value, dtype=edge_attr.dtype, device=edge_attr.device)
    if isinstance(fill_value, Tensor):
        v = fill_value.to(dtype=edge_attr.dtype)
        if v.ndim != edge_attr.ndim:
            v = v.unsqueeze(0)
        return v.expand(size).contiguous()
    if isinstance(fill_value, str):
        return scatter(edge_attr, edge_index[1], 0, n, fill_value)
    raise AttributeError(f"add_self_loops: no valid 'fill_value' provided (got {type(fill_value).__name__}); expected "
                         f"None, a number, a Tensor or a reduction name such as 'mean'")


def add_self_loops(edge_index, edge_attr=None, fill_value=None, num_nodes=None):
    """Append a loop (i, i) for every node i < N (after the existing edges, existing loops kept).

    ``edge_attr`` (E, ...) gets rows for the loops: ``fill_value`` None -> 1, a number, a Tensor, or a reduction
    name ('add', 'mean', 'max', 'min', 'mul') of the edges entering each node. ``num_nodes`` may be a pair
    (bipartite): loops for i < min of the two. Returns ``(edge_index, edge_attr)``.
    """
    check_edge_index("add_self_loops", edge_index)
    _check_attr("add_self_loops", edge_index, edge_attr)
    n = min(num_nodes) if isinstance(num_nodes, (tuple, list)) else maybe_num_nodes(edge_index, num_nodes)
    loops = arange(n, dtype=edge_index.dtype, device=edge_index.device).view(1, -1).repeat(2, 1)
    full_index = cat([edge_index, loops], dim=1)
    if edge_attr is not None:
        edge_attr = cat([edge_attr, _loop_attr(edge_index, edge_attr, n, fill_value)], dim=0)
    return full_index, edge_attr


def add_remaining_self_loops(edge_index, edge_attr=None, fill_value=None, num_nodes=None):
    """Drop the existing loops, then append one loop per node (as GCN normalisation wants).

    A node that had a loop keeps that loop's attribute (the last one, with several); the others get
    ``fill_value`` as in :func:`add_self_loops`. Returns ``(edge_index, edge_attr)``.
    """
    a = check_edge_index("add_remaining_self_loops", edge_index)
    _check_attr("add_remaining_self_loops", edge_index, edge_attr)
    n = maybe_num_nodes(edge_index, num_nodes)
    is_loop = a[0] == a[1]
    keep = as_tensor(~is_loop)
    loops = arange(n, dtype=edge_index.dtype, device=edge_index.device).view(1, -1).repeat(2, 1)
    if edge_attr is not None:
        loop_attr = _loop_attr(edge_index, edge_attr, n, fill_value)
        if is_loop.any():
            # the last loop of each node wins; only it is written, so only it gets a gradient
            xp = backend.get_array_module(a)
            where = xp.nonzero(is_loop)[0][::-1]
            nodes, last = xp.unique(a[0][where], return_index=True)
            loop_attr = loop_attr.index_put((as_tensor(nodes),), edge_attr[as_tensor(where[last])])
        edge_attr = cat([edge_attr[keep], loop_attr], dim=0)
    return cat([edge_index[:, keep], loops], dim=1), edge_attr
