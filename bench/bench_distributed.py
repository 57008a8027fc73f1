"""Data-parallel training over MPI: throughput and scaling efficiency for 1 and 2 processes, all-reduce
latency and bandwidth by message size, and the alpha-beta model they give for larger jobs.

    python bench/bench_distributed.py                    # everything (a few minutes)
    python bench/bench_distributed.py --only allreduce --max-mb 16
    python bench/bench_distributed.py --json bench/results/distributed.json

The driver starts the measuring jobs itself (``mpiexec -n 1`` and ``-n 2``); in each job reograd and the
peer -- PyTorch's DistributedDataParallel and ``all_reduce`` over Gloo, started in the same processes --
run on the same weights and inputs, interleaved, and each figure is the median over ``--repeat``
rounds of the slowest rank's time.

- throughput: the MLP 784-1024-1024-10 (benchmark workload 2), global batch 256, Adam: one process
  on the whole batch (``--threads`` BLAS threads), then two processes of 128 samples each under DDP
  (``--threads // 2`` threads each, so both use the same cores); scaling efficiency = speedup / 2.
- allreduce: ``dist.all_reduce`` (with its cross-rank check, and without), raw mpi4py ``Allreduce``
  (the MPI ceiling) and ``torch.distributed.all_reduce`` on Gloo; latency and bus bandwidth
  ``2 (n - 1) / n * bytes / t`` by size.
- model: ring all-reduce of M bytes on P processes takes ``2 (P - 1) alpha + 2 (P - 1) / P * M / B``,
  with alpha (latency) and B (bandwidth) fitted to the measured all-reduce times, and a ResNet-18 step
  (batch 32, 3x32x32, measured here) as the compute; printed for 8, 64 and 512 processes.
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


# ======================================================================================
# the measuring jobs (run under mpiexec)
# ======================================================================================
def _job_setup(threads):
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    sys.path.insert(0, ROOT)
    import reograd.distributed as dist

    dist.init_process_group("mpi")
    from reograd.distributed._mpi import mpi

    MPI = mpi()
    try:
        import torch
        import torch.distributed as tdist

        torch.set_num_threads(threads)
        port = None
        if dist.get_rank() == 0:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
        port = MPI.COMM_WORLD.bcast(port, root=0)
        os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
        tdist.init_process_group("gloo", rank=dist.get_rank(), world_size=dist.get_world_size())
    except ImportError:
        torch = None
    return dist, MPI, torch


def _slowest(MPI, seconds):
    return MPI.COMM_WORLD.allreduce(seconds, op=MPI.MAX)


def _interleaved(MPI, fns, repeat, number):
    """Median over rounds of the slowest rank's seconds per call, the functions run in alternation."""
    times = {k: [] for k in fns}
    for f in fns.values():
        f()  # warm-up
    for _ in range(repeat):
        for k, f in fns.items():
            MPI.COMM_WORLD.Barrier()
            t0 = time.perf_counter()
            for _ in range(number):
                f()
            times[k].append(_slowest(MPI, (time.perf_counter() - t0) / number))
    return {k: {"median": statistics.median(v), "min": min(v), "max": max(v)} for k, v in times.items()}


def job_throughput(a):
    dist, MPI, torch = _job_setup(a.threads)
    import numpy as np

    import reograd
    import reograd.nn as nn
    from reograd.nn.parallel import DistributedDataParallel as DDP

    world, rank = dist.get_world_size(), dist.get_rank()
    batch = 256 // world
    rng = np.random.default_rng(rank)
    x = rng.standard_normal((batch, 784)).astype(np.float32)
    y = rng.integers(0, 10, batch)
    reograd.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10))
    weights = [p.detach().numpy().copy() for p in model.parameters()]
    net = DDP(model) if world > 1 else model
    opt = reograd.optim.Adam(model.parameters(), lr=1e-3)
    xr, yr = reograd.tensor(x), reograd.tensor(y)

    def ours():
        opt.zero_grad()
        reograd.nn.functional.cross_entropy(net(xr), yr).backward()
        opt.step()

    fns = {"reograd": ours}
    if torch is not None:
        tmodel = torch.nn.Sequential(torch.nn.Linear(784, 1024), torch.nn.ReLU(), torch.nn.Linear(1024, 1024),
                                     torch.nn.ReLU(), torch.nn.Linear(1024, 10))
        with torch.no_grad():
            for p, w in zip(tmodel.parameters(), weights):
                p.copy_(torch.from_numpy(w))
        tnet = torch.nn.parallel.DistributedDataParallel(tmodel) if world > 1 else tmodel
        topt = torch.optim.Adam(tmodel.parameters(), lr=1e-3)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)

        def theirs():
            topt.zero_grad()
            torch.nn.functional.cross_entropy(tnet(xt), yt).backward()
            topt.step()

        fns["torch"] = theirs
    res = _interleaved(MPI, fns, a.repeat, 3)
    if rank == 0:
        print("BENCH " + json.dumps({"world": world, "threads": a.threads, "step": res}), flush=True)


def job_allreduce(a):
    dist, MPI, torch = _job_setup(1)
    import numpy as np

    import reograd

    comm = MPI.COMM_WORLD
    sizes = [4 ** k * 8 for k in range(20) if 4 ** k * 8 <= a.max_mb * 2 ** 20]
    rows = []
    for nbytes in sizes:
        n = nbytes // 4
        arr = np.ones(n, np.float32)
        t = reograd.from_numpy(arr)
        raw = np.ones(n, np.float32)
        pg = dist.group.WORLD

        def checked():
            dist.all_reduce(t)

        def unchecked():
            pg.checks = False
            try:
                dist.all_reduce(t)
            finally:
                pg.checks = True

        fns = {"reograd": checked, "reograd_nocheck": unchecked,
               "mpi4py": lambda: comm.Allreduce(MPI.IN_PLACE, raw, MPI.SUM)}
        if torch is not None:
            tt = torch.ones(n)
            fns["torch_gloo"] = lambda: torch.distributed.all_reduce(tt)
        # rounds of many calls: once both ranks run, calls follow each other at MPI's speed (a round of
        # single calls would time the barrier's release, which waits for the scheduler on a busy machine)
        number = max(1, min(200, int(2e6 // max(nbytes, 1))))
        res = _interleaved(MPI, fns, a.repeat * (3 if nbytes < 2 ** 20 else 1), number)
        rows.append({"bytes": nbytes, **{k: v["median"] for k, v in res.items()},
                     **{k + "_min": v["min"] for k, v in res.items()}})
    if dist.get_rank() == 0:
        print("BENCH " + json.dumps({"world": dist.get_world_size(), "allreduce": rows}), flush=True)


def job_resnet(a):
    """One process: a ResNet-18 training step (batch 32, 3x32x32, SGD) and its gradient size."""
    dist, MPI, torch = _job_setup(a.threads)
    import numpy as np

    import reograd
    from reograd.vision.models import resnet18

    reograd.manual_seed(0)
    model = resnet18()  # (1000 classes: 11.7M parameters, 44.6 MiB of float32 gradients)
    opt = reograd.optim.SGD(model.parameters(), lr=0.01)
    x = reograd.tensor(np.random.default_rng(0).standard_normal((32, 3, 32, 32)).astype(np.float32))
    y = reograd.tensor(np.arange(32) % 10)

    def step():
        opt.zero_grad()
        reograd.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    res = _interleaved(MPI, {"reograd": step}, max(3, a.repeat // 3), 1)
    nbytes = sum(p.numel() * 4 for p in model.parameters())
    print("BENCH " + json.dumps({"resnet18_step": res["reograd"], "grad_bytes": nbytes, "threads": a.threads}),
          flush=True)


# ======================================================================================
# the driver
# ======================================================================================
def spawn(n, role, a, timeout=1800):
    cmd = ["mpiexec", "-n", str(n), sys.executable, os.path.abspath(__file__), "--job", role,
           "--repeat", str(a.repeat), "--max-mb", str(a.max_mb), "--threads", str(a.job_threads)]
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    for line in out.stdout.splitlines():
        if line.startswith("BENCH "):
            return json.loads(line[6:])
    raise RuntimeError(f"{' '.join(cmd)} failed (status {out.returncode}):\n{out.stdout}\n{out.stderr}")


def fmt_t(s):
    return f"{s * 1e6:9.1f} us" if s < 1e-3 else f"{s * 1e3:9.2f} ms" if s < 1 else f"{s:9.3f} s "


def fit_alpha_beta(rows, key="reograd_nocheck_min"):
    """Per-step latency alpha and bandwidth B of the measured 2-process all-reduce, whose ring has
    2 (n - 1) = 2 steps moving 2 (n - 1) / n * M = M bytes: t(M) = 2 alpha + M / B. alpha from the
    smallest message, B from the largest; the fastest round of each (the least disturbed by other
    processes on a shared machine)."""
    small, large = rows[0], rows[-1]
    alpha = small[key] / 2
    return alpha, large["bytes"] / max(large[key] - 2 * alpha, 1e-12)


def ring_model(alpha, bandwidth, grad_bytes, compute, procs=(8, 64, 512), overlap=0.0):
    """Step time and efficiency of data-parallel training (weak scaling: the per-rank batch fixed)."""
    rows = []
    for p in procs:
        comm = 2 * (p - 1) * alpha + 2 * (p - 1) / p * grad_bytes / bandwidth
        exposed = max(0.0, comm - overlap * compute)
        rows.append({"processes": p, "allreduce_s": comm, "step_s": compute + exposed,
                     "efficiency": compute / (compute + exposed)})
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=9)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                   help="BLAS threads of the one-process baseline (the two processes get half each)")
    p.add_argument("--max-mb", type=float, default=64, help="largest all-reduce message in MiB")
    p.add_argument("--only", default="throughput,allreduce,model", help="parts to run")
    p.add_argument("--json", default=None, help="save the figures here")
    p.add_argument("--job", default=None, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.job:
        return {"throughput": job_throughput, "allreduce": job_allreduce, "resnet": job_resnet}[a.job](a)
    parts = set(a.only.split(","))
    report = {"cpus": os.cpu_count(), "time": time.strftime("%Y-%m-%d %H:%M:%S")}
    print(f"reograd.distributed benchmarks ({os.cpu_count()} CPUs; median of {a.repeat} rounds, slowest rank)")
    if "throughput" in parts:
        half = max(1, a.threads // 2)
        runs = []
        for world, threads in ((1, half), (2, half), (1, a.threads)):
            if runs and (world, threads) == (1, half):
                continue
            a.job_threads = threads
            runs.append(spawn(world, "throughput", a))
        print("\n== throughput: MLP 784-1024-1024-10, global batch 256 (256 / n per process), Adam step")
        print(f"{'':26s} {'step':>12s} {'samples/s':>10s} {'speedup':>8s} {'efficiency':>10s}   "
              f"{'torch step':>12s} {'ratio':>6s} {'speedup':>8s}")
        base = runs[0]["step"]
        for r in runs:
            cells = []
            for who in ("reograd", "torch"):
                if who in r["step"]:
                    s = r["step"][who]["median"]
                    cells.append((s, base[who]["median"] / s))
            (s, up), peer = cells[0], (cells[1] if len(cells) > 1 else None)
            eff = f"{100 * up / r['world']:9.0f}%" if r["threads"] == half else f"{'':10s}"
            line = (f"{r['world']} process{'es' if r['world'] > 1 else '  '} x {r['threads']} thread"
                    f"{'s' if r['threads'] > 1 else ' '}    {fmt_t(s)} {256 / s:10.0f} {up:7.2f}x {eff}")
            if peer:
                line += f"   {fmt_t(peer[0])} {s / peer[0]:5.2f}x {peer[1]:7.2f}x"
            print(line)
        print(f"(speedup over 1 process x {half} thread{'s' if half > 1 else ''}; scaling efficiency = speedup / "
              "processes, each process with the same cores; ratio = reograd / torch)")
        report["throughput"] = runs
    if "allreduce" in parts or "model" in parts:
        a.job_threads = 1
        ar = spawn(2, "allreduce", a)
        rows = ar["allreduce"]
        print("\n== all-reduce (SUM, float32), 2 processes: time per call, bus bandwidth 2(n-1)/n * bytes / t")
        keys = [k for k in ("reograd", "reograd_nocheck", "mpi4py", "torch_gloo") if k in rows[0]]
        print(f"{'bytes':>10s} " + " ".join(f"{k:>22s}" for k in keys))
        for r in rows:
            cells = [f"{fmt_t(r[k])} {r['bytes'] / r[k] / 1e9:6.2f} GB/s" for k in keys]
            print(f"{r['bytes']:10d} " + " ".join(f"{c:>22s}" for c in cells))
        report["allreduce"] = rows
        if "model" in parts:
            a.job_threads = max(1, a.threads // 2)   # the compute of one process, on its share of the cores
            rn = spawn(1, "resnet", a)
            alpha, bandwidth = fit_alpha_beta(rows)
            compute = rn["resnet18_step"]["median"]
            grad = rn["grad_bytes"]
            print(f"\n== model: ring all-reduce, alpha = {alpha * 1e6:.1f} us, B = {bandwidth / 1e9:.2f} GB/s (fastest "
                  f"rounds above, 2 processes sharing memory); ResNet-18 ({grad / 2 ** 20:.1f} MiB of gradients), step "
                  f"{compute:.3f} s (batch 32 per process, {rn['threads']} threads, measured)")
            print(f"{'processes':>10s} {'all-reduce':>12s} {'step (no overlap)':>18s} {'efficiency':>10s} "
                  f"{'step (full overlap)':>20s} {'efficiency':>10s}")
            for r0, r1 in zip(ring_model(alpha, bandwidth, grad, compute),
                              ring_model(alpha, bandwidth, grad, compute, overlap=2 / 3)):
                print(f"{r0['processes']:10d} {fmt_t(r0['allreduce_s'])} {fmt_t(r0['step_s']):>18s} "
                      f"{100 * r0['efficiency']:9.1f}% {fmt_t(r1['step_s']):>20s} {100 * r1['efficiency']:9.1f}%")
            print("(full overlap: the all-reduce hidden behind backward, about 2/3 of the step)")
            report["model"] = {"alpha": alpha, "bandwidth": bandwidth, "grad_bytes": grad, "compute_s": compute}
    if a.json:
        with open(a.json, "w") as f:
            json.dump(report, f, indent=1)
        print(f"saved {a.json}")


if __name__ == "__main__":
    main()
