"""The training-health examples, cut down (slow: they train models; run with -m slow)."""
import numpy as np
import pytest

from test_cnn_examples import _load, needs_mnist  # noqa: E402  (tests/ is on the path: tests/conftest.py)


@pytest.mark.slow
@needs_mnist
def test_training_health_sigmoid_stalls_relu_bn_trains(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    mod = _load("training_health")
    assert mod.main(["--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    sig = out.split("sigmoid net: ")[1].split("\n")[0]
    relu = out.split("ReLU + batch norm: ")[1].split("\n")[0]
    assert "vanishing_gradients" in sig and "vanishing" not in relu
    acc_sig, acc_relu = float(sig.split("%")[0]) / 100, float(relu.split("%")[0]) / 100
    assert acc_sig < 0.3 and acc_relu > 0.8
    assert (tmp_path / "health_sigmoid_gradients.png").exists()


def test_degradation_records_the_monitor(capsys):
    """The degradation example watches each run with a HealthMonitor (works without MNIST: synthetic data)."""
    mod = _load("degradation")
    lenet = _load("lenet_mnist")
    orig = lenet.load_mnist
    lenet.load_mnist = lambda *a, **k: (_ for _ in ()).throw(RuntimeError("no MNIST"))
    try:
        monitors = {}
        res = mod.run([1, 2], steps=6, widths=(2, 2, 4), lr=0.05, batch=8, n=64, log=lambda *a: None,
                      monitors=monitors, every=2)
    finally:
        lenet.load_mnist = orig
    assert set(monitors) == set(res) and all(len(m.records) == 3 for m in monitors.values())
    reach, upd = mod.gradient_reach(monitors[(14, "plain")])
    assert np.isfinite(reach) and reach > 0 and np.isfinite(upd)
    mod.print_health(res, monitors, [1, 2])
    out = capsys.readouterr().out
    assert "training health" in out and "14-layer plain net's training loss is" in out
