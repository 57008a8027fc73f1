"""Split conformal prediction (Vovk et al. 2005; Lei et al. 2018; Angelopoulos & Bates 2021).

Given any fitted predictor, a calibration set of n points not used for training, and nonconformity
scores ``s_i = s(x_i, y_i)``, let ``q`` be the ceil((n + 1)(1 - alpha))-th smallest score. For a new
exchangeable point, the set ``{y : s(x, y) <= q}`` contains the true y with probability

    1 - alpha <= P(y in C(x)) <= 1 - alpha + 1 / (n + 1)

(marginally over calibration and test data; the upper bound holds when scores have no ties).

- Regression, ``score="absolute"``: s = |y - y^|, interval y^ -/+ q.
- Regression, ``score="normalized"``: s = |y - y^| / sigma(x) with a per-point scale (an MC-dropout
  std, say): interval y^ -/+ q sigma(x), wider where the model is unsure.
- Classification, ``score="lac"``: s = 1 - p_y (smallest sets; Sadinle et al. 2019).
- Classification, ``score="aps"``: s = the probability mass of the classes at least as likely as y
  (adaptive sets, Romano et al. 2020; without randomisation).
"""
from __future__ import annotations

import math

import reograd

__all__ = ["conformal_quantile", "SplitConformalRegressor", "SplitConformalClassifier", "interval_coverage",
           "set_coverage"]


def _tensor(x, name, caller):
    if isinstance(x, reograd.Tensor):
        return x.detach().to(reograd.float64)
    try:
        return reograd.tensor(x, dtype=reograd.float64)
    except Exception:  # noqa: BLE001
        raise TypeError(f"{caller}: {name} must be a Tensor or array-like, got {type(x).__name__}") from None


def _check_alpha(alpha, caller):
    if not 0 < alpha < 1:
        raise ValueError(f"{caller}: alpha must be in (0, 1), got {alpha}")


def conformal_quantile(scores, alpha):
    """The ceil((n + 1)(1 - alpha))-th smallest of the n calibration scores (inf when that exceeds n:
    too few calibration points for this alpha)."""
    _check_alpha(alpha, "conformal_quantile")
    s = _tensor(scores, "scores", "conformal_quantile").reshape(-1)
    n = s.numel()
    if n == 0:
        raise ValueError("conformal_quantile: no calibration scores")
    k = math.ceil((n + 1) * (1 - alpha))
    if k > n:
        return math.inf
    return float(s.sort()[0][k - 1])


class SplitConformalRegressor:
    """Prediction intervals with guaranteed marginal coverage ``>= 1 - alpha`` around any regressor's
    predictions (module docstring).

    >>> cp = SplitConformalRegressor(alpha=0.1).calibrate(model(x_cal), y_cal)
    >>> lower, upper = cp.predict(model(x_test))
    >>> interval_coverage(lower, upper, y_test)      # about 0.9
    """

    def __init__(self, alpha=0.1, score="absolute"):
        _check_alpha(alpha, "SplitConformalRegressor")
        if score not in ("absolute", "normalized"):
            raise ValueError(f"SplitConformalRegressor: score must be 'absolute' or 'normalized', got {score!r}")
        self.alpha, self.score = alpha, score
        self.quantile_ = None
        self.n_calibration_ = 0

    def _scale(self, scale, n, caller):
        if self.score == "absolute":
            return None
        if scale is None:
            raise ValueError(f"{caller}: score='normalized' needs scale (a positive spread per point)")
        sc = _tensor(scale, "scale", caller).reshape(-1)
        if sc.numel() != n or bool((sc <= 0).any()):
            raise ValueError(f"{caller}: scale must hold {n} positive numbers")
        return sc

    def calibrate(self, predictions, targets, scale=None):
        """Compute ``q`` from the calibration predictions and targets (and scales); returns ``self``."""
        caller = "SplitConformalRegressor.calibrate"
        p = _tensor(predictions, "predictions", caller).reshape(-1)
        y = _tensor(targets, "targets", caller).reshape(-1)
        if p.numel() != y.numel():
            raise ValueError(f"{caller}: {p.numel()} predictions but {y.numel()} targets")
        s = (y - p).abs()
        sc = self._scale(scale, p.numel(), caller)
        if sc is not None:
            s = s / sc
        self.quantile_ = conformal_quantile(s, self.alpha)
        self.n_calibration_ = p.numel()
        return self

    def predict(self, predictions, scale=None):
        """``(lower, upper)`` intervals (float64 Tensors of the predictions' shape)."""
        caller = "SplitConformalRegressor.predict"
        if self.quantile_ is None:
            raise RuntimeError(f"{caller}: call calibrate first")
        p = _tensor(predictions, "predictions", caller)
        sc = self._scale(scale, p.numel(), caller)
        half = self.quantile_ if sc is None else self.quantile_ * sc.reshape(p.shape)
        return p - half, p + half


class SplitConformalClassifier:
    """Prediction sets with guaranteed coverage ``>= 1 - alpha`` from any classifier's probabilities
    (``score="lac"`` or ``"aps"``, module docstring).

    >>> cp = SplitConformalClassifier(alpha=0.1).calibrate(probs_cal, y_cal)
    >>> sets = cp.predict(probs_test)            # bool (N, C)
    >>> set_coverage(sets, y_test), sets.sum(1).float().mean()
    """

    def __init__(self, alpha=0.1, score="lac"):
        _check_alpha(alpha, "SplitConformalClassifier")
        if score not in ("lac", "aps"):
            raise ValueError(f"SplitConformalClassifier: score must be 'lac' or 'aps', got {score!r}")
        self.alpha, self.score = alpha, score
        self.quantile_ = None
        self.n_calibration_ = 0

    def scores(self, probs):
        """The nonconformity score of every class for every example, (N, C)."""
        p = _tensor(probs, "probs", "SplitConformalClassifier")
        if p.dim() != 2:
            raise ValueError(f"SplitConformalClassifier: probs must be (N, C), got shape {tuple(p.shape)}")
        if self.score == "lac":
            return 1 - p
        # mass of the classes at least as likely as each class: sum_k p_k [p_k >= p_j]
        return (p.unsqueeze(1) * (p.unsqueeze(1) >= p.unsqueeze(2)).to(p.dtype)).sum(2)

    def calibrate(self, probs, labels):
        """Compute ``q`` from calibration probabilities (N, C) and labels (N,); returns ``self``."""
        s = self.scores(probs)
        y = reograd.as_tensor(labels).long().reshape(-1)
        if y.numel() != s.shape[0]:
            raise ValueError(f"SplitConformalClassifier.calibrate: {s.shape[0]} examples but {y.numel()} labels")
        self.quantile_ = conformal_quantile(s.gather(1, y.reshape(-1, 1)).reshape(-1), self.alpha)
        self.n_calibration_ = y.numel()
        return self

    def predict(self, probs):
        """The prediction sets: a bool Tensor (N, C), True for the classes in each set."""
        if self.quantile_ is None:
            raise RuntimeError("SplitConformalClassifier.predict: call calibrate first")
        return self.scores(probs) <= self.quantile_


def interval_coverage(lower, upper, targets):
    """The fraction of targets inside their ``[lower, upper]`` interval."""
    y = _tensor(targets, "targets", "interval_coverage").reshape(-1)
    lo = _tensor(lower, "lower", "interval_coverage").reshape(-1)
    hi = _tensor(upper, "upper", "interval_coverage").reshape(-1)
    return float(((y >= lo) & (y <= hi)).to(reograd.float64).mean())


def set_coverage(sets, labels):
    """The fraction of labels inside their prediction set (``sets``: bool (N, C))."""
    y = reograd.as_tensor(labels).long().reshape(-1, 1)
    return float(sets.gather(1, y).to(reograd.float64).mean())
