"""Transfer learning: freeze a trained feature extractor, replace and train the head (the notes' VGG
example: ``for param in vgg.features.parameters(): param.requires_grad = False``).

A small VGG-style network (``vgg11`` with width 1/16 on 32x32-padded digits) is trained on task A
(digits 0-4). Its ``features`` are frozen with ``requires_grad_(False)``, its classifier is replaced
by a new head for task B (digits 5-9), and only the head is trained. The script prints task-B
accuracy before (the new, untrained head) and after, how many parameters were trained, and checks
that the frozen parameters did not change.

    python examples/transfer_learning.py [--quick]
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import reograd as torch  # noqa: E402
import reograd.nn as nn  # noqa: E402
import reograd.nn.functional as F  # noqa: E402
from reograd.vision.models import vgg11  # noqa: E402


def split(x, y, classes):
    m = np.isin(y, classes)
    return np.pad(x[m], ((0, 0), (0, 0), (2, 2), (2, 2)), mode="edge"), (y[m] - classes[0]).astype(np.int64)


def fit(model, params, x, y, steps, lr, batch, seed=0):
    rng = np.random.default_rng(seed)
    opt = torch.optim.Adam(params, lr=lr)
    model.train()
    for _ in range(steps):
        idx = rng.integers(0, len(x), batch)
        loss = F.cross_entropy(model(torch.from_numpy(x[idx])), torch.from_numpy(y[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        acc = float((model(torch.from_numpy(x)).argmax(1).numpy() == y).mean())
    model.train()
    return acc


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--head-steps", type=int, default=200)
    p.add_argument("--n", type=int, default=12000)
    p.add_argument("--root", default=None)
    p.add_argument("--quick", action="store_true")
    a = p.parse_args(argv)
    if a.quick:
        a.steps, a.head_steps, a.n = 30, 30, 1500
    torch.manual_seed(0)
    from lenet_mnist import load_mnist
    xtr, ytr, xte, yte = load_mnist(a.root, a.n, a.n // 4)
    xa, ya = split(xtr, ytr, [0, 1, 2, 3, 4])
    xb, yb = split(xtr, ytr, [5, 6, 7, 8, 9])
    xbt, ybt = split(xte, yte, [5, 6, 7, 8, 9])
    xat, yat = split(xte, yte, [0, 1, 2, 3, 4])

    t0 = time.time()
    model = vgg11(in_channels=1, num_classes=5, width_mult=1 / 16, input_size=32, hidden=64, dropout=0.2)
    fit(model, model.parameters(), xa, ya, a.steps, 2e-3, 64)
    print(f"task A (digits 0-4): trained the whole network, test accuracy {100 * accuracy(model, xat, yat):.2f}% "
          f"({time.time() - t0:.1f} s)")

    model.features.requires_grad_(False)                      # freeze the convolutional layers
    frozen = {k: v.detach().numpy().copy() for k, v in model.features.state_dict().items()}
    model.classifier[-1] = nn.Linear(model.classifier[-1].in_features, 5)   # new head for task B
    before = accuracy(model, xbt, ybt)
    trainable = [p for p in model.parameters() if p.requires_grad]
    n_train = sum(p.numel() for p in trainable)
    n_all = sum(p.numel() for p in model.parameters())
    t0 = time.time()
    fit(model, trainable, xb, yb, a.head_steps, 2e-3, 64, seed=1)
    after = accuracy(model, xbt, ybt)
    unchanged = all(np.array_equal(frozen[k], v.detach().numpy()) for k, v in model.features.state_dict().items())
    print(f"task B (digits 5-9): trained {n_train:,} of {n_all:,} parameters (classifier only), "
          f"{time.time() - t0:.1f} s")
    print(f"{'':<28}{'task B test accuracy':>22}")
    print(f"{'before (new, untrained head)':<28}{100 * before:21.2f}%")
    print(f"{'after (head trained)':<28}{100 * after:21.2f}%")
    print(f"frozen feature parameters unchanged: {unchanged}")
    return 0 if unchanged else 1


if __name__ == "__main__":
    sys.exit(main())
