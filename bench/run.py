"""reograd vs PyTorch CPU (and scikit-learn, and NumPy's matmul ceiling): the whole benchmark suite.

    python bench/run.py [--only NAME[,NAME...]] [--threads N] [--repeat R] [--json PATH]

Workloads (names for --only): core, import, ceiling, mlp_sgd, mlp_adam, lenet, resblock, xor, mnist,
infer, memory. Each row: reograd median, peer median, ratio reograd/peer, target ratio, min-max
spread. Figures also go to bench/results/<name>.json (default: all.json, or the --only names).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from common import Table, set_threads  # noqa: E402

ORDER = ["ceiling", "core", "import", "mlp_sgd", "mlp_adam", "lenet", "resblock", "xor", "mnist", "infer",
         "memory"]


class Ctx:
    pass


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="", help="comma-separated workload names (default: all)")
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="BLAS threads for NumPy and torch")
    ap.add_argument("--repeat", type=int, default=7, help="timing rounds per workload (median reported)")
    ap.add_argument("--epochs", type=int, default=1, help="MNIST epochs timed per library (median)")
    ap.add_argument("--json", default=None, help="output path (default bench/results/<name>.json)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print tracebacks of unavailable workloads")
    args = ap.parse_args(argv)
    names = [n for n in args.only.split(",") if n] or ORDER
    bad = [n for n in names if n not in ORDER]
    if bad:
        ap.error(f"unknown workload(s) {bad}; choose from {ORDER}")

    set_threads(args.threads)  # before numpy is imported
    import numpy  # noqa: F401
    import torch

    import reograd
    import system
    import workloads

    torch.set_num_threads(args.threads)
    ctx = Ctx()
    ctx.reograd, ctx.torch = reograd, torch
    ctx.repeat, ctx.threads, ctx.epochs, ctx.verbose = args.repeat, args.threads, args.epochs, args.verbose
    ctx.ceiling = None
    ctx.table = Table(f"reograd vs PyTorch {torch.__version__} CPU (threads: numpy/BLAS={args.threads}, "
                      f"torch={torch.get_num_threads()})")
    ctx.table.header()
    funcs = {"ceiling": system.ceiling, "core": system.core, "import": system.import_time,
             "mlp_sgd": workloads.mlp_sgd, "mlp_adam": workloads.mlp_adam, "lenet": workloads.lenet,
             "resblock": workloads.resblock, "xor": workloads.xor, "mnist": workloads.mnist_epoch,
             "infer": workloads.inference, "memory": system.memory}
    if "mlp_adam" in names and "ceiling" not in names:
        names = ["ceiling"] + names  # workload 2 is reported against the ceiling
    t0 = time.perf_counter()
    for n in names:
        funcs[n](ctx)
    print(f"(suite took {time.perf_counter() - t0:.1f} s)")
    out = args.json or os.path.join(HERE, "results", ("all" if names == ORDER else "_".join(names)) + ".json")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    ctx.table.save(out)


if __name__ == "__main__":
    main()
