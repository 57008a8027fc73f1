"""Cumulative ops along one dim: cumsum, cumprod, cummax, cummin, logcumsumexp.

y_j = x_0 (op) x_1 (op) ... (op) x_j. Backwards are reverse scans (a cumsum of the flipped
gradient); cumprod's stays exact where inputs are zero, and cummax/cummin route the gradient
through their indices (adding where an index repeats).
"""
from __future__ import annotations

from ... import backend
from ...autograd.function import NativeFunction
from ...autograd.tensor import Tensor
from ..arguments import const, xp_of
from ..inplace import make_inplace
from ..registry import register
from .base import Flip, Gather, reduction_dim, return_type

_cummax_t = return_type("cummax")
_cummin_t = return_type("cummin")


def _scan(fn, a, dim):
    """``fn(a, axis=dim)`` also for a 0-d ``a``."""
    if a.ndim == 0:
        return xp_of(a).asarray(fn(a.reshape(1), axis=0)).reshape(()).astype(a.dtype, copy=False)
    return fn(a, axis=dim).astype(a.dtype, copy=False)  # NumPy scans small ints in int64


def _rev_cumsum(w, dim):
    """r_i = sum_{j >= i} w_j along dim."""
    if w.ndim == 0:
        return w
    return Flip.apply(cumsum(Flip.apply(w, dim), dim), dim)


def _prep(input, dim, dtype, op):
    d = reduction_dim(dim, input._data.ndim, op)
    dt = backend.as_dtype(dtype)
    if dt is backend.bool:
        raise NotImplementedError(f"{op}: dtype=bool is not supported (input shape {tuple(input.shape)}, dtype "
                                  f"{input.dtype}); PyTorch has no bool {op} kernel")
    if dt is None and input._data.dtype.kind in "biu":
        dt = backend.int64
    if dt is not None and input._data.dtype != dt.np:
        input = input.to(dt)
    return input, d


# --------------------------------------------------------------------------- cumsum
class CumSum(NativeFunction):
    """y_j = sum_{i <= j} x_i;  grad_i = sum_{j >= i} g_j"""

    linear = True

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        return _scan(xp_of(a).cumsum, a, dim)

    @staticmethod
    def backward(ctx, g):
        return _rev_cumsum(g, ctx.dim), None


def cumsum(input, dim, *, dtype=None, out=None):
    """Cumulative sum along ``dim``: y_j = x_0 + ... + x_j. Integer and bool inputs give int64."""
    input, d = _prep(input, dim, dtype, "cumsum")
    return CumSum.apply(input, d)


# --------------------------------------------------------------------------- cumprod
def _omit_one_products(x, dim):
    """C[..., i, j] = prod_{k <= j, k != i} x_k along dim (moved last), for inputs with zeros."""
    xm = x.transpose(dim, -1)
    n = xm.shape[-1]
    xp = xp_of(x._data)
    eye = xp.eye(n, dtype=x._data.dtype)
    rows = xm.unsqueeze(-2).expand(*xm.shape[:-1], n, n) * const(1 - eye) + const(eye)
    return CumProd.apply(rows, rows.ndim - 1), const(xp.triu(xp.ones((n, n), dtype=x._data.dtype)))


class CumProd(NativeFunction):
    """y_j = prod_{i <= j} x_i;  grad_i = sum_{j >= i} g_j prod_{k <= j, k != i} x_k.

    Without zeros: grad = revcumsum(g * y) / x. With zeros: the products leaving one factor out,
    by a cumprod over an (n, n) matrix per slice (as PyTorch does when a graph is recorded).
    """

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        y = _scan(xp_of(a).cumprod, a, dim)
        ctx.has_zero = bool((a == 0).any())
        ctx.save_for_backward(a, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        if x.ndim == 0 or x.shape[ctx.dim] <= 1:
            return g, None
        if not ctx.has_zero:
            return _rev_cumsum(g * y, ctx.dim) / x, None
        c, triu = _omit_one_products(x, ctx.dim)
        gm = g.transpose(ctx.dim, -1).unsqueeze(-2)
        return (c * triu * gm).sum(-1).transpose(ctx.dim, -1), None

    @staticmethod
    def jvp(ctx, t, _dim):
        x, y = ctx.saved_tensors
        if x.ndim == 0 or x.shape[ctx.dim] <= 1:
            return t
        if not ctx.has_zero:
            return CumSum.apply(t / x, ctx.dim) * y
        c, triu = _omit_one_products(x, ctx.dim)
        tm = t.transpose(ctx.dim, -1).unsqueeze(-1)
        return (c * triu * tm).sum(-2).transpose(ctx.dim, -1)


def cumprod(input, dim, *, dtype=None, out=None):
    """Cumulative product along ``dim``: y_j = x_0 * ... * x_j. Integer and bool inputs give int64.
    The gradient is exact also where inputs are zero."""
    input, d = _prep(input, dim, dtype, "cumprod")
    return CumProd.apply(input, d)


# --------------------------------------------------------------------------- cummax / cummin
def _cum_extreme(op, input, dim, largest, rtype):
    a = input._data
    d = reduction_dim(dim, a.ndim, op)
    xp = xp_of(a)
    if a.ndim == 0:
        return rtype((Gather.apply(input.reshape(1), xp.zeros(1, dtype=xp.int64), 0, True),
                      Tensor._make(xp.zeros((), dtype=xp.int64))))
    acc = xp.maximum.accumulate if largest else xp.minimum.accumulate
    if a.size == 0:
        idx = xp.zeros(a.shape, dtype=xp.int64)
    else:
        v = acc(a, axis=d)
        hit = a == v
        if a.dtype.kind in "fc":
            hit |= xp.isnan(a)
        pos = xp.arange(a.shape[d], dtype=xp.int64).reshape((-1,) + (1,) * (a.ndim - d - 1))
        idx = xp.maximum.accumulate(xp.where(hit, pos, 0), axis=d)
    return rtype((Gather.apply(input, idx, d, False, True), Tensor._make(idx)))


def cummax(input, dim, *, out=None):
    """Named tuple (values, indices): running maximum along ``dim`` and where it was (the latest
    index among equal values). The gradient goes to those indices."""
    return _cum_extreme("cummax", input, dim, True, _cummax_t)


def cummin(input, dim, *, out=None):
    """Named tuple (values, indices): running minimum along ``dim`` (see :func:`cummax`)."""
    return _cum_extreme("cummin", input, dim, False, _cummin_t)


# --------------------------------------------------------------------------- logcumsumexp
class LogCumSumExp(NativeFunction):
    """y_j = log sum_{i <= j} exp x_i (a running logaddexp: stable);
    grad_i = sum_{j >= i} g_j exp(x_i - y_j), computed in log space for positive and negative g apart."""

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        with backend.np.errstate(invalid="ignore", over="ignore"):
            y = _scan(xp_of(a).logaddexp.accumulate, a, dim)
        ctx.save_for_backward(a, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        if x.ndim == 0:
            return g, None
        xp = xp_of(g._data)
        dt = g._data.dtype
        lowest = xp.finfo(dt).min
        sgn = const(xp.sign(g._data).astype(dt))
        absg = g * sgn

        def part(mask):
            m = mask.astype(dt)
            logg = (absg * const(m) + const(1 - m)).log() + const((1 - m) * lowest)
            z = Flip.apply(logcumsumexp(Flip.apply(logg - y, ctx.dim), ctx.dim), ctx.dim)
            return (z + x).exp()
        return part(g._data > 0) - part(g._data < 0), None

    @staticmethod
    def jvp(ctx, t, _dim):
        x, y = ctx.saved_tensors
        if x.ndim == 0:
            return t
        m = const(x._data.max(axis=ctx.dim, keepdims=True)) if x._data.size else 0
        e = (x - m).exp()
        return CumSum.apply(e * t, ctx.dim) / CumSum.apply(e, ctx.dim)


def logcumsumexp(input, dim, *, out=None):
    """log(cumsum(exp(input), dim)), computed stably."""
    d = reduction_dim(dim, input._data.ndim, "logcumsumexp")
    if input._data.dtype.kind not in "fc":
        input = input.to(backend.get_default_dtype())
    return LogCumSumExp.apply(input, d)


def _cumsum_(self, dim, *, dtype=None):
    """In-place :func:`cumsum`: self[..., i, ...] = sum of self[..., :i+1, ...] along ``dim``; returns self."""
    return make_inplace(cumsum)(self, dim, dtype=dtype)


def _cumprod_(self, dim, *, dtype=None):
    """In-place :func:`cumprod`: self[..., i, ...] = product of self[..., :i+1, ...] along ``dim``; returns self."""
    return make_inplace(cumprod)(self, dim, dtype=dtype)

register(cumsum, cumprod, cummax, cummin, logcumsumexp)
register(cumsum_=_cumsum_, cumprod_=_cumprod_)
