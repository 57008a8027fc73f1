"""The cost of ``HealthMonitor``: training steps with the monitor (sampling every 10 steps, and every
step) against the same steps without it, interleaved in one process; the issue's target is < 10% with
``every=10``.

    python bench/bench_health.py [--repeat 7] [--steps 20] [--threads 1]

Each timed block is ``--steps`` SGD steps (forward, loss, backward, step, ``monitor.step``) on a fixed
batch. Ratio = with monitor / without; medians over the repeats. The "from every=1" rows give the every-10
overhead as a tenth of a sampled step's extra cost, which machine noise disturbs less than the 1-in-10
difference itself.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import Table, interleaved, set_threads  # noqa: E402


def workloads(nn):
    def mlp():
        return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))

    def sigmoid10():
        layers, d = [], 784
        for _ in range(9):
            layers += [nn.Linear(d, 128), nn.Sigmoid()]
            d = 128
        return nn.Sequential(*layers, nn.Linear(d, 10))

    def cnn():
        return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(16 * 7 * 7, 10))
    return [("MLP 784-256-256-10, batch 128", mlp, (128, 784)),
            ("sigmoid MLP 10 layers x 128, batch 128", sigmoid10, (128, 784)),
            ("CNN 2 conv + BN, 28x28, batch 64", cnn, (64, 1, 28, 28))]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--save", default=None, help="write the table as JSON here")
    a = p.parse_args()
    set_threads(a.threads)
    import reograd
    import reograd.nn.functional as F
    from reograd import nn
    from reograd.train import HealthMonitor

    reograd.set_num_threads(a.threads)
    table = Table(f"HealthMonitor overhead ({a.steps} SGD steps per timing, {a.threads} thread(s))")
    table.header()
    for name, make, shape in workloads(nn):
        reograd.manual_seed(0)
        x = reograd.randn(*shape)
        y = reograd.randint(0, 10, (shape[0],))
        models = {k: make() for k in ("plain", "every10", "every1")}
        monitors = {"every10": HealthMonitor(models["every10"], every=10),
                    "every1": HealthMonitor(models["every1"], every=1)}
        opts = {k: reograd.optim.SGD(m.parameters(), lr=0.01) for k, m in models.items()}

        def block(k):
            def run():
                m, opt, mon = models[k], opts[k], monitors.get(k)
                for _ in range(a.steps):
                    out = m(x)
                    loss = F.cross_entropy(out, y)
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    if mon is not None:
                        mon.step(loss, output=out, target=y)
            return run
        t = interleaved({k: block(k) for k in models}, repeat=a.repeat)
        table.add(f"{name}, every=10", t["every10"], t["plain"], peer_name="no monitor")
        table.add(f"{name}, every=1", t["every1"], t["plain"], peer_name="no monitor")
        # the every=10 overhead from the sampled step's extra cost: less noisy than the direct ratio
        extra = (t["every1"]["median"] - t["plain"]["median"]) / t["plain"]["median"]
        table.note(f"{name}, every=10 from every=1", f"{extra / 10:+.1%} of step time (sampled step +{extra:.0%})",
                   derived_overhead=extra / 10)
    if a.save:
        table.save(a.save)


if __name__ == "__main__":
    main()
