"""Evaluation traces (reograd.autograd.trace): the lecture notes' worked examples, values from the formulas."""
import math

import numpy as np
import pytest

import reograd
from reograd.autograd.trace import demos, trace


def test_log_ab():
    r = trace(lambda a, b: reograd.log(a * b), 2.0, 3.0, names=("a", "b"), verbose=False)
    assert abs(r.output.item() - math.log(6)) < 1e-12 and round(r.output.item(), 3) == 1.792
    assert [row.op for row in r.rows] == ["input", "input", "mul", "log"]
    np.testing.assert_allclose(r.grad, [0.5, 1 / 3])
    np.testing.assert_allclose(r.forward_grad, [0.5, 1 / 3])
    assert abs(r["w3"].adjoint - 1 / 6) < 1e-12  # dd/dc = 1/c = 0.1667; times dc/da = 3 -> 0.5


def test_sin_x1_x2_primal_tangent_adjoint_traces(capsys):
    r = trace(lambda x1, x2: x1 * x2 + reograd.sin(x1), 2.0, 3.0)
    printed = capsys.readouterr().out
    assert "w3 = w1 * w2 = 6" in printed and "w4 = sin(w1) = 0.9093" in printed and "w5 = w3 + w4 = 6.909" in printed
    assert "dz/dw1 = 2.584" in printed
    values = {row.name: row.value.item() for row in r.rows}
    assert values == pytest.approx({"w1": 2, "w2": 3, "w3": 6, "w4": math.sin(2), "w5": 6 + math.sin(2)})
    adj = {row.name: row.adjoint.item() for row in r.rows}
    assert adj == pytest.approx({"w5": 1, "w4": 1, "w3": 1, "w2": 2, "w1": math.cos(2) + 3})
    tan1 = {row.name: row.tangents["x1"].item() for row in r.rows}
    assert tan1 == pytest.approx({"w1": 1, "w2": 0, "w3": 3, "w4": math.cos(2), "w5": math.cos(2) + 3})
    assert r.forward_grad[1].item() == pytest.approx(2.0)
    assert round(r.grad[0].item(), 3) == 2.584


def test_ab_b1():
    r = trace(lambda a, b: (a + b) * (b + 1), 2.0, 1.0, verbose=False)
    assert r.output.item() == 6.0
    np.testing.assert_allclose([g.item() for g in r.grad], [2.0, 5.0])
    np.testing.assert_allclose([g.item() for g in r.forward_grad], [2.0, 5.0])
    assert [row.expr for row in r.rows[2:]] == ["w1 + w2", "w2 + 1", "w3 * w4"]


def test_vector_inputs_and_unused_branch():
    r = trace(lambda x, y: (x * x).sum() + 0 * y.sum(), [1.0, 2.0], [3.0], verbose=False)
    np.testing.assert_allclose(r.grad[0], [2.0, 4.0])
    np.testing.assert_allclose(r.forward_grad[0], 6.0)  # directional: all-ones tangent


def test_demos_run(capsys):
    out = demos()
    assert set(out) == {"log_ab", "sin_x1x2", "ab_b1"}
    assert "Reverse-mode (adjoint) trace" in capsys.readouterr().out
    assert reograd.autograd.trace.demos is demos or callable(reograd.autograd.trace.demos)
