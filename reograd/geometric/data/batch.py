"""``Batch``: a list of graphs joined into one disconnected graph, remembering where each came from.

``Batch.from_data_list([g0, g1, ...])`` concatenates node features, shifts each graph's ``edge_index`` by the
nodes before it (a block-diagonal adjacency), and adds ``batch`` (the graph id of each node) and ``ptr`` (node
offsets, B + 1). Pooling by ``batch`` (``global_mean_pool(x, batch)``) then gives one row per graph.
"""
from __future__ import annotations

import numpy as np

from ...autograd.tensor import Tensor
from .collate import collate, separate
from .data import Data

__all__ = ["Batch"]

_BATCH_CLASSES = {}


def _batch_class(data_cls):
    """``DataBatch`` for ``Data`` (``XBatch`` for a subclass X): both a Batch and the data class."""
    if issubclass(data_cls, Batch):
        return data_cls
    if data_cls not in _BATCH_CLASSES:
        _BATCH_CLASSES[data_cls] = type(f"{data_cls.__name__}Batch", (Batch, data_cls), {"__module__": __name__})
    return _BATCH_CLASSES[data_cls]


def _rebuild(data_cls, state):
    """Unpickle a batch: its class is made on demand, so it is rebuilt from the data class it batches."""
    out = _batch_class(data_cls).__new__(_batch_class(data_cls))
    out.__setstate__(state)
    return out


class Batch(Data):
    """A batch of graphs as one big disconnected graph (PyG's ``torch_geometric.data.Batch``).

    Holds the joined attributes plus ``batch`` (N,) — the graph of each node — and ``ptr`` (B + 1,) — where each
    graph's nodes start. :meth:`get_example` / :meth:`to_data_list` undo the batching.

    >>> b = Batch.from_data_list([Data(x=x1, edge_index=e1), Data(x=x2, edge_index=e2)])
    >>> b.num_graphs, b.batch       # 2, tensor([0, 0, 0, 1, 1])
    """

    @classmethod
    def from_data_list(cls, data_list, follow_batch=None, exclude_keys=None):
        """Join the graphs of ``data_list`` (Data objects of one class) into a batch.

        ``follow_batch``: attributes that get ``{key}_batch`` / ``{key}_ptr`` vectors too;
        ``exclude_keys``: attributes left out.
        """
        data_list = list(data_list)
        if not data_list:
            raise ValueError("Batch.from_data_list: got an empty list of graphs")
        for i, d in enumerate(data_list):
            if not isinstance(d, Data):
                raise TypeError(f"Batch.from_data_list: element {i} is a {type(d).__name__}, expected a Data object")
        data_cls = type(data_list[0])
        out, slices, incs = collate(_batch_class(data_cls), data_list, increment=True, add_batch=True,
                                    follow_batch=follow_batch, exclude_keys=exclude_keys)
        out._num_graphs = len(data_list)
        out._slice_dict, out._inc_dict = slices, incs
        out._data_cls = data_cls
        return out

    def __reduce__(self):
        return _rebuild, (self.__dict__.get("_data_cls", Data), self.__getstate__())

    @property
    def num_graphs(self):
        """B, the number of graphs in the batch."""
        if "_num_graphs" in self.__dict__:
            return self._num_graphs
        if "ptr" in self._store:
            return self._store["ptr"].numel() - 1
        if "batch" in self._store:
            return int(self._store["batch"].max()) + 1
        raise ValueError("Can not infer the number of graphs")

    @property
    def batch_size(self):
        """Alias of :attr:`num_graphs`."""
        return self.num_graphs

    def __len__(self):
        return self.num_graphs

    def get_example(self, idx):
        """Graph ``idx`` as it was before batching."""
        if "_slice_dict" not in self.__dict__:
            raise RuntimeError("Cannot reconstruct 'Data' object from 'Batch' because 'Batch' was not created via "
                               "'Batch.from_data_list()'")
        n = self.num_graphs
        idx = int(idx)
        if not -n <= idx < n:
            raise IndexError(f"Batch.get_example: index {idx} is out of range for a batch of {n} graphs")
        return separate(self._data_cls, self, idx % n, self._slice_dict, self._inc_dict)

    def index_select(self, idx):
        """The graphs at ``idx`` (a slice, a list/tensor of indices or a boolean mask) as a list of Data."""
        n = self.num_graphs
        if isinstance(idx, slice):
            index = list(range(n)[idx])
        elif isinstance(idx, Tensor):
            a = idx._array()
            index = a.nonzero()[0].tolist() if a.dtype == bool else a.reshape(-1).tolist()
        elif isinstance(idx, (list, tuple, range)):
            index = [i for i, keep in enumerate(idx) if keep] if idx and isinstance(idx[0], bool) else list(idx)
        else:
            raise IndexError(f"Batch.index_select: only slices, lists, tuples and tensors are valid indices (got "
                             f"{type(idx).__name__})")
        return [self.get_example(i) for i in index]

    def __getitem__(self, idx):
        if isinstance(idx, str):
            return super().__getitem__(idx)
        if isinstance(idx, (int, np.integer)) or (isinstance(idx, Tensor) and idx.ndim == 0
                                                  and not idx.is_floating_point()):
            return self.get_example(int(idx))
        return self.index_select(idx)

    def to_data_list(self):
        """All graphs of the batch, as a list of Data."""
        return [self.get_example(i) for i in range(self.num_graphs)]
