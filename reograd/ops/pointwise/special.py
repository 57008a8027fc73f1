"""Special functions with gradients: the gamma family (lgamma, digamma, polygamma, mvlgamma) and the
modified Bessel functions I0, I1 (and their exponentially scaled forms i0e, i1e).

Each op is a NativeFunction made by ``unary_op`` from a kernel in ``_gamma.py`` and its derivative
rule, written with these same ops so every order of derivative works:

    lgamma' = digamma,  digamma' = polygamma(1, .),  polygamma(n, .)' = polygamma(n + 1, .),
    i0' = i1,  i1'(x) = i0(x) - i1(x) / x  (1/2 at 0),
    i0e' = i1e - sign(x) i0e,  i1e'(x) = i0e(x) - i1e(x) (sign(x) + 1/x)  (1/2 at 0).

Integer inputs compute in the default float dtype, as in PyTorch.
"""
from __future__ import annotations

import math

from . import gamma_kernels as _gamma
from ... import backend
from ...autograd.tensor import Tensor
from ..arguments import check_tensor
from ..creation.factories import full_like, ones_like, tensor, zeros_like
from ..inplace import make_inplace, write_out
from ..promotion import float_input
from ..registry import register
from .arithmetic import sigmoid
from .factory import unary_function, unary_op
from .softmax import log_softmax, softmax
from .unary import erfc, erfinv
from .where import where, where as where_


def _i1_rule(v, x, y):
    zero = x == 0
    s = where_(zero, 1.0, x)
    return v * where_(zero, 0.5, i0(x) - i1(x) / s)


def _i1e_rule(v, x, y):
    zero = x == 0
    s = where_(zero, 1.0, x)
    return v * where_(zero, 0.5, i0e(x) - i1e(x) * (x.sign() + 1.0 / s))


Lgamma = unary_op("Lgamma", lambda xp, a: _gamma.lgamma(a), lambda v, x, y: v * digamma(x), saves_input=True,
                  doc="log|Gamma(x)|;  d/dx = digamma(x)")
Digamma = unary_op("Digamma", lambda xp, a: _gamma.digamma(a), lambda v, x, y: v * polygamma(1, x),
                   saves_input=True, doc="digamma(x) = d/dx log Gamma(x);  d/dx = polygamma(1, x)")
Polygamma = unary_op("Polygamma", lambda xp, a, n: _gamma.polygamma(n, a),
                     lambda v, x, y, n: v * polygamma(n + 1, x), saves_input=True,
                     doc="polygamma(n, x), the n-th derivative of digamma;  d/dx = polygamma(n + 1, x)")
I0 = unary_op("I0", lambda xp, a: _gamma.i0(a), lambda v, x, y: v * i1(x), saves_input=True,
              doc="I0(x);  d/dx = I1(x)")
I1 = unary_op("I1", lambda xp, a: _gamma.i1(a), _i1_rule, saves_input=True, doc="I1(x);  d/dx = I0(x) - I1(x)/x")
I0e = unary_op("I0e", lambda xp, a: _gamma.i0e(a), lambda v, x, y: v * (i1e(x) - x.sign() * y),
               saves_input=True, saves_output=True, doc="exp(-|x|) I0(x);  d/dx = i1e(x) - sign(x) i0e(x)")
I1e = unary_op("I1e", lambda xp, a: _gamma.i1e(a), _i1e_rule, saves_input=True,
               doc="exp(-|x|) I1(x);  d/dx = i0e(x) - i1e(x) (sign(x) + 1/x)")


lgamma = unary_function("lgamma", Lgamma, """log |Gamma(x)|, elementwise (+inf at 0, the negative integers and +-inf).

Gradient: digamma(x). Example: ``torch.lgamma(torch.tensor([0.5, 3.0]))`` is ``[0.5724, 0.6931]``
(log sqrt(pi), log 2).""")
digamma = unary_function("digamma", Digamma, """digamma(x) = d/dx log Gamma(x) = Gamma'(x) / Gamma(x), elementwise.

-inf at +0 (+inf at -0), nan at the negative integers, as PyTorch. Gradient: polygamma(1, x).
Example: ``torch.digamma(torch.tensor([1.0]))`` is ``[-0.5772]`` (minus the Euler-Mascheroni constant).""")
i0 = unary_function("i0", I0, """Modified Bessel function of the first kind of order 0, elementwise:
I0(x) = sum_k (x/2)^(2k) / (k!)^2. Gradient: I1(x). Example: ``torch.i0(torch.tensor([0.0, 1.0]))`` is
``[1.0, 1.2661]``.""")
i1 = unary_function("i1", I1, """Modified Bessel function of the first kind of order 1, elementwise:
I1(x) = sum_k (x/2)^(2k+1) / (k! (k+1)!). Gradient: I0(x) - I1(x)/x (1/2 at 0). (``torch.special.i1``)""")
i0e = unary_function("i0e", I0e, """Exponentially scaled I0, elementwise: exp(-|x|) I0(x) (finite for large |x|).
Gradient: i1e(x) - sign(x) i0e(x). (``torch.special.i0e``)""")
i1e = unary_function("i1e", I1e, """Exponentially scaled I1, elementwise: exp(-|x|) I1(x).
Gradient: i0e(x) - i1e(x) (sign(x) + 1/x), 1/2 at 0. (``torch.special.i1e``)""")


def polygamma(n, input, *, out=None):
    """The n-th derivative of digamma, elementwise: psi^(n)(x) = (-1)^(n+1) n! sum_k 1/(x + k)^(n+1) (n >= 1);
    ``polygamma(0, x)`` is ``digamma(x)``.

    Args: n (int >= 0), input (Tensor). Gradient: polygamma(n + 1, x).
    Example: ``torch.polygamma(1, torch.tensor([1.0]))`` is ``[1.6449]`` (pi^2 / 6).
    """
    check_tensor("polygamma", input, "input")
    if isinstance(n, bool) or not isinstance(n, int):
        try:
            n = int(n) if float(n) == int(n) else n
        except (TypeError, ValueError):
            pass
        if not isinstance(n, int):
            raise TypeError(f"polygamma(): argument 'n' must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n (got n = {n})")
    x = float_input(input)
    if n == 0:
        return write_out(Digamma.apply(x), out)
    return write_out(Polygamma.apply(x, n), out)


def _polygamma_method(self, n):
    """``x.polygamma(n)``: :func:`polygamma` ``(n, x)``, the n-th derivative of digamma at x."""
    return polygamma(n, self)


def _polygamma_(self, n):
    """In-place version of :func:`polygamma`: ``x.polygamma_(n)`` writes polygamma(n, x) into x."""
    from ..inplace import inplace  # noqa: PLC0415

    return inplace(self, lambda t: polygamma(n, t))


def mvlgamma(input, p, *, out=None):
    """Multivariate log-gamma of dimension p, elementwise:
    log Gamma_p(x) = p (p - 1) / 4 * log(pi) + sum_{i=0}^{p-1} lgamma(x - i/2).

    Every element must be greater than (p - 1) / 2. Gradient: sum_i digamma(x - i/2).
    Example: ``torch.mvlgamma(torch.tensor([2.5]), p=2)`` is log(pi)/2 + lgamma(2.5) + lgamma(2).
    """
    check_tensor("mvlgamma", input)
    p = int(p)
    if p < 1:
        raise RuntimeError(f"mvlgamma: p has to be greater than or equal to 1 (got p = {p})")
    x = float_input(input)
    if x._data.size and not bool((x._data > (p - 1) / 2).all()):
        raise RuntimeError(f"mvlgamma: All elements must be greater than (p-1)/2 = {(p - 1) / 2} (p = {p}, input "
                           f"shape {list(input.shape)}, min {float(x._data.min())})")
    res = lgamma(x)
    for i in range(1, p):
        res = res + lgamma(x - i / 2)
    return write_out(res + p * (p - 1) / 4 * math.log(math.pi), out)


def _mvlgamma_method(self, p):
    """``x.mvlgamma(p)``: :func:`mvlgamma`, the multivariate log-gamma of dimension p."""
    return mvlgamma(self, p)


# --------------------------------------------------------------------------- torch.special's other names
def multigammaln(input, p, *, out=None):
    """Multivariate log-gamma of dimension p: p (p - 1) / 4 log(pi) + sum_{i<p} lgamma(x - i/2) (= mvlgamma)."""
    return mvlgamma(input, p, out=out)


def expit(input, *, out=None):
    """The logistic sigmoid 1 / (1 + exp(-x)), elementwise (= torch.sigmoid)."""
    return write_out(sigmoid(input), out)


def xlog1py(input, other, *, out=None):
    """x * log1p(y) = x log(1 + y), elementwise and broadcast, 0 where x == 0 (unless y is nan)."""
    x = input if isinstance(input, Tensor) else tensor(input)
    y = other if isinstance(other, Tensor) else tensor(other, dtype=x.dtype if x.is_floating_point() else None)
    if not x.is_floating_point():
        x = x.to(backend.get_default_dtype())
    y = y.to(x.dtype) if y.dtype != x.dtype else y
    safe = where(x == 0, zeros_like(y), y)
    res = where((x == 0) & ~y.isnan(), zeros_like(x * safe), x * safe.log1p())
    return write_out(res, out)


def entr(input, *, out=None):
    """Elementwise entropy term: -x log x for x > 0, 0 at 0, -inf for x < 0."""
    x = float_input(input)
    pos = x > 0
    safe = where(pos, x, ones_like(x))
    res = where(pos, -x * safe.log(), where(x == 0, zeros_like(x), full_like(x, -math.inf)))
    res = where(x.isnan(), x, res)
    return write_out(res, out)


def ndtr(input, *, out=None):
    """The standard normal CDF: Phi(x) = (1 + erf(x / sqrt 2)) / 2, computed as erfc(-x / sqrt 2) / 2."""
    return write_out(erfc(float_input(input) * -(1 / math.sqrt(2))) * 0.5, out)


def ndtri(input, *, out=None):
    """The inverse of the standard normal CDF: sqrt(2) erfinv(2 p - 1) (-inf at 0, inf at 1)."""
    return write_out(erfinv(float_input(input) * 2 - 1) * math.sqrt(2), out)


def log_ndtr(input, *, out=None):
    """log Phi(x), the log of the standard normal CDF (accurate while Phi(x) is representable, x > -37)."""
    return write_out(ndtr(input).log(), out)


def special_softmax(input, dim, *, dtype=None):
    """softmax along ``dim``: exp(x_i) / sum_j exp(x_j) (= torch.softmax; ``torch.special.softmax``)."""
    return softmax(input, dim, dtype=dtype)


def special_log_softmax(input, dim, *, dtype=None):
    """log softmax along ``dim``: x_i - logsumexp_j x_j (= torch.log_softmax; ``torch.special.log_softmax``)."""
    return log_softmax(input, dim, dtype=dtype)


register(lgamma, digamma, i0, inplace=True)
register(mvlgamma_=make_inplace(mvlgamma), polygamma=_polygamma_method, mvlgamma=_mvlgamma_method,
         polygamma_=_polygamma_)
