"""The degradation problem (He et al. 2016; the notes' "56-layer net has higher training error than
20-layer net"): a deeper plain CNN trains worse, the same depth with skip connections does not.

For each depth (2 * 3 * blocks + 2 weighted layers: 8, 20, 56 by default) it trains ``plain_small``
(no skips) and ``resnet_small`` (identity / 1x1-projection skips) with the same seed, data, SGD with
momentum, and batch norm, and prints the mean training loss of the last steps as a table: the
plain column grows with depth, the residual one falls.

A ``reograd.train.HealthMonitor`` watches every training run. Since the losses are *training* losses, the
deeper plain net's higher loss is not overfitting (a deeper net could copy the shallower one and set the
extra layers to the identity): it is an optimisation failure. The monitor's second table shows where it
comes from -- how much of the output layer's gradient reaches the first layer (per weight), the first
layer's update-to-weight ratio, and the diagnoses (vanishing gradients, dead ReLUs, activation scale...);
then the loss curves of the deepest plain and residual nets.

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
from reograd.train import HealthMonitor  # noqa: E402
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


def train_loss(model, x, y, steps, lr, batch, seed=0, tail=20, monitor=None):
    """SGD(momentum 0.9) for ``steps`` minibatches; the mean loss of the last ``tail`` steps (each step
    reported to ``monitor`` when given)."""
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
        if monitor is not None:
            monitor.step(loss)
    if monitor is not None:
        monitor.close()
    return float(np.mean(losses[-tail:]))


def run(depths, steps, widths, lr, batch, n, root=None, log=print, monitors=None, every=10):
    """Returns {(depth_layers, "plain"|"residual"): loss}; with a dict ``monitors``, also fills it with each
    run's HealthMonitor (sampling every ``every`` steps)."""
    x, y, source = get_data(n, root)
    log(f"{source}: {len(x)} images, {steps} steps of batch {batch}, widths {widths}")
    results = {}
    for b in depths:
        layers = 2 * 3 * b + 2
        for name, make in (("plain", plain_small), ("residual", resnet_small)):
            torch.manual_seed(0)
            t0 = time.time()
            model = make(in_channels=1, num_classes=10, widths=widths, blocks=(b, b, b))
            mon = None
            if monitors is not None:
                mon = monitors[(layers, name)] = HealthMonitor(model, every=every, warn=False)
            results[(layers, name)] = train_loss(model, x, y, steps, lr, batch, tail=max(1, min(20, steps // 4)),
                                                 monitor=mon)
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
    monitors = {}
    res = run(a.depths, a.steps, tuple(a.widths), a.lr, a.batch_size, a.n, a.root, monitors=monitors,
              every=max(1, min(10, a.steps // 5)))
    print(f"\ntraining loss after {a.steps} steps (mean of the last steps)")
    print(f"{'layers':>6} | {'plain':>8} | {'residual':>8}")
    print("-" * 30)
    for b in a.depths:
        L = 2 * 3 * b + 2
        print(f"{L:6d} | {res[(L, 'plain')]:8.4f} | {res[(L, 'residual')]:8.4f}")
    print_health(res, monitors, a.depths)
    return 0


def gradient_reach(monitor, window=5):
    """(RMS weight gradient of the first weight layer / of the last, the first layer's update / weight ratio),
    averaged over the last ``window`` sampled steps."""
    names = monitor.layer_names()
    recs = monitor.records[-window:]

    def mean(name, key):
        v = [r["layers"][name][key] for r in recs if key in r["layers"].get(name, {})]
        return float(np.mean(v)) if v else float("nan")
    return mean(names[0], "grad_rms") / mean(names[-1], "grad_rms"), mean(names[0], "update_ratio")


def print_health(res, monitors, depths):
    """The monitor's view of each run, and the verdict on the deepest plain net."""
    print("\ntraining health (HealthMonitor, last sampled steps)")
    print(f"{'layers':>6} | {'net':<8} | {'loss':>7} | {'grad first/last':>15} | {'first dW/W':>10} | diagnoses")
    print("-" * 80)
    for b in depths:
        L = 2 * 3 * b + 2
        for name in ("plain", "residual"):
            mon = monitors[(L, name)]
            reach, upd = gradient_reach(mon)
            kinds = ", ".join(sorted({d.kind for d in mon.diagnose()})) or "-"
            print(f"{L:6d} | {name:<8} | {res[(L, name)]:7.4f} | {reach:15.3g} | {upd:10.3g} | {kinds}")
    deep, shallow = 2 * 3 * max(depths) + 2, 2 * 3 * min(depths) + 2
    if deep == shallow:
        return
    worse = res[(deep, "plain")] > res[(shallow, "plain")]
    print(f"\nthe {deep}-layer plain net's training loss is {'higher' if worse else 'not higher'} than the "
          f"{shallow}-layer one's ({res[(deep, 'plain')]:.4f} vs {res[(shallow, 'plain')]:.4f})"
          + (": a *training* error, so not overfitting -- an optimisation failure." if worse else "."))
    plain, resid = monitors[(deep, "plain")], monitors[(deep, "residual")]
    r_plain, u_plain = gradient_reach(plain)
    r_res, u_res = gradient_reach(resid)
    why = ""
    if worse and (r_plain < 0.1 * r_res or u_plain < 0.1 * u_res):
        why = ": the plain net's first layers barely learn -- the skip connections carry the gradient to them"
    elif worse:
        why = (": the first layer's gradient is as healthy as with skip connections, so the failure is not "
               "vanishing gradients but a slower optimisation (He et al.'s observation with batch norm)")
    print(f"at {deep} layers the first layer gets {r_plain:.3g} of the output layer's gradient per weight in the "
          f"plain net and {r_res:.3g} with skip connections, and moves by {u_plain:.2g} of its norm per step "
          f"against {u_res:.2g}{why}")
    n = len(plain.losses)
    marks = [max(1, n * k // 4) for k in (1, 2, 3, 4)]
    for name, mon in (("plain", plain), ("residual", resid)):
        curve = "  ".join(f"{float(np.mean(mon.losses[max(0, m - 10):m])):.3f}" for m in marks)
        print(f"  {deep}-layer {name:<8} training loss after 25/50/75/100% of the steps: {curve}")
    for d in plain.diagnose():
        print(f"  monitor, {deep}-layer plain net: {d}")


if __name__ == "__main__":
    sys.exit(main())
