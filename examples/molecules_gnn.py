"""Molecule-like graph classification with the notes' skip-connected layer-wise readout network.

The notes' chemistry example ("cancer drug / not") classifies compounds from atoms (nodes, one-hot atom types
C, H, O, N, S) and bonds (edges). Here the molecules are built in code: a random tree of 6-16 atoms (types drawn
C-heavy), and for the positive class one extra bond that closes a ring; so both classes have the same atom-type
statistics and only the structure tells them apart.

The network (the notes' figure "Message Passing Based Graph Neural Networks"): a base net embeds the atoms,
L graph message-passing layers (GINConv here) follow, and after the input and after every layer a readout pools
the nodes of each graph and maps them linearly to class scores; the scores of all levels are summed:
F(G) = Σ_l Linear_l(pool(x^(l))). The baseline is the notes' "conventional method": a per-node MLP whose
predictions are averaged over the graph (no message passing). The script prints both held-out accuracies.

    python examples/molecules_gnn.py                 # 1,000 training / 400 test molecules, 40 epochs
    python examples/molecules_gnn.py --quick         # a smoke test
"""
import argparse
import sys
import time

import numpy as np

import reograd as torch
import reograd.nn as nn
import reograd.nn.functional as F
from reograd.geometric.data import Data, DataLoader
from reograd.geometric.nn import GINConv, global_add_pool, global_mean_pool

ATOMS = ["C", "H", "O", "N", "S"]
ATOM_P = [0.55, 0.15, 0.15, 0.1, 0.05]


def molecule(rng, ring):
    """A random tree of atoms (each new atom bonds to an earlier one), plus, if ``ring``, one bond closing a cycle
    of length >= 3. Node features: one-hot atom types. Edges in both directions."""
    n = int(rng.integers(6, 17))
    types = rng.choice(len(ATOMS), n, p=ATOM_P)
    bonds = [(int(rng.integers(0, k)), k) for k in range(1, n)]
    if ring:
        parent = {k: p for p, k in bonds}
        while True:
            i, j = sorted(int(v) for v in rng.choice(n, 2, replace=False))
            if parent.get(j) != i:     # not already bonded: the new bond closes a ring
                bonds.append((i, j))
                break
    ei = np.array(bonds).T
    ei = np.concatenate([ei, ei[::-1]], axis=1)
    x = np.eye(len(ATOMS), dtype=np.float32)[types]
    return Data(x=torch.from_numpy(x), edge_index=torch.from_numpy(ei), y=torch.tensor([int(ring)]))


def dataset(n, seed):
    """``n`` molecules, half with a ring (label 1), half acyclic (label 0), shuffled."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % 2)
    return [molecule(rng, bool(r)) for r in labels]


def _mlp(i, h, o):
    return nn.Sequential(nn.Linear(i, h), nn.ReLU(), nn.Linear(h, o))


class LayerwiseReadoutGNN(nn.Module):
    """Base net, then ``layers`` GIN message-passing layers; a pooled linear readout after the input and after every
    layer, all summed (the skip-connected layer-wise graph-level outputs of the notes)."""

    def __init__(self, in_dim, hidden=32, layers=3, classes=2):
        super().__init__()
        self.base = nn.Linear(in_dim, hidden)
        self.convs = nn.ModuleList([GINConv(_mlp(hidden, hidden, hidden)) for _ in range(layers)])
        self.readouts = nn.ModuleList([nn.Linear(hidden, classes) for _ in range(layers + 1)])

    def forward(self, x, edge_index, batch):
        h = self.base(x).relu()
        out = self.readouts[0](global_add_pool(h, batch))
        for conv, readout in zip(self.convs, self.readouts[1:]):
            h = conv(h, edge_index).relu()
            out = out + readout(global_add_pool(h, batch))
        return out


class NodeAveraging(nn.Module):
    """The baseline: an MLP scores every atom on its own features; the graph's score is the mean over its atoms."""

    def __init__(self, in_dim, hidden=32, classes=2):
        super().__init__()
        self.node_mlp = _mlp(in_dim, hidden, classes)

    def forward(self, x, edge_index, batch):
        return global_mean_pool(self.node_mlp(x), batch)


def fit(model, train_set, epochs, lr=3e-3, batch_size=32):
    """Adam on cross-entropy over shuffled mini-batches of graphs; returns the last epoch's mean loss."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    loader = DataLoader(train_set, batch_size=batch_size, shuffle=True)
    for _ in range(epochs):
        model.train()
        losses = []
        for b in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(b.x, b.edge_index, b.batch), b.y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        sched.step()
    return float(np.mean(losses))


@torch.no_grad()
def accuracy(model, graphs):
    """Fraction of correctly classified graphs."""
    model.eval()
    correct = 0
    for b in DataLoader(graphs, batch_size=256):
        correct += int((model(b.x, b.edge_index, b.batch).argmax(-1) == b.y).sum())
    return correct / len(graphs)


def run(n_train=1000, n_test=400, epochs=40, layers=3, seed=0, log=print):
    """Train the layer-wise readout GNN and the node-averaging baseline; returns {name: held-out accuracy}."""
    train_set, test_set = dataset(n_train, seed), dataset(n_test, seed + 1)
    log(f"{n_train} training / {n_test} held-out molecules, atoms {ATOMS}, half of them with a ring")
    out = {}
    for name, make in (("layer-wise readout GNN", lambda: LayerwiseReadoutGNN(len(ATOMS), layers=layers)),
                       ("node-averaging baseline", lambda: NodeAveraging(len(ATOMS)))):
        torch.manual_seed(seed)
        model = make()
        t0 = time.time()
        loss = fit(model, train_set, epochs)
        out[name] = accuracy(model, test_set)
        log(f"  {name:24s} train loss {loss:.3f}   held-out accuracy {100 * out[name]:5.1f}%   "
            f"({time.time() - t0:.1f} s)")
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--train", type=int, default=1000)
    p.add_argument("--test", type=int, default=400)
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="300 molecules, 15 epochs (a smoke test)")
    a = p.parse_args(argv)
    if a.quick:
        a.train, a.test, a.epochs = 300, 200, 15
    res = run(a.train, a.test, a.epochs, a.layers, a.seed)
    gnn, base = res["layer-wise readout GNN"], res["node-averaging baseline"]
    print(f"held-out accuracy: layer-wise readout GNN {100 * gnn:.1f}% vs node-averaging baseline {100 * base:.1f}%")
    return 0 if gnn > base else 1


if __name__ == "__main__":
    sys.exit(main())
