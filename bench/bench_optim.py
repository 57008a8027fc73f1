"""The optimizer update alone: Adam step on the parameter shapes of benchmark workload 2 (784-1024-1024-10,
1.86M parameters), reograd on 1, 2 and 4 threads, and torch.optim.Adam on the same thread counts.

    python bench/bench_optim.py [--repeat 41]

Caches are flushed before each step, as the matmuls of a real training step would. Medians in ms.
"""
import argparse
import time

import numpy as np

import reograd

SHAPES = [(1024, 784), (1024,), (1024, 1024), (1024,), (10, 1024), (10,)]


def _median_ms(step, set_threads, n, repeat, flush):
    set_threads(n)
    ts = []
    for _ in range(repeat):
        np.multiply(flush, 1.0, out=flush)  # evict the caches
        t0 = time.perf_counter()
        step()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts)) * 1e3


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=41)
    a = p.parse_args()
    flush = np.ones(8 << 20, np.float32)
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    grads = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    ps = [reograd.tensor(x, requires_grad=True) for x in arrays]
    for p_, g in zip(ps, grads):
        p_.grad = reograd.tensor(g)
    ours = reograd.optim.Adam(ps, lr=1e-3)
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        tps = [torch.tensor(x, requires_grad=True) for x in arrays]
        for p_, g in zip(tps, grads):
            p_.grad = torch.tensor(g)
        theirs = torch.optim.Adam(tps, lr=1e-3)
    print(f"Adam step, {sum(x.size for x in arrays):,} float32 parameters (median of {a.repeat}, ms)")
    for n in (1, 2, 4):
        r = _median_ms(ours.step, reograd.set_num_threads, n, a.repeat, flush)
        line = f"  threads={n}: reograd {r:6.2f}"
        if torch is not None:
            t = _median_ms(theirs.step, torch.set_num_threads, n, a.repeat, flush)
            line += f"   torch {t:6.2f}   ratio {r / t:.2f}x"
        print(line)


if __name__ == "__main__":
    main()
