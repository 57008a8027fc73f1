"""reograd.geometric.utils against torch_geometric.utils on the same graphs (isolated nodes, self-loops,
multi-edges), gradients through the edge attributes, networkx round trips, and the edge_index errors."""
import numpy as np
import pytest
from gnn_graphs import np_of, ours, random_edges, theirs

import reograd
from reograd.autograd import gradcheck
from reograd.geometric import utils as U
from reograd.geometric.data import Data


def _edges(seed=0, n=8, e=20):
    rng = np.random.default_rng(seed)
    return random_edges(rng, n, e), rng.standard_normal((e, 2))


def _same(a, b):
    if a is None or b is None:
        assert a is None and b is None
        return
    np.testing.assert_allclose(np_of(a), np_of(b), rtol=1e-12)


@pytest.fixture
def pyg():
    pytest.importorskip("torch")
    return pytest.importorskip("torch_geometric")


@pytest.mark.parity
@pytest.mark.parametrize("fill", [None, 0.5, "mean", "add", "max", "tensor"])
def test_self_loops_match_pyg(pyg, fill):
    import torch
    ei, ea = _edges()
    fo = reograd.tensor([1.0, -1.0]) if fill == "tensor" else fill
    ft = torch.tensor([1.0, -1.0], dtype=torch.float64) if fill == "tensor" else fill
    for name in ("add_self_loops", "add_remaining_self_loops"):
        a = getattr(U, name)(ours(ei), ours(ea), fo, 10)
        b = getattr(pyg.utils, name)(theirs(torch, ei), theirs(torch, ea), ft, 10)
        _same(a[0], b[0])
        _same(a[1], b[1])
    a = U.add_self_loops(ours(ei), num_nodes=(10, 6))
    b = pyg.utils.add_self_loops(theirs(torch, ei), num_nodes=(10, 6))
    _same(a[0], b[0])
    for name in ("remove_self_loops", "segregate_self_loops"):
        for x, y in zip(getattr(U, name)(ours(ei), ours(ea)), getattr(pyg.utils, name)(theirs(torch, ei),
                                                                                     theirs(torch, ea))):
            _same(x, y)
    assert U.contains_self_loops(ours(ei)) == pyg.utils.contains_self_loops(theirs(torch, ei)) is True
    assert U.contains_isolated_nodes(ours(ei), 8) == pyg.utils.contains_isolated_nodes(theirs(torch, ei), 8)


def test_self_loop_attributes_are_differentiable():
    ei, ea = _edges(1, 6, 10)
    x = ours(ea, True)
    assert gradcheck(lambda t: U.add_self_loops(ours(ei), t, "mean", 6)[1], (x,))
    assert gradcheck(lambda t: U.add_remaining_self_loops(ours(ei), t, 2.0, 6)[1], (x,))


@pytest.mark.parity
def test_degree_and_order_match_pyg(pyg):
    import torch
    ei, ea = _edges(2)
    _same(U.degree(ours(ei[1]), 10), pyg.utils.degree(theirs(torch, ei[1]), 10))
    assert U.degree(ours(ei[1]), dtype=reograd.long).dtype == reograd.long
    # torch's sort is not stable: the order of repeated edges is PyG's accident, so compare without them
    distinct = np.unique(ei, axis=1, return_index=True)[1]
    ei1, ea1 = ei[:, np.sort(distinct)], ea[np.sort(distinct)]
    for by_row in (True, False):
        a = U.sort_edge_index(ours(ei1), ours(ea1), sort_by_row=by_row)
        b = pyg.utils.sort_edge_index(theirs(torch, ei1), theirs(torch, ea1), sort_by_row=by_row)
        _same(a[0], b[0])
        _same(a[1], b[1])
    _same(U.sort_edge_index(ours(ei)), pyg.utils.sort_edge_index(theirs(torch, ei)))
    for reduce in ("sum", "mean", "max"):
        a = U.coalesce(ours(ei), ours(ea), reduce=reduce)
        b = pyg.utils.coalesce(theirs(torch, ei), theirs(torch, ea), reduce=reduce)
        _same(a[0], b[0])
        _same(a[1], b[1])
    a = U.coalesce(ours(ei), [ours(ea), ours(ea[:, 0])])
    b = pyg.utils.coalesce(theirs(torch, ei), [theirs(torch, ea), theirs(torch, ea[:, 0])])
    _same(a[1][1], b[1][1])
    a = U.to_undirected(ours(ei), ours(ea))
    b = pyg.utils.to_undirected(theirs(torch, ei), theirs(torch, ea))
    _same(a[0], b[0])
    _same(a[1], b[1])
    _same(U.to_undirected(ours(ei), 9), pyg.utils.to_undirected(theirs(torch, ei), 9))
    und = U.to_undirected(ours(ei))
    assert U.is_undirected(und) and not U.is_undirected(ours(ei))
    assert pyg.utils.is_undirected(theirs(torch, np_of(und)))
    u_ea = U.to_undirected(ours(ei), ours(np.round(4 * ea)))   # integer values: the merged sums are exact
    assert U.is_undirected(*u_ea)
    assert not U.is_undirected(u_ea[0], u_ea[1] * reograd.arange(u_ea[1].shape[0] * 2.0).view(-1, 2))


@pytest.mark.parity
def test_dense_conversions_match_pyg(pyg):
    import torch
    ei = np.array([[0, 1, 1, 3, 4, 4, 5], [1, 0, 1, 2, 5, 5, 4]])
    batch = np.array([0, 0, 0, 0, 1, 1, 1])
    ea = np.random.default_rng(3).standard_normal((7, 2))
    for kw in ({}, {"max_num_nodes": 3}, {"batch_size": 3}):
        a = U.to_dense_adj(ours(ei), ours(batch), ours(ea), **kw)
        b = pyg.utils.to_dense_adj(theirs(torch, ei), theirs(torch, batch), theirs(torch, ea), **kw)
        _same(a, b)
    _same(U.to_dense_adj(ours(ei)), pyg.utils.to_dense_adj(theirs(torch, ei)))
    x = np.random.default_rng(4).standard_normal((7, 3))
    for kw in ({}, {"max_num_nodes": 2, "fill_value": -1.0}, {"batch_size": 3}):
        a = U.to_dense_batch(ours(x), ours(batch), **kw)
        b = pyg.utils.to_dense_batch(theirs(torch, x), theirs(torch, batch), **kw)
        _same(a[0], b[0])
        np.testing.assert_array_equal(np_of(a[1]), np_of(b[1]))
    adj = (np.random.default_rng(5).random((2, 4, 4)) > 0.6) * np.random.default_rng(6).standard_normal((2, 4, 4))
    for m in (adj[0], adj):
        a, b = U.dense_to_sparse(ours(m)), pyg.utils.dense_to_sparse(theirs(torch, m))
        _same(a[0], b[0])
        _same(a[1], b[1])
    mask = np.array([[True, True, True, False], [True, True, False, False]])
    a = U.dense_to_sparse(ours(adj), ours(mask))
    b = pyg.utils.dense_to_sparse(theirs(torch, adj), theirs(torch, mask))
    _same(a[0], b[0])
    xt = ours(x, True)
    assert gradcheck(lambda t: U.to_dense_batch(t, ours(batch), max_num_nodes=3)[0], (xt,))
    et = ours(ea, True)
    assert gradcheck(lambda t: U.to_dense_adj(ours(ei), ours(batch), t), (et,))


@pytest.mark.parity
def test_subgraphs_match_pyg(pyg):
    import torch
    ei, ea = _edges(7, 10, 25)
    for subset in ([1, 2, 5, 7], np.array([True, False] * 5)):
        for relabel in (False, True):
            so = reograd.tensor(subset) if isinstance(subset, np.ndarray) else subset
            st = torch.tensor(subset) if isinstance(subset, np.ndarray) else subset
            a = U.subgraph(so, ours(ei), ours(ea), relabel_nodes=relabel, num_nodes=10, return_edge_mask=True)
            b = pyg.utils.subgraph(st, theirs(torch, ei), theirs(torch, ea), relabel_nodes=relabel, num_nodes=10,
                                   return_edge_mask=True)
            for x, y in zip(a, b):
                _same(x, y)
    for node, hops, flow, directed in ((0, 1, "source_to_target", False), ([1, 3], 2, "target_to_source", False),
                                       (4, 2, "source_to_target", True)):
        for relabel in (False, True):
            a = U.k_hop_subgraph(node, hops, ours(ei), relabel_nodes=relabel, num_nodes=10, flow=flow,
                                 directed=directed)
            b = pyg.utils.k_hop_subgraph(node, hops, theirs(torch, ei), relabel_nodes=relabel, num_nodes=10,
                                         flow=flow, directed=directed)
            for x, y in zip(a, b):
                _same(x, y)


@pytest.mark.parity
def test_networkx_round_trip_matches_pyg(pyg):
    import torch
    nx = pytest.importorskip("networkx")
    ei, ea = _edges(8, 6, 9)
    x = np.arange(12.0).reshape(6, 2)
    ours_g = U.to_networkx(Data(x=ours(x), edge_index=ours(ei), edge_attr=ours(ea), tag=ours(np.arange(1))),
                           node_attrs=["x"], edge_attrs=["edge_attr"], graph_attrs=["tag"])
    ref_g = pyg.utils.to_networkx(pyg.data.Data(x=theirs(torch, x), edge_index=theirs(torch, ei),
                                                edge_attr=theirs(torch, ea), tag=theirs(torch, np.arange(1))),
                                  node_attrs=["x"], edge_attrs=["edge_attr"], graph_attrs=["tag"])
    assert type(ours_g) is type(ref_g) is nx.DiGraph
    assert list(ours_g.nodes(data=True)) == list(ref_g.nodes(data=True))
    assert list(ours_g.edges(data=True)) == list(ref_g.edges(data=True)) and ours_g.graph == ref_g.graph
    for how in (True, "upper", "lower"):
        a = U.to_networkx(Data(edge_index=ours(ei), num_nodes=6), to_undirected=how, remove_self_loops=True)
        b = pyg.utils.to_networkx(pyg.data.Data(edge_index=theirs(torch, ei), num_nodes=6), to_undirected=how,
                                  remove_self_loops=True)
        assert sorted(a.edges()) == sorted(b.edges())
    G = nx.karate_club_graph()
    a, b = U.from_networkx(G), pyg.utils.from_networkx(G)
    assert repr(a) == repr(b)
    _same(a.edge_index, b.edge_index)
    _same(a.weight, b.weight)
    H = nx.Graph()
    H.add_nodes_from([(0, {"f": 1.0, "g": 2.0}), (1, {"f": 3.0, "g": 4.0}), (2, {"f": 5.0, "g": 6.0})])
    H.add_edges_from([(0, 1, {"w": 0.5}), (1, 2, {"w": 1.5})])
    a = U.from_networkx(H, group_node_attrs=["f", "g"], group_edge_attrs="all")
    b = pyg.utils.from_networkx(H, group_node_attrs=["f", "g"], group_edge_attrs="all")
    assert repr(a) == repr(b)
    _same(a.x, b.x)
    _same(a.edge_attr, b.edge_attr)


def test_from_networkx_mismatched_attributes():
    nx = pytest.importorskip("networkx")
    G = nx.Graph()
    G.add_node(0, a=1)
    G.add_node(1, b=2)
    with pytest.raises(ValueError, match="same attributes"):
        U.from_networkx(G)


def test_edge_index_errors():
    bad_shape = reograd.tensor([[0, 1, 2]])
    with pytest.raises(ValueError, match=r"shape \[2, num_edges\] \(got \[1, 3\]\)"):
        U.add_self_loops(bad_shape)
    with pytest.raises(ValueError, match="integer type"):
        U.remove_self_loops(reograd.tensor([[0.0], [1.0]]))
    with pytest.raises(TypeError, match="must be an integer Tensor"):
        U.coalesce([[0, 1], [1, 0]])
    with pytest.raises(ValueError, match="'edge_attr' has 3 rows but 'edge_index' has 2 edges"):
        U.add_self_loops(reograd.tensor([[0, 1], [1, 0]]), reograd.zeros(3))
    with pytest.raises(IndexError, match=r"larger than 2 \(got 5\).*number of nodes being 3"):
        U.to_dense_adj(reograd.tensor([[0, 5], [1, 0]]), reograd.tensor([0, 0, 0]))
    with pytest.raises(ValueError, match="two- or three-dimensional"):
        U.dense_to_sparse(reograd.zeros(3))
