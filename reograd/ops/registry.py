"""The one registry of Tensor methods: op modules declare theirs with ``register``, ``attach`` sets them.

Every Tensor method that is an op (``x.exp()``, ``x.add_(y)``, ``x @ y``, ``x[i]``) is declared in
the module that defines the op, next to it::

    register(hypot, atan2, inplace=True)          # Tensor.hypot, .hypot_, .atan2, .atan2_
    register(__matmul__=matmul, T=property(_T))   # other names: operators, aliases, properties

and attached once, by ``reograd/ops/__init__.py`` after it has imported every op module. A name
declared twice is an error (two modules would otherwise silently race for it).
"""
from __future__ import annotations

from ..autograd.tensor import Tensor
from .inplace import make_inplace

_methods = {}   # name -> (function or descriptor, module that declared it)
_attached = False


def register(*functions, inplace=False, **named):
    """Declare Tensor methods: each function under its own name (and, with ``inplace=True``, its
    in-place variant ``name_``), and each ``name=function`` keyword under ``name``."""
    for fn in functions:
        _declare(fn.__name__, fn)
        if inplace:
            _declare(fn.__name__ + "_", make_inplace(fn))
    for name, fn in named.items():
        _declare(name, fn)


def _declare(name, fn):
    owner = getattr(fn, "__module__", None) or getattr(getattr(fn, "fget", None), "__module__", "?")
    if name in _methods and _methods[name][0] is not fn:
        raise RuntimeError(f"Tensor.{name} is declared twice: by {_methods[name][1]} and by {owner}")
    _methods[name] = (fn, owner)
    if _attached:  # a method declared after the first attach (e.g. an op module imported later)
        setattr(Tensor, name, fn)


def attach():
    """Make every declared function a Tensor method (called once, when ``reograd.ops`` is imported)."""
    global _attached
    for name, (fn, _) in _methods.items():
        setattr(Tensor, name, fn)
    _attached = True


def methods():
    """``{name: function}`` of every registered Tensor method (for documentation and tests)."""
    return {name: fn for name, (fn, _) in _methods.items()}
