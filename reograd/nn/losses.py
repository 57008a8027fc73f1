"""The lecture notes' catalogue of classification losses that PyTorch lacks (Janocha & Czarnecki,
"On loss functions for deep neural networks in classification", 2017).

Notation of the notes: o = the network's outputs (logits) of one sample, y = its target vector
(one-hot, or any target vector), sigma(o) = softmax(o) over the classes (``dim``, the last by
default). Each loss is computed per sample over the classes, then reduced over the samples with
``reduction`` ('mean' by default, 'sum' or 'none'). Formulas are exactly those of the notes:

    l2_norm_loss                    ||y - o||_2
    expectation_loss                ||y - sigma(o)||_1
    regularised_expectation_loss    ||y - sigma(o)||_2
    chebyshev_loss                  max_j |sigma(o)_j - y_j|
    hinge_loss                      sum_j max(0, 1 - y_j sigma(o)_j)
    squared_hinge_loss              sum_j max(0, 1 - y_j sigma(o)_j)^2
    cubed_hinge_loss                sum_j max(0, 1 - y_j sigma(o)_j)^3
    log_loss                        -sum_j y_j log sigma(o)_j
    squared_log_loss                -sum_j y_j log^2 sigma(o)_j
    tanimoto_loss                   sum_j sigma_j y_j / (||sigma||^2 + ||y||^2 - sum_j sigma_j y_j)
    cauchy_schwarz_divergence       -log( <sigma(o), y> / (||sigma(o)||_2 ||y||_2) )

(As printed in the notes, ``squared_log_loss`` and ``tanimoto_loss`` carry the sign of the notes:
the Tanimoto coefficient is a similarity in [0, 1], so a model minimises ``-tanimoto_loss`` or
``1 - tanimoto_loss``.) Every function has a module of the same name in CamelCase.
"""
from __future__ import annotations


from ..ops.arguments import const as _const
from ..ops.pointwise.activation import abs_
from ..ops.pointwise.softmax import log_softmax, softmax
from ..ops.pointwise.arithmetic import relu
from ..ops.nn.loss import _check_reduction, reduce_loss
from .modules.module import Module

__all__ = ["l2_norm_loss", "expectation_loss", "regularised_expectation_loss", "chebyshev_loss", "hinge_loss",
           "squared_hinge_loss", "cubed_hinge_loss", "log_loss", "squared_log_loss", "tanimoto_loss",
           "cauchy_schwarz_divergence", "L2NormLoss", "ExpectationLoss", "RegularisedExpectationLoss",
           "ChebyshevLoss", "HingeLoss", "SquaredHingeLoss", "CubedHingeLoss", "LogLoss", "SquaredLogLoss",
           "TanimotoLoss", "CauchySchwarzDivergence"]


def _prep(op, input, target, reduction):
    _check_reduction(op, reduction)
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"{op}: input {tuple(input.shape)} and target {tuple(target.shape)} must have the same "
                         "shape (targets are vectors over the classes, e.g. one-hot)")
    if target.dtype != input.dtype:
        target = target.to(input.dtype)
    return target


def _norm2(x, dim):
    return (x * x).sum(dim).sqrt()


def l2_norm_loss(input, target, dim=-1, reduction="mean"):
    """||y - o||_2 per sample (on the raw outputs)."""
    target = _prep("l2_norm_loss", input, target, reduction)
    return reduce_loss(_norm2(target - input, dim), reduction)


def expectation_loss(input, target, dim=-1, reduction="mean"):
    """||y - softmax(o)||_1 per sample."""
    target = _prep("expectation_loss", input, target, reduction)
    return reduce_loss(abs_(target - softmax(input, dim)).sum(dim), reduction)


def regularised_expectation_loss(input, target, dim=-1, reduction="mean"):
    """||y - softmax(o)||_2 per sample."""
    target = _prep("regularised_expectation_loss", input, target, reduction)
    return reduce_loss(_norm2(target - softmax(input, dim), dim), reduction)


def chebyshev_loss(input, target, dim=-1, reduction="mean"):
    """max_j |softmax(o)_j - y_j| per sample (the gradient goes to the maximising class; ties share it)."""
    target = _prep("chebyshev_loss", input, target, reduction)
    a = abs_(softmax(input, dim) - target)
    d = a._data
    sel = d == d.max(axis=dim, keepdims=True)
    sel = sel / sel.sum(axis=dim, keepdims=True)
    return reduce_loss((a * _const(sel, d)).sum(dim), reduction)


def _hinge(op, input, target, dim, reduction, power):
    target = _prep(op, input, target, reduction)
    h = relu(1 - target * softmax(input, dim))
    if power == 2:
        h = h * h
    elif power == 3:
        h = h * h * h
    return reduce_loss(h.sum(dim), reduction)


def hinge_loss(input, target, dim=-1, reduction="mean"):
    """sum_j max(0, 1 - y_j softmax(o)_j) per sample."""
    return _hinge("hinge_loss", input, target, dim, reduction, 1)


def squared_hinge_loss(input, target, dim=-1, reduction="mean"):
    """sum_j max(0, 1 - y_j softmax(o)_j)^2 per sample."""
    return _hinge("squared_hinge_loss", input, target, dim, reduction, 2)


def cubed_hinge_loss(input, target, dim=-1, reduction="mean"):
    """sum_j max(0, 1 - y_j softmax(o)_j)^3 per sample."""
    return _hinge("cubed_hinge_loss", input, target, dim, reduction, 3)


def log_loss(input, target, dim=-1, reduction="mean"):
    """-sum_j y_j log softmax(o)_j per sample (cross-entropy with a target vector; log-softmax is stable)."""
    target = _prep("log_loss", input, target, reduction)
    return reduce_loss(-(target * log_softmax(input, dim)).sum(dim), reduction)


def squared_log_loss(input, target, dim=-1, reduction="mean"):
    """-sum_j y_j (log softmax(o)_j)^2 per sample (sign as in the notes)."""
    target = _prep("squared_log_loss", input, target, reduction)
    lp = log_softmax(input, dim)
    return reduce_loss(-(target * lp * lp).sum(dim), reduction)


def tanimoto_loss(input, target, dim=-1, reduction="mean"):
    """sum_j s_j y_j / (||s||^2 + ||y||^2 - sum_j s_j y_j) with s = softmax(o), per sample (as in the notes)."""
    target = _prep("tanimoto_loss", input, target, reduction)
    s = softmax(input, dim)
    sy = (s * target).sum(dim)
    return reduce_loss(sy / ((s * s).sum(dim) + (target * target).sum(dim) - sy), reduction)


def cauchy_schwarz_divergence(input, target, dim=-1, reduction="mean"):
    """-log(<s, y> / (||s||_2 ||y||_2)) with s = softmax(o), per sample."""
    target = _prep("cauchy_schwarz_divergence", input, target, reduction)
    s = softmax(input, dim)
    return reduce_loss(-((s * target).sum(dim) / (_norm2(s, dim) * _norm2(target, dim))).log(), reduction)


def _module(name, fn):
    def __init__(self, dim=-1, reduction="mean"):
        Module.__init__(self)
        _check_reduction(name, reduction)
        self.dim, self.reduction = dim, reduction

    def forward(self, input, target):
        return fn(input, target, dim=self.dim, reduction=self.reduction)

    def extra_repr(self):
        return f"dim={self.dim}, reduction={self.reduction!r}"
    cls = type(name, (Module,), {"__init__": __init__, "forward": forward, "extra_repr": extra_repr,
                                 "__doc__": fn.__doc__, "__module__": __name__})
    return cls


L2NormLoss = _module("L2NormLoss", l2_norm_loss)
ExpectationLoss = _module("ExpectationLoss", expectation_loss)
RegularisedExpectationLoss = _module("RegularisedExpectationLoss", regularised_expectation_loss)
ChebyshevLoss = _module("ChebyshevLoss", chebyshev_loss)
HingeLoss = _module("HingeLoss", hinge_loss)
SquaredHingeLoss = _module("SquaredHingeLoss", squared_hinge_loss)
CubedHingeLoss = _module("CubedHingeLoss", cubed_hinge_loss)
LogLoss = _module("LogLoss", log_loss)
SquaredLogLoss = _module("SquaredLogLoss", squared_log_loss)
TanimotoLoss = _module("TanimotoLoss", tanimoto_loss)
CauchySchwarzDivergence = _module("CauchySchwarzDivergence", cauchy_schwarz_divergence)
