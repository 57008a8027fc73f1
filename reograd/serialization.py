"""``save`` and ``load``: checkpoints in a safe container format, never pickle.

A checkpoint is a zip archive holding ``reograd/manifest.json`` (the structure of the saved object:
dicts, lists, tuples, numbers, strings, ...) and one ``.npy`` file per tensor (``numpy.save`` with
``allow_pickle=False``). Loading reads JSON and plain arrays only: it never runs code from the file.
Writes to a path are atomic (a temporary file in the same folder, renamed over the target).

Supported values: tensors (Parameters come back as plain tensors, as with ``torch.load(weights_only=True)``),
NumPy arrays and scalars of numeric dtypes, None, bool, int, float, complex, str, bytes, dict, OrderedDict
(with its ``_metadata``, as module state dicts have), list, tuple, set, frozenset, ``reograd.Size``,
dtypes and devices. A tensor saved twice (the same object) is stored once and loaded as one object.
"""
from __future__ import annotations

import base64
import io
import json
import os
import tempfile
import zipfile
import zlib
from collections import OrderedDict

import numpy as np

from . import backend
from .autograd.tensor import Size, Tensor

__all__ = ["save", "load"]

_MANIFEST = "reograd/manifest.json"
_FORMAT = "reograd-checkpoint"
_VERSION = 1


# --------------------------------------------------------------------------------------
# save
# --------------------------------------------------------------------------------------
def _c_order(arr):
    """C-contiguous (``np.ascontiguousarray`` would turn a 0-d array into 1-d)."""
    return arr if arr.flags.c_contiguous else np.array(arr, order="C")


class _Encoder:
    def __init__(self):
        self.arrays = []  # (name, ndarray)
        self.memo = {}    # id(tensor) -> index into arrays
        self.keep = []    # keeps saved objects alive so ids stay unique
        self.array_memo = {}  # id(array) -> file name: tensors sharing one array share one file

    def array(self, arr):
        name = f"data/{len(self.arrays)}.npy"
        self.arrays.append((name, arr))
        return name

    def encode(self, obj, path):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int) and type(obj) is int:
            return obj
        if type(obj) is float:
            return {"t": "float", "v": repr(obj)} if not np.isfinite(obj) else obj
        if isinstance(obj, Tensor):
            key = id(obj)
            if key in self.memo:
                return {"t": "ref", "id": self.memo[key]}
            self.keep.append(obj)
            data = obj._data
            if id(data) in self.array_memo:  # another tensor over the same array: store it once
                fname = self.array_memo[id(data)]
                arr = data
            else:
                arr = obj._host()
                fname = self.array(_c_order(arr))
                self.array_memo[id(data)] = fname
            node = {"t": "tensor", "id": len(self.memo), "file": fname,
                    "dtype": obj.dtype.name, "shape": list(arr.shape), "requires_grad": bool(obj.requires_grad),
                    "device": str(obj.device)}
            self.memo[key] = node["id"]
            return node
        if isinstance(obj, np.ndarray) or isinstance(obj, np.generic):
            arr = np.asarray(obj)
            if arr.dtype.kind not in "biufc":
                raise TypeError(f"reograd.save: cannot save a NumPy array of dtype {arr.dtype} at {path} (only "
                                "numeric and bool dtypes)")
            return {"t": "ndarray" if isinstance(obj, np.ndarray) else "npscalar",
                    "file": self.array(_c_order(arr)), "dtype": arr.dtype.str, "shape": list(arr.shape)}
        if isinstance(obj, bool) or isinstance(obj, int):  # int subclasses (IntEnum...) as plain ints
            return int(obj)
        if isinstance(obj, float):
            return self.encode(float(obj), path)
        if isinstance(obj, complex):
            return {"t": "complex", "re": repr(obj.real), "im": repr(obj.imag)}
        if isinstance(obj, bytes):
            return {"t": "bytes", "v": base64.b64encode(obj).decode("ascii")}
        if isinstance(obj, backend.dtype):
            return {"t": "dtype", "v": obj.name}
        if isinstance(obj, backend.device):
            return {"t": "device", "v": str(obj)}
        if isinstance(obj, Size):
            return {"t": "size", "v": [int(s) for s in obj]}
        if isinstance(obj, dict) and type(obj) in (dict, OrderedDict):
            items = [[self.encode(k, f"{path} (a key)"), self.encode(v, f"{path}[{k!r}]")] for k, v in obj.items()]
            node = {"t": "odict" if isinstance(obj, OrderedDict) else "dict", "items": items}
            meta = getattr(obj, "_metadata", None)
            if meta is not None:
                node["metadata"] = self.encode(meta, f"{path}._metadata")
            return node
        if type(obj) in (list, tuple):
            return {"t": "list" if type(obj) is list else "tuple",
                    "items": [self.encode(v, f"{path}[{i}]") for i, v in enumerate(obj)]}
        if type(obj) in (set, frozenset):
            return {"t": type(obj).__name__, "items": [self.encode(v, f"{path} (an element)") for v in obj]}
        raise TypeError(f"reograd.save: cannot save an object of type {type(obj).__module__}.{type(obj).__qualname__} "
                        f"at {path}: reograd saves tensors, NumPy arrays, numbers, strings, bytes, None and "
                        "dicts/lists/tuples/sets of them (it never pickles arbitrary objects); save its state_dict() "
                        "or convert it first")


def _write(obj, fileobj):
    enc = _Encoder()
    root = enc.encode(obj, "obj")
    manifest = {"format": _FORMAT, "version": _VERSION, "root": root,
                "tensors": [name for name, _ in enc.arrays]}
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        zf.writestr(_MANIFEST, json.dumps(manifest, allow_nan=False))
        for name, arr in enc.arrays:
            with zf.open(name, "w", force_zip64=arr.nbytes > 2 ** 31) as f:
                np.save(f, arr, allow_pickle=False)


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Save ``obj`` (a tensor, a state dict, an optimizer state dict, nested containers of them) to ``f``.

    Args:
        obj: what to save (see the module docstring for the supported types; others raise TypeError
            naming the type and where it sits, e.g. ``obj['model'][2]``).
        f: a path (str or os.PathLike; written atomically) or a writable binary file object.

    >>> reograd.save(model.state_dict(), "model.pt")
    """
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        folder = os.path.dirname(os.path.abspath(path))
        buf = io.BytesIO()
        _write(obj, buf)  # type errors surface before any file is touched
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(buf.getbuffer())
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise
    else:
        if not hasattr(f, "write"):
            raise TypeError(f"reograd.save: f should be a path or a writable binary file, got {type(f).__name__}")
        _write(obj, f)


# --------------------------------------------------------------------------------------
# load
# --------------------------------------------------------------------------------------
class _Corrupt(Exception):
    pass


def _target_device(map_location, saved):
    if map_location is None:
        dev = backend.as_device(saved)
    elif isinstance(map_location, dict):
        dev = backend.as_device(map_location.get(saved, saved))
    elif isinstance(map_location, (str, backend.device)):
        dev = backend.as_device(map_location)
    else:
        return None  # a callable: applied to the tensor afterwards
    if dev.type == "cuda" and backend.cupy_module() is None:
        raise RuntimeError("Attempting to deserialize object on a CUDA device but CUDA is not available. If you are "
                           "running on a CPU-only machine, please use reograd.load with "
                           "map_location=reograd.device('cpu') to map your storages to the CPU.")
    return dev


class _Decoder:
    def __init__(self, zf, map_location):
        self.zf = zf
        self.map_location = map_location
        self.tensors = {}
        self.arrays = {}

    def array(self, node, dtype):
        name = node["file"]
        arr = self.arrays.get(name)
        if arr is None:
            with self.zf.open(name) as f:
                arr = np.load(io.BytesIO(f.read()), allow_pickle=False)
            self.arrays[name] = arr
        if arr.dtype != dtype or list(arr.shape) != list(node["shape"]):
            raise _Corrupt(f"{name} holds {arr.dtype} {arr.shape}, the manifest says {dtype} {tuple(node['shape'])}")
        return arr

    def decode(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            raise _Corrupt("unexpected list node in the manifest")
        t = node["t"]
        if t == "tensor":
            arr = self.array(node, backend._dtype_by_name(node["dtype"]).np)
            tensor = Tensor._make(arr)
            dev = _target_device(self.map_location, node.get("device", "cpu"))
            if dev is not None and dev.type != "cpu":
                tensor = tensor.to(dev)
            elif dev is None and callable(self.map_location):
                mapped = self.map_location(tensor, node.get("device", "cpu"))
                tensor = mapped if isinstance(mapped, Tensor) else tensor
            if node["requires_grad"]:
                tensor.requires_grad_(True)
            self.tensors[node["id"]] = tensor
            return tensor
        if t == "ref":
            return self.tensors[node["id"]]
        if t == "ndarray":
            return self.array(node, np.dtype(node["dtype"]))
        if t == "npscalar":
            return self.array(node, np.dtype(node["dtype"]))[()]
        if t == "float":
            return float(node["v"])
        if t == "complex":
            return complex(float(node["re"]), float(node["im"]))
        if t == "bytes":
            return base64.b64decode(node["v"].encode("ascii"), validate=True)
        if t == "dtype":
            return backend._dtype_by_name(node["v"])
        if t == "device":
            return backend.device(node["v"])
        if t == "size":
            return Size(int(s) for s in node["v"])
        if t in ("dict", "odict"):
            out = OrderedDict() if t == "odict" else {}
            for k, v in node["items"]:
                out[self.decode(k)] = self.decode(v)
            if "metadata" in node:
                out._metadata = self.decode(node["metadata"])
            return out
        if t == "list":
            return [self.decode(v) for v in node["items"]]
        if t == "tuple":
            return tuple(self.decode(v) for v in node["items"])
        if t == "set":
            return {self.decode(v) for v in node["items"]}
        if t == "frozenset":
            return frozenset(self.decode(v) for v in node["items"])
        raise _Corrupt(f"unknown node type {t!r} in the manifest")


def _read(fileobj, map_location):
    with zipfile.ZipFile(fileobj) as zf:
        names = zf.namelist()
        if _MANIFEST not in names:
            hint = " (it looks like a PyTorch checkpoint, which reograd does not unpickle)" if any(
                n.endswith("data.pkl") for n in names) else ""
            raise _Corrupt(f"no {_MANIFEST} in the archive{hint}")
        manifest = json.loads(zf.read(_MANIFEST).decode("utf-8"))
        if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT:
            raise _Corrupt("the manifest is not a reograd checkpoint manifest")
        if manifest.get("version", 0) > _VERSION:
            raise _Corrupt(f"format version {manifest.get('version')} is newer than this reograd reads ({_VERSION})")
        return _Decoder(zf, map_location).decode(manifest["root"])


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, **pickle_load_args):
    """Load an object saved with ``reograd.save`` from ``f`` (a path or a readable binary file).

    Args:
        map_location: where to put tensors: a device or string (``'cpu'``), a dict mapping saved
            device strings to devices, or a function ``(tensor, saved_location) -> tensor``.
        weights_only: accepted for PyTorch compatibility; loading is always safe (no pickle).

    Raises RuntimeError naming the file when it is not a reograd checkpoint or is corrupt or truncated.
    """
    name = os.fspath(f) if isinstance(f, (str, os.PathLike)) else getattr(f, "name", repr(f))
    try:
        if isinstance(f, (str, os.PathLike)):
            with open(f, "rb") as fh:
                return _read(fh, map_location)
        return _read(f, map_location)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except (_Corrupt, zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, ValueError, TypeError, IndexError,
            EOFError, OSError, UnicodeDecodeError, zlib.error, NotImplementedError, AttributeError) as e:
        raise RuntimeError(f"reograd.load: {name} is not a reograd checkpoint or is corrupt: "
                           f"{type(e).__name__}: {e}") from None
