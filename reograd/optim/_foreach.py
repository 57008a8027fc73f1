"""The engine under the element-wise optimizers: one step's updates, run in cache-sized blocks on a few threads.

An element-wise update (SGD, Adam, RMSprop...) is a dozen NumPy passes over each parameter and its
state buffers: ``m = m + (1-beta1)*(g-m)`` is three passes, ``v = beta2*v + (1-beta2)*g*g`` four,
and so on. Run on whole arrays, each pass streams every array through the caches again (Adam on a
1.86M-parameter MLP: 13 passes over ~7 MB arrays, after the matmuls have flushed the caches). Here
each optimizer hands over one *task* per parameter, a tuple

    (kernel, n_scratch, p, g, buffers, maximize, weight_decay, decay)

and :func:`run` applies ``kernel`` to consecutive blocks of the flattened arrays, so that all the
passes over a block happen while it sits in cache (``_BLOCK_BYTES`` per array). Blocks are
independent (the updates are element-wise), so they are shared out to ``_num_threads()`` threads:
NumPy releases the GIL inside a ufunc loop, and only the dispatch of each ufunc call is serial.

Per block ``[s:e]`` (``p`` updated in place; ``g`` read only)::

    p[s:e] *= decay                          (decoupled weight decay; decay = 1 - lr * weight_decay)
    g' = -g[s:e] if maximize else g[s:e]
    g' = g' + weight_decay * p[s:e]          (L2 weight decay)
    kernel(*scratch, p[s:e], g', *(b[s:e] for b in buffers))

which is, operation by operation, what the whole-array code did, so the results are the same to
the bit. ``scratch`` are ``n_scratch`` work arrays of the block's length, reused across blocks.
"""
from __future__ import annotations

import os

import numpy as np

from ..threads import get_num_threads

__all__ = ["run"]

# 512 KiB per array (128K float32 elements). Measured on the bench MLP (1.86M parameters, caches
# cold after the matmuls), Adam / Adadelta / SGD step, serial: whole arrays 4.99 / 7.31 / 2.38 ms,
# 128 KiB blocks 4.90 / 5.81 / 2.28, 512 KiB 4.32 / 5.52 / 1.96, 1 MiB 4.41 / 5.69 / 2.02. Smaller
# blocks pay more Python dispatch per element (~1 us per ufunc call), larger ones fall out of cache.
_BLOCK_BYTES = 1 << 19
# Below this many elements in one step, the updates run on the calling thread: handing blocks to a
# worker and waiting for it costs ~50-100 us, the time of a 200K-element Adam update; and a step
# of fewer than ~4 blocks cannot be shared out evenly.
_PARALLEL_MIN = 1 << 19

# At most this many threads: a few cores saturate the memory bandwidth these passes need, and every
# ufunc call (one per pass per block) takes the GIL to start.
_MAX_THREADS = 8

_pool = None  # (pid, workers, ThreadPoolExecutor), made on the first parallel step


def _num_threads():
    """Threads for the updates: :func:`reograd.get_num_threads` (``set_num_threads``, else the BLAS
    thread count the environment sets, else the CPUs this process may use).

    The same count as BLAS: a training step alternates matmuls and optimizer updates, never both at
    once, so the optimizer may use the cores the matmuls use, and no more."""
    return max(1, get_num_threads())


def _executor(workers):
    """A pool of ``workers`` threads, made again after a fork (a forked child has none of the parent's threads)."""
    global _pool
    pid = os.getpid()
    if _pool is None or _pool[0] != pid or _pool[1] != workers:
        from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415  (keeps `import reograd` light)

        if _pool is not None and _pool[0] == pid:
            _pool[2].shutdown(wait=False)
        _pool = (pid, workers, ThreadPoolExecutor(workers, thread_name_prefix="reograd-optim"))
    return _pool[2]


def _flat(task):
    """``task`` with its arrays as 1-D views (so they can be cut in blocks), or None where one of
    them is not C-contiguous and a view would need a copy (an F-ordered or CuPy parameter)."""
    kernel, n, p, g, bufs, maximize, wd, decay = task
    arrays = (p, *bufs)
    if not all(type(a) is np.ndarray and a.flags.c_contiguous for a in arrays):
        return None
    if type(g) is not np.ndarray:
        return None
    # g is only read: a contiguous copy of a strided gradient keeps the blocking
    g = np.ascontiguousarray(g).reshape(-1)
    return kernel, n, p.reshape(-1), g, [b.reshape(-1) for b in bufs], maximize, wd, decay


def _apply(task, start=None, stop=None, scratch=None):
    """One work item: the weight decay, the sign, then the optimizer's kernel, on ``[start:stop]``
    of the flattened arrays (``start`` None: on the whole arrays, whatever their layout)."""
    kernel, n, p, g, bufs, maximize, wd, decay = task
    n_work = n + 1 if wd != 0 or maximize else n
    if start is None:
        work = [np.empty_like(p)] if n_work == 1 else [np.empty_like(p) for _ in range(n_work)]
    else:
        p, g, bufs = p[start:stop], g[start:stop], [b[start:stop] for b in bufs]
        work = scratch.get(p.dtype)
        if work is None or len(work) < n_work:
            work = scratch[p.dtype] = [np.empty(_BLOCK_BYTES // p.itemsize, p.dtype) for _ in range(n_work)]
        size = stop - start
        work = [w[:size] for w in work[:n_work]]
    if decay is not None:
        p *= decay
    if wd != 0:
        gw = work[n]
        np.multiply(p, wd, out=gw)
        if maximize:  # -g + wd*p is wd*p - g to the bit (IEEE subtraction adds the negation)
            np.subtract(gw, g, out=gw)
        else:
            np.add(g, gw, out=gw)
        g = gw
    elif maximize:
        g = np.negative(g, out=work[n])
    kernel(*work[:n], p, g, *bufs)


def _worker(items):
    scratch = {}  # dtype -> work arrays, reused across this worker's blocks
    for task, start, stop in items:  # `items` is an iterator shared by the workers: next() is atomic
        _apply(task, start, stop, scratch)


def run(tasks, serial=False):
    """Apply each task's kernel to all of its elements (in blocks; on threads when the step is large).

    ``serial``: keep the blocks in order on this thread (the caller sets it when two tasks touch the
    same arrays, e.g. a parameter listed twice, whose second update must see the first)."""
    items, total = [], 0
    for task in tasks:
        p = task[2]
        size, step = p.size, _BLOCK_BYTES // p.itemsize
        flat = _flat(task) if size > step else None
        if flat is None:  # small (most tensors, in number; one block), or not contiguous: whole, now
            _apply(task)
            continue
        total += size
        items.extend((flat, s, min(s + step, size)) for s in range(0, size, step))
    threads = 1 if serial or total < _PARALLEL_MIN else min(_num_threads(), _MAX_THREADS, len(items))
    if threads <= 1:
        _worker(items)
        return
    shared = iter(items)
    futures = [_executor(threads - 1).submit(_worker, shared) for _ in range(threads - 1)]
    try:
        _worker(shared)  # the calling thread takes blocks too
    finally:
        for f in futures:
            f.result()  # re-raises a worker's exception
