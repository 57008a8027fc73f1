"""Calibration of a classifier's confidence (Guo, Pleiss, Sun & Weinberger 2017).

Confidences ``c_i = max_k p_ik`` are put into M equal-width bins B_m = ((m-1)/M, m/M]; with
``acc(B) = mean [y_i == argmax p_i]`` and ``conf(B) = mean c_i`` over a bin,

    ECE = sum_m |B_m| / n * |acc(B_m) - conf(B_m)|      (``norm="l1"``)
    MCE = max_m |acc(B_m) - conf(B_m)|                  (``norm="max"``)
    RMSCE = sqrt(sum_m |B_m| / n * (acc - conf)^2)      (``norm="l2"``)

The reliability diagram plots acc(B_m) against the bins; a calibrated model follows the diagonal.
Temperature scaling divides the logits by one scalar T > 0 fitted by minimising the NLL on held-out
data: it leaves the argmax (the accuracy) unchanged and usually removes most of the ECE.
"""
from __future__ import annotations

import math

import reograd
from reograd import nn
from reograd.optim import LBFGS

__all__ = ["calibration_bins", "expected_calibration_error", "reliability_diagram", "TemperatureScaling"]


def _confidences(probs, labels, caller):
    p = probs.detach().to(reograd.float64) if isinstance(probs, reograd.Tensor) else reograd.tensor(
        probs, dtype=reograd.float64)
    y = reograd.as_tensor(labels).long().reshape(-1)
    if p.dim() == 1:  # binary: the probability of class 1
        conf = reograd.where(p >= 0.5, p, 1 - p)
        pred = (p >= 0.5).long()
    elif p.dim() == 2:
        conf, pred = p.max(1)
    else:
        raise ValueError(f"{caller}: probs must be (N, C) (or (N,) for binary), got shape {tuple(p.shape)}")
    if y.numel() != conf.numel():
        raise ValueError(f"{caller}: {conf.numel()} predictions but {y.numel()} labels")
    return conf, (pred == y).to(reograd.float64)


def calibration_bins(probs, labels, n_bins=15):
    """Per-bin statistics: a dict with ``edges`` (M+1,), ``confidence``, ``accuracy`` (NaN for empty
    bins) and ``count`` (M,) as Python lists, and ``ece``."""
    if not isinstance(n_bins, int) or n_bins < 1:
        raise ValueError(f"calibration_bins: n_bins must be a positive int, got {n_bins!r}")
    conf, correct = _confidences(probs, labels, "calibration_bins")
    edges = [i / n_bins for i in range(n_bins + 1)]
    # bin m holds (m/M, (m+1)/M]; a confidence of exactly 0 goes to the first bin
    idx = (reograd.ceil(conf * n_bins) - 1).clamp(0, n_bins - 1).long()
    count = reograd.bincount(idx, minlength=n_bins).to(reograd.float64)
    conf_sum = reograd.bincount(idx, weights=conf, minlength=n_bins)
    acc_sum = reograd.bincount(idx, weights=correct, minlength=n_bins)
    safe = count.clamp(min=1)
    n = max(conf.numel(), 1)
    gap = ((acc_sum - conf_sum).abs() / safe)
    ece = float((count / n * gap).sum())
    nan = float("nan")
    return {"edges": edges, "count": [int(c) for c in count.tolist()],
            "confidence": [c / k if k else nan for c, k in zip(conf_sum.tolist(), count.tolist())],
            "accuracy": [a / k if k else nan for a, k in zip(acc_sum.tolist(), count.tolist())], "ece": ece,
            "_gap": gap, "_weight": count / n}


def expected_calibration_error(probs, labels, n_bins=15, norm="l1"):
    """The expected calibration error (``norm="l1"``), the maximum (``"max"``) or root-mean-square
    (``"l2"``) calibration error of predicted probabilities (N, C) against labels (N,), with ``n_bins``
    equal-width confidence bins (module docstring)."""
    b = calibration_bins(probs, labels, n_bins)
    if norm == "l1":
        return b["ece"]
    gap, w = b["_gap"], b["_weight"]
    if norm == "max":
        return float(reograd.where(w > 0, gap, reograd.zeros_like(gap)).max())
    if norm == "l2":
        return math.sqrt(float((w * gap * gap).sum()))
    raise ValueError(f"expected_calibration_error: norm must be 'l1', 'l2' or 'max', got {norm!r}")


def reliability_diagram(probs, labels, n_bins=15, path=None, ax=None, title=None):
    """The reliability diagram: accuracy per confidence bin against the diagonal, the gaps shaded, the
    ECE in the legend. Draws into ``ax`` or a new figure saved to ``path`` (matplotlib); returns the bin
    statistics of :func:`calibration_bins` (plus ``figure`` when one was made)."""
    b = calibration_bins(probs, labels, n_bins)
    if ax is None and path is None:
        return {k: v for k, v in b.items() if not k.startswith("_")}
    try:
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - matplotlib is optional
        raise ImportError("reliability_diagram needs matplotlib: pip install matplotlib") from None
    fig = None
    if ax is None:
        fig = Figure(figsize=(4.5, 4.5))
        ax = fig.subplots()
    width = 1.0 / n_bins
    centers = [e + width / 2 for e in b["edges"][:-1]]
    acc = [0.0 if a != a else a for a in b["accuracy"]]
    conf = [c if c == c else m for c, m in zip(b["confidence"], centers)]
    ax.bar(centers, acc, width=width, edgecolor="black", color="tab:blue", label="accuracy")
    ax.bar(centers, [c - a for c, a in zip(conf, acc)], bottom=acc, width=width, edgecolor="red", color="red",
           alpha=0.3, label="gap")
    ax.plot([0, 1], [0, 1], "k--", lw=1)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy")
    ax.set_title(title or f"reliability (ECE {b['ece']:.3f})")
    ax.legend(loc="upper left")
    out = {k: v for k, v in b.items() if not k.startswith("_")}
    if fig is not None:
        fig.tight_layout()
        if path is not None:
            fig.savefig(path)
        out["figure"] = fig
    return out


class TemperatureScaling(nn.Module):
    """Temperature scaling: ``softmax(z / T)`` with one learned ``T > 0`` (Guo et al. 2017).

    >>> ts = TemperatureScaling().fit(val_logits, val_labels)
    >>> probs = reograd.softmax(ts(test_logits), dim=1)
    """

    def __init__(self, temperature=1.0):
        super().__init__()
        if temperature <= 0:
            raise ValueError(f"TemperatureScaling: temperature must be > 0, got {temperature}")
        self.temperature = nn.Parameter(reograd.tensor([float(temperature)]))

    def forward(self, logits):
        """The logits divided by the temperature."""
        return logits / self.temperature

    def extra_repr(self):
        return f"temperature={float(self.temperature):.4f}"

    def fit(self, logits, labels, max_iter=100):
        """Minimise the NLL of ``labels`` under ``softmax(logits / T)`` over ``log T`` (L-BFGS with strong-Wolfe
        line search); returns ``self``."""
        z = logits.detach().to(reograd.float64)
        y = reograd.as_tensor(labels).long().reshape(-1)
        if z.dim() != 2 or z.shape[0] != y.numel():
            raise ValueError(f"TemperatureScaling.fit: logits must be (N, C) with one label each, got shapes "
                             f"{tuple(z.shape)} and {tuple(y.shape)}")
        log_t = reograd.tensor([math.log(float(self.temperature))], dtype=reograd.float64, requires_grad=True)
        opt = LBFGS([log_t], lr=1.0, max_iter=max_iter, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = nn.functional.cross_entropy(z / log_t.exp(), y)
            loss.backward()
            return loss

        opt.step(closure)
        with reograd.no_grad():
            self.temperature.copy_(log_t.detach().exp().to(self.temperature.dtype))
        return self
