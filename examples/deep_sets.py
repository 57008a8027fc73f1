"""Deep sets on sets of numbers and attention-based multiple-instance learning on bags of MNIST digits (the
notes' "Deep Sets").

1. Sum of a set of numbers (Zaheer et al. 2017): a set of 1-10 digits 0-9 (one-hot) goes through
   f(X) = ρ(⊕_{x ∈ X} φ(x)) — φ an MLP on each element, ρ linear — trained with the L1 loss on the set's sum. The
   model is invariant to the order of the set by construction; with ⊕ = sum (the universal form) it extends to
   sets far larger than any seen in training, with ⊕ = mean it cannot count. The script prints both models'
   accuracy (rounded prediction = true sum) on fresh sets of 5 and 10 digits and of 20, 50 and 100 digits.
2. Attention MIL (Ilse et al. 2018): a bag of 5-15 digits is positive if it holds a 9. Instances are embedded,
   pooled by gated attention z = Σ_k a_k h_k, and classified; the script prints the bag accuracy and, for held-out
   positive bags, each digit with its min-max-scaled attention a'_k = (a_k - min a) / (max a - min a) — the 9s get
   it — and saves the heat map of a bag (each image scaled by its a'_k, the notes' figure) with ``--plot``.

Without MNIST (``--root``, ``$REOGRAD_DATA``, the cache) the bags hold noisy one-hot vectors instead of images.

    python examples/deep_sets.py                 # a couple of minutes
    python examples/deep_sets.py --quick         # a smoke test
"""
import argparse
import os
import sys
import time

import numpy as np

import reograd as torch
import reograd.nn as nn
from reograd.geometric.nn import AttentionMILPool, DeepSets, minmax_scale


def load_digits(root=None, n_train=None, n_test=None, seed=0):
    """(x_train, y_train, x_test, y_test, source): MNIST as flat normalised rows, or noisy one-hot stand-ins."""
    try:
        from reograd.vision.datasets import MNIST
        out = []
        for train, n in ((True, n_train), (False, n_test)):
            ds = MNIST(root, train=train)
            x = ds.data.numpy()[:n].reshape(-1, 784).astype(np.float32) / 255.0
            out += [(x - 0.1307) / 0.3081, ds.targets.numpy()[:n].astype(np.int64)]
        return (*out, "MNIST")
    except RuntimeError:
        rng = np.random.default_rng(seed)
        out = []
        for n in (n_train or 20000, n_test or 5000):
            y = rng.integers(0, 10, n)
            out += [np.eye(10, dtype=np.float32)[y] + 0.1 * rng.standard_normal((n, 10)).astype(np.float32), y]
        return (*out, "one-hot numbers (MNIST not found)")


def _encoder(d, hidden=128, out=64):
    return nn.Sequential(nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, out), nn.ReLU())


# ---------------------------------------------------------------------------------------------- 1. sum of digits
def number_sets(rng, count, sizes):
    """``count`` sets of digits 0-9 (one-hot rows), sizes drawn from ``sizes``: (rows, set id per row, sums)."""
    n = rng.choice(sizes, count)
    digits = rng.integers(0, 10, int(n.sum()))
    batch = np.repeat(np.arange(count), n)
    sums = np.bincount(batch, weights=digits, minlength=count).astype(np.float32)
    return np.eye(10, dtype=np.float32)[digits], batch, sums


def train_sum(pool, steps, sets_per_step=64, sizes=range(1, 11), lr=3e-3, seed=0, log=print):
    """Fit DeepSets(φ, ρ, pool) to the sums of random sets of digits (L1 loss); returns the model."""
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    phi = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 16))
    model = DeepSets(phi, nn.Linear(16, 1), pool=pool)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    for step in range(steps):
        rows, batch, sums = number_sets(rng, sets_per_step, list(sizes))
        pred = model(torch.from_numpy(rows), batch=torch.from_numpy(batch), size=sets_per_step).view(-1)
        loss = (pred - torch.from_numpy(sums)).abs().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    log(f"   pool={pool!r}: final training L1 {loss.item():.3f}")
    return model


@torch.no_grad()
def sum_accuracy(model, size, count=500, seed=1):
    """(accuracy of the rounded prediction, mean absolute error) on ``count`` fresh sets of ``size`` digits."""
    rows, batch, sums = number_sets(np.random.default_rng(seed + size), count, [size])
    pred = model(torch.from_numpy(rows).view(count, size, 10)).view(-1).numpy()   # the padded (B, M, F) form
    return float((np.rint(pred) == sums).mean()), float(np.abs(pred - sums).mean())


# ---------------------------------------------------------------------------------------------- 2. attention MIL
class MILClassifier(nn.Module):
    """Instance encoder -> gated attention pooling -> bag logit; returns (logit, attention weights)."""

    def __init__(self, d):
        super().__init__()
        self.encoder = _encoder(d)
        self.pool = AttentionMILPool(64, 32, gated=True)
        self.classify = nn.Linear(64, 1)

    def forward(self, x, batch, size):
        z, a = self.pool(self.encoder(x), batch=batch, size=size)
        return self.classify(z).view(-1), a


def train_mil(x, y, steps, bags_per_step=32, sizes=range(5, 16), lr=1e-3, seed=0, log=print):
    """Bags of random digits, positive when one is a 9 (about half are, by construction)."""
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    model = MILClassifier(x.shape[1])
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    nines, others = np.flatnonzero(y == 9), np.flatnonzero(y != 9)
    for step in range(steps):
        idx, batch, label = make_bags(rng, nines, others, bags_per_step, list(sizes))
        logit, _ = model(torch.from_numpy(x[idx]), torch.from_numpy(batch), bags_per_step)
        loss = nn.functional.binary_cross_entropy_with_logits(logit, torch.from_numpy(label))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % max(1, steps // 5) == 0 or step == steps - 1:
            log(f"    step {step:4d}  BCE {loss.item():.3f}")
    return model


def make_bags(rng, nines, others, count, sizes):
    """``count`` bags: half positive (1-3 nines among other digits), half without any 9."""
    idx, batch, label = [], [], np.zeros(count, dtype=np.float32)
    for b in range(count):
        n = int(rng.choice(sizes))
        members = rng.choice(others, n)
        if b % 2:
            k = int(rng.integers(1, 4))
            members[rng.choice(n, k, replace=False)] = rng.choice(nines, k)
            label[b] = 1
        idx.append(members)
        batch.append(np.full(n, b))
    return np.concatenate(idx), np.concatenate(batch), label


@torch.no_grad()
def mil_report(model, x, y, count=400, show=3, seed=2, log=print):
    """Bag accuracy, the share of positive bags whose most-attended digit is a 9, and a few bags with their scaled
    attention. Returns (accuracy, share, [(digits, scaled attention), ...])."""
    rng = np.random.default_rng(seed)
    idx, batch, label = make_bags(rng, np.flatnonzero(y == 9), np.flatnonzero(y != 9), count, list(range(5, 16)))
    logit, a = model(torch.from_numpy(x[idx]), torch.from_numpy(batch), count)
    acc = float(((logit.numpy() > 0) == (label > 0.5)).mean())
    scaled = minmax_scale(a, torch.from_numpy(batch)).numpy()
    digits = y[idx]
    top_is_nine = [digits[batch == b][np.argmax(scaled[batch == b])] == 9 for b in range(count) if label[b]]
    examples = [(digits[batch == b], scaled[batch == b], idx[batch == b]) for b in range(1, 2 * show, 2)]
    return acc, float(np.mean(top_is_nine)), examples


def plot_bag(x, digits, weights, path):
    """The notes' heat map: each image of a bag multiplied by its scaled attention weight."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(no plot: pip install matplotlib)")
        return
    if x.shape[1] != 784:
        print("(no plot: the digits are not images)")
        return
    fig, axes = plt.subplots(1, len(digits), figsize=(1.2 * len(digits), 1.6))
    for ax, img, d, w in zip(np.atleast_1d(axes), x, digits, weights):
        ax.imshow((img.reshape(28, 28) * 0.3081 + 0.1307) * w, cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"{d}: {w:.2f}", fontsize=8)
        ax.axis("off")
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"heat map of a bag saved to {path}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", default=None, help="MNIST folder")
    p.add_argument("--sum-steps", type=int, default=1000)
    p.add_argument("--mil-steps", type=int, default=600)
    p.add_argument("--plot", default=os.path.join("runs", "deep_sets_mil.png"), help="heat map PNG ('' for none)")
    p.add_argument("--quick", action="store_true", help="few steps and sets (a smoke test)")
    a = p.parse_args(argv)
    if a.quick:
        a.sum_steps, a.mil_steps = 600, 60
    t0 = time.time()
    print("1. sum of a set of digits 0-9, DeepSets(phi, rho) trained on sets of 1-10 digits")
    accs = {}
    for pool in ("sum", "mean"):
        model = train_sum(pool, a.sum_steps)
        for size in (5, 10, 20, 50, 100):
            acc, mae = sum_accuracy(model, size)
            accs[(pool, size)] = acc
            note = "  (larger than any training set)" if size > 10 else ""
            print(f"      sets of {size:3d}: accuracy {100 * acc:5.1f}%   MAE {mae:6.2f}{note}")
    print(f"   ({time.time() - t0:.1f} s)")

    t0 = time.time()
    x, y, xt, yt, source = load_digits(a.root)
    print(f"2. attention MIL: is there a 9 in the bag? (gated attention pooling; digits: {source})")
    mil = train_mil(x, y, a.mil_steps)
    acc, share, examples = mil_report(mil, xt, yt)
    print(f"   held-out bag accuracy {100 * acc:.1f}%; in {100 * share:.1f}% of the positive bags the most-attended "
          f"digit is a 9")
    for digits, w, _ in examples:
        print("   bag " + " ".join(f"{d}:{v:.2f}" for d, v in zip(digits, w)))
    print(f"   ({time.time() - t0:.1f} s)")
    if a.plot:   # the first shown bag whose most-attended digit is a 9
        digits, w, idx = next((e for e in examples if e[0][np.argmax(e[1])] == 9), examples[0])
        plot_bag(xt[idx], digits, w, a.plot)
    return 0 if accs[("sum", 100)] > 0.9 and share > 0.8 else 1


if __name__ == "__main__":
    sys.exit(main())
