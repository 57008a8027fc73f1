"""The package's layers import only downwards, and its modules import each other without circles.

Layers, lowest first: backend -> autograd -> ops -> the top-level namespace (``reograd``, ``linalg``,
``special``, ...) -> nn, func, viz -> optim, utils.data -> everything else (train, vision, compat...).

- In a fresh interpreter, importing a layer loads no module of a layer above it (``reograd.autograd``
  loads no ``reograd.ops`` module). Layers below the namespace are imported without running
  ``reograd/__init__.py`` (which imports everything), through a bare parent package.
- No import statement anywhere, at module level or inside a function, names a module of a higher layer.
- The graph of import-time (module-level) imports has no cycle. Imports inside functions close no
  cycle either, except inside ``autograd``'s core, where Tensor, Function, views and the engine are
  mutually recursive at run time (``Tensor.backward`` runs the engine, which is built on Tensor).
"""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PKG = os.path.join(ROOT, "reograd")

# (layer, module-name prefixes), lowest first; a module not named here belongs to the top layer
LAYERS = [
    ("backend", ["reograd.backend"]),
    ("autograd", ["reograd.autograd"]),
    ("ops", ["reograd.ops"]),
    ("namespace", ["reograd", "reograd.linalg", "reograd.special", "reograd.serialization", "reograd.threads",
                   "reograd.cuda", "reograd.distributed"]),
    ("nn", ["reograd.nn", "reograd.func", "reograd.viz"]),
    ("optim", ["reograd.optim", "reograd.utils"]),
]
TOP = len(LAYERS)


def layer_of(module):
    """The layer of a module: that of the longest prefix naming it (``reograd`` names only itself)."""
    best, best_len = TOP, -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or (p != "reograd" and module.startswith(p + "."))) and len(p) > best_len:
                best, best_len = i, len(p)
    return best


def _modules():
    """{module name: path} of every module of the package."""
    out = {}
    for dirpath, _, files in os.walk(PKG):
        for f in files:
            if f.endswith(".py"):
                rel = os.path.relpath(os.path.join(dirpath, f), ROOT)[:-3].split(os.sep)
                if rel[-1] == "__init__":
                    rel = rel[:-1]
                out[".".join(rel)] = os.path.join(dirpath, f)
    return out


MODULES = _modules()


def _is_package(module):
    return MODULES.get(module, "").endswith("__init__.py")


def _targets(module, node):
    """The reograd modules an import statement loads (``from pkg import name``: pkg.name if it is a
    module, else pkg)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "reograd"]
    if node.level:
        base = module.split(".") if _is_package(module) else module.split(".")[:-1]
        base = base[:len(base) - node.level + 1]
        src = ".".join(base + ([node.module] if node.module else []))
    else:
        src = node.module or ""
    if src.split(".")[0] != "reograd":
        return []
    out = []
    for a in node.names:
        sub = f"{src}.{a.name}"
        out.append(sub if sub in MODULES else src)
    return out


def _import_edges():
    """(module, target, at_import_time) for every import statement of the package."""
    edges = []
    for module, path in MODULES.items():
        tree = ast.parse(open(path, encoding="utf-8").read())

        def walk(node, lazy):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    for t in _targets(module, child):
                        if t != module:
                            edges.append((module, t, not lazy))
                walk(child, lazy or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))
        walk(tree, False)
    return edges


EDGES = _import_edges()


def _cycles(edges):
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    graph = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    index, low, on_stack, stack, comps = {}, {}, set(), [], []
    counter = [0]
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        x = stack.pop()
                        on_stack.discard(x)
                        comp.append(x)
                        if x == v:
                            break
                    if len(comp) > 1:
                        comps.append(sorted(comp))
            elif w not in index:
                index[w] = low[w] = counter[0]
                counter[0] += 1
                stack.append(w)
                on_stack.add(w)
                work.append((w, iter(sorted(graph[w]))))
            elif w in on_stack:
                low[v] = min(low[v], index[w])
    return comps


def test_no_import_names_a_higher_layer():
    bad = [f"{a} ({LAYERS[layer_of(a)][0] if layer_of(a) < TOP else 'top'}) imports {b} "
           f"({LAYERS[layer_of(b)][0] if layer_of(b) < TOP else 'top'}){'' if now else ' inside a function'}"
           for a, b, now in EDGES if layer_of(b) > layer_of(a)]
    assert not bad, "upward imports:\n" + "\n".join(sorted(bad))


def test_no_import_time_cycles():
    cycles = _cycles([(a, b) for a, b, now in EDGES if now])
    assert not cycles, f"circular imports: {cycles}"


def test_function_level_imports_close_no_cycle_outside_autograd():
    cycles = _cycles([(a, b) for a, b, _ in EDGES])
    outside = [c for c in cycles if any(layer_of(m) != 1 for m in c)]
    assert not outside, f"circular imports (counting imports inside functions): {outside}"


_PROBE = r"""
import importlib, json, sys, types
root, layer_modules, bare = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3] == "1"
sys.path.insert(0, root)
if bare:  # the package without its __init__ (which imports every layer)
    pkg = types.ModuleType("reograd")
    pkg.__path__ = [root + "/reograd"]
    sys.modules["reograd"] = pkg
for m in layer_modules:
    importlib.import_module(m)
print(json.dumps(sorted(m for m in sys.modules if m == "reograd" or m.startswith("reograd."))))
"""


@pytest.mark.parametrize("layer", range(len(LAYERS)), ids=[name for name, _ in LAYERS])
def test_importing_a_layer_loads_nothing_above_it(layer):
    mods = sorted(m for m in MODULES if layer_of(m) == layer and not m.endswith("__main__"))
    bare = layer < 3
    out = subprocess.run([sys.executable, "-c", _PROBE, ROOT, json.dumps(mods), "1" if bare else "0"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    loaded = json.loads(out.stdout)
    above = [m for m in loaded if layer_of(m) > layer and not (bare and m == "reograd")]
    assert not above, f"importing the {LAYERS[layer][0]} layer loaded {above}"
