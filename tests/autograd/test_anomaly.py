"""Anomaly detection: NaN/Inf in backward raises naming the op and the user's forward line."""
import warnings

import numpy as np
import pytest

import reograd
from reograd.autograd.anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def test_sqrt_of_negative_names_op_and_line():
    w = reograd.tensor([1.0, -2.0], requires_grad=True)
    with detect_anomaly():
        y = reograd.sqrt(w * 3.0)  # MARK-SQRT
        loss = y.sum()
        with pytest.raises(RuntimeError) as exc:
            loss.backward()
    msg = str(exc.value)
    assert "SqrtBackward0" in msg and "nan" in msg
    assert "test_anomaly.py" in msg and "MARK-SQRT" in msg
    assert "reograd/ops" not in msg  # trimmed to user frames
    assert not is_anomaly_enabled()


def test_zero_times_inf_in_small_model():
    nn = reograd.nn
    model = nn.Linear(2, 1)
    x = reograd.tensor([[1.0, 2.0]])
    with detect_anomaly():
        h = model(x)
        out = reograd.log(h * 0.0)  # log(0) = -inf; backward 1/0 = inf  # MARK-LOG
        with pytest.raises(RuntimeError, match="LogBackward0") as exc:
            out.sum().backward()
    assert "MARK-LOG" in str(exc.value)


def test_off_no_error_and_set_detect_anomaly():
    w = reograd.tensor([-1.0], requires_grad=True)
    reograd.sqrt(w).sum().backward()  # anomaly off: nan gradient, no error
    assert np.isnan(w.grad.numpy()).all()
    set_detect_anomaly(True)
    try:
        assert is_anomaly_enabled()
    finally:
        set_detect_anomaly(False)
    assert not is_anomaly_enabled()
    with set_detect_anomaly(True):
        assert is_anomaly_enabled()
    assert not is_anomaly_enabled()
    with detect_anomaly(check_nan=False):
        w2 = reograd.tensor([-1.0], requires_grad=True)
        reograd.sqrt(w2).sum().backward()  # records traces, does not check


def test_decorator_form():
    @detect_anomaly()
    def run():
        return is_anomaly_enabled()
    assert run() and not is_anomaly_enabled()
