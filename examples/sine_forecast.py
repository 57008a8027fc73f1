"""Sequence-to-sequence forecasting of noisy sine waves (after PyTorch's classic time-sequence
prediction example): from the last ``--history`` noisy values of a sine wave of random amplitude,
frequency and phase, predict the next ``--horizon`` values.

An encoder LSTM reads the history; a decoder ``LSTMCell``, started from the encoder's final state,
generates the future one step at a time, each prediction fed back as its next input (so the
forecast at test time uses no future values). Trained with Adam on the mean squared error. The
example prints the test MSE (against the noisy future and against the clean sine) next to the
persistence baseline, which repeats the last observed value over the whole horizon, and the MSE per
forecast step for both.

    python examples/sine_forecast.py [--steps 1500] [--hidden 64] [--plot runs/sine_forecast.png]
    python examples/sine_forecast.py --quick
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
from _figure import new_figure, save_figure  # noqa: E402


def make_waves(n, history, horizon, rng, noise=0.1):
    """n noisy sine waves: (past (n, history), future (n, horizon), clean future (n, horizon)), float32.

    x(t) = A sin(ω t + φ) + ε, A ~ U(0.5, 1.5), ω ~ U(0.1, 0.3) rad per step, φ ~ U(0, 2π), ε ~ N(0, noise²).
    """
    t = np.arange(history + horizon)
    A = rng.uniform(0.5, 1.5, (n, 1))
    w = rng.uniform(0.1, 0.3, (n, 1))
    phi = rng.uniform(0, 2 * np.pi, (n, 1))
    clean = A * np.sin(w * t + phi)
    noisy = clean + noise * rng.standard_normal(clean.shape)
    f = np.float32
    return noisy[:, :history].astype(f), noisy[:, history:].astype(f), clean[:, history:].astype(f)


class Seq2Seq(nn.Module):
    """Encoder ``nn.LSTM`` over the history; decoder ``nn.LSTMCell`` rolled out ``horizon`` steps."""

    def __init__(self, hidden):
        super().__init__()
        self.encoder = nn.LSTM(1, hidden, batch_first=True)
        self.decoder = nn.LSTMCell(1, hidden)
        self.head = nn.Linear(hidden, 1)

    def forward(self, past, horizon):
        """past (N, history) -> forecast (N, horizon)."""
        _, (h, c) = self.encoder(past.unsqueeze(-1))
        h, c = h[0], c[0]
        y = past[:, -1:]  # the last observed value starts the roll-out
        outs = []
        for _ in range(horizon):
            h, c = self.decoder(y, (h, c))
            y = self.head(h) + y  # predict the change from the previous value
            outs.append(y)
        return torch.cat(outs, dim=1)


def train(steps, hidden, history, horizon, batch, lr, seed=0, log=print):
    """Adam on fresh batches of waves; returns the model."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = Seq2Seq(hidden)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    t0 = time.time()
    run = []
    for step in range(1, steps + 1):
        past, future, _ = make_waves(batch, history, horizon, rng)
        loss = F.mse_loss(model(torch.from_numpy(past), horizon), torch.from_numpy(future))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        run.append(loss.item())
        if step % max(1, steps // 5) == 0:
            log(f"  step {step:5d}  train MSE {np.mean(run[-50:]):.4f}  ({time.time() - t0:.0f} s)")
    return model


def evaluate(model, history, horizon, n=2000, seed=1234):
    """Test MSE of the model and of persistence, per forecast step and overall, against noisy and clean futures."""
    rng = np.random.default_rng(seed)
    past, future, clean = make_waves(n, history, horizon, rng)
    model.eval()
    with torch.no_grad():
        pred = model(torch.from_numpy(past), horizon).numpy()
    model.train()
    persist = np.repeat(past[:, -1:], horizon, axis=1)
    res = {}
    for name, p in (("model", pred), ("persistence", persist)):
        res[name] = {"noisy": float(((p - future) ** 2).mean()), "clean": float(((p - clean) ** 2).mean()),
                     "per_step": ((p - future) ** 2).mean(0)}
    return res, (past[:3], future[:3], pred[:3])


def plot(examples, path):
    """Three test waves: history, true future and forecast."""
    past, future, pred = examples
    made = new_figure(len(past), 1, (7, 2.2 * len(past)))
    if made is None:
        return
    fig, axes = made
    H, F_ = past.shape[1], future.shape[1]
    for ax, p, f, q in zip(axes, past, future, pred):
        ax.plot(range(H), p, "k.", ms=3, label="history")
        ax.plot(range(H, H + F_), f, "g.", ms=3, label="future (noisy)")
        ax.plot(range(H, H + F_), q, "r-", label="forecast")
    axes[0].legend(loc="upper left", fontsize=8)
    save_figure(fig, path)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--history", type=int, default=40)
    p.add_argument("--horizon", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plot", default=os.path.join("runs", "sine_forecast.png"), help="PNG path ('' for none)")
    p.add_argument("--quick", action="store_true", help="a short training (a smoke test)")
    a = p.parse_args(argv)
    if a.quick:
        a.steps, a.hidden = 150, 32
    model = train(a.steps, a.hidden, a.history, a.horizon, a.batch_size, a.lr, a.seed)
    res, examples = evaluate(model, a.history, a.horizon)
    m, b = res["model"], res["persistence"]
    print(f"\ntest MSE over a {a.horizon}-step horizon (2000 waves, noise std 0.1 so the floor is 0.01)")
    print(f"{'':>12} | {'vs noisy':>8} | {'vs clean':>8}")
    print(f"{'seq2seq':>12} | {m['noisy']:8.4f} | {m['clean']:8.4f}")
    print(f"{'persistence':>12} | {b['noisy']:8.4f} | {b['clean']:8.4f}")
    print(f"ratio model / persistence: {m['noisy'] / b['noisy']:.3f}")
    print("MSE per forecast step (model / persistence): " + ", ".join(
        f"{k + 1}: {x:.3f}/{y:.3f}" for k, (x, y) in enumerate(zip(m["per_step"], b["per_step"])) if k % 5 == 0
        or k == a.horizon - 1))
    if a.plot:
        plot(examples, a.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
