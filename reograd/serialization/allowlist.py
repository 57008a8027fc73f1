"""The caller's additions to the allow-list of globals a PyTorch checkpoint may name, as
``torch.serialization.add_safe_globals`` and ``safe_globals``.

Only objects the caller names here are ever called with arguments from a file (besides reograd's own
allow-list of tensor rebuild functions, ``OrderedDict``, dtypes, ``torch.Size``...). Allow a class only
if you trust the file: unpickling calls the class (or ``cls.__new__``) and its ``__setstate__`` with
whatever arguments the file holds.

    >>> reograd.serialization.add_safe_globals([argparse.Namespace])   # for the whole process
    >>> with reograd.serialization.safe_globals([MyConfig]):           # for a block
    ...     ckpt = reograd.load("run.pt")
"""
from __future__ import annotations

import threading

__all__ = ["add_safe_globals", "clear_safe_globals", "get_safe_globals", "safe_globals", "lookup"]

_lock = threading.Lock()
_added = []  # entries as given: an object, or (object, "module.name")


def _key(entry):
    """The dotted name a pickle uses for ``entry`` (an object, or an ``(object, "module.name")`` pair)."""
    if isinstance(entry, tuple):
        if len(entry) != 2 or not isinstance(entry[1], str):
            raise TypeError(f"add_safe_globals: a tuple entry must be (object, 'module.name'), got {entry!r}")
        return entry[1], entry[0]
    module = getattr(entry, "__module__", None)
    name = getattr(entry, "__qualname__", None) or getattr(entry, "__name__", None)
    if not isinstance(module, str) or not isinstance(name, str):
        raise TypeError(f"add_safe_globals: {entry!r} has no __module__/__qualname__; pass (object, 'module.name')")
    return f"{module}.{name}", entry


def add_safe_globals(safe_globals):
    """Allow the functions/classes in the list ``safe_globals`` (objects, or ``(object, "module.name")`` pairs
    for an object pickled under another name) in every later ``reograd.load`` of a PyTorch file."""
    entries = list(safe_globals)
    for e in entries:
        _key(e)  # checked before anything is added
    with _lock:
        _added.extend(entries)


def get_safe_globals():
    """The entries added with ``add_safe_globals`` (and active ``safe_globals`` blocks), oldest first."""
    with _lock:
        return list(_added)


def clear_safe_globals():
    """Remove every entry added with ``add_safe_globals``."""
    with _lock:
        _added.clear()


class safe_globals:
    """Context manager: allow ``safe_globals`` (as ``add_safe_globals``) inside the ``with`` block only."""

    def __init__(self, safe_globals):
        self.entries = list(safe_globals)
        for e in self.entries:
            _key(e)

    def __enter__(self):
        with _lock:
            _added.extend(self.entries)
        return self

    def __exit__(self, *exc):
        with _lock:
            for e in self.entries:
                for i in range(len(_added) - 1, -1, -1):
                    if _added[i] is e:
                        del _added[i]
                        break
        return False


def lookup():
    """``{dotted name: object}`` of the entries allowed now."""
    with _lock:
        return dict(_key(e) for e in _added)
