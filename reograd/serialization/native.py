"""reograd's own checkpoint format: a zip of a JSON manifest and ``.npy`` arrays, never pickle.

A checkpoint holds ``reograd/manifest.json`` (the structure of the saved object: dicts, lists, tuples,
numbers, strings, ...) and one ``.npy`` member per array (NumPy's format, no pickled objects). Loading
reads JSON and plain arrays only, so it never runs code from the file.

Supported values: tensors (Parameters come back as plain tensors), NumPy arrays and scalars of numeric
dtypes, None, bool, int, float, complex, str, bytes, dict, OrderedDict (with its ``_metadata``, as
module state dicts have), list, tuple, set, frozenset, ``reograd.Size``, dtypes and devices. A tensor
saved twice (the same object) is stored once and loaded as one object; tensors over one array share
one member.

A hostile or damaged file is refused before anything is allocated for it: containers nested deeper
than ``MAX_DEPTH``, an ``.npy`` header whose shape does not match its member's size or the manifest,
compressed members, unknown node types all raise ``Corrupt``.
"""
from __future__ import annotations

import base64
import io
import json
import math
from collections import OrderedDict

import numpy as np

from .. import backend
from ..autograd.tensor import Size, Tensor
from ._errors import MAX_DEPTH, Corrupt, UserCodeError
from ._zip import byte_view
from .devices import place

__all__ = ["MANIFEST", "prepare", "read"]

MANIFEST = "reograd/manifest.json"
_FORMAT = "reograd-checkpoint"
_VERSION = 1
_NPY_HEADER_MAX = 1 << 16


def _too_deep(path):
    return ValueError(f"reograd.save: {path} nests containers more than {MAX_DEPTH} levels deep; "
                      "flatten the structure before saving")


# --------------------------------------------------------------------------------------
# save
# --------------------------------------------------------------------------------------
class _Encoder:
    """Turns an object into the manifest's JSON tree, collecting the arrays to store."""

    def __init__(self):
        self.arrays = []      # (member name, ndarray)
        self.memo = {}        # id(tensor) -> its id in the manifest
        self.keep = []        # keeps saved objects alive so ids stay unique
        self.array_memo = {}  # id(array) -> member name: tensors over one array share one member

    def array(self, arr):
        name = f"data/{len(self.arrays)}.npy"
        self.arrays.append((name, arr))
        return name

    def encode(self, obj, path, depth=0):
        if depth > MAX_DEPTH:
            raise _too_deep(path)
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if type(obj) is int:
            return obj
        if type(obj) is float:
            return {"t": "float", "v": repr(obj)} if not math.isfinite(obj) else obj
        if isinstance(obj, Tensor):
            return self.tensor(obj)
        if isinstance(obj, (np.ndarray, np.generic)):
            arr = np.asarray(obj)
            if arr.dtype.kind not in "biufc":
                raise TypeError(f"reograd.save: cannot save a NumPy array of dtype {arr.dtype} at {path} (only "
                                "numeric and bool dtypes)")
            return {"t": "ndarray" if isinstance(obj, np.ndarray) else "npscalar",
                    "file": self.array(arr), "dtype": arr.dtype.str, "shape": list(arr.shape)}
        if isinstance(obj, int):  # bool handled above; int subclasses (IntEnum...) as plain ints
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
        if type(obj) in (dict, OrderedDict):
            items = [[self.encode(k, f"{path} (a key)", depth + 1), self.encode(v, f"{path}[{k!r}]", depth + 1)]
                     for k, v in obj.items()]
            node = {"t": "odict" if isinstance(obj, OrderedDict) else "dict", "items": items}
            meta = getattr(obj, "_metadata", None)
            if meta is not None:
                node["metadata"] = self.encode(meta, f"{path}._metadata", depth + 1)
            return node
        if type(obj) in (list, tuple):
            return {"t": "list" if type(obj) is list else "tuple",
                    "items": [self.encode(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(obj)]}
        if type(obj) in (set, frozenset):
            return {"t": type(obj).__name__, "items": [self.encode(v, f"{path} (an element)", depth + 1) for v in obj]}
        raise TypeError(f"reograd.save: cannot save an object of type {type(obj).__module__}.{type(obj).__qualname__} "
                        f"at {path}: reograd saves tensors, NumPy arrays, numbers, strings, bytes, None and "
                        "dicts/lists/tuples/sets of them (it never pickles arbitrary objects); save its state_dict() "
                        "or convert it first")

    def tensor(self, obj):
        key = id(obj)
        if key in self.memo:
            return {"t": "ref", "id": self.memo[key]}
        self.keep.append(obj)
        data = obj._array()
        fname = self.array_memo.get(id(data))
        if fname is None:  # another tensor over the same array is stored once
            fname = self.array(obj._host())
            self.array_memo[id(data)] = fname
        node = {"t": "tensor", "id": len(self.memo), "file": fname, "dtype": obj.dtype.name,
                "shape": list(data.shape), "requires_grad": bool(obj.requires_grad), "device": str(obj.device)}
        self.memo[key] = node["id"]
        return node


def manifest(obj):
    """``(manifest bytes, [(member name, array)])`` for ``obj``; raises TypeError/ValueError before any write."""
    enc = _Encoder()
    root = enc.encode(obj, "obj")
    doc = {"format": _FORMAT, "version": _VERSION, "root": root, "tensors": [name for name, _ in enc.arrays]}
    return json.dumps(doc, allow_nan=False).encode("utf-8"), enc.arrays


def _npy_header(arr):
    """The ``.npy`` header (version 1.0 or 2.0, padded so the data is 64-byte aligned) of a C-order array."""
    d = {"descr": np.lib.format.dtype_to_descr(arr.dtype), "fortran_order": False, "shape": arr.shape}
    buf = io.BytesIO()
    try:
        np.lib.format.write_array_header_1_0(buf, d)
    except ValueError:  # a header over 64 KiB (a very long shape)
        buf = io.BytesIO()
        np.lib.format.write_array_header_2_0(buf, d)
    return buf.getvalue()


def prepare(obj):
    """Encode ``obj`` (type errors surface here, before any file is touched); returns ``write(zip_writer)``,
    which writes the manifest, then streams each array into its member."""
    data, arrays = manifest(obj)

    def write(writer):
        writer.write_bytes(MANIFEST, data)
        for name, arr in arrays:
            writer.write_array(name, arr, head=_npy_header(arr))
    return write


# --------------------------------------------------------------------------------------
# load
# --------------------------------------------------------------------------------------
def _expect(cond, what):
    if not cond:
        raise Corrupt(f"the manifest is malformed: {what}")


class _Decoder:
    """Rebuilds the saved object from the manifest's tree, reading each array member once."""

    def __init__(self, zr, map_location, mmap):
        self.zr, self.map_location, self.mmap = zr, map_location, mmap
        self.tensors = {}
        self.arrays = {}

    def array(self, node, dtype):
        name = node.get("file")
        _expect(isinstance(name, str) and name in self.zr.members, f"array member {name!r} not in the archive")
        shape = node.get("shape")
        _expect(isinstance(shape, list) and all(type(s) is int and s >= 0 for s in shape),
                f"bad shape {shape!r} for {name}")
        arr = self.arrays.get(name)
        if arr is None:
            arr = self.read_npy(name)
            self.arrays[name] = arr
        if arr.dtype != dtype or list(arr.shape) != shape:
            raise Corrupt(f"{name} holds {arr.dtype} {arr.shape}, the manifest says {dtype} {tuple(shape)}")
        return arr

    def read_npy(self, name):
        """Member ``name`` as an array: its header checked against the member's size before allocating."""
        reader = self.zr.open(name)
        head = reader.read(min(reader.remaining, _NPY_HEADER_MAX))
        stream = io.BytesIO(head)
        try:
            version = np.lib.format.read_magic(stream)
            read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                           (2, 0): np.lib.format.read_array_header_2_0}.get(version)
            if read_header is None:
                raise Corrupt(f"{name} is an .npy file of version {version}, which reograd does not read")
            shape, fortran, dtype = read_header(stream, max_header_size=_NPY_HEADER_MAX)
        except Corrupt:
            raise
        except Exception as e:  # NumPy parses the header's Python literal: any failure means a damaged header
            raise Corrupt(f"{name} has no valid .npy header ({type(e).__name__}: {e})") from None
        if dtype.hasobject or dtype.kind not in "biufc" or dtype.subdtype is not None:
            raise Corrupt(f"{name} holds arrays of dtype {dtype}; checkpoints hold numeric arrays only")
        consumed = stream.tell()
        nbytes = math.prod(shape) * dtype.itemsize
        data_bytes = len(head) - consumed + reader.remaining
        if nbytes != data_bytes:
            raise Corrupt(f"{name}'s header says {dtype} {shape} ({nbytes} bytes), but the member holds {data_bytes} "
                          "bytes of data")
        order = "F" if fortran else "C"
        native = dtype.newbyteorder("=")
        if self.mmap and native == dtype:
            return self.zr.memmap(name, dtype, shape, skip=consumed, order=order)
        arr = np.empty(shape, dtype=dtype, order=order)
        view = byte_view(arr)
        have = len(head) - consumed
        view[:have] = head[consumed:consumed + have]
        reader.readinto(view[have:])
        reader.finish()
        if native != dtype:  # written on a machine of the other byte order
            arr = arr.byteswap(inplace=True).view(native)
        return arr

    def decode(self, node, depth=0):
        if depth > MAX_DEPTH:
            raise Corrupt(f"the manifest nests containers more than {MAX_DEPTH} levels deep")
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        _expect(isinstance(node, dict), f"unexpected {type(node).__name__} node")
        t = node.get("t")
        if t == "tensor":
            return self.tensor(node)
        if t == "ref":
            _expect(node.get("id") in self.tensors, f"reference to unknown tensor {node.get('id')!r}")
            return self.tensors[node["id"]]
        if t in ("ndarray", "npscalar"):
            try:
                dt = np.dtype(node["dtype"])
            except (TypeError, ValueError, KeyError):
                raise Corrupt(f"the manifest is malformed: bad NumPy dtype {node.get('dtype')!r}") from None
            _expect(dt.kind in "biufc" and not dt.hasobject, f"NumPy dtype {dt} is not numeric")
            arr = self.array(node, dt)
            return arr if t == "ndarray" else arr[()]
        if t == "float":
            return float(node["v"])
        if t == "complex":
            return complex(float(node["re"]), float(node["im"]))
        if t == "bytes":
            return base64.b64decode(node["v"].encode("ascii"), validate=True)
        if t == "dtype":
            return self.dtype(node["v"])
        if t == "device":
            return backend.device(node["v"])
        if t == "size":
            _expect(isinstance(node["v"], list) and all(type(s) is int for s in node["v"]), "bad size")
            return Size(node["v"])
        items = node.get("items")
        _expect(t not in ("dict", "odict", "list", "tuple", "set", "frozenset") or isinstance(items, list),
                f"{t} node without a list of items")
        if t in ("dict", "odict"):
            out = OrderedDict() if t == "odict" else {}
            for pair in items:
                _expect(isinstance(pair, list) and len(pair) == 2, "dict item is not a [key, value] pair")
                out[self.decode(pair[0], depth + 1)] = self.decode(pair[1], depth + 1)
            if "metadata" in node:
                out._metadata = self.decode(node["metadata"], depth + 1)
            return out
        if t == "list":
            return [self.decode(v, depth + 1) for v in items]
        if t == "tuple":
            return tuple(self.decode(v, depth + 1) for v in items)
        if t == "set":
            return {self.decode(v, depth + 1) for v in items}
        if t == "frozenset":
            return frozenset(self.decode(v, depth + 1) for v in items)
        raise Corrupt(f"unknown node type {t!r} in the manifest")

    @staticmethod
    def dtype(name):
        try:
            return backend._dtype_by_name(name)
        except (KeyError, TypeError):
            raise Corrupt(f"the manifest is malformed: unknown dtype {name!r}") from None

    def tensor(self, node):
        dtype = self.dtype(node.get("dtype"))
        arr = self.array(node, dtype.np)
        tensor = Tensor._make(arr)
        saved = node.get("device", "cpu")
        _expect(isinstance(saved, str), "bad device")
        tensor = place(tensor, saved, self.map_location)
        if node.get("requires_grad"):
            _expect(dtype.is_floating_point or dtype.is_complex, f"requires_grad on a {dtype.name} tensor")
            tensor.requires_grad_(True)
        _expect(node.get("id") not in self.tensors, f"tensor id {node.get('id')!r} used twice")
        self.tensors[node.get("id")] = tensor
        return tensor


def read(zr, map_location=None, mmap=False):
    """The object stored in the ``ZipReader`` ``zr`` (a reograd checkpoint)."""
    raw = zr.read_bytes(MANIFEST)
    try:
        doc = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise Corrupt("the manifest nests too deeply to parse") from None
    except ValueError as e:
        raise Corrupt(f"the manifest is not valid JSON ({e})") from None
    if not isinstance(doc, dict) or doc.get("format") != _FORMAT:
        raise Corrupt("the manifest is not a reograd checkpoint manifest")
    version = doc.get("version", 0)
    if not isinstance(version, int) or version > _VERSION:
        raise Corrupt(f"format version {version!r} is newer than this reograd reads ({_VERSION})")
    try:
        return _Decoder(zr, map_location, mmap).decode(doc.get("root"))
    except UserCodeError:
        raise
    except RecursionError:
        raise Corrupt("the manifest nests too deeply") from None
