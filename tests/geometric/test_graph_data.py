"""Graph data: Data (attributes, sizes, repr, validation), Batch (block-diagonal collation and back), the
DataLoader, Dataset / InMemoryDataset, each against PyTorch Geometric's behaviour; and the torch_geometric alias."""
import copy
import subprocess
import sys

import numpy as np
import pytest
from gnn_graphs import np_of

import reograd
from reograd.geometric.data import Batch, Data, DataLoader, Dataset, InMemoryDataset
from reograd.geometric.loader import DataLoader as LoaderDataLoader

EDGES = [[0, 1, 1, 2], [1, 0, 2, 1]]


def _graph(lib, n=3, with_extras=True):
    ei = lib.tensor(EDGES)
    x = lib.tensor(np.arange(n * 2, dtype=np.float32).reshape(n, 2))
    d = dict(x=x, edge_index=ei[:, :4 if n == 3 else 2], y=lib.tensor([n % 2]))
    if with_extras:
        d.update(name=f"g{n}", count=n, weight=1.5 * n, face=lib.tensor([[0], [1], [n - 1]]),
                 node_index=lib.tensor([0, n - 1]), gattr=lib.ones(1, 4), s=lib.tensor(2.0 * n),
                 edge_attr=lib.ones(4 if n == 3 else 2, 3))
    return d


def test_data_of_the_notes():
    edge_index = reograd.tensor([[0, 1, 1, 2], [1, 0, 2, 1]], dtype=reograd.long)
    x = reograd.tensor([[-1], [0], [1]], dtype=reograd.float)
    data = Data(x=x, edge_index=edge_index)
    assert repr(data) == "Data(x=[3, 1], edge_index=[2, 4])"
    assert (data.num_nodes, data.num_edges, data.num_node_features, data.num_features) == (3, 4, 1, 1)
    assert data.is_undirected() and not data.is_directed()
    assert not data.has_isolated_nodes() and not data.has_self_loops()
    assert data.keys() == ["x", "edge_index"] and "x" in data and "y" not in data and len(data) == 2
    assert data.y is None and data.edge_attr is None
    with pytest.raises(AttributeError, match="no attribute 'foo'"):
        data.foo  # noqa: B018


@pytest.mark.parity
def test_data_repr_and_sizes_match_pyg():
    torch = pytest.importorskip("torch")
    from torch_geometric.data import Data as PygData
    for n in (3, 2):
        a, b = Data(**_graph(reograd, n)), PygData(**_graph(torch, n))
        assert repr(a) == repr(b)
        assert (a.num_nodes, a.num_edges, a.num_node_features, a.num_edge_features) == \
               (b.num_nodes, b.num_edges, b.num_node_features, b.num_edge_features)
        assert a.node_attrs() == [k for k in b.keys() if b.is_node_attr(k)] or \
            sorted(a.node_attrs()) == sorted(b.node_attrs())
        assert sorted(a.edge_attrs()) == sorted(b.edge_attrs())
    assert repr(Data()) == repr(PygData()) == "Data()"
    assert repr(Data(x=reograd.zeros(3, 2), y=3)) == repr(PygData(x=torch.zeros(3, 2), y=3))


def test_data_attribute_protocol():
    d = Data(x=reograd.zeros(4, 2))
    d.train_mask = reograd.tensor([True, False, True, False])
    d["extra"] = "hello"
    assert d.keys() == ["x", "train_mask", "extra"]
    d.train_mask = None                      # None removes, as PyG
    assert "train_mask" not in d
    del d["extra"]
    assert d.keys() == ["x"]
    d.num_nodes = 7
    assert d.num_nodes == 7 and repr(d) == "Data(x=[4, 2], num_nodes=7)"
    e = copy.copy(d)
    e.x = reograd.ones(2, 2)
    assert d.x.shape == (4, 2)              # a shallow copy has its own attribute dict
    assert dict(d)["x"] is d.x and list(d("x"))[0][0] == "x"
    assert Data.from_dict(d.to_dict()).keys() == d.keys()
    f = d.clone()
    assert f.x is not d.x and np.array_equal(f.x.numpy(), d.x.numpy())


def test_num_nodes_inferred_from_edges_warns():
    d = Data(edge_index=reograd.tensor(EDGES))
    with pytest.warns(UserWarning, match="infer 'num_nodes'"):
        assert d.num_nodes == 3


def test_validate_errors():
    ok = Data(x=reograd.zeros(3, 2), edge_index=reograd.tensor(EDGES))
    assert ok.validate()
    bad = [
        (Data(x=reograd.zeros(3, 2), edge_index=reograd.tensor([[0, 5], [1, 0]])),
         r"larger indices than the number of nodes \(3\).*found 5"),
        (Data(x=reograd.zeros(3, 2), edge_index=reograd.tensor([[0, -1], [1, 0]])), "negative indices.*-1"),
        (Data(x=reograd.zeros(3, 2), edge_index=reograd.tensor([[0, 1, 2]])), r"shape \[2, num_edges\].*\[1, 3\]"),
        (Data(x=reograd.zeros(3, 2), edge_index=reograd.tensor([[0.0, 1.0], [1.0, 0.0]])), "integer tensor"),
        (Data(x=reograd.zeros(3, 2), edge_index=reograd.tensor(EDGES), edge_attr=reograd.zeros(3, 1)),
         "'edge_attr' has 3 rows but 'edge_index' has 4 edges"),
    ]
    for data, msg in bad:
        with pytest.raises(ValueError, match=msg):
            data.validate()
        with pytest.warns(UserWarning):
            assert data.validate(raise_on_error=False) is False


def test_subgraph_and_coalesce():
    d = Data(x=reograd.arange(8.0).view(4, 2), edge_index=reograd.tensor([[0, 1, 2, 3, 1], [1, 2, 3, 0, 2]]),
             edge_attr=reograd.arange(5.0).view(5, 1))
    s = d.subgraph(reograd.tensor([1, 2, 3]))
    assert s.edge_index.tolist() == [[0, 1], [1, 2]] or s.edge_index.tolist() == [[0, 1, 0], [1, 2, 1]]
    assert s.x.shape == (3, 2) and s.edge_attr.shape[0] == s.edge_index.shape[1]
    assert not d.is_coalesced()
    d.coalesce()
    assert d.is_coalesced()
    assert d.edge_index.tolist() == [[0, 1, 2, 3], [1, 2, 3, 0]]
    assert d.edge_attr.view(-1).tolist() == [0.0, 5.0, 2.0, 3.0]     # the duplicate (1, 2) edges summed


@pytest.mark.parity
def test_batch_matches_pyg():
    torch = pytest.importorskip("torch")
    from torch_geometric.data import Batch as PygBatch
    from torch_geometric.data import Data as PygData
    ours = Batch.from_data_list([Data(**_graph(reograd, 3)), Data(**_graph(reograd, 2))], follow_batch=["x"])
    ref = PygBatch.from_data_list([PygData(**_graph(torch, 3)), PygData(**_graph(torch, 2))], follow_batch=["x"])
    assert repr(ours) == repr(ref)
    assert type(ours).__name__ == "DataBatch" and isinstance(ours, Batch) and isinstance(ours, Data)
    for key in ref.keys():
        a, b = ours[key], ref[key]
        if isinstance(b, torch.Tensor):
            np.testing.assert_array_equal(np_of(a), np_of(b), err_msg=key)
        else:
            assert a == b, key
    assert ours.num_graphs == ref.num_graphs == len(ours) == 2
    for i in range(2):
        assert repr(ours[i]) == repr(ref[i])
        for key in ref[i].keys():
            b = ref[i][key]
            if isinstance(b, torch.Tensor):
                np.testing.assert_array_equal(np_of(ours[i][key]), np_of(b), err_msg=key)
    assert [repr(g) for g in ours[[1, 0]]] == [repr(g) for g in ref[[1, 0]]]
    assert [repr(g) for g in ours.to_data_list()] == [repr(g) for g in ref.to_data_list()]


def test_batch_shifts_edges_and_keeps_num_nodes():
    graphs = [Data(edge_index=reograd.tensor([[0], [1]]), num_nodes=3), Data(edge_index=reograd.tensor([[1], [0]]),
                                                                             num_nodes=2)]
    b = Batch.from_data_list(graphs)
    assert b.num_nodes == 5 and b.edge_index.tolist() == [[0, 4], [1, 3]]
    assert b.batch.tolist() == [0, 0, 0, 1, 1] and b.ptr.tolist() == [0, 3, 5]
    back = b.get_example(1)
    assert back.num_nodes == 2 and back.edge_index.tolist() == [[1], [0]]
    with pytest.raises(ValueError, match="empty list"):
        Batch.from_data_list([])
    with pytest.raises(KeyError, match="same attributes"):
        Batch.from_data_list([Data(x=reograd.zeros(2, 1)), Data(y=reograd.zeros(1))])
    with pytest.raises(RuntimeError, match="'x' cannot be batched"):
        Batch.from_data_list([Data(x=reograd.zeros(2, 1)), Data(x=reograd.zeros(2, 3))])
    with pytest.raises(IndexError, match="out of range"):
        b.get_example(2)


def test_dataloader_collates_graphs():
    assert DataLoader is LoaderDataLoader
    graphs = [Data(x=reograd.full((n, 2), float(n)), edge_index=reograd.tensor([[0], [n - 1]]),
                   y=reograd.tensor([n])) for n in (1, 2, 3, 4, 5)]
    batches = list(DataLoader(graphs, batch_size=2))
    assert [b.num_graphs for b in batches] == [2, 2, 1]
    assert batches[0].edge_index.tolist() == [[0, 1], [0, 2]]
    assert batches[1].y.tolist() == [3, 4]
    reograd.manual_seed(0)
    ys = sorted(y for b in DataLoader(graphs, batch_size=2, shuffle=True) for y in b.y.tolist())
    assert ys == [1, 2, 3, 4, 5]
    mixed = list(DataLoader([(g, float(i)) for i, g in enumerate(graphs)], batch_size=5))[0]
    assert isinstance(mixed[0], Batch) and mixed[1].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


class _Squares(InMemoryDataset):
    def __init__(self, root, transform=None):
        super().__init__(root, transform)
        self.load(self.processed_paths[0])

    @property
    def processed_file_names(self):
        return ["squares.pt"]

    def process(self):
        graphs = [Data(x=reograd.full((k + 1, 1), float(k)), edge_index=reograd.tensor([[0], [k]]),
                       y=reograd.tensor([k % 3])) for k in range(6)]
        self.save(graphs, self.processed_paths[0])


def test_in_memory_dataset_process_save_load(tmp_path):
    ds = _Squares(str(tmp_path))
    assert (tmp_path / "processed" / "squares.pt").exists()
    assert len(ds) == 6 and repr(ds) == "_Squares(6)"
    g = ds[4]
    assert g.x.shape == (5, 1) and g.edge_index.tolist() == [[0], [4]] and g.y.tolist() == [1]
    assert ds.num_classes == 3 and ds.num_node_features == 1
    again = _Squares(str(tmp_path))           # processed files exist: loaded, not processed again
    assert again[5].x.shape == (6, 1)
    view = ds[1:4]
    assert len(view) == 3 and view[0].x.shape == (2, 1)
    assert len(ds[reograd.tensor([True, False] * 3)]) == 3 and len(ds[[5, 0]]) == 2
    reograd.manual_seed(0)
    shuffled, perm = ds.shuffle(return_perm=True)
    assert sorted(perm.tolist()) == list(range(6)) and shuffled[0].x.shape == ds[int(perm[0])].x.shape
    with_transform = _Squares(str(tmp_path), transform=lambda d: Data(x=d.x * 2, edge_index=d.edge_index))
    assert with_transform[2].x.tolist() == [[4.0]] * 3
    batch = next(iter(DataLoader(ds, batch_size=6)))
    assert batch.num_graphs == 6 and batch.edge_index[1].tolist() == [0, 2, 5, 9, 14, 20]   # k + nodes before graph k


def test_dataset_of_graphs_made_on_access():
    class Cycles(Dataset):
        def len(self):
            return 4

        def get(self, idx):
            n = idx + 3
            src = reograd.arange(n)
            return Data(x=reograd.ones(n, 1), edge_index=reograd.stack([src, (src + 1) % n]))

    ds = Cycles()
    assert len(ds) == 4 and ds[1].num_nodes == 4 and ds.num_features == 1 and repr(ds) == "Cycles(4)"
    assert [g.num_nodes for g in ds[::2]] == [3, 5]


def test_compat_resolves_torch_geometric():
    code = ("import reograd.compat; reograd.compat.install()\n"
            "import torch_geometric, torch_geometric.nn as gnn\n"
            "from torch_geometric.data import Data, DataLoader\n"
            "from torch_geometric.utils import to_undirected\n"
            "import reograd.geometric\n"
            "assert torch_geometric is reograd.geometric and gnn.GCNConv is reograd.geometric.nn.GCNConv\n"
            "print(Data(x=reograd.zeros(2, 1), edge_index=to_undirected(reograd.tensor([[0], [1]]))))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "Data(x=[2, 1], edge_index=[2, 2])"


def test_batches_pickle_and_cross_worker_processes():
    import pickle
    graphs = [Data(x=reograd.full((n, 2), float(n)), edge_index=reograd.tensor([[0], [n - 1]]), y=reograd.tensor([n]))
              for n in range(1, 7)]
    b = pickle.loads(pickle.dumps(Batch.from_data_list(graphs[:3])))
    assert type(b).__name__ == "DataBatch" and b.num_graphs == 3 and repr(b[np.int64(2)]) == repr(graphs[2])
    ys = [bb.y.tolist() for bb in DataLoader(graphs, batch_size=4, num_workers=1)]
    assert ys == [[1, 2, 3, 4], [5, 6]]
