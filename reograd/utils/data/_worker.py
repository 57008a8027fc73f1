"""What runs inside a DataLoader worker process, and what the main process needs to talk to it.

A worker is seeded with ``base_seed + worker_id`` (reograd's global RNG, ``random`` and NumPy's
legacy global RNG), runs ``worker_init_fn(worker_id)``, then answers fetch requests from its index
queue until it receives ``None``. Exceptions travel back as ``_ExceptionWrapper`` and are re-raised
in the main process with the worker's traceback in the message.
"""
from __future__ import annotations

import os
import queue
import random
import sys
import traceback

import numpy as np

from ._fetch import _make_fetcher

__all__ = ["get_worker_info", "WorkerInfo"]

_worker_info = None


class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker: ``id``, ``num_workers``, ``seed``, ``dataset``."""

    __initialized = False

    def __init__(self, **kwargs):
        for k, v in kwargs.items():
            setattr(self, k, v)
        self.__keys = tuple(kwargs.keys())
        self.__initialized = True

    def __setattr__(self, key, val):
        if self.__initialized:
            raise RuntimeError(f"Cannot assign attributes to {self.__class__.__name__} objects")
        return super().__setattr__(key, val)

    def __repr__(self):
        items = [f"{k}={getattr(self, k)}" for k in self.__keys]
        return f"{self.__class__.__name__}({', '.join(items)})"


def get_worker_info():
    """Inside a DataLoader worker process: its ``WorkerInfo`` (id, num_workers, seed, dataset copy);
    in the main process: ``None``. Use it in ``IterableDataset.__iter__`` to split a stream."""
    return _worker_info


class _ExceptionWrapper:
    """An exception caught in a worker, with its formatted traceback, to re-raise in the main process."""

    def __init__(self, exc_info=None, where="in background"):
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:  # KeyError quotes its message: keep it readable
            msg = KeyErrorMessage(msg)
        try:
            exception = self.exc_type(msg)
        except Exception:  # an exception type whose constructor wants other arguments
            raise RuntimeError(msg) from None
        raise exception


class KeyErrorMessage(str):
    def __repr__(self):
        return self


class _IterableDatasetStopIteration:
    def __init__(self, worker_id):
        self.worker_id = worker_id


class _ResumeIteration:
    """Sent to persistent workers at a new epoch; echoed back once the worker has reset."""


def _seed_worker(seed, base_seed, worker_id):
    from ...ops.creation.generator import manual_seed  # noqa: PLC0415

    random.seed(seed)
    manual_seed(seed)
    np.random.seed(np.random.SeedSequence([base_seed & 0xFFFFFFFFFFFFFFFF, worker_id]).generate_state(4))


def _worker_loop(dataset_kind, dataset, index_queue, data_queue, done_event, auto_collation, collate_fn,
                 drop_last, base_seed, init_fn, worker_id, num_workers, batch_size):
    global _worker_info

    try:
        seed = base_seed + worker_id
        _seed_worker(seed, base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        init_exception = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = _make_fetcher(dataset_kind, dataset, auto_collation, collate_fn, drop_last, batch_size)
        except Exception:
            init_exception = _ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
        iteration_end = False
        parent = os.getppid()
        while True:
            try:
                r = index_queue.get(timeout=5.0)
            except queue.Empty:
                if os.getppid() != parent:  # the main process died: stop
                    break
                continue
            if r is None:
                break
            if isinstance(r, _ResumeIteration):
                data_queue.put((r, None))
                iteration_end = False
                if fetcher is not None:
                    fetcher = _make_fetcher(dataset_kind, dataset, auto_collation, collate_fn, drop_last, batch_size)
                continue
            if done_event.is_set() or iteration_end:
                continue
            idx, index = r
            if init_exception is not None:
                data, init_exception = init_exception, None
            else:
                try:
                    data = fetcher(index)
                except Exception as e:  # noqa: BLE001
                    if isinstance(e, StopIteration) and dataset_kind == "iterable":
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = _ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
            data_queue.put((idx, data))
            del data
    except KeyboardInterrupt:
        pass
    if done_event.is_set():
        data_queue.cancel_join_thread()
        data_queue.close()
