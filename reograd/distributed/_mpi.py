"""The MPI engine underneath ``reograd.distributed``: mpi4py, imported on first use.

mpi4py is an optional dependency (``pip install 'reograd[distributed]'``, which brings the mpich
wheel and mpi4py). Importing ``reograd.distributed`` never imports it: only
``init_process_group`` (or the launcher) does, so that ``import reograd`` stays fast and works
where MPI is absent.

This module also turns tensors into the contiguous host buffers MPI reads and writes: a contiguous
NumPy tensor is handed to MPI as is (zero copy); a strided view or a GPU tensor goes through a
contiguous staging copy that is written back after the operation.
"""
from __future__ import annotations

import importlib.util

import numpy as np

_INSTALL = "pip install 'reograd[distributed]'  (or: pip install mpich mpi4py)"
_MPI = None


def mpi_available():
    """True if mpi4py can be imported (without importing it: that would start MPI)."""
    return _MPI is not None or importlib.util.find_spec("mpi4py") is not None


def mpi(who="reograd.distributed"):
    """The ``mpi4py.MPI`` module (MPI is initialised on the first call); a clear ImportError if absent."""
    global _MPI
    if _MPI is None:
        try:
            from mpi4py import MPI
        except ImportError as e:
            raise ImportError(f"{who} needs mpi4py and an MPI library, which are not installed ({_INSTALL}); "
                              f"then launch with `mpiexec -n N python script.py` or "
                              f"`python -m reograd.distributed.run --nproc-per-node N script.py`") from e
        _MPI = MPI
    return _MPI


# --------------------------------------------------------------------------------------
# tensors <-> MPI buffers
# --------------------------------------------------------------------------------------
def check_tensor(t, op, name="tensor"):
    from ..autograd.tensor import Tensor  # noqa: PLC0415

    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: {name} must be a reograd Tensor, got {type(t).__name__}")


def read_buffer(t):
    """``t``'s data as a C-contiguous host array for MPI to read (no copy when it already is one)."""
    arr = t._array()
    if type(arr) is not np.ndarray:
        arr = arr.get()  # a GPU tensor: staged through host memory
    return arr if arr.flags.c_contiguous else np.ascontiguousarray(arr)


def write_buffer(t, keep_data=False):
    """A C-contiguous host array MPI may write ``t``'s result into: ``t``'s own array when it is one
    (zero copy), else a staging array (holding ``t``'s data when ``keep_data``); pass it to
    :func:`finish_write` after the operation."""
    arr = t._array()
    if type(arr) is np.ndarray and arr.flags.c_contiguous and arr.flags.writeable:
        return arr
    if keep_data:
        host = arr if type(arr) is np.ndarray else arr.get()
        return np.array(host, order="C", copy=True)
    return np.empty(tuple(arr.shape), dtype=arr.dtype)


def finish_write(t, buf):
    """Copy a staging array back into ``t`` (nothing to copy when MPI wrote ``t`` directly) and record
    the in-place change on ``t``'s version counter."""
    arr = t._array()
    if buf is not arr:
        if type(arr) is np.ndarray:
            arr[...] = buf.reshape(arr.shape)
        else:  # a GPU tensor
            from .. import backend  # noqa: PLC0415

            arr[...] = backend.get_array_module(arr).asarray(buf.reshape(arr.shape))
    t._bump_version()
