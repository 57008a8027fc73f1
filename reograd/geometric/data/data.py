"""``Data``: one graph — node features, connectivity, edge features, targets and any other attribute.

A graph G = (V, E) is held in COO form as PyTorch Geometric does: ``x`` (N, F) node features,
``edge_index`` (2, E) integer pairs (source row 0, target row 1), ``edge_attr`` (E, D) edge features,
``y`` targets, ``pos`` (N, d) positions, and any other keyword. ``Data`` behaves like a dict of its
attributes; how an attribute batches is decided by :meth:`Data.__cat_dim__` / :meth:`Data.__inc__`.
"""
from __future__ import annotations

import copy
import warnings
from collections.abc import Mapping, Sequence

import numpy as np

from ...autograd.tensor import Tensor
from ...backend import bool as _bool
from ...ops.creation.factories import ones
from ..utils.degree import contains_isolated_nodes
from ..utils.loop import contains_self_loops
from ..utils.subgraph import select, subgraph
from ..utils.undirected import coalesce, is_undirected

__all__ = ["Data", "size_repr"]

# node-count keys (a tensor under one of these has num_nodes rows) and edge-count keys, as PyG
_N_KEYS = ("x", "feat", "pos", "batch", "node_type", "n_id", "tf")
_E_KEYS = ("edge_index", "edge_weight", "edge_attr", "edge_type", "e_id")


def size_repr(key, value, indent=0):
    """``key=...`` as PyG prints an attribute: a tensor by its shape list, a 0-d tensor by its value, a string
    quoted, a sequence by its length, a mapping by its entries."""
    pad = " " * indent
    if isinstance(value, Tensor) and value.ndim == 0:
        out = value.item()
    elif isinstance(value, Tensor):
        out = str(list(value.shape))
    elif isinstance(value, np.ndarray):
        out = str(list(value.shape))
    elif isinstance(value, str):
        out = f"'{value}'"
    elif isinstance(value, Sequence):
        out = str([len(value)])
    elif isinstance(value, Mapping) and len(value) == 0:
        out = "{}"
    elif isinstance(value, Mapping) and len(value) == 1 and not isinstance(list(value.values())[0], Mapping):
        out = "{ " + ", ".join(size_repr(k, v, 0) for k, v in value.items()) + " }"
    elif isinstance(value, Mapping):
        lines = [size_repr(k, v, indent + 2) for k, v in value.items()]
        out = "{\n" + ",\n".join(lines) + ",\n" + pad + "}"
    else:
        out = str(value)
    return f"{pad}{str(key).replace(chr(39), '')}={out}"


class Data:
    r"""A graph with node-level, edge-level and graph-level attributes (PyG's ``torch_geometric.data.Data``).

    Args:
        x: node feature matrix (N, F).
        edge_index: graph connectivity (2, E), integer; column k is the edge ``edge_index[0, k] -> edge_index[1, k]``.
        edge_attr: edge feature matrix (E, D).
        y: targets (graph-level or node-level, any shape).
        pos: node positions (N, d).
        **kwargs: any further attribute (``data.train_mask = ...`` works too).

    An attribute set to ``None`` is removed. ``num_nodes`` comes from an explicit ``num_nodes`` attribute,
    else from ``x``/``pos``/..., else (with a warning) from ``edge_index.max() + 1``.

    >>> edge_index = reograd.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
    >>> Data(x=reograd.tensor([[-1.], [0.], [1.]]), edge_index=edge_index)
    Data(x=[3, 1], edge_index=[2, 4])
    """

    def __init__(self, x=None, edge_index=None, edge_attr=None, y=None, pos=None, time=None, **kwargs):
        object.__setattr__(self, "_store", {})
        for key, value in (("x", x), ("edge_index", edge_index), ("edge_attr", edge_attr), ("y", y),
                           ("pos", pos), ("time", time)):
            if value is not None:
                self._store[key] = value
        for key, value in kwargs.items():
            setattr(self, key, value)

    # ------------------------------------------------------------------ dict-like access
    def __getattr__(self, key):
        store = self.__dict__.get("_store")
        if store is None:
            raise AttributeError(key)
        if key in store:
            return store[key]
        if key in ("x", "edge_index", "edge_attr", "edge_weight", "y", "pos", "batch", "time", "face"):
            return None  # the standard attributes read as None when absent, as in PyG
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{key}'")

    def __setattr__(self, key, value):
        prop = getattr(type(self), key, None)
        if isinstance(prop, property) and prop.fset is not None:
            prop.fset(self, value)
        elif key.startswith("_"):
            object.__setattr__(self, key, value)
        elif value is None:
            self._store.pop(key, None)
        else:
            self._store[key] = value

    def __delattr__(self, key):
        if key.startswith("_"):
            object.__delattr__(self, key)
        else:
            self._store.pop(key, None)

    def __getitem__(self, key):
        return self._store[key]

    def __setitem__(self, key, value):
        setattr(self, key, value)

    def __delitem__(self, key):
        self._store.pop(key, None)

    def __contains__(self, key):
        return key in self._store and self._store[key] is not None

    def __len__(self):
        """The number of attributes held."""
        return len(self._store)

    def __iter__(self):
        """Yields ``(key, value)`` for every attribute, in the order they were set."""
        return iter(list(self._store.items()))

    def __call__(self, *keys):
        """Yields ``(key, value)`` for the given keys (all attributes when none are given)."""
        for key, value in self._store.items():
            if not keys or key in keys:
                yield key, value

    def keys(self):
        """The attribute names, in the order they were set."""
        return list(self._store.keys())

    def items(self):
        """``(key, value)`` pairs of the attributes."""
        return list(self._store.items())

    def to_dict(self):
        """The attributes as a plain dict (shallow)."""
        return dict(self._store)

    @classmethod
    def from_dict(cls, mapping):
        """A data object holding the entries of ``mapping`` as attributes."""
        return cls(**mapping)

    def update(self, data):
        """Set every attribute of ``data`` (a Data object or a dict) on this one; returns self."""
        for key, value in (data.items() if hasattr(data, "items") else data):
            self[key] = value
        return self

    def __copy__(self):
        out = type(self).__new__(type(self))
        for k, v in self.__dict__.items():
            object.__setattr__(out, k, v)
        object.__setattr__(out, "_store", dict(self._store))
        return out

    def __deepcopy__(self, memo):
        out = type(self).__new__(type(self))
        for k, v in self.__dict__.items():
            object.__setattr__(out, k, copy.deepcopy(v, memo) if k != "_store" else None)
        object.__setattr__(out, "_store", {k: copy.deepcopy(v, memo) for k, v in self._store.items()})
        return out

    def __getstate__(self):
        return dict(self.__dict__)

    def __setstate__(self, state):
        for k, v in state.items():
            object.__setattr__(self, k, v)

    def __repr__(self):
        info = ", ".join(size_repr(k, v) for k, v in self._store.items())
        if any(isinstance(v, Mapping) and len(v) > 1 for v in self._store.values()):
            info = "\n" + ",\n".join(size_repr(k, v, 2) for k, v in self._store.items()) + "\n"
        return f"{type(self).__name__}({info})"

    # ------------------------------------------------------------------ batching rules
    def __cat_dim__(self, key, value, *args, **kwargs):
        """The dim along which ``key`` is concatenated when graphs are batched: -1 for index-like keys
        (``edge_index``, ``face``, any key containing 'index'), else 0."""
        if "index" in key or key == "face":
            return -1
        return 0

    def __inc__(self, key, value, *args, **kwargs):
        """What is added to ``key``'s values per preceding graph when batching: the number of nodes for
        index-like keys, the number of batch entries for keys containing 'batch', else 0."""
        if "batch" in key and isinstance(value, Tensor):
            return int(value.max()) + 1 if value.numel() else 0
        if "index" in key or key == "face":
            n = self.num_nodes
            if n is None:
                raise RuntimeError(f"Unable to infer 'num_nodes' from the attribute '{key}'. Please explicitly set "
                                   f"'num_nodes' as an attribute of 'data' to prevent this error")
            return n
        return 0

    # ------------------------------------------------------------------ sizes
    def _rows_of(self, keys, word):
        """The cat-dim size of the first tensor under one of ``keys``, else under a key containing ``word``."""
        store = self._store
        candidates = [(k, store[k]) for k in keys if k in store] + [(k, v) for k, v in store.items() if word in k]
        for key, value in candidates:
            if isinstance(value, Tensor) and value.ndim:
                return value.shape[self.__cat_dim__(key, value)]
        return None

    @property
    def num_nodes(self):
        """The number of nodes N (None when nothing tells it)."""
        store = self._store
        if "num_nodes" in store:
            return store["num_nodes"]
        n = self._rows_of(_N_KEYS, "node")
        if n is not None:
            return n
        ei = store.get("edge_index")
        if isinstance(ei, Tensor):
            warnings.warn(f"Unable to accurately infer 'num_nodes' from the attribute set '{set(store)}'. Please "
                          f"explicitly set 'num_nodes' as an attribute of 'data' to suppress this warning",
                          stacklevel=2)
            return int(ei.max()) + 1 if ei.numel() else 0
        return None

    @num_nodes.setter
    def num_nodes(self, n):
        if n is None:
            self._store.pop("num_nodes", None)
        else:
            self._store["num_nodes"] = n

    @property
    def num_edges(self):
        """The number of edges E (0 without edge information)."""
        e = self._rows_of(_E_KEYS, "edge")
        return 0 if e is None else e

    def size(self, dim=None):
        """``(num_nodes, num_nodes)`` (the adjacency's shape), or one of them."""
        size = (self.num_nodes, self.num_nodes)
        return size if dim is None else size[dim]

    @property
    def num_node_features(self):
        """F, the number of features per node (``x.size(-1)``; 0 without ``x``)."""
        x = self._store.get("x")
        if isinstance(x, Tensor):
            return 1 if x.ndim == 1 else x.shape[-1]
        return 0

    @property
    def num_features(self):
        """Alias of :attr:`num_node_features`."""
        return self.num_node_features

    @property
    def num_edge_features(self):
        """D, the number of features per edge (``edge_attr.size(-1)``; 0 without ``edge_attr``)."""
        e = self._store.get("edge_attr")
        if isinstance(e, Tensor):
            return 1 if e.ndim == 1 else e.shape[-1]
        return 0

    def is_node_attr(self, key):
        """True if ``key`` holds a node-level tensor (its cat dim has num_nodes entries)."""
        return self._level(key) == "node"

    def is_edge_attr(self, key):
        """True if ``key`` holds an edge-level tensor (its cat dim has num_edges entries)."""
        return self._level(key) == "edge"

    def _level(self, key):
        value = self._store.get(key)
        n, e = self.num_nodes, self.num_edges
        if isinstance(value, (list, tuple)):
            return "node" if len(value) == n else "edge" if len(value) == e else None
        if not isinstance(value, (Tensor, np.ndarray)) or value.ndim == 0:
            return None
        size = value.shape[self.__cat_dim__(key, value)]
        if size == n and (n != e or "edge" not in key):
            return "node"
        if size == e:
            return "edge"
        return None

    def node_attrs(self):
        """The keys of the node-level attributes."""
        return [k for k in self._store if self.is_node_attr(k)]

    def edge_attrs(self):
        """The keys of the edge-level attributes."""
        return [k for k in self._store if self.is_edge_attr(k)]

    # ------------------------------------------------------------------ graph properties
    def has_isolated_nodes(self):
        """True if some node is in no edge."""
        return contains_isolated_nodes(self.edge_index, self.num_nodes)

    def has_self_loops(self):
        """True if some edge joins a node to itself."""
        return contains_self_loops(self.edge_index)

    def is_undirected(self):
        """True if every edge (i, j) has its reverse (j, i), with the same ``edge_attr`` if there is one."""
        if self.edge_index is None:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute 'edge_index'")
        return is_undirected(self.edge_index, self.edge_attr, self.num_nodes)

    def is_directed(self):
        """``not is_undirected()``."""
        return not self.is_undirected()

    def validate(self, raise_on_error=True):
        """Check ``edge_index`` (integer, shape [2, E], indices in [0, num_nodes)) and that edge-level tensors have E
        rows. Raises ValueError on the first problem (or warns and returns False with ``raise_on_error=False``)."""
        cls = type(self).__name__
        problems = []
        n = self.num_nodes
        if n is None:
            problems.append(f"'num_nodes' is undefined in '{cls}'")
        ei = self._store.get("edge_index")
        if ei is not None:
            if not isinstance(ei, Tensor) or ei.ndim != 2 or ei.shape[0] != 2:
                problems.append(f"'edge_index' needs to be of shape [2, num_edges] in '{cls}' (found "
                                f"{list(ei.shape) if hasattr(ei, 'shape') else type(ei).__name__})")
            elif ei._array().dtype.kind not in "iu":
                problems.append(f"'edge_index' needs to be an integer tensor in '{cls}' (found dtype {ei.dtype})")
            elif ei.numel():
                lo, hi = int(ei.min()), int(ei.max())
                if lo < 0:
                    problems.append(f"'edge_index' contains negative indices in '{cls}' (found {lo})")
                if n is not None and hi >= n:
                    problems.append(f"'edge_index' contains larger indices than the number of nodes ({n}) in "
                                    f"'{cls}' (found {hi})")
            if not problems:
                e = ei.shape[1]
                for key in ("edge_attr", "edge_weight"):
                    v = self._store.get(key)
                    if isinstance(v, Tensor) and (v.ndim == 0 or v.shape[0] != e):
                        problems.append(f"'{key}' has {v.shape[0] if v.ndim else 0} rows but 'edge_index' has {e} "
                                        f"edges in '{cls}' ({key} shape {list(v.shape)})")
        for p in problems:
            if raise_on_error:
                raise ValueError(p)
            warnings.warn(p, stacklevel=2)
        return not problems

    # ------------------------------------------------------------------ tensor functionality
    def apply(self, func, *keys):
        """Apply ``func`` to every tensor attribute (or the given ``keys``); returns self."""
        for key, value in self._store.items():
            if (not keys or key in keys) and isinstance(value, Tensor):
                self._store[key] = func(value)
        return self

    def apply_(self, func, *keys):
        """Apply an in-place ``func`` to every tensor attribute (or the given ``keys``); returns self."""
        for key, value in self._store.items():
            if (not keys or key in keys) and isinstance(value, Tensor):
                func(value)
        return self

    def clone(self, *keys):
        """A deep copy: every tensor attribute cloned."""
        return copy.copy(self).apply(lambda t: t.clone(), *keys)

    def to(self, device, *keys, non_blocking=False):
        """Move every tensor attribute to ``device`` (a new object; tensors already there are kept)."""
        return copy.copy(self).apply(lambda t: t.to(device), *keys)

    def cpu(self, *keys):
        """Every tensor attribute on the CPU."""
        return copy.copy(self).apply(lambda t: t.cpu(), *keys)

    def cuda(self, device=None, *keys, non_blocking=False):
        """Every tensor attribute on the GPU (CuPy backend)."""
        return copy.copy(self).apply(lambda t: t.cuda(device), *keys)

    def contiguous(self, *keys):
        """Every tensor attribute made contiguous."""
        return copy.copy(self).apply(lambda t: t.contiguous(), *keys)

    def detach(self, *keys):
        """Every tensor attribute detached from the graph."""
        return copy.copy(self).apply(lambda t: t.detach(), *keys)

    def detach_(self, *keys):
        """Detach every tensor attribute in place; returns self."""
        return self.apply(lambda t: t.detach(), *keys)

    def requires_grad_(self, *keys, requires_grad=True):
        """Set ``requires_grad`` on the floating-point tensor attributes; returns self."""
        return self.apply_(lambda t: t.requires_grad_(requires_grad) if t.is_floating_point() else t, *keys)

    def pin_memory(self, *keys):
        """No-op on the CPU (as ``Tensor.pin_memory``); returns self."""
        return self

    @property
    def is_cuda(self):
        """True if a tensor attribute lives on the GPU."""
        return any(isinstance(v, Tensor) and v.is_cuda for v in self._store.values())

    def subgraph(self, subset):
        """The subgraph induced by the nodes ``subset`` (indices or a boolean mask), nodes relabelled 0..k-1."""
        n = self.num_nodes
        if "edge_index" in self._store:
            ei, _, edge_mask = subgraph(subset, self.edge_index, relabel_nodes=True, num_nodes=n,
                                        return_edge_mask=True)
        else:
            ei, edge_mask = None, ones(self.num_edges, dtype=_bool)
        out = copy.copy(self)
        for key, value in self:
            if key == "edge_index":
                out.edge_index = ei
            elif key == "num_nodes":
                out.num_nodes = int(subset.sum()) if subset.dtype == _bool else subset.shape[0]
            elif self.is_node_attr(key):
                out[key] = select(value, subset, self.__cat_dim__(key, value))
            elif self.is_edge_attr(key):
                out[key] = select(value, edge_mask, self.__cat_dim__(key, value))
        return out

    def edge_subgraph(self, subset):
        """The graph keeping only the edges ``subset`` (indices or a boolean mask); all nodes are kept."""
        out = copy.copy(self)
        for key, value in self:
            if self.is_edge_attr(key):
                out[key] = select(value, subset, self.__cat_dim__(key, value))
        return out

    def coalesce(self):
        """Sort the edges by (source, target) and merge duplicates (edge-level attributes summed); returns self."""
        if self.edge_index is None:
            return self
        keys = [k for k in self.edge_attrs() if k != "edge_index" and isinstance(self._store[k], Tensor)]
        ei, attrs = coalesce(self.edge_index, [self._store[k] for k in keys], self.num_nodes)
        self.edge_index = ei
        for k, v in zip(keys, attrs):
            self._store[k] = v
        return self

    def is_coalesced(self):
        """True if the edges are sorted by (source, target) without duplicates."""
        if self.edge_index is None:
            return True
        ei = coalesce(self.edge_index, None, self.num_nodes)[0]
        return ei.shape == self.edge_index.shape and bool((ei == self.edge_index).all())

    # the standard attributes (absent ones read as None; assigning None removes)
    x = property(lambda self: self._store.get("x"), lambda self, v: self._put("x", v), doc="Node features (N, F).")
    edge_index = property(lambda self: self._store.get("edge_index"), lambda self, v: self._put("edge_index", v),
                          doc="Connectivity (2, E): sources in row 0, targets in row 1.")
    edge_attr = property(lambda self: self._store.get("edge_attr"), lambda self, v: self._put("edge_attr", v),
                         doc="Edge features (E, D).")
    edge_weight = property(lambda self: self._store.get("edge_weight"),
                           lambda self, v: self._put("edge_weight", v), doc="Edge weights (E,).")
    y = property(lambda self: self._store.get("y"), lambda self, v: self._put("y", v), doc="Targets.")
    pos = property(lambda self: self._store.get("pos"), lambda self, v: self._put("pos", v),
                   doc="Node positions (N, d).")
    batch = property(lambda self: self._store.get("batch"), lambda self, v: self._put("batch", v),
                     doc="The graph each node belongs to (N,), in a batch.")

    def _put(self, key, value):
        if value is None:
            self._store.pop(key, None)
        else:
            self._store[key] = value

