"""The notes' message passing neural network (Gilmer et al. 2017) regressing a graph property.

Algorithm 1 of the notes (seed 002): embed the nodes, then T rounds of

    m̃_j = f(h_j),    m_{j→i} = σ(A_ij m̃_j),    h_i = GRU(h_i, Σ_j m_{j→i})

(f linear, σ the logistic sigmoid, A_ij the edge weight, here 1, the GRU shared across rounds), then a readout
(sum over the nodes, an MLP) — encode, process, decode. The graphs are random G(n, p) graphs (n = 8-20 nodes,
p = 0.1-0.45) with featureless nodes, and the property is the number of triangles, which the network has to infer
from the structure alone. It prints the test mean absolute error against the error of always predicting the
training mean.

    python examples/mpnn.py                 # 1,200 training / 400 test graphs, 40 epochs
    python examples/mpnn.py --quick         # a smoke test
"""
import argparse
import sys
import time

import numpy as np

import reograd as torch
import reograd.nn as nn
from reograd.geometric.data import Data, DataLoader
from reograd.geometric.nn import MessagePassing, global_add_pool


def random_graph(rng):
    """G(n, p) with n in [8, 20], p in [0.1, 0.45]: (Data with featureless nodes, its number of triangles)."""
    n = int(rng.integers(8, 21))
    p = rng.uniform(0.1, 0.45)
    upper = np.triu(rng.random((n, n)) < p, 1)
    adj = (upper | upper.T).astype(np.int64)
    triangles = int(np.trace(adj @ adj @ adj)) // 6
    ei = np.array(np.nonzero(adj))
    data = Data(x=torch.ones(n, 1), edge_index=torch.from_numpy(ei), edge_weight=torch.ones(ei.shape[1]),
                y=torch.tensor([float(triangles)]))
    return data, triangles


def dataset(n, seed):
    """``n`` random graphs and their triangle counts."""
    rng = np.random.default_rng(seed)
    return [random_graph(rng)[0] for _ in range(n)]


class GRUUpdate(nn.Module):
    """A GRU cell, h' = (1 - z) ⊙ n + z ⊙ h with r = σ(W_r x + U_r h), z = σ(W_z x + U_z h),
    n = tanh(W_n x + r ⊙ U_n h) (biases included), made of two nn.Linear maps.

    Switch to ``nn.GRUCell(hidden, hidden)`` (issue 11, on branch ``rnn``) once it is on main: same equations,
    same (input, hidden) call.
    """

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.ih = nn.Linear(input_size, 3 * hidden_size)
        self.hh = nn.Linear(hidden_size, 3 * hidden_size)

    def forward(self, x, h):
        xr, xz, xn = self.ih(x).chunk(3, dim=-1)
        hr, hz, hn = self.hh(h).chunk(3, dim=-1)
        r, z = (xr + hr).sigmoid(), (xz + hz).sigmoid()
        return (1 - z) * (xn + r * hn).tanh() + z * h


class MPNNStep(MessagePassing):
    """One round: m_{j→i} = σ(A_ij f(h_j)) summed over the neighbours j, then h_i = GRU(Σ_j m_{j→i}, h_i)."""

    def __init__(self, hidden):
        super().__init__(aggr="add")
        self.f = nn.Linear(hidden, hidden)
        self.gru = GRUUpdate(hidden, hidden)

    def forward(self, h, edge_index, edge_weight):
        return self.propagate(edge_index, m=self.f(h), h=h, edge_weight=edge_weight)

    def message(self, m_j, edge_weight):
        return (edge_weight.view(-1, 1) * m_j).sigmoid()

    def update(self, aggr_out, h):
        return self.gru(aggr_out, h)


class MPNN(nn.Module):
    """Embed -> ``steps`` rounds of one shared MPNNStep -> sum readout -> MLP."""

    def __init__(self, in_dim=1, hidden=32, steps=3):
        super().__init__()
        self.embed = nn.Linear(in_dim, hidden)
        self.step = MPNNStep(hidden)
        self.steps = steps
        self.readout = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, x, edge_index, edge_weight, batch):
        h = self.embed(x).tanh()
        for _ in range(self.steps):
            h = self.step(h, edge_index, edge_weight)
        return self.readout(global_add_pool(h, batch)).view(-1)


def fit(model, graphs, epochs, scale, lr=3e-3, batch_size=32):
    """Adam on the L1 loss of the scaled triangle count; returns the last epoch's mean loss (in triangles)."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    for _ in range(epochs):
        losses = []
        for b in DataLoader(graphs, batch_size=batch_size, shuffle=True):
            loss = (model(b.x, b.edge_index, b.edge_weight, b.batch) - b.y / scale).abs().mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item() * scale)
        sched.step()
    return float(np.mean(losses))


@torch.no_grad()
def mean_abs_error(model, graphs, scale):
    """Mean absolute error, in triangles, on ``graphs``."""
    errors = []
    for b in DataLoader(graphs, batch_size=256):
        errors.append((model(b.x, b.edge_index, b.edge_weight, b.batch) * scale - b.y).abs())
    return float(torch.cat(errors).mean())


def run(n_train=1200, n_test=400, epochs=40, hidden=32, steps=3, seed=0, log=print):
    """Returns (test MAE of the MPNN, test MAE of predicting the training mean)."""
    train_set, test_set = dataset(n_train, seed), dataset(n_test, seed + 1)
    y_train = np.array([g.y.item() for g in train_set])
    y_test = np.array([g.y.item() for g in test_set])
    scale = float(y_train.std())
    log(f"{n_train} training / {n_test} test graphs; triangles per graph: mean {y_train.mean():.1f}, "
        f"max {int(y_train.max())}")
    torch.manual_seed(seed)
    model = MPNN(hidden=hidden, steps=steps)
    t0 = time.time()
    loss = fit(model, train_set, epochs, scale)
    mae = mean_abs_error(model, test_set, scale)
    baseline = float(np.abs(y_test - y_train.mean()).mean())
    log(f"  MPNN ({steps} rounds, hidden {hidden}): train MAE {loss:.2f}, test MAE {mae:.2f}   "
        f"({time.time() - t0:.1f} s)")
    return mae, baseline


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--train", type=int, default=1200)
    p.add_argument("--test", type=int, default=400)
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--steps", type=int, default=3, help="message-passing rounds T")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="400 graphs, 12 epochs (a smoke test)")
    a = p.parse_args(argv)
    if a.quick:
        a.train, a.test, a.epochs = 400, 200, 12
    mae, baseline = run(a.train, a.test, a.epochs, a.hidden, a.steps, a.seed)
    print(f"test MAE (triangles per graph): MPNN {mae:.2f} vs predicting the mean {baseline:.2f}")
    return 0 if mae < 0.5 * baseline else 1


if __name__ == "__main__":
    sys.exit(main())
