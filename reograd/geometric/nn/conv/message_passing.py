r"""``MessagePassing``: the generic graph layer of the notes (and of PyTorch Geometric).

.. math::
    \mathbf{x}_i' = \gamma\Big(\mathbf{x}_i,\ \bigoplus_{j \in \mathcal{N}(i)} \phi(\mathbf{x}_i, \mathbf{x}_j,
    \mathbf{e}_{j,i})\Big)

``propagate(edge_index, **kwargs)`` runs ``message`` (φ, once per edge), ``aggregate`` (⊕ over the edges entering
each node) and ``update`` (γ). Arguments of ``message`` named ``<name>_j`` / ``<name>_i`` receive the tensor passed
to ``propagate`` as ``<name>=`` lifted to the edges: row j (the source) / row i (the target) of each edge; a pair
``(x_src, x_dst)`` serves bipartite graphs (``_j`` reads the first, ``_i`` the second). ``index``, ``size_i``,
``size_j``, ``edge_index_i``, ``edge_index_j``, ``ptr`` and ``dim_size`` are filled in.
"""
from __future__ import annotations

import inspect

from ....autograd.tensor import Tensor
from ....nn.modules.module import Module
from ....ops.nn.segment import segment_gather
from ..aggr.resolver import aggregation_resolver

__all__ = ["MessagePassing"]

_EMPTY = inspect.Parameter.empty
_SIGNATURES = {}  # (class, method name) -> [(name, default)], read once per class


def _params(cls, name, skip_first):
    key = (cls, name)
    if key not in _SIGNATURES:
        sig = inspect.signature(getattr(cls, name))
        ps = [p for p in sig.parameters.values()
              if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        _SIGNATURES[key] = [(p.name, p.default) for p in ps[1 if skip_first else 0:]]
    return _SIGNATURES[key]


class MessagePassing(Module):
    r"""Base class of message-passing layers (PyG's ``torch_geometric.nn.MessagePassing``).

    Subclasses call ``self.propagate(edge_index, x=..., ...)`` in ``forward`` and override ``message`` (and
    possibly ``aggregate``, ``update``, ``edge_update``).

    Args:
        aggr: ⊕ — 'sum' (= 'add'), 'mean', 'max', 'min', 'mul', 'var', 'std', an Aggregation module, a list of
            these (outputs concatenated), or None (then override ``aggregate``).
        aggr_kwargs: constructor arguments of the aggregation.
        flow: 'source_to_target' (messages go from ``edge_index[0]`` to ``edge_index[1]``; i = target) or
            'target_to_source'.
        node_dim: the dim of node tensors that indexes the nodes (-2: ``(N, F)``; GAT uses 0 for ``(N, H, C)``).
    """

    special_args = {"edge_index", "adj_t", "edge_index_i", "edge_index_j", "size", "size_i", "size_j", "ptr",
                    "index", "dim_size"}

    def __init__(self, aggr="sum", *, aggr_kwargs=None, flow="source_to_target", node_dim=-2, decomposed_layers=1):
        super().__init__()
        if flow not in ("source_to_target", "target_to_source"):
            raise ValueError(f"Expected 'flow' to be either 'source_to_target' or 'target_to_source' (got '{flow}')")
        if decomposed_layers != 1:
            raise NotImplementedError(f"{type(self).__name__}: decomposed_layers > 1 is not supported")
        if aggr is None or isinstance(aggr, (list, tuple)):
            self.aggr = None if aggr is None else [str(a) for a in aggr]
        else:
            self.aggr = str(aggr)
        self.aggr_module = aggregation_resolver(aggr, **(aggr_kwargs or {}))
        self.flow = flow
        self.node_dim = node_dim
        self.decomposed_layers = decomposed_layers
        cls = type(self)
        names = []
        for fn, skip in (("message", False), ("aggregate", True), ("update", True)):
            names += [n for n, _ in _params(cls, fn, skip) if n not in self.special_args and n not in names]
        self._user_args = names
        self._edge_user_args = [n for n, _ in _params(cls, "edge_update", False) if n not in self.special_args]

    def reset_parameters(self):
        """Re-initialise the aggregation's parameters (layers extend this)."""
        if self.aggr_module is not None:
            self.aggr_module.reset_parameters()

    def __repr__(self):
        if hasattr(self, "in_channels") and hasattr(self, "out_channels"):
            return f"{type(self).__name__}({self.in_channels}, {self.out_channels})"
        if hasattr(self, "channels"):
            return f"{type(self).__name__}({self.channels})"
        return f"{type(self).__name__}()"

    # ------------------------------------------------------------------ collecting the arguments
    def _check_input(self, edge_index, size):
        name = type(self).__name__
        if not isinstance(edge_index, Tensor):
            raise ValueError(f"{name}: `MessagePassing.propagate` only supports integer tensors of shape "
                             f"`[2, num_messages]` for argument `edge_index` (got {type(edge_index).__name__})")
        if edge_index._array().dtype.kind not in "iu":
            raise ValueError(f"{name}: expected 'edge_index' to be of integer type (got '{edge_index.dtype}')")
        if edge_index.ndim != 2:
            raise ValueError(f"{name}: expected 'edge_index' to be two-dimensional (got {edge_index.ndim} dimensions, "
                             f"shape {list(edge_index.shape)})")
        if edge_index.shape[0] != 2:
            raise ValueError(f"{name}: expected 'edge_index' to have size '2' in the first dimension (got "
                             f"'{edge_index.shape[0]}'; shape {list(edge_index.shape)})")
        if size is None:
            return [None, None]
        return [None if s is None else int(s) for s in size]

    def _set_size(self, size, dim, src):
        n = src.shape[self.node_dim]
        if size[dim] is None:
            size[dim] = n
        elif size[dim] != n:
            raise ValueError(f"{type(self).__name__}: encountered tensor with size {n} in dimension {self.node_dim}, "
                             f"but expected size {size[dim]}")

    def _lift(self, src, edge_index, dim):
        """``src`` at row ``dim`` of each edge (node features -> edge features), with PyG's range errors."""
        index = edge_index[dim]
        n = src.shape[self.node_dim]
        a = index._array()
        if a.size:
            lo, hi = int(a.min()), int(a.max())
            if lo < 0:
                raise IndexError(f"{type(self).__name__}: found negative indices in 'edge_index' (got {lo}). Please "
                                 f"ensure that all indices in 'edge_index' point to valid indices in the interval "
                                 f"[0, {n}) in your node feature matrix and try again.")
            if hi >= n:
                raise IndexError(f"{type(self).__name__}: found indices in 'edge_index' that are larger than {n - 1} "
                                 f"(got {hi}). Please ensure that all indices in 'edge_index' point to valid indices "
                                 f"in the interval [0, {n}) in your node feature matrix and try again.")
        return segment_gather(src, index, self.node_dim)

    def _collect(self, args, edge_index, size, kwargs):
        i, j = (1, 0) if self.flow == "source_to_target" else (0, 1)
        out = {}
        for arg in args:
            if arg[-2:] not in ("_i", "_j"):
                out[arg] = kwargs.get(arg, _EMPTY)
                continue
            dim = j if arg[-2:] == "_j" else i
            data = kwargs.get(arg[:-2], _EMPTY)
            if isinstance(data, (tuple, list)):
                if len(data) != 2:
                    raise ValueError(f"{type(self).__name__}: '{arg[:-2]}' must be a tensor or a pair (source, "
                                     f"target) of tensors (got {len(data)} entries)")
                if isinstance(data[1 - dim], Tensor):
                    self._set_size(size, 1 - dim, data[1 - dim])
                data = data[dim]
            if isinstance(data, Tensor):
                self._set_size(size, dim, data)
                data = self._lift(data, edge_index, dim)
            out[arg] = data
        e = edge_index.shape[1]
        for key in ("edge_attr", "edge_weight"):
            v = out.get(key)
            if isinstance(v, Tensor) and (v.ndim == 0 or v.shape[0] != e):
                raise ValueError(f"{type(self).__name__}: '{key}' has {v.shape[0] if v.ndim else 0} rows but "
                                 f"'edge_index' has {e} edges ({key} shape {list(v.shape)}, edge_index shape "
                                 f"{list(edge_index.shape)})")
        out["adj_t"] = None
        out["edge_index"] = edge_index
        out["edge_index_i"] = edge_index[i]
        out["edge_index_j"] = edge_index[j]
        out["ptr"] = None
        out["index"] = out["edge_index_i"]
        out["size"] = size
        out["size_i"] = size[i] if size[i] is not None else size[j]
        out["size_j"] = size[j] if size[j] is not None else size[i]
        out["dim_size"] = out["size_i"]
        return out

    def _call_with(self, name, coll, skip_first, *first):
        kwargs = {}
        for param, default in _params(type(self), name, skip_first):
            value = coll.get(param, _EMPTY)
            if value is _EMPTY:
                if default is _EMPTY:
                    raise TypeError(f"{type(self).__name__}.{name}: required parameter '{param}' is empty (pass "
                                    f"'{param[:-2] if param[-2:] in ('_i', '_j') else param}=' to propagate)")
                value = default
            kwargs[param] = value
        return getattr(self, name)(*first, **kwargs)

    # ------------------------------------------------------------------ the three steps
    def propagate(self, edge_index, size=None, **kwargs):
        """Run message -> aggregate -> update over ``edge_index`` (2, E).

        ``size``: (N_source, N_target) for bipartite graphs (default: read from the node tensors). ``kwargs``: the
        node tensors (lifted for ``_i``/``_j`` arguments) and anything else ``message``/``update`` take.
        """
        size = self._check_input(edge_index, size)
        coll = self._collect(self._user_args, edge_index, size, kwargs)
        out = self._call_with("message", coll, False)
        out = self._call_with("aggregate", coll, True, out)
        return self._call_with("update", coll, True, out)

    def message(self, x_j):
        r"""φ: the message of each edge j -> i (default: the source's features :math:`\mathbf{x}_j`)."""
        return x_j

    def aggregate(self, inputs, index, ptr=None, dim_size=None):
        """⊕: reduce the messages ``inputs`` (E, ...) into their target nodes ``index`` (``self.aggr_module``)."""
        if self.aggr_module is None:
            raise NotImplementedError(f"{type(self).__name__}: aggr=None needs an 'aggregate' method of its own")
        return self.aggr_module(inputs, index, ptr=ptr, dim_size=dim_size, dim=self.node_dim)

    def update(self, inputs):
        """γ: the new node features from the aggregated messages (default: unchanged)."""
        return inputs

    def edge_updater(self, edge_index, size=None, **kwargs):
        """Compute per-edge values with ``edge_update`` (its ``_i``/``_j`` arguments lifted as in ``propagate``)."""
        size = self._check_input(edge_index, size)
        coll = self._collect(self._edge_user_args, edge_index, size, kwargs)
        return self._call_with("edge_update", coll, False)

    def edge_update(self):
        """Per-edge computation run by :meth:`edge_updater` (override)."""
        raise NotImplementedError(f"{type(self).__name__} does not define 'edge_update'")
