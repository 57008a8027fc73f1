"""The CNN demos in examples/: --quick runs, and the claims a test can check in a few seconds."""
import importlib
import os
import sys

import numpy as np
import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


def _load(name):
    if EXAMPLES not in sys.path:
        sys.path.insert(0, EXAMPLES)
    return importlib.import_module(name)


def _have_mnist():
    try:
        from reograd.vision.datasets import MNIST
        MNIST(train=False)
        return True
    except RuntimeError:
        return False


needs_mnist = pytest.mark.skipif(not _have_mnist(), reason="MNIST not found (set REOGRAD_DATA)")


def test_learn_filter_recovers_laplacian(capsys):
    mod = _load("learn_filter")
    K, err, losses = mod.learn_filter(size=32, steps=600, verbose=False)
    assert err < 1e-3, K
    np.testing.assert_allclose(K, [[0, 1, 0], [1, -4, 1], [0, 1, 0]], atol=1e-3)
    assert losses[-1] < 1e-3 * losses[0]
    assert mod.main(["--quick"]) == 0
    assert "learned kernel" in capsys.readouterr().out


def test_kernels_match_scipy(capsys):
    mod = _load("kernels")
    assert mod.main(["--quick"]) == 0
    pytest.importorskip("scipy")
    from scipy import ndimage
    img = mod.test_image(12)
    for name, k in mod.KERNELS.items():
        k = np.asarray(k, dtype=np.float64)
        np.testing.assert_allclose(mod.apply(img, k), ndimage.correlate(img, k, mode="constant"), atol=1e-12)
        np.testing.assert_allclose(mod.apply(img, k, flip=True), ndimage.convolve(img, k, mode="constant"),
                                   atol=1e-12)
    k = np.asarray(mod.KERNELS["asymmetric"], dtype=np.float64)
    assert np.abs(mod.apply(img, k) - mod.apply(img, k, flip=True)).max() > 1   # correlation != convolution
    assert "scipy.ndimage.convolve" in capsys.readouterr().out


@needs_mnist
@pytest.mark.parametrize("name", ["lenet_mnist", "resnet_mnist", "degradation"])
def test_quick_training_demos(name, capsys):
    assert _load(name).main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert ("test acc" in out) or ("residual" in out)


def test_degradation_runs_without_mnist(monkeypatch, capsys):
    mod = _load("degradation")

    def missing(*a, **k):
        raise RuntimeError("no MNIST")
    lenet = _load("lenet_mnist")
    monkeypatch.setattr(lenet, "load_mnist", missing)
    res = mod.run([1], steps=3, widths=(2, 2, 4), lr=0.05, batch=8, n=64, log=lambda *a: None)
    assert set(res) == {(8, "plain"), (8, "residual")} and all(np.isfinite(v) for v in res.values())


@needs_mnist
def test_transfer_learning_freezes_features(capsys):
    assert _load("transfer_learning").main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "frozen feature parameters unchanged: True" in out and "classifier only" in out
