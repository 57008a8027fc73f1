"""``reograd.compat``: run PyTorch scripts on reograd, unchanged.

    import reograd.compat
    reograd.compat.install()        # from here on, in this process:
    import torch                    # -> reograd
    import torch.nn.functional as F # -> reograd.nn.functional
    from torchvision import datasets, transforms   # -> reograd.vision.datasets / .transforms
    from torchviz import make_dot   # -> reograd.viz

or, without touching the script: ``python -m reograd.compat script.py [args...]``.

How it works: :func:`install` puts the aliases in ``sys.modules`` (``torch`` *is* the module
``reograd``, so ``torch.Tensor is reograd.Tensor``), and puts an import hook first on
``sys.meta_path`` that maps any further ``torch.X.Y`` to ``reograd.X.Y`` (``torchvision.X`` to
``reograd.vision.X``, ``torchviz`` to ``reograd.viz``), so that no second copy of a reograd module is
ever loaded under a ``torch`` name. A real PyTorch that was imported before is set aside and put
back by :func:`uninstall`.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

__all__ = ["install", "uninstall", "is_installed", "ALIASES", "target_of"]

#: alias package -> reograd package; submodules map by the same dotted path below them
ALIASES = {
    "torch": "reograd",
    "torchvision": "reograd.vision",
    "torchviz": "reograd.viz",
    "torch_geometric": "reograd.geometric",
}

#: the modules put in ``sys.modules`` at once by :func:`install` (others load on first import)
EAGER = [
    "torch", "torch.nn", "torch.nn.functional", "torch.nn.init", "torch.nn.utils", "torch.optim",
    "torch.optim.lr_scheduler", "torch.autograd", "torch.linalg", "torch.cuda", "torch.utils", "torch.utils.data",
    "torchvision", "torchvision.datasets", "torchvision.transforms", "torchviz",
]

_state = {"installed": False, "saved": {}, "finder": None}


def target_of(name):
    """The reograd module name an aliased module name maps to (None if ``name`` is not aliased).

    ``target_of("torch.nn.functional") == "reograd.nn.functional"``.
    """
    head, _, rest = name.partition(".")
    base = ALIASES.get(head)
    if base is None:
        return None
    return base + ("." + rest if rest else "")


def _is_alias_name(name):
    return name.partition(".")[0] in ALIASES


class _AliasLoader(importlib.abc.Loader):
    """Loads an alias by importing its reograd target and handing back that very module object."""

    def __init__(self, alias, target):
        self.alias, self.target = alias, target

    def create_module(self, spec):
        return _import_target(self.alias, self.target)

    def exec_module(self, module):  # the target module is already executed
        pass


class _AliasFinder(importlib.abc.MetaPathFinder):
    """First on ``sys.meta_path``: resolves ``torch.*`` / ``torchvision.*`` / ``torchviz.*`` to reograd."""

    def find_spec(self, fullname, path=None, target=None):
        tgt = target_of(fullname)
        if tgt is None:
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(fullname, tgt))


def _import_target(alias, target):
    try:
        return importlib.import_module(target)
    except ModuleNotFoundError as e:
        if e.name is not None and (e.name == target or target.startswith(e.name + ".")):
            raise ModuleNotFoundError(
                f"No module named '{alias}': reograd.compat maps it to '{target}', which reograd does not have",
                name=alias) from e
        raise


def install():
    """Make ``import torch`` / ``torchvision`` / ``torchviz`` (and their submodules) give reograd.

    Idempotent. Lasts for the rest of the process, or until :func:`uninstall`. Modules of a real
    PyTorch imported earlier are taken out of ``sys.modules`` (and restored by ``uninstall``);
    objects already created from them are untouched. Returns the ``reograd`` module.
    """
    import reograd

    if _state["installed"]:
        return reograd
    saved = {k: v for k, v in sys.modules.items() if _is_alias_name(k)}
    for k in saved:
        del sys.modules[k]
    finder = _AliasFinder()
    sys.meta_path.insert(0, finder)
    _state.update(installed=True, saved=saved, finder=finder)
    for alias in EAGER:
        try:
            importlib.import_module(alias)
        except ImportError:
            pass  # a part of reograd not there (yet): importing the alias later raises a clear error
    return reograd


def uninstall():
    """Undo :func:`install`: drop the aliases and the import hook, put back what was there before."""
    if not _state["installed"]:
        return
    finder = _state["finder"]
    if finder in sys.meta_path:
        sys.meta_path.remove(finder)
    for k in [k for k in sys.modules if _is_alias_name(k)]:
        del sys.modules[k]
    sys.modules.update(_state["saved"])
    _state.update(installed=False, saved={}, finder=None)


def is_installed():
    """True while the aliases are installed in this process."""
    return _state["installed"]
