"""``DistributedSampler``: each rank's share of a dataset, with PyTorch's exact index assignment."""
from __future__ import annotations

import math

import numpy as np

from .sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler):
    """The indices of rank ``rank`` out of ``num_replicas``: every rank gets ``num_samples`` of them,
    disjoint across ranks (up to padding), together covering the dataset once per epoch.

    One epoch: the indices ``0..N-1`` (with ``shuffle``, a permutation seeded by ``seed + epoch``, so
    every rank draws the same one), padded by repeating them from the start to a multiple of
    ``num_replicas`` (or, with ``drop_last``, cut down to one), then strided: rank r takes positions
    r, r + num_replicas, r + 2 num_replicas... The permutation is PyTorch's own (``torch.randperm``
    on a ``torch.Generator`` seeded with ``seed + epoch``: MT19937 and the same Fisher-Yates
    shuffle), so the same arguments give the same indices as ``torch.utils.data.DistributedSampler``.

    Args:
        dataset: the dataset (only its length is used).
        num_replicas: the number of ranks (default: the default group's world size).
        rank: this rank (default: ``reograd.distributed.get_rank()``).
        shuffle: permute the indices each epoch. Default: True.
        seed: the permutation's seed, the same on every rank. Default: 0.
        drop_last: drop the tail instead of padding, so no sample is seen twice in an epoch.

    Call :meth:`set_epoch` at the start of each epoch (``Trainer(distributed=True)`` does), or every
    epoch sees the same order.

    >>> sampler = DistributedSampler(train_set)        # in each process of the job
    >>> loader = DataLoader(train_set, batch_size=64, sampler=sampler)
    >>> for epoch in range(10):
    ...     sampler.set_epoch(epoch)
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None or rank is None:
            from ...distributed import process_group as dist  # noqa: PLC0415 (only for the defaults)

            if not dist.is_available():
                raise RuntimeError("Requires distributed package to be available (pip install "
                                   "'reograd[distributed]'), or pass num_replicas and rank")
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if not isinstance(num_replicas, int) or num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be a positive integer, got {num_replicas!r}")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(self.dataset)
        if self.drop_last and n % self.num_replicas != 0:
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def _index_array(self):
        n = len(self.dataset)
        indices = torch_randperm(n, self.seed + self.epoch) if self.shuffle else np.arange(n, dtype=np.int64)
        if not self.drop_last:
            padding = self.total_size - n
            if padding > 0:
                indices = np.concatenate([indices, np.resize(indices, padding)])  # (resize repeats from the start)
        else:
            indices = indices[:self.total_size]
        if len(indices) != self.total_size:
            raise AssertionError(f"DistributedSampler: {len(indices)} indices, expected {self.total_size}")
        mine = indices[self.rank:self.total_size:self.num_replicas]
        if len(mine) != self.num_samples:
            raise AssertionError(f"DistributedSampler: {len(mine)} indices for rank {self.rank}, "
                                 f"expected {self.num_samples}")
        return mine

    def __iter__(self):
        return iter(self._index_array().tolist())

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Use ``seed + epoch`` for the next permutation, so each epoch has its own order (on every rank)."""
        self.epoch = epoch


def torch_randperm(n, seed):
    """``torch.randperm(n, generator=torch.Generator().manual_seed(seed))``, bit for bit, without torch.

    PyTorch's CPU generator is MT19937 seeded with the low 32 bits of the seed (NumPy's legacy
    ``RandomState`` has the same generator and seeding); its ``randperm`` swaps position i with
    ``i + random() % (n - i)`` for i = 0..n-2, where ``random()`` is the next 32-bit output.
    (For n of 2**32 / 20 and more, PyTorch draws 64-bit numbers in an inside-out shuffle instead;
    that is done here too.)
    """
    rs = np.random.RandomState(seed & 0xFFFFFFFF)
    perm = list(range(n))
    if n < 2 ** 32 // 20:
        draws = rs.randint(0, 2 ** 32, size=max(n - 1, 0), dtype=np.uint32).astype(np.int64)
        offsets = (draws % (n - np.arange(n - 1, dtype=np.int64))).tolist() if n > 1 else []
        for i, z in enumerate(offsets):
            j = i + z
            perm[i], perm[j] = perm[j], perm[i]
    else:
        raw = rs.randint(0, 2 ** 32, size=2 * n, dtype=np.uint32).astype(np.uint64)
        draws = (raw[0::2] << np.uint64(32)) | raw[1::2]      # random64(): first draw in the high half
        for i in range(n):
            z = int(draws[i] % np.uint64(i + 1))
            perm[i] = perm[z]
            perm[z] = i
    return np.asarray(perm, dtype=np.int64)
