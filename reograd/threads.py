"""Thread counts (``torch.set_num_threads`` / ``torch.get_num_threads``).

reograd's heavy lifting runs in NumPy's BLAS (matrix products, convolutions lowered to them) and in
the optimizers' block engine (``reograd.optim._foreach``). ``set_num_threads(n)`` sets both: the
optimizers read :func:`get_num_threads`, and the BLAS library's pool is resized at run time through
`threadpoolctl <https://github.com/joblib/threadpoolctl>`_ when it is installed
(``pip install threadpoolctl``; without it, set ``OMP_NUM_THREADS`` before starting Python).
"""
from __future__ import annotations

import os
import warnings

__all__ = ["set_num_threads", "get_num_threads", "set_num_interop_threads", "get_num_interop_threads"]

_num_threads = None   # set by set_num_threads; None: ask the environment
_interop_threads = 1  # reograd runs ops one at a time, as torch's default inter-op pool of 1 would


def _env_threads():
    """The BLAS thread count the environment asks for, or the CPUs this process may use."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        value = os.environ.get(var, "").split(",")[0].strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def set_num_threads(n):
    """Use ``n`` threads for intra-op parallelism: BLAS (through threadpoolctl, if installed) and the
    optimizers' element-wise updates.

    Example: ``reograd.set_num_threads(2)``; ``reograd.get_num_threads()`` then returns 2.
    """
    global _num_threads
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive integer, got {n!r}")
    _num_threads = n
    try:
        from threadpoolctl import threadpool_limits  # noqa: PLC0415
    except ImportError:
        warnings.warn("set_num_threads: threadpoolctl is not installed, so the BLAS thread pool keeps its size "
                      "(pip install threadpoolctl, or set OMP_NUM_THREADS before starting Python); the "
                      "optimizers use the new count", RuntimeWarning, stacklevel=2)
        return
    threadpool_limits(limits=n, user_api="blas")  # not used as a context manager: the limit stays


def get_num_threads():
    """The number of intra-op threads: the last ``set_num_threads`` value, else the environment's
    ``OMP/OPENBLAS/MKL_NUM_THREADS``, else the number of CPUs this process may run on."""
    return _num_threads if _num_threads is not None else _env_threads()


def set_num_interop_threads(n):
    """Accepted for PyTorch compatibility: reograd runs one op at a time, so there is no inter-op pool."""
    global _interop_threads
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_interop_threads: expected a positive integer, got {n!r}")
    _interop_threads = n


def get_num_interop_threads():
    """The value given to ``set_num_interop_threads`` (1 by default); it changes nothing here."""
    return _interop_threads
