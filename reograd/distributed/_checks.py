"""Cross-rank agreement checks: catch a collective called with different shapes, dtypes, ops or roots
on different ranks, and raise the same clear error on every rank, instead of MPI truncating,
corrupting or hanging.

Each check costs one tiny all-reduce (the minimum of a hash and of its negation tells whether all
ranks hashed the same description); only on a mismatch are the descriptions gathered, to name
every rank's arguments in the message. ``REOGRAD_DISTRIBUTED_CHECKS=0`` turns the checks off
(DistributedDataParallel's own bucket all-reduces never run them: their layout is checked once,
when the model is wrapped).
"""
from __future__ import annotations

import zlib

import numpy as np

from ._mpi import mpi


def describe(t):
    """``"float32 tensor of shape (4, 3)"``: a tensor's dtype and shape, for messages."""
    return f"{np.dtype(t._array().dtype)} tensor of shape {tuple(t.shape)}"


def agree(pg, op, signature, text, hint="every rank must pass tensors of the same shape and dtype", force=False):
    """Raise a RuntimeError on every rank of ``pg`` unless all ranks pass an equal ``signature``.

    ``signature``: what must match (a tuple of str/int); ``text``: how this rank's arguments read in
    the message; ``force``: check even where checks are turned off.
    """
    if pg.size() == 1 or not (pg.checks or force):
        return
    h = zlib.crc32(repr(signature).encode())
    pair = np.array([h, -h], dtype=np.int64)
    MPI = mpi()
    pg.comm.Allreduce(MPI.IN_PLACE, pair, op=MPI.MIN)
    if pair[0] == -pair[1]:
        return
    texts = pg.comm.allgather(text)
    raise RuntimeError(mismatch_message(op, pg.ranks, texts, hint))


def mismatch_message(op, ranks, texts, hint):
    """``op: the ranks disagree (rank 0: ..., rank 1: ...); hint``, the first 8 ranks listed."""
    shown = "; ".join(f"rank {r}: {t}" for r, t in list(zip(ranks, texts))[:8])
    more = f"; ... ({len(texts) - 8} more ranks)" if len(texts) > 8 else ""
    return f"{op}: the ranks disagree ({shown}{more}); {hint}"


def agree_flag(pg, failed):
    """True on every rank if ``failed`` is True on any (one tiny all-reduce): lets a check that only
    some ranks can make stop all of them together."""
    if pg.size() == 1:
        return bool(failed)
    flag = np.array([1 if failed else 0], dtype=np.int32)
    MPI = mpi()
    pg.comm.Allreduce(MPI.IN_PLACE, flag, op=MPI.MAX)
    return bool(flag[0])
