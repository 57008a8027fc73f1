"""Every graph layer against PyTorch Geometric with the weights copied (outputs, input and parameter gradients,
state_dict keys), on a batch of graphs with isolated nodes, self-loops and multi-edges; gradcheck in float64; and
node relabelling permutes node outputs while pooled graph outputs stay put."""
import numpy as np
import pytest
from gnn_graphs import copy_weights, np_of, ours, random_batch_graph, theirs

import reograd
import reograd.geometric.nn as gnn
from reograd.autograd import gradcheck


def _mlp(nn, i, h, o):
    return nn.Sequential(nn.Linear(i, h), nn.ReLU(), nn.Linear(h, o))


# (id, layer factory given (torch-like nn, PyG-like nn), forward given (layer, x, edge_index, edge_attr, edge_weight),
#  edge_dim of the input graph)
LAYERS = [
    ("gcn", lambda nn, g: g.GCNConv(3, 4), lambda m, x, ei, ea, ew: m(x, ei), None),
    ("gcn-weighted-improved", lambda nn, g: g.GCNConv(3, 4, improved=True), lambda m, x, ei, ea, ew: m(x, ei, ew),
     None),
    ("gcn-unnormalized", lambda nn, g: g.GCNConv(3, 4, normalize=False, bias=False),
     lambda m, x, ei, ea, ew: m(x, ei, ew), None),
    ("gcn-lazy", lambda nn, g: g.GCNConv(-1, 4), lambda m, x, ei, ea, ew: m(x, ei), None),
    ("graphconv-add", lambda nn, g: g.GraphConv(3, 4), lambda m, x, ei, ea, ew: m(x, ei, ew), None),
    ("graphconv-mean", lambda nn, g: g.GraphConv(3, 4, aggr="mean"), lambda m, x, ei, ea, ew: m(x, ei), None),
    ("graphconv-max", lambda nn, g: g.GraphConv(3, 4, aggr="max"), lambda m, x, ei, ea, ew: m(x, ei, ew), None),
    ("graphconv-min", lambda nn, g: g.GraphConv(3, 4, aggr="min"), lambda m, x, ei, ea, ew: m(x, ei), None),
    ("graphconv-mul", lambda nn, g: g.GraphConv(3, 4, aggr="mul"), lambda m, x, ei, ea, ew: m(x, ei, ew), None),
    ("sage", lambda nn, g: g.SAGEConv(3, 4), lambda m, x, ei, ea, ew: m(x, ei), None),
    ("sage-max-normalize-project", lambda nn, g: g.SAGEConv(3, 4, aggr="max", normalize=True, project=True),
     lambda m, x, ei, ea, ew: m(x, ei), None),
    ("sage-multi-aggr", lambda nn, g: g.SAGEConv(3, 4, aggr=["mean", "max", "sum"]),
     lambda m, x, ei, ea, ew: m(x, ei), None),
    ("sage-var-std", lambda nn, g: g.SAGEConv(3, 4, aggr=["var", "std"]), lambda m, x, ei, ea, ew: m(x, ei), None),
    ("gin", lambda nn, g: g.GINConv(_mlp(nn, 3, 8, 4), eps=0.1, train_eps=True), lambda m, x, ei, ea, ew: m(x, ei),
     None),
    ("gine", lambda nn, g: g.GINEConv(_mlp(nn, 3, 8, 4), edge_dim=2), lambda m, x, ei, ea, ew: m(x, ei, ea), 2),
    ("gine-same-dim", lambda nn, g: g.GINEConv(_mlp(nn, 3, 8, 4)), lambda m, x, ei, ea, ew: m(x, ei, ea), 3),
    ("gat", lambda nn, g: g.GATConv(3, 4, heads=2), lambda m, x, ei, ea, ew: m(x, ei), None),
    ("gat-mean-heads-edge", lambda nn, g: g.GATConv(3, 4, heads=3, concat=False, edge_dim=2, negative_slope=0.1),
     lambda m, x, ei, ea, ew: m(x, ei, ea), 2),
    ("gat-edge-fill-number", lambda nn, g: g.GATConv(3, 4, heads=2, edge_dim=2, fill_value=0.5),
     lambda m, x, ei, ea, ew: m(x, ei, ea), 2),
    ("gat-residual-noloops", lambda nn, g: g.GATConv(3, 4, heads=2, residual=True, add_self_loops=False),
     lambda m, x, ei, ea, ew: m(x, ei), None),
    ("gatv2", lambda nn, g: g.GATv2Conv(3, 4, heads=2), lambda m, x, ei, ea, ew: m(x, ei), None),
    ("gatv2-shared-edge", lambda nn, g: g.GATv2Conv(3, 4, heads=2, share_weights=True, edge_dim=2, concat=False),
     lambda m, x, ei, ea, ew: m(x, ei, ea), 2),
    ("gatv2-residual-fill-add", lambda nn, g: g.GATv2Conv(3, 4, heads=2, residual=True, edge_dim=2, fill_value="add"),
     lambda m, x, ei, ea, ew: m(x, ei, ea), 2),
    ("edgeconv-max", lambda nn, g: g.EdgeConv(_mlp(nn, 6, 8, 4)), lambda m, x, ei, ea, ew: m(x, ei), None),
    ("edgeconv-mean", lambda nn, g: g.EdgeConv(_mlp(nn, 6, 8, 4), aggr="mean"), lambda m, x, ei, ea, ew: m(x, ei),
     None),
    ("nnconv", lambda nn, g: g.NNConv(3, 4, _mlp(nn, 2, 5, 12)), lambda m, x, ei, ea, ew: m(x, ei, ea), 2),
    ("nnconv-mean-noroot", lambda nn, g: g.NNConv(3, 4, nn.Linear(2, 12), aggr="mean", root_weight=False),
     lambda m, x, ei, ea, ew: m(x, ei, ea), 2),
    ("transformer", lambda nn, g: g.TransformerConv(3, 4, heads=2), lambda m, x, ei, ea, ew: m(x, ei), None),
    ("transformer-edge-beta", lambda nn, g: g.TransformerConv(3, 4, heads=2, edge_dim=2, beta=True),
     lambda m, x, ei, ea, ew: m(x, ei, ea), 2),
    ("transformer-mean-heads", lambda nn, g: g.TransformerConv(3, 4, heads=3, concat=False, beta=True),
     lambda m, x, ei, ea, ew: m(x, ei), None),
]


def _graph(edge_dim, seed=0):
    rng = np.random.default_rng(seed)
    x, ei, ea, batch = random_batch_graph(rng, edge_dim=edge_dim)
    ew = rng.uniform(0.5, 2.0, ei.shape[1])
    return x, ei, ea, ew, batch


def _overwritten_loops(ei):
    """Mask of the self-loops that a later self-loop of the same node replaces."""
    dead = np.zeros(ei.shape[1], dtype=bool)
    seen = set()
    for k in range(ei.shape[1] - 1, -1, -1):
        if ei[0, k] == ei[1, k]:
            dead[k] = ei[0, k] in seen
            seen.add(ei[0, k])
    return dead


def _pair(make, fwd, edge_dim, torch, pyg):
    x, ei, ea, ew, _ = _graph(edge_dim)
    reograd.manual_seed(0)
    mine = make(reograd.nn, gnn)
    ref = make(torch.nn, pyg.nn)
    args_o = [ours(x, True), ours(ei), None if ea is None else ours(ea, True), ours(ew, True)]
    args_t = [theirs(torch, x, True), theirs(torch, ei), None if ea is None else theirs(torch, ea, True),
              theirs(torch, ew, True)]
    out_o = fwd(mine.double(), *args_o)   # a lazy layer materialises here; then its weights can be copied
    ref = ref.double()
    fwd(ref, *args_t)
    copy_weights(torch, mine, ref)
    out_t = fwd(ref, *args_t)
    return mine, ref, args_o, args_t, out_o, out_t


@pytest.mark.parity
@pytest.mark.parametrize("name,make,fwd,edge_dim", LAYERS, ids=[c[0] for c in LAYERS])
def test_layer_matches_pyg(name, make, fwd, edge_dim):
    torch = pytest.importorskip("torch")
    pyg = pytest.importorskip("torch_geometric")
    mine, ref, args_o, args_t, out_o, out_t = _pair(make, fwd, edge_dim, torch, pyg)
    assert sorted(mine.state_dict()) == sorted(ref.state_dict())
    assert tuple(out_o.shape) == tuple(out_t.shape)
    np.testing.assert_allclose(np_of(out_o), np_of(out_t), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(1).standard_normal(tuple(out_o.shape))
    (out_o * reograd.tensor(g)).sum().backward()
    (out_t * torch.tensor(g)).sum().backward()
    for k, (a, b) in enumerate(zip(args_o, args_t)):
        if b is not None and b.requires_grad:
            ga = np.zeros(tuple(a.shape)) if a.grad is None else a.grad.numpy()
            gb = np.zeros(tuple(b.shape)) if b.grad is None else b.grad.numpy().copy()
            if k == 3 and name.startswith("gcn") and "unnormalized" not in name:
                # a node's earlier self-loops are replaced by its last one (add_remaining_self_loops): their weight
                # has no effect. torch's index_put still sends them a gradient; reograd gives them 0.
                dead = _overwritten_loops(np_of(args_o[1]))
                assert dead.any() and np.all(ga[dead] == 0)
                gb[dead] = 0
            np.testing.assert_allclose(ga, gb, rtol=1e-9, atol=1e-11, err_msg=f"input {k}")
    params_t = dict(ref.named_parameters())
    for pname, p in mine.named_parameters():
        q = params_t[pname]
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-11, err_msg=pname)
    assert repr(mine).split("(")[0] == repr(ref).split("(")[0]


@pytest.mark.parity
def test_repr_matches_pyg():
    torch = pytest.importorskip("torch")
    pyg = pytest.importorskip("torch_geometric")
    for make in (lambda g: g.GCNConv(3, 4), lambda g: g.GATConv(3, 4, heads=2), lambda g: g.SAGEConv(3, 4),
                 lambda g: g.GATv2Conv(3, 4), lambda g: g.TransformerConv(3, 4, heads=2), lambda g: g.GraphConv(3, 4),
                 lambda g: g.Linear(3, 4)):
        assert repr(make(gnn)) == repr(make(pyg.nn))
    assert repr(gnn.EdgeConv(reograd.nn.Linear(6, 4))) == repr(pyg.nn.EdgeConv(torch.nn.Linear(6, 4)))


BIPARTITE = [
    ("sage", lambda nn, g: g.SAGEConv((3, 5), 4)),
    ("graphconv", lambda nn, g: g.GraphConv((3, 5), 4)),
    ("gat", lambda nn, g: g.GATConv((3, 5), 4, heads=2, add_self_loops=False)),
    ("gatv2", lambda nn, g: g.GATv2Conv((3, 5), 4, heads=2, add_self_loops=False)),
    ("transformer", lambda nn, g: g.TransformerConv((3, 5), 4, heads=2)),
    ("gin", lambda nn, g: g.GINConv(nn.Linear(3, 4))),
]


@pytest.mark.parity
@pytest.mark.parametrize("name,make", BIPARTITE, ids=[c[0] for c in BIPARTITE])
def test_bipartite_matches_pyg(name, make):
    torch = pytest.importorskip("torch")
    pyg = pytest.importorskip("torch_geometric")
    rng = np.random.default_rng(3)
    n_src, n_dst = 7, 4
    xs = rng.standard_normal((n_src, 3))
    xd = rng.standard_normal((n_dst, 3 if name == "gin" else 5))
    ei = np.stack([rng.integers(0, n_src, 15), rng.integers(0, n_dst - 1, 15)])   # target 3 gets nothing
    mine, ref = make(reograd.nn, gnn).double(), make(torch.nn, pyg.nn).double()
    copy_weights(torch, mine, ref)
    a = (ours(xs, True), ours(xd, True))
    b = (theirs(torch, xs, True), theirs(torch, xd, True))
    out_o, out_t = mine(a, ours(ei)), ref(b, theirs(torch, ei))
    np.testing.assert_allclose(np_of(out_o), np_of(out_t), rtol=1e-10, atol=1e-12)
    out_o.sum().backward()
    out_t.sum().backward()
    for u, v in zip(a, b):
        np.testing.assert_allclose(u.grad.numpy(), v.grad.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parity
def test_gat_attention_weights_match_pyg():
    torch = pytest.importorskip("torch")
    pyg = pytest.importorskip("torch_geometric")
    for make in (lambda g: g.GATConv(3, 4, heads=2), lambda g: g.GATv2Conv(3, 4, heads=2),
                 lambda g: g.TransformerConv(3, 4, heads=2)):
        x, ei, _, _, _ = _graph(None)
        mine, ref = make(gnn).double(), make(pyg.nn).double()
        copy_weights(torch, mine, ref)
        _, (ei_o, alpha_o) = mine(ours(x), ours(ei), return_attention_weights=True)
        _, (ei_t, alpha_t) = ref(theirs(torch, x), theirs(torch, ei), return_attention_weights=True)
        np.testing.assert_array_equal(np_of(ei_o), np_of(ei_t))
        np.testing.assert_allclose(np_of(alpha_o), np_of(alpha_t), rtol=1e-10)


def test_gcn_cached_reuses_normalisation():
    x, ei, _, _, _ = _graph(None)
    conv = gnn.GCNConv(3, 4, cached=True).double()
    first = conv(ours(x), ours(ei))
    assert conv._cached_edge_index is not None
    again = conv(ours(x), ours(ei[:, :3]))   # the cache ignores the new graph, as PyG's
    np.testing.assert_allclose(np_of(first), np_of(again))
    conv.reset_parameters()
    assert conv._cached_edge_index is None


# -------------------------------------------------------------------- gradcheck in float64
@pytest.mark.parametrize("name,make,fwd,edge_dim", LAYERS, ids=[c[0] for c in LAYERS])
def test_layer_gradcheck(name, make, fwd, edge_dim):
    rng = np.random.default_rng(5)
    x, ei, ea, batch = random_batch_graph(rng, sizes=(4, 1, 3), edge_dim=edge_dim)
    ew = rng.uniform(0.5, 2.0, ei.shape[1])
    reograd.manual_seed(0)
    layer = make(reograd.nn, gnn).double()
    args = [ours(x, True), ours(ei), None if ea is None else ours(ea, True), ours(ew, True)]
    fwd(layer, *args)  # materialise lazy parameters
    inputs = tuple(a for a in (args[0], args[2], args[3]) if a is not None)

    def f(*ins):
        it = iter(ins)
        xx = next(it)
        eea = next(it) if args[2] is not None else None
        eew = next(it)
        return fwd(layer, xx, args[1], eea, eew)

    assert gradcheck(f, inputs, eps=1e-6, atol=1e-5)


# -------------------------------------------------------------------- permutations
@pytest.mark.parametrize("name,make,fwd,edge_dim", LAYERS, ids=[c[0] for c in LAYERS])
def test_relabelling_nodes_permutes_outputs(name, make, fwd, edge_dim):
    x, ei, ea, ew, batch = _graph(edge_dim, seed=7)
    n = x.shape[0]
    perm = np.random.default_rng(8).permutation(n)       # new node k is old node perm[k]
    inv = np.argsort(perm)
    reograd.manual_seed(0)
    layer = make(reograd.nn, gnn).double()
    eao = None if ea is None else ours(ea)
    out = fwd(layer, ours(x), ours(ei), eao, ours(ew))
    out_p = fwd(layer, ours(x[perm]), ours(inv[ei]), eao, ours(ew))
    np.testing.assert_allclose(np_of(out_p), np_of(out)[perm], rtol=1e-10, atol=1e-12)
    pooled = gnn.global_mean_pool(out, ours(batch))
    pooled_p = gnn.global_mean_pool(out_p, ours(batch[perm]))
    np.testing.assert_allclose(np_of(pooled_p), np_of(pooled), rtol=1e-10, atol=1e-12)


# -------------------------------------------------------------------- pooling
POOLS = ["global_add_pool", "global_mean_pool", "global_max_pool"]


@pytest.mark.parity
@pytest.mark.parametrize("name", POOLS)
def test_global_pool_matches_pyg(name):
    torch = pytest.importorskip("torch")
    pyg = pytest.importorskip("torch_geometric")
    x, _, _, _, batch = _graph(None)
    batch = batch.copy()
    batch[batch == 1] = 2   # graph 1 has no node: an empty segment
    a, b = ours(x, True), theirs(torch, x, True)
    out_o = getattr(gnn, name)(a, ours(batch), size=5)
    out_t = getattr(pyg.nn, name)(b, theirs(torch, batch), size=5)
    np.testing.assert_allclose(np_of(out_o), np_of(out_t))
    g = np.random.default_rng(2).standard_normal(tuple(out_o.shape))
    (out_o * reograd.tensor(g)).sum().backward()
    (out_t * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy())
    one_o, one_t = getattr(gnn, name)(ours(x), None), getattr(pyg.nn, name)(theirs(torch, x), None)
    np.testing.assert_allclose(np_of(one_o), np_of(one_t))


@pytest.mark.parity
def test_sort_pool_and_attentional_aggregation_match_pyg():
    torch = pytest.importorskip("torch")
    pyg = pytest.importorskip("torch_geometric")
    x, _, _, _, batch = _graph(None)
    for k in (3, 10):
        a, b = ours(x, True), theirs(torch, x, True)
        out_o = gnn.SortAggregation(k)(a, ours(batch))
        out_t = pyg.nn.aggr.SortAggregation(k)(b, theirs(torch, batch))
        np.testing.assert_allclose(np_of(out_o), np_of(out_t))
        out_o.sum().backward()
        out_t.sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy())
    mine = gnn.AttentionalAggregation(reograd.nn.Linear(3, 1), reograd.nn.Linear(3, 5)).double()
    ref = pyg.nn.aggr.AttentionalAggregation(torch.nn.Linear(3, 1), torch.nn.Linear(3, 5)).double()
    copy_weights(torch, mine, ref)
    a, b = ours(x, True), theirs(torch, x, True)
    out_o, out_t = mine(a, ours(batch)), ref(b, theirs(torch, batch))
    np.testing.assert_allclose(np_of(out_o), np_of(out_t), rtol=1e-10)
    out_o.sum().backward()
    out_t.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_pool_gradcheck():
    rng = np.random.default_rng(4)
    x = ours(rng.standard_normal((7, 2)), True)
    batch = ours(np.array([0, 0, 1, 1, 1, 3, 3]))
    for name in POOLS:
        assert gradcheck(lambda t: getattr(gnn, name)(t, batch, 4), (x,))
    assert gradcheck(lambda t: gnn.global_sort_pool(t, batch, 2), (x,))
