"""Node degrees, and isolated nodes (degree 0 in both directions)."""
from __future__ import annotations

from ... import backend
from ...ops.creation.factories import as_tensor
from .num_nodes import check_edge_index, maybe_num_nodes

__all__ = ["degree", "contains_isolated_nodes"]


def degree(index, num_nodes=None, dtype=None):
    """How often each node 0..N-1 appears in the 1-D ``index`` (e.g. ``edge_index[1]``: in-degrees).

    Returns a tensor (N,) of ``dtype`` (default: the default float dtype, as PyG).
    """
    a = index._array()
    if a.dtype.kind not in "iu" or a.ndim != 1:
        raise ValueError(f"degree: 'index' must be a 1-D integer tensor (got dtype {index.dtype}, shape "
                         f"{list(index.shape)})")
    n = maybe_num_nodes(index, num_nodes)
    if a.size and (int(a.min()) < 0 or int(a.max()) >= n):
        raise IndexError(f"degree: 'index' holds values outside [0, {n}) (min {int(a.min())}, max {int(a.max())}), "
                         f"num_nodes being {n}")
    dt = backend.as_dtype(dtype) or backend.get_default_dtype()
    counts = backend.get_array_module(a).bincount(a, minlength=n)
    return as_tensor(counts).to(dt)


def contains_isolated_nodes(edge_index, num_nodes=None):
    """True if some node 0..N-1 is in no edge, self-loops not counting."""
    a = check_edge_index("contains_isolated_nodes", edge_index)
    n = maybe_num_nodes(edge_index, num_nodes)
    a = a[:, a[0] != a[1]]
    seen = backend.get_array_module(a).zeros(n, dtype=bool)
    seen[a.reshape(-1)] = True
    return bool((~seen).any())
