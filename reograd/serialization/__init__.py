"""``save`` and ``load``: reograd's own safe checkpoints, and PyTorch's files read and written safely.

- ``save(obj, f)`` writes reograd's format (a zip of a JSON manifest and ``.npy`` arrays, see
  ``native.py``); ``save(obj, f, format="torch")`` writes PyTorch's zip format, which
  ``torch.load(f, weights_only=True)`` reads (tensors sharing memory stay shared).
- ``load(f)`` reads reograd's format and the files ``torch.save`` writes: the zip format (either byte
  order), the legacy pickle and tar formats. PyTorch's pickles go through a restricted unpickler (see
  ``unpickler.py``): only an allow-list of globals is resolved and any other is refused with an error
  naming it, so nothing from a file is ever run. ``add_safe_globals`` / ``safe_globals`` extend the list.

Both formats are read without building whole copies: each array is read straight into its final
buffer (or memory-mapped with ``mmap=True``), and writes stream each array into the file. Writes to a
path are atomic (a temporary file in the same folder, renamed over the target). Any file that is not a
checkpoint, or is truncated, damaged or hostile, raises one ``CheckpointError`` (a ``RuntimeError``)
naming the file and the reason, before anything large is allocated.
"""
from __future__ import annotations

import io
import os
import pickle
import struct
import tempfile
import warnings
import zipfile
import zlib

from . import native
from ._errors import CheckpointError, Corrupt, Refused, UnsafeGlobalError, Unsupported, UserCodeError, public_error
from ._zip import ZipReader, ZipWriter, is_zip
from .allowlist import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals

__all__ = ["save", "load", "CheckpointError", "UnsafeGlobalError", "add_safe_globals", "clear_safe_globals",
           "get_safe_globals", "safe_globals"]

# Failures of the parsing libraries on malformed bytes: all mean "corrupt".
_PARSE_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, pickle.UnpicklingError, struct.error,
                 EOFError, ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError, RecursionError,
                 UnicodeDecodeError, zlib.error, NotImplementedError, OSError)


# --------------------------------------------------------------------------------------
# save
# --------------------------------------------------------------------------------------
def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False, *, format="reograd"):  # noqa: A002 (the argument's natural name)
    """Save ``obj`` (a tensor, a state dict, an optimizer state dict, nested containers of them) to ``f``.

    Args:
        obj: what to save: tensors, NumPy arrays (reograd format only), numbers, strings, bytes, None, dtypes,
            devices, ``Size``, and dicts/OrderedDicts/lists/tuples/sets of them; others raise TypeError
            naming the type and where it sits, e.g. ``obj['model'][2]``. It never pickles arbitrary objects.
        f: a path (str or os.PathLike; written atomically) or a writable binary file object.
        format: ``"reograd"`` (default: reograd's safe format) or ``"torch"`` (PyTorch's zip format, for
            ``torch.load(f, weights_only=True)``; tensors that share memory share a storage there too).
        pickle_module, pickle_protocol, _use_new_zipfile_serialization, _disable_byteorder_record: accepted
            for PyTorch compatibility and ignored (the torch format is always zip, pickle protocol 2).

    >>> reograd.save(model.state_dict(), "model.pt")                     # reograd's format
    >>> reograd.save(model.state_dict(), "model.pth", format="torch")    # for torch.load
    """
    if format == "reograd":  # both prepare before touching any file: type errors leave it as it was
        write = native.prepare(obj)
    elif format == "torch":
        from . import torch_write  # PyTorch's machinery loads when a PyTorch file is written or read

        write = torch_write.prepare(obj).write
    else:
        raise ValueError(f"reograd.save: format must be 'reograd' or 'torch', got {format!r}")
    if isinstance(f, (str, os.PathLike)):
        _atomic_write(os.fspath(f), write)
    elif hasattr(f, "write"):
        writer = ZipWriter(f)
        write(writer)
        writer.close()
    else:
        raise TypeError(f"reograd.save: f should be a path or a writable binary file, got {type(f).__name__}")


def _atomic_write(path, write):
    """Stream the checkpoint into a temporary file next to ``path``, then rename it over ``path``."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            writer = ZipWriter(out)
            write(writer)
            writer.close()
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


# --------------------------------------------------------------------------------------
# load
# --------------------------------------------------------------------------------------
def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, **pickle_load_args):
    """Load an object saved with ``reograd.save`` or PyTorch's ``torch.save`` from ``f``.

    Args:
        f: a path or a readable binary file object.
        map_location: where to put tensors: a device or string (``'cpu'``), a dict mapping saved locations
            to devices, or a function ``(storage, location) -> storage`` returning it, moved or not, or None for
            the default place (a PyTorch file's storages come as 1-D tensors, a reograd file's tensors as they are).
        weights_only: accepted for PyTorch compatibility; loading is always restricted (reograd's format is not
            a pickle; PyTorch's pickles only resolve the allow-list, see ``add_safe_globals``).
        mmap: map the file's arrays/storages into memory instead of reading them (``f`` must be a path).
        pickle_load_args: ``encoding=`` for PyTorch files written by Python 2 (e.g. ``'latin1'``).

    Tensors come back on the CPU (or where ``map_location`` says); Parameters as tensors with
    ``requires_grad``; PyTorch tensors viewing one storage as views sharing memory. Element types reograd
    has no counterpart for (bfloat16, float8, uint16...) are widened exactly, with a warning.

    Raises ``CheckpointError`` naming the file when it is not a checkpoint or is corrupt, truncated or
    hostile; ``UnsafeGlobalError`` (also a ``pickle.UnpicklingError``) when a PyTorch pickle asks for a
    global outside the allow-list -- nothing from the file is run.
    """
    if pickle_module is not None and pickle_module is not pickle:
        raise RuntimeError("reograd.load: pickle_module is not supported: PyTorch files are read with reograd's own "
                           "restricted unpickler (nothing from a file is run)")
    encoding = pickle_load_args.pop("encoding", "ASCII")
    if pickle_load_args:
        raise TypeError(f"reograd.load: unexpected arguments {sorted(pickle_load_args)}")
    is_path = isinstance(f, (str, os.PathLike))
    name = os.fspath(f) if is_path else getattr(f, "name", None) or repr(f)
    if mmap and not is_path:
        raise ValueError("reograd.load: mmap=True needs f to be a file path")
    if is_path:
        with open(f, "rb") as fh:
            return _load(fh, name, os.fspath(f), map_location, bool(mmap), encoding)
    if not (hasattr(f, "read") and hasattr(f, "seek")) or not _seekable(f):
        f = io.BytesIO(f.read())  # a stream: checkpoints need random access
    return _load(f, name, None, map_location, False, encoding)


def _seekable(f):
    try:
        return f.seekable()
    except (AttributeError, OSError, ValueError):
        return False


def _load(fp, name, path, map_location, mmap, encoding):
    from . import torch_read  # PyTorch's machinery loads when a PyTorch file is written or read
    from .dtypes import TORCH_DTYPES
    from .storages import Rebuilder

    rebuilder = Rebuilder(map_location)
    try:
        start = fp.tell()
        head = fp.read(512)
        fp.seek(start)
        if not head:
            raise Corrupt("the file is empty")
        if is_zip(head):
            zr = ZipReader(fp, path)
            if zr.has(native.MANIFEST):
                return native.read(zr, map_location, mmap)
            result = torch_read.read_zip(zr, rebuilder, mmap, encoding)
        elif mmap:
            raise Corrupt("mmap=True needs a zip checkpoint (reograd's format or PyTorch's since 1.6)")
        elif torch_read.is_tar(head):
            result = torch_read.read_tar(fp, rebuilder, encoding)
        else:
            fp.seek(0, 2)
            size = fp.tell() - start
            fp.seek(start)
            result = torch_read.read_legacy(fp, size, rebuilder, encoding)
    except UserCodeError as e:
        raise e.original from None
    except (Corrupt, Unsupported, Refused) as e:
        raise public_error(e, name) from None
    except _PARSE_ERRORS as e:
        raise public_error(e, name) from None
    if rebuilder.converted:
        kinds = ", ".join(f"{n} {dtype} storage{'s' if n > 1 else ''} as {TORCH_DTYPES[dtype].target}"
                          for dtype, n in sorted(rebuilder.converted.items()))
        warnings.warn(f"reograd.load: {name}: reograd has no dtype for some of the file's tensors; loaded {kinds} "
                      "(the values are exact)", UserWarning, stacklevel=3)
    return result
