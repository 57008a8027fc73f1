"""FeatureAblation, FeaturePermutation, Occlusion, Lime, KernelShap and the linear surrogates."""
import itertools
import math

import numpy as np
import pytest
from explain_helpers import arr, close, mlp, pair, small_cnn, twin

import reograd
from reograd import nn
from reograd.explain import FeatureAblation, FeaturePermutation, KernelShap, Lime, Occlusion
from reograd.explain.surrogate import Lasso, LinearRegression, Ridge


def linear_model():
    lin = nn.Linear(6, 1).double()
    return lin, lambda x: lin(x)[:, 0]


def test_ablation_of_a_linear_model_is_weight_times_delta():
    lin, f = linear_model()
    x = reograd.randn(3, 6, dtype=reograd.float64)
    want = arr(lin.weight[0] * (x - 0.5))
    np.testing.assert_allclose(arr(FeatureAblation(f).attribute(x, baselines=0.5)), want, rtol=1e-10)
    np.testing.assert_allclose(arr(FeatureAblation(f).attribute(x, baselines=0.5, perturbations_per_eval=4)), want,
                               rtol=1e-10)
    # a group's attribution is shared by its members: the sum of their terms
    mask = reograd.tensor([[0, 0, 1, 1, 1, 2]])
    got = arr(FeatureAblation(f).attribute(x, baselines=0.5, feature_mask=mask))
    np.testing.assert_allclose(got[:, 0], want[:, :2].sum(1), rtol=1e-10)
    np.testing.assert_allclose(got[:, 3], want[:, 2:5].sum(1), rtol=1e-10)


def test_occlusion_averages_over_the_windows_covering_each_element():
    """For F = sum of the input, occluding a window changes F by the window's sum; each element's mean
    over its windows (1-D, window 2, stride 1)."""
    x = reograd.tensor([[1.0, 2.0, 3.0, 4.0]], dtype=reograd.float64)
    got = arr(Occlusion(lambda t: t.sum(1)).attribute(x, sliding_window_shapes=(2,)))
    # windows [0:2]=3, [1:3]=5, [2:4]=7; element 0 in {3}, 1 in {3,5}, 2 in {5,7}, 3 in {7}
    np.testing.assert_allclose(got, [[3.0, 4.0, 6.0, 7.0]])
    with pytest.raises(ValueError, match="larger than"):
        Occlusion(lambda t: t.sum(1)).attribute(x, sliding_window_shapes=(5,))
    with pytest.raises(ValueError, match="skip elements"):
        Occlusion(lambda t: t.sum(1)).attribute(x, sliding_window_shapes=(1,), strides=2)


def test_permutation_importance_finds_the_used_feature():
    g = reograd.Generator().manual_seed(0)
    x = reograd.randn(200, 3, generator=g)
    err = lambda t: ((t[:, 1] * 3 - (x[:, 1] * 3)) ** 2).mean()  # noqa: E731  (a loss: one number per batch)
    imp = arr(FeaturePermutation(err).attribute(x))
    assert imp.shape == (1, 3)
    assert imp[0, 1] < -1.0 and abs(imp[0, 0]) < 1e-12 and abs(imp[0, 2]) < 1e-12
    with pytest.raises(ValueError, match="batch of one"):
        FeaturePermutation(err).attribute(x[:1])


def exact_shapley(f, m):
    phi = np.zeros(m)
    for j in range(m):
        for sub in itertools.product([0, 1], repeat=m):
            if sub[j]:
                continue
            k = sum(sub)
            w = math.factorial(k) * math.factorial(m - k - 1) / math.factorial(m)
            on = np.array(sub)
            on2 = on.copy()
            on2[j] = 1
            phi[j] += w * (f(on2) - f(on))
    return phi


def test_kernel_shap_recovers_exact_shapley_values():
    reograd.manual_seed(0)
    model = mlp(nn, d_in=6).double()
    x = reograd.randn(1, 6, dtype=reograd.float64)
    mask = reograd.tensor([[0, 0, 1, 2, 2, 3]])

    def coalition(z):
        keep = reograd.tensor(z, dtype=reograd.float64)[mask]
        with reograd.no_grad():
            return float(model(keep * x)[0, 1])
    phi = exact_shapley(coalition, 4)
    # every coalition once, weighted by the Shapley kernel: the regression gives the exact values
    ks = KernelShap(model)

    def every_coalition(inp, **kw):
        yield from (reograd.tensor([z]) for z in itertools.product([1, 0], repeat=4))

    def shapley_kernel(_, __, z, **kw):
        k = int(z.sum())
        return ks.inf_weight if k in (0, 4) else 3 / (math.comb(4, k) * k * (4 - k))
    ks.perturb_func, ks.similarity_func = every_coalition, shapley_kernel
    exact = arr(ks.attribute(x, target=1, feature_mask=mask, n_samples=16, return_input_shape=False))
    np.testing.assert_allclose(exact[0], phi, atol=1e-5)
    # the default sampler: k ~ (M - 1) / (k (M - k)), then k random features
    got = arr(KernelShap(model).attribute(x, target=1, feature_mask=mask, n_samples=2000, return_input_shape=False))
    np.testing.assert_allclose(got[0], phi, atol=5e-3)
    # efficiency: the values sum to F(x) - F(baseline)
    assert abs(got.sum() - (coalition([1] * 4) - coalition([0] * 4))) < 1e-4
    shaped = arr(KernelShap(model).attribute(x, target=1, feature_mask=mask, n_samples=200))
    assert shaped.shape == (1, 6) and shaped[0, 0] == shaped[0, 1]


def test_lime_batch_fits_one_surrogate_per_example():
    lin, f = linear_model()
    x = reograd.randn(3, 6, dtype=reograd.float64)
    got = arr(Lime(f, interpretable_model=LinearRegression()).attribute(x, n_samples=60, baselines=0.0))
    np.testing.assert_allclose(got, arr(lin.weight[0] * x), rtol=1e-6, atol=1e-9)


def test_lasso_and_ridge_minimise_their_objectives():
    scipy_opt = pytest.importorskip("scipy.optimize")
    rng = np.random.default_rng(0)
    Z = rng.integers(0, 2, (80, 5)).astype(float)
    y = Z @ np.array([1.0, -0.5, 0.0, 0.02, 2.0]) + 0.3 + 0.05 * rng.standard_normal(80)
    w = rng.uniform(0.1, 1.0, 80)
    alpha = 0.05
    las = Lasso(alpha=alpha, tol=1e-10, max_iter=10000).fit(Z, y, w)

    def lasso_obj(p):
        r = y - p[0] - Z @ p[1:]
        return (w * r * r).sum() / (2 * w.sum()) + alpha * np.abs(p[1:]).sum()
    best = scipy_opt.minimize(lasso_obj, np.zeros(6), method="Powell", options={"xtol": 1e-10, "ftol": 1e-14,
                                                                                 "maxiter": 100000})
    assert lasso_obj(np.r_[las.intercept_, las.coef_]) <= best.fun + 1e-9
    assert las.coef_[2] == 0.0  # the L1 penalty zeroes the unused feature
    rid = Ridge(alpha=2.0).fit(Z, y, w)

    def ridge_obj(p):
        r = y - p[0] - Z @ p[1:]
        return (w * r * r).sum() + 2.0 * (p[1:] ** 2).sum()
    best = scipy_opt.minimize(ridge_obj, np.zeros(6), method="BFGS", options={"gtol": 1e-10})
    np.testing.assert_allclose(np.r_[rid.intercept_, rid.coef_], best.x, atol=1e-5)
    import scipy.linalg

    lr = LinearRegression().fit(Z, y, w)
    A = np.c_[np.ones(80), Z] * np.sqrt(w)[:, None]
    np.testing.assert_allclose(np.r_[lr.intercept_, lr.coef_], scipy.linalg.lstsq(A, y * np.sqrt(w))[0], atol=1e-10)
    with pytest.raises(ValueError, match="sample_weight"):
        LinearRegression().fit(Z, y, -w)


# ------------------------------------------------------------------------------------- Captum parity
@pytest.mark.parity
@pytest.mark.parametrize("ppe", [1, 4])
def test_feature_ablation_matches_captum(captum, ppe):
    ours, theirs = twin(small_cnn)
    x, xt = pair(np.random.default_rng(0).standard_normal((3, 2, 7, 8)))
    close(FeatureAblation(ours).attribute(x, target=1, baselines=0.5, perturbations_per_eval=ppe),
          captum.FeatureAblation(theirs).attribute(xt, target=1, baselines=0.5, perturbations_per_eval=ppe))
    m, mt = pair(np.random.default_rng(1).integers(0, 5, (1, 2, 7, 8)), dtype=np.int64)
    close(FeatureAblation(ours).attribute(x, target=[0, 1, 2], feature_mask=m),
          captum.FeatureAblation(theirs).attribute(xt, target=[0, 1, 2], feature_mask=mt))
    # a forward function returning one number for the batch: attributions with one row
    got = FeatureAblation(lambda t: ours(t)[:, 0].sum()).attribute(x, feature_mask=m)
    close(got, captum.FeatureAblation(lambda t: theirs(t)[:, 0].sum()).attribute(xt, feature_mask=mt))
    assert got.shape == (1, 2, 7, 8)


@pytest.mark.parity
def test_feature_ablation_across_tensors_matches_captum(captum):
    lin_r, lin_t = twin(lambda nn: nn.Linear(4, 2))
    rng = np.random.default_rng(2)
    a, at = pair(rng.standard_normal((3, 2)))
    b, bt = pair(rng.standard_normal((3, 2)))
    ma, mat = pair([[0, 1]], dtype=np.int64)
    mb, mbt = pair([[1, 2]], dtype=np.int64)   # feature 1 spans both inputs
    got = FeatureAblation(lambda u, v: lin_r(reograd.cat([u, v], 1))).attribute((a, b), target=1,
                                                                                feature_mask=(ma, mb))
    want = captum.FeatureAblation(lambda u, v: lin_t(__import__("torch").cat([u, v], 1))).attribute(
        (at, bt), target=1, feature_mask=(mat, mbt))
    close(got, want)


@pytest.mark.parity
@pytest.mark.parametrize("window,strides", [((1, 3, 3), (1, 2, 2)), ((2, 2, 4), 1), ((1, 4, 3), (1, 3, 2))])
def test_occlusion_matches_captum(captum, window, strides):
    ours, theirs = twin(small_cnn)
    x, xt = pair(np.random.default_rng(3).standard_normal((3, 2, 7, 8)))
    close(Occlusion(ours).attribute(x, window, strides, target=2, baselines=0.1, perturbations_per_eval=3),
          captum.Occlusion(theirs).attribute(xt, window, strides, target=2, baselines=0.1, perturbations_per_eval=3))


@pytest.mark.parity
def test_feature_permutation_matches_captum(captum):
    ours, theirs = twin(small_cnn)
    x, xt = pair(np.random.default_rng(4).standard_normal((4, 2, 7, 8)))
    m, mt = pair(np.random.default_rng(5).integers(0, 6, (1, 2, 7, 8)), dtype=np.int64)
    roll = lambda t, mask: t.roll(1, 0) * mask + t * (~mask)  # noqa: E731  (the same "random" permutation)
    close(FeaturePermutation(ours, roll).attribute(x, target=0, feature_mask=m),
          captum.FeaturePermutation(theirs, roll).attribute(xt, target=0, feature_mask=mt))


class _CaptumLinearRegression:
    """Captum's interpretable-model interface around our LinearRegression (sklearn is not installed)."""

    def __init__(self):
        self.m = LinearRegression()

    def fit(self, loader):
        z, y, w = next(iter(loader))
        self.m.fit(z.numpy(), y.numpy(), w.numpy())

    def representation(self):
        import torch

        return torch.tensor(self.m.coef_.reshape(1, -1))


def _shared_samples(m, n, seed):
    rng = np.random.default_rng(seed)
    samples = [rng.integers(0, 2, (1, m)) for _ in range(n)]

    def ours(inp, **kw):
        for z in samples:
            yield reograd.tensor(z)

    def theirs(inp, **kw):
        import torch

        for z in samples:
            yield torch.tensor(z)
    return ours, theirs


@pytest.mark.parity
@pytest.mark.parametrize("batch", [1, 2])
def test_lime_matches_captum_on_the_same_samples(captum, batch):
    ours, theirs = twin(lambda nn: mlp(nn, d_in=6))
    x, xt = pair(np.random.default_rng(6).standard_normal((batch, 6)))
    m, mt = pair([[0, 0, 1, 2, 2, 3]], dtype=np.int64)
    g_ours, g_theirs = _shared_samples(4, 40, 7)
    got = Lime(ours, interpretable_model=LinearRegression(), perturb_func=g_ours).attribute(
        x, target=1, feature_mask=m, n_samples=40, baselines=0.3, perturbations_per_eval=7)
    want = captum.Lime(theirs, interpretable_model=_CaptumLinearRegression(), perturb_func=g_theirs).attribute(
        xt, target=1, feature_mask=mt, n_samples=40, baselines=0.3, perturbations_per_eval=7)
    close(got, want)


@pytest.mark.parity
def test_kernel_shap_matches_captum_on_the_same_samples(captum):
    ours, theirs = twin(lambda nn: mlp(nn, d_in=6))
    x, xt = pair(np.random.default_rng(8).standard_normal((1, 6)))
    m, mt = pair([[0, 1, 1, 2, 3, 3]], dtype=np.int64)
    rng = np.random.default_rng(9)
    samples = [np.ones((1, 4), int), np.zeros((1, 4), int)] + [rng.integers(0, 2, (1, 4)) for _ in range(30)]
    import torch

    def g_ours(inp, **kw):
        yield from (reograd.tensor(z) for z in samples)

    def g_theirs(inp, **kw):
        yield from (torch.tensor(z) for z in samples)
    ks = KernelShap(ours)
    ks.perturb_func = g_ours
    cks = captum.KernelShap(theirs)
    cks.interpretable_model = _CaptumLinearRegression()
    cks.perturb_func = g_theirs
    close(ks.attribute(x, target=2, feature_mask=m, n_samples=32, baselines=-0.2),
          cks.attribute(xt, target=2, feature_mask=mt, n_samples=32, baselines=-0.2))
