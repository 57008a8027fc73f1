"""PyTorch storages in a checkpoint, and the tensors a pickle rebuilds on them.

A PyTorch file stores each storage (a flat buffer) once; tensors are views into a storage, given by an
element offset, a size and strides. Here a ``Storage`` holds the buffer's raw bytes; ``typed`` gives the
flat reograd array of one element type over them (a view for reograd's own dtypes, a widened copy for
bfloat16/float8/uint16...), placed where ``map_location`` says, once per storage. ``Rebuilder`` holds
PyTorch's tensor rebuild functions (``torch._utils._rebuild_tensor_v2`` and friends), which the
restricted unpickler offers under their PyTorch names. Every view is bounds-checked against its
storage before it is made, so a hostile offset or stride cannot reach outside the buffer.
"""
from __future__ import annotations

import math
from collections import Counter

import numpy as np

from .. import backend
from ..autograd.tensor import Size, Tensor
from ._errors import Corrupt, Unsupported, UserCodeError
from .devices import target_device
from .dtypes import TORCH_DTYPES, decode

__all__ = ["Storage", "StorageType", "TorchDtype", "Rebuilder", "TENSOR", "PARAMETER"]


class StorageType:
    """A storage class named in a pickle (``torch.FloatStorage``, ``torch.storage.UntypedStorage``...)."""

    __slots__ = ("name", "etype")

    def __init__(self, name, etype):
        self.name, self.etype = name, etype

    def __repr__(self):
        return f"torch.{self.name}"


class TorchDtype:
    """A PyTorch dtype reograd has no counterpart for (``torch.bfloat16``...), as a pickle names it."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"torch.{self.name} (no reograd dtype; its tensors load as {TORCH_DTYPES[self.name].target})"


class _TypeMarker:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


TENSOR = _TypeMarker("torch.Tensor")
PARAMETER = _TypeMarker("torch.nn.parameter.Parameter")


class Storage:
    """One saved storage: ``raw`` (a flat uint8 array of its bytes, as in the file), its element type,
    the location it was saved from and the file's byte order."""

    __slots__ = ("key", "etype", "raw", "location", "big_endian", "_typed")

    def __init__(self, key, etype, raw, location, big_endian=False):
        self.key, self.etype, self.raw, self.location, self.big_endian = key, etype, raw, location, big_endian
        self._typed = {}

    def __repr__(self):
        return f"<PyTorch storage {self.key!r}: {self.raw.nbytes} bytes of {self.etype.name}>"

    def typed(self, etype, ctx):
        """The flat array of ``etype`` elements over these bytes (made once per element type)."""
        arr = self._typed.get(etype.name)
        if arr is None:
            arr = ctx.place(self, self._decode(etype, ctx))
            self._typed[etype.name] = arr
        return arr

    def _decode(self, etype, ctx):
        if self.raw.nbytes % etype.itemsize:
            raise Corrupt(f"storage {self.key} holds {self.raw.nbytes} bytes, not a whole number of "
                          f"{etype.name} elements")
        file_dtype = np.dtype(etype.raw).newbyteorder(">" if self.big_endian else "<")
        arr = self.raw.view(file_dtype)
        native = file_dtype.newbyteorder("=")
        if file_dtype != native:
            arr = arr.astype(native)
        try:
            out = decode(arr, etype)
        except ValueError as e:
            raise Unsupported(f"storage {self.key}: {e}") from None
        if not etype.exact:
            ctx.converted[etype.name] += 1
        return out


def _ints(value, what):
    if isinstance(value, (tuple, list, Size)) and all(type(v) is int for v in value):
        return tuple(value)
    raise Corrupt(f"a tensor's {what} is {value!r}, not a tuple of ints")


class Rebuilder:
    """PyTorch's tensor rebuild functions over this file's storages (``collecting``: a first pass that only
    records the storages, for the legacy formats whose data follows the pickle)."""

    def __init__(self, map_location=None):
        self.map_location = map_location
        self.collecting = False
        self.converted = Counter()  # element type name -> storages widened to a reograd dtype

    # ---------------------------------------------------------------- placing storages
    def place(self, storage, arr):
        """``arr`` (a storage's flat array on the CPU) where ``map_location`` puts data saved at its location."""
        location = storage.location
        dev = target_device(self.map_location, location)
        if dev is None:
            try:
                mapped = self.map_location(Tensor._make(arr), location)
            except Exception as e:  # the caller's function: its own error
                raise UserCodeError(e) from None
            if mapped is None:
                dev = target_device(None, location)
            elif isinstance(mapped, Tensor) and tuple(mapped.shape) == arr.shape and mapped.dtype.np == arr.dtype:
                return mapped._array()
            else:
                raise UserCodeError(TypeError(
                    f"reograd.load: map_location returned {mapped!r} for a storage of {arr.shape[0]} "
                    f"{arr.dtype} elements; it should return that storage (as a 1-D tensor), moved or not, or None"))
        return arr if dev.type == "cpu" else backend.to_device_array(arr, dev)

    # ---------------------------------------------------------------- tensors
    def etype_of(self, dtype):
        name = getattr(dtype, "name", None)
        if isinstance(dtype, (backend.dtype, TorchDtype)) and name in TORCH_DTYPES:
            return TORCH_DTYPES[name]
        raise Corrupt(f"{dtype!r} is not a dtype")

    def tensor(self, storage, etype, offset, size, stride, requires_grad):
        """The tensor viewing ``storage`` at element ``offset`` with ``size`` and ``stride`` (both in elements)."""
        if self.collecting:
            return None
        if not isinstance(storage, Storage):
            raise Corrupt(f"a tensor is rebuilt on {type(storage).__name__}, not on a storage")
        if etype is None:
            etype = storage.etype
        if etype.name == "float4_e2m1fn_x2":
            raise Unsupported("it holds a torch.float4_e2m1fn_x2 tensor (packed 4-bit floats), which reograd has no "
                              "dtype for")
        size, stride = _ints(size, "size"), _ints(stride, "stride")
        if type(offset) is not int or offset < 0 or len(size) != len(stride) or min(size + stride, default=0) < 0:
            raise Corrupt(f"a tensor has an invalid layout: offset {offset!r}, size {size}, stride {stride}")
        if type(requires_grad) is not bool:
            raise Corrupt(f"a tensor's requires_grad is {requires_grad!r}")
        flat = storage.typed(etype, self)
        xp = backend.get_array_module(flat)
        numel = math.prod(size)
        if numel == 0:
            arr = xp.empty(size, dtype=flat.dtype)
        else:
            last = offset + sum((n - 1) * s for n, s in zip(size, stride))
            if last >= flat.shape[0]:
                raise Corrupt(f"a tensor of size {size} and stride {stride} at offset {offset} reaches element {last} "
                              f"of storage {storage.key}, which holds {flat.shape[0]}")
            contiguous = all(s == math.prod(size[i + 1:]) for i, s in enumerate(stride) if size[i] > 1)
            if contiguous:
                arr = flat[offset:offset + numel].reshape(size)
            else:
                arr = xp.lib.stride_tricks.as_strided(flat[offset:], shape=size,
                                                      strides=tuple(s * flat.itemsize for s in stride))
        t = Tensor._make(arr)
        if requires_grad:
            if not (t.dtype.is_floating_point or t.dtype.is_complex):
                raise Corrupt(f"a {t.dtype.name} tensor is marked requires_grad")
            t.requires_grad_(True)
        return t

    def rebuild_tensor(self, storage, storage_offset, size, stride):
        return self.tensor(storage, None, storage_offset, size, stride, False)

    def rebuild_tensor_v2(self, storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                          metadata=None):
        return self.tensor(storage, None, storage_offset, size, stride, requires_grad)

    def rebuild_tensor_v3(self, storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype,
                          metadata=None):
        return self.tensor(storage, self.etype_of(dtype), storage_offset, size, stride, requires_grad)

    def rebuild_parameter(self, data, requires_grad, backward_hooks=None):
        """A Parameter comes back as a tensor with its ``requires_grad`` (as reograd's own format loads it)."""
        if self.collecting:
            return None
        if not isinstance(data, Tensor) or type(requires_grad) is not bool:
            raise Corrupt("a Parameter is rebuilt from something other than a tensor and a bool")
        if requires_grad and (data.dtype.is_floating_point or data.dtype.is_complex):
            data.requires_grad_(True)
        return data

    def rebuild_parameter_with_state(self, data, requires_grad, backward_hooks, state):
        t = self.rebuild_parameter(data, requires_grad, backward_hooks)
        if t is not None:
            self.set_state(t, state)
        return t

    def rebuild_device_tensor_from_cpu_tensor(self, data, dtype, device, requires_grad):
        if self.collecting:
            return None
        if not isinstance(data, Tensor):
            raise Corrupt("a device tensor is rebuilt from something other than a tensor")
        if requires_grad is True and data.dtype.is_floating_point:
            data.requires_grad_(True)
        return data

    def set_state(self, t, state):
        """Attributes a tensor carried (``t.__dict__`` in PyTorch): set, except names Tensor itself uses."""
        if state is None:
            return
        if isinstance(state, tuple) and len(state) == 2 and state[1] is None:
            state = state[0]
        if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
            raise Corrupt(f"a tensor's saved attributes are {type(state).__name__}, not a dict of names")
        for k, v in state.items():
            if not k.startswith("__") and not hasattr(Tensor, k):
                setattr(t, k, v)

