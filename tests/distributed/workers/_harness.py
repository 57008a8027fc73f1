"""Run a table of checks on every rank and report, from rank 0, which failed on any rank.

A check is a function of no arguments that raises on failure. The results of all ranks are gathered;
rank 0 prints ``RESULTS {json}`` mapping each check's name to "ok" or "rank r: error".
"""
import json
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def run_checks(checks, only=None):
    import reograd.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group("mpi")
    mine = {}
    for name, fn in checks.items():
        if only and name not in only:
            continue
        try:
            fn()
            mine[name] = "ok"
        except Exception:  # noqa: BLE001 (reported, not raised: the other checks still run)
            mine[name] = f"rank {dist.get_rank()}: " + traceback.format_exc(limit=4)[-1500:]
    everyone = [None] * dist.get_world_size()
    dist.all_gather_object(everyone, mine)
    if dist.get_rank() == 0:
        merged = {}
        for name in mine:
            failures = [r[name] for r in everyone if r.get(name) != "ok"]
            merged[name] = "ok" if not failures else "\n".join(failures)
        print("RESULTS " + json.dumps(merged), flush=True)
    dist.destroy_process_group()
