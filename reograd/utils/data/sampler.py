"""Samplers: which indices a DataLoader visits, in which order (as in ``torch.utils.data``).

Each sampler draws from a ``reograd.Generator`` when given ``generator=``; without one it seeds a
fresh generator from the global RNG at every epoch (so ``reograd.manual_seed`` makes runs repeatable).
"""
from __future__ import annotations

import numpy as np

from ...autograd.tensor import Tensor
from ...ops.creation.generator import default_generator

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler"]


def _epoch_rng(generator):
    """The NumPy generator for one epoch: the given generator's, or a fresh one seeded from the global RNG."""
    if generator is not None:
        return generator.np
    seed = int(default_generator.np.integers(0, 2 ** 63 - 1))
    return np.random.Generator(np.random.PCG64(seed))


class Sampler:
    """Base class: ``__iter__`` yields indices (or lists of indices, for batch samplers)."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError

    def _index_array(self):
        """All indices of one epoch as an int64 array, or None if this sampler cannot say."""
        return None


class SequentialSampler(Sampler):
    """Indices ``0, 1, ..., len(data_source) - 1`` in order."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)

    def _index_array(self):
        return np.arange(len(self.data_source), dtype=np.int64)


class RandomSampler(Sampler):
    """Random indices: a permutation per epoch, or ``num_samples`` draws with ``replacement=True``.

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw with replacement (default False).
        num_samples: how many indices per epoch (default ``len(data_source)``; without replacement a
            larger number chains several permutations, as in PyTorch).
        generator: a ``reograd.Generator``.
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or isinstance(self.num_samples, bool) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _index_array(self):
        n = len(self.data_source)
        rng = _epoch_rng(self.generator)
        if self.replacement:
            return rng.integers(0, n, size=self.num_samples, dtype=np.int64)
        parts = [rng.permutation(n) for _ in range(self.num_samples // n)]
        if self.num_samples % n:
            parts.append(rng.permutation(n)[:self.num_samples % n])
        return np.concatenate(parts).astype(np.int64, copy=False)

    def __iter__(self):
        return iter(self._index_array().tolist())

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order (a new permutation each epoch)."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def _index_array(self):
        idx = np.asarray(self.indices.numpy() if isinstance(self.indices, Tensor) else self.indices, dtype=np.int64)
        return idx[_epoch_rng(self.generator).permutation(len(idx))]

    def __iter__(self):
        return iter(self._index_array().tolist())

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights``.

    Args:
        weights: a 1-D sequence of non-negative weights (need not sum to one).
        num_samples: how many indices per epoch.
        replacement: draw with replacement (default True); without it, ``num_samples <= len(weights)``.
        generator: a ``reograd.Generator``.
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        w = np.asarray(weights.detach().numpy() if isinstance(weights, Tensor) else weights, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}")
        if w.size == 0 or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise RuntimeError("WeightedRandomSampler: weights must be finite, non-negative and not all zero")
        if not replacement and num_samples > int(np.count_nonzero(w)):
            raise RuntimeError(f"WeightedRandomSampler: cannot draw {num_samples} samples without replacement from "
                               f"{int(np.count_nonzero(w))} non-zero weights")
        self.weights = Tensor._make(w)
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def _index_array(self):
        w = self.weights._data
        rng = _epoch_rng(self.generator)
        return rng.choice(len(w), size=self.num_samples, replace=self.replacement, p=w / w.sum()).astype(np.int64)

    def __iter__(self):
        return iter(self._index_array().tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter unless ``drop_last``).

    >>> list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False))
    [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    """

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        arrays = self._index_arrays()
        if arrays is not None:
            for a in arrays:
                yield a.tolist()
            return
        batch = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def _index_arrays(self):
        """The batches as int64 arrays when the sampler can give its epoch at once, else None."""
        if type(self.sampler) not in _ARRAY_SAMPLERS:  # a subclass may override __iter__
            return None
        idx = self.sampler._index_array()
        if idx is None:
            return None
        n, bs = len(idx), self.batch_size
        stop = (n // bs) * bs if self.drop_last else n
        return (idx[i:i + bs] for i in range(0, stop, bs))

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size


_ARRAY_SAMPLERS = (SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler)
