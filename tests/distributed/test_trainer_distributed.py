"""``fit(..., distributed=True)`` under ``mpiexec -n 2`` (workers/trainer.py)."""
import json
import math

from _spawn import mpirun


def test_fit_distributed(tmp_path):
    proc = mpirun("trainer.py", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("REPORT "))
    r0, r1 = json.loads(line[len("REPORT "):])
    # rank 0 alone prints the progress lines and writes the checkpoints and the plot
    assert proc.stdout.count("epoch 1/3") == 1 and proc.stdout.count("epoch 3/3") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt-1.pt", "ckpt-2.pt", "ckpt-3.pt", "curve.png"]
    assert r0["plot"].endswith("curve.png") and r1["plot"] is None
    # every rank logs the same numbers: the means over both ranks' samples
    for key in ("loss", "accuracy", "f1", "val_loss", "val_accuracy", "val_f1"):
        assert r0["history"][key] == r1["history"][key], key
    # the training is single-process training on the full batches; the sampler's epoch was set
    assert r0["diff"] < 1e-5 and r1["diff"] < 1e-5
    assert all(math.isclose(a, b, rel_tol=1e-5) for a, b in zip(r0["history"]["loss"], r0["ref_loss"]))
    assert r0["epoch"] == r1["epoch"] == 2
    assert r0["keys"] == ["0.bias", "0.weight", "2.bias", "2.weight"]     # the plain model's keys
