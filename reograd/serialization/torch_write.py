"""Writing PyTorch's zip checkpoint format, readable by ``torch.load(f, weights_only=True)``.

The object is written as a protocol-2 pickle by a small writer of our own (it names PyTorch's rebuild
functions and storage classes, which need no PyTorch here), using only globals on PyTorch's
``weights_only`` allow-list. Each tensor becomes a ``_rebuild_tensor_v2`` call on a storage: tensors that
view one NumPy buffer share one storage (offset and strides in elements, as PyTorch's views), so they
load in PyTorch as views sharing memory. A storage is the whole buffer its tensors view, as ``torch.save``
writes whole storages. Storages are streamed into the archive, 64-byte aligned, in native byte order
with the ``byteorder`` record.
"""
from __future__ import annotations

import hashlib
import io
import math
import struct
import sys
from collections import OrderedDict

import numpy as np

from .. import backend
from ..autograd.tensor import Size, Tensor
from ._errors import MAX_DEPTH
from .dtypes import TORCH_STORAGES

__all__ = ["prepare"]

_STORAGE_OF = {dtype: cls for cls, dtype in TORCH_STORAGES.items()}
_ARCHIVE = "archive/"


def _root(arr):
    """The NumPy array that owns (or first wraps) the memory ``arr`` views, through ``as_strided``'s wrappers."""
    while True:
        base = arr.base
        if isinstance(base, np.ndarray):
            arr = base
        elif isinstance(getattr(base, "base", None), np.ndarray) and hasattr(base, "__array_interface__"):
            arr = base.base  # np.lib.stride_tricks.DummyArray
        else:
            return arr


class _Storages:
    """The storages of the saved tensors: ``layout(array)`` gives a tensor's storage key, offset and strides."""

    def __init__(self):
        self.by_root = {}  # (id(root), dtype) -> key
        self.entries = []  # (key, storage class, numel, flat C-contiguous array of its elements)
        self.keep = []

    def _new(self, flat, dtype_name):
        key = str(len(self.entries))
        self.entries.append((key, _STORAGE_OF[dtype_name], flat.size, flat))
        return key

    def layout(self, arr, dtype_name):
        """``(key, numel, offset, strides)`` of the storage holding ``arr`` (a host array)."""
        item = arr.itemsize
        root = _root(arr)
        ptr = arr.__array_interface__["data"][0]
        contiguous_root = root.flags.c_contiguous or root.flags.f_contiguous
        shareable = (arr.size > 0 and root.dtype.kind in "biufc" and contiguous_root and root.nbytes % item == 0
                     and all(s >= 0 and s % item == 0 for s in arr.strides))
        if shareable:
            lo = root.__array_interface__["data"][0]
            shareable = (ptr - lo) % item == 0
        if not shareable:  # its own storage: the elements in C order
            flat = np.ascontiguousarray(arr).reshape(-1)
            return self._new(flat, dtype_name), flat.size, 0, _c_strides(arr.shape)
        group = (id(root), arr.dtype.str)
        key = self.by_root.get(group)
        if key is None:
            self.keep.append(root)
            flat = root.reshape(-1, order="F" if root.flags.f_contiguous and not root.flags.c_contiguous else "C")
            key = self.by_root[group] = self._new(flat.view(arr.dtype), dtype_name)
        numel = self.entries[int(key)][2]
        return key, numel, (ptr - lo) // item, tuple(s // item for s in arr.strides)


def _c_strides(shape):
    return tuple(math.prod(shape[i + 1:]) for i in range(len(shape)))


class _Pickler:
    """Protocol-2 pickle of an object tree holding tensors (see the module docstring)."""

    def __init__(self):
        self.out = io.BytesIO()
        self.memo = {}  # id(obj) -> memo index (tensors and containers keep their identity)
        self.keep = []
        self.storages = _Storages()

    def op(self, code, payload=b""):
        self.out.write(code + payload)

    def put(self, obj):
        idx = self.memo[id(obj)] = len(self.memo)
        self.keep.append(obj)
        self.op(b"q", bytes([idx])) if idx < 256 else self.op(b"r", struct.pack("<I", idx))

    def get(self, obj):
        idx = self.memo[id(obj)]
        self.op(b"h", bytes([idx])) if idx < 256 else self.op(b"j", struct.pack("<I", idx))

    def glob(self, module, name):
        self.op(b"c", f"{module}\n{name}\n".encode("ascii"))

    def call(self, module, name, *args, path="", depth=0):
        self.glob(module, name)
        self.tuple(args, path, depth)
        self.op(b"R")

    def tuple(self, items, path, depth):
        if not items:
            return self.op(b")")
        if len(items) > 3:
            self.op(b"(")
        for i, v in enumerate(items):
            self.save(v, f"{path}[{i}]", depth + 1)
        self.op({1: b"\x85", 2: b"\x86", 3: b"\x87"}.get(len(items), b"t"))

    def save(self, obj, path, depth=0):
        if depth > MAX_DEPTH:
            raise ValueError(f"reograd.save: {path} nests containers more than {MAX_DEPTH} levels deep")
        if id(obj) in self.memo:
            return self.get(obj)
        if obj is None:
            return self.op(b"N")
        if obj is True or obj is False:
            return self.op(b"\x88" if obj else b"\x89")
        if isinstance(obj, int) and not isinstance(obj, bool):
            return self.int(int(obj))
        if isinstance(obj, float):
            return self.op(b"G", struct.pack(">d", obj))
        if isinstance(obj, str):
            data = obj.encode("utf-8", "surrogatepass")
            return self.op(b"X", struct.pack("<I", len(data)) + data)
        if isinstance(obj, bytes):
            return self.call("_codecs", "encode", obj.decode("latin1"), "latin1", path=path, depth=depth)
        if isinstance(obj, bytearray):
            return self.call("builtins", "bytearray", bytes(obj), path=path, depth=depth)
        if isinstance(obj, complex):
            return self.call("builtins", "complex", obj.real, obj.imag, path=path, depth=depth)
        if isinstance(obj, Tensor):
            return self.tensor(obj, path)
        if isinstance(obj, backend.dtype):
            return self.glob("torch", obj.name)
        if isinstance(obj, backend.device):
            return self.call("torch", "device", str(obj), path=path, depth=depth)
        if isinstance(obj, Size):
            return self.call("torch", "Size", tuple(int(s) for s in obj), path=path, depth=depth)
        if type(obj) is tuple:
            return self.tuple(obj, path, depth)
        if type(obj) is list:
            self.op(b"]")
            self.put(obj)
            return self.items(obj, [f"{path}[{i}]" for i in range(len(obj))], depth, b"e")
        if type(obj) in (dict, OrderedDict):
            if type(obj) is OrderedDict:
                self.call("collections", "OrderedDict", path=path, depth=depth)
            else:
                self.op(b"}")
            self.put(obj)
            self.items([x for kv in obj.items() for x in kv],
                       [p for k in obj for p in (f"{path} (a key)", f"{path}[{k!r}]")], depth, b"u")
            meta = getattr(obj, "_metadata", None)
            if type(obj) is OrderedDict and meta is not None:  # as PyTorch: the state dict's __dict__
                self.op(b"}")
                self.save("_metadata", path, depth + 1)
                self.save(meta, f"{path}._metadata", depth + 1)
                self.op(b"sb")
            return None
        if type(obj) is set:
            return self.call("builtins", "set", list(obj), path=path, depth=depth)
        if isinstance(obj, (np.ndarray, np.generic)):
            raise TypeError(f"reograd.save(format='torch'): {path} is a NumPy {type(obj).__name__}, which "
                            "torch.load(weights_only=True) refuses; convert it to a tensor (reograd.from_numpy) or "
                            "a Python number, or save in reograd's own format")
        raise TypeError(f"reograd.save(format='torch'): cannot save an object of type "
                        f"{type(obj).__module__}.{type(obj).__qualname__} at {path}: the format holds tensors, "
                        "numbers, strings, bytes, None, dtypes, devices, sizes and dicts/OrderedDicts/lists/tuples/"
                        "sets of them (what torch.load(weights_only=True) reads)")

    def int(self, v):
        if 0 <= v < 256:
            self.op(b"K", bytes([v]))
        elif 0 <= v < 65536:
            self.op(b"M", struct.pack("<H", v))
        elif -2 ** 31 <= v < 2 ** 31:
            self.op(b"J", struct.pack("<i", v))
        else:
            data = v.to_bytes((v.bit_length() + 8) // 8, "little", signed=True)
            self.op(b"\x8a", bytes([len(data)]) + data) if len(data) < 256 else \
                self.op(b"\x8b", struct.pack("<i", len(data)) + data)

    def items(self, values, paths, depth, code):
        for i in range(0, len(values), 1000):  # in batches, as pickle writes them
            self.op(b"(")
            for v, p in zip(values[i:i + 1000], paths[i:i + 1000]):
                self.save(v, p, depth + 1)
            self.op(code)

    def tensor(self, t, path):
        arr = t._host()
        if t.dtype.name not in _STORAGE_OF:
            raise TypeError(f"reograd.save(format='torch'): {path} has dtype {t.dtype}, which has no PyTorch storage")
        key, numel, offset, strides = self.storages.layout(arr, t.dtype.name)
        self.glob("torch._utils", "_rebuild_tensor_v2")
        self.op(b"(")
        self.op(b"(")
        self.save("storage", path)
        self.glob("torch", _STORAGE_OF[t.dtype.name])
        self.save(key, path)
        self.save("cpu" if t.device.type == "cpu" else str(t.device), path)
        self.int(numel)
        self.op(b"tQ")  # the persistent id tuple, as BINPERSID
        self.int(offset)
        self.tuple(tuple(int(s) for s in arr.shape), path, 0)
        self.tuple(strides, path, 0)
        self.op(b"\x88" if t.requires_grad else b"\x89")
        self.call("collections", "OrderedDict")  # backward hooks: none
        self.op(b"tR")
        self.put(t)


class _Payload:
    """A prepared PyTorch checkpoint: the pickle and the storages, written by ``write(zip_writer)``."""

    def __init__(self, pickle_bytes, storages):
        self.pickle_bytes, self.storages = pickle_bytes, storages

    def write(self, writer):
        writer.write_bytes(_ARCHIVE + "data.pkl", self.pickle_bytes)
        writer.write_bytes(_ARCHIVE + ".format_version", b"1")
        writer.write_bytes(_ARCHIVE + ".storage_alignment", b"64")
        writer.write_bytes(_ARCHIVE + "byteorder", sys.byteorder.encode("ascii"))
        for key, _cls, _numel, flat in self.storages.entries:
            writer.write_array(f"{_ARCHIVE}data/{key}", flat)
        writer.write_bytes(_ARCHIVE + "version", b"3\n")
        serial = str(int(hashlib.sha1(self.pickle_bytes).hexdigest(), 16))[:40].rjust(40, "0")
        writer.write_bytes(_ARCHIVE + ".data/serialization_id", serial.encode("ascii"))


def prepare(obj):
    """Pickle ``obj`` (type errors surface here, before any file is touched) into a ``_Payload``."""
    p = _Pickler()
    p.op(b"\x80\x02")
    p.save(obj, "obj")
    p.op(b".")
    return _Payload(p.out.getvalue(), p.storages)
