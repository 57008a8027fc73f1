"""Checking and normalising op arguments: tensors, shapes, broadcasting errors that name the op."""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd.tensor import Tensor


def shape_of(x):
    return x.shape if hasattr(x, "shape") else ()


def broadcast_error(op, a, b):
    sa, sb = tuple(shape_of(a)), tuple(shape_of(b))
    for i in range(1, max(len(sa), len(sb)) + 1):
        x = sa[-i] if i <= len(sa) else 1
        y = sb[-i] if i <= len(sb) else 1
        if x != y and x != 1 and y != 1:
            d = max(len(sa), len(sb)) - i
            return RuntimeError(f"{op}: the size of tensor a ({x}) must match the size of tensor b ({y}) at "
                                f"non-singleton dimension {d} (shapes {list(sa)} and {list(sb)})")
    return RuntimeError(f"{op}: shapes {list(sa)} and {list(sb)} cannot be broadcast together")


def apply_binary(fn_cls, op, a, b, *extra, **kw):
    """``fn_cls.apply(a, b, ...)`` with a broadcasting failure turned into an error naming the op."""
    try:
        return fn_cls.apply(a, b, *extra, **kw)
    except ValueError as e:
        if "broadcast" in str(e):
            raise broadcast_error(op, a, b) from None
        raise


def xp_of(a):
    """The array module of ``a``: NumPy for NumPy arrays and scalars, CuPy for CuPy arrays (Chainer's ``xp``)."""
    return backend.get_array_module(a)


def const(arr, like=None):
    """A constant (no-grad) Tensor wrapping the array ``arr`` (cast to ``like``'s dtype when given: masks)."""
    if like is not None and arr.dtype != like.dtype:
        arr = arr.astype(like.dtype)
    return Tensor._make(arr)


def as_arr(xp, y):
    """NumPy ufuncs turn 0-d results into scalars; ops must return (and save) arrays."""
    return y if backend.is_array(y) else xp.asarray(y)


def check_tensor(op, x, argname="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{argname}' (position 1) must be Tensor, not {type(x).__name__}")


def no_bool(op, x, what=None):
    if x._data.dtype == np.bool_:
        raise NotImplementedError(what or f"\"{op}_cpu\" not implemented for 'Bool'")


def no_int(op, x):
    """PyTorch implements some float ops (frac, hypot, round(decimals)) for floating dtypes only."""
    k = x._data.dtype.kind
    if k not in "fc":
        name = {"b": "Bool", "u": "Byte", "i": {1: "Char", 2: "Short", 4: "Int", 8: "Long"}}[k]
        name = name if isinstance(name, str) else name[x._data.dtype.itemsize]
        raise NotImplementedError(f"\"{op}_cpu\" not implemented for '{name}'")
