"""safetensors files, as the ``safetensors`` package's ``safetensors.torch`` API: ``save_file``,
``load_file``, ``save``, ``load``, ``safe_open`` (lazy loading by key, slices), ``save_model``,
``load_model``.

The format (https://github.com/huggingface/safetensors): an unsigned 64-bit little-endian header length
N, N bytes of JSON header ``{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]},
..., "__metadata__": {str: str}}`` (padded with spaces), then the tensors' bytes, little-endian and
C-ordered, back to back with no gaps (offsets relative to the end of the header). Nothing in a file is
ever executed: it is JSON and raw numbers.

Every dtype the format defines is read: reograd's own load as they are; BF16, the F8 formats and F4
load as float32, U16 as int32, U32 and U64 as int64 -- all exactly (see ``reograd.serialization.dtypes``),
with a warning. When the ``safetensors`` package is installed its NumPy interface reads and writes the
dtypes NumPy has, and this module's own reader and writer of the documented format do the rest (and
everything when it is not installed); both give the same results.

    >>> from reograd.safetensors import load_file, save_file
    >>> save_file(model.state_dict(), "model.safetensors", metadata={"epoch": "3"})
    >>> model.load_state_dict(load_file("model.safetensors"))
    >>> with safe_open("model.safetensors", framework="pt") as f:   # one tensor, or part of one
    ...     w = f.get_slice("fc.weight")[:10]
"""
from __future__ import annotations

import json
import math
import os
import struct
import tempfile
import warnings

import numpy as np

from . import backend
from .autograd.tensor import Tensor
from .serialization.dtypes import SAFETENSORS, SAFETENSORS_OF_NUMPY, TORCH_DTYPES, decode

__all__ = ["save", "save_file", "load", "load_file", "safe_open", "save_model", "load_model", "SafetensorError"]

_MAX_HEADER = 100_000_000  # the package's limit on the header's size
_NUMPY_CODES = frozenset(SAFETENSORS_OF_NUMPY.values())
# The order the package writes tensors in (its dtype enum, descending; then by name): ours writes the same bytes.
_WRITE_ORDER = {c: i for i, c in enumerate(["U64", "I64", "F64", "C64", "F32", "U32", "I32", "BF16", "F16", "U16",
                                             "I16", "I8", "U8", "BOOL"])}
_CHUNK = 1 << 24


class SafetensorError(RuntimeError):
    """A file that is not valid safetensors, or tensors that cannot be written as safetensors."""


def _package():
    """The ``safetensors`` package (its NumPy interface is used where it can), or None when not installed."""
    try:
        import safetensors
        import safetensors.numpy  # noqa: F401
    except ImportError:
        return None
    return safetensors


# --------------------------------------------------------------------------------------
# the header
# --------------------------------------------------------------------------------------
def _nbytes(code, shape, where):
    numel = math.prod(shape)
    if code == "F4":  # two values per byte
        if shape and shape[-1] % 2:
            raise SafetensorError(f"{where}: an F4 tensor of shape {shape}: the last dimension must be even")
        return numel // 2
    return numel * np.dtype(TORCH_DTYPES[SAFETENSORS[code]].raw).itemsize


def _parse_header(head8, read, data_size, where):
    """``(entries {name: (code, shape, begin, end)} in file order, metadata)`` of a safetensors header;
    ``read(n)`` reads the header's bytes, ``data_size`` is the size of the data after it."""
    if len(head8) != 8:
        raise SafetensorError(f"{where}: not a safetensors file (shorter than 8 bytes)")
    (n,) = struct.unpack("<Q", head8)
    if n > _MAX_HEADER or n > data_size:
        raise SafetensorError(f"{where}: not a safetensors file (its header claims {n} bytes)")
    raw = read(n)
    try:
        header = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        raise SafetensorError(f"{where}: the safetensors header is not valid JSON") from None
    if not raw.lstrip().startswith(b"{") or not isinstance(header, dict):
        raise SafetensorError(f"{where}: the safetensors header is not a JSON object")
    metadata = header.pop("__metadata__", None)
    if metadata is not None and not (isinstance(metadata, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())):
        raise SafetensorError(f"{where}: __metadata__ must map strings to strings")
    entries = {}
    for name, info in header.items():
        ok = isinstance(info, dict) and info.get("dtype") in SAFETENSORS and isinstance(info.get("shape"), list) and \
            all(type(s) is int and s >= 0 for s in info["shape"]) and isinstance(info.get("data_offsets"), list) and \
            len(info["data_offsets"]) == 2 and all(type(o) is int and o >= 0 for o in info["data_offsets"])
        if not ok:
            raise SafetensorError(f"{where}: tensor {name!r} has a malformed header entry {info!r:.200}")
        begin, end = info["data_offsets"]
        need = _nbytes(info["dtype"], info["shape"], where)
        if end - begin != need:
            raise SafetensorError(f"{where}: tensor {name!r} ({info['dtype']} {info['shape']}) needs {need} bytes, "
                                  f"its offsets span {end - begin}")
        entries[name] = (info["dtype"], tuple(info["shape"]), begin, end)
    position = 0  # the data must be the tensors back to back, as the format requires
    for name, (_, _, begin, end) in sorted(entries.items(), key=lambda kv: (kv[1][2], kv[1][3])):
        if begin != position:
            raise SafetensorError(f"{where}: tensor {name!r} starts at byte {begin} of the data, not {position} "
                                  "(overlapping or gapped offsets)")
        position = end
    if position != data_size - n:
        raise SafetensorError(f"{where}: the tensors span {position} bytes, the file holds {data_size - n} after "
                              "the header (truncated?)")
    return entries, metadata


def _to_array(raw, code):
    """The reograd-dtype array of a tensor's raw values (native byte order already)."""
    return decode(raw, TORCH_DTYPES[SAFETENSORS[code]])


def _warn_converted(codes, where):
    wide = sorted({c for c in codes if not TORCH_DTYPES[SAFETENSORS[c]].exact})
    if wide:
        kinds = ", ".join(f"{c} as {TORCH_DTYPES[SAFETENSORS[c]].target}" for c in wide)
        warnings.warn(f"{where}: reograd has no dtype for some tensors; loaded {kinds} (the values are exact)",
                      UserWarning, stacklevel=3)


def _raw_dtype(code):
    return np.dtype(TORCH_DTYPES[SAFETENSORS[code]].raw).newbyteorder("<")


def _wrap(arr, device, framework):
    if framework in ("np", "numpy"):
        return arr
    t = Tensor._make(arr)
    dev = backend.as_device(device)
    return t if dev.type == "cpu" else t.to(dev)


# --------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------
class safe_open:
    """Open a safetensors file lazily: nothing but the header is read until a tensor is asked for.

    Args:
        filename: the file's path.
        framework: ``"pt"``/``"torch"``/``"reograd"`` (reograd tensors) or ``"np"``/``"numpy"`` (arrays).
        device: where tensors go (``"cpu"``).

    Methods: ``keys()``, ``metadata()``, ``get_tensor(name)``, ``get_slice(name)`` (``.get_shape()``,
    ``.get_dtype()``, and ``[...]`` indexing that reads only the rows asked for along the first axis).
    """

    def __init__(self, filename, framework="pt", device="cpu"):
        if framework not in ("pt", "torch", "reograd", "np", "numpy"):
            raise ValueError(f"safe_open: framework must be 'pt' or 'np', got {framework!r}")
        self.path, self.framework, self.device = os.fspath(filename), framework, device
        self._fh = open(self.path, "rb")
        self._fh.seek(0, 2)
        size = self._fh.tell()
        self._fh.seek(0)
        try:
            self._entries, self._metadata = _parse_header(self._fh.read(8), self._fh.read, size - 8, self.path)
        except BaseException:
            self._fh.close()
            raise
        self._start = 8 + struct.unpack("<Q", self._read_at(0, 8))[0]
        pkg = _package()
        self._pkg = pkg.safe_open(self.path, framework="np") if pkg is not None else None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        """Close the file (the ``with`` block does it)."""
        self._pkg = None  # the package's handle closes when dropped
        self._fh.close()

    def keys(self):
        """The tensors' names, sorted (as the package lists them)."""
        return sorted(self._entries)

    def metadata(self):
        """The header's ``__metadata__`` (a dict of strings), or None."""
        return None if self._metadata is None else dict(self._metadata)

    def _entry(self, name):
        try:
            return self._entries[name]
        except KeyError:
            raise SafetensorError(f"{self.path}: no tensor named {name!r}") from None

    def _read_at(self, offset, n):
        self._fh.seek(offset)
        data = self._fh.read(n)
        if len(data) != n:
            raise SafetensorError(f"{self.path}: the file is truncated")
        return data

    def raw(self, name, rows=None):
        """Tensor ``name`` as its raw values (little-endian raw dtype converted to native), read from disk:
        all of it, or the ``rows`` range (``(start, stop)``) along its first axis."""
        code, shape, begin, end = self._entry(name)
        if self._pkg is not None and code in _NUMPY_CODES:  # the package reads what NumPy has a dtype for
            sl = self._pkg.get_slice(name)
            arr = sl[rows[0]:rows[1]] if rows is not None else self._pkg.get_tensor(name)
            return np.array(arr, dtype=_raw_dtype(code).newbyteorder("="), copy=True)
        if rows is None or not shape:
            lo, out_shape, row_bytes = 0, shape, 0
        else:
            lo, out_shape, row_bytes = rows[0], (rows[1] - rows[0],) + shape[1:], (end - begin) // max(shape[0], 1)
        dtype = _raw_dtype(code)
        if code == "F4":  # bytes hold value pairs: the raw array is (..., last / 2) uint8
            out_shape = out_shape[:-1] + (out_shape[-1] // 2,) if out_shape else out_shape
        arr = np.empty(out_shape, dtype=dtype)
        nbytes = arr.nbytes
        self._fh.seek(self._start + begin + lo * row_bytes)
        view = memoryview(arr.reshape(-1).view(np.uint8))
        done = 0
        while done < nbytes:
            got = self._fh.readinto(view[done:min(nbytes, done + _CHUNK)])
            if not got:
                raise SafetensorError(f"{self.path}: the file is truncated inside tensor {name!r}")
            done += got
        native = dtype.newbyteorder("=")
        return arr if native == dtype else arr.byteswap(inplace=True).view(native)

    def get_tensor(self, name):
        """Tensor ``name``, read from the file now (only its bytes)."""
        code = self._entry(name)[0]
        arr = _to_array(self.raw(name), code)
        _warn_converted([code], self.path)
        return _wrap(arr, self.device, self.framework)

    def get_slice(self, name):
        """A lazy view of tensor ``name``: ``get_shape()``, ``get_dtype()``, and indexing that reads only
        the rows of the first axis that the index needs."""
        self._entry(name)
        return _Slice(self, name)


class _Slice:
    def __init__(self, handle, name):
        self.handle, self.name = handle, name

    def get_shape(self):
        return list(self.handle._entries[self.name][1])

    def get_dtype(self):
        return self.handle._entries[self.name][0]

    def __getitem__(self, index):
        code, shape, _, _ = self.handle._entries[self.name]
        index = index if isinstance(index, tuple) else (index,)
        first = index[0] if index else slice(None)
        if shape and isinstance(first, slice) and (first.step in (None, 1)) and code != "F4":
            lo, hi, _ = first.indices(shape[0])
            hi = max(lo, hi)
            raw = self.handle.raw(self.name, rows=(lo, hi))
            arr = _to_array(raw, code)[(slice(None),) + index[1:]]
        else:
            arr = _to_array(self.handle.raw(self.name), code)[index]
        _warn_converted([code], self.handle.path)
        return _wrap(_c_order(arr), self.handle.device, self.handle.framework)


def load_file(filename, device="cpu"):
    """All tensors of the safetensors file ``filename`` as ``{name: tensor}`` (reograd tensors on ``device``)."""
    with safe_open(filename, framework="pt", device=device) as f:
        out = {k: _wrap(_to_array(f.raw(k), f._entries[k][0]), device, "pt") for k in f.keys()}
        _warn_converted([e[0] for e in f._entries.values()], f.path)
    return out


def load(data, device="cpu"):
    """The tensors of a safetensors file given as ``bytes`` (as ``safetensors.torch.load``)."""
    data = bytes(data)
    entries, _ = _parse_header(data[:8], lambda n: data[8:8 + n], len(data) - 8, "safetensors.load")
    start = 8 + struct.unpack("<Q", data[:8])[0]
    out = {}
    for name in sorted(entries):
        code, shape, begin, end = entries[name]
        raw_shape = shape[:-1] + (shape[-1] // 2,) if code == "F4" and shape else shape
        raw = np.frombuffer(data, dtype=_raw_dtype(code), count=math.prod(raw_shape), offset=start + begin)
        raw = raw.astype(raw.dtype.newbyteorder("="))  # a copy: owned, writable, native
        out[name] = _wrap(_to_array(raw.reshape(raw_shape), code), device, "pt")
    _warn_converted([e[0] for e in entries.values()], "safetensors.load")
    return out


# --------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------
def _arrays(tensors, metadata, where):
    """``{name: host array}`` of the tensors to write, checking names, dtypes, shared memory and the metadata."""
    _check_metadata(metadata, where)
    if not isinstance(tensors, dict):
        raise TypeError(f"{where}: expected a dict of name -> tensor, got {type(tensors).__name__}")
    out = {}
    for name, t in tensors.items():
        if not isinstance(name, str):
            raise TypeError(f"{where}: tensor names must be strings, got {name!r}")
        if name == "__metadata__":
            raise SafetensorError(f"{where}: '__metadata__' is reserved for the metadata, not a tensor name")
        if isinstance(t, Tensor):
            arr = t.detach().numpy(force=True)
        elif isinstance(t, np.ndarray):
            arr = t
        else:
            raise TypeError(f"{where}: {name!r} is a {type(t).__name__}, not a tensor")
        if arr.dtype.newbyteorder("=").name not in SAFETENSORS_OF_NUMPY:
            raise SafetensorError(f"{where}: {name!r} has dtype {arr.dtype}, which safetensors has no code for")
        out[name] = arr
    bounds = sorted((_extent(a), n) for n, a in out.items() if a.size)
    for ((lo1, hi1), n1), ((lo2, hi2), n2) in zip(bounds, bounds[1:]):
        if lo2 < hi1:
            raise SafetensorError(f"{where}: tensors {n1!r} and {n2!r} share memory; safetensors stores each tensor "
                                  "on its own (save_model drops the duplicates of shared weights)")
    return out


def _extent(a):
    """The ``[lo, hi)`` memory addresses a non-empty array's elements occupy."""
    ptr = a.__array_interface__["data"][0]
    lo = ptr + sum((n - 1) * s for n, s in zip(a.shape, a.strides) if s < 0)
    hi = ptr + sum((n - 1) * s for n, s in zip(a.shape, a.strides) if s > 0) + a.itemsize
    return lo, hi


def _check_metadata(metadata, where):
    if metadata is not None and not (isinstance(metadata, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())):
        raise SafetensorError(f"{where}: metadata must be a dict of str -> str")


def _code(a):
    return SAFETENSORS_OF_NUMPY[a.dtype.newbyteorder("=").name]


def _header(arrays, metadata):
    """The padded header bytes and the write order (the package's: by dtype, then by name)."""
    order = sorted(arrays, key=lambda n: (_WRITE_ORDER[_code(arrays[n])], n))
    header, offset = {}, 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for n in order:
        a = arrays[n]
        header[n] = {"dtype": _code(a), "shape": list(a.shape),
                     "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-(len(text)) % 8)
    return struct.pack("<Q", len(text)) + text, order


def _chunks(arr):
    """The little-endian C-order bytes of ``arr``, in chunks (views when it is C-contiguous and little-endian)."""
    if arr.dtype.byteorder == ">" or (arr.dtype.byteorder == "=" and np.little_endian is False):
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    if arr.flags.c_contiguous:
        view = memoryview(arr.reshape(-1).view(np.uint8)) if arr.size else memoryview(b"")
        for i in range(0, len(view), _CHUNK):
            yield view[i:i + _CHUNK]
    else:
        for i in range(arr.shape[0]):
            yield np.ascontiguousarray(arr[i]).tobytes()


def _c_order(a):
    """``a`` C-contiguous (``np.ascontiguousarray`` would turn a 0-d array into 1-d)."""
    return a if a.flags.c_contiguous else a.copy(order="C")


def save(tensors, metadata=None):
    """The bytes of a safetensors file holding ``tensors`` (``{name: tensor}``) and ``metadata``."""
    arrays = _arrays(tensors, metadata, "safetensors.save")
    pkg = _package()
    if pkg is not None:
        return pkg.numpy.save({n: _c_order(a) for n, a in arrays.items()}, metadata=metadata)
    head, order = _header(arrays, metadata)
    return head + b"".join(bytes(c) for n in order for c in _chunks(arrays[n]))


def save_file(tensors, filename, metadata=None):
    """Write ``tensors`` (``{name: tensor}``) and ``metadata`` (``{str: str}``) to the safetensors file
    ``filename``, atomically (a temporary file renamed over it), streaming each tensor's bytes."""
    arrays = _arrays(tensors, metadata, "safetensors.save_file")
    path = os.fspath(filename)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        pkg = _package()
        if pkg is not None:
            os.close(fd)
            pkg.numpy.save_file({n: _c_order(a) for n, a in arrays.items()}, tmp, metadata=metadata)
        else:
            head, order = _header(arrays, metadata)
            with os.fdopen(fd, "wb") as out:
                out.write(head)
                for n in order:
                    for chunk in _chunks(arrays[n]):
                        out.write(chunk)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


# --------------------------------------------------------------------------------------
# modules
# --------------------------------------------------------------------------------------
def save_model(model, filename, metadata=None):
    """Save ``model.state_dict()``; of weights shared between modules (tied embeddings...) only the first
    name is written, as ``safetensors.torch.save_model`` does."""
    state, seen = {}, []
    for name, t in model.state_dict().items():
        arr = t.detach().numpy(force=True)
        if arr.size and any(np.shares_memory(arr, other) for other in seen):
            continue
        seen.append(arr)
        state[name] = t
    save_file(state, filename, metadata)


def load_model(model, filename, strict=True, device="cpu"):
    """``model.load_state_dict(load_file(filename), strict=strict)``; weights dropped by ``save_model``
    because they shared memory are not reported missing. Returns ``(missing, unexpected)`` key lists."""
    state = load_file(filename, device=device)
    own = model.state_dict()
    shared = {n for n in own if n not in state and any(
        np.shares_memory(own[n].detach().numpy(force=True), own[m].detach().numpy(force=True))
        for m in own if m != n and m in state)}
    for n in shared:
        state[n] = own[n]
    result = model.load_state_dict(state, strict=strict)
    return list(result.missing_keys), list(result.unexpected_keys)
