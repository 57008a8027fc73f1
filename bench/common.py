"""Timing helpers shared by the benchmarks: run reograd and a peer on the same input in one process,
take medians over repeats, print ratios, and save the figures as JSON for later comparison."""
from __future__ import annotations

import json
import os
import platform
import statistics
import time


def set_threads(n):
    """Pin BLAS threads for NumPy (must run before numpy is imported) and for torch."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)


def timeit(fn, repeat=7, number=1, warmup=1):
    """Median, min and max seconds per call of ``fn`` over ``repeat`` rounds of ``number`` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return {"median": statistics.median(times), "min": min(times), "max": max(times)}


def interleaved(fns, repeat=7, number=1, warmup=1):
    """Time several functions in alternation (so machine noise hits them alike)."""
    for f in fns.values():
        for _ in range(warmup):
            f()
    times = {k: [] for k in fns}
    for _ in range(repeat):
        for k, f in fns.items():
            t0 = time.perf_counter()
            for _ in range(number):
                f()
            times[k].append((time.perf_counter() - t0) / number)
    return {k: {"median": statistics.median(v), "min": min(v), "max": max(v)} for k, v in times.items()}


def fmt_value(v, unit="s"):
    """A figure for the table: seconds as us/ms/s, anything else as a number with its unit."""
    if unit == "s":
        return fmt_time(v)
    return f"{v:8.1f} {unit}"


def fmt_time(s):
    if s < 1e-3:
        return f"{s * 1e6:8.1f} us"
    if s < 1:
        return f"{s * 1e3:8.2f} ms"
    return f"{s:8.3f} s "


class Table:
    """Rows of (workload, reograd, peer, ratio, spread) printed as a table and saved as JSON."""

    def __init__(self, title):
        self.title = title
        self.rows = []

    def add(self, workload, ours, peer=None, peer_name="torch", target=None, extra=None, unit="s"):
        row = {"workload": workload, "reograd": ours, "peer": peer, "peer_name": peer_name, "target": target,
               "unit": unit}
        if peer:
            row["ratio"] = ours["median"] / peer["median"]
        if extra:
            row.update(extra)
        self.rows.append(row)
        self._print_row(row)
        if row.get("comment"):  # a figure derived from the row (GFLOP/s, share of the ceiling) below it
            print("   " + row["comment"])
        return row

    def note(self, workload, message, **extra):
        """A row without timings: a workload that could not run ("unavailable: ...") or a figure."""
        row = {"workload": workload, "reograd": None, "peer": None, "note": message, **extra}
        self.rows.append(row)
        print(f"{workload:44s} {message}")
        return row

    def header(self):
        print(f"\n== {self.title}")
        print(f"{'workload':44s} {'reograd':>12s} {'peer':>12s} {'ratio':>7s} {'target':>7s}  "
              "spread (min-max, reograd | peer)")

    def _print_row(self, r):
        u = r.get("unit", "s")
        peer = fmt_value(r["peer"]["median"], u) if r["peer"] else "           -"
        ratio = f"{r['ratio']:6.2f}x" if r.get("ratio") else "      -"
        target = f"<={r['target']}x" if r.get("target") else ""  # ratio target (reograd / peer)
        o = r["reograd"]
        spread = f"{fmt_value(o['min'], u).strip()} - {fmt_value(o['max'], u).strip()}"
        if r["peer"]:
            p = r["peer"]
            spread += f" | {fmt_value(p['min'], u).strip()} - {fmt_value(p['max'], u).strip()}"
        name = f"{r['workload']} [{r['peer_name']}]" if r["peer"] and r.get("peer_name") != "torch" else r["workload"]
        print(f"{name:44s} {fmt_value(o['median'], u):>12s} {peer:>12s} {ratio:>7s} {target:>7s}  {spread}")

    def save(self, path):
        meta = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
                "threads": os.environ.get("OMP_NUM_THREADS"), "time": time.strftime("%Y-%m-%d %H:%M:%S")}
        try:
            import numpy

            meta["numpy"] = numpy.__version__
        except ImportError:
            pass
        with open(path, "w") as f:
            json.dump({"title": self.title, "meta": meta, "rows": self.rows}, f, indent=1)
        print(f"saved {path}")
