"""MessagePassing itself: user layers written once against both libraries (``_i``/``_j`` lifting, special
arguments, every aggregation, both flows, bipartite sizes, update and edge_updater) compared with PyTorch
Geometric, and the clear errors for bad edge_index, out-of-range nodes and mismatched edge attributes."""
import numpy as np
import pytest
from gnn_graphs import np_of, ours, random_batch_graph, theirs

import reograd
import reograd.geometric.nn as gnn


def _layers(lib, base, aggr_mod):
    """Two user layers, written the PyG way against ``lib`` (torch or reograd) and its MessagePassing ``base``."""

    class EdgeMLP(base):
        # the notes' generic layer: x_i' = gamma(x_i, sum_j phi(x_i, x_j, e_ji))
        def __init__(self, aggr, flow):
            super().__init__(aggr=aggr, flow=flow)
            self.phi = lib.nn.Linear(3 + 3 + 2, 4)
            self.gamma = lib.nn.Linear(3 + 4, 4)

        def forward(self, x, edge_index, edge_attr):
            return self.propagate(edge_index, x=x, edge_attr=edge_attr)

        def message(self, x_i, x_j, edge_attr, index, size_i):
            assert index.shape[0] == x_i.shape[0] and size_i == 18
            return lib.tanh(self.phi(lib.cat([x_i, x_j, edge_attr], dim=-1)))

        def update(self, aggr_out, x):
            return self.gamma(lib.cat([x, aggr_out], dim=-1))

    class Bipartite(base):
        def __init__(self):
            super().__init__(aggr=aggr_mod)
            self.lin = lib.nn.Linear(3, 2)

        def forward(self, x, edge_index, size):
            w = self.edge_updater(edge_index, x=x, size=size)
            return self.propagate(edge_index, x=x, w=w, size=size)

        def edge_update(self, x_j, x_i):
            return (x_j[:, :1] * x_i[:, :1]).sigmoid()

        def message(self, x_j, w, edge_index_j, size_j):
            assert int(edge_index_j.max()) < size_j
            return self.lin(x_j) * w

    return EdgeMLP, Bipartite


AGGRS = ["sum", "add", "mean", "max", "min", "mul", "var", "std", ["mean", "max"]]


@pytest.mark.parity
@pytest.mark.parametrize("flow", ["source_to_target", "target_to_source"])
@pytest.mark.parametrize("aggr", AGGRS, ids=[str(a) for a in AGGRS])
def test_user_layer_matches_pyg(aggr, flow):
    torch = pytest.importorskip("torch")
    pyg = pytest.importorskip("torch_geometric")
    from gnn_graphs import copy_weights
    rng = np.random.default_rng(0)
    x, ei, ea, _ = random_batch_graph(rng, edge_dim=2)
    assert x.shape[0] == 18
    width = 8 if isinstance(aggr, list) else 4
    mine_cls = _layers(reograd, gnn.MessagePassing, gnn.SumAggregation())[0]
    ref_cls = _layers(torch, pyg.nn.MessagePassing, pyg.nn.aggr.SumAggregation())[0]
    mine, ref = mine_cls(aggr, flow).double(), ref_cls(aggr, flow).double()
    if width == 8:
        mine.gamma, ref.gamma = reograd.nn.Linear(11, 4).double(), torch.nn.Linear(11, 4).double()
    copy_weights(torch, mine, ref)
    a, b = ours(x, True), theirs(torch, x, True)
    out_o = mine(a, ours(ei), ours(ea))
    out_t = ref(b, theirs(torch, ei), theirs(torch, ea))
    np.testing.assert_allclose(np_of(out_o), np_of(out_t), rtol=1e-10, atol=1e-12)
    out_o.sum().backward()
    out_t.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-8, atol=1e-10)
    assert mine.aggr == ref.aggr


@pytest.mark.parity
def test_bipartite_sizes_and_edge_updater_match_pyg():
    torch = pytest.importorskip("torch")
    pyg = pytest.importorskip("torch_geometric")
    from gnn_graphs import copy_weights
    rng = np.random.default_rng(1)
    xs, xd = rng.standard_normal((6, 3)), rng.standard_normal((9, 3))
    ei = np.stack([rng.integers(0, 6, 14), rng.integers(0, 5, 14)])     # targets 5..8 receive nothing
    mine = _layers(reograd, gnn.MessagePassing, gnn.MeanAggregation())[1]().double()
    ref = _layers(torch, pyg.nn.MessagePassing, pyg.nn.aggr.MeanAggregation())[1]().double()
    copy_weights(torch, mine, ref)
    for size in (None, (6, 9)):
        x_o, x_t = (ours(xs), ours(xd)), (theirs(torch, xs), theirs(torch, xd))
        out_o, out_t = mine(x_o, ours(ei), size), ref(x_t, theirs(torch, ei), size)
        assert tuple(out_o.shape) == (9, 2)
        np.testing.assert_allclose(np_of(out_o), np_of(out_t), rtol=1e-12)


def test_default_message_and_repr():
    class Plain(gnn.MessagePassing):
        def forward(self, x, edge_index):
            return self.propagate(edge_index, x=x)

    x = reograd.tensor([[1.0], [2.0], [4.0]])
    ei = reograd.tensor([[0, 1, 2, 2], [1, 2, 0, 1]])
    assert Plain()(x, ei).view(-1).tolist() == [4.0, 5.0, 2.0]       # sum of the sources
    assert Plain(aggr="max")(x, ei).view(-1).tolist() == [4.0, 4.0, 2.0]
    assert Plain(flow="target_to_source")(x, ei).view(-1).tolist() == [2.0, 4.0, 3.0]
    assert repr(Plain()) == "Plain()"
    assert isinstance(Plain().aggr_module, gnn.SumAggregation)


def test_aggr_none_needs_aggregate():
    class NoAggr(gnn.MessagePassing):
        def forward(self, x, edge_index):
            return self.propagate(edge_index, x=x)

    with pytest.raises(NotImplementedError, match="aggr=None"):
        NoAggr(aggr=None)(reograd.ones(2, 1), reograd.tensor([[0], [1]]))

    class OwnAggr(NoAggr):
        def aggregate(self, inputs, index, dim_size):
            return reograd.geometric.utils.scatter(inputs, index, 0, dim_size, "mean") * 10

    assert OwnAggr(aggr=None)(reograd.ones(2, 1), reograd.tensor([[0], [1]])).view(-1).tolist() == [0.0, 10.0]


class _Needs(gnn.MessagePassing):
    def forward(self, x, edge_index, edge_attr=None, **kw):
        return self.propagate(edge_index, x=x, edge_attr=edge_attr, **kw)

    def message(self, x_j, edge_attr):
        return x_j if edge_attr is None else x_j * edge_attr


def test_clear_errors():
    x = reograd.randn(4, 2)
    ei = reograd.tensor([[0, 1, 2], [1, 2, 3]])
    layer = _Needs()
    with pytest.raises(ValueError, match="integer type"):
        layer(x, ei.float())
    with pytest.raises(ValueError, match=r"two-dimensional \(got 1 dimensions"):
        layer(x, ei[0])
    with pytest.raises(ValueError, match=r"size '2' in the first dimension \(got '3'"):
        layer(x, reograd.stack([ei[0], ei[1], ei[0]]))
    with pytest.raises(IndexError, match=r"_Needs: found indices in 'edge_index' that are larger than 3 \(got 7\)"
                                         r".*interval \[0, 4\)"):
        layer(x, reograd.tensor([[0, 7], [1, 0]]))
    with pytest.raises(IndexError, match=r"negative indices in 'edge_index' \(got -1\)"):
        layer(x, reograd.tensor([[0, -1], [1, 0]]))
    with pytest.raises(ValueError, match=r"'edge_attr' has 2 rows but 'edge_index' has 3 edges"):
        layer(x, ei, reograd.ones(2, 1))
    with pytest.raises(ValueError, match="size 4 in dimension -2, but expected size 5"):
        layer(x, ei, size=(5, 5))
    with pytest.raises(ValueError, match="'flow'"):
        _Needs(flow="up")

    class Missing(gnn.MessagePassing):
        def forward(self, x, edge_index):
            return self.propagate(edge_index, x=x)

        def message(self, x_j, norm):
            return x_j * norm

    with pytest.raises(TypeError, match="required parameter 'norm' is empty"):
        Missing()(x, ei)
    with pytest.raises(ValueError, match="Could not resolve 'median'"):
        gnn.MessagePassing(aggr="median")
    with pytest.raises(ValueError, match="static graphs not supported"):
        gnn.GATConv(2, 2)(reograd.randn(1, 4, 2), ei)
    with pytest.raises(ValueError, match="does not support bipartite"):
        gnn.GCNConv(2, 2)((x, x), ei)
    with pytest.raises(ValueError, match="'edge_attr' has 2 rows but 'edge_index' has 3 edges"):
        gnn.GINEConv(reograd.nn.Linear(2, 2))(x, ei, reograd.ones(2, 2))
    with pytest.raises(ValueError, match="dimensionalities do not match"):
        gnn.GINEConv(reograd.nn.Linear(2, 2))(x, ei, reograd.ones(3, 5))


def test_attention_is_a_gnn_on_the_complete_graph():
    """The notes' "Are Transformers (secretly) GNNs?": on the complete graph (self-loops included), TransformerConv
    without its skip term is scaled dot-product attention, softmax(Q Kᵀ / √C) V, for every head."""
    rng = np.random.default_rng(0)
    n, heads, c = 5, 2, 3
    x = ours(rng.standard_normal((n, 4)))
    src, dst = np.meshgrid(np.arange(n), np.arange(n))
    complete = ours(np.stack([src.ravel(), dst.ravel()]))
    conv = gnn.TransformerConv(4, c, heads=heads, root_weight=False).double()
    out = conv(x, complete).view(n, heads, c)
    q = conv.lin_query(x).view(n, heads, c).transpose(0, 1)
    k = conv.lin_key(x).view(n, heads, c).transpose(0, 1)
    v = conv.lin_value(x).view(n, heads, c).transpose(0, 1)
    attn = ((q @ k.transpose(1, 2)) / np.sqrt(c)).softmax(dim=-1) @ v    # (heads, n, c)
    attn = attn.transpose(0, 1)
    np.testing.assert_allclose(np_of(out), np_of(attn), rtol=1e-10, atol=1e-12)
