"""Forward mode (dual tensors): jvp of composite functions against finite differences and torch.func.jvp."""
import numpy as np
import pytest

import reograd
from reograd.autograd import forward_ad as fwad

# composite functions written once for reograd and torch (same API)
FUNCS = {
    "poly": lambda t, x, y: x * x * y + 3.0 * x - y / 2.0,
    "trig": lambda t, x, y: t.sin(x) * t.cos(y) + t.tanh(x * y),
    "explog": lambda t, x, y: t.exp(x) * t.log(y * y + 1.0),
    "sqrt_div": lambda t, x, y: t.sqrt(x * x + 1.0) / (y * y + 2.0),
    "sigmoid_relu": lambda t, x, y: t.sigmoid(x) + t.relu(y) * x,
    "reduce": lambda t, x, y: (x * y).sum(-1, keepdim=True) + x.mean(0),
    "matmul": lambda t, x, y: t.matmul(x, y.transpose(0, 1)).tanh(),
    "softmax": lambda t, x, y: t.softmax(x + y, dim=-1),
    "reshape_cat": lambda t, x, y: t.cat([x.reshape(-1), (y ** 2).reshape(-1)]).exp(),
    "pow_abs": lambda t, x, y: t.abs(x) ** 1.5 + y.pow(3),
    "max_where": lambda t, x, y: t.where(x > 0, x * y, y) + x.amax(-1, keepdim=True),
    "broadcast": lambda t, x, y: x + y[0] * 2.0,
}


def _inputs(rng):
    x = rng.uniform(-1.5, 1.5, (3, 4))
    x = np.where(np.abs(x) < 0.1, 0.3, x)
    y = rng.uniform(-1.5, 1.5, (3, 4))
    return x, y


def _fd(f, xs, ts, eps=1e-6):
    plus = f(*[reograd.tensor(x + eps * t) for x, t in zip(xs, ts)])._data
    minus = f(*[reograd.tensor(x - eps * t) for x, t in zip(xs, ts)])._data
    return (plus - minus) / (2 * eps)


def _jvp(f, xs, ts):
    with fwad.dual_level():
        duals = [fwad.make_dual(reograd.tensor(x), reograd.tensor(t)) for x, t in zip(xs, ts)]
        out = f(*duals)
        p, t = fwad.unpack_dual(out)
    return p._data, t._data


@pytest.mark.parametrize("name", list(FUNCS))
def test_jvp_matches_finite_differences(name):
    rng = np.random.default_rng(1)
    xs = _inputs(rng)
    ts = [rng.standard_normal(x.shape) for x in xs]
    f = lambda *a: FUNCS[name](reograd, *a)  # noqa: E731
    primal, tangent = _jvp(f, xs, ts)
    np.testing.assert_allclose(primal, f(*[reograd.tensor(x) for x in xs])._data)
    np.testing.assert_allclose(tangent, _fd(f, xs, ts), rtol=1e-5, atol=1e-6)


@pytest.mark.parity
@pytest.mark.parametrize("name", list(FUNCS))
def test_jvp_parity_with_torch_func(name):
    import torch
    rng = np.random.default_rng(2)
    xs = _inputs(rng)
    ts = [rng.standard_normal(x.shape) for x in xs]
    _, tangent = _jvp(lambda *a: FUNCS[name](reograd, *a), xs, ts)
    _, expected = torch.func.jvp(lambda *a: FUNCS[name](torch, *a), tuple(torch.tensor(x) for x in xs),
                                 tuple(torch.tensor(t) for t in ts))
    np.testing.assert_allclose(tangent, expected.numpy(), rtol=1e-7, atol=1e-9)


def test_dual_api_semantics():
    with fwad.dual_level():
        x = fwad.make_dual(reograd.tensor(2.0, dtype=reograd.float64), reograd.tensor(1.0, dtype=reograd.float64))
        y = x.sin() + x * 3.0
        p, t = fwad.unpack_dual(y)
        assert abs(t.item() - (np.cos(2.0) + 3.0)) < 1e-12
        assert abs(p.item() - (np.sin(2.0) + 6.0)) < 1e-12
        assert fwad.unpack_dual(reograd.tensor(1.0)).tangent is None
        with pytest.raises(RuntimeError):
            fwad.make_dual(reograd.ones(2), reograd.ones(3))
    assert fwad.unpack_dual(y).tangent is None  # tangents die with the level
    with pytest.raises(RuntimeError, match="dual_level"):
        fwad.make_dual(reograd.ones(2), reograd.ones(2))


def test_forward_mode_one_pass_per_input_seed_example():
    """z = sin(x1) + x1 x2 at (2, 3): dz/dx1 = cos 2 + 3, dz/dx2 = 2, one forward pass per input."""
    f = lambda x1, x2: reograd.sin(x1) + x1 * x2  # noqa: E731
    g1 = _jvp(f, [np.array(2.0), np.array(3.0)], [np.array(1.0), np.array(0.0)])[1]
    g2 = _jvp(f, [np.array(2.0), np.array(3.0)], [np.array(0.0), np.array(1.0)])[1]
    assert abs(g1 - (np.cos(2.0) + 3.0)) < 1e-12 and abs(g2 - 2.0) < 1e-12
