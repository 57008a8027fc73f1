"""Activations: functional forms (gradcheck, gradgradcheck, jvp, torch parity) and the modules."""
import numpy as np
import pytest

import reograd
from opcases import Arg, OpCase, make_tests

F = "nn.functional"


def f(name, **kw):
    """lambda t, x: t.nn.functional.<name>(x, **kw)"""
    return lambda t, x: getattr(t.nn.functional, name)(x, **kw)


K0 = (0.0,)  # keep inputs away from the kink at 0
CASES = [
    # relu lives in ops/elementwise (its backward g * (y > 0) records no graph: no double-backward parity)
    OpCase("relu", f("relu"), [Arg((3, 4), avoid=K0)], double=False),
    OpCase("leaky_relu", f("leaky_relu", negative_slope=0.2), [Arg((3, 4), avoid=K0)]),
    OpCase("elu", f("elu", alpha=1.5), [Arg((3, 4), avoid=K0)]),
    OpCase("selu", f("selu"), [Arg((3, 4), avoid=K0)]),
    OpCase("celu", f("celu", alpha=0.7), [Arg((3, 4), avoid=K0)]),
    OpCase("gelu", f("gelu"), [(3, 4)]),
    OpCase("gelu", f("gelu", approximate="tanh"), [(3, 4)], id="tanh"),
    OpCase("silu", f("silu"), [(3, 4)]),
    OpCase("mish", f("mish"), [(3, 4)]),
    OpCase("softplus", f("softplus"), [(3, 4)]),
    OpCase("softplus", f("softplus", beta=2.0, threshold=1.5), [Arg((3, 4), -3, 3, avoid=(0.75,))], id="beta"),
    OpCase("softsign", f("softsign"), [Arg((3, 4), avoid=K0)]),
    OpCase("hardtanh", f("hardtanh", min_val=-0.5, max_val=1.0), [Arg((3, 4), avoid=(-0.5, 1.0))]),
    OpCase("relu6", f("relu6"), [Arg((3, 4), -2, 8, avoid=(0.0, 6.0))]),
    OpCase("hardsigmoid", f("hardsigmoid"), [Arg((3, 4), -5, 5, avoid=(-3.0, 3.0))], double=False),  # torch: none
    OpCase("hardswish", f("hardswish"), [Arg((3, 4), -5, 5, avoid=(-3.0, 3.0))]),
    OpCase("logsigmoid", f("logsigmoid"), [(3, 4)]),
    OpCase("tanhshrink", f("tanhshrink"), [(3, 4)]),
    OpCase("softshrink", f("softshrink", lambd=0.5), [Arg((3, 4), avoid=(-0.5, 0.5))]),
    OpCase("hardshrink", f("hardshrink", lambd=0.5), [Arg((3, 4), avoid=(-0.5, 0.5))]),
    OpCase("threshold", lambda t, x: t.nn.functional.threshold(x, 0.3, -2.0), [Arg((3, 4), avoid=(0.3,))]),
    OpCase("sigmoid", f("sigmoid"), [(3, 4)]),
    OpCase("tanh", f("tanh"), [(3, 4)]),
    OpCase("softmax", f("softmax", dim=1), [(3, 4)]),
    OpCase("softmax", f("softmax", dim=-1), [(2, 3, 4)], id="neg-dim"),
    OpCase("softmax", f("softmax", dim=0), [(5,)], id="1d"),
    OpCase("log_softmax", f("log_softmax", dim=1), [(3, 4)]),
    OpCase("log_softmax", f("log_softmax", dim=0), [(2, 3, 2)], id="dim0"),
    OpCase("softmin", f("softmin", dim=1), [(3, 4)]),
    OpCase("glu", f("glu", dim=-1), [(3, 4)]),
    OpCase("glu", f("glu", dim=0), [(4, 3)], id="dim0"),
    OpCase("prelu", lambda t, x, w: t.nn.functional.prelu(x, w), [Arg((2, 3, 4), avoid=K0), (3,)]),
    OpCase("prelu", lambda t, x, w: t.nn.functional.prelu(x, w), [Arg((2, 3), avoid=K0), (1,)], id="single"),
    OpCase("rrelu", lambda t, x: t.nn.functional.rrelu(x, 0.1, 0.3, training=False), [Arg((3, 4), avoid=K0)]),
    OpCase("arctan", lambda t, x: t.nn.functional.arctan(x), [(3, 4)], torch_fn=lambda t, x: t.atan(x)),
    OpCase("binary_step", lambda t, x: t.nn.functional.binary_step(x), [Arg((3, 4), avoid=K0)], double=False,
           torch_fn=lambda t, x: x * 0 + (x >= 0).to(x.dtype)),
]
globals().update(make_tests(CASES))

torch = pytest.importorskip("torch")


def _pair(shape=(4, 6), lo=-3, hi=3, seed=0):
    a = np.random.default_rng(seed).uniform(lo, hi, shape)
    return reograd.tensor(a), torch.tensor(a)


@pytest.mark.parametrize("name", ["softplus", "logsigmoid", "silu", "gelu", "mish", "elu", "sigmoid"])
def test_extreme_values_stable(name):
    a = np.array([-1e4, -100.0, -30.0, 0.0, 30.0, 100.0, 1e4], dtype=np.float32)
    x = reograd.tensor(a, requires_grad=True)
    y = getattr(reograd.nn.functional, name)(x)
    y.sum().backward()
    tx = torch.tensor(a, requires_grad=True)
    ty = getattr(torch.nn.functional, name)(tx)
    ty.sum().backward()
    assert y.dtype == reograd.float32
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_kink_conventions():
    a = np.array([-1.0, 0.0, 1.0, 6.0])
    for name, kw in [("relu", {}), ("hardtanh", {"min_val": -1.0, "max_val": 1.0}), ("relu6", {}),
                     ("leaky_relu", {"negative_slope": 0.1}), ("elu", {}), ("hardshrink", {"lambd": 1.0}),
                     ("softshrink", {"lambd": 1.0}), ("threshold", {"threshold": 1.0, "value": 0.0}),
                     ("hardsigmoid", {}), ("hardswish", {})]:
        x = reograd.tensor(a, requires_grad=True)
        getattr(reograd.nn.functional, name)(x, **kw).sum().backward()
        tx = torch.tensor(a, requires_grad=True)
        getattr(torch.nn.functional, name)(tx, **kw).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), err_msg=name)


def test_softmax_implicit_dim_warns():
    x = reograd.randn(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        y = reograd.nn.functional.softmax(x)
    np.testing.assert_allclose(y.sum(1).numpy(), np.ones(2), rtol=1e-6)


def test_softmax_dtype_and_method():
    x = reograd.randn(2, 3)
    assert reograd.nn.functional.softmax(x, 1, dtype=reograd.float64).dtype == reograd.float64
    np.testing.assert_allclose(x.softmax(1).numpy(), reograd.softmax(x, 1).numpy())
    np.testing.assert_allclose(x.log_softmax(-1).exp().sum(-1).numpy(), np.ones(2), rtol=1e-6)


def test_inplace_variants():
    x = reograd.tensor([-1.0, 2.0])
    y = reograd.nn.functional.relu(x, inplace=True)
    assert y is x and x.tolist() == [0.0, 2.0]
    x = reograd.tensor([-1.0, 2.0])
    reograd.nn.functional.elu_(x)
    np.testing.assert_allclose(x.numpy(), [np.expm1(-1.0), 2.0])
    x = reograd.tensor([-3.0, 0.5, 3.0])
    reograd.nn.functional.hardtanh(x, inplace=True)
    assert x.tolist() == [-1.0, 0.5, 1.0]


def test_errors():
    with pytest.raises(RuntimeError, match="approximate"):
        reograd.nn.functional.gelu(reograd.randn(3), approximate="fast")
    with pytest.raises(RuntimeError, match="even"):
        reograd.nn.functional.glu(reograd.randn(3))
    with pytest.raises(RuntimeError, match="prelu"):
        reograd.nn.functional.prelu(reograd.randn(2, 3), reograd.ones(4))
    with pytest.raises(IndexError, match="softmax"):
        reograd.nn.functional.softmax(reograd.randn(2, 3), dim=2)


def test_rrelu_training_slopes_in_range():
    x = -reograd.ones(1000)
    y = reograd.nn.functional.rrelu(x, 0.1, 0.3, training=True)
    v = -y.numpy()
    assert v.min() >= 0.1 and v.max() <= 0.3 and v.std() > 0.01


# ------------------------------------------------------------------------------------------- modules
MODULES = [
    ("ReLU", {}), ("LeakyReLU", {"negative_slope": 0.2}), ("ELU", {"alpha": 0.5}), ("SELU", {}), ("CELU", {}),
    ("GELU", {}), ("GELU", {"approximate": "tanh"}), ("SiLU", {}), ("Mish", {}), ("Softplus", {"beta": 2.0}),
    ("Softsign", {}), ("Hardtanh", {"min_val": -0.5, "max_val": 2.0}), ("Hardsigmoid", {}), ("Hardswish", {}),
    ("ReLU6", {}), ("Sigmoid", {}), ("Tanh", {}), ("Softmax", {"dim": 1}), ("LogSoftmax", {"dim": 1}),
    ("Softmin", {"dim": 1}), ("Threshold", {"threshold": 0.1, "value": 20.0}), ("Tanhshrink", {}),
    ("Softshrink", {"lambd": 0.3}), ("Hardshrink", {"lambd": 0.3}), ("LogSigmoid", {}), ("GLU", {}),
]


@pytest.mark.parametrize("name,kw", MODULES, ids=[m[0] + str(i) for i, m in enumerate(MODULES)])
def test_module_matches_torch(name, kw):
    r, t = _pair()
    m = getattr(reograd.nn, name)(**kw)
    tm = getattr(torch.nn, name)(**kw)
    np.testing.assert_allclose(m(r).numpy(), tm(t).numpy(), rtol=1e-6, atol=1e-8)
    assert repr(m) == repr(tm)


def test_prelu_module_learnable():
    m = reograd.nn.PReLU(num_parameters=3, init=0.1)
    assert len(list(m.parameters())) == 1 and m.weight.shape == (3,)
    tm = torch.nn.PReLU(num_parameters=3, init=0.1)
    a = np.random.default_rng(0).standard_normal((2, 3, 4))
    y = m(reograd.tensor(a))
    y.sum().backward()
    ty = tm(torch.tensor(a, dtype=torch.float32))
    ty.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5)
    np.testing.assert_allclose(m.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-5)
    assert repr(m) == repr(tm)


def test_rrelu_module_train_eval():
    m = reograd.nn.RReLU(0.1, 0.3)
    x = -reograd.ones(100)
    assert m(x).numpy().std() > 0
    m.eval()
    np.testing.assert_allclose(m(x).numpy(), -0.2 * np.ones(100))


def test_extra_modules():
    x = reograd.tensor([-1.0, 0.0, 2.0])
    assert reograd.nn.BinaryStep()(x).tolist() == [0.0, 1.0, 1.0]
    np.testing.assert_allclose(reograd.nn.ArcTan()(x).numpy(), np.arctan([-1.0, 0.0, 2.0]))
