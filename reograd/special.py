"""``torch.special``: special functions under SciPy-like names (``reograd.special.gammaln``...).

This module is only the namespace: most are the top-level ops under another name (gammaln = lgamma,
expit = sigmoid, psi = digamma...); the rest live in ``reograd/ops/pointwise/special.py``. i1, i0e and
i1e are here only, as in PyTorch. All are differentiable where PyTorch's are.
"""
from __future__ import annotations

from .ops.pointwise.binary import xlogy  # noqa: F401
from .ops.pointwise.special import (digamma, entr, expit, i0, i0e, i1, i1e, lgamma, log_ndtr, multigammaln,  # noqa: F401
                                    mvlgamma, ndtr, ndtri, polygamma, xlog1py)
from .ops.pointwise.special import digamma as psi  # noqa: F401
from .ops.pointwise.special import lgamma as gammaln  # noqa: F401
from .ops.pointwise.special import special_log_softmax as log_softmax  # noqa: F401
from .ops.pointwise.special import special_softmax as softmax  # noqa: F401
from .ops.pointwise.unary import erf, erfc, erfinv, exp2, expm1, log1p, logit, round, sinc  # noqa: F401
from .ops.reduction.sums import logsumexp  # noqa: F401

__all__ = ["gammaln", "digamma", "psi", "polygamma", "multigammaln", "i0", "i0e", "i1", "i1e", "erf", "erfc",
           "erfinv", "expit", "logit", "xlogy", "xlog1py", "exp2", "expm1", "log1p", "sinc", "round", "entr", "ndtr",
           "ndtri", "log_ndtr", "logsumexp", "softmax", "log_softmax"]
