"""Reading the containers of PyTorch checkpoints (``torch.save``'s three formats).

- zip (PyTorch >= 1.6): ``<archive>/data.pkl`` (the object, storages as persistent ids
  ``('storage', storage type, key, location, numel)``), ``<archive>/data/<key>`` (each storage's raw
  bytes, in the byte order of the ``<archive>/byteorder`` record, little-endian when there is none).
- legacy pickle (``_use_new_zipfile_serialization=False``): four pickles (magic number, protocol
  version, system info, the object), the list of storage keys, then each storage as an int64 element
  count and its little-endian bytes. The object comes before the data, so the object pickle is read
  twice: once to learn the storages, once, with their data in place, to build the tensors.
- legacy tar (before PyTorch 0.4): members ``storages`` (count, then per storage a pickled
  ``(key, location, storage type)``, its int64 count and bytes, then the storage views), ``tensors``
  (per tensor a pickled ``(key, storage key, type)`` and its dims, sizes, strides and offset as binary)
  and ``pickle`` (the object; its persistent ids are keys of tensors and storages).

Every count and size is checked against the bytes the file still holds before anything is allocated.
"""
from __future__ import annotations

import struct

import numpy as np

from ._errors import Corrupt, Refused, Unsupported
from .storages import Storage, StorageType
from .unpickler import MAGIC_NUMBER, PROTOCOL_VERSION, unpickle

__all__ = ["read_zip", "read_legacy", "read_tar", "is_tar", "is_torchscript"]


def is_tar(head):
    return head[257:262] == b"ustar"


def _text(value, what):
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        raise Corrupt(f"a storage's {what} is {value!r}, not a string")
    return value


def _count(value, what):
    if type(value) is not int or value < 0:
        raise Corrupt(f"{what} is {value!r}, not a count")
    return value


class _Bounded:
    """A binary file seen only up to ``size`` bytes from its current position: reads never ask the
    underlying file for more than remains, so a hostile length in a pickle cannot trigger a huge allocation."""

    def __init__(self, fp, size):
        self.fp, self.start, self.size = fp, fp.tell(), size

    @property
    def remaining(self):
        return self.size - (self.fp.tell() - self.start)

    def read(self, n=-1):
        n = self.remaining if n is None or n < 0 else min(n, self.remaining)
        return self.fp.read(max(n, 0))

    def readline(self, limit=-1):
        n = self.remaining if limit is None or limit < 0 else min(limit, self.remaining)
        return self.fp.readline(max(n, 0))

    def readinto(self, view):
        if len(view) > self.remaining:
            raise Corrupt("the file ends before the data it declares")
        done = 0
        while done < len(view):
            got = self.fp.readinto(view[done:])
            if not got:
                raise Corrupt("the file ends before the data it declares")
            done += got
        return done

    def read_exact(self, n, what):
        data = self.read(n)
        if len(data) != n:
            raise Corrupt(f"the file ends inside {what}")
        return data

    def tell(self):
        return self.fp.tell() - self.start

    def seek(self, pos):
        self.fp.seek(self.start + pos)


def _new_raw(nbytes, budget, what):
    """An uninitialised byte buffer for a storage, after checking the file can still hold it."""
    if nbytes > budget:
        raise Corrupt(f"{what} declares {nbytes} bytes, more than the file holds")
    return np.empty(nbytes, dtype=np.uint8)


# --------------------------------------------------------------------------------------
# zip
# --------------------------------------------------------------------------------------
def _archive_prefix(zr):
    pickles = [n for n in zr.names() if n.endswith("data.pkl") and n.count("/") <= 1]
    if len(pickles) != 1:
        raise Corrupt("a zip archive without reograd/manifest.json or a single PyTorch data.pkl")
    return pickles[0][:-len("data.pkl")]


def is_torchscript(zr):
    return any(n.endswith("constants.pkl") and n.count("/") == 1 for n in zr.names())


def read_zip(zr, rebuilder, mmap=False, encoding="ASCII"):
    """The object of a PyTorch zip checkpoint in the ``ZipReader`` ``zr`` (``mmap``: map the storages)."""
    if is_torchscript(zr):
        raise Unsupported("it is a TorchScript archive (torch.jit.save), not a torch.save checkpoint; in PyTorch, "
                          "save the model's state_dict() with torch.save")
    prefix = _archive_prefix(zr)
    order = b"little"
    if zr.has(prefix + "byteorder"):
        order = zr.read_bytes(prefix + "byteorder", limit=16)
        if order not in (b"little", b"big"):
            raise Corrupt(f"unknown byte order record {order!r}")
    big = order == b"big"
    storages = {}

    def persistent_load(pid):
        if not isinstance(pid, tuple) or len(pid) != 5 or _text(pid[0], "tag") != "storage":
            raise Corrupt(f"unexpected persistent id {pid!r:.100}")
        storage_type, key, location, numel = pid[1:]
        if not isinstance(storage_type, StorageType):
            raise Corrupt(f"a storage of type {storage_type!r:.60}")
        key, location = _text(key, "key"), _text(location, "location")
        numel = _count(numel, f"storage {key}'s element count")
        if key in storages:
            return storages[key]
        name = f"{prefix}data/{key}"
        nbytes = numel * storage_type.etype.itemsize
        have = zr.size_of(name)
        if have != nbytes:
            raise Corrupt(f"storage {key} declares {numel} {storage_type.etype.name} elements ({nbytes} bytes), "
                          f"its member {name} holds {have} bytes")
        if mmap:
            raw = np.asarray(zr.memmap(name, np.uint8, (nbytes,)))
        else:
            raw = np.empty(nbytes, dtype=np.uint8)
            zr.read_into(name, raw)
        storages[key] = Storage(key, storage_type.etype, raw, location, big)
        return storages[key]

    return unpickle(zr.read_bytes(prefix + "data.pkl"), rebuilder, persistent_load, encoding)


# --------------------------------------------------------------------------------------
# legacy pickle
# --------------------------------------------------------------------------------------
def read_legacy(fp, size, rebuilder, encoding="ASCII"):
    """The object of a legacy-format PyTorch checkpoint: ``fp`` at its start, ``size`` bytes long."""
    f = _Bounded(fp, size)
    try:
        magic = unpickle(f, rebuilder)
    except (Corrupt, Unsupported, Refused):
        raise
    except Exception:  # not even a pickle: say what the file is not
        raise Corrupt("an unrecognised format (neither a reograd checkpoint nor a PyTorch zip, tar or pickle file)") \
            from None
    if magic != MAGIC_NUMBER:
        raise Corrupt("a pickle, but not a PyTorch checkpoint (no PyTorch magic number); reograd loads only "
                      "checkpoints, never arbitrary pickles")
    if unpickle(f, rebuilder) != PROTOCOL_VERSION:
        raise Corrupt("an unknown PyTorch legacy protocol version")
    if not isinstance(unpickle(f, rebuilder), dict):
        raise Corrupt("no system-info record")
    start = f.tell()
    storages, views = {}, {}
    budget = [size - start]

    def persistent_load(pid):
        if not isinstance(pid, tuple) or len(pid) != 6 or _text(pid[0], "tag") != "storage":
            raise Corrupt(f"unexpected persistent id {pid!r:.100}")
        storage_type, key, location, numel, view = pid[1:]
        if not isinstance(storage_type, StorageType):
            raise Corrupt(f"a storage of type {storage_type!r:.60}")
        key, location, numel = _text(key, "key"), _text(location, "location"), _count(numel, "an element count")
        etype = storage_type.etype
        root = storages.get(key)
        if root is None:
            raw = _new_raw(numel * etype.itemsize, budget[0], f"storage {key}")
            budget[0] -= raw.nbytes
            root = storages[key] = Storage(key, etype, raw, location)
        if view is None:
            return root
        if not isinstance(view, tuple) or len(view) != 3:
            raise Corrupt(f"a storage view of {view!r:.60}")
        view_key, offset, count = _text(view[0], "view key"), _count(view[1], "an offset"), _count(view[2], "a size")
        if view_key not in views:
            lo, hi = offset * etype.itemsize, (offset + count) * etype.itemsize
            if hi > root.raw.nbytes:
                raise Corrupt(f"storage view {view_key} reaches beyond storage {key}")
            views[view_key] = Storage(view_key, etype, root.raw[lo:hi], location)
        return views[view_key]

    rebuilder.collecting = True  # first pass: learn the storages (the tensors wait for their data)
    try:
        unpickle(f, rebuilder, persistent_load, encoding)
    finally:
        rebuilder.collecting = False
    keys = unpickle(f, rebuilder)
    if not isinstance(keys, list):
        raise Corrupt("no list of storage keys after the object")
    for key in keys:
        storage = storages.get(_text(key, "key"))
        if storage is None:
            raise Corrupt(f"data for storage {key!r}, which no tensor uses")
        (numel,) = struct.unpack("<q", f.read_exact(8, f"storage {key}'s header"))
        if numel * storage.etype.itemsize != storage.raw.nbytes:
            raise Corrupt(f"storage {key} holds {numel} elements, the pickle declares {storage.raw.nbytes} bytes")
        f.readinto(memoryview(storage.raw))
    f.seek(start)
    return unpickle(f, rebuilder, persistent_load, encoding)


# --------------------------------------------------------------------------------------
# legacy tar
# --------------------------------------------------------------------------------------
def _key(value):
    """Tar checkpoints key storages and tensors by ints, sometimes written as strings."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if type(value) is int:
        return value
    raise Corrupt(f"a tar checkpoint key {value!r:.40}")


def read_tar(fp, rebuilder, encoding="ASCII"):
    """The object of a legacy tar-format PyTorch checkpoint (``fp`` at its start)."""
    import tarfile  # only for these old files: not on import reograd's path

    try:
        with tarfile.open(fileobj=fp, mode="r:") as tar:
            return _read_tar_members(tar, rebuilder, encoding)
    except tarfile.TarError as e:
        raise Corrupt(f"a damaged tar archive ({e})") from None


def _read_tar_members(tar, rebuilder, encoding):
    """The object of an open tar checkpoint: storages, then tensors on them, then the object pickle."""
    def member(name):
        try:
            info = tar.getmember(name)
        except KeyError:
            raise Corrupt(f"a tar archive without the {name!r} member of a PyTorch checkpoint") from None
        if not info.isfile():
            raise Corrupt(f"tar member {name!r} is not a file")
        return _Bounded(tar.extractfile(info), info.size)

    objects = {}
    f = member("storages")
    for _ in range(_count(unpickle(f, rebuilder), "the storage count")):
        record = unpickle(f, rebuilder)
        if not isinstance(record, tuple) or len(record) != 3 or not isinstance(record[2], StorageType):
            raise Corrupt(f"a storage record {record!r:.80}")
        key, location, etype = _key(record[0]), _text(record[1], "location"), record[2].etype
        (numel,) = struct.unpack("<q", f.read_exact(8, "a storage header"))
        raw = _new_raw(_count(numel, "an element count") * etype.itemsize, f.remaining, f"storage {key}")
        f.readinto(memoryview(raw))
        objects[key] = Storage(key, etype, raw, location)
    for view in unpickle(f, rebuilder):
        if not isinstance(view, (tuple, list)) or len(view) != 4 or not isinstance(objects.get(_key(view[1])),
                                                                                    Storage):
            raise Corrupt(f"a storage view {view!r:.80}")
        root = objects[_key(view[1])]
        size = root.etype.itemsize
        lo, hi = _count(view[2], "an offset") * size, (view[2] + _count(view[3], "a size")) * size
        if hi > root.raw.nbytes:
            raise Corrupt("a storage view reaches beyond its storage")
        objects[_key(view[0])] = Storage(view[0], root.etype, root.raw[lo:hi], root.location)

    f = member("tensors")
    for _ in range(_count(unpickle(f, rebuilder), "the tensor count")):
        record = unpickle(f, rebuilder)
        if not isinstance(record, tuple) or len(record) != 3:
            raise Corrupt(f"a tensor record {record!r:.80}")
        storage = objects.get(_key(record[1]))
        (ndim,) = struct.unpack("<i", f.read_exact(4, "a tensor header"))
        if not 0 <= ndim <= 64:
            raise Corrupt(f"a tensor with {ndim} dimensions")
        f.read_exact(4, "a tensor header")  # ndim was written as 8 bytes
        sizes = struct.unpack(f"<{ndim}q", f.read_exact(8 * ndim, "a tensor's sizes"))
        strides = struct.unpack(f"<{ndim}q", f.read_exact(8 * ndim, "a tensor's strides"))
        (offset,) = struct.unpack("<q", f.read_exact(8, "a tensor's offset"))
        objects[_key(record[0])] = rebuilder.tensor(storage, None, offset, sizes, strides, False)

    def persistent_load(saved_id):
        if isinstance(saved_id, tuple):  # ('module', class, source file, source): the class passed find_class
            if len(saved_id) < 2 or _text(saved_id[0], "tag") != "module":
                raise Corrupt(f"unexpected persistent id {saved_id!r:.80}")
            return saved_id[1]
        obj = objects.get(_key(saved_id))
        if obj is None:
            raise Corrupt(f"a reference to unknown tensor or storage {saved_id!r:.40}")
        return obj

    return unpickle(member("pickle"), rebuilder, persistent_load, encoding)
