"""Python data as backend arrays: numbers, nested lists and arrays, with PyTorch's dtype inference.

``Tensor(data)``, ``tensor(data)`` and ``as_tensor(data)`` all go through ``as_array``: floats give the
default float dtype, ints int64, bools bool, NumPy scalars and arrays keep theirs; integers that the
target dtype can't hold and complex numbers for a real dtype are refused, as in PyTorch.
"""
from __future__ import annotations

import builtins
import itertools

import numpy as np

from .. import backend


def as_array(data, dt=None, device=None, copy=True):
    """Convert data (numbers, nested lists, NumPy/CuPy arrays) into a backend array of dtype ``dt``.

    With ``dt`` None the dtype is inferred as PyTorch does: Python floats -> default float dtype,
    ints -> int64, bools -> bool; arrays keep their dtype. Array-likes inside lists (tensors) are
    read through ``__array__``. ``copy=False`` shares an array's memory when no cast is needed.
    """
    if backend.is_array(data) or isinstance(data, np.generic):
        arr = data
        if isinstance(data, np.generic):
            arr = np.asarray(data)
        if arr.dtype.kind == "u" and arr.dtype != np.uint8:
            raise TypeError(f"can't convert np.ndarray of type numpy.{arr.dtype}: reograd has no such dtype")
        if arr.dtype.kind in "OUS":
            raise TypeError(f"can't convert np.ndarray of type numpy.{arr.dtype.name}. The only supported types "
                            "are: float64, float32, float16, complex64, complex128, int64, int32, int16, int8, "
                            "uint8, and bool.")
        if dt is not None:
            arr = arr.astype(dt.np, copy=copy)
        elif copy:
            arr = arr.copy()
    else:
        arr = _from_python(data, dt)
    if device is not None:
        arr = backend.to_device_array(arr, device)
    return arr


def _from_python(data, dt):
    if isinstance(data, (list, tuple)) and any(_array_like(x) for x in _flat_first(data)):
        data = _array_likes_to_arrays(data)
    try:
        arr = np.array(data)
    except ValueError as e:
        raise ValueError(f"tensor: could not make a tensor from {type(data).__name__}: the nested sequences "
                         f"have uneven lengths ({e})") from None
    if arr.dtype == object or arr.dtype == np.uint64:  # Python ints beyond int64 (uint64: those in [2**63, 2**64))
        types = _leaf_types(data) if isinstance(data, (list, tuple)) else {type(data)}
        if types and all(issubclass(t, (int, float)) for t in types):
            if dt is not None and np.dtype(dt.np).kind in "fcb":
                return np.array(data, dtype=np.float64).astype(dt.np)
            raise ValueError(f"tensor: Overflow when unpacking long long: an integer is out of the int64 range "
                             f"({str(data)[:60]})")
    if arr.dtype == object:
        raise TypeError(f"tensor: could not infer dtype of {type(data).__name__} (got objects that are not "
                        "numbers)")
    if dt is None:
        kind = arr.dtype.kind
        if kind in "fc" and isinstance(data, (list, tuple)):
            dt = _scalar_types_dtype(data, kind)
        elif kind == "f":
            dt = backend.get_default_dtype()
        elif kind in "iu":  # only NumPy scalars give other than int64; NumPy promotes them as PyTorch does
            dt = backend._BY_NP.get(arr.dtype, backend.int64)
        elif kind == "b":
            dt = backend.bool
        elif kind == "c":
            dt = backend.get_default_dtype().to_complex()
        elif kind in "US":
            raise TypeError(f"tensor: can't make a tensor from strings ({data!r:.60})")
        else:
            dt = backend.from_numpy_dtype(arr.dtype)
        if arr.size == 0:
            dt = backend.get_default_dtype()
    else:
        check_convertible("tensor", arr, dt)
    return arr.astype(dt.np, copy=False)


def check_convertible(op, arr, dt):
    """PyTorch refuses Python data that ``dt`` can't hold: complex into a real dtype, integers out of range."""
    kind, to = arr.dtype.kind, np.dtype(dt.np).kind
    if kind == "c" and to not in "cb":
        raise TypeError(f"{op}: can't convert complex data to {dt} (must be real number, not complex)")
    if kind in "iu" and to in "iu" and arr.size:
        info = np.iinfo(dt.np)
        if int(arr.min()) < info.min or int(arr.max()) > info.max:
            raise RuntimeError(f"{op}: value cannot be converted to type {dt} without overflow (values in "
                               f"[{int(arr.min())}, {int(arr.max())}])")


def _leaf_types(data):
    """The set of types of the leaves of nested lists/tuples (flattened level by level, at C speed)."""
    types, level = set(), data
    while level:
        ts = set(map(type, level))
        seqs = {t for t in ts if t is list or t is tuple}
        if np.ndarray in ts:  # arrays (and tensors, as arrays by now) count with their dtype
            ts = (ts - {np.ndarray}) | {x.dtype.type for x in level if type(x) is np.ndarray}
        types |= ts - seqs
        if not seqs:
            break
        level = list(itertools.chain.from_iterable(x for x in level if type(x) in seqs))
    return types


def _scalar_types_dtype(data, kind):
    """PyTorch's dtype for nested sequences of floats: Python floats count as the default dtype, Python ints
    as int64, NumPy scalars as their own dtype (``[np.float64(1.5)]`` is float64, ``[np.float16(1), 2]`` float16),
    promoted together."""
    default = backend.get_default_dtype()
    types = _leaf_types(data)
    if not any(issubclass(t, np.generic) for t in types):
        return default if kind == "f" else default.to_complex()
    dt = None
    for t in types:
        if issubclass(t, np.generic):
            d = backend._BY_NP.get(np.dtype(t), default)
        elif issubclass(t, bool):
            d = backend.bool
        elif issubclass(t, int):
            d = backend.int64
        elif issubclass(t, builtins.complex):
            d = default.to_complex()
        else:
            d = default
        dt = d if dt is None else backend.promote_types(dt, d)
    return dt or default


def _array_like(x):
    """An object NumPy should read through ``__array__`` rather than as a sequence (a tensor)."""
    return hasattr(type(x), "__array__") and not isinstance(x, (np.ndarray, np.generic))


def _flat_first(data):
    """The leading items of a nested sequence (enough to tell whether it holds tensors)."""
    while isinstance(data, (list, tuple)) and data:
        found = [x for x in data if _array_like(x)]
        if found:
            return found
        data = data[0]
    return [data]


def _array_likes_to_arrays(data):
    if _array_like(data):
        return np.asarray(data)
    if isinstance(data, (list, tuple)):
        return [_array_likes_to_arrays(x) for x in data]
    return data
