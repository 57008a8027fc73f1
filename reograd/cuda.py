"""``reograd.cuda``: the small part of ``torch.cuda`` that scripts ask about.

A GPU is used through CuPy (``device="cuda"``); these functions answer truthfully whether one is
there, so the usual ``device = "cuda" if torch.cuda.is_available() else "cpu"`` works unchanged.
On a CPU-only machine the seeding and synchronisation calls are harmless no-ops.
"""
from __future__ import annotations

from . import backend

__all__ = ["is_available", "device_count", "current_device", "get_device_name", "manual_seed", "manual_seed_all",
           "seed", "seed_all", "synchronize", "empty_cache", "is_initialized", "set_device"]


def is_available():
    """True where CuPy imports and sees at least one CUDA GPU (``backend.cupy_module()``)."""
    return backend.cupy_module() is not None


def device_count():
    """Number of CUDA GPUs CuPy sees (0 without CuPy or a GPU)."""
    cp = backend.cupy_module()
    if cp is None:
        return 0
    try:
        return int(cp.cuda.runtime.getDeviceCount())
    except Exception:  # driver trouble: report none rather than crash a device check
        return 0


def is_initialized():
    return is_available()


def current_device():
    """Index of the current CUDA device; RuntimeError without a GPU (as torch)."""
    cp = _require("current_device")
    return int(cp.cuda.Device().id)


def set_device(device):
    cp = _require("set_device")
    index = backend.device(device).index if not isinstance(device, int) else device
    cp.cuda.Device(index or 0).use()


def get_device_name(device=None):
    cp = _require("get_device_name")
    index = 0 if device is None else (device if isinstance(device, int) else (backend.device(device).index or 0))
    props = cp.cuda.runtime.getDeviceProperties(index)
    name = props.get("name", b"CUDA device")
    return name.decode() if isinstance(name, bytes) else str(name)


def manual_seed(seed):
    """Seed the GPU random generator (CuPy's); a no-op on a CPU-only machine."""
    cp = backend.cupy_module()
    if cp is not None:
        cp.random.seed(int(seed) % (2 ** 32))


def manual_seed_all(seed):
    """Seed every GPU's generator; a no-op on a CPU-only machine."""
    manual_seed(seed)


def seed():
    """Seed the GPU generator from fresh entropy; a no-op on a CPU-only machine."""
    cp = backend.cupy_module()
    if cp is not None:
        cp.random.seed()


def seed_all():
    seed()


def synchronize(device=None):
    """Wait for all GPU work to finish; a no-op on a CPU-only machine."""
    cp = backend.cupy_module()
    if cp is not None:
        cp.cuda.Device().synchronize()


def empty_cache():
    """Release CuPy's cached GPU memory blocks; a no-op on a CPU-only machine."""
    cp = backend.cupy_module()
    if cp is not None:
        cp.get_default_memory_pool().free_all_blocks()


def _require(fn):
    cp = backend.cupy_module()
    if cp is None:
        raise RuntimeError(f"reograd.cuda.{fn}: no CUDA GPU is available (needs CuPy and an NVIDIA GPU); "
                           "check reograd.cuda.is_available() first")
    return cp
