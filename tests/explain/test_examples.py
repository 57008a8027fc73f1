"""The explain examples, cut down (slow: they train models; run with -m slow)."""
import pytest

from test_cnn_examples import _load, needs_mnist  # noqa: E402  (tests/ is on the path: tests/conftest.py)


@pytest.mark.slow
def test_mc_dropout_gap_and_conformal_coverage(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    assert _load("mc_dropout").main(["--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "std inside the gap larger than on the data: True" in out
    gap = float(out.split("inside the gap ")[1].split(",")[0])
    data = float(out.split("on the data ")[1].split(" ")[0])
    assert gap > 1.3 * data
    # 90% split conformal: the guarantee is marginal, so one draw of 2000 test points stays near 0.9
    covs = [float(out.split("fresh data: ")[1].split(" ")[0]), float(out.split("), ")[1].split(" ")[0])]
    assert all(0.86 <= c <= 0.95 for c in covs), covs
    assert (tmp_path / "mc_dropout.png").stat().st_size > 1000


@pytest.mark.slow
@needs_mnist
def test_explain_mnist_deletion_auc(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    mod = _load("explain_mnist")
    assert mod.main(["--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "deletion-curve AUC" in out and "random ordering" in out
    beating = int(out.split("methods beating the random ordering: ")[1].split(" of ")[0])
    assert beating >= 6                     # most attributions remove the evidence faster than chance
    assert (tmp_path / "explain_mnist.png").stat().st_size > 10000
    assert (tmp_path / "explain_mnist_deletion.png").exists()
