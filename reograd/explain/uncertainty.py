"""Predictive uncertainty from several stochastic predictions: MC dropout and deep ensembles.

MC dropout (Gal & Ghahramani 2016; the notes: "use drop-out at test time and average the results (and
compute error bounds)"): with T forward passes under independent dropout masks W^t,

    E[y* | x*] ~ (1/T) sum_t y^(x*, W^t),     Var[y* | x*] ~ (1/T) sum_t y^(x*, W^t)^2 - E[y*]^2

Deep ensembles (Lakshminarayanan, Pritzel & Blundell 2017): the same statistics over M independently
trained models; members that predict ``(mean, variance)`` are combined as a Gaussian mixture,
``var = mean_m(sigma_m^2 + mu_m^2) - mu^2`` (aleatoric ``mean_m sigma_m^2`` + epistemic ``var_m mu_m``).

For classification the samples are softmax probabilities ``p^t`` and

- predictive entropy  H[p_bar] = -sum_c p_bar_c log p_bar_c, with p_bar = mean_t p^t (total uncertainty)
- expected entropy    mean_t H[p^t]                                           (aleatoric)
- mutual information  H[p_bar] - mean_t H[p^t] (BALD; what the weights do not agree on: epistemic)
"""
from __future__ import annotations

from statistics import NormalDist

import reograd
from reograd import nn

__all__ = ["UncertaintyEstimate", "mc_dropout_predict", "deep_ensemble_predict", "enable_dropout"]

DROPOUT = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout)


class UncertaintyEstimate:
    """The summary of stochastic predictions (fields are Tensors; classification fields are None for
    regression).

    Attributes:
        task: ``"regression"`` or ``"classification"``.
        samples: (T, N, ...) the raw outputs (regression) or probabilities (classification).
        mean, std: over the samples (unbiased std); for classification, of the probabilities.
        lower, upper: the central ``level`` interval: ``mean -/+ z std`` (regression, Gaussian) or the
            empirical quantiles of the sampled probabilities (classification).
        level: the interval's nominal coverage.
        prediction: the mean (regression) or the class of the highest mean probability.
        predictive_entropy, expected_entropy, mutual_information: (N,), classification only.
        aleatoric_variance, epistemic_variance: for ensembles of ``(mean, variance)`` predictors.
    """

    def __init__(self, task, samples, mean, std, lower, upper, level, prediction, predictive_entropy=None,
                 expected_entropy=None, mutual_information=None, aleatoric_variance=None, epistemic_variance=None):
        self.task, self.samples, self.mean, self.std = task, samples, mean, std
        self.lower, self.upper, self.level, self.prediction = lower, upper, level, prediction
        self.predictive_entropy, self.expected_entropy = predictive_entropy, expected_entropy
        self.mutual_information = mutual_information
        self.aleatoric_variance, self.epistemic_variance = aleatoric_variance, epistemic_variance

    @property
    def variance(self):
        """The predictive variance ``std ** 2``."""
        return self.std * self.std

    def __repr__(self):
        return (f"UncertaintyEstimate(task={self.task!r}, samples={tuple(self.samples.shape)}, "
                f"level={self.level})")


def _entropy(p, dim):
    return -(p * reograd.log(p.clamp(min=1e-12))).sum(dim)


def _check_level(level, caller):
    if not 0 < level < 1:
        raise ValueError(f"{caller}: level must be in (0, 1), got {level}")


def summarize(samples, task="auto", level=0.95, caller="summarize"):
    """Turn stacked outputs (T, N, ...) into an :class:`UncertaintyEstimate`; ``task="auto"`` treats 2-D
    outputs with several columns as class logits."""
    _check_level(level, caller)
    if task == "auto":
        task = "classification" if samples.dim() == 3 and samples.shape[2] > 1 else "regression"
    if task not in ("regression", "classification"):
        raise ValueError(f"{caller}: task must be 'auto', 'regression' or 'classification', got {task!r}")
    t = samples.shape[0]
    if task == "regression":
        mean = samples.mean(0)
        std = samples.std(0) if t > 1 else reograd.zeros_like(mean)
        z = NormalDist().inv_cdf(0.5 + level / 2)
        return UncertaintyEstimate(task, samples, mean, std, mean - z * std, mean + z * std, level, mean)
    if samples.dim() != 3:
        raise ValueError(f"{caller}: classification needs outputs (N, C); got samples of shape {tuple(samples.shape)}")
    probs = reograd.softmax(samples, dim=2)
    mean = probs.mean(0)
    std = probs.std(0) if t > 1 else reograd.zeros_like(mean)
    lo = reograd.quantile(probs, 0.5 - level / 2, dim=0)
    hi = reograd.quantile(probs, 0.5 + level / 2, dim=0)
    h = _entropy(mean, 1)
    eh = _entropy(probs, 2).mean(0)
    return UncertaintyEstimate(task, probs, mean, std, lo, hi, level, mean.argmax(1), h, eh, h - eh)


class enable_dropout:
    """Context manager: ``model`` in eval mode (batch norm uses its running statistics) except its dropout
    modules, which sample masks; every module's mode is restored on exit."""

    def __init__(self, model):
        self.model = model

    def __enter__(self):
        self.modes = [(m, m.training) for m in self.model.modules()]
        self.model.eval()
        n = 0
        for m in self.model.modules():
            if isinstance(m, DROPOUT):
                m.train()
                n += 1
        self.n_dropout = n
        return self

    def __exit__(self, *exc):
        for m, mode in self.modes:
            m.training = mode


def _forward(model, x, args):
    out = model(x, *args)
    if not isinstance(out, reograd.Tensor):
        raise TypeError(f"mc_dropout_predict: the model must return a Tensor, got {type(out).__name__}")
    return out


def mc_dropout_predict(model, x, T=50, *, task="auto", level=0.95, samples_per_eval=1, additional_forward_args=()):
    """MC-dropout prediction: ``T`` forward passes with dropout on and batch norm in eval mode, summarised
    (module docstring formulas).

    Args:
        model: an ``nn.Module`` with dropout modules (``nn.Dropout``, ``Dropout2d``...).
        x: the inputs (N, ...).
        T: the number of stochastic passes.
        task: ``"regression"``, ``"classification"`` (outputs are logits), or ``"auto"`` (2-D outputs with
            several columns are logits).
        level: the coverage of the intervals.
        samples_per_eval: passes evaluated in one forward call (the batch repeated; faster for small models).
        additional_forward_args: further positional arguments of the model.
    Returns: an :class:`UncertaintyEstimate`.

    >>> est = mc_dropout_predict(model, x, T=100, task="regression")
    >>> est.mean, est.std, est.lower, est.upper
    """
    name = "mc_dropout_predict"
    if not isinstance(model, nn.Module):
        raise TypeError(f"{name}: model must be an nn.Module, got {type(model).__name__}")
    if not isinstance(T, int) or T < 1:
        raise ValueError(f"{name}: T must be a positive int, got {T!r}")
    n = x.shape[0]
    outs = []
    with reograd.no_grad(), enable_dropout(model) as ctx:
        if ctx.n_dropout == 0:
            raise ValueError(f"{name}: the model has no dropout modules, so every pass would be the same")
        done = 0
        while done < T:
            k = min(samples_per_eval, T - done)
            xx = x if k == 1 else reograd.cat([x] * k, dim=0)
            out = _forward(model, xx, additional_forward_args)
            outs.extend(out.reshape(k, n, *out.shape[1:]).unbind(0))
            done += k
    return summarize(reograd.stack(outs), task, level, name)


def deep_ensemble_predict(models, x, *, task="auto", level=0.95, additional_forward_args=()):
    """A deep ensemble's prediction: each model in eval mode, the outputs summarised; members returning
    ``(mean, variance)`` give a Gaussian mixture (module docstring).

    Args:
        models: a list of ``nn.Module`` (or callables) trained independently.
        x: the inputs (N, ...).
        task, level, additional_forward_args: as :func:`mc_dropout_predict`.
    Returns: an :class:`UncertaintyEstimate`.
    """
    name = "deep_ensemble_predict"
    models = list(models)
    if not models:
        raise ValueError(f"{name}: needs at least one model")
    outs, variances = [], []
    modes = [(m, m.training) for mod in models if isinstance(mod, nn.Module) for m in mod.modules()]
    try:
        with reograd.no_grad():
            for mod in models:
                if isinstance(mod, nn.Module):
                    mod.eval()
                out = mod(x, *additional_forward_args)
                if isinstance(out, tuple):
                    if len(out) != 2:
                        raise ValueError(f"{name}: a member returned a tuple of {len(out)}; expected (mean, variance)")
                    out, var = out
                    variances.append(var)
                outs.append(out)
    finally:
        for m, mode in modes:
            m.training = mode
    samples = reograd.stack(outs)
    if not variances:
        return summarize(samples, task, level, name)
    if len(variances) != len(outs):
        raise ValueError(f"{name}: either every member returns (mean, variance) or none does")
    _check_level(level, name)
    mu = samples.mean(0)
    alea = reograd.stack(variances).mean(0)
    epi = (samples * samples).mean(0) - mu * mu
    std = (alea + epi).clamp(min=0).sqrt()
    z = NormalDist().inv_cdf(0.5 + level / 2)
    return UncertaintyEstimate("regression", samples, mu, std, mu - z * std, mu + z * std, level, mu,
                               aleatoric_variance=alea, epistemic_variance=epi)
