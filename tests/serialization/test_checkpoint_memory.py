"""Saving and loading stream each array: a large tensor is saved with almost no extra memory and loaded
with only its own buffer (measured in a child process with ru_maxrss; the figures for 200 MB against
torch.save/torch.load: ``python bench/bench_checkpoint_memory.py``)."""
import json
import os
import subprocess
import sys

import pytest

CHILD = r"""
import gc, json, resource, sys
import numpy as np
import reograd
op, fmt, path, mb = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
n = mb * 2 ** 20 // 4
if op == "save":
    t = reograd.from_numpy(np.arange(n, dtype=np.float32))
    gc.collect()
    before = peak()
    obj = {"w": t, "view": t[1000:]} if fmt == "torch" else {"w": t}  # torch format: a view shares the storage
    reograd.save(obj, path, format=fmt)
else:
    gc.collect()
    before = peak()
    out = reograd.load(path)
    assert out["w"].numel() == n and out["w"][12345].item() == 12345.0
print(json.dumps(peak() - before))
"""


def extra_mb(op, fmt, path, mb):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", CHILD, op, fmt, str(path), str(mb)], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=root), cwd=os.path.dirname(path), timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in kilobytes on Linux")
@pytest.mark.parametrize("mb", [48, pytest.param(200, marks=pytest.mark.slow)])
@pytest.mark.parametrize("fmt", ["reograd", "torch"])
def test_save_and_load_stream(fmt, mb, tmp_path):
    path = tmp_path / "big.pt"
    saved = extra_mb("save", fmt, path, mb)
    loaded = extra_mb("load", fmt, path, mb)
    # before streaming: save +206 MB and load +382 MB for 200 MB (a whole copy in memory, then another)
    assert saved < 12, f"save took {saved:.0f} MB beyond the {mb} MB tensor"
    assert loaded < mb + 12, f"load took {loaded:.0f} MB for a {mb} MB tensor"
