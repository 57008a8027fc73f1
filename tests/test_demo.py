"""`reograd demo` (the MNIST MLP), its data lookup and its errors; `reograd autodiff`."""
import gzip
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from reograd.__main__ import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _env(**extra):
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("OMP_NUM_THREADS", "2")
    for k, v in extra.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def _reograd(args, env, cwd, timeout=300):
    return subprocess.run([sys.executable, "-m", "reograd", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


def _mnist_root():
    root = os.environ.get("REOGRAD_DATA")
    # absolute: the demo runs in a subprocess whose working directory is tmp_path, while CI sets a
    # path relative to the checkout (../shared/data)
    return os.path.abspath(root) if root and os.path.isdir(os.path.join(root, "mnist")) else None


def _write_idx(path, arr):
    arr = np.asarray(arr, dtype=np.uint8)
    header = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + arr.tobytes())


def _fake_mnist(folder, n_train=600, n_test=200, seed=0):
    """A learnable MNIST look-alike: class k is a bright bar in row band k of a 28x28 image."""
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    for split, n in (("train", n_train), ("t10k", n_test)):
        y = rng.integers(0, 10, n)
        x = rng.integers(0, 60, (n, 28, 28))
        for i, k in enumerate(y):
            x[i, 2 + 2 * k:4 + 2 * k, 4:24] = 255
        _write_idx(os.path.join(folder, f"{split}-images-idx3-ubyte.gz"), x)
        _write_idx(os.path.join(folder, f"{split}-labels-idx1-ubyte.gz"), y)


def test_demo_pipeline_on_fake_mnist(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("REOGRAD_DATA", raising=False)
    _fake_mnist(tmp_path / "data" / "mnist")
    plot = tmp_path / "plot.png"
    rc = main(["demo", "--root", str(tmp_path / "data"), "--epochs", "3", "--hidden", "32", "--val-size", "100",
               "--batch-size", "50", "--plot", str(plot), "--no-progress", "--no-download"])
    out = capsys.readouterr().out
    assert rc == 0, out
    m = re.search(r"test accuracy: (\d+\.\d+)% after 3 epochs \((\d+\.\d) s\)", out)
    assert m, out
    assert float(m.group(1)) >= 90.0
    assert out.count("epoch ") >= 3 and "val_loss" in out
    try:
        import matplotlib  # noqa: F401
        assert plot.read_bytes()[:4] == b"\x89PNG" and f"convergence plot saved to {plot}" in out
    except ImportError:
        assert "matplotlib is not installed" in out and not plot.exists()


def test_demo_without_data_says_where_to_put_it(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    env = _env(REOGRAD_DATA=None, XDG_CACHE_HOME=str(tmp_path / "cache"))
    proc = _reograd(["demo", "--root", str(empty), "--no-download"], env, tmp_path)
    assert proc.returncode != 0
    assert "MNIST was not found" in proc.stderr
    assert str(empty) in proc.stderr and "train-images-idx3-ubyte" in proc.stderr
    assert "REOGRAD_DATA" in proc.stderr


def test_autodiff_command(capsys):
    assert main(["autodiff"]) == 0
    out = capsys.readouterr().out
    assert "a.grad = 2" in out and "b.grad = 5" in out


def test_demo_help_lists_options(capsys):
    with pytest.raises(SystemExit) as e:
        main(["demo", "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for opt in ("--epochs", "--batch-size", "--lr", "--hidden", "--seed", "--root", "--plot", "--quick"):
        assert opt in out


@pytest.mark.slow
def test_demo_quick_on_real_mnist(tmp_path):
    root = _mnist_root()
    if root is None:
        pytest.skip("MNIST not found under $REOGRAD_DATA")
    env = _env(REOGRAD_DATA=root)
    proc = _reograd(["demo", "--quick", "--no-progress", "--no-download", "--plot", str(tmp_path / "c.png")],
                    env, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    m = re.search(r"test accuracy: (\d+\.\d+)% after 1 epoch ", proc.stdout)
    assert m, proc.stdout
    assert float(m.group(1)) >= 85.0


@pytest.mark.slow
def test_demo_cnn_quick_on_real_mnist(tmp_path):
    root = _mnist_root()
    if root is None:
        pytest.skip("MNIST not found under $REOGRAD_DATA")
    proc = _reograd(["demo", "cnn", "--quick", "--no-progress", "--no-download", "--plot", str(tmp_path / "c.png")],
                    _env(REOGRAD_DATA=root), tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "LeNet-5" in proc.stdout
    m = re.search(r"test accuracy: (\d+\.\d+)% after 1 epoch ", proc.stdout)
    assert m, proc.stdout
    assert float(m.group(1)) >= 80.0   # one epoch on 10,000 images
