"""Making tensors: from data (``tensor``, ``as_tensor``, ``from_numpy``), filled (``zeros``, ``full``...),
ranges (``arange``, ``linspace``...), and random (``rand``, ``randn``, ``randint``, ``normal``...)."""
from __future__ import annotations

import builtins
import math

import numpy as np

from ... import backend
from ...autograd.tensor import Tensor, array_from as _to_array
from ..inplace import inplace
from ..registry import register


def _finish(arr, requires_grad):
    t = Tensor._make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of ``data`` (number, nested lists, NumPy array, tensor).

    The dtype is inferred unless given: float32 for Python floats, int64 for ints, bool for bools.

    >>> reograd.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    """
    return _finish(_to_array(data, backend.as_dtype(dtype), backend.as_device(device)), requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor``, but shares memory with a NumPy array or tensor when dtype and device allow."""
    dt = backend.as_dtype(dtype)
    if isinstance(data, Tensor):
        if (dt is None or data.dtype is dt) and (device is None or data.device == backend.as_device(device)):
            return data
        return data.to(dtype=dt, device=device)
    return Tensor._make(_to_array(data, dt, backend.as_device(device), copy=False))


asarray = as_tensor


def from_numpy(ndarray):
    """A tensor sharing memory with ``ndarray`` (changes to one show in the other)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    backend.from_numpy_dtype(ndarray.dtype)  # raises for unsupported dtypes
    return Tensor._make(ndarray)


def _shape(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    elif len(size) == 1 and isinstance(size[0], Tensor):
        size = tuple(size[0].tolist())
    out = []
    for s in size:
        s = int(s)
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
        out.append(s)
    return tuple(out)


def _xp_dt(dtype, device, default=None):
    dt = backend.as_dtype(dtype) or default or backend.get_default_dtype()
    dev = backend.as_device(device)
    return backend.xp_for_device(dev), dt


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None, pin_memory=False):
    """A tensor of zeros of shape ``size`` (``zeros(2, 3)`` or ``zeros((2, 3))``)."""
    xp, dt = _xp_dt(dtype, device)
    return _finish(xp.zeros(_shape(size), dtype=dt.np), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None, pin_memory=False):
    """A tensor of ones of shape ``size``."""
    xp, dt = _xp_dt(dtype, device)
    return _finish(xp.ones(_shape(size), dtype=dt.np), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None, pin_memory=False,
          memory_format=None):
    """An uninitialised tensor of shape ``size``."""
    xp, dt = _xp_dt(dtype, device)
    return _finish(xp.empty(_shape(size), dtype=dt.np), requires_grad)


def empty_strided(size, stride, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    """An uninitialised tensor of shape ``size``; ``stride`` is accepted for PyTorch compatibility and ignored
    (the result is C-contiguous)."""
    return empty(tuple(size), dtype=dtype, device=device, requires_grad=requires_grad)


def _check_fill(op, value, dt):
    """``value`` as ``full`` writes it into ``dt``; PyTorch refuses values ``dt`` can't hold: complex into a real
    dtype, NaN/inf or out-of-range numbers into an integer dtype, finite numbers beyond a float dtype's range."""
    if isinstance(value, (bool, np.bool_)) or dt is backend.bool:
        return value
    kind = np.dtype(dt.np).kind
    bad = False
    if isinstance(value, (builtins.complex, np.complexfloating)):
        bad = kind != "c"
    elif kind in "iu":
        info = np.iinfo(dt.np)
        # PyTorch lets negative ints (not floats) wrap into unsigned dtypes (-1 -> 255)
        low = -info.max if kind == "u" and isinstance(value, (int, np.integer)) else info.min
        bad = not math.isfinite(value) or not low <= value <= info.max
        if not bad and value < 0 and kind == "u":
            return int(value) % (int(info.max) + 1)
    elif kind == "f":
        bad = math.isfinite(value) and abs(value) > float(np.finfo(dt.np).max)
    if bad:
        raise RuntimeError(f"{op}: value {value!r} cannot be converted to type {dt} without overflow")
    return value


def _fill_dtype(fill_value):
    if isinstance(fill_value, Tensor):
        return fill_value.dtype
    if isinstance(fill_value, (bool, np.bool_)):
        return backend.bool
    if isinstance(fill_value, (int, np.integer)):
        return backend.int64
    if isinstance(fill_value, builtins.complex):
        return backend.get_default_dtype().to_complex()
    return backend.get_default_dtype()


def full(size, fill_value, dtype=None, device=None, requires_grad=False, out=None, layout=None,
         pin_memory=False):
    """A tensor of shape ``size`` filled with ``fill_value`` (dtype inferred from the value)."""
    xp, dt = _xp_dt(dtype, device, _fill_dtype(fill_value))
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    fill_value = _check_fill("full", fill_value, dt)
    return _finish(xp.full(_shape((size,) if isinstance(size, int) else (tuple(size),)), fill_value,
                           dtype=dt.np), requires_grad)


def scalar_tensor(s, dtype=None, device=None, requires_grad=False):
    """A 0-d tensor holding the number ``s``, of the default float dtype unless ``dtype`` is given.

    Example: ``torch.scalar_tensor(3)`` is ``tensor(3.)`` (shape ``()``).
    """
    return full((), s, dtype=dtype or backend.get_default_dtype(), device=device, requires_grad=requires_grad)


def _like(input, dtype, device):
    dt = backend.as_dtype(dtype) or input.dtype
    dev = backend.as_device(device) or input.device
    return dt, dev


def zeros_like(input, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    """Zeros with ``input``'s shape, dtype and device (unless ``dtype`` / ``device`` are given)."""
    dt, dev = _like(input, dtype, device)
    return zeros(input.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    """Ones with ``input``'s shape, dtype and device (unless ``dtype`` / ``device`` are given)."""
    dt, dev = _like(input, dtype, device)
    return ones(input.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def empty_like(input, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    """An uninitialised tensor with ``input``'s shape, dtype and device (unless given)."""
    dt, dev = _like(input, dtype, device)
    return empty(input.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    """``fill_value`` everywhere, with ``input``'s shape, dtype and device (unless given).

    Example: ``torch.full_like(torch.zeros(2, 2), 7.0)`` is a (2, 2) float tensor of sevens.
    """
    dt, dev = _like(input, dtype, device)
    return full(input.shape, fill_value, dtype=dt, device=dev, requires_grad=requires_grad)


def _on(arr, device):
    dev = backend.as_device(device)
    return arr if dev is None or dev.type == "cpu" else backend.to_device_array(arr, dev)


# ------------------------------------------------------------------------ ranges
def _num(x):
    return x.item() if isinstance(x, Tensor) else x


def arange(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False, out=None, layout=None,
           pin_memory=False):
    """Values from ``start`` to ``end`` (exclusive) spaced by ``step``; int64 if all are ints."""
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    if not all(math.isfinite(v) for v in (start, end, step)):
        raise RuntimeError(f"arange: unsupported range: start={start}, end={end}, step={step} (must be finite)")
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange: upper bound and larger bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    all_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))  # (bools count as ints)
    dt = backend.as_dtype(dtype) or (backend.int64 if all_int else backend.get_default_dtype())
    n = max(0, math.ceil((end - start) / step))
    arr = (start + np.arange(n, dtype=np.float64 if not all_int else np.int64) * step).astype(dt.np)
    return _finish(_on(arr, device), requires_grad)


def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):  # noqa: A001
    """Deprecated in PyTorch: like arange but includes ``end``; float by default."""
    if end is None:
        start, end = 0, start
    n = int(math.floor((end - start) / step)) + 1
    dt = backend.as_dtype(dtype) or backend.get_default_dtype()
    return _finish(_on((start + np.arange(n) * step).astype(dt.np), device), requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    dt = backend.as_dtype(dtype) or backend.get_default_dtype()
    if int(steps) < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative (got steps={steps})")
    arr = np.linspace(_num(start), _num(end), int(steps), dtype=np.float64).astype(dt.np)
    return _finish(_on(arr, device), requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False, out=None,
             layout=None):
    """``steps`` values base**linspace(start, end)."""
    dt = backend.as_dtype(dtype) or backend.get_default_dtype()
    if int(steps) < 0:
        raise RuntimeError(f"logspace: number of steps must be non-negative (got steps={steps})")
    arr = (base ** np.linspace(_num(start), _num(end), int(steps), dtype=np.float64)).astype(dt.np)
    return _finish(_on(arr, device), requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, out=None, layout=None, pin_memory=False):
    """The n x m identity matrix."""
    dt = backend.as_dtype(dtype) or backend.get_default_dtype()
    if int(n) < 0 or (m is not None and int(m) < 0):
        raise RuntimeError(f"eye: n and m must be greater or equal to 0, got n={n}, m={m}")
    return _finish(_on(np.eye(int(n), int(n if m is None else m), dtype=dt.np), device), requires_grad)


def complex(real, imag):  # noqa: A001
    """A complex tensor from real and imaginary parts (no gradient)."""
    return Tensor._make(real._data + 1j * imag._data)


def polar(abs, angle):  # noqa: A002
    """A complex tensor from polar coordinates: abs * (cos(angle) + i sin(angle)) (no gradient)."""
    return Tensor._make(abs._data * np.exp(1j * angle._data))


# ------------------------------------------------------------------------ Tensor.new_*
def _new_kw(self, dtype, device):
    return {"dtype": backend.as_dtype(dtype) or self.dtype, "device": backend.as_device(device) or self.device}


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    """Zeros of ``size`` with this tensor's dtype and device (unless given)."""
    return zeros(*size, requires_grad=requires_grad, **_new_kw(self, dtype, device))


def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    """Ones of ``size`` with this tensor's dtype and device (unless given)."""
    return ones(*size, requires_grad=requires_grad, **_new_kw(self, dtype, device))


def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor of ``size`` with this tensor's dtype and device (unless given)."""
    return empty(*size, requires_grad=requires_grad, **_new_kw(self, dtype, device))


def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    """``fill_value`` everywhere, in ``size``, with this tensor's dtype and device (unless given)."""
    return full(size, fill_value, requires_grad=requires_grad, **_new_kw(self, dtype, device))


def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    """A copy of ``data`` as a tensor with this tensor's dtype and device (unless given)."""
    return tensor(data, requires_grad=requires_grad, **_new_kw(self, dtype, device))


def _fill_(self, value):
    """``self.fill_(value)``: every element of self set to ``value`` (a number or a 0-d tensor); returns self."""
    v = value.item() if isinstance(value, Tensor) else value
    return inplace(self, lambda t: full_like(t, v) + t * 0 if t.requires_grad else full_like(t, v))


def _zero_(self):
    """``self.zero_()``: every element of self set to 0; returns self."""
    return _fill_(self, 0)

register(new_zeros, new_ones, new_empty, new_full, new_tensor)
register(fill_=_fill_, zero_=_zero_)
