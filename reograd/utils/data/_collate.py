"""``default_collate`` and ``default_convert``: how a DataLoader turns samples into batches.

They follow ``torch.utils.data.default_collate`` case by case: tensors are stacked, NumPy arrays
and NumPy scalars become tensors, Python floats a float64 tensor, ints (and bools) an int64 (bool)
tensor, strings and bytes stay a list, and mappings, named tuples and sequences are collated
field by field (a tuple of fields comes back as a *list*, as in PyTorch).
"""
from __future__ import annotations

import collections.abc
import copy
import re

import numpy as np

from ... import backend
from ...autograd.tensor import Tensor

__all__ = ["default_collate", "default_convert"]

_np_str_obj = re.compile(r"[SaUO]")
_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _as_tensor_array(arr):
    """A NumPy array as a Tensor, sharing memory (checks that reograd has the dtype)."""
    backend.from_numpy_dtype(arr.dtype)
    return Tensor._make(arr)


def _stack_tensors(batch):
    if any(t._requires_grad for t in batch):  # keep the graph: use the differentiable op
        import reograd  # noqa: PLC0415

        stack = getattr(reograd, "stack", None)
        if stack is not None:
            return stack(batch, 0)
    shape0 = batch[0]._data.shape
    for t in batch:
        if t._data.shape != shape0:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shape0)} at entry 0 "
                               f"and {list(t._data.shape)} at another entry (default_collate)")
    xp = backend.get_array_module(batch[0]._data)
    return Tensor._make(xp.stack([t._data for t in batch], 0))


def default_collate(batch):
    """Stack a list of samples into a batch, exactly as ``torch.utils.data.default_collate``.

    * Tensor -> ``stack(batch, 0)`` (a new leading batch dimension)
    * NumPy array -> tensor, then stacked; NumPy scalar -> 1-D tensor
    * float -> float64 tensor; int -> int64 tensor; bool -> bool tensor
    * str / bytes -> the list unchanged
    * Mapping -> same mapping type with each key collated
    * namedtuple -> same namedtuple type with each field collated
    * tuple / list -> a list (tuple) / list of collated fields; all samples must have the same length

    >>> default_collate([(reograd.tensor([1., 2.]), 0), (reograd.tensor([3., 4.]), 1)])
    [tensor([[1., 2.], [3., 4.]]), tensor([0, 1])]
    """
    elem = batch[0]
    elem_type = type(elem)
    if isinstance(elem, Tensor):
        return _stack_tensors(batch)
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_", "bytes_"):
        if elem_type.__name__ in ("ndarray", "memmap"):
            if _np_str_obj.search(elem.dtype.str) is not None:
                raise TypeError(_ERR.format(elem.dtype))
            return default_collate([_as_tensor_array(np.asarray(b)) for b in batch])
        if elem.shape == ():  # NumPy scalar
            arr = np.asarray(batch)
            if _np_str_obj.search(arr.dtype.str) is not None:
                raise TypeError(_ERR.format(arr.dtype))
            return _as_tensor_array(arr)
    if isinstance(elem, float):
        return Tensor._make(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, bool) and all(isinstance(b, bool) for b in batch):
        return Tensor._make(np.asarray(batch, dtype=np.bool_))
    if isinstance(elem, int):
        return Tensor._make(np.asarray(batch, dtype=np.int64))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        if isinstance(elem, collections.abc.MutableMapping):
            clone = copy.copy(elem)
            clone.update({key: default_collate([d[key] for d in batch]) for key in elem})
            return clone
        try:
            return elem_type({key: default_collate([d[key] for d in batch]) for key in elem})
        except TypeError:
            return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        elem_size = len(next(it))
        if not all(len(e) == elem_size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [default_collate(samples) for samples in transposed]
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, samples in enumerate(transposed):
                    clone[i] = default_collate(samples)
                return clone
            return elem_type([default_collate(samples) for samples in transposed])
        except TypeError:
            return [default_collate(samples) for samples in transposed]
    raise TypeError(_ERR.format(elem_type))


def default_convert(data):
    """Convert NumPy arrays in ``data`` to tensors without adding a batch dimension
    (``torch.utils.data.default_convert``: the collate function used when ``batch_size=None``)."""
    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_", "bytes_"):
        if elem_type.__name__ == "ndarray" and _np_str_obj.search(data.dtype.str) is not None:
            return data
        try:
            return _as_tensor_array(np.asarray(data))
        except TypeError:
            return data
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({key: default_convert(data[key]) for key in data})
                return clone
            return elem_type({key: default_convert(data[key]) for key in data})
        except TypeError:
            return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return elem_type([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
