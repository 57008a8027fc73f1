"""Evaluation traces of a small function, as in the lecture notes' automatic-differentiation tables.

``trace(f, *inputs)`` runs ``f`` once, records every operation it applies, and prints

- the forward (primal) trace: ``w1 = x1 = 2``, ``w3 = w1 * w2 = 6``, ...
- the forward-mode tangent trace, one pass per input direction: ``dw3/dx1 = 3``, ...
- the reverse-mode (adjoint) trace, from the output back: ``dz/dw5 = 1``, ..., ``dz/dw1 = 2.584``

and returns a :class:`TraceResult` (rows with name, op, expression, value, tangents and adjoint).

>>> r = reograd.autograd.trace(lambda x1, x2: x1 * x2 + x1.sin(), 2.0, 3.0)
>>> r.grad          # (cos(2) + 3, 2)

Values come from recording each op application (the graph's nodes, in creation order); adjoints
from ``autograd.grad`` of the output w.r.t. every intermediate; tangents from ``forward_ad``.
"""
from __future__ import annotations

import dataclasses
from contextlib import contextmanager

import numpy as np

from . import forward_ad as fwad
from .engine import grad as _grad
from .function import Function
from .grad_mode import enable_grad, state as _state
from .tensor import Tensor

__all__ = ["trace", "TraceResult", "TraceRow", "demos"]

_INFIX = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**", "matmul": "@"}


@dataclasses.dataclass
class TraceRow:
    """One intermediate of the evaluation: ``name = expr`` with its value, tangents and adjoint."""
    name: str                  # w1, w2, ...
    op: str                    # "input", "mul", "sin", ... (from the graph node's name)
    expr: str                  # "w1 * w2"
    value: np.ndarray
    tangents: dict             # input name -> d(this)/d(input) along that input's direction
    adjoint: np.ndarray        # d(output)/d(this)
    node: object = None        # the graph node (None for inputs)


@dataclasses.dataclass
class TraceResult:
    rows: list
    inputs: list               # input names x1, x2, ...
    output: np.ndarray
    grad: tuple                # d output / d input, per input (reverse mode)
    forward_grad: tuple        # the same by forward mode (one pass per input)

    def row(self, name):
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(name)

    def __getitem__(self, name):
        return self.row(name)

    def format(self):
        return _format(self)

    def __str__(self):
        return _format(self)


def _fmt(v):
    v = np.asarray(v)
    if v.size == 1:
        x = v.reshape(()).item()
        return f"{x + 0.0:.4g}" if isinstance(x, float) else str(x)
    return np.array2string(v, precision=4, separator=", ").replace("\n", "")


@contextmanager
def _recording(log, only_forward_mode=False):
    """Record ``(node, args, outputs)`` for every op applied while active (both ways a recorded op's
    outputs are wrapped: the general ``_wrap_outputs`` and its one-output hot path ``_wrap_single``)."""
    originals = {"_wrap_outputs": Function._wrap_outputs, "_wrap_single": Function._wrap_single}

    def recorder(orig):
        def wrap(self, raw, args, *rest):
            res = orig(self, raw, args, *rest)
            if not only_forward_mode or _state.fw_level >= 0:
                log.append((self, args, res if isinstance(res, tuple) else (res,)))
            return res
        return wrap
    for name, orig in originals.items():
        setattr(Function, name, recorder(orig))
    try:
        yield
    finally:
        for name, orig in originals.items():
            setattr(Function, name, orig)


def _op_name(node):
    n = node.name()
    for suffix in ("Backward0", "Backward1", "Backward"):
        if n.endswith(suffix):
            n = n[: -len(suffix)]
            break
    return n.lower() if n else type(node).__name__.lower()


def _as_input(x):
    if isinstance(x, Tensor):
        t = x.detach()
        if t._data.dtype.kind != "f":
            t = t.double()
        return t
    return Tensor._make(np.asarray(x, dtype=np.float64))


def trace(f, *inputs, names=None, verbose=True, forward=True, reverse=True):
    """Print and return the evaluation trace of ``f`` at ``inputs`` (numbers or tensors).

    Each intermediate gets a name ``w1, w2, ...`` (inputs first), its op, its value, its tangent
    along each input direction (forward mode: one pass per input) and its adjoint d out / d w
    (reverse mode, one pass). A non-scalar output's adjoints are those of ``output.sum()``.
    """
    xs = [_as_input(x) for x in inputs]
    in_names = list(names) if names is not None else [f"x{i + 1}" for i in range(len(xs))]
    leaves = [x.clone().requires_grad_(True) for x in xs]
    log = []
    with enable_grad(), _recording(log):
        out = f(*leaves)
    if not isinstance(out, Tensor):
        raise TypeError(f"trace: f must return a Tensor, got {type(out).__name__}")

    # name every tensor: inputs w1..wn, then each op output in creation order
    names_of = {}       # (node, output_nr) edge -> name
    rows = []
    for i, (x, leaf) in enumerate(zip(xs, leaves)):
        name = f"w{i + 1}"
        names_of[leaf._edge()] = name
        rows.append(TraceRow(name, "input", in_names[i], x._data.copy(), {}, None))
    tensors = list(leaves)
    k = len(xs)
    for node, args, outs in log:
        arg_names = []
        for a in args:
            if isinstance(a, Tensor):
                nm = names_of.get(a._edge()) if a._requires_grad else None
                arg_names.append(nm if nm is not None else _fmt(a._data))
            elif isinstance(a, (int, float, bool)):
                arg_names.append(repr(a))
        op = _op_name(node)
        for t in outs:
            if t is None or not t._requires_grad or t.grad_fn is not node:
                continue
            k += 1
            name = f"w{k}"
            names_of[t._edge()] = name
            if op in _INFIX and len(arg_names) >= 2:
                expr = f"{arg_names[0]} {_INFIX[op]} {arg_names[1]}"
            else:
                expr = f"{op}({', '.join(arg_names)})"
            rows.append(TraceRow(name, op, expr, t._data.copy(), {}, None, node))
            tensors.append(t)
    out_name = names_of.get(out._edge(), "z") if out._requires_grad else "z"

    # reverse mode: one pass gives the adjoint of every intermediate
    if reverse and out._requires_grad:
        go = Tensor._make(np.ones_like(out._data))
        adj = _grad(out, tensors, go, retain_graph=True, allow_unused=True)
        for r, g in zip(rows, adj):
            r.adjoint = np.zeros_like(r.value) if g is None else g._data.copy()
    grads = tuple(r.adjoint for r in rows[: len(xs)]) if reverse else ()

    # forward mode: one pass per input direction (tangent 1 for that input's elements, 0 for the others)
    fgrads = []
    if forward:
        for i, x in enumerate(xs):
            flog = []
            with fwad.dual_level(), _recording(flog, only_forward_mode=True):
                duals = [fwad.make_dual(xx, Tensor._make(np.ones_like(xx._data) if j == i else np.zeros_like(xx._data)))
                         for j, xx in enumerate(xs)]
                fout = f(*duals)
                tans = [fwad.unpack_dual(d).tangent for d in duals]
                for _, _, outs in flog:
                    for t in outs:
                        if t is not None and t._fw_grad is not None:
                            tans.append(t._fw_grad)
                ft = fwad.unpack_dual(fout).tangent
            for r, t in zip(rows, tans):
                r.tangents[in_names[i]] = t._data.copy()
            fgrads.append(np.zeros_like(fout._data) if ft is None else ft._data.copy())
    res = TraceResult(rows, in_names, out._data.copy(), grads, tuple(fgrads))
    res.output_name = out_name
    if verbose:
        print(_format(res))
    return res


def _format(res):
    lines = ["Forward (primal) trace:"]
    width = max(len(r.name) for r in res.rows)
    for r in res.rows:
        lines.append(f"  {r.name:<{width}} = {r.expr} = {_fmt(r.value)}")
    out_name = getattr(res, "output_name", "z")
    lines.append(f"  z = {out_name} = {_fmt(res.output)}")
    for x in res.inputs:
        if not res.rows or x not in res.rows[0].tangents:
            continue
        lines.append(f"Forward-mode tangent trace (direction {x}: d{x} = 1, the other inputs 0):")
        for r in res.rows:
            lines.append(f"  d{r.name}/d{x} = {_fmt(r.tangents[x])}")
    if res.rows and res.rows[0].adjoint is not None:
        lines.append("Reverse-mode (adjoint) trace, from the output back:")
        for r in reversed(res.rows):
            lines.append(f"  dz/d{r.name} = {_fmt(r.adjoint)}")
        lines.append("Gradient: " + ", ".join(f"dz/d{x} = {_fmt(g)}" for x, g in zip(res.inputs, res.grad)))
    if res.forward_grad:
        lines.append("Forward mode gives the same: " + ", ".join(
            f"dz/d{x} = {_fmt(g)}" for x, g in zip(res.inputs, res.forward_grad)))
    return "\n".join(lines)


def demos(verbose=True):
    """The notes' three worked examples; returns their TraceResults."""
    out = {}
    if verbose:
        print("== f(a, b) = log(a * b) at (2, 3): value 1.791, gradient (0.5, 0.333)")
    out["log_ab"] = trace(lambda a, b: (a * b).log(), 2.0, 3.0, names=("a", "b"), verbose=verbose)
    if verbose:
        print("\n== z = sin(x1) + x1 * x2 at (2, 3): dz/dx1 = cos(2) + 3 = 2.584, dz/dx2 = 2")
    out["sin_x1x2"] = trace(lambda x1, x2: x1 * x2 + x1.sin(), 2.0, 3.0, verbose=verbose)
    if verbose:
        print("\n== e = (a + b) * (b + 1) at (2, 1): de/da = 2, de/db = 5")
    out["ab_b1"] = trace(lambda a, b: (a + b) * (b + 1), 2.0, 1.0, names=("a", "b"), verbose=verbose)
    return out
trace.demos = demos  # reograd.autograd.trace.demos() works whether the name is the function or the module
