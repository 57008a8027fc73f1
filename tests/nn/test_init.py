"""nn.init: distributions checked statistically against their formulas; calculate_gain against torch."""
import math

import numpy as np
import pytest

import reograd
from reograd.nn import init

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None


def _np(t):
    return t.detach().numpy()


@pytest.mark.skipif(torch is None, reason="torch is not installed")
@pytest.mark.parametrize("nl,param", [("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None),
                                      ("conv_transpose1d", None), ("conv_transpose2d", None),
                                      ("conv_transpose3d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                                      ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 1), ("selu", None)])
def test_calculate_gain_vs_torch(nl, param):
    assert init.calculate_gain(nl, param) == pytest.approx(torch.nn.init.calculate_gain(nl, param))


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("foo")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", True)


@pytest.mark.parametrize("shape,fans", [((3, 4), (4, 3)), ((8, 2, 3, 3), (18, 72)), ((5, 2, 7), (14, 35))])
def test_fans(shape, fans):
    assert init._calculate_fan_in_and_fan_out(reograd.empty(shape)) == fans
    with pytest.raises(ValueError):
        init._calculate_fan_in_and_fan_out(reograd.empty(3))


def _check_uniform(a, lo, hi):
    assert a.min() >= lo and a.max() <= hi
    n = a.size
    width = hi - lo
    assert abs(a.mean() - (lo + hi) / 2) < 5 * width / math.sqrt(12 * n)
    assert abs(a.std() - width / math.sqrt(12)) < 0.05 * width / math.sqrt(12)


def _check_normal(a, mean, std):
    n = a.size
    assert abs(a.mean() - mean) < 5 * std / math.sqrt(n)
    assert abs(a.std() - std) < 0.05 * std


def test_uniform_normal_constant():
    t = reograd.empty(100, 100)
    assert init.uniform_(t, -2, 3) is t
    _check_uniform(_np(t), -2, 3)
    _check_normal(_np(init.normal_(t, 1.5, 0.5)), 1.5, 0.5)
    assert np.all(_np(init.constant_(t, 0.25)) == 0.25)
    assert np.all(_np(init.ones_(t)) == 1) and np.all(_np(init.zeros_(t)) == 0)


def test_init_runs_without_grad_on_parameter():
    p = reograd.nn.Parameter(reograd.empty(4, 4))
    v = p._version
    init.kaiming_uniform_(p)
    assert p.grad_fn is None and p.requires_grad and p._version > v
    y = (p * 2).sum()
    y.backward()
    assert p.grad is not None


def test_xavier():
    t = reograd.empty(200, 300)
    std = math.sqrt(2 / 500)
    a = math.sqrt(3) * std * 2.0
    _check_uniform(_np(init.xavier_uniform_(t, gain=2.0)), -a, a)
    _check_normal(_np(init.xavier_normal_(t)), 0, std)


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
def test_kaiming(mode):
    t = reograd.empty(150, 40, 3)
    fan = 120 if mode == "fan_in" else 450
    std = math.sqrt(2) / math.sqrt(fan)
    _check_normal(_np(init.kaiming_normal_(t, mode=mode, nonlinearity="relu")), 0, std)
    gain = math.sqrt(2 / (1 + 0.1 ** 2))
    bound = math.sqrt(3) * gain / math.sqrt(fan)
    _check_uniform(_np(init.kaiming_uniform_(t, a=0.1, mode=mode)), -bound, bound)
    with pytest.raises(ValueError, match="Mode"):
        init.kaiming_normal_(t, mode="fan")


def test_trunc_normal():
    t = reograd.empty(200, 200)
    a = _np(init.trunc_normal_(t, mean=0.5, std=1.0, a=-1.0, b=2.0))
    assert a.min() >= -1.0 and a.max() <= 2.0
    # mean of N(0.5, 1) truncated to [-1, 2] is 0.5 (symmetric); its std is sqrt(1 - 2 φ(1.5) 1.5 / (2Φ(1.5) - 1))
    phi = math.exp(-1.5 ** 2 / 2) / math.sqrt(2 * math.pi)
    Z = math.erf(1.5 / math.sqrt(2))
    std = math.sqrt(1 - 2 * 1.5 * phi / Z)
    _check_normal(a, 0.5, std)


def test_eye_dirac_orthogonal_sparse():
    assert np.array_equal(_np(init.eye_(reograd.empty(2, 3))), np.eye(2, 3))
    with pytest.raises(ValueError):
        init.eye_(reograd.empty(2, 2, 2))
    w = init.dirac_(reograd.empty(4, 2, 3, 3), groups=2)
    x = reograd.randn(1, 4, 5, 5)
    if torch is not None:
        tw = torch.nn.init.dirac_(torch.empty(4, 2, 3, 3), groups=2)
        np.testing.assert_array_equal(_np(w), tw.numpy())
    for shape in [(3, 5), (5, 3), (4, 2, 2)]:
        q = _np(init.orthogonal_(reograd.empty(*shape), gain=2.0)).reshape(shape[0], -1)
        small = q @ q.T if q.shape[0] <= q.shape[1] else q.T @ q
        np.testing.assert_allclose(small, 4 * np.eye(small.shape[0]), atol=1e-5)
    s = _np(init.sparse_(reograd.empty(10, 20), sparsity=0.3))
    assert np.all((s == 0).sum(0) >= 3)
    del x


def test_generator_reproducible():
    g1, g2 = reograd.Generator().manual_seed(7), reograd.Generator().manual_seed(7)
    a = _np(init.normal_(reograd.empty(5), generator=g1)).copy()
    b = _np(init.normal_(reograd.empty(5), generator=g2))
    np.testing.assert_array_equal(a, b)
    reograd.manual_seed(3)
    c = _np(init.xavier_uniform_(reograd.empty(3, 3))).copy()
    reograd.manual_seed(3)
    np.testing.assert_array_equal(c, _np(init.xavier_uniform_(reograd.empty(3, 3))))


def test_dtype_preserved():
    t = reograd.empty(3, 3, dtype=reograd.float64)
    init.kaiming_normal_(t)
    assert t.dtype == reograd.float64
