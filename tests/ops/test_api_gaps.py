"""The commonly used PyTorch API that reograd lacked: views and scatters (select, as_strided,
slice/select/diagonal_scatter), statistics (quantile, cov, corrcoef, dist, pdist, histogram...),
calculus (diff, trapezoid), grids and combinatorics, number helpers, special functions with
gradients (lgamma, digamma, polygamma, mvlgamma, i0, special.i1/i0e/i1e), complex helpers on real
tensors, random fills and apply_/map_.

Differentiable ops: OpCases (gradcheck, gradgradcheck, jvp and torch parity). The rest: parity asserts
against torch on a few inputs, edge cases included.
"""
import math

import numpy as np
import pytest
from opcases import Arg, Fixed, Int, OpCase, Pos, make_tests

import reograd

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

try:
    import scipy.special as sps
except ImportError:  # pragma: no cover
    sps = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
S = (3, 4)


def _away(shape, low, high, **kw):
    """Values at least 0.1 from the integers in [low, high] (poles of the gamma family)."""
    return Arg(shape, low, high, avoid=tuple(float(i) for i in range(int(low) - 1, int(high) + 2)), **kw)


def _with_nan(shape, p=0.3, seed=5):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, shape)
    x[rng.random(shape) < p] = np.nan
    x.reshape(-1)[1] = 0.7  # at least one number in the first row
    return x


def _pdist_ref(a, p):
    """torch.pdist has neither double backward nor forward AD: its formula, in torch ops."""
    i, j = torch.triu_indices(a.shape[0], a.shape[0], 1)
    return torch.linalg.vector_norm(a[i] - a[j], p, dim=-1)


def _vander_ref(x, n, increasing):
    """torch.vander's double backward trips over its own in-place cumprod: its formula, in torch ops."""
    res = torch.cat([torch.ones(x.shape[0], 1, dtype=x.dtype), x.unsqueeze(1).expand(-1, n - 1).cumprod(1)], 1)
    return res if increasing else res.flip(1)


Q = Fixed(np.array([0.0, 0.25, 0.5, 0.9, 1.0]), grad=False)

CASES = [
    # ----------------------------------------------------------------------- views and scatters
    OpCase("select", lambda t, a: t.select(a, 1, -1), [S]),
    OpCase("select", lambda t, a: a.select(0, 2) * 2, [S], id="method"),
    OpCase("as_strided", lambda t, a: t.as_strided(a, (3, 3), (2, 1), 1), [(12,)], id="overlap"),
    OpCase("as_strided", lambda t, a: a.as_strided((2, 3), (1, 2)), [(2, 3)], id="transpose"),
    OpCase("slice_scatter", lambda t, a, b: t.slice_scatter(a, b, 1, 0, 4, 2), [S, (3, 2)]),
    OpCase("slice_scatter", lambda t, a, b: t.slice_scatter(a, b, start=-2), [S, (2, 4)], id="neg-start"),
    OpCase("select_scatter", lambda t, a, b: t.select_scatter(a, b, 0, 1), [S, (4,)]),
    OpCase("diagonal_scatter", lambda t, a, b: t.diagonal_scatter(a, b, 1), [S, (3,)]),
    OpCase("diagonal_scatter", lambda t, a, b: t.diagonal_scatter(a, b, -1, 1, 2), [(2, 3, 3), (2, 2)], id="batched"),
    OpCase("fill_diagonal_", lambda t, a: a.clone().fill_diagonal_(1.5), [S]),
    OpCase("fill_diagonal_", lambda t, a: a.clone().fill_diagonal_(-2.0, wrap=True), [(7, 2)], id="wrap"),
    OpCase("narrow_copy", lambda t, a: t.narrow_copy(a, 1, 1, 2), [S]),
    OpCase("sum_to_size", lambda t, a: a.sum_to_size(1, 4), [S]),
    OpCase("sum_to_size", lambda t, a: a.sum_to_size(4), [S], id="drop-lead"),
    OpCase("diagflat", lambda t, a: t.diagflat(a, 1), [(2, 2)]),
    OpCase("real", lambda t, a: t.real(a) * 3, [S]),
    OpCase("adjoint", lambda t, a: t.adjoint(a), [(2, 3, 4)]),
    # ----------------------------------------------------------------------- calculus and statistics
    OpCase("diff", lambda t, a: t.diff(a), [S]),
    OpCase("diff", lambda t, a: t.diff(a, n=2, dim=0), [(4, 3)], id="n2"),
    OpCase("diff", lambda t, a, p, q: t.diff(a, dim=0, prepend=p, append=q), [S, (1, 4), (2, 4)], id="pre-app"),
    OpCase("quantile", lambda t, a: t.quantile(a, 0.3), [(11,)]),
    OpCase("quantile", lambda t, a, q: t.quantile(a, q, dim=1, keepdim=True), [S, Q], id="q-tensor"),
    OpCase("quantile", lambda t, a: a.quantile(0.6, dim=0), [(5, 3)], id="method"),
    OpCase("quantile", lambda t, a, q: t.quantile(a, q, dim=-1, interpolation="lower"), [S, Q], id="lower"),
    OpCase("quantile", lambda t, a, q: t.quantile(a, q, dim=-1, interpolation="higher"), [S, Q], id="higher"),
    OpCase("quantile", lambda t, a, q: t.quantile(a, q, dim=-1, interpolation="midpoint"), [S, Q], id="midpoint"),
    OpCase("quantile", lambda t, a, q: t.quantile(a, q, dim=-1, interpolation="nearest"), [(3, 5), Q], id="nearest"),
    OpCase("quantile", lambda t, a: t.quantile(a, 0.5, keepdim=True), [S], id="all-keepdim"),
    OpCase("quantile", lambda t, a: t.quantile(a, 0.5, dim=1), [Fixed(lambda: _with_nan((3, 4)))], id="nan",
           grad=False),  # finite differences of a NaN row are NaN: backward parity is in test_quantile_nan_grad
    OpCase("nanquantile", lambda t, a: t.nanquantile(a, 0.4, dim=1), [Fixed(lambda: _with_nan((4, 5)))]),
    OpCase("nanquantile", lambda t, a, q: t.nanquantile(a, q, dim=0, interpolation="midpoint"),
           [Fixed(lambda: _with_nan((6, 3), seed=2)), Q], id="midpoint"),
    OpCase("cov", lambda t, a: t.cov(a), [(3, 6)]),
    OpCase("cov", lambda t, a: t.cov(a, correction=0), [(6,)], id="1d"),
    OpCase("cov", lambda t, a, f, w: t.cov(a, fweights=f, aweights=w), [(2, 5), Int((5,), 1, 4), Pos((5,))],
           id="weights"),
    OpCase("corrcoef", lambda t, a: t.corrcoef(a), [Fixed(lambda: np.random.default_rng(3).normal(size=(3, 6)))],
           double=False),  # the diagonal sits at the clip bound 1, where the two clamps may differ by rounding
    OpCase("dist", lambda t, a, b: t.dist(a, b), [S, (4,)]),
    OpCase("dist", lambda t, a, b: t.dist(a, b, 3), [S, S], id="p3"),
    OpCase("dist", lambda t, a, b: a.dist(b, 1), [Arg(S, avoid=(0.0,)), Fixed(np.zeros(4), grad=False)], id="p1",
           double=False),
    OpCase("dist", lambda t, a, b: t.dist(a, b, float("inf")), [S, S], id="inf"),
    OpCase("pdist", lambda t, a: t.pdist(a), [(4, 3)], torch_fn=lambda t, a: _pdist_ref(a, 2)),
    OpCase("pdist", lambda t, a: t.pdist(a, 1.5), [(3, 2)], id="p1.5", torch_fn=lambda t, a: _pdist_ref(a, 1.5)),
    OpCase("renorm", lambda t, a: t.renorm(a, 2, 0, 1.0), [Arg(S, -2, 2)]),
    OpCase("renorm", lambda t, a: a.renorm(1, 1, 1.5), [Arg(S, -1, 1, avoid=(0.0,))], id="p1"),
    OpCase("renorm", lambda t, a: (a * 1).renorm_(3, -1, 0.5), [S], id="inplace"),
    OpCase("trapezoid", lambda t, a: t.trapezoid(a), [S]),
    OpCase("trapezoid", lambda t, a, x: t.trapezoid(a, x, dim=0), [S, (3,)], id="x"),
    OpCase("trapezoid", lambda t, a, x: t.trapezoid(a, x), [S, S], id="x-full"),
    OpCase("trapezoid", lambda t, a: t.trapezoid(a, dx=0.5, dim=0), [S], id="dx"),
    OpCase("trapz", lambda t, a, x: t.trapz(a, x), [S, (4,)]),
    OpCase("cumulative_trapezoid", lambda t, a: t.cumulative_trapezoid(a, dx=2.0), [S]),
    OpCase("vander", lambda t, a: t.vander(a), [(4,)], torch_fn=lambda t, a: _vander_ref(a, 4, False)),
    OpCase("vander", lambda t, a: t.vander(a, N=3, increasing=True), [(3,)], id="inc",
           torch_fn=lambda t, a: _vander_ref(a, 3, True)),
    OpCase("vander", lambda t, a: t.vander(a, N=3), [Int((3,), -3, 4)], grad=False, id="int"),
    OpCase("combinations", lambda t, a: t.combinations(a), [(4,)]),
    OpCase("combinations", lambda t, a: t.combinations(a, 3, with_replacement=True), [(3,)], id="repl"),
    OpCase("cartesian_prod", lambda t, a, b: t.cartesian_prod(a, b), [(2,), (3,)]),
    OpCase("meshgrid", lambda t, a, b: t.meshgrid(a, b, indexing="ij"), [(2,), (3,)]),
    OpCase("meshgrid", lambda t, a, b, c: t.meshgrid(a, b, c, indexing="xy"), [(2,), (3,), (4,)], id="xy"),
    OpCase("block_diag", lambda t, a, b, c: t.block_diag(a, b, c), [(2, 2), (3,), ()]),
    # ----------------------------------------------------------------------- number helpers
    OpCase("float_power", lambda t, a, b: t.float_power(a, b), [Pos(S), S]),
    OpCase("float_power", lambda t, a: t.float_power(a, 3), [Arg(S, dtype="float32")], id="f32", grad=False),
    OpCase("float_power", lambda t, a: a.float_power(2), [Int((3,), -3, 4)], grad=False, id="int"),
    OpCase("rsub", lambda t, a, b: t.rsub(a, b, alpha=2), [S, (4,)]),
    OpCase("rsub", lambda t, a: t.rsub(a, 5), [S], id="scalar"),
    OpCase("frexp", lambda t, a: t.frexp(a), [Fixed(np.array([7.0, -3.0, 0.3, 1e-5, 1000.0, -0.7]))]),
    OpCase("angle", lambda t, a: t.angle(a), [Arg(S, avoid=(0.0,))], double=False),
    # ----------------------------------------------------------------------- special functions
    OpCase("lgamma", lambda t, a: t.lgamma(a), [Pos(S, 0.1, 8.0)]),
    OpCase("lgamma", lambda t, a: t.lgamma(a), [_away(S, -4, -0.1)], id="neg"),
    OpCase("lgamma", lambda t, a: t.lgamma(a), [Fixed(np.array([20.5, 50.0, 1e3, 0.001]))], id="big"),
    OpCase("digamma", lambda t, a: t.digamma(a), [Pos(S, 0.2, 12.0)]),
    OpCase("digamma", lambda t, a: a.digamma(), [_away(S, -3, -0.1)], id="neg"),
    OpCase("polygamma", lambda t, a: t.polygamma(1, a), [Pos(S, 0.2, 12.0)]),
    OpCase("polygamma", lambda t, a: t.polygamma(2, a), [Pos(S, 0.3, 5.0)], id="n2"),
    OpCase("polygamma", lambda t, a: a.polygamma(3), [Pos(S, 0.5, 30.0)], id="n3"),
    OpCase("polygamma", lambda t, a: t.polygamma(0, a), [Pos(S, 0.5, 3.0)], id="n0"),
    OpCase("mvlgamma", lambda t, a: t.mvlgamma(a, p=3), [Pos(S, 1.2, 5.0)]),
    OpCase("mvlgamma", lambda t, a: a.mvlgamma(1), [Pos(S, 0.2, 5.0)], id="p1"),
    OpCase("i0", lambda t, a: t.i0(a), [Arg(S, -4, 4)]),
    OpCase("i0", lambda t, a: a.i0(), [Fixed(np.array([-30.0, -21.0, 0.0, 19.5, 25.0, 60.0]))], id="wide"),
    OpCase("special.i1", lambda t, a: t.special.i1(a), [Arg(S, -4, 4)]),
    OpCase("special.i1", lambda t, a: t.special.i1(a), [Fixed(np.array([0.0, -25.0, 22.0]))], id="zero"),
    OpCase("special.i0e", lambda t, a: t.special.i0e(a), [Arg(S, -4, 4, avoid=(0.0,))]),
    OpCase("special.i1e", lambda t, a: t.special.i1e(a), [Arg(S, -30, 30, avoid=(0.0,))]),
    OpCase("special.gammaln", lambda t, a: t.special.gammaln(a), [Pos(S, 0.5, 4.0)]),
    OpCase("special.entr", lambda t, a: t.special.entr(a), [Pos(S, 0.1, 3.0)]),
    OpCase("special.ndtr", lambda t, a: t.special.ndtr(a), [S]),
    OpCase("special.ndtri", lambda t, a: t.special.ndtri(a), [Pos(S, 0.05, 0.95)]),
    OpCase("special.xlog1py", lambda t, a, b: t.special.xlog1py(a, b), [S, Pos(S)]),
    OpCase("special.multigammaln", lambda t, a: t.special.multigammaln(a, 2), [Pos(S, 1.0, 4.0)]),
]
globals().update(make_tests(CASES))


def _t(x, **kw):
    return reograd.tensor(x, **kw)


def _same(r, t, **kw):
    """reograd result r equals torch result t (values, shape, dtype name)."""
    assert tuple(r.shape) == tuple(t.shape), (tuple(r.shape), tuple(t.shape))
    assert str(r.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (r.dtype, t.dtype)
    np.testing.assert_allclose(r.detach().numpy(), t.detach().numpy(), equal_nan=True, **kw)


# ================================================================================ kernels against SciPy
@pytest.mark.skipif(sps is None, reason="scipy is not installed")
@pytest.mark.parametrize("lo,hi", [(1e-3, 0.9), (2.5, 13), (13, 200), (200, 1e7), (-33.9, -2.1), (-300, -35)])
def test_lgamma_digamma_accuracy(lo, hi):
    x = np.random.default_rng(0).uniform(lo, hi, 5000)
    np.testing.assert_allclose(reograd.lgamma(_t(x)).numpy(), sps.gammaln(x), rtol=1e-13)
    np.testing.assert_allclose(reograd.digamma(_t(x)).numpy(), sps.digamma(x), rtol=1e-11 if lo < 0 else 1e-13)


@pytest.mark.skipif(sps is None, reason="scipy is not installed")
def test_lgamma_digamma_near_their_zeros_absolute():
    x = np.linspace(0.5, 3.0, 2001)
    np.testing.assert_allclose(reograd.lgamma(_t(x)).numpy(), sps.gammaln(x), rtol=1e-13, atol=2e-15)
    np.testing.assert_allclose(reograd.digamma(_t(x)).numpy(), sps.digamma(x), rtol=1e-13, atol=4e-15)


@pytest.mark.skipif(sps is None, reason="scipy is not installed")
@pytest.mark.parametrize("n", [1, 2, 3, 4, 7])
def test_polygamma_accuracy(n):
    x = np.concatenate([np.random.default_rng(n).uniform(0.01, 50, 3000), [1e3, 1e6]])
    np.testing.assert_allclose(reograd.polygamma(n, _t(x)).numpy(), sps.polygamma(n, x), rtol=1e-13)
    neg = np.random.default_rng(n).uniform(-5, -0.05, 500)
    neg = neg[np.abs(neg - np.round(neg)) > 0.05]
    np.testing.assert_allclose(reograd.polygamma(n, _t(neg)).numpy(), sps.polygamma(n, neg), rtol=1e-11)


@pytest.mark.skipif(sps is None, reason="scipy is not installed")
def test_bessel_accuracy():
    x = np.concatenate([np.linspace(-700, 700, 4001), np.linspace(-25, 25, 2001)])
    np.testing.assert_allclose(reograd.i0(_t(x)).numpy(), sps.i0(x), rtol=1e-14)
    np.testing.assert_allclose(reograd.special.i1(_t(x)).numpy(), sps.i1(x), rtol=1e-14)
    np.testing.assert_allclose(reograd.special.i0e(_t(x)).numpy(), sps.i0e(x), rtol=1e-14)
    np.testing.assert_allclose(reograd.special.i1e(_t(x)).numpy(), sps.i1e(x), rtol=1e-14)
    assert reograd.i0(_t([800.0])).item() == math.inf


@needs_torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_special_values_match_torch(dtype):
    x = np.array([0.0, -0.0, -1.0, -2.5, 1.0, 2.0, np.inf, -np.inf, np.nan, 1e-30, -1e-30, 30.5], dtype=dtype)
    r, t = _t(x), torch.tensor(x)
    _same(reograd.lgamma(r), torch.lgamma(t), rtol=1e-6)
    _same(reograd.digamma(r), torch.digamma(t), rtol=1e-6)
    y = np.array([0.5, 3.0, 1e-3, 40.0, np.nan], dtype=dtype)
    for n in (1, 2, 5):
        _same(reograd.polygamma(n, _t(y)), torch.polygamma(n, torch.tensor(y)), rtol=1e-5)
    _same(reograd.i0(_t(y)), torch.i0(torch.tensor(y)), rtol=1e-6)
    # integers compute in the default float dtype
    _same(reograd.lgamma(_t([1, 2, 5])), torch.lgamma(torch.tensor([1, 2, 5])), rtol=1e-6)
    _same(reograd.i0(_t([1, 2])), torch.i0(torch.tensor([1, 2])), rtol=1e-6)


def test_special_errors():
    with pytest.raises(RuntimeError, match="negative n"):
        reograd.polygamma(-1, _t([1.0]))
    with pytest.raises(RuntimeError, match=r"greater than \(p-1\)/2"):
        reograd.mvlgamma(_t([0.4, 2.0]), 2)
    x = _t([1.5, 2.5])
    x.lgamma_()
    np.testing.assert_allclose(x.numpy(), [math.lgamma(1.5), math.lgamma(2.5)], rtol=1e-6)


# ================================================================================ views
def test_select_is_a_view_and_in_place_writes_flow():
    x = reograd.arange(6.0).reshape(2, 3)
    v = x.select(1, 0)
    v.mul_(10)
    np.testing.assert_array_equal(x.numpy(), [[0, 1, 2], [30, 4, 5]])
    with pytest.raises(IndexError, match="out of range"):
        x.select(0, 2)
    with pytest.raises(IndexError):
        reograd.tensor(1.0).select(0, 0)
    # a gradient through an in-place write on a selected row
    a = reograd.ones(2, 3, requires_grad=True)
    b = a * 1
    b.select(0, 1).mul_(3)
    b.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [[1, 1, 1], [3, 3, 3]])


@needs_torch
def test_as_strided_matches_torch_and_rejects_non_contiguous():
    base = np.arange(12.0)
    r = reograd.tensor(base).as_strided((3, 3), (2, 1), 1)
    t = torch.tensor(base).as_strided((3, 3), (2, 1), 1)
    _same(r, t)
    assert r.data_ptr() != 0 and np.shares_memory(r.numpy(), reograd.tensor(base).numpy()) is False
    x = reograd.arange(6.0)
    v = x.as_strided((2,), (2,))
    x[0] = 7.0
    assert v[0].item() == 7.0  # a view
    with pytest.raises(RuntimeError, match="contiguous"):
        reograd.arange(6.0).reshape(2, 3).t().as_strided((2,), (1,))
    with pytest.raises(RuntimeError, match="out of bounds"):
        reograd.arange(6.0).as_strided((3, 3), (2, 1))
    # overlapping windows: gradients add up
    a = reograd.arange(5.0, requires_grad=True)
    a.as_strided((2, 3), (1, 1)).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1, 2, 2, 1, 0])


def test_scatter_errors():
    with pytest.raises(RuntimeError, match="slice size"):
        reograd.slice_scatter(reograd.zeros(4), reograd.ones(3), start=2)
    with pytest.raises(RuntimeError, match="dtype"):
        reograd.slice_scatter(reograd.zeros(4), reograd.ones(2, dtype=reograd.int64), start=2)
    with pytest.raises(RuntimeError, match="diagonal size"):
        reograd.diagonal_scatter(reograd.zeros(3, 3), reograd.ones(2))
    with pytest.raises(IndexError, match="out of range"):
        reograd.select_scatter(reograd.zeros(2, 2), reograd.ones(2), 0, 5)


# ================================================================================ statistics (non-differentiable parts)
@needs_torch
def test_quantile_dtypes_shapes_and_errors():
    x = np.random.default_rng(0).normal(size=(3, 5)).astype(np.float32)
    for interp in ("linear", "lower", "higher", "midpoint", "nearest"):
        q = torch.tensor([0.1, 0.5, 0.75])
        _same(reograd.quantile(_t(x), _t(q.numpy()), dim=0, interpolation=interp),
              torch.quantile(torch.tensor(x), q, dim=0, interpolation=interp), rtol=1e-6)
    _same(reograd.quantile(_t(x), _t(np.float32(0.5))), torch.quantile(torch.tensor(x), torch.tensor(0.5)))
    _same(reograd.quantile(_t([2.0]), 0.3), torch.quantile(torch.tensor([2.0]), 0.3))
    _same(reograd.nanquantile(_t([np.nan, np.nan]), 0.3), torch.nanquantile(torch.tensor([np.nan, np.nan]), 0.3))
    with pytest.raises(RuntimeError, match="non-empty"):
        reograd.quantile(reograd.zeros(0), 0.5)
    with pytest.raises(RuntimeError, match=r"range \[0, 1\]"):
        reograd.quantile(reograd.zeros(3), 1.5)
    with pytest.raises(RuntimeError, match="float or double"):
        reograd.quantile(reograd.arange(3), 0.5)
    with pytest.raises(RuntimeError, match="same dtype"):
        reograd.quantile(reograd.zeros(3), reograd.tensor([0.5], dtype=reograd.float64))
    with pytest.raises(ValueError, match="interpolation"):
        reograd.quantile(reograd.zeros(3), 0.5, interpolation="cubic")


@needs_torch
def test_diff_edge_cases():
    for data, kw in [([1, 2, 4, 7], {}), ([1, 2, 4], {"n": 0}), ([1, 2, 4], {"n": 5}),
                     ([True, False, False, True], {}), ([[1, 2], [4, 8]], {"dim": 0})]:
        _same(reograd.diff(_t(data), **kw), torch.diff(torch.tensor(data), **kw))
    _same(reograd.diff(_t([1.0, 3.0]), prepend=_t([0.0]), append=_t([10.0])),
          torch.diff(torch.tensor([1.0, 3.0]), prepend=torch.tensor([0.0]), append=torch.tensor([10.0])))
    with pytest.raises(RuntimeError, match="one-dimensional"):
        reograd.diff(_t(1.0))


@needs_torch
def test_cov_corrcoef_edges():
    x = [[1.0, 2.0, 4.0]]
    _same(reograd.cov(_t(x)), torch.cov(torch.tensor(x)))
    _same(reograd.cov(_t([1, 2, 4])), torch.cov(torch.tensor([1, 2, 4])))
    with pytest.warns(UserWarning, match="degrees of freedom"):
        r = reograd.cov(_t(x), correction=3)
    assert r.item() == math.inf
    _same(reograd.corrcoef(_t([1.0, 2.0, 5.0])), torch.corrcoef(torch.tensor([1.0, 2.0, 5.0])))
    with pytest.raises(RuntimeError, match="two or fewer"):
        reograd.cov(reograd.zeros(2, 2, 2))


@needs_torch
def test_dist_pdist_edges():
    _same(reograd.dist(_t([1.0, 0.0]), _t([0.0, 0.0]), 0), torch.dist(torch.tensor([1.0, 0.0]), torch.zeros(2), 0))
    _same(reograd.pdist(reograd.zeros(1, 3)), torch.pdist(torch.zeros(1, 3)))
    _same(reograd.pdist(reograd.zeros(0, 3)), torch.pdist(torch.zeros(0, 3)))
    with pytest.raises(RuntimeError, match="2D"):
        reograd.pdist(reograd.zeros(3))


@needs_torch
def test_trapezoid_edges():
    _same(reograd.trapezoid(reograd.zeros(0)), torch.trapezoid(torch.zeros(0)))
    _same(reograd.trapezoid(_t([1, 2, 3])), torch.trapezoid(torch.tensor([1, 2, 3])))
    _same(reograd.trapezoid(_t([5.0])), torch.trapezoid(torch.tensor([5.0])))
    _same(reograd.trapz(_t([1.0, 2.0, 3.0]), dx=2.0), torch.trapz(torch.tensor([1.0, 2.0, 3.0]), dx=2.0))
    with pytest.raises(RuntimeError, match="one `x` value"):
        reograd.trapezoid(reograd.zeros(3), reograd.zeros(4))


@needs_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_histogram_matches_torch(dtype):
    x = np.random.default_rng(1).normal(size=200).astype(dtype)
    w = np.random.default_rng(2).uniform(size=200).astype(dtype)
    for kw in [dict(bins=7), dict(bins=5, range=(-1.0, 1.0)), dict(bins=4, density=True)]:
        rh, re = reograd.histogram(_t(x), **kw)
        th, te = torch.histogram(torch.tensor(x), **kw)
        _same(rh, th, rtol=1e-5)
        _same(re, te, rtol=1e-5)
    edges = np.array([-3.0, -0.5, 0.0, 0.25, 3.0], dtype=dtype)
    r = reograd.histogram(_t(x), _t(edges), weight=_t(w))
    t = torch.histogram(torch.tensor(x), torch.tensor(edges), weight=torch.tensor(w))
    _same(r.hist, t.hist, rtol=1e-5)
    _same(r.bin_edges, t.bin_edges)
    r = reograd.histogram(_t(np.array([1.0, 2.0, 1.0], dtype=dtype)), bins=4, range=(0.0, 3.0))
    np.testing.assert_array_equal(r.hist.numpy(), [0, 2, 1, 0])  # the last bin includes its right edge
    with pytest.raises(RuntimeError, match="floating-point"):
        reograd.histogram(reograd.arange(3), 2)


@needs_torch
def test_isin_matches_torch():
    a, b = [1, 2, 3, 4, 2], [2, 4, 9]
    _same(reograd.isin(_t(a), _t(b)), torch.isin(torch.tensor(a), torch.tensor(b)))
    _same(reograd.isin(_t(a), _t(b), invert=True), torch.isin(torch.tensor(a), torch.tensor(b), invert=True))
    _same(reograd.isin(_t(a), 2), torch.isin(torch.tensor(a), 2))
    _same(reograd.isin(2, _t(b)), torch.isin(2, torch.tensor(b)))
    _same(reograd.isin(reograd.zeros(0), _t([1.0])), torch.isin(torch.zeros(0), torch.tensor([1.0])))


# ================================================================================ grids, combinatorics
@needs_torch
def test_grids_and_combinatorics_edges():
    a, b = [1, 2, 3], [4, 5]
    for r, t in zip(reograd.meshgrid(_t(a), _t(b), indexing="xy"),
                    torch.meshgrid(torch.tensor(a), torch.tensor(b), indexing="xy")):
        _same(r, t)
    for r, t in zip(reograd.meshgrid([_t(a), _t(5)], indexing="ij"),
                    torch.meshgrid([torch.tensor(a), torch.tensor(5)], indexing="ij")):
        _same(r, t)
    _same(reograd.cartesian_prod(_t(a)), torch.cartesian_prod(torch.tensor(a)))
    _same(reograd.cartesian_prod(_t(a), _t(b), _t(a)), torch.cartesian_prod(torch.tensor(a), torch.tensor(b),
                                                                            torch.tensor(a)))
    for r, kw in [(2, {}), (3, {}), (0, {}), (2, {"with_replacement": True})]:
        _same(reograd.combinations(_t([1, 2]), r, **kw), torch.combinations(torch.tensor([1, 2]), r, **kw))
    _same(reograd.vander(_t([True, False])), torch.vander(torch.tensor([True, False])))
    _same(reograd.vander(_t([1.0, 2.0]), N=0), torch.vander(torch.tensor([1.0, 2.0]), N=0))
    _same(reograd.vander(_t([1, 2, 3]), N=1), torch.vander(torch.tensor([1, 2, 3]), N=1))
    for off in (0, 1, -2):
        _same(reograd.tril_indices(4, 3, off), torch.tril_indices(4, 3, off))
        _same(reograd.triu_indices(3, 5, off), torch.triu_indices(3, 5, off))
    _same(reograd.block_diag(_t([[1, 2]]), _t(3)), torch.block_diag(torch.tensor([[1, 2]]), torch.tensor(3)))
    _same(reograd.block_diag(_t([[1, 2]]), _t([1.5])), torch.block_diag(torch.tensor([[1, 2]]), torch.tensor([1.5])))
    _same(reograd.diagflat(_t(5)), torch.diagflat(torch.tensor(5)))
    x = np.arange(12.0).reshape(4, 3)
    r, t = _t(x), torch.tensor(x)
    r.fill_diagonal_(-1, wrap=True)
    t.fill_diagonal_(-1, wrap=True)
    _same(r, t)
    c = np.zeros((3, 3, 3))
    r, t = _t(c), torch.tensor(c)
    _same(r.fill_diagonal_(2.0), t.fill_diagonal_(2.0))
    with pytest.raises(RuntimeError, match="equal length"):
        reograd.zeros(2, 3, 3).fill_diagonal_(1.0)


# ================================================================================ number helpers and predicates
@needs_torch
def test_integer_and_float_helpers():
    a, b = [12, -18, 0, 7], [8, 27, 0, -3]
    for name in ("gcd", "lcm"):
        _same(getattr(reograd, name)(_t(a), _t(b)), getattr(torch, name)(torch.tensor(a), torch.tensor(b)))
        _same(getattr(reograd, name)(_t(a, dtype=reograd.int32), _t(4, dtype=reograd.int32)),
              getattr(torch, name)(torch.tensor(a, dtype=torch.int32), torch.tensor(4, dtype=torch.int32)))
        with pytest.raises(NotImplementedError, match="Float"):
            getattr(reograd, name)(_t([1.0]), _t([2.0]))
    x = [-1.5, 0.0, 2.0, 0.0]
    _same(reograd.heaviside(_t(x), _t([0.5])), torch.heaviside(torch.tensor(x), torch.tensor([0.5])))
    _same(reograd.heaviside(_t([-1, 0, 3]), _t(7)), torch.heaviside(torch.tensor([-1, 0, 3]), torch.tensor(7)))
    with pytest.raises(RuntimeError, match="different dtypes"):
        reograd.heaviside(_t([1.0]), _t([1]))
    for dt in ("float32", "float64"):
        u, v = np.array([1.0, 0.0, -2.0, 3.0], dtype=dt), np.array([2.0, -1.0, -2.0, 0.0], dtype=dt)
        _same(reograd.nextafter(_t(u), _t(v)), torch.nextafter(torch.tensor(u), torch.tensor(v)), rtol=0)
        m, e = reograd.frexp(_t(u))
        tm, te = torch.frexp(torch.tensor(u))
        _same(m, tm, rtol=0)
        _same(e, te)
    _same(reograd.float_power(2, _t([1, 2])), torch.float_power(2, torch.tensor([1, 2])))
    _same(reograd.rsub(_t([1, 2]), 5), torch.rsub(torch.tensor([1, 2]), 5))
    x = _t([1.0, 2.0], dtype=reograd.float64)
    x.float_power_(2)
    np.testing.assert_array_equal(x.numpy(), [1.0, 4.0])
    with pytest.raises(RuntimeError, match="float_power_"):
        _t([1.0]).float_power_(2)
    y = _t([3.0, 6.0])
    y.true_divide_(_t([2.0, 4.0]))
    np.testing.assert_array_equal(y.numpy(), [1.5, 1.5])


@needs_torch
def test_predicates_and_names():
    for dt in ("uint8", "int8", "int64", "float32", "bool"):
        assert reograd.zeros(1, dtype=getattr(reograd, dt)).is_signed() == torch.zeros(1, dtype=getattr(torch, dt)) \
            .is_signed()
        assert reograd.is_signed(reograd.zeros(1, dtype=getattr(reograd, dt))) == \
            torch.is_signed(torch.zeros(1, dtype=getattr(torch, dt)))
    assert reograd.is_nonzero(_t([2.0])) and not _t(0).is_nonzero() and _t([[True]]).is_nonzero()
    with pytest.raises(RuntimeError, match="no values"):
        reograd.is_nonzero(reograd.zeros(0))
    with pytest.raises(RuntimeError, match="more than one"):
        reograd.is_nonzero(reograd.zeros(2))
    assert reograd.zeros(2, 3).is_same_size(reograd.ones(2, 3)) and not reograd.is_same_size(reograd.zeros(2),
                                                                                            reograd.zeros(3))
    assert reograd.typename(reograd.zeros(2)) == reograd.zeros(2).type() == "reograd.FloatTensor"
    assert reograd.typename(reograd.zeros(2, dtype=reograd.int64)).endswith("LongTensor")
    assert reograd.typename(3) == torch.typename(3) == "int"
    assert reograd.typename(math.sqrt) == torch.typename(math.sqrt) == "math.sqrt"
    assert reograd.typename(np.zeros(1)) == torch.typename(np.zeros(1))
    with pytest.raises(RuntimeError, match="not expandable"):
        reograd.ones(2, 3).sum_to_size(2, 2)
    parts = reograd.unsafe_split(reograd.arange(5), 2)
    assert [p.tolist() for p in parts] == [p.tolist() for p in torch.unsafe_split(torch.arange(5), 2)]
    parts = reograd.arange(6).unsafe_chunk(4)
    assert [p.tolist() for p in parts] == [p.tolist() for p in torch.arange(6).unsafe_chunk(4)]
    r = reograd.narrow_copy(reograd.arange(5), 0, 1, 2)
    assert r.tolist() == [1, 2] and r.data_ptr() != reograd.arange(5).data_ptr()


@needs_torch
def test_complex_helpers_on_real_tensors():
    x = reograd.tensor([[-1.0, 0.0], [2.0, np.nan]])
    tx = torch.tensor([[-1.0, 0.0], [2.0, np.nan]])
    assert x.real is x and reograd.real(x) is x
    assert reograd.conj(x) is x and x.conj() is x and x.resolve_conj() is x and x.resolve_neg() is x
    assert not x.is_conj() and not reograd.is_neg(x)
    with pytest.raises(RuntimeError, match="non-complex"):
        _ = x.imag
    with pytest.raises(RuntimeError, match="non-complex"):
        reograd.imag(x)
    _same(reograd.angle(x), torch.angle(tx))
    _same(reograd.angle(_t([-3, 0, 2])), torch.angle(torch.tensor([-3, 0, 2])))
    _same(x.adjoint(), tx.adjoint())
    with pytest.raises(RuntimeError, match="matrices"):
        reograd.adjoint(reograd.zeros(3))
    # complex tensors: real/imag are views, conj conjugates
    c = reograd.complex(_t([1.0, 2.0]), _t([3.0, -4.0]))
    tc = torch.complex(torch.tensor([1.0, 2.0]), torch.tensor([3.0, -4.0]))
    _same(c.real, tc.real)
    _same(c.imag, tc.imag)
    _same(reograd.conj(c), tc.conj().resolve_conj())
    c2, tc2 = c.clone(), tc.clone()
    c2.conj_physical_()
    _same(c2, tc2.conj_physical_())
    _same(reograd.angle(c), torch.angle(tc))


# ================================================================================ random fills, apply_/map_
def test_random_fills():
    reograd.manual_seed(0)
    x = reograd.empty(20000, dtype=reograd.float64)
    x.log_normal_(0.5, 0.25)
    assert abs(np.log(x.numpy()).mean() - 0.5) < 0.01 and abs(np.log(x.numpy()).std() - 0.25) < 0.01
    x.cauchy_(2.0, 0.5)
    assert abs(np.median(x.numpy()) - 2.0) < 0.05
    x.geometric_(0.25)
    assert x.numpy().min() >= 1 and abs(x.numpy().mean() - 4.0) < 0.15
    g = reograd.empty(5, dtype=reograd.int64).geometric_(0.5)
    assert g.dtype is reograd.int64
    reograd.manual_seed(3)
    a = reograd.empty(4).cauchy_()
    reograd.manual_seed(3)
    assert a.tolist() == reograd.empty(4).cauchy_().tolist()
    with pytest.raises(RuntimeError, match="std > 0"):
        reograd.empty(2).log_normal_(0, -1)
    with pytest.raises(RuntimeError, match=r"\(0, 1\)"):
        reograd.empty(2).geometric_(1.5)
    w = reograd.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        w.cauchy_()


@needs_torch
def test_apply_and_map():
    x, tx = reograd.arange(6).reshape(2, 3), torch.arange(6).reshape(2, 3)
    assert x.apply_(lambda v: v * v + 1) is x
    tx.apply_(lambda v: v * v + 1)
    _same(x, tx)
    y, ty = reograd.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.0, 3.0])
    y.map_(_t([10.0, 20.0, 30.0]), lambda a, b: a * b - 1)
    ty.map_(torch.tensor([10.0, 20.0, 30.0]), lambda a, b: a * b - 1)
    _same(y, ty)
    z = reograd.zeros(2, 3)
    z.map_(_t([1.0, 2.0, 3.0]), lambda a, b: b)
    np.testing.assert_array_equal(z.numpy(), [[1, 2, 3], [1, 2, 3]])
    t = reograd.arange(6.0).reshape(2, 3).t()
    t.apply_(lambda v: -v)
    np.testing.assert_array_equal(t.numpy(), -np.arange(6.0).reshape(2, 3).T)
    with pytest.raises(RuntimeError, match="requires grad"):
        reograd.ones(2, requires_grad=True).apply_(abs)


@needs_torch
@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
def test_quantile_nan_grad(name):
    """A NaN row: quantile picks the NaN (gradient 1 there), nanquantile skips NaNs; both as torch."""
    x = _with_nan((4, 5))
    q = np.array([0.2, 0.5, 1.0])
    r = reograd.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    ro = getattr(reograd, name)(r, _t(q), dim=1)
    to = getattr(torch, name)(t, torch.tensor(q), dim=1)
    _same(ro, to, rtol=1e-12)
    up = np.random.default_rng(0).normal(size=to.shape)
    (gr,) = reograd.autograd.grad(ro, r, _t(up))
    (gt,) = torch.autograd.grad(to, t, torch.tensor(up))
    np.testing.assert_allclose(gr.numpy(), gt.numpy(), rtol=1e-12)
