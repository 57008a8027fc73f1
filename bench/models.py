"""The benchmark models, written once against the shared API (``lib`` is ``reograd`` or ``torch``),
and the helpers that give reograd and the peer the same weights and the same data."""
from __future__ import annotations

import gzip
import os

import numpy as np


def mlp(lib, sizes):
    """Linear-ReLU stack, e.g. sizes (784, 256, 10)."""
    nn = lib.nn
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def lenet5(lib):
    """LeNet-5 for 1x28x28 input (padding 2 on the first conv, max pooling, ReLU)."""
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def basic_block(lib, channels=64):
    """ResNet basic block: conv3x3-BN-ReLU-conv3x3-BN, identity shortcut, ReLU."""
    nn = lib.nn

    class BasicBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(channels)
            self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(channels)
            self.relu = nn.ReLU()

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return self.relu(out + x)

    return BasicBlock()


def same_weights(torch_model, reo_model, reograd):
    """Copy the torch model's parameters and buffers into the reograd model (same architecture)."""
    src = torch_model.state_dict()
    dst = reo_model.state_dict()
    assert list(src) == list(dst), (list(src), list(dst))
    with reograd.no_grad():
        for k, v in dst.items():
            v.copy_(reograd.from_numpy(src[k].detach().numpy().copy()))


def pair(build, reograd, torch, seed=0):
    """(reograd model, torch model) with equal weights."""
    torch.manual_seed(seed)
    tm = build(torch)
    rm = build(reograd)
    same_weights(tm, rm, reograd)
    return rm, tm


def train_step(lib, model, opt, x, y, loss="ce"):
    """One training step: forward, loss, backward, optimizer step."""
    F = lib.nn.functional

    def run():
        opt.zero_grad()
        out = model(x)
        los = F.cross_entropy(out, y) if loss == "ce" else F.mse_loss(out, y)
        los.backward()
        opt.step()
        return los
    return run


def data_dir():
    return os.environ.get("REOGRAD_DATA") or os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_mnist():
    """(x_train, y_train, x_test, y_test): float32 in [0, 1] flattened to 784, int64 labels; or None."""
    d = os.path.join(data_dir(), "mnist")
    names = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
             "t10k-labels-idx1-ubyte.gz"]
    if not all(os.path.exists(os.path.join(d, n)) for n in names):
        return None
    xtr, ytr, xte, yte = (_read_idx(os.path.join(d, n)) for n in names)
    f = lambda a: (a.reshape(len(a), -1).astype(np.float32) / 255.0)  # noqa: E731
    return f(xtr), ytr.astype(np.int64), f(xte), yte.astype(np.int64)
