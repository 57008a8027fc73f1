"""Pointwise math: unary functions, rounding, clamp, where, maximum/minimum, atan2, hypot, xlogy, erf..."""
import math

import numpy as np
import pytest
from opcases import Arg, Bool, Fixed, Int, OpCase, Pos, make_tests

import reograd

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

NZ = dict(avoid=(0.0,))
U = dict(low=-0.9, high=0.9)  # inside (-1, 1)


def _away(shape, low=-3.0, high=3.0, **kw):
    """Values at least 0.1 from the integers in [low, high] (rounding ops are smooth there)."""
    return Arg(shape, low, high, avoid=tuple(float(i) for i in range(int(low), int(high) + 1)), **kw)


S = (2, 3)
CASES = [
    OpCase("exp", lambda t, a: t.exp(a), [S]),
    OpCase("exp", lambda t, a: t.exp(a), [Int((3,), -2, 3)], grad=False, id="int"),
    OpCase("exp2", lambda t, a: t.exp2(a), [S]),
    OpCase("expm1", lambda t, a: t.expm1(a), [S]),
    OpCase("log", lambda t, a: t.log(a), [Pos(S)]),
    OpCase("log2", lambda t, a: t.log2(a), [Pos(S)]),
    OpCase("log10", lambda t, a: t.log10(a), [Pos(S)]),
    OpCase("log1p", lambda t, a: t.log1p(a), [Arg(S, -0.5, 2.0)]),
    OpCase("sqrt", lambda t, a: t.sqrt(a), [Pos(S)]),
    OpCase("sqrt", lambda t, a: t.sqrt(a), [Int((3,), 0, 5)], grad=False, id="int"),
    OpCase("rsqrt", lambda t, a: t.rsqrt(a), [Pos(S)]),
    OpCase("sin", lambda t, a: t.sin(a), [S]),
    OpCase("cos", lambda t, a: t.cos(a), [S]),
    OpCase("tan", lambda t, a: t.tan(a), [Arg(S, -1.2, 1.2)]),
    OpCase("asin", lambda t, a: t.asin(a), [Arg(S, **U)]),
    OpCase("arcsin", lambda t, a: t.arcsin(a), [Arg((3,), **U)]),
    OpCase("acos", lambda t, a: t.acos(a), [Arg(S, **U)]),
    OpCase("arccos", lambda t, a: t.arccos(a), [Arg((3,), **U)]),
    OpCase("atan", lambda t, a: t.atan(a), [S]),
    OpCase("arctan", lambda t, a: t.arctan(a), [(3,)]),
    OpCase("atan2", lambda t, a, b: t.atan2(a, b), [(2, 3), Arg((3,), **NZ)]),
    OpCase("arctan2", lambda t, a, b: t.arctan2(a, b), [(3,), (3,)]),
    OpCase("sinh", lambda t, a: t.sinh(a), [S]),
    OpCase("cosh", lambda t, a: t.cosh(a), [S]),
    OpCase("tanh", lambda t, a: t.tanh(a), [S]),
    OpCase("asinh", lambda t, a: t.asinh(a), [S]),
    OpCase("arcsinh", lambda t, a: t.arcsinh(a), [(3,)]),
    OpCase("acosh", lambda t, a: t.acosh(a), [Pos(S, 1.2, 3.0)]),
    OpCase("arccosh", lambda t, a: t.arccosh(a), [Pos((3,), 1.2, 3.0)]),
    OpCase("atanh", lambda t, a: t.atanh(a), [Arg(S, **U)]),
    OpCase("arctanh", lambda t, a: t.arctanh(a), [Arg((3,), **U)]),
    OpCase("sigmoid", lambda t, a: t.sigmoid(a), [Arg(S, -6, 6)]),
    # double=False: torch's relu grads stay graph-connected (threshold_backward) though their derivative is 0
    OpCase("relu", lambda t, a: t.relu(a), [Arg(S, **NZ)], double=False),
    OpCase("logit", lambda t, a: t.logit(a), [Pos(S, 0.05, 0.95)]),
    OpCase("logit", lambda t, a: t.logit(a, eps=0.2), [Pos((8,), 0.0, 1.0, avoid=(0.2, 0.8))], id="eps"),
    OpCase("erf", lambda t, a: t.erf(a), [Arg(S, -3, 3)]),
    OpCase("erf", lambda t, a: t.erf(a), [Fixed(np.linspace(-6, 6, 13))], id="wide"),
    OpCase("erfc", lambda t, a: t.erfc(a), [Arg(S, -3, 3)]),
    OpCase("erfc", lambda t, a: t.erfc(a), [Fixed([4.5, 6.0, 10.0])], id="tail", atol=1e-12),
    OpCase("erfinv", lambda t, a: t.erfinv(a), [Arg(S, **U)]),
    OpCase("erfinv", lambda t, a: t.erfinv(a), [Fixed([1 - 1e-9, -(1 - 1e-12), 0.999, 1e-8])], id="tail",
           grad=False),
    OpCase("floor", lambda t, a: t.floor(a), [_away(S)]),
    OpCase("floor", lambda t, a: t.floor(a), [Int((3,), -3, 3)], grad=False, id="int"),
    OpCase("ceil", lambda t, a: t.ceil(a), [_away(S)]),
    OpCase("trunc", lambda t, a: t.trunc(a), [_away(S)]),
    OpCase("fix", lambda t, a: t.fix(a), [_away((3,))]),
    OpCase("round", lambda t, a: t.round(a), [Arg(S, -3, 3, avoid=(-2.5, -1.5, -0.5, 0.5, 1.5, 2.5))]),
    OpCase("round", lambda t, a: t.round(a), [Fixed([0.5, 1.5, 2.5, -0.5, -2.5])], id="half-even", grad=False),
    OpCase("round", lambda t, a: t.round(a, decimals=2), [Fixed([1.2345, -0.005, 2.675, 1e3 / 7])], id="decimals",
           grad=False),
    OpCase("round", lambda t, a: t.round(a, decimals=-1), [Fixed([15.0, 25.0, -123.4, 7.0])], id="neg-decimals",
           grad=False),
    OpCase("frac", lambda t, a: t.frac(a), [_away(S)]),
    OpCase("sign", lambda t, a: t.sign(a), [Arg(S, **NZ)]),
    OpCase("sign", lambda t, a: t.sign(a), [Fixed([0.0, -0.0, 2.0, -3.0, np.nan])], grad=False, id="special"),
    OpCase("sgn", lambda t, a: t.sgn(a), [Arg(S, **NZ)], double=False, torch_fn=lambda t, a: t.sgn(a) + 0 * a),
    OpCase("deg2rad", lambda t, a: t.deg2rad(a), [S]),
    OpCase("rad2deg", lambda t, a: t.rad2deg(a), [S]),
    OpCase("sinc", lambda t, a: t.sinc(a), [Arg(S, **NZ)]),
    OpCase("sinc", lambda t, a: t.sinc(a), [Fixed([0.0, 1.0, -2.5])], id="at-zero", grad=False),
    OpCase("nan_to_num", lambda t, a: t.nan_to_num(a), [S]),
    OpCase("nan_to_num", lambda t, a: t.nan_to_num(a * 1e308 * 10 ** 10), [S], grad=False, id="overflow"),
    OpCase("nan_to_num", lambda t, a: t.nan_to_num(a, nan=1.0, posinf=2.0, neginf=-2.0),
           [Fixed([np.nan, np.inf, -np.inf, 0.5])], id="params", double=False, jvp=False),
    OpCase("hypot", lambda t, a, b: t.hypot(a, b), [(2, 3), Arg((3,), **NZ)]),
    OpCase("xlogy", lambda t, a, b: t.xlogy(a, b), [(2, 3), Pos((3,))]),
    OpCase("xlogy", lambda t, a: t.xlogy(a, 3.0), [(3,)], id="scalar-other"),
    OpCase("xlogy", lambda t, a, b: t.xlogy(a, b), [Fixed([0.0, 0.0, 1.0]), Fixed([0.0, np.nan, 2.0])],
           grad=False, id="zeros"),
    OpCase("copysign", lambda t, a, b: t.copysign(a, b), [Arg(S, **NZ), Arg((3,), **NZ)]),
    OpCase("logaddexp", lambda t, a, b: t.logaddexp(a, b), [S, (3,)]),
    OpCase("logaddexp2", lambda t, a, b: t.logaddexp2(a, b), [S, (3,)]),
    # clamp / clip
    OpCase("clamp", lambda t, a: t.clamp(a, -0.5, 0.5), [Arg((3, 4), avoid=(-0.5, 0.5))]),
    OpCase("clamp", lambda t, a: t.clamp(a, min=0.3), [Arg((6,), avoid=(0.3,))], id="min-only"),
    OpCase("clamp", lambda t, a: t.clamp(a, max=0.3), [Arg((6,), avoid=(0.3,))], id="max-only"),
    OpCase("clamp", lambda t, a: t.clamp(a, 1.0, 0.5), [(4,)], id="min-gt-max"),
    OpCase("clamp", lambda t, a, lo, hi: t.clamp(a, lo, hi), [(2, 3), Arg((3,), -1.5, -0.2), Arg((2, 1), 0.2, 1.5)],
           id="tensor"),
    OpCase("clamp", lambda t, a, lo: t.clamp(a, min=lo), [(2, 3), (3,)], id="tensor-min"),
    OpCase("clamp", lambda t, a, hi: t.clamp(a, max=hi), [(2, 3), ()], id="tensor-max"),
    OpCase("clamp", lambda t, a: t.clamp(a, -1, 1), [Int((5,), -3, 3)], grad=False, id="int"),
    OpCase("clip", lambda t, a: t.clip(a, -0.5, 0.5), [Arg((4,), avoid=(-0.5, 0.5))]),
    OpCase("clamp_min", lambda t, a: t.clamp_min(a, 0.1), [Arg((4,), avoid=(0.1,))]),
    OpCase("clamp_max", lambda t, a: t.clamp_max(a, 0.1), [Arg((4,), avoid=(0.1,))]),
    # maximum / minimum
    OpCase("maximum", lambda t, a, b: t.maximum(a, b), [(2, 3), (3,)]),
    OpCase("maximum", lambda t, a, b: t.maximum(a, b), [Fixed([1.0, 2.0, 3.0]), Fixed([2.0, 2.0, 2.0])], id="ties",
           double=False, jvp=False),
    OpCase("minimum", lambda t, a, b: t.minimum(a, b), [(2, 3), (2, 1)]),
    OpCase("minimum", lambda t, a, b: t.minimum(a, b), [Fixed([1.0, 2.0, 3.0]), Fixed([2.0, 2.0, 2.0])], id="ties",
           double=False, jvp=False),
    OpCase("fmax", lambda t, a, b: t.fmax(a, b), [(2, 3), (3,)]),
    OpCase("fmax", lambda t, a, b: t.fmax(a, b), [Fixed([np.nan, 1.0, 2.0]), Fixed([2.0, np.nan, 2.0])],
           grad=False, id="nan"),
    OpCase("fmin", lambda t, a, b: t.fmin(a, b), [(2, 3), (3,)]),
    # where
    OpCase("where", lambda t, c, a, b: t.where(c, a, b), [Bool((2, 3)), (2, 3), (3,)]),
    OpCase("where", lambda t, c, a: t.where(c, a, 0.5), [Bool((4,)), (4,)], id="scalar"),
    OpCase("where", lambda t, c, b: t.where(c, 1.5, b), [Bool((2, 1)), (3,)], id="scalar-first"),
    OpCase("where", lambda t, c, a, b: a.where(c, b), [Bool((3,)), (3,), ()], id="method"),
    OpCase("where", lambda t, a: t.where(a > 0, a, -a), [Arg((4,), **NZ)], id="mask-from-input"),
]
globals().update(make_tests(CASES))


def _t(x, **kw):
    return reograd.tensor(x, **kw)


# ----------------------------------------------------------------------------- erf family accuracy
def test_erf_erfc_match_math_to_1e15():
    x = np.concatenate([np.linspace(-8, 8, 4001), [0.0, 0.46875, -0.46875, 4.0, 1e-200, 27.0]])
    e = reograd.erf(_t(x)).numpy()
    ec = reograd.erfc(_t(x)).numpy()
    ref = np.array([math.erf(v) for v in x])
    refc = np.array([math.erfc(v) for v in x])
    np.testing.assert_allclose(e, ref, rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(ec, refc, rtol=1e-13, atol=1e-300)


def test_erf_special_values_and_float32():
    r = reograd.erf(_t([np.inf, -np.inf, np.nan, 0.0]))
    assert r.dtype is reograd.float32
    np.testing.assert_array_equal(r.numpy()[:2], [1.0, -1.0])
    assert np.isnan(r.numpy()[2]) and r.numpy()[3] == 0.0
    np.testing.assert_array_equal(reograd.erfc(_t([np.inf, -np.inf])).numpy(), [0.0, 2.0])


def test_erfinv_inverts_erf():
    y = np.concatenate([np.linspace(-0.999999, 0.999999, 2001), 1 - np.logspace(-15, -1, 50)])
    x = reograd.erfinv(_t(y)).numpy()
    back = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(back, y, rtol=1e-13, atol=1e-15)
    r = reograd.erfinv(_t([1.0, -1.0, 1.5, -2.0, 0.0])).numpy()
    assert r[0] == np.inf and r[1] == -np.inf and np.isnan(r[2:4]).all() and r[4] == 0.0


@pytest.mark.skipif(torch is None, reason="torch is not installed")
def test_erfinv_matches_torch():
    y = np.random.default_rng(0).uniform(-1, 1, 1000)
    np.testing.assert_allclose(reograd.erfinv(_t(y)).numpy(), torch.erfinv(torch.tensor(y)).numpy(), rtol=1e-9)


# ----------------------------------------------------------------------------- gradient conventions
def _grad(f, *xs):
    ts = [_t(x, dtype=reograd.float64, requires_grad=True) for x in xs]
    gs = reograd.autograd.grad(f(*ts).sum(), ts, allow_unused=True)
    return [None if g is None else g.numpy() for g in gs]


def test_pytorch_gradient_conventions():
    np.testing.assert_array_equal(_grad(reograd.abs, [0.0, -2.0])[0], [0.0, -1.0])
    np.testing.assert_array_equal(_grad(reograd.sign, [0.0, -2.0])[0], [0.0, 0.0])
    assert _grad(reograd.sqrt, [0.0])[0][0] == np.inf
    for f in (reograd.floor, reograd.ceil, reograd.round, reograd.trunc):
        np.testing.assert_array_equal(_grad(f, [0.3, 1.7])[0], [0.0, 0.0])
    np.testing.assert_array_equal(_grad(lambda x: x.clamp(0, 1), [0.0, 0.5, 1.0, 2.0])[0], [1, 1, 1, 0])
    ga, gb = _grad(reograd.maximum, [1.0, 2.0, 3.0], [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(ga, [0, 0.5, 1]) and np.testing.assert_array_equal(gb, [1, 0.5, 0])
    ga, gb = _grad(reograd.atan2, [0.0], [0.0])
    assert ga[0] == 0 and gb[0] == 0
    np.testing.assert_array_equal(_grad(lambda x: x.logit(), [-0.1, 1.1])[0], [np.nan, np.nan])
    np.testing.assert_array_equal(_grad(reograd.nan_to_num, [np.nan, np.inf, 1.0])[0], [0.0, 0.0, 1.0])
    ga, gb = _grad(lambda a, b: a % b, [5.0, -3.0], [2.0, 2.0])
    np.testing.assert_array_equal(ga, [1, 1]) and np.testing.assert_array_equal(gb, [-2, 2])


@pytest.mark.skipif(torch is None, reason="torch is not installed")
@pytest.mark.parametrize("fn,inputs", [
    (lambda t, a: t.clamp(a, 0.0, 1.0), [[0.0, 0.5, 1.0, 2.0, -1.0]]),  # bounds are inclusive
    (lambda t, a, lo, hi: t.clamp(a, lo, hi),  # ties, and min > max
     [[0.0, 0.5, 1.0, 2.0, 3.0], [0.0, 1.0, 1.0, 3.0, 3.0], [1.0, 0.5, 1.0, 2.0, 2.0]]),
    (lambda t, a, lo: t.clamp(a, min=lo), [[0.0, 0.5, 1.0], [0.0, 1.0, 1.0]]),
    (lambda t, a, b: t.maximum(a, b), [[1.0, 2.0, 3.0], [2.0, 2.0, 2.0]]),
    (lambda t, a, b: t.minimum(a, b), [[1.0, 2.0, 3.0], [2.0, 2.0, 2.0]]),
    (lambda t, a, b: t.fmax(a, b), [[1.0, 2.0, 3.0, np.nan], [2.0, 2.0, 2.0, 1.0]]),
    (lambda t, a, b: t.fmin(a, b), [[1.0, 2.0, 3.0, 1.0], [2.0, 2.0, 2.0, np.nan]]),
    (lambda t, a, b: t.pow(a, b), [[0.0, 2.0, 0.0, 1.5], [0.0, 0.0, 2.0, 1.0]]),
    (lambda t, a, b: t.atan2(a, b), [[0.0, 1.0], [0.0, 0.0]]),
    (lambda t, a: t.logit(a, eps=0.2), [[0.1, 0.2, 0.5, 0.8, 0.9]]),
    (lambda t, a: t.sinc(a), [[0.0, 1.0]]),
    (lambda t, a, b: t.xlogy(a, b), [[0.0, 0.0, 2.0], [1.0, 2.0, 3.0]]),
])
def test_gradients_at_kinks_match_torch(fn, inputs):
    """Where the derivative is undefined (ties, bounds, 0), the gradient PyTorch picks."""
    r_in = [_t(x, dtype=reograd.float64, requires_grad=True) for x in inputs]
    t_in = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    r_out, t_out = fn(reograd, *r_in), fn(torch, *t_in)
    np.testing.assert_allclose(r_out.detach().numpy(), t_out.detach().numpy(), equal_nan=True)
    r_g = reograd.autograd.grad(r_out.sum(), r_in)
    t_g = torch.autograd.grad(t_out.sum(), t_in)
    for a, b in zip(r_g, t_g):
        np.testing.assert_allclose(a.numpy(), b.numpy(), equal_nan=True)


# ----------------------------------------------------------------------------- dtypes and errors
def test_integer_semantics_and_errors():
    i = _t([-2, 0, 3])
    assert reograd.floor(i).dtype is reograd.int64 and reograd.sign(i).tolist() == [-1, 0, 1]
    assert reograd.abs(i).tolist() == [2, 0, 3]
    assert reograd.sign(_t([True, False])).dtype is reograd.bool
    assert reograd.nan_to_num(i).dtype is reograd.int64
    for f in (reograd.exp, reograd.sin, reograd.erf, reograd.reciprocal, reograd.logit, reograd.deg2rad):
        assert f(i).dtype is reograd.float32
    with pytest.raises(NotImplementedError, match="frac"):
        reograd.frac(i)
    with pytest.raises(NotImplementedError, match="round"):
        reograd.round(i, decimals=1)
    with pytest.raises(TypeError, match="Tensor"):
        reograd.exp(2.0)


def test_where_errors_and_nonzero():
    with pytest.raises(RuntimeError, match="boolean"):
        reograd.where(_t([1, 0]), 1.0, 2.0)
    with pytest.raises(RuntimeError, match="where"):
        reograd.where(_t([True, False]), reograd.ones(3), 0.0)
    idx = reograd.where(_t([[True, False], [False, True]]))
    assert [x.tolist() for x in idx] == [[0, 1], [0, 1]]


def test_clamp_errors_and_inplace():
    with pytest.raises(RuntimeError, match="At least one"):
        reograd.clamp(_t([1.0]))
    x = _t([-2.0, 0.5, 3.0])
    assert x.clamp_(-1, 1) is x and x.tolist() == [-1.0, 0.5, 1.0]
    x.clip_(min=0.0)
    assert x.tolist() == [0.0, 0.5, 1.0]
    assert _t([1, 5]).clamp(2, 4).dtype is reograd.int64


def test_nan_propagation():
    n = float("nan")
    assert np.isnan(reograd.maximum(_t([n]), _t([1.0])).item())
    assert reograd.fmax(_t([n]), _t([1.0])).item() == 1.0
    assert np.isnan(reograd.clamp(_t([n]), 0, 1).item())


def test_inplace_methods_exist():
    for name in ["exp_", "log_", "sin_", "tan_", "erf_", "erfinv_", "floor_", "round_", "clamp_", "sigmoid_",
                 "abs_", "sqrt_", "rsqrt_", "reciprocal_", "frac_", "trunc_", "nan_to_num_", "lerp_", "addcdiv_",
                 "atan2_", "hypot_", "xlogy_", "remainder_", "fmod_", "floor_divide_", "logit_", "sinc_"]:
        assert hasattr(reograd.Tensor, name), name
    x = _t([0.25, 0.5])
    x.mul_(4).log2_().round_()
    assert x.tolist() == [0.0, 1.0]
