"""The vanishing gradient in time (seed 002: "network can grow very deep, in time -> vanishing
gradients"; the cure: "add pass-through (additive paths) so recurrent state does not go
repeatedly through squashing non-linearity").

For a long random input sequence (T = 100 steps by default) and a loss on the last state only,
L = ‖h_T‖², backpropagation through time gives ∂L/∂h_t for every step t. The example prints and
plots ‖∂L/∂h_t‖ against t, averaged (geometrically) over several random draws, for

- an Elman RNN, h_t = tanh(W x_t + U h_{t-1} + b): each step back multiplies the gradient by
  Uᵀ diag(1 - h²), so it shrinks geometrically;
- an LSTM with PyTorch's initialisation: the cell path c_{t-1} -> c_t multiplies by the forget gate
  f ≈ σ(0) = 1/2, so it shrinks too, more slowly;
- the same LSTM with its forget-gate bias set to 2 (f ≈ 0.88; a common practice): the additive path
  c_t = f ⊙ c_{t-1} + i ⊙ g is close to the identity, and the gradient reaches the first steps.

It also prints the mean factor per step, (‖∂L/∂h_1‖ / ‖∂L/∂h_T‖)^(1/(T-1)).

    python examples/vanishing_gradients_in_time.py [--steps 100] [--hidden 64] [--plot runs/vanishing.png]
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import reograd as torch  # noqa: E402
import reograd.nn as nn  # noqa: E402
from _figure import new_figure, save_figure  # noqa: E402

MODELS = [("RNN", None), ("LSTM", None), ("LSTM, forget bias 2", 2.0)]


def grad_norms(kind, steps, hidden, inputs, forget_bias=None, seed=0):
    """‖∂L/∂h_t‖ for t = 1..steps, L = ‖h_T‖², one random sequence, PyTorch's initialisation."""
    torch.manual_seed(seed)
    lstm = kind.startswith("LSTM")
    # float64: in float32 the RNN's gradient underflows to 0 long before t = 1
    cell = (nn.LSTMCell(inputs, hidden) if lstm else nn.RNNCell(inputs, hidden)).double()
    if forget_bias is not None:  # gate rows [i | f | g | o]: the f block of the two biases
        with torch.no_grad():
            cell.bias_ih[hidden:2 * hidden].fill_(forget_bias)
            cell.bias_hh[hidden:2 * hidden].zero_()
    x = torch.randn(steps, 1, inputs, dtype=torch.float64)
    h = c = torch.zeros(1, hidden, dtype=torch.float64)
    states = []
    for t in range(steps):
        if lstm:
            h, c = cell(x[t], (h, c))
        else:
            h = cell(x[t], h)
        h.retain_grad()
        states.append(h)
    (h * h).sum().backward()
    return np.array([float(s.grad.norm()) for s in states])


def run(steps, hidden, inputs, seeds):
    """{model name: geometric mean over seeds of ‖∂L/∂h_t‖, t = 1..steps}."""
    out = {}
    for name, fb in MODELS:
        logs = [np.log(grad_norms(name, steps, hidden, inputs, fb, s)) for s in range(seeds)]
        out[name] = np.exp(np.mean(logs, axis=0))
    return out


def per_step_factor(g):
    """The mean factor by which the gradient norm changes per step back in time."""
    return float((g[0] / g[-1]) ** (1.0 / (len(g) - 1)))


def plot(res, path):
    """‖∂L/∂h_t‖ against t on a log scale, one line per model."""
    made = new_figure()
    if made is None:
        return
    fig, (ax,) = made
    for name, g in res.items():
        ax.semilogy(np.arange(1, len(g) + 1), g, label=name)
    ax.set_xlabel("time step t")
    ax.set_ylabel("‖∂L/∂h_t‖ (L on the last state)")
    ax.set_title("Vanishing gradient in time")
    ax.legend()
    save_figure(fig, path)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=100, help="sequence length T")
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--inputs", type=int, default=8, help="input features (x_t ~ N(0, 1))")
    p.add_argument("--seeds", type=int, default=5, help="random sequences and initialisations averaged")
    p.add_argument("--plot", default=os.path.join("runs", "vanishing_gradients.png"), help="PNG path ('' for none)")
    a = p.parse_args(argv)
    res = run(a.steps, a.hidden, a.inputs, a.seeds)
    T = a.steps
    marks = sorted({T, T - 10, T - 25, T - 50, T // 4, 1} & set(range(1, T + 1)), reverse=True)
    print(f"‖∂L/∂h_t‖, L = ‖h_T‖², T = {T}, hidden {a.hidden} (geometric mean of {a.seeds} draws)")
    print(f"{'model':>20} | " + " | ".join(f"t={t:<6d}" for t in marks) + " | factor/step")
    for name, g in res.items():
        print(f"{name:>20} | " + " | ".join(f"{g[t - 1]:8.1e}" for t in marks) + f" | {per_step_factor(g):.3f}")
    if a.plot:
        plot(res, a.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
