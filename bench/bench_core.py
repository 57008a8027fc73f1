"""Core engine speed vs PyTorch CPU (issue: foundation).

1. Tiny-op overhead: 10k steps of ``(a * b + c).sum().backward()`` on 4-element tensors (Python
   overhead per op dominates). Target: <= 2x PyTorch.
2. 1024x1024 float32 matmul forward + backward (BLAS-bound). Target: <= 1.1x PyTorch.

    python bench/bench_core.py [--threads N] [--json bench/results/core.json]
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import Table, interleaved, set_threads  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--json", default=os.path.join(os.path.dirname(__file__), "results", "core.json"))
    args = ap.parse_args(argv)
    set_threads(args.threads)
    import numpy as np
    import torch

    import reograd

    torch.set_num_threads(args.threads)
    table = Table(f"core engine vs PyTorch {torch.__version__} (threads: numpy/BLAS={args.threads}, "
                  f"torch={torch.get_num_threads()})")
    table.header()

    # 1. tiny ops
    def tiny(lib):
        a = lib.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        b = lib.tensor([0.5, 0.5, 0.5, 0.5], requires_grad=True)
        c = lib.tensor([1.0, 1.0, 1.0, 1.0], requires_grad=True)

        def run():
            for _ in range(10_000):
                (a * b + c).sum().backward()
        return run

    res = interleaved({"r": tiny(reograd), "t": tiny(torch)}, repeat=max(3, args.repeat // 2))
    table.add("tiny ops: 10k x (a*b+c).sum().backward()", res["r"], res["t"], target=2)

    # 2. matmul forward + backward
    rng = np.random.default_rng(0)
    A = rng.standard_normal((1024, 1024)).astype(np.float32)
    B = rng.standard_normal((1024, 1024)).astype(np.float32)

    def mm(lib):
        a = lib.tensor(A, requires_grad=True)
        b = lib.tensor(B, requires_grad=True)

        def run():
            a.grad = None
            b.grad = None
            (a @ b).sum().backward()
        return run

    res = interleaved({"r": mm(reograd), "t": mm(torch)}, repeat=args.repeat)
    flops = 3 * 2 * 1024 ** 3
    table.add("matmul 1024x1024 fp32 fwd+bwd", res["r"], res["t"], target=1.1,
              extra={"gflops_reograd": flops / res["r"]["median"] / 1e9})
    print(f"   (reograd {flops / res['r']['median'] / 1e9:.1f} GFLOP/s, torch {flops / res['t']['median'] / 1e9:.1f})")
    table.save(args.json)


if __name__ == "__main__":
    main()
