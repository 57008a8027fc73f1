"""Convolution and pooling speed vs PyTorch CPU (float32).

Workloads (ratio reograd / torch; target <= 2x):
1. conv2d 3x3, 64 -> 64 channels, 32x32, batch 32, padding 1: forward + backward, and forward only
   (plus the achieved GFLOP/s against the machine's float32 matmul peak, a 2048x2048 matmul).
2. max_pool2d(2) and avg_pool2d(2) forward + backward on (32, 64, 32, 32).
3. LeNet-5 training step (batch 64, 1x28x28, SGD).
4. ResNet basic block training step (batch 32, 64x32x32: conv-bn-relu-conv-bn + identity, relu, SGD).

    python bench/bench_conv.py [--threads N] [--repeat R] [--json bench/results/conv.json]
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
    ap.add_argument("--only", default="", help="comma-separated subset: conv,pool,lenet,resnet")
    ap.add_argument("--json", default=os.path.join(os.path.dirname(__file__), "results", "conv.json"))
    args = ap.parse_args(argv)
    set_threads(args.threads)
    import numpy as np
    import torch

    import reograd

    torch.set_num_threads(args.threads)
    only = set(filter(None, args.only.split(",")))
    want = (lambda k: not only or k in only)
    R = args.repeat
    table = Table(f"conv / pool vs PyTorch {torch.__version__} (threads: numpy/BLAS={args.threads}, "
                  f"torch={torch.get_num_threads()})")
    table.header()
    rng = np.random.default_rng(0)

    # machine float32 matmul peak (numpy's BLAS)
    A = rng.standard_normal((2048, 2048)).astype(np.float32)
    B = rng.standard_normal((2048, 2048)).astype(np.float32)
    mm = interleaved({"np": lambda: A @ B}, repeat=R)["np"]
    peak = 2 * 2048 ** 3 / mm["median"] / 1e9
    table.add("matmul 2048x2048 fp32 (numpy BLAS peak)", mm, extra={"gflops": peak})
    print(f"   peak {peak:.1f} GFLOP/s")

    if want("conv"):
        X = rng.standard_normal((32, 64, 32, 32)).astype(np.float32)
        W = (rng.standard_normal((64, 64, 3, 3)) * 0.05).astype(np.float32)
        Bi = rng.standard_normal(64).astype(np.float32)
        G = rng.standard_normal((32, 64, 32, 32)).astype(np.float32)
        flops_f = 2 * 32 * 64 * 64 * 9 * 32 * 32

        def conv(lib, backward):
            F = reograd.nn.functional if lib is reograd else torch.nn.functional
            x = lib.tensor(X, requires_grad=backward)
            w = lib.tensor(W, requires_grad=backward)
            b = lib.tensor(Bi, requires_grad=backward)
            g = lib.tensor(G)

            def run():
                if backward:
                    x.grad = w.grad = b.grad = None
                    F.conv2d(x, w, b, padding=1).backward(g)
                else:
                    F.conv2d(x, w, b, padding=1)
            return run

        res = interleaved({"r": conv(reograd, True), "t": conv(torch, True)}, repeat=R)
        gf = 3 * flops_f / res["r"]["median"] / 1e9
        table.add("conv2d 3x3 64->64 32x32 b32 fwd+bwd", res["r"], res["t"], target=2,
                  extra={"gflops_reograd": gf, "peak_fraction": gf / peak})
        print(f"   reograd {gf:.1f} GFLOP/s ({100 * gf / peak:.0f}% of peak), "
              f"torch {3 * flops_f / res['t']['median'] / 1e9:.1f}")
        with reograd.no_grad(), torch.no_grad():
            res = interleaved({"r": conv(reograd, False), "t": conv(torch, False)}, repeat=R)
        gf = flops_f / res["r"]["median"] / 1e9
        table.add("conv2d 3x3 64->64 32x32 b32 forward", res["r"], res["t"], target=2,
                  extra={"gflops_reograd": gf, "peak_fraction": gf / peak})
        print(f"   reograd {gf:.1f} GFLOP/s ({100 * gf / peak:.0f}% of peak), "
              f"torch {flops_f / res['t']['median'] / 1e9:.1f}")

    if want("pool"):
        X = rng.standard_normal((32, 64, 32, 32)).astype(np.float32)
        G = rng.standard_normal((32, 64, 16, 16)).astype(np.float32)

        def pool(lib, name):
            F = reograd.nn.functional if lib is reograd else torch.nn.functional
            x = lib.tensor(X, requires_grad=True)
            g = lib.tensor(G)
            fn = getattr(F, name)

            def run():
                x.grad = None
                fn(x, 2).backward(g)
            return run

        for name in ("max_pool2d", "avg_pool2d"):
            res = interleaved({"r": pool(reograd, name), "t": pool(torch, name)}, repeat=R)
            table.add(f"{name}(2) (32,64,32,32) fwd+bwd", res["r"], res["t"], target=2)

    def train_step(lib, model, x, y):
        opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        loss_fn = lib.nn.CrossEntropyLoss()

        def run():
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
        return run

    if want("lenet"):
        X = rng.standard_normal((64, 1, 28, 28)).astype(np.float32)
        Y = rng.integers(0, 10, 64)

        def lenet(lib):
            nn = lib.nn
            lib.manual_seed(0)
            model = nn.Sequential(
                nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
            return train_step(lib, model, lib.tensor(X), lib.tensor(Y))

        res = interleaved({"r": lenet(reograd), "t": lenet(torch)}, repeat=R)
        table.add("LeNet-5 train step (b64, 1x28x28)", res["r"], res["t"], target=2)

    if want("resnet"):
        X = rng.standard_normal((32, 64, 32, 32)).astype(np.float32)
        Y = rng.integers(0, 10, 32)

        def block(lib):
            nn = lib.nn

            class Block(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.c1 = nn.Conv2d(64, 64, 3, padding=1, bias=False)
                    self.b1 = nn.BatchNorm2d(64)
                    self.c2 = nn.Conv2d(64, 64, 3, padding=1, bias=False)
                    self.b2 = nn.BatchNorm2d(64)
                    self.head = nn.Linear(64, 10)

                def forward(self, x):
                    h = lib.relu(self.b1(self.c1(x)))
                    h = lib.relu(self.b2(self.c2(h)) + x)
                    return self.head(h.mean(dim=(2, 3)))

            lib.manual_seed(0)
            return train_step(lib, Block(), lib.tensor(X), lib.tensor(Y))

        res = interleaved({"r": block(reograd), "t": block(torch)}, repeat=R)
        table.add("ResNet basic block train step (b32, 64x32x32)", res["r"], res["t"], target=2)

    if args.json:
        os.makedirs(os.path.dirname(args.json) or ".", exist_ok=True)
        table.save(args.json)


if __name__ == "__main__":
    main()
