"""Many graphs as one: ``collate`` joins a list of :class:`Data` into one big disconnected graph (the batch's
block-diagonal adjacency), and ``separate`` takes graph ``i`` back out.

For each attribute, tensors are concatenated along ``data.__cat_dim__(key, value)`` and, when ``increment`` is
on, shifted by the running sum of ``data.__inc__(key, value)`` (so the ``edge_index`` of graph i points at its own
nodes, offset by the nodes of graphs 0..i-1); numbers become a tensor with one entry per graph; anything else
becomes a list. ``slices[key]`` records where each graph's part starts and ends.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ...autograd.tensor import Tensor
from ...ops.creation.factories import arange, as_tensor, tensor
from ...ops.shape.joins import cat

__all__ = ["collate", "separate"]


def _offsets(sizes):
    return np.concatenate([[0], np.cumsum(np.asarray(sizes, dtype=np.int64))])


def _collate_tensors(key, values, data_list, increment):
    elem = values[0]
    cat_dim = data_list[0].__cat_dim__(key, elem)
    if cat_dim is None or elem.ndim == 0:
        values = [v.unsqueeze(0) for v in values]
    d = cat_dim or 0
    ndim = values[0].ndim
    for v in values[1:]:
        if v.ndim != ndim or any(a != b for i, (a, b) in enumerate(zip(v.shape, values[0].shape))
                                 if i != d % ndim):
            raise RuntimeError(f"collate: attribute '{key}' cannot be batched: shapes {list(values[0].shape)} and "
                               f"{list(v.shape)} differ outside the concatenation dim {d}")
    slices = _offsets([v.shape[d] for v in values])
    incs = None
    if increment:
        incs = _offsets([data.__inc__(key, v) for data, v in zip(data_list, values)])[:-1]
        if incs[-1] != 0:
            values = [v + int(inc) if inc else v for v, inc in zip(values, incs)]
    return cat(values, dim=d), slices, incs


def _collate_key(key, values, data_list, increment):
    elem = values[0]
    if isinstance(elem, Tensor):
        return _collate_tensors(key, values, data_list, increment)
    if isinstance(elem, (int, float)) and not isinstance(elem, bool):
        return tensor(values), np.arange(len(values) + 1), None
    if isinstance(elem, Mapping):
        parts = {k: _collate_key(k, [v[k] for v in values], data_list, increment) for k in elem}
        return ({k: p[0] for k, p in parts.items()}, {k: p[1] for k, p in parts.items()},
                {k: p[2] for k, p in parts.items()})
    return list(values), np.arange(len(values) + 1), None


def collate(cls, data_list, increment=True, add_batch=True, follow_batch=None, exclude_keys=None):
    """Join ``data_list`` into one object of class ``cls``; returns ``(out, slices, incs)``.

    ``add_batch`` adds the ``batch`` vector (the graph of each node) and ``ptr`` (node offsets, B + 1);
    ``follow_batch`` names attributes that get a ``{key}_batch`` / ``{key}_ptr`` pair of their own.
    """
    if not data_list:
        raise ValueError("collate: cannot batch an empty list of graphs")
    exclude = set(exclude_keys or ())
    out = cls()
    slices, incs = {}, {}
    keys = [k for k in data_list[0].keys() if k not in exclude]
    for data in data_list[1:]:
        missing = [k for k in keys if k not in data._store]
        if missing:
            raise KeyError(f"collate: every graph must hold the same attributes; a graph lacks {missing}")
    for key in keys:
        values = [data._store[key] for data in data_list]
        if key == "num_nodes":
            out._num_nodes = list(values)
            out.num_nodes = sum(values)
            continue
        out[key], slices[key], incs[key] = _collate_key(key, values, data_list, increment)
        if key in (follow_batch or ()):
            counts = np.diff(slices[key])
            out[f"{key}_batch"] = _repeat_graphs(counts)
            out[f"{key}_ptr"] = as_tensor(_offsets(counts))
    if add_batch:
        counts = [data.num_nodes for data in data_list]
        if any(c is None for c in counts):
            raise ValueError("collate: a graph has no 'num_nodes' (set data.num_nodes, or give it 'x')")
        out.batch = _repeat_graphs(counts)
        out.ptr = as_tensor(_offsets(counts))
    return out, slices, incs


def _repeat_graphs(counts):
    """The graph id of every entry: 0 repeated counts[0] times, then 1, ... (int64)."""
    return arange(len(counts)).repeat_interleave(as_tensor(np.asarray(counts, dtype=np.int64)))


def separate(cls, batch, idx, slice_dict, inc_dict=None, decrement=True):
    """Graph ``idx`` of a collated ``batch`` as an object of class ``cls`` (the increments undone)."""
    out = cls()
    for key, value in batch._store.items():
        if key not in slice_dict:
            continue
        out[key] = _separate_key(key, value, idx, slice_dict[key], (inc_dict or {}).get(key), decrement, batch)
    counts = batch.__dict__.get("_num_nodes")
    if counts is not None:
        out.num_nodes = counts[idx]
    return out


def _separate_key(key, value, idx, slices, incs, decrement, batch):
    if isinstance(value, Tensor):
        cat_dim = batch.__cat_dim__(key, value)
        start, end = int(slices[idx]), int(slices[idx + 1])
        part = value.narrow(cat_dim or 0, start, end - start)
        if cat_dim is None:
            part = part.squeeze(0)
        if decrement and incs is not None and int(incs[idx]) != 0:
            part = part - int(incs[idx])
        return part
    if isinstance(value, Mapping):
        return {k: _separate_key(k, v, idx, slices[k], (incs or {}).get(k), decrement, batch) for k, v in value.items()}
    start, end = int(slices[idx]), int(slices[idx + 1])
    return value[start] if end - start == 1 else value[start:end]
