"""Recurrent layers vs PyTorch CPU (float32), forward + backward, same weights and inputs.

Workloads (ratio reograd / torch, with the issue's targets):
1. LSTM, 1 layer, seq 50, batch 64, input 32, hidden 128: output and h_n, c_n into a loss, backward (<= 1.5x).
2. GRU, 2 layers, bidirectional, same sizes (<= 2x).
3. LSTMCell loop of 100 steps (batch 64, input 32, hidden 128), backward from the last h (<= 2x).
Also, untargeted: LSTM forward alone under no_grad, and a packed LSTM batch of lengths 1..64.

    python bench/bench_rnn.py [--threads N] [--repeat R] [--json bench/results/rnn.json]
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import Table, interleaved, set_threads  # noqa: E402

L, N, I, H = 50, 64, 32, 128


def _copy_weights(ours, theirs):
    """Give reograd's module the torch module's parameters (state_dict keys are PyTorch's)."""
    import reograd

    ours.load_state_dict({k: reograd.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--repeat", type=int, default=11)
    ap.add_argument("--json", default=os.path.join(os.path.dirname(__file__), "results", "rnn.json"))
    args = ap.parse_args(argv)
    set_threads(args.threads)
    import numpy as np
    import torch

    import reograd

    torch.set_num_threads(args.threads)
    R = args.repeat
    table = Table(f"recurrent layers vs PyTorch {torch.__version__} (threads: numpy/BLAS={args.threads}, "
                  f"torch={torch.get_num_threads()})")
    table.header()
    rng = np.random.default_rng(0)
    X = rng.standard_normal((L, N, I)).astype(np.float32)
    libs = {"reograd": reograd, "torch": torch}

    def run_seq(lib, m, x, backward=True):
        def step():
            xt = lib.tensor(x, requires_grad=backward)
            out, hidden = m(xt)
            if not backward:
                return out
            h = hidden[0] if isinstance(hidden, tuple) else hidden
            loss = (out * out).mean() + h.sum() + (hidden[1].sum() if isinstance(hidden, tuple) else 0)
            m.zero_grad()
            loss.backward()
            return loss.item()
        return step

    def pair(make, **kw):
        theirs = make(torch)
        ours = make(reograd)
        _copy_weights(ours, theirs)
        return ours, theirs

    def check(name, fns):
        a, b = fns["reograd"](), fns["torch"]()
        if abs(float(a) - float(b)) > 1e-3 * max(1.0, abs(float(b))):
            print(f"   warning: {name}: reograd loss {float(a):.6g} != torch {float(b):.6g}")

    # 1. LSTM
    ours, theirs = pair(lambda lib: lib.nn.LSTM(I, H))
    fns = {"reograd": run_seq(reograd, ours, X), "torch": run_seq(torch, theirs, X)}
    check("lstm", fns)
    t = interleaved(fns, repeat=R)
    table.add(f"LSTM 1 layer, L={L} N={N} in={I} h={H}, fwd+bwd", t["reograd"], t["torch"], target=1.5)

    with torch.no_grad(), reograd.no_grad():
        fns = {"reograd": run_seq(reograd, ours, X, False), "torch": run_seq(torch, theirs, X, False)}
        t = interleaved(fns, repeat=R)
    table.add("LSTM 1 layer, same, forward under no_grad", t["reograd"], t["torch"])

    # 2. GRU, 2 layers, bidirectional
    ours, theirs = pair(lambda lib: lib.nn.GRU(I, H, num_layers=2, bidirectional=True))
    fns = {"reograd": run_seq(reograd, ours, X), "torch": run_seq(torch, theirs, X)}
    check("gru", fns)
    t = interleaved(fns, repeat=R)
    table.add("GRU 2 layers bidirectional, same sizes, fwd+bwd", t["reograd"], t["torch"], target=2)

    # 3. LSTMCell loop, 100 steps
    ours, theirs = pair(lambda lib: lib.nn.LSTMCell(I, H))
    X100 = rng.standard_normal((100, N, I)).astype(np.float32)

    def run_cell(lib, cell):
        def step():
            xs = lib.tensor(X100)
            h = lib.zeros(N, H)
            c = lib.zeros(N, H)
            for k in range(100):
                h, c = cell(xs[k], (h, c))
            loss = h.sum()
            cell.zero_grad()
            loss.backward()
            return loss.item()
        return step

    fns = {"reograd": run_cell(reograd, ours), "torch": run_cell(torch, theirs)}
    check("lstm_cell", fns)
    t = interleaved(fns, repeat=R)
    table.add(f"LSTMCell loop, 100 steps, N={N} in={I} h={H}, fwd+bwd", t["reograd"], t["torch"], target=2)

    # packed batch: 64 sequences of lengths 1..50
    ours, theirs = pair(lambda lib: lib.nn.LSTM(I, H))
    lengths = sorted(rng.integers(1, L + 1, size=N).tolist(), reverse=True)

    def run_packed(lib, m):
        pack = lib.nn.utils.rnn.pack_padded_sequence

        def step():
            xt = lib.tensor(X, requires_grad=True)
            out, (h, c) = m(pack(xt, lengths))
            loss = (out.data * out.data).mean() + h.sum()
            m.zero_grad()
            loss.backward()
            return loss.item()
        return step

    fns = {"reograd": run_packed(reograd, ours), "torch": run_packed(torch, theirs)}
    check("packed", fns)
    t = interleaved(fns, repeat=R)
    table.add("LSTM on a packed batch (lengths 1..50), fwd+bwd", t["reograd"], t["torch"])
    _ = libs
    if args.json:
        os.makedirs(os.path.dirname(args.json), exist_ok=True)
        table.save(args.json)


if __name__ == "__main__":
    main()
