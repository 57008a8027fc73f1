"""Edge order: sort edges, coalesce duplicates, test and make a graph undirected."""
from __future__ import annotations

import numpy as np

from ... import backend
from ...autograd.tensor import Tensor
from ...ops.creation.factories import as_tensor
from ...ops.shape.joins import cat, stack
from ...ops.nn.segment import scatter
from .num_nodes import check_edge_index, maybe_num_nodes

__all__ = ["sort_edge_index", "coalesce", "is_undirected", "to_undirected"]

_MISSING = object()  # "no edge_attr argument": the functions then return edge_index alone, as PyG


def _as_list(edge_attr):
    if edge_attr is None or edge_attr is _MISSING:
        return []
    return [edge_attr] if isinstance(edge_attr, Tensor) else list(edge_attr)


def _pack(edge_index, edge_attr, attrs):
    if edge_attr is _MISSING:
        return edge_index
    if edge_attr is None:
        return edge_index, None
    return edge_index, (attrs[0] if isinstance(edge_attr, Tensor) else attrs)


def _key(a, n, sort_by_row):
    """One int64 key per edge ordering by (row, col) (or (col, row))."""
    first, second = (a[0], a[1]) if sort_by_row else (a[1], a[0])
    return first * max(n, 1) + second


def sort_edge_index(edge_index, edge_attr=_MISSING, num_nodes=None, sort_by_row=True):
    """Edges sorted by (source, target) — or by (target, source) with ``sort_by_row=False`` — with their
    ``edge_attr`` (a tensor or a list of tensors) permuted alike. Stable."""
    a = check_edge_index("sort_edge_index", edge_index)
    n = maybe_num_nodes(edge_index, num_nodes)
    perm = as_tensor(backend.get_array_module(a).argsort(_key(a, n, sort_by_row), kind="stable"))
    return _pack(edge_index[:, perm], edge_attr, [e[perm] for e in _as_list(edge_attr)])


def coalesce(edge_index, edge_attr=_MISSING, num_nodes=None, reduce="sum", is_sorted=False, sort_by_row=True):
    """Sort the edges (as :func:`sort_edge_index`) and merge duplicates into one edge, reducing their
    ``edge_attr`` rows by ``reduce`` ('sum', 'mean', 'max', 'min', 'mul')."""
    a = check_edge_index("coalesce", edge_index)
    n = maybe_num_nodes(edge_index, num_nodes)
    xp = backend.get_array_module(a)
    attrs = _as_list(edge_attr)
    key = _key(a, n, sort_by_row)
    if not is_sorted:
        perm_a = xp.argsort(key, kind="stable")
        perm = as_tensor(perm_a)
        edge_index = edge_index[:, perm]
        attrs = [e[perm] for e in attrs]
        key = key[perm_a]
    first = xp.ones(key.shape[0], dtype=bool)
    first[1:] = key[1:] > key[:-1]
    if first.all():
        return _pack(edge_index, edge_attr, attrs)
    edge_index = edge_index[:, as_tensor(first)]
    group = as_tensor(xp.cumsum(first) - 1)
    attrs = [scatter(e, group, 0, edge_index.shape[1], reduce) for e in attrs]
    return _pack(edge_index, edge_attr, attrs)


def is_undirected(edge_index, edge_attr=None, num_nodes=None):
    """True if for every edge (i, j) there is an edge (j, i) (as many times), with equal ``edge_attr`` rows."""
    a = check_edge_index("is_undirected", edge_index)
    n = maybe_num_nodes(edge_index, num_nodes)
    xp = backend.get_array_module(a)
    by_row = xp.argsort(_key(a, n, True), kind="stable")
    by_col = xp.argsort(_key(a, n, False), kind="stable")
    if not (np.array_equal(a[0][by_row], a[1][by_col]) and np.array_equal(a[1][by_row], a[0][by_col])):
        return False
    for e in _as_list(edge_attr):
        v = e._array()
        if not np.array_equal(v[by_row], v[by_col]):
            return False
    return True


def to_undirected(edge_index, edge_attr=_MISSING, num_nodes=None, reduce="add"):
    """Add every reverse edge (j, i), then :func:`coalesce` (duplicates' attributes reduced by ``reduce``).

    As PyG, an int given as ``edge_attr`` is taken as ``num_nodes``.
    """
    if isinstance(edge_attr, int) and not isinstance(edge_attr, bool):
        num_nodes, edge_attr = edge_attr, _MISSING
    check_edge_index("to_undirected", edge_index)
    row, col = edge_index[0], edge_index[1]
    both = stack([cat([row, col]), cat([col, row])], dim=0)
    attrs = [cat([e, e], dim=0) for e in _as_list(edge_attr)]
    packed = attrs[0] if isinstance(edge_attr, Tensor) else (attrs if edge_attr not in (None, _MISSING) else
                                                              edge_attr)
    return coalesce(both, packed, num_nodes, reduce)
