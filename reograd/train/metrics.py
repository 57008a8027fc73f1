"""Classification metrics (torchmetrics-like functions) and a running ``Mean`` meter.

Every metric takes ``preds`` and ``target`` as tensors (or arrays). ``preds`` may be

- class scores / logits / probabilities of shape ``(N, C)`` (or ``(N, C, d1, ...)``, class dim 1):
  the predicted class is the arg-max over the class dimension;
- predicted labels, an integer tensor of the same shape as ``target``;
- for a binary problem, a float tensor of the same shape as ``target`` holding probabilities:
  the predicted class is ``preds >= threshold`` (0.5).

``target`` holds integer class labels. Metrics are computed without gradients and return 0-d
float32 tensors (``confusion_matrix`` an int64 ``(C, C)`` tensor), as torchmetrics does.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["accuracy", "top_k_accuracy", "confusion_matrix", "precision", "recall", "f1_score", "Mean",
           "get_metric"]


def _np(x):
    """A NumPy array with the values of a Tensor / array / list (detached, on the CPU)."""
    if hasattr(x, "detach") and hasattr(x, "numpy"):
        x = x.detach()
        if getattr(getattr(x, "device", None), "type", "cpu") != "cpu":
            x = x.cpu()
        return x.numpy()
    if hasattr(x, "get") and not isinstance(x, (np.ndarray, dict)):  # a CuPy array
        return x.get()
    return np.asarray(x)


def _scalar(v):
    import reograd

    return reograd.tensor(float(v), dtype=reograd.float32)


def _labels(preds, target, threshold=0.5, fn="metric"):
    """Predicted and true labels as flat int64 arrays of equal length."""
    p, t = _np(preds), _np(target)
    if t.dtype.kind not in "iub":
        if t.dtype.kind == "f" and np.all(t == np.round(t)):
            t = t.astype(np.int64)
        else:
            raise TypeError(f"{fn}: target must hold integer class labels, got dtype {t.dtype}")
    if p.ndim == t.ndim + 1:  # scores with a class dimension (dim 1, or the only dim for one sample)
        p = np.argmax(p, axis=1 if p.ndim > 1 else 0)
    elif p.shape == t.shape:
        if p.dtype.kind == "f" and not np.all(p == np.round(p)):
            p = (p >= threshold)
    else:
        raise ValueError(f"{fn}: preds of shape {tuple(p.shape)} do not fit target of shape {tuple(t.shape)}; "
                         "expected preds (N, C) class scores or (N,) labels for target (N,)")
    return p.reshape(-1).astype(np.int64), t.reshape(-1).astype(np.int64)


def accuracy(preds, target, *, top_k=1, threshold=0.5, ignore_index=None):
    r"""Fraction of correct predictions, :math:`\frac{1}{N}\sum_i [\hat y_i = y_i]`.

    Args:
        preds: ``(N, C)`` class scores, or ``(N,)`` labels / binary probabilities.
        target: ``(N,)`` integer labels.
        top_k: count a sample correct when its label is among the ``top_k`` highest scores
            (needs scores; see :func:`top_k_accuracy`).
        ignore_index: a target value whose samples are left out.

    >>> accuracy(reograd.tensor([[0.1, 0.9], [0.8, 0.2]]), reograd.tensor([1, 1]))
    tensor(0.5000)
    """
    if top_k != 1:
        return top_k_accuracy(preds, target, k=top_k, ignore_index=ignore_index)
    p, t = _labels(preds, target, threshold, "accuracy")
    if ignore_index is not None:
        keep = t != ignore_index
        p, t = p[keep], t[keep]
    if t.size == 0:
        return _scalar(float("nan"))
    return _scalar(np.mean(p == t))


def top_k_accuracy(preds, target, k=5, *, ignore_index=None):
    r"""Fraction of samples whose true label is among the ``k`` largest scores:
    :math:`\frac{1}{N}\sum_i [y_i \in \mathrm{top}_k(s_i)]`.

    ``preds``: ``(N, C)`` scores; ``target``: ``(N,)`` labels. Ties at the k-th score count as hits
    only up to k classes (the arg-sort order decides), as ``torch.topk``.
    """
    s, t = _np(preds), _np(target).astype(np.int64)
    if s.ndim != 2 or t.ndim != 1 or s.shape[0] != t.shape[0]:
        raise ValueError(f"top_k_accuracy: expected preds (N, C) and target (N,), got {tuple(s.shape)} and "
                         f"{tuple(t.shape)}")
    if not 1 <= k <= s.shape[1]:
        raise ValueError(f"top_k_accuracy: k={k} must be in [1, C={s.shape[1]}]")
    if ignore_index is not None:
        keep = t != ignore_index
        s, t = s[keep], t[keep]
    if t.size == 0:
        return _scalar(float("nan"))
    topk = np.argpartition(-s, k - 1, axis=1)[:, :k]
    return _scalar(np.mean(np.any(topk == t[:, None], axis=1)))


def confusion_matrix(preds, target, num_classes=None, *, normalize=None, threshold=0.5):
    """The ``(C, C)`` confusion matrix ``M[i, j]`` = number of samples of true class ``i`` predicted
    as class ``j`` (rows: truth, columns: prediction; torchmetrics and scikit-learn convention).

    Args:
        num_classes: C; default ``max(label) + 1`` over preds and target.
        normalize: None (counts, int64), ``"true"`` (each row sums to 1), ``"pred"`` (each column
            sums to 1) or ``"all"`` (the whole matrix sums to 1); normalized matrices are float32,
            with 0 where a row/column is empty.
    """
    import reograd

    p, t = _labels(preds, target, threshold, "confusion_matrix")
    if num_classes is None:
        num_classes = int(max(p.max(initial=-1), t.max(initial=-1))) + 1
    bad = (p < 0) | (p >= num_classes) | (t < 0) | (t >= num_classes)
    if bad.any():
        raise ValueError(f"confusion_matrix: labels must lie in [0, {num_classes}), found "
                         f"{sorted(set(np.concatenate([p[bad], t[bad]]).tolist()))[:5]}")
    m = np.bincount(t * num_classes + p, minlength=num_classes * num_classes).reshape(num_classes, num_classes)
    if normalize is None:
        return reograd.tensor(m.astype(np.int64))
    m = m.astype(np.float64)
    if normalize == "true":
        d = m.sum(axis=1, keepdims=True)
    elif normalize == "pred":
        d = m.sum(axis=0, keepdims=True)
    elif normalize == "all":
        d = m.sum()
    else:
        raise ValueError(f"confusion_matrix: normalize must be None, 'true', 'pred' or 'all', got {normalize!r}")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(d > 0, m / np.where(d > 0, d, 1), 0.0)
    return reograd.tensor(out.astype(np.float32))


def _prf(preds, target, num_classes, average, which, fn):
    p, t = _labels(preds, target, 0.5, fn)
    if num_classes is None:
        num_classes = int(max(p.max(initial=-1), t.max(initial=-1))) + 1
    m = np.bincount(t * num_classes + p, minlength=num_classes * num_classes).reshape(num_classes, num_classes)
    m = m.astype(np.float64)
    tp = np.diag(m)
    fp = m.sum(axis=0) - tp
    fn_ = m.sum(axis=1) - tp
    if average == "micro":
        tp, fp, fn_ = tp.sum(keepdims=True), fp.sum(keepdims=True), fn_.sum(keepdims=True)

    def div(a, b):
        return np.where(b > 0, a / np.where(b > 0, b, 1), 0.0)

    prec, rec = div(tp, tp + fp), div(tp, tp + fn_)
    score = {"precision": prec, "recall": rec, "f1": div(2 * tp, 2 * tp + fp + fn_)}[which]
    import reograd

    if average == "micro":
        return _scalar(score[0])
    if average in (None, "none"):
        return reograd.tensor(score.astype(np.float32))
    if average == "macro":
        present = (tp + fp + fn_) > 0  # classes absent from both preds and target are left out
        return _scalar(score[present].mean() if present.any() else 0.0)
    if average == "weighted":
        support = tp + fn_
        return _scalar((score * support).sum() / support.sum() if support.sum() > 0 else 0.0)
    raise ValueError(f"{fn}: average must be 'macro', 'micro', 'weighted' or None, got {average!r}")


def precision(preds, target, num_classes=None, *, average="macro"):
    r"""Precision :math:`\mathrm{TP}/(\mathrm{TP}+\mathrm{FP})` per class, averaged.

    ``average="macro"``: unweighted mean over the classes that occur in preds or target;
    ``"micro"``: from the summed counts (equals accuracy for single-label problems);
    ``"weighted"``: mean weighted by each class's support; ``None``: the per-class ``(C,)`` tensor.
    A class with no predicted samples has precision 0 (scikit-learn's ``zero_division=0``).
    """
    return _prf(preds, target, num_classes, average, "precision", "precision")


def recall(preds, target, num_classes=None, *, average="macro"):
    r"""Recall :math:`\mathrm{TP}/(\mathrm{TP}+\mathrm{FN})` per class, averaged as in :func:`precision`."""
    return _prf(preds, target, num_classes, average, "recall", "recall")


def f1_score(preds, target, num_classes=None, *, average="macro"):
    r"""F1 :math:`= 2PR/(P+R) = 2\mathrm{TP}/(2\mathrm{TP}+\mathrm{FP}+\mathrm{FN})` per class, averaged as
    in :func:`precision`."""
    return _prf(preds, target, num_classes, average, "f1", "f1_score")


class Mean:
    r"""A running (weighted) mean: :math:`\bar v = \sum_i w_i v_i / \sum_i w_i`.

    ``update(value, weight=1)`` takes a number or a tensor (each element counts with ``weight``);
    ``compute()`` (or ``.value``) gives the mean as a float (``nan`` before any update);
    ``reset()`` starts over.

    >>> m = Mean(); m.update(1.0, weight=3); m.update(3.0); m.compute()
    1.5
    """

    def __init__(self):
        self.reset()

    def reset(self):
        self.total = 0.0
        self.weight = 0.0

    def update(self, value, weight=1.0):
        if isinstance(value, (int, float)):
            self.total += float(value) * weight
            self.weight += weight
            return self
        v = _np(value).astype(np.float64)
        self.total += float(v.sum()) * weight
        self.weight += v.size * weight
        return self

    def compute(self):
        return self.total / self.weight if self.weight else math.nan

    @property
    def value(self):
        return self.compute()

    def __float__(self):
        return float(self.compute())

    def __repr__(self):
        return f"Mean(value={self.compute():.6g}, weight={self.weight:g})"


_NAMED = {
    "accuracy": accuracy, "acc": accuracy,
    "top5": lambda p, t: top_k_accuracy(p, t, k=5), "top_5_accuracy": lambda p, t: top_k_accuracy(p, t, k=5),
    "precision": precision, "recall": recall, "f1": f1_score, "f1_score": f1_score,
}


def get_metric(name_or_fn):
    """A metric function ``fn(preds, target) -> number`` from a name (``"accuracy"``, ``"top5"``,
    ``"precision"``, ``"recall"``, ``"f1"``) or a callable (returned as is)."""
    if callable(name_or_fn):
        return name_or_fn
    try:
        return _NAMED[name_or_fn]
    except KeyError:
        raise ValueError(f"unknown metric {name_or_fn!r}; known: {sorted(_NAMED)} or pass a callable "
                         "fn(preds, target)") from None
