"""Every public function, class and Tensor method has a docstring that says what it computes.

Project standard: "every public function has a docstring that says what it computes (the formula
from the notes where there is one), its arguments and shapes, and an example where it helps".
This test walks the public API and lists every name whose docstring is missing or trivial.

What counts as documented:
- a docstring of at least one sentence (>= 3 words, >= 15 characters);
- an alias is the same object as its target, so it shares the target's docstring;
- a Tensor method that is the same function as ``reograd.<name>`` shares that function's docstring;
- the ``x_`` variants built by ``make_inplace`` carry a generated docstring ("In-place version of ...");
- a property is documented by its getter's docstring;
- a ``__slots__`` attribute (e.g. ``Tensor.grad_fn``) is documented by its value in the class's
  ``__slots__`` dict (Python's way: ``help()`` and ``inspect.getdoc`` show it).
"""
import importlib
import inspect

import pytest

import reograd

# Public namespaces whose functions and classes must be documented (names without a leading
# underscore that are functions/classes defined inside reograd).
NAMESPACES = [
    "reograd", "reograd.nn", "reograd.nn.functional", "reograd.nn.init", "reograd.nn.utils", "reograd.linalg",
    "reograd.optim", "reograd.optim.lr_scheduler", "reograd.utils.data", "reograd.vision.datasets",
    "reograd.vision.transforms", "reograd.func", "reograd.autograd", "reograd.train",
    "reograd.nn.utils.rnn",
    "reograd.geometric", "reograd.geometric.data", "reograd.geometric.loader", "reograd.geometric.nn",
    "reograd.geometric.nn.aggr", "reograd.geometric.nn.inits", "reograd.geometric.utils", "reograd.ops.nn.segment",
    "reograd.distributed", "reograd.distributed.nn.functional", "reograd.nn.parallel",
    "reograd.serialization", "reograd.safetensors", "reograd.vision.models",
]
NAMESPACES += ["reograd.explain", "reograd.explain.surrogate", "reograd.explain.visualization"]

def _is_documented(doc):
    if not doc:
        return False
    doc = doc.strip()
    return len(doc) >= 15 and len(doc.split()) >= 3


def _own_doc(obj):
    """The docstring written for ``obj`` itself (a class's ``__doc__`` is never inherited)."""
    if inspect.isclass(obj):
        return obj.__dict__.get("__doc__")
    return getattr(obj, "__doc__", None)


def _defined_in_reograd(obj):
    return (getattr(obj, "__module__", None) or "").startswith("reograd")


def public_api():
    """Yield (qualified public name, object, its docstring) for every documented-API entry."""
    for ns in NAMESPACES:
        module = importlib.import_module(ns)
        for name in sorted(dir(module)):
            if name.startswith("_"):
                continue
            obj = getattr(module, name)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)) or not _defined_in_reograd(obj):
                continue
            yield f"{ns}.{name}", obj, _own_doc(obj)
    for name in sorted(dir(reograd.Tensor)):
        if name.startswith("_"):
            continue
        raw = inspect.getattr_static(reograd.Tensor, name)
        if isinstance(raw, property):
            doc = raw.__doc__ or (raw.fget.__doc__ if raw.fget is not None else None)
            obj = raw.fget
        elif isinstance(raw, (staticmethod, classmethod)):
            obj, doc = raw.__func__, raw.__func__.__doc__
        elif inspect.ismemberdescriptor(raw):  # a slot: its docstring is its entry in a __slots__ dict
            obj, doc = raw, inspect.getdoc(raw)
        elif inspect.isfunction(raw) or inspect.ismethoddescriptor(raw) or inspect.isdatadescriptor(raw):
            obj, doc = raw, raw.__doc__
        else:
            continue  # plain class constants (e.g. __array_priority__-like values)
        yield f"Tensor.{name}", obj, doc


def _where(obj):
    try:
        return inspect.getsourcefile(obj).split("reograd/", 1)[-1]
    except (TypeError, AttributeError):
        return "?"


def test_public_api_has_docstrings():
    offenders = sorted({f"{qual}  ({_where(obj)})" for qual, obj, doc in public_api()
                        if not _is_documented(doc)})
    assert not offenders, ("public names without a docstring (what it computes, args/shapes):\n  "
                           + "\n  ".join(offenders))


@pytest.mark.parametrize("doc, ok", [(None, False), ("", False), ("Sum.", False), ("   \n ", False),
                                     ("Sum of all elements of input.", True)])
def test_is_documented_rule(doc, ok):
    assert _is_documented(doc) is ok
