"""Weighted linear surrogates for LIME and Kernel SHAP, fitted in closed form or by coordinate descent
(no external ML library).

With samples ``z_i`` (rows of Z, the interpretable binary vectors), targets ``y_i`` (the model's
outputs) and weights ``w_i`` (the similarity kernel), each model fits ``y ~ b + z . beta``:

- :class:`LinearRegression`: min  sum_i w_i (y_i - b - z_i . beta)^2 (weighted least squares)
- :class:`Ridge`:            min  sum_i w_i (y_i - b - z_i . beta)^2 + alpha ||beta||_2^2
- :class:`Lasso`:            min  1/(2 sum_i w_i) sum_i w_i (y_i - b - z_i . beta)^2 + alpha ||beta||_1
  (scikit-learn's objective, cyclic coordinate descent; LIME's default, alpha = 0.01)

The intercept ``b`` is not penalised: the data are centred with the weighted means first. The fits run in
float64 on the CPU (they are small: samples x interpretable features).
"""
from __future__ import annotations

import numpy as np

import reograd

__all__ = ["LinearModel", "LinearRegression", "Ridge", "Lasso"]


def _np(x):
    if isinstance(x, reograd.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


class LinearModel:
    """A fitted linear surrogate: ``fit(Z, y, sample_weight)`` sets ``coef_`` (M,) and ``intercept_``."""

    fit_intercept = True

    def __init__(self):
        self.coef_ = None
        self.intercept_ = 0.0

    def _prepare(self, Z, y, sample_weight, caller):
        Z = _np(Z).astype(np.float64)
        y = _np(y).astype(np.float64).reshape(-1)
        if Z.ndim != 2 or Z.shape[0] != y.shape[0]:
            raise ValueError(f"{caller}: expected Z of shape (samples, features) and y of shape (samples,), got "
                             f"{Z.shape} and {y.shape}")
        w = np.ones_like(y) if sample_weight is None else _np(sample_weight).astype(np.float64).reshape(-1)
        if w.shape != y.shape or (w < 0).any():
            raise ValueError(f"{caller}: sample_weight must be {y.shape[0]} non-negative numbers, got shape {w.shape}")
        if w.sum() <= 0:
            raise ValueError(f"{caller}: the sample weights sum to zero")
        if self.fit_intercept:
            zm = (w[:, None] * Z).sum(0) / w.sum()
            ym = float((w * y).sum() / w.sum())
        else:
            zm, ym = np.zeros(Z.shape[1]), 0.0
        return Z - zm, y - ym, w, zm, ym

    def _finish(self, beta, zm, ym):
        self.coef_ = beta
        self.intercept_ = float(ym - zm @ beta)
        return self

    def fit(self, Z, y, sample_weight=None):
        """Fit to samples ``Z`` (S, M), targets ``y`` (S,) and weights (S,); returns ``self``."""
        raise NotImplementedError

    def predict(self, Z):
        """``b + Z beta`` as a float64 array."""
        return _np(Z).astype(np.float64) @ self.coef_ + self.intercept_

    def representation(self):
        """The coefficients as a Tensor of shape (1, M) (Captum's interpretable-model interface)."""
        if self.coef_ is None:
            raise RuntimeError(f"{type(self).__name__}: call fit first")
        return reograd.tensor(self.coef_.reshape(1, -1), dtype=reograd.get_default_dtype())


class LinearRegression(LinearModel):
    """Weighted least squares with an intercept (the minimum-norm solution when Z is rank deficient)."""

    def __init__(self, fit_intercept=True):
        super().__init__()
        self.fit_intercept = fit_intercept

    def fit(self, Z, y, sample_weight=None):
        """Solve ``min sum_i w_i (y_i - b - z_i . beta)^2``; returns ``self``."""
        Zc, yc, w, zm, ym = self._prepare(Z, y, sample_weight, "LinearRegression.fit")
        s = np.sqrt(w)
        beta = np.linalg.lstsq(Zc * s[:, None], yc * s, rcond=None)[0]
        return self._finish(beta, zm, ym)


class Ridge(LinearModel):
    """Weighted ridge regression: ``min sum_i w_i (y_i - b - z_i . beta)^2 + alpha ||beta||^2``."""

    def __init__(self, alpha=1.0, fit_intercept=True):
        super().__init__()
        if alpha < 0:
            raise ValueError(f"Ridge: alpha must be >= 0, got {alpha}")
        self.alpha = alpha
        self.fit_intercept = fit_intercept

    def fit(self, Z, y, sample_weight=None):
        """Solve the normal equations ``(Z^T W Z + alpha I) beta = Z^T W y``; returns ``self``."""
        Zc, yc, w, zm, ym = self._prepare(Z, y, sample_weight, "Ridge.fit")
        A = Zc.T @ (w[:, None] * Zc) + self.alpha * np.eye(Zc.shape[1])
        beta = np.linalg.lstsq(A, Zc.T @ (w * yc), rcond=None)[0]
        return self._finish(beta, zm, ym)


class Lasso(LinearModel):
    """Weighted lasso (scikit-learn's objective, see the module docstring) by cyclic coordinate descent.

    Args:
        alpha: the L1 penalty.
        max_iter: sweeps over the coefficients at most.
        tol: stop when no coefficient moved by more than ``tol`` times the largest one in a sweep.
    """

    def __init__(self, alpha=1.0, fit_intercept=True, max_iter=1000, tol=1e-4):
        super().__init__()
        if alpha < 0:
            raise ValueError(f"Lasso: alpha must be >= 0, got {alpha}")
        self.alpha, self.fit_intercept, self.max_iter, self.tol = alpha, fit_intercept, max_iter, tol
        self.n_iter_ = 0

    def fit(self, Z, y, sample_weight=None):
        """Minimise the weighted lasso objective; returns ``self``."""
        Zc, yc, w, zm, ym = self._prepare(Z, y, sample_weight, "Lasso.fit")
        w = w / w.sum()  # the 1 / sum(w) of the objective
        m = Zc.shape[1]
        beta = np.zeros(m)
        resid = yc.copy()
        col_sq = (w[:, None] * Zc * Zc).sum(0)
        for it in range(self.max_iter):
            biggest_step = 0.0
            for j in range(m):
                if col_sq[j] == 0:
                    continue
                old = beta[j]
                rho = float((w * Zc[:, j] * resid).sum()) + col_sq[j] * old
                new = np.sign(rho) * max(abs(rho) - self.alpha, 0.0) / col_sq[j]
                if new != old:
                    resid -= Zc[:, j] * (new - old)
                    beta[j] = new
                    biggest_step = max(biggest_step, abs(new - old))
            self.n_iter_ = it + 1
            if biggest_step <= self.tol * max(np.abs(beta).max(), 1e-12):
                break
        return self._finish(beta, zm, ym)
