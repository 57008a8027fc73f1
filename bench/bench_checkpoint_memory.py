"""Peak extra memory of saving and loading one large tensor: reograd (its own format and format="torch")
against torch.save / torch.load, each measured in a fresh child process (``ru_maxrss`` before and after
the call, so the figure is what the call itself added on top of the tensor), plus the time it took.

    python bench/bench_checkpoint_memory.py [--mb 200] [--repeat 3]

``--reograd-path`` points the reograd children at another checkout (e.g. the main branch) to compare.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

CHILD = r"""
import gc, json, resource, sys, time
import numpy as np
lib, op, fmt, path, mb = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MB on Linux
if lib == "torch":
    import torch as L
else:
    import reograd as L
n = mb * 2 ** 20 // 4
if op == "save":
    t = L.from_numpy(np.random.default_rng(0).standard_normal(n, dtype=np.float32))
    gc.collect()
    before, t0 = peak(), time.perf_counter()
    if lib == "torch" or fmt == "reograd":
        L.save({"w": t}, path)
    else:
        L.save({"w": t}, path, format=fmt)
else:
    gc.collect()
    before, t0 = peak(), time.perf_counter()
    t = L.load(path, weights_only=True)["w"] if lib == "torch" else L.load(path)["w"]
    assert t.numel() == n
print(json.dumps({"extra_mb": peak() - before, "seconds": time.perf_counter() - t0, "file": L.__file__}))
"""


def run(lib, op, fmt, path, mb, env):
    out = subprocess.run([sys.executable, "-c", CHILD, lib, op, fmt, path, str(mb)], capture_output=True, text=True,
                         env=env, check=True, cwd=os.path.dirname(path))  # not the cwd: reograd from --reograd-path
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mb", type=int, default=200, help="tensor size in MB (float32)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--reograd-path", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    a = p.parse_args(argv)
    env = dict(os.environ, PYTHONPATH=os.path.abspath(a.reograd_path), OMP_NUM_THREADS="1")
    cases = [("reograd", "reograd"), ("reograd", "torch"), ("torch", "torch")]
    print(f"one float32 tensor of {a.mb} MB; extra peak memory (ru_maxrss) and time, median of {a.repeat} runs; "
          f"reograd from {a.reograd_path}")
    print(f"{'library':<10}{'file format':<13}{'save: +MB':>10}{'s':>8}{'load: +MB':>12}{'s':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for lib, fmt in cases:
            path = os.path.join(tmp, f"{lib}-{fmt}.pt")
            rows = {"save": [], "load": []}
            for _ in range(a.repeat):  # interleaved save/load pairs
                for op in ("save", "load"):
                    try:
                        rows[op].append(run(lib, op, fmt, path, a.mb, env))
                    except subprocess.CalledProcessError as e:
                        print(f"{lib}/{fmt} {op} failed: {e.stderr.strip().splitlines()[-1]}")
                        rows[op].append({"extra_mb": float("nan"), "seconds": float("nan")})
            med = {op: {k: statistics.median(r[k] for r in rows[op]) for k in ("extra_mb", "seconds")} for op in rows}
            print(f"{lib:<10}{fmt:<13}{med['save']['extra_mb']:>10.0f}{med['save']['seconds']:>8.2f}"
                  f"{med['load']['extra_mb']:>12.0f}{med['load']['seconds']:>8.2f}")


if __name__ == "__main__":
    main()
