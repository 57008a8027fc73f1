"""Zip archives as checkpoints use them: uncompressed members, checked before anything is allocated.

Reading: only *stored* (uncompressed) members are accepted, so no member can expand beyond the bytes it
occupies (a DEFLATE "zip bomb" is refused); each member's local header is checked against the central
directory, its data must lie inside the file, and the members read must not add up to more than the
file (overlapping members are refused). Data is read straight into the caller's buffer (no temporary
copy) and checked against the member's CRC, or memory-mapped.

Writing: stored members, large ones with their data aligned to 64 bytes (as PyTorch's writer does), so
that a memory-mapped tensor is aligned.
"""
from __future__ import annotations

import struct
import zipfile
import zlib

import numpy as np

from ._errors import MAX_STRUCTURE_BYTES, MAX_ZIP_MEMBERS, Corrupt

__all__ = ["ZipReader", "ZipWriter", "is_zip"]

_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zip's fixed 30-byte local file header
_CHUNK = 1 << 24                               # bytes per write call when streaming a buffer out


def is_zip(head):
    """True if ``head`` (a file's first bytes) starts a zip archive."""
    return head[:4] in (b"PK\x03\x04", b"PK\x05\x06")


class _MemberReader:
    """Sequential reads of one stored member, straight from the archive's file, with a CRC check."""

    def __init__(self, fp, name, offset, size, crc):
        self.fp, self.name, self.pos, self.remaining, self.expected_crc = fp, name, offset, size, crc
        self.crc = 0

    def read(self, n):
        n = min(n, self.remaining)
        self.fp.seek(self.pos)
        data = self.fp.read(n)
        if len(data) != n:
            raise Corrupt(f"member {self.name} is truncated")
        self._advance(data)
        return data

    def readinto(self, view):
        """Fill the writable byte ``memoryview`` ``view`` from the member (no intermediate copy)."""
        if len(view) > self.remaining:
            raise Corrupt(f"member {self.name} is shorter than its contents need")
        done = 0
        while done < len(view):
            self.fp.seek(self.pos)
            got = self.fp.readinto(view[done:])
            if not got:
                raise Corrupt(f"member {self.name} is truncated")
            self._advance(view[done:done + got])
            done += got

    def _advance(self, chunk):
        self.crc = zlib.crc32(chunk, self.crc)
        self.pos += len(chunk)
        self.remaining -= len(chunk)

    def finish(self):
        if self.remaining:
            raise Corrupt(f"member {self.name} holds {self.remaining} bytes more than its contents")
        if self.crc != self.expected_crc:
            raise Corrupt(f"member {self.name} fails its CRC check (the data is damaged)")


class ZipReader:
    """The members of a zip checkpoint in the seekable binary file ``fp`` (``path``: its path, for mmap)."""

    def __init__(self, fp, path=None):
        self.fp, self.path = fp, path
        fp.seek(0, 2)
        self.size = fp.tell()
        fp.seek(0)
        self.zf = zipfile.ZipFile(fp)
        infos = self.zf.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise Corrupt(f"the archive lists {len(infos)} members (more than {MAX_ZIP_MEMBERS})")
        self.members = {}
        for info in infos:
            if info.filename in self.members:
                raise Corrupt(f"the archive lists member {info.filename} twice")
            self.members[info.filename] = info
        self._charged = set()
        self._budget = self.size

    def names(self):
        return list(self.members)

    def has(self, name):
        return name in self.members

    def info(self, name):
        info = self.members.get(name)
        if info is None:
            raise Corrupt(f"member {name} is missing")
        return info

    def _locate(self, name):
        """The file offset of member ``name``'s data, after checking it is stored, whole and not overlapping."""
        info = self.info(name)
        if info.compress_type != zipfile.ZIP_STORED:
            method = {zipfile.ZIP_DEFLATED: "DEFLATE", zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA"}.get(
                info.compress_type, f"method {info.compress_type}")
            raise Corrupt(f"member {name} is compressed ({method}); checkpoints store their members uncompressed, "
                          "and a compressed member could expand far beyond the file's size, so it is not read")
        if info.flag_bits & 0x1:
            raise Corrupt(f"member {name} is encrypted")
        if info.compress_size != info.file_size:
            raise Corrupt(f"member {name} declares {info.file_size} bytes but occupies {info.compress_size}")
        self.fp.seek(info.header_offset)
        head = self.fp.read(_LOCAL_HEADER.size)
        if len(head) != _LOCAL_HEADER.size or head[:4] != b"PK\x03\x04":
            raise Corrupt(f"member {name} has no valid local header")
        name_len, extra_len = struct.unpack("<HH", head[26:30])
        raw = self.fp.read(name_len)
        if raw.decode("utf-8" if info.flag_bits & 0x800 else "cp437", "replace") != info.orig_filename:
            raise Corrupt(f"member {name}'s local header names another file")
        offset = info.header_offset + _LOCAL_HEADER.size + name_len + extra_len
        if offset + info.file_size > self.size:
            raise Corrupt(f"member {name} extends past the end of the file (truncated?)")
        if name not in self._charged:
            self._charged.add(name)
            self._budget -= info.file_size
            if self._budget < 0:
                raise Corrupt("the members read add up to more bytes than the file holds (overlapping members)")
        return offset, info

    def size_of(self, name):
        return self.info(name).file_size

    def open(self, name):
        """A sequential reader of member ``name`` (``read``, ``readinto``, then ``finish`` checks the CRC)."""
        offset, info = self._locate(name)
        return _MemberReader(self.fp, name, offset, info.file_size, info.CRC)

    def read_bytes(self, name, limit=MAX_STRUCTURE_BYTES):
        """The whole member as bytes (a structure: a manifest, a pickle), at most ``limit`` bytes."""
        size = self.size_of(name)
        if size > limit:
            raise Corrupt(f"member {name} is {size} bytes, more than the {limit} a checkpoint's structure may take")
        reader = self.open(name)
        data = reader.read(size)
        reader.finish()
        return data

    def read_into(self, name, array):
        """Fill the C- or F-contiguous ``array`` with member ``name``'s bytes (sizes must match exactly)."""
        reader = self.open(name)
        if array.nbytes != reader.remaining:
            raise Corrupt(f"member {name} holds {reader.remaining} bytes, {array.nbytes} were expected")
        reader.readinto(byte_view(array))
        reader.finish()

    def memmap(self, name, dtype, shape, skip=0, order="C"):
        """Member ``name`` (after ``skip`` bytes) mapped copy-on-write as an array (its CRC is not checked)."""
        if self.path is None:
            raise Corrupt("mmap=True needs the checkpoint as a file path")
        offset, info = self._locate(name)
        nbytes = int(np.prod(shape, dtype=object)) * np.dtype(dtype).itemsize
        if nbytes != info.file_size - skip:
            raise Corrupt(f"member {name} holds {info.file_size - skip} bytes, {nbytes} were expected")
        if nbytes == 0:
            return np.empty(shape, dtype=dtype, order=order)
        return np.memmap(self.path, dtype=dtype, mode="c", offset=offset + skip, shape=tuple(shape), order=order)


def byte_view(array):
    """A writable flat ``memoryview`` of bytes over a contiguous array (any dtype, also 0-d and empty)."""
    flat = array.reshape(-1, order="F" if array.flags.f_contiguous and not array.flags.c_contiguous else "C")
    return memoryview(flat.view(np.uint8))


class ZipWriter:
    """Write stored members to the binary file ``fp``; ``write_buffer`` streams an array's bytes."""

    ALIGN = 64

    def __init__(self, fp):
        self.zf = zipfile.ZipFile(fp, "w", compression=zipfile.ZIP_STORED, allowZip64=True)

    def _info(self, name, nbytes, align):
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # fixed: the same object, the same bytes
        info.compress_type = zipfile.ZIP_STORED
        info.file_size = nbytes
        zip64 = nbytes * 1.05 > zipfile.ZIP64_LIMIT  # the rule zipfile uses to add its 20-byte zip64 field
        if align:
            start = self.zf.start_dir if self.zf.fp.seekable() else self.zf.fp.tell()
            header = _LOCAL_HEADER.size + len(name.encode("utf-8")) + (20 if zip64 else 0) + 4
            pad = (-(start + header)) % self.ALIGN
            info.extra = struct.pack("<HH", 0x4246, pad) + b"\0" * pad  # an unknown extra field: readers skip it
        return info, zip64

    def write_bytes(self, name, data):
        info, zip64 = self._info(name, len(data), align=False)
        with self.zf.open(info, "w", force_zip64=zip64) as f:
            f.write(data)

    def write_array(self, name, array, head=b""):
        """Member ``name``: ``head`` then the bytes of ``array`` in C order, aligned, without a whole copy."""
        info, zip64 = self._info(name, len(head) + array.nbytes, align=True)
        with self.zf.open(info, "w", force_zip64=zip64) as f:
            if head:
                f.write(head)
            for chunk in iter_c_bytes(array):
                f.write(chunk)

    def close(self):
        self.zf.close()


def iter_c_bytes(array):
    """The bytes of ``array`` in C order, in chunks of at most 16 MiB (views when it is C-contiguous)."""
    if array.nbytes == 0:
        return
    if array.flags.c_contiguous:
        view = memoryview(array.reshape(-1).view(np.uint8))
        for i in range(0, len(view), _CHUNK):
            yield view[i:i + _CHUNK]
        return
    rows = max(1, _CHUNK // max(1, array[0].nbytes)) if array.ndim else 1
    for i in range(0, array.shape[0], rows):
        yield np.ascontiguousarray(array[i:i + rows]).reshape(-1).view(np.uint8).data
