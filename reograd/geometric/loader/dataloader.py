"""``DataLoader`` for graphs: mini-batches of graphs collated into one :class:`Batch` (a block-diagonal graph)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from ...autograd.tensor import Tensor
from ...backend import float32
from ...ops.creation.factories import tensor
from ...utils.data import DataLoader as _TorchDataLoader
from ...utils.data import default_collate
from ..data.batch import Batch
from ..data.data import Data

__all__ = ["DataLoader", "Collater"]


class Collater:
    """The ``collate_fn`` of :class:`DataLoader`: a list of graphs -> :class:`Batch`; tensors, numbers, strings,
    mappings and sequences of them collated element-wise as PyG does."""

    def __init__(self, dataset=None, follow_batch=None, exclude_keys=None):
        self.dataset = dataset
        self.follow_batch = follow_batch
        self.exclude_keys = exclude_keys

    def __call__(self, batch):
        elem = batch[0]
        if isinstance(elem, Data):
            return Batch.from_data_list(batch, follow_batch=self.follow_batch, exclude_keys=self.exclude_keys)
        if isinstance(elem, Tensor):
            return default_collate(batch)
        if isinstance(elem, float):
            return tensor(batch, dtype=float32)
        if isinstance(elem, int):
            return tensor(batch)
        if isinstance(elem, str):
            return batch
        if isinstance(elem, Mapping):
            return {key: self([d[key] for d in batch]) for key in elem}
        if isinstance(elem, tuple) and hasattr(elem, "_fields"):
            return type(elem)(*(self(s) for s in zip(*batch)))
        if isinstance(elem, Sequence):
            return [self(s) for s in zip(*batch)]
        raise TypeError(f"DataLoader found invalid type: '{type(elem)}'")


class DataLoader(_TorchDataLoader):
    """Mini-batches of graphs from a dataset (or any list of :class:`Data`), each one :class:`Batch`
    (PyG's ``torch_geometric.loader.DataLoader``).

    Args:
        dataset: a graph dataset or a sequence of Data.
        batch_size: graphs per batch.
        shuffle: reshuffle every epoch.
        follow_batch: attributes that get ``{key}_batch`` vectors as well.
        exclude_keys: attributes left out of the batches.
        **kwargs: the rest of ``reograd.utils.data.DataLoader``'s arguments (``num_workers``, ``drop_last``...).

    >>> for batch in DataLoader(dataset, batch_size=32, shuffle=True):
    ...     out = model(batch.x, batch.edge_index, batch.batch)
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, follow_batch=None, exclude_keys=None, **kwargs):
        kwargs.pop("collate_fn", None)
        self.follow_batch = follow_batch
        self.exclude_keys = exclude_keys
        super().__init__(dataset, batch_size, shuffle, collate_fn=Collater(dataset, follow_batch, exclude_keys),
                         **kwargs)
