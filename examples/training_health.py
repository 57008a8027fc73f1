"""Why training stalls, diagnosed: a 10-layer sigmoid MLP on MNIST against the same net with ReLU and
batch norm, both watched by ``reograd.train.HealthMonitor`` (the notes' "understanding optimization
stalls"; Glorot & Bengio 2010).

With PyTorch's default init (Glorot & Bengio's "standard" U[-1/sqrt(n), 1/sqrt(n)]) and SGD with
momentum, the sigmoid net's gradients shrink by a factor of about 4 or more per layer on the way back
(a' <= 1/4), and its top hidden layer is driven into saturation at 0 (G&B's Fig. 2): the loss stays at
chance level. The monitor names vanishing gradients and saturation, with the notes' cures. The same
net with batch norm and ReLU trains, and the monitor finds nothing wrong. The sigmoid net gets the
larger learning rate (1.0; at 0.5 it stalls the same way, before its top layer saturates); at 1.0 the
ReLU net trains too but the monitor reports dying ReLUs, so it gets 0.5. Prints both diagnoses and the
test accuracies, and saves the per-layer gradient histograms and the convergence plots.

    python examples/training_health.py [--steps 400] [--lr-sigmoid 1.0] [--lr-relu 0.5] [--out runs]
    python examples/training_health.py --quick
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import reograd as torch  # noqa: E402
import reograd.nn.functional as F  # noqa: E402
from reograd import nn  # noqa: E402
from reograd.train import HealthMonitor  # noqa: E402


def mlp(kind, depth=10, width=64):
    """``depth`` Linear layers: sigmoid after each hidden one, or batch norm + ReLU."""
    layers, d = [], 784
    for _ in range(depth - 1):
        layers.append(nn.Linear(d, width))
        layers += [nn.Sigmoid()] if kind == "sigmoid" else [nn.BatchNorm1d(width), nn.ReLU()]
        d = width
    return nn.Sequential(*layers, nn.Linear(d, 10))


def get_data(n_train, n_test, root=None):
    from lenet_mnist import load_mnist

    xtr, ytr, xte, yte = load_mnist(root, n_train, n_test)
    return xtr.reshape(len(xtr), -1), ytr, xte.reshape(len(xte), -1), yte


def train(model, data, steps, lr, batch=128, every=10, seed=0):
    """SGD with momentum 0.9, the monitor sampling every ``every`` steps; returns (monitor, test accuracy)."""
    xtr, ytr, xte, yte = data
    rng = np.random.default_rng(seed)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    monitor = HealthMonitor(model, every=every)
    model.train()
    for _ in range(steps):
        idx = rng.integers(0, len(xtr), batch)
        x, y = torch.from_numpy(xtr[idx]), torch.from_numpy(ytr[idx])
        out = model(x)
        loss = F.cross_entropy(out, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        monitor.step(loss, output=out, target=y)
    monitor.close()
    model.eval()
    with torch.no_grad():
        acc = float((model(torch.from_numpy(xte)).argmax(1).numpy() == yte).mean())
    return monitor, acc


def run(steps=400, lrs=(1.0, 0.5), depth=10, width=64, n_train=20000, n_test=2000, every=10, out=None, root=None,
        log=print):
    """Trains both nets (learning rates ``lrs``: sigmoid, ReLU); returns {kind: (monitor, accuracy)} and prints
    the diagnoses."""
    data = get_data(n_train, n_test, root)
    results = {}
    for (kind, title), lr in zip((("sigmoid", f"{depth}-layer sigmoid MLP"),
                                  ("relu_bn", f"{depth}-layer ReLU + batch-norm MLP")), lrs):
        torch.manual_seed(0)
        t0 = time.time()
        mon, acc = train(mlp(kind, depth, width), data, steps, lr, every=every)
        results[kind] = (mon, acc)
        log(f"\n== {title}: {steps} SGD steps (lr {lr}, momentum 0.9), test accuracy {acc:.1%} "
            f"({time.time() - t0:.0f} s)")
        diags = mon.diagnose()
        for d in diags:
            log("  - " + str(d))
        if not diags:
            log("  - no problems found: gradients, activations and updates look healthy")
        if out:
            mon.plot_histograms(os.path.join(out, f"health_{kind}_gradients.png"))
            mon.plot_histograms(os.path.join(out, f"health_{kind}_activations.png"), kind="activation")
            mon.plot_convergence(os.path.join(out, f"health_{kind}_convergence.png"))
    return results


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--lr-sigmoid", type=float, default=1.0)
    p.add_argument("--lr-relu", type=float, default=0.5)
    p.add_argument("--depth", type=int, default=10)
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--every", type=int, default=10, help="the monitor samples one step in this many")
    p.add_argument("--root", default=None, help="MNIST folder")
    p.add_argument("--out", default="runs", help="folder for the PNGs")
    p.add_argument("--quick", action="store_true", help="100 steps on 5,000 images")
    a = p.parse_args(argv)
    n_train = 20000
    if a.quick:
        a.steps, n_train = 100, 5000
    os.makedirs(a.out, exist_ok=True)
    res = run(a.steps, (a.lr_sigmoid, a.lr_relu), a.depth, a.width, n_train=n_train, every=a.every, out=a.out,
              root=a.root)
    (_, acc_s), (_, acc_r) = res["sigmoid"], res["relu_bn"]
    kinds = {d.kind for d in res["sigmoid"][0].diagnose()}
    print(f"\nsigmoid net: {acc_s:.1%} test accuracy, diagnosed: {', '.join(sorted(kinds)) or 'nothing'}")
    print(f"ReLU + batch norm: {acc_r:.1%} test accuracy, diagnosed: "
          f"{', '.join(sorted(d.kind for d in res['relu_bn'][0].diagnose())) or 'nothing'}")
    print(f"figures: {a.out}/health_*_gradients.png, health_*_activations.png, health_*_convergence.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
