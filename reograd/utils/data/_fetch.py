"""Fetching a batch: indices -> samples -> a collated batch, the same in the main process and in workers."""
from __future__ import annotations

import itertools

import numpy as np

from ...autograd.tensor import Tensor
from ._collate import default_collate
from .dataset import Subset, TensorDataset


def _tensor_dataset_arrays(dataset):
    """``(arrays, index_map)`` when ``dataset`` is a TensorDataset (possibly inside Subsets) whose
    tensors need no grad, so a batch is one fancy index per array; else None."""
    index_map = None
    while type(dataset) is Subset:
        idx = np.asarray(dataset.indices, dtype=np.int64)
        index_map = idx if index_map is None else idx[index_map]
        dataset = dataset.dataset
    if (not isinstance(dataset, TensorDataset) or type(dataset).__getitem__ is not TensorDataset.__getitem__
            or any(t.requires_grad for t in dataset.tensors)):
        return None
    return [t._array() for t in dataset.tensors], index_map


def _make_fetcher(kind, dataset, auto_collation, collate_fn, drop_last, batch_size):
    """A function ``fetch(index) -> batch`` for one epoch (an iterable dataset's fetcher holds its iterator)."""
    if kind == "iterable":
        it = iter(dataset)

        def fetch_iterable(_index):
            if auto_collation:
                data = list(itertools.islice(it, batch_size))
                if not data or (drop_last and len(data) < batch_size):
                    raise StopIteration
            else:
                data = next(it)
            return collate_fn(data)

        return fetch_iterable

    fast = _tensor_dataset_arrays(dataset) if (auto_collation and collate_fn is default_collate) else None
    if fast is not None:
        arrays, index_map = fast

        def fetch_tensors(indices):  # one fancy index per tensor: no per-sample Python loop
            idx = np.asarray(indices, dtype=np.int64)
            if index_map is not None:
                idx = index_map[idx]
            return [Tensor._make(a[idx]) for a in arrays]

        return fetch_tensors

    getitems = getattr(dataset, "__getitems__", None)

    def fetch_map(index):
        if auto_collation:
            if callable(getitems):
                data = getitems(list(index))
            else:
                data = [dataset[i] for i in index]
        else:
            data = dataset[index]
        return collate_fn(data)

    return fetch_map
