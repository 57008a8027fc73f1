"""The ``distributed`` mode of :class:`~reograd.train.Trainer` / :func:`~reograd.train.fit`.

    # mpiexec -n 4 python train.py
    sampler = DistributedSampler(train_set)
    fit(model, DataLoader(train_set, batch_size=64, sampler=sampler), epochs=10, distributed=True,
        val_data=..., callbacks=[ModelCheckpoint("best.pt", save_best_only=True)])

With ``distributed=True`` the trainer (starting the default process group if needed) wraps the model
in ``DistributedDataParallel`` (unless it already is one), calls ``set_epoch`` on the data's
``DistributedSampler`` each epoch, reports each batch's loss and each epoch's metrics over all ranks
(sample-weighted means, so every rank sees, and decides on, the same numbers), and keeps the
callbacks marked ``rank_zero_only`` -- the progress bar and ``ModelCheckpoint`` -- on rank 0 only;
``History.plot`` writes only there. ``trainer.model`` stays the plain model (checkpoints have its keys).
In a job of one process it trains as without the flag.
"""
from __future__ import annotations

import numpy as np

__all__ = ["DistributedMode"]


class DistributedMode:
    """What ``Trainer(distributed=True)`` does across the ranks (see the module docstring).

    Args:
        model: the model, or a ``DistributedDataParallel`` wrapping it.
        ddp_options: keyword arguments for ``DistributedDataParallel`` (e.g. ``find_unused_parameters``).
    """

    def __init__(self, model, ddp_options=None):
        from ..distributed import process_group as dist
        from ..nn.parallel import DistributedDataParallel

        if not dist.is_initialized():
            dist.init_process_group()
        self.group = dist.resolve_group(None, "Trainer(distributed=True)")
        self.rank, self.size = self.group.rank(), self.group.size()
        if isinstance(model, DistributedDataParallel):
            self.net, self.module = model, model.module
        else:
            self.module = model
            self.net = DistributedDataParallel(model, **(ddp_options or {})) if self.size > 1 else model

    def callbacks(self, callbacks):
        """The callbacks this rank runs: all on rank 0; elsewhere those not marked ``rank_zero_only``."""
        if self.rank == 0:
            return callbacks
        return [c for c in callbacks if not getattr(c, "rank_zero_only", False)]

    def _sum(self, values):
        from ..distributed._mpi import mpi

        arr = np.asarray(values, dtype=np.float64)
        if self.size > 1:
            MPI = mpi()
            self.group.comm.Allreduce(MPI.IN_PLACE, arr, op=MPI.SUM)
        return arr

    def batch_mean(self, value, weight):
        """The mean of ``value`` over every rank's batch, weighted by the batch sizes."""
        if self.size == 1:
            return value
        total, count = self._sum([value * weight, weight])
        return float(total / count) if count else value

    def gather_epoch(self, meters, collected):
        """Every rank's epoch: the running means summed over ranks (in place), and the predictions and
        targets collected for epoch-level metrics gathered from all ranks."""
        if self.size == 1:
            return collected
        names = list(meters)
        sums = self._sum([v for k in names for v in (meters[k].total, meters[k].weight)])
        for i, k in enumerate(names):
            meters[k].total, meters[k].weight = float(sums[2 * i]), float(sums[2 * i + 1])
        if collected is not None:
            parts = self.group.comm.allgather(collected)
            collected = ([a for p in parts for a in p[0]], [a for p in parts for a in p[1]])
        return collected

    def set_epoch(self, data, epoch):
        """Call ``set_epoch(epoch)`` on the sampler of ``data`` (a DataLoader) where it has one."""
        sampler = getattr(data, "sampler", None)
        batch_sampler = getattr(data, "batch_sampler", None)
        for s in (sampler, getattr(batch_sampler, "sampler", None)):
            if hasattr(s, "set_epoch"):
                s.set_epoch(epoch)
                return
