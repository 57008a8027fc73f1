"""``torch.special``: special functions under SciPy-like names (``reograd.special.gammaln``...).

Most are the top-level ops under another name (gammaln = lgamma, expit = sigmoid, psi = digamma...);
i1, i0e and i1e live only here, as in PyTorch. All are differentiable where PyTorch's are.
"""
from __future__ import annotations

import math

from .ops.gamma import digamma, i0, i0e, i1, i1e, lgamma, mvlgamma, polygamma
from .ops.pointwise import erf, erfc, erfinv, exp2, expm1, log1p, logit, round, sinc
from .ops.reduce import logsumexp
from .ops.softmax import log_softmax as _log_softmax
from .ops.softmax import softmax as _softmax

__all__ = ["gammaln", "digamma", "psi", "polygamma", "multigammaln", "i0", "i0e", "i1", "i1e", "erf", "erfc",
           "erfinv", "expit", "logit", "xlogy", "xlog1py", "exp2", "expm1", "log1p", "sinc", "round", "entr", "ndtr",
           "ndtri", "log_ndtr", "logsumexp", "softmax", "log_softmax"]

gammaln = lgamma
psi = digamma


def multigammaln(input, p, *, out=None):
    """Multivariate log-gamma of dimension p: p (p - 1) / 4 log(pi) + sum_{i<p} lgamma(x - i/2) (= mvlgamma)."""
    return mvlgamma(input, p, out=out)


def expit(input, *, out=None):
    """The logistic sigmoid 1 / (1 + exp(-x)), elementwise (= torch.sigmoid)."""
    from .ops._pwutil import write_out  # noqa: PLC0415
    from .ops.activation import sigmoid  # noqa: PLC0415

    return write_out(sigmoid(input), out)


def xlogy(input, other, *, out=None):
    """x * log(y), elementwise and broadcast, 0 where x == 0 (even where y is 0 or nan is not: nan stays)."""
    from .ops.binary import xlogy as _xlogy  # noqa: PLC0415

    return _xlogy(input, other, out=out)


def xlog1py(input, other, *, out=None):
    """x * log1p(y) = x log(1 + y), elementwise and broadcast, 0 where x == 0 (unless y is nan)."""
    import reograd  # noqa: PLC0415

    from .ops._pwutil import write_out  # noqa: PLC0415

    x = input if isinstance(input, reograd.Tensor) else reograd.tensor(input)
    y = other if isinstance(other, reograd.Tensor) else reograd.tensor(other, dtype=x.dtype if x.is_floating_point()
                                                                       else None)
    if not x.is_floating_point():
        x = x.to(reograd.get_default_dtype())
    y = y.to(x.dtype) if y.dtype != x.dtype else y
    safe = reograd.where(x == 0, reograd.zeros_like(y), y)
    res = reograd.where((x == 0) & ~y.isnan(), reograd.zeros_like(x * safe), x * safe.log1p())
    return write_out(res, out)


def entr(input, *, out=None):
    """Elementwise entropy term: -x log x for x > 0, 0 at 0, -inf for x < 0."""
    import reograd  # noqa: PLC0415

    from .ops._pwutil import float_input, write_out  # noqa: PLC0415

    x = float_input(input)
    pos = x > 0
    safe = reograd.where(pos, x, reograd.ones_like(x))
    res = reograd.where(pos, -x * safe.log(), reograd.where(x == 0, reograd.zeros_like(x),
                                                               reograd.full_like(x, -math.inf)))
    res = reograd.where(x.isnan(), x, res)
    return write_out(res, out)


def ndtr(input, *, out=None):
    """The standard normal CDF: Phi(x) = (1 + erf(x / sqrt 2)) / 2, computed as erfc(-x / sqrt 2) / 2."""
    from .ops._pwutil import float_input, write_out  # noqa: PLC0415

    return write_out(erfc(float_input(input) * -(1 / math.sqrt(2))) * 0.5, out)


def ndtri(input, *, out=None):
    """The inverse of the standard normal CDF: sqrt(2) erfinv(2 p - 1) (-inf at 0, inf at 1)."""
    from .ops._pwutil import float_input, write_out  # noqa: PLC0415

    return write_out(erfinv(float_input(input) * 2 - 1) * math.sqrt(2), out)


def log_ndtr(input, *, out=None):
    """log Phi(x), the log of the standard normal CDF (accurate while Phi(x) is representable, x > -37)."""
    from .ops._pwutil import write_out  # noqa: PLC0415

    return write_out(ndtr(input).log(), out)


def softmax(input, dim, *, dtype=None):
    """softmax along ``dim``: exp(x_i) / sum_j exp(x_j) (= torch.softmax)."""
    return _softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    """log softmax along ``dim``: x_i - logsumexp_j x_j (= torch.log_softmax)."""
    return _log_softmax(input, dim, dtype=dtype)
