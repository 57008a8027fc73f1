"""Conversion to and from networkx graphs (networkx is optional: imported when called)."""
from __future__ import annotations

from ...autograd.tensor import Tensor
from ...ops.creation.factories import as_tensor, tensor
from ...ops.shape.joins import cat, stack

__all__ = ["to_networkx", "from_networkx"]


def _networkx():
    try:
        import networkx  # noqa: PLC0415
    except ImportError:
        raise ImportError("to_networkx / from_networkx need networkx: pip install networkx") from None
    return networkx


def _plain(value):
    return value.tolist() if isinstance(value, Tensor) else value


def to_networkx(data, node_attrs=None, edge_attrs=None, graph_attrs=None, to_undirected=False, to_multi=False,
                remove_self_loops=False):
    """A networkx graph with ``data``'s nodes 0..N-1 and edges, carrying the named attributes as Python values.

    ``to_undirected``: True (or 'upper' / 'lower', keeping only the edges with i <= j / i >= j) gives an
    ``nx.Graph``, else an ``nx.DiGraph`` (Multi* variants with ``to_multi=True``).
    """
    nx = _networkx()
    upper, lower = to_undirected == "upper", to_undirected == "lower"
    undirected = to_undirected is True or upper or lower
    if undirected:
        G = nx.MultiGraph() if to_multi else nx.Graph()
    else:
        G = nx.MultiDiGraph() if to_multi else nx.DiGraph()
    for key in graph_attrs or []:
        G.graph[key] = _plain(data[key])
    node_values = {key: data[key] for key in node_attrs or []}
    for i in range(data.num_nodes or 0):
        G.add_node(i, **{k: _plain(v[i]) for k, v in node_values.items()})
    edge_values = {key: data[key] for key in edge_attrs or []}
    ei = data.edge_index
    for e, (v, w) in enumerate(ei.t().tolist() if ei is not None else []):
        if (upper and v > w) or (lower and v < w) or (remove_self_loops and v == w):
            continue
        G.add_edge(v, w, **{k: _plain(val[e]) for k, val in edge_values.items()})
    return G


def from_networkx(G, group_node_attrs=None, group_edge_attrs=None):
    """A :class:`Data` from a networkx graph: nodes renumbered 0..N-1 in ``G.nodes()`` order, an undirected graph
    given both edge directions, node/edge/graph attributes as tensors where they convert.

    ``group_node_attrs`` / ``group_edge_attrs`` (a list of names, or 'all'): concatenate those attributes into
    ``x`` / ``edge_attr``.
    """
    nx = _networkx()
    from ..data.data import Data  # noqa: PLC0415  (data builds on utils; utils reach it only here)

    G = G.to_directed() if not nx.is_directed(G) else G
    mapping = {node: i for i, node in enumerate(G.nodes())}
    pairs = [[mapping[s], mapping[t]] for s, t in G.edges()]
    values = {"edge_index": tensor(pairs, dtype="int64").t().contiguous() if pairs else
              tensor([[], []], dtype="int64")}
    nodes = list(G.nodes(data=True))
    edges = list(G.edges(data=True))
    node_keys = list(nodes[0][-1].keys()) if nodes else []
    edge_keys = list(edges[0][-1].keys()) if edges else []
    collected = {}
    for _, feats in nodes:
        if set(feats) != set(node_keys):
            raise ValueError("from_networkx: not all nodes contain the same attributes")
        for k, v in feats.items():
            collected.setdefault(str(k), []).append(v)
    for *_, feats in edges:
        if set(feats) != set(edge_keys):
            raise ValueError("from_networkx: not all edges contain the same attributes")
        for k, v in feats.items():
            collected.setdefault(f"edge_{k}" if k in node_keys else str(k), []).append(v)
    for k, v in G.graph.items():
        if k not in ("node_default", "edge_default"):
            collected[f"graph_{k}" if k in node_keys else str(k)] = v
    for k, v in collected.items():
        if isinstance(v, (list, tuple)) and v and isinstance(v[0], Tensor):
            values[k] = stack(list(v), dim=0)
        else:
            try:
                values[k] = as_tensor(v)
            except (TypeError, ValueError, RuntimeError):
                values[k] = v
    data = Data.from_dict(values)
    if group_node_attrs is not None:
        keys = node_keys if not isinstance(group_node_attrs, list) else group_node_attrs
        data.x = _group(data, [str(k) for k in keys])
    if group_edge_attrs is not None:
        keys = edge_keys if not isinstance(group_edge_attrs, list) else group_edge_attrs
        data.edge_attr = _group(data, [f"edge_{k}" if k in node_keys else str(k) for k in keys])
    if data.x is None and data.pos is None:
        data.num_nodes = G.number_of_nodes()
    return data


def _group(data, keys):
    cols = []
    for key in keys:
        v = data[key]
        cols.append(v.view(-1, 1) if v.ndim <= 1 else v)
        del data[key]
    return cat(cols, dim=-1)
