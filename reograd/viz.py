"""Drawing the backward graph, as ``torchviz``: ``make_dot(output, params=dict(model.named_parameters()))``.

One node per op (``grad_fn.name()``, e.g. ``MulBackward0``), leaves (``AccumulateGrad``) labelled
with the parameter's name and shape, the output in green, optionally the shapes of the tensors
each op saved for backward (``show_saved=True``) and its non-tensor attributes (``show_attrs=True``).

``make_dot`` returns a ``graphviz.Digraph`` when the ``graphviz`` package is installed, otherwise a
:class:`DotGraph` holding the same DOT text (``.source``). ``text_graph`` prints the graph as a tree.
"""
from __future__ import annotations

from .autograd.graph import AccumulateGrad
from .autograd.saved import FREED
from .autograd.tensor import Tensor

__all__ = ["make_dot", "text_graph", "DotGraph"]

_NODE_ATTR = dict(style="filled", shape="box", align="left", fontsize="10", ranksep="0.1", height="0.2",
                  fontname="monospace")


class DotGraph:
    """A DOT description of a graph (what ``make_dot`` returns without the graphviz package)."""

    def __init__(self, source):
        self.source = source

    def render(self, *args, **kwargs):
        raise RuntimeError("make_dot(...).render: drawing needs the 'graphviz' Python package and the Graphviz "
                           "binaries (pip install graphviz; apt-get install graphviz). The DOT text is in .source.")

    def save(self, filename="graph.gv"):
        with open(filename, "w") as f:
            f.write(self.source)
        return filename

    def _repr_svg_(self):  # pragma: no cover - notebooks only
        return None

    def __str__(self):
        return self.source


def _shape(shape):
    return "(" + ", ".join(str(int(s)) for s in shape) + ")"


def _quote(s):
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _saved_shapes(node):
    saved = node.__dict__.get("_saved")
    if saved is None or saved is FREED:
        return []
    out = []
    for i, s in enumerate(saved):
        if s is None:
            continue
        data = s.tensor._data if hasattr(s, "tensor") else getattr(s, "data", None)
        if data is not None and hasattr(data, "shape"):
            out.append((f"saved[{i}]", tuple(data.shape)))
    return out


_SKIP_ATTRS = {"next_functions", "_saved", "_inputs", "_needs", "_input_meta", "_out_meta", "_seq", "_n_outputs",
               "_keep", "_trace", "_fw_out_meta", "_non_diff", "_dirty", "_materialize_grads", "_tensor_hooks",
               "_retain", "_post_hooks", "_node_pre_hooks"}


def _attrs(node, max_chars):
    out = []
    for k, v in sorted(node.__dict__.items()):
        if k in _SKIP_ATTRS or k.startswith("__") or isinstance(v, Tensor):
            continue
        r = repr(v)
        if len(r) > max_chars:
            r = r[: max_chars - 3] + "..."
        out.append(f"{k.lstrip('_')}: {r}")
    return out


def _walk(outputs, params, show_attrs, show_saved, max_attr_chars):
    """Nodes ``(id, label, color)`` and edges ``(src, dst)`` of the graph behind ``outputs``."""
    names = {id(p): n for n, p in (params or {}).items()}
    nodes, edges = [], []
    seen = set()

    def leaf_label(var):
        name = names.get(id(var))
        return (f"{name}\n " if name else "") + _shape(var.shape)

    stack = []
    for k, out in enumerate(outputs):
        oid = f"out{k}"
        nodes.append((oid, (names.get(id(out), "") + "\n " if names.get(id(out)) else "") + _shape(out.shape),
                      "darkolivegreen1"))
        if out.grad_fn is not None:
            edges.append((str(id(out.grad_fn)), oid))
            stack.append(out.grad_fn)
        elif out.requires_grad:
            nodes[-1] = (oid, leaf_label(out), "darkolivegreen1")
    while stack:
        node = stack.pop()
        nid = str(id(node))
        if nid in seen:
            continue
        seen.add(nid)
        if type(node) is AccumulateGrad:
            nodes.append((nid, leaf_label(node.variable), "lightblue"))
            continue
        label = node.name()
        if show_attrs:
            attrs = _attrs(node, max_attr_chars)
            if attrs:
                label += "\n" + "-" * max(len(a) for a in attrs) + "\n" + "\n".join(attrs)
        nodes.append((nid, label, "lightgray"))
        if show_saved:
            for sname, shape in _saved_shapes(node):
                sid = f"{nid}_saved{len(nodes)}"
                nodes.append((sid, f"{sname}\n {_shape(shape)}", "orange"))
                edges.append((sid, nid, "dotted"))
        for e in node.next_functions:
            if e is not None and e[0] is not None:
                edges.append((str(id(e[0])), nid))
                stack.append(e[0])
    return nodes, edges


def make_dot(var, params=None, show_attrs=False, show_saved=False, max_attr_chars=50):
    """The backward graph of ``var`` (a Tensor or a tuple of them) as a Graphviz graph.

    ``params``: ``{name: tensor}`` (e.g. ``dict(model.named_parameters())``) to label the leaves.
    """
    outputs = tuple(var) if isinstance(var, (tuple, list)) else (var,)
    if params is not None and not isinstance(params, dict):
        params = dict(params)
    nodes, edges = _walk(outputs, params, show_attrs, show_saved, max_attr_chars)
    lines = ["digraph {", "\tgraph [size=\"12,12\"]",
             "\tnode [" + " ".join(f"{k}={v}" for k, v in _NODE_ATTR.items()) + "]"]
    for nid, label, color in nodes:
        lines.append(f"\t{nid} [label={_quote(label)} fillcolor={color}]")
    for e in edges:
        style = f" [style={e[2]}]" if len(e) > 2 else ""
        lines.append(f"\t{e[0]} -> {e[1]}{style}")
    lines.append("}")
    source = "\n".join(lines) + "\n"
    try:
        import graphviz  # noqa: PLC0415
    except ImportError:
        return DotGraph(source)
    dot = graphviz.Digraph(node_attr=_NODE_ATTR, graph_attr=dict(size="12,12"))
    for nid, label, color in nodes:
        dot.node(nid, label, fillcolor=color)
    for e in edges:
        dot.edge(e[0], e[1], **({"style": e[2]} if len(e) > 2 else {}))
    return dot


def text_graph(var, params=None, show_saved=False):
    """The backward graph of ``var`` as an indented text tree (a node seen before is marked ``(see above)``).

    >>> print(reograd.viz.text_graph(loss, dict(model.named_parameters())))
    MeanBackward0
    └── AddmmBackward0 ...
    """
    names = {id(p): n for n, p in (params or {}).items()}
    out = var[0] if isinstance(var, (tuple, list)) else var
    if out.grad_fn is None:
        return f"{names.get(id(out), 'tensor')} {_shape(out.shape)} (no grad_fn)"
    lines = []
    seen = set()

    def label(node):
        if type(node) is AccumulateGrad:
            v = node.variable
            return f"AccumulateGrad: {names.get(id(v), 'leaf')} {_shape(v.shape)}"
        s = node.name()
        if show_saved:
            shapes = _saved_shapes(node)
            if shapes:
                s += "  [saved: " + ", ".join(_shape(sh) for _, sh in shapes) + "]"
        return s

    # iterative depth-first walk (no recursion limit on deep graphs)
    stack = [(out.grad_fn, "", "", True)]
    while stack:
        node, prefix, branch, _last = stack.pop()
        again = id(node) in seen and type(node) is not AccumulateGrad
        lines.append(prefix + branch + label(node) + ("  (see above)" if again else ""))
        if again:
            continue
        seen.add(id(node))
        kids = [e[0] for e in node.next_functions if e is not None and e[0] is not None]
        child_prefix = prefix + ("" if not branch else ("    " if branch.startswith("└") else "│   "))
        for i in reversed(range(len(kids))):
            last = i == len(kids) - 1
            stack.append((kids[i], child_prefix, "└── " if last else "├── ", last))
    return "\n".join(lines)
