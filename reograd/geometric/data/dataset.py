"""Graph datasets: ``Dataset`` (graphs made on access, with the raw/processed folder protocol) and
``InMemoryDataset`` (all graphs collated into one big object plus slices), as PyTorch Geometric's."""
from __future__ import annotations

import copy
import os
import sys
from collections.abc import Sequence

import numpy as np

from ...autograd.tensor import Tensor
from ...ops.creation.factories import as_tensor
from ...ops.creation.random import randperm
from ...ops.shape.joins import cat
from ...serialization import load as _load
from ...serialization import save as _save
from ...utils.data.dataset import Dataset as _TorchDataset
from .collate import collate, separate
from .data import Data

__all__ = ["Dataset", "InMemoryDataset"]


def _to_list(files):
    return [files] if isinstance(files, str) else list(files)


def _overrides(cls, name):
    """True if a subclass of Dataset (below it in the MRO) defines ``name``."""
    for klass in cls.__mro__:
        if klass in (Dataset, InMemoryDataset):
            return False
        if name in klass.__dict__:
            return True
    return False


class Dataset(_TorchDataset):
    """A dataset of graphs (PyG's ``torch_geometric.data.Dataset``).

    Subclasses implement ``len()`` and ``get(idx)``; if they define ``raw_file_names`` + ``download()`` and/or
    ``processed_file_names`` + ``process()``, the missing files under ``root/raw`` / ``root/processed`` are made
    at construction. ``transform`` is applied to every graph on access, ``pre_transform`` / ``pre_filter`` are
    for ``process()`` to use. Indexing with an int gives a graph; with a slice, list, index or mask tensor a
    view on those graphs.
    """

    @property
    def raw_file_names(self):
        """The files ``download()`` must place in ``raw_dir`` (override)."""
        return []

    @property
    def processed_file_names(self):
        """The files ``process()`` writes to ``processed_dir`` (override)."""
        return []

    def download(self):
        """Put the raw files into ``raw_dir`` (override)."""
        raise NotImplementedError

    def process(self):
        """Turn the raw files into the processed ones (override)."""
        raise NotImplementedError

    def len(self):
        """The number of graphs (override)."""
        raise NotImplementedError

    def get(self, idx):
        """Graph ``idx`` (override)."""
        raise NotImplementedError

    def __init__(self, root=None, transform=None, pre_transform=None, pre_filter=None, log=True, force_reload=False):
        self.root = os.path.expanduser(root) if isinstance(root, str) else root
        self.transform = transform
        self.pre_transform = pre_transform
        self.pre_filter = pre_filter
        self.log = log
        self.force_reload = force_reload
        self._indices = None
        if _overrides(type(self), "download"):
            self._download()
        if _overrides(type(self), "process"):
            self._process()

    @property
    def raw_dir(self):
        """``root/raw``."""
        return os.path.join(self.root, "raw")

    @property
    def processed_dir(self):
        """``root/processed``."""
        return os.path.join(self.root, "processed")

    @property
    def raw_paths(self):
        """The full paths of ``raw_file_names``."""
        return [os.path.join(self.raw_dir, f) for f in _to_list(self.raw_file_names)]

    @property
    def processed_paths(self):
        """The full paths of ``processed_file_names``."""
        return [os.path.join(self.processed_dir, f) for f in _to_list(self.processed_file_names)]

    def _need_root(self, what):
        if self.root is None:
            raise ValueError(f"{type(self).__name__}: '{what}' needs a root folder (got root=None)")

    def _download(self):
        if self.raw_paths and all(os.path.exists(p) for p in self.raw_paths):
            return
        self._need_root("download")
        os.makedirs(self.raw_dir, exist_ok=True)
        self.download()

    def _process(self):
        if not self.force_reload and self.processed_paths and all(os.path.exists(p) for p in self.processed_paths):
            return
        self._need_root("process")
        if self.log and "PYTEST_CURRENT_TEST" not in os.environ:
            print("Processing...", file=sys.stderr)
        os.makedirs(self.processed_dir, exist_ok=True)
        self.process()
        if self.log and "PYTEST_CURRENT_TEST" not in os.environ:
            print("Done!", file=sys.stderr)

    def indices(self):
        """The graph indices this dataset (or view) covers."""
        return range(self.len()) if self._indices is None else self._indices

    def __len__(self):
        return len(self.indices())

    def __getitem__(self, idx):
        if isinstance(idx, (int, np.integer)) or (isinstance(idx, Tensor) and idx.ndim == 0):
            data = self.get(self.indices()[int(idx)])
            return data if self.transform is None else self.transform(data)
        return self.index_select(idx)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def index_select(self, idx):
        """A view on the graphs at ``idx``: a slice (float bounds are fractions of the length), a list, an integer
        or boolean tensor / array."""
        indices = self.indices()
        if isinstance(idx, slice):
            start, stop = idx.start, idx.stop
            start = round(start * len(self)) if isinstance(start, float) else start
            stop = round(stop * len(self)) if isinstance(stop, float) else stop
            indices = indices[slice(start, stop, idx.step)]
        elif isinstance(idx, (Tensor, np.ndarray)):
            a = idx._array() if isinstance(idx, Tensor) else idx
            if a.dtype == bool:
                return self.index_select(np.nonzero(a.reshape(-1))[0].tolist())
            if a.dtype.kind not in "iu":
                raise IndexError(f"{type(self).__name__}: index tensors must be integer or boolean (got {a.dtype})")
            return self.index_select(a.reshape(-1).tolist())
        elif isinstance(idx, Sequence) and not isinstance(idx, str):
            indices = [indices[i] for i in idx]
        else:
            raise IndexError(f"Only slices (':'), list, tuples, tensors and arrays of dtype long or bool are valid "
                             f"indices (got '{type(idx).__name__}')")
        dataset = copy.copy(self)
        dataset._indices = indices
        return dataset

    def shuffle(self, return_perm=False):
        """The graphs in a random order (``reograd.manual_seed`` makes it repeatable); with the permutation too if
        ``return_perm``."""
        perm = randperm(len(self))
        dataset = self.index_select(perm)
        return (dataset, perm) if return_perm else dataset

    @property
    def num_node_features(self):
        """F of the first graph."""
        return self[0].num_node_features

    @property
    def num_features(self):
        """Alias of :attr:`num_node_features`."""
        return self.num_node_features

    @property
    def num_edge_features(self):
        """D of the first graph."""
        return self[0].num_edge_features

    @staticmethod
    def _infer_num_classes(y):
        if y is None:
            return 0
        if y.numel() == y.shape[0] and not y.is_floating_point():
            return int(y.max()) + 1
        if y.numel() == y.shape[0]:
            return int(y.unique().numel())
        return y.shape[-1]

    @property
    def num_classes(self):
        """The number of classes: ``y.max() + 1`` for integer labels, the last dim for one-hot / multi-label ``y``."""
        ys = [data.y for data in self if data.y is not None]
        if not ys:
            return 0
        y = cat([v.view(-1) if v.ndim == 0 else v for v in ys]) if isinstance(ys[0], Tensor) else as_tensor(ys)
        return self._infer_num_classes(y)

    def __repr__(self):
        n = len(self)
        return f"{type(self).__name__}({n if n > 1 else ''})"


class InMemoryDataset(Dataset):
    """A dataset held in memory as one collated graph plus ``slices`` (PyG's ``InMemoryDataset``).

    In ``process()`` build a list of :class:`Data` and store it with ``self.save(data_list, self.processed_paths[0])``
    (then ``self.load(self.processed_paths[0])`` in ``__init__``), or set ``self.data, self.slices =
    self.collate(data_list)`` directly. Files are reograd checkpoints (no pickle).
    """

    def __init__(self, root=None, transform=None, pre_transform=None, pre_filter=None, log=True, force_reload=False):
        self._data = None
        self.slices = None
        self._data_list = None
        super().__init__(root, transform, pre_transform, pre_filter, log, force_reload)

    @property
    def data(self):
        """The collated graph of the whole dataset (the internal storage)."""
        return self._data

    @data.setter
    def data(self, value):
        self._data = value
        self._data_list = None

    def len(self):
        if self.slices is None:
            return 0 if self._data is None else 1
        for value in self.slices.values():
            while isinstance(value, dict):
                value = next(iter(value.values()))
            return len(value) - 1
        return 0

    def get(self, idx):
        if self.len() == 1:
            return copy.copy(self._data)
        if self._data_list is None:
            self._data_list = [None] * self.len()
        elif self._data_list[idx] is not None:
            return copy.copy(self._data_list[idx])
        data = separate(type(self._data), self._data, idx, self.slices, decrement=False)
        self._data_list[idx] = copy.copy(data)
        return data

    @staticmethod
    def collate(data_list):
        """``(data, slices)``: the graphs of ``data_list`` concatenated (indices not shifted) and where each lies."""
        data_list = list(data_list)
        if len(data_list) == 1:
            return data_list[0], None
        data, slices, _ = collate(type(data_list[0]), data_list, increment=False, add_batch=False)
        return data, slices

    @classmethod
    def save(cls, data_list, path):
        """Collate ``data_list`` and write it to ``path`` (a reograd checkpoint)."""
        data, slices = cls.collate(data_list)
        _save((data.to_dict(), {k: as_tensor(v) for k, v in (slices or {}).items()}), path)

    def load(self, path, data_cls=Data):
        """Read what :meth:`save` wrote into ``self.data`` / ``self.slices``."""
        data, slices = _load(path)
        self.data = data_cls.from_dict(data)
        self.slices = {k: v._array() for k, v in slices.items()} or None

    @property
    def num_classes(self):
        if self.transform is None and self._data is not None:
            return self._infer_num_classes(self._data.y)
        return super().num_classes

    def copy(self, idx=None):
        """A dataset holding (a copy of) the graphs of this view, or of ``idx``."""
        chosen = self.indices() if idx is None else self.index_select(idx).indices()
        data_list = [self.get(i) for i in chosen]
        dataset = copy.copy(self)
        dataset._indices = None
        dataset._data_list = None
        dataset.data, dataset.slices = self.collate(data_list)
        return dataset

    def __getattr__(self, key):
        # ``dataset.x``: the stacked attribute of every graph (as PyG), when no view or increment gets in the way
        data = self.__dict__.get("_data")
        if isinstance(data, Data) and key in data._store:
            if self.__dict__.get("_indices") is None and data.__inc__(key, data[key]) == 0:
                return data[key]
            return [getattr(self.get(i), key) for i in self.indices()]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{key}'")


