"""The errors of ``reograd.load`` and the limits it enforces on a file before it allocates anything.

Readers raise the three internal exceptions below with a reason only; ``load`` adds the file's name
and turns them into one public class, ``CheckpointError`` (a ``RuntimeError``):

- ``Corrupt``     -> "reograd.load: not a reograd checkpoint or corrupt: <file>: <reason>"
- ``Unsupported`` -> "reograd.load: cannot load <file>: <reason>" (a valid file holding something reograd
  has no counterpart for: quantized or sparse tensors, a TorchScript archive...)
- ``Refused``     -> "reograd.load: refused <file>: <reason>" (a pickle asking for a global outside the
  allow-list), raised as ``UnsafeGlobalError``, also a ``pickle.UnpicklingError`` as PyTorch raises.
"""
from __future__ import annotations

import pickle

__all__ = ["CheckpointError", "UnsafeGlobalError"]

# How deeply containers may nest in a checkpoint (save refuses deeper objects, load refuses deeper files):
# state dicts nest 2-4 levels; the bound keeps every recursive walk far from Python's recursion limit.
MAX_DEPTH = 256
# The largest structure member read into memory whole (reograd's manifest, PyTorch's data.pkl).
MAX_STRUCTURE_BYTES = 1 << 30
# The most members a zip checkpoint may list (the central directory is parsed into memory).
MAX_ZIP_MEMBERS = 1 << 20


class CheckpointError(RuntimeError):
    """``reograd.load`` could not read a file: not a checkpoint, corrupt or truncated, hostile, or holding
    something reograd cannot represent. The message names the file and the reason."""


class UnsafeGlobalError(CheckpointError, pickle.UnpicklingError):
    """A PyTorch checkpoint's pickle asks for a global (a function or class) outside reograd's allow-list.

    Nothing from the file was run. If you trust the file, allow the global with
    ``reograd.serialization.add_safe_globals([...])`` or the ``safe_globals([...])`` context manager.
    """


class Corrupt(Exception):
    """Internal: the bytes are not a valid checkpoint (the reason says where and why)."""


class Unsupported(Exception):
    """Internal: a valid file holding something reograd has no counterpart for."""


class Refused(Exception):
    """Internal: a pickle asks for a global outside the allow-list (``name`` is its dotted name)."""

    def __init__(self, reason, name=None):
        super().__init__(reason)
        self.name = name


class UserCodeError(Exception):
    """Internal: an exception raised by the caller's own code (a ``map_location`` function, a class the
    caller allowed); ``load`` re-raises ``original`` unchanged instead of calling the file corrupt."""

    def __init__(self, original):
        super().__init__(str(original))
        self.original = original


def public_error(exc, name):
    """The ``CheckpointError`` that ``load`` raises for the internal exception ``exc`` about file ``name``."""
    if isinstance(exc, Refused):
        return UnsafeGlobalError(f"reograd.load: refused {name}: {exc}")
    if isinstance(exc, Unsupported):
        return CheckpointError(f"reograd.load: cannot load {name}: {exc}")
    reason = str(exc) if isinstance(exc, Corrupt) else f"{type(exc).__name__}: {exc}"
    return CheckpointError(f"reograd.load: not a reograd checkpoint or corrupt: {name}: {reason}")
