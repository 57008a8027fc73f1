"""The number of nodes of a graph given by its ``edge_index`` (PyG's ``maybe_num_nodes``), and the checks of
``edge_index`` every graph function shares."""
from __future__ import annotations

from ...autograd.tensor import Tensor

__all__ = ["maybe_num_nodes", "check_edge_index"]


def check_edge_index(op, edge_index, num_nodes=None):
    """The int64 array (2, E) of ``edge_index``, or a clear error naming ``op``: not a Tensor, not integer, not of
    shape [2, E], or (when ``num_nodes`` is given) an index outside [0, num_nodes)."""
    if not isinstance(edge_index, Tensor):
        raise TypeError(f"{op}: 'edge_index' must be an integer Tensor of shape [2, num_edges] (got "
                        f"{type(edge_index).__name__})")
    a = edge_index._array()
    if a.dtype.kind not in "iu":
        raise ValueError(f"{op}: expected 'edge_index' to be of integer type (got '{edge_index.dtype}')")
    if a.ndim != 2 or a.shape[0] != 2:
        raise ValueError(f"{op}: expected 'edge_index' of shape [2, num_edges] (got {list(a.shape)})")
    if num_nodes is not None and a.size:
        lo, hi = int(a.min()), int(a.max())
        if lo < 0:
            raise IndexError(f"{op}: found negative indices in 'edge_index' (got {lo}); all indices must lie in "
                             f"[0, {num_nodes}), the number of nodes being {num_nodes}")
        if hi >= num_nodes:
            raise IndexError(f"{op}: found indices in 'edge_index' that are larger than {num_nodes - 1} (got {hi}); "
                             f"all indices must lie in [0, {num_nodes}), the number of nodes being {num_nodes}")
    return a.astype("int64", copy=False)


def maybe_num_nodes(edge_index, num_nodes=None):
    """``num_nodes`` if given, else ``edge_index.max() + 1`` (0 for no edges). ``edge_index`` may also be a
    pair of index tensors (the larger of the two counts)."""
    if num_nodes is not None:
        return int(num_nodes)
    if isinstance(edge_index, (tuple, list)):
        return max(maybe_num_nodes(e) for e in edge_index)
    return int(edge_index.max()) + 1 if edge_index.numel() else 0
