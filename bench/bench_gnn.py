"""Graph layers against PyTorch Geometric: a 2-layer GCN and a 2-layer GAT (4 heads), forward + backward, on one
random graph of 10,000 nodes and 100,000 edges with 64 features (issue 13's target: <= 1.5x PyG on CPU).

    python bench/bench_gnn.py [--threads 1] [--repeat 7] [--nodes 10000 --edges 100000 --features 64]

Both sides get the same graph, features and weights (copied, and the first outputs compared), run in this one
process, interleaved; medians and the min-max spread are printed, with the ratio reograd / PyG. Also times the
segment kernels alone (scatter-sum of the messages, gather of the node features) against torch's index_add_ /
index_select. Needs torch and torch_geometric (bench-only dependencies).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import Table, interleaved, set_threads  # noqa: E402


def _models(lib, nn, gnn, features, heads):
    class GCN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = gnn.GCNConv(features, features)
            self.conv2 = gnn.GCNConv(features, features)

        def forward(self, x, edge_index):
            return self.conv2(self.conv1(x, edge_index).relu(), edge_index)

    class GAT(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = gnn.GATConv(features, features // heads, heads=heads)
            self.conv2 = gnn.GATConv(features, features // heads, heads=heads)

        def forward(self, x, edge_index):
            return self.conv2(lib.nn.functional.elu(self.conv1(x, edge_index)), edge_index)

    return {"gcn": GCN(), "gat": GAT()}


def _step(model, x, edge_index):
    def run():
        model.zero_grad()
        model(x, edge_index).sum().backward()
    return run


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--nodes", type=int, default=10_000)
    p.add_argument("--edges", type=int, default=100_000)
    p.add_argument("--features", type=int, default=64)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--json", default=None, help="also save the table as JSON here")
    a = p.parse_args()
    set_threads(a.threads)

    import numpy as np
    import torch
    import torch_geometric.nn as pyg_nn

    import reograd
    import reograd.geometric.nn as our_nn

    reograd.set_num_threads(a.threads)
    torch.set_num_threads(a.threads)
    rng = np.random.default_rng(0)
    ei = rng.integers(0, a.nodes, (2, a.edges)).astype(np.int64)
    x = rng.standard_normal((a.nodes, a.features)).astype(np.float32)
    xo, eio = reograd.from_numpy(x), reograd.from_numpy(ei)
    xt, eit = torch.from_numpy(x), torch.from_numpy(ei)
    ours = _models(reograd, reograd.nn, our_nn, a.features, a.heads)
    theirs = _models(torch, torch.nn, pyg_nn, a.features, a.heads)

    table = Table(f"graph layers, {a.nodes:,} nodes, {a.edges:,} edges, {a.features} features, "
                  f"threads={a.threads} (torch {torch.__version__})")
    table.header()
    for name, label in (("gcn", "2-layer GCN fwd+bwd"), ("gat", f"2-layer GAT ({a.heads} heads) fwd+bwd")):
        mo, mt = ours[name], theirs[name]
        mt.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in mo.state_dict().items()})
        diff = float(np.abs(mo(xo, eio).detach().numpy() - mt(xt, eit).detach().numpy()).max())
        if diff > 1e-3:
            print(f"warning: {name} outputs differ by {diff:.2e}")
        r = interleaved({"ours": _step(mo, xo, eio), "peer": _step(mt, xt, eit)}, repeat=a.repeat)
        table.add(label, r["ours"], r["peer"], peer_name="PyG", target=1.5)

    from reograd.ops.nn.segment import scatter, segment_gather

    e, f = a.edges + a.nodes, a.features
    idx = rng.integers(0, a.nodes, e).astype(np.int64)
    msg = rng.standard_normal((e, f)).astype(np.float32)
    mo, io = reograd.from_numpy(msg), reograd.from_numpy(idx)
    mt_, it = torch.from_numpy(msg), torch.from_numpy(idx)
    r = interleaved({"ours": lambda: scatter(mo, io, 0, a.nodes),
                     "peer": lambda: torch.zeros(a.nodes, f).index_add_(0, it, mt_)}, repeat=a.repeat)
    table.add(f"scatter-sum ({e:,} x {f} -> {a.nodes:,})", r["ours"], r["peer"])
    r = interleaved({"ours": lambda: segment_gather(xo, io), "peer": lambda: xt.index_select(0, it)},
                    repeat=a.repeat)
    table.add(f"gather ({a.nodes:,} x {f} -> {e:,})", r["ours"], r["peer"])
    if a.json:
        table.save(a.json)


if __name__ == "__main__":
    main()
