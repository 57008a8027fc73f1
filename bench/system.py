"""Workloads measured around the library rather than through a model: the matmul ceiling, import
time, peak memory (each in a fresh subprocess) and the core pair of bench_core.py."""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

from common import interleaved

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def ceiling(ctx):
    """NumPy float32 2048x2048 matmul: the machine's GEMM ceiling in GFLOP/s."""
    n = 2048
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(np.float32)
    b = rng.standard_normal((n, n)).astype(np.float32)
    out = np.empty_like(a)
    ta, tb = ctx.torch.from_numpy(a), ctx.torch.from_numpy(b)
    res = interleaved({"r": lambda: np.matmul(a, b, out=out), "t": lambda: ctx.torch.mm(ta, tb)},
                      repeat=ctx.repeat, number=3)
    flops = 2 * n ** 3
    ctx.ceiling = flops / res["r"]["median"] / 1e9
    ctx.table.add(f"ceiling: numpy fp32 matmul {n} (vs torch.mm)", res["r"], res["t"],
                  extra={"gflops_numpy": ctx.ceiling, "gflops_torch": flops / res["t"]["median"] / 1e9})
    print(f"   (numpy {ctx.ceiling:.1f} GFLOP/s, torch {flops / res['t']['median'] / 1e9:.1f} GFLOP/s)")


def _env(ctx):
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(ctx.threads)
    return env


def _py(ctx, code):
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(ctx), cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "subprocess failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def import_time(ctx):
    """``import reograd`` vs ``import torch`` in a fresh interpreter (median of several)."""
    code = ("import time, json; t = time.perf_counter(); import {m}; "
            "print(json.dumps(time.perf_counter() - t))")
    times = {"reograd": [], "torch": []}
    for _ in range(max(5, ctx.repeat)):
        for m in times:
            times[m].append(_py(ctx, code.format(m=m)))
    st = {k: {"median": statistics.median(v), "min": min(v), "max": max(v)} for k, v in times.items()}
    ctx.table.add("import (fresh interpreter)", st["reograd"], st["torch"],
                  extra={"target_abs_s": 0.3, "meets_abs_target": st["reograd"]["median"] <= 0.3})
    print(f"   (target: import reograd <= 0.3 s; measured {st['reograd']['median']:.3f} s)")


_MEM = r"""
import json, resource, sys
sys.path.insert(0, {bench!r})
import numpy as np
import {lib} as L
from models import mlp, lenet5, train_step


def status(key):  # kB figures of /proc/self/status, in MiB
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024.0


try:  # Linux: reset the peak-RSS mark, so the peak counts from here (the library already imported)
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    base, how = status("VmRSS"), "VmHWM"
except OSError:
    base, how = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, "ru_maxrss"
if {work!r} == "idle":
    print(json.dumps([0.0, how])); raise SystemExit
L.manual_seed(0)
rng = np.random.default_rng(0)
if {work!r} == "mlp":
    model, shape, opt = mlp(L, (784, 1024, 1024, 10)), (256, 784), "Adam"
else:
    model, shape, opt = lenet5(L), (64, 1, 28, 28), "SGD"
x = L.from_numpy(rng.standard_normal(shape).astype(np.float32))
y = L.from_numpy(rng.integers(0, 10, shape[0]).astype(np.int64))
o = getattr(L.optim, opt)(model.parameters(), lr=1e-3)
step = train_step(L, model, o, x, y)
for _ in range(50):
    step()
peak = status("VmHWM") if how == "VmHWM" else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
print(json.dumps([peak - base, how]))
"""


def memory(ctx):
    """8. Peak resident memory of 50 training steps of workloads 2 and 3 above the resident memory of the
    interpreter with the library imported (each its own subprocess; median of 3). On Linux the peak mark
    is reset after the import (/proc/self/clear_refs), so the import's own peak does not hide the
    workload's; elsewhere it falls back to ru_maxrss (then the import peak is subtracted too)."""
    for work, name in (("mlp", "8. peak RSS: MLP 784-1024-1024-10 Adam x50"),
                       ("lenet", "8. peak RSS: LeNet-5 b64 SGD x50")):
        try:
            vals = {"reograd": [], "torch": []}
            for _ in range(3):
                for lib in vals:
                    val, how = _py(ctx, _MEM.format(bench=HERE, lib=lib, work=work))
                    vals[lib].append(val)
            st = {k: {"median": statistics.median(v), "min": min(v), "max": max(v)} for k, v in vals.items()}
            ctx.table.add(name, st["reograd"], st["torch"], target=1.5, unit="MiB", extra={"method": how})
        except Exception as e:
            ctx.table.note(name, f"unavailable: {e}")


def core(ctx):
    """The core pair of bench_core.py: tiny ``(a*b+c).sum().backward()`` and 1024 matmul fwd+bwd."""
    R, T = ctx.reograd, ctx.torch

    def tiny(lib):
        a = lib.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        b = lib.tensor([0.5, 0.5, 0.5, 0.5], requires_grad=True)
        c = lib.tensor([1.0, 1.0, 1.0, 1.0], requires_grad=True)

        def run():
            for _ in range(10_000):
                (a * b + c).sum().backward()
        return run
    res = interleaved({"r": tiny(R), "t": tiny(T)}, repeat=max(3, ctx.repeat // 2))
    ctx.table.add("core: 10k x (a*b+c).sum().backward()", res["r"], res["t"], target=2)

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
    res = interleaved({"r": mm(R), "t": mm(T)}, repeat=ctx.repeat)
    flops = 3 * 2 * 1024 ** 3
    ctx.table.add("core: matmul 1024 fp32 fwd+bwd", res["r"], res["t"], target=1.1,
                  extra={"gflops_reograd": flops / res["r"]["median"] / 1e9})


_ = time
