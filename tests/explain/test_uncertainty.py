"""MC dropout, deep ensembles, split conformal prediction and calibration."""
import math

import numpy as np
import pytest
from explain_helpers import arr

import reograd
from reograd import nn
from reograd.explain import (SplitConformalClassifier, SplitConformalRegressor, TemperatureScaling,
                             conformal_quantile, deep_ensemble_predict, expected_calibration_error,
                             interval_coverage, mc_dropout_predict, reliability_diagram, set_coverage)
from reograd.explain.calibration import calibration_bins
from reograd.explain.uncertainty import summarize


def dropout_net():
    net = nn.Sequential(nn.Linear(3, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 4))
    with reograd.no_grad():
        net(reograd.randn(64, 3) * 3 + 1)  # move the running statistics away from their init
    return net


def test_mc_dropout_keeps_batch_norm_in_eval_and_restores_modes():
    net = dropout_net()
    net.train()
    x = reograd.randn(5, 3)
    mean_before = net[1].running_mean.clone()
    est = mc_dropout_predict(net, x, T=30, task="regression")
    assert reograd.equal(net[1].running_mean, mean_before)  # batch norm did not update its statistics
    assert all(m.training for m in net.modules())           # modes restored
    assert est.samples.shape == (30, 5, 4)
    assert float(est.std.min()) > 0                         # dropout was on
    # batch norm uses its running statistics: changing one example leaves the others' samples unchanged
    x2 = x.clone()
    x2[4] = 100.0
    reograd.manual_seed(5)
    a = mc_dropout_predict(net, x, T=4, task="regression").samples
    reograd.manual_seed(5)
    b = mc_dropout_predict(net, x2, T=4, task="regression").samples
    np.testing.assert_allclose(arr(a[:, :4]), arr(b[:, :4]), rtol=1e-6)


def test_mc_dropout_batched_passes_and_statistics():
    net = dropout_net()
    x = reograd.randn(4, 3)
    a = mc_dropout_predict(net, x, T=400, samples_per_eval=50, task="regression")
    b = mc_dropout_predict(net, x, T=400, task="regression")
    np.testing.assert_allclose(arr(a.mean), arr(b.mean), atol=0.25 * float(b.std.max()))
    z = 1.959963984540054
    np.testing.assert_allclose(arr(a.upper - a.mean), z * arr(a.std), rtol=1e-5)
    np.testing.assert_allclose(arr(a.mean), arr(a.samples.mean(0)), rtol=1e-6)
    with pytest.raises(ValueError, match="no dropout modules"):
        mc_dropout_predict(nn.Linear(3, 2), x, T=3)


def test_classification_entropies():
    """Two passes that disagree completely: p_bar uniform, H = log 2, E[H] = 0, MI = log 2."""
    logits = reograd.tensor([[[30.0, -30.0]], [[-30.0, 30.0]]], dtype=reograd.float64)
    est = summarize(logits, task="classification")
    np.testing.assert_allclose(arr(est.predictive_entropy), [math.log(2)], rtol=1e-9)
    np.testing.assert_allclose(arr(est.expected_entropy), [0.0], atol=1e-12)
    np.testing.assert_allclose(arr(est.mutual_information), [math.log(2)], rtol=1e-9)
    agree = summarize(reograd.tensor([[[1.0, 0.0]], [[1.0, 0.0]]], dtype=reograd.float64), task="auto")
    assert agree.task == "classification" and abs(float(agree.mutual_information[0])) < 1e-12
    net = dropout_net()
    est = mc_dropout_predict(net, reograd.randn(6, 3), T=20)
    mi, h, eh = arr(est.mutual_information), arr(est.predictive_entropy), arr(est.expected_entropy)
    assert (mi >= -1e-6).all() and (h <= math.log(4) + 1e-6).all() and np.allclose(mi, h - eh, atol=1e-6)


def test_deep_ensemble_gaussian_mixture():
    class Gauss(nn.Module):
        def __init__(self, mu, var):
            super().__init__()
            self.mu, self.var = mu, var

        def forward(self, x):
            return self.mu * reograd.ones(x.shape[0]), self.var * reograd.ones(x.shape[0])
    members = [Gauss(0.0, 1.0), Gauss(2.0, 4.0)]
    est = deep_ensemble_predict(members, reograd.zeros(3, 1))
    # mixture: mean 1, variance mean(var) + var(mu) = 2.5 + 1
    np.testing.assert_allclose(arr(est.mean), [1.0] * 3)
    np.testing.assert_allclose(arr(est.variance), [3.5] * 3, rtol=1e-6)
    np.testing.assert_allclose(arr(est.aleatoric_variance), [2.5] * 3)
    np.testing.assert_allclose(arr(est.epistemic_variance), [1.0] * 3)
    plain = deep_ensemble_predict([nn.Linear(2, 1), nn.Linear(2, 1)], reograd.randn(4, 2), task="regression")
    assert plain.samples.shape == (2, 4, 1)


def test_conformal_quantile_rule():
    scores = reograd.arange(1, 10, dtype=reograd.float64)       # 1..9, n = 9
    assert conformal_quantile(scores, 0.1) == 9.0                # ceil(10 * 0.9) = 9th smallest
    assert conformal_quantile(scores, 0.5) == 5.0                # ceil(10 * 0.5) = 5th
    assert conformal_quantile(scores[:3], 0.1) == math.inf       # too few points for 90%
    with pytest.raises(ValueError, match="alpha"):
        conformal_quantile(scores, 1.5)


@pytest.mark.parametrize("alpha", [0.1, 0.2])
@pytest.mark.parametrize("score", ["absolute", "normalized"])
def test_regression_coverage_within_the_guarantee(alpha, score):
    """Averaged over 300 random calibration/test splits, the coverage lies in
    [1 - alpha, 1 - alpha + 1/(n+1)] up to the Monte-Carlo error."""
    rng = np.random.default_rng(0)
    n_cal, n_test = 100, 200
    covs = []
    for _ in range(300):
        x = rng.uniform(-2, 2, n_cal + n_test)
        sigma = 0.2 + 0.5 * np.abs(x)                  # heteroscedastic noise
        y = np.sin(x) + sigma * rng.standard_normal(x.shape)
        pred = np.sin(x)
        scale = sigma if score == "normalized" else None
        cp = SplitConformalRegressor(alpha, score).calibrate(pred[:n_cal], y[:n_cal],
                                                             None if scale is None else scale[:n_cal])
        lo, hi = cp.predict(pred[n_cal:], None if scale is None else scale[n_cal:])
        covs.append(interval_coverage(lo, hi, y[n_cal:]))
    mc = 3 * np.std(covs) / np.sqrt(len(covs))
    assert 1 - alpha - mc <= np.mean(covs) <= 1 - alpha + 1 / (n_cal + 1) + mc


@pytest.mark.parametrize("score", ["lac", "aps"])
def test_classification_sets_cover_within_the_guarantee(score):
    rng = np.random.default_rng(1)
    alpha, n_cal, n_test = 0.1, 150, 300
    covs, sizes = [], []
    for _ in range(150):
        logits = 2.0 * rng.standard_normal((n_cal + n_test, 5))
        p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
        y = (p.cumsum(1) > rng.uniform(size=(len(p), 1))).argmax(1)   # labels drawn from p
        cp = SplitConformalClassifier(alpha, score).calibrate(p[:n_cal], y[:n_cal])
        sets = cp.predict(p[n_cal:])
        covs.append(set_coverage(sets, y[n_cal:]))
        sizes.append(float(sets.sum(1).double().mean()))
    mc = 3 * np.std(covs) / np.sqrt(len(covs))
    assert 1 - alpha - mc <= np.mean(covs) <= 1 - alpha + 1 / (n_cal + 1) + mc
    assert 1 < np.mean(sizes) < 5


def test_ece_on_known_cases():
    # always 100% sure, right half the time: ECE = MCE = 0.5
    probs = reograd.tensor([[1.0, 0.0]] * 10, dtype=reograd.float64)
    labels = reograd.tensor([0, 1] * 5)
    assert abs(expected_calibration_error(probs, labels) - 0.5) < 1e-12
    assert abs(expected_calibration_error(probs, labels, norm="max") - 0.5) < 1e-12
    # a model that is calibrated by construction: labels drawn from its probabilities
    rng = np.random.default_rng(2)
    p1 = rng.uniform(0.5, 1.0, 20000)
    right = rng.uniform(size=p1.size) < p1            # class 0 is right with probability p1
    p = reograd.tensor(np.stack([p1, 1 - p1], 1))
    assert expected_calibration_error(p, reograd.tensor((~right).astype(int))) < 0.02
    assert expected_calibration_error(p, reograd.tensor(right.astype(int))) > 0.4
    # by hand, 2 bins: confidences 0.3 | 0.6, 0.9 -> bins (0, .5], (.5, 1]
    probs = reograd.tensor([0.3, 0.6, 0.9], dtype=reograd.float64)   # binary: P(class 1)
    conf = [0.7, 0.6, 0.9]
    labels = reograd.tensor([0, 0, 1])
    right = [1, 0, 1]
    b = calibration_bins(probs, labels, n_bins=2)
    assert b["count"] == [0, 3]
    assert abs(b["ece"] - abs(np.mean(right) - np.mean(conf))) < 1e-12


def test_temperature_scaling_finds_the_nll_minimum_and_keeps_the_argmax(tmp_path):
    scipy_opt = pytest.importorskip("scipy.optimize")
    rng = np.random.default_rng(3)
    true = 2.0 * rng.standard_normal((3000, 4))
    p = np.exp(true) / np.exp(true).sum(1, keepdims=True)
    y = (p.cumsum(1) > rng.uniform(size=(3000, 1))).argmax(1)
    logits = reograd.tensor(3.0 * true)                            # over-confident by a factor 3

    def nll(t):
        z = 3.0 * true / t
        z = z - z.max(1, keepdims=True)
        return -(z[np.arange(3000), y] - np.log(np.exp(z).sum(1))).mean()
    best = scipy_opt.minimize_scalar(nll, bounds=(0.05, 20), method="bounded", options={"xatol": 1e-8})
    ts = TemperatureScaling().fit(logits, y)
    assert abs(float(ts.temperature) - best.x) < 1e-3 and abs(best.x - 3.0) < 0.3
    before = expected_calibration_error(reograd.softmax(logits, 1), y)
    after = expected_calibration_error(reograd.softmax(ts(logits), 1), y)
    assert after < 0.5 * before
    assert reograd.equal(ts(logits).argmax(1), logits.argmax(1))
    assert list(ts.state_dict()) == ["temperature"]
    pytest.importorskip("matplotlib")
    out = reliability_diagram(reograd.softmax(logits, 1), y, n_bins=10, path=tmp_path / "rel.png")
    assert (tmp_path / "rel.png").stat().st_size > 1000 and len(out["accuracy"]) == 10
