"""The degradation problem (He et al. 2016; the notes' "56-layer net has higher training error than
20-layer net"): a deeper plain CNN trains worse, the same depth with skip connections does not.

For each depth (2 * 3 * blocks + 2 weighted layers: 8, 20, 56 by default) it trains ``plain_small``
(no skips) and ``resnet_small`` (identity / 1x1-projection skips) with the same seed, data, SGD with
momentum, and batch norm, and prints the mean training loss of the last steps as a table: the
plain column grows with depth, the residual one falls.

    python examples/degradation.py [--steps 300] [--depths 1 3 9]
    python examples/degradation.py --quick
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import reograd as torch  # noqa: E402
import reograd.nn.functional as F  # noqa: E402
from reograd.vision.models import plain_small, resnet_small  # noqa: E402


def get_data(n, root=None, seed=0):
    """n MNIST training images (normalised), or a synthetic stand-in when MNIST is not available."""
    try:
        from lenet_mnist import load_mnist
        x, y, _, _ = load_mnist(root, n, 10)
        return x, y, "MNIST"
    except RuntimeError:
        rng = np.random.default_rng(seed)
        y = rng.integers(0, 10, n)
        protos = rng.standard_normal((10, 1, 28, 28)).astype(np.float32)
        x = protos[y] + rng.standard_normal((n, 1, 28, 28)).astype(np.float32)
        return x, y, "synthetic"


def train_loss(model, x, y, steps, lr, batch, seed=0, tail=20):
    """SGD(momentum 0.9) for ``steps`` minibatches; the mean loss of the last ``tail`` steps."""
    rng = np.random.default_rng(seed)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    losses = []
    for _ in range(steps):
        idx = rng.integers(0, len(x), batch)
        loss = F.cross_entropy(model(torch.from_numpy(x[idx])), torch.from_numpy(y[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return float(np.mean(losses[-tail:]))


def run(depths, steps, widths, lr, batch, n, root=None, log=print):
    """Returns {(depth_layers, "plain"|"residual"): loss}."""
    x, y, source = get_data(n, root)
    log(f"{source}: {len(x)} images, {steps} steps of batch {batch}, widths {widths}")
    results = {}
    for b in depths:
        layers = 2 * 3 * b + 2
        for name, make in (("plain", plain_small), ("residual", resnet_small)):
            torch.manual_seed(0)
            t0 = time.time()
            model = make(in_channels=1, num_classes=10, widths=widths, blocks=(b, b, b))
            results[(layers, name)] = train_loss(model, x, y, steps, lr, batch, tail=max(1, min(20, steps // 4)))
            log(f"  {layers:3d} layers {name:<8} loss {results[(layers, name)]:.4f} ({time.time() - t0:.1f} s)")
    return results


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--depths", type=int, nargs="+", default=[1, 3, 9], help="blocks per stage (layers = 6 b + 2)")
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--widths", type=int, nargs=3, default=[8, 16, 32])
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--n", type=int, default=10000, help="training images")
    p.add_argument("--root", default=None)
    p.add_argument("--quick", action="store_true", help="depths 1 and 3, 8 steps, tiny widths (a smoke test)")
    a = p.parse_args(argv)
    if a.quick:
        a.depths, a.steps, a.widths, a.batch_size, a.n = [1, 3], 8, [4, 4, 8], 16, 256
    res = run(a.depths, a.steps, tuple(a.widths), a.lr, a.batch_size, a.n, a.root)
    print(f"\ntraining loss after {a.steps} steps (mean of the last steps)")
    print(f"{'layers':>6} | {'plain':>8} | {'residual':>8}")
    print("-" * 30)
    for b in a.depths:
        L = 2 * 3 * b + 2
        print(f"{L:6d} | {res[(L, 'plain')]:8.4f} | {res[(L, 'residual')]:8.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
