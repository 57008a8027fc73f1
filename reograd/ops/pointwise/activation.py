"""Activation functions as fused single ops, and softmax / log_softmax.

Each op computes its forward on arrays in one pass (numerically stable: softplus and log-sigmoid
never exponentiate a large positive number) and its backward as ``g * f'(x)`` where ``f'`` is
written with Tensor ops (so double backward works). Piecewise functions use constant masks for
the pieces; gradient conventions at kinks follow PyTorch (relu'(0) = 0, hardtanh's boundaries get
0, leaky_relu'(0) = negative_slope, ...).

``relu``/``sigmoid``/``tanh`` live in ``elementwise``; this module adds the rest of the
activation table. Names that torch has at top level are exported (``__all__``).
"""
from __future__ import annotations

import math

import numpy as np

from ...autograd.function import NativeFunction
from ...autograd.grad_mode import state as _gstate
from ...autograd.tensor import Tensor
from ..arguments import const, xp_of
from ..creation.generator import rng
from ..inplace import inplace as _inplace
from ..registry import register
from .erf_kernels import erf as _erf_arr
from .softmax import log_softmax, softmax
from .where import where_

_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _check(op, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")
    if x._data.dtype.kind not in "fc":
        raise RuntimeError(f"{op}: expected a floating point input, got {x.dtype}")
    return x


def abs_(x):
    """|x| (gradient sign(x); 0 at 0 as torch)."""
    return _Abs.apply(x)


def clamp_min_(x, lo):
    """max(x, lo) with gradient 1 where x >= lo (as torch's clamp_min)."""
    return where_(x._data >= lo, x, lo)


def clamp_min_nograd(x, lo):
    """max(x, lo) where the clamp itself passes the gradient through (torch's in-place clamp under no_grad)."""
    d = x._data
    delta = xp_of(d).maximum(d, lo) - d
    return x + const(delta)


# --------------------------------------------------------------------------- generic pointwise op
def _pointwise(name, fwd, deriv, doc, fast=None):
    """An op y = fwd(xp, x, *params) with dy/dx = deriv(x, y, *params) (Tensor ops; masks as constants).

    ``fast(xp, x, y, *params)``: the same derivative on arrays, used when no graph is recorded (the
    usual first-order backward), which skips building Tensor intermediates.
    """

    class Op(NativeFunction):
        node_name = name[0].upper() + name[1:] + "Backward0"

        @staticmethod
        def forward(ctx, a, *params):
            ctx.params = params
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                y = fwd(xp_of(a), a, *params)
            if y.dtype != a.dtype:
                y = y.astype(a.dtype)
            ctx.save_for_backward(a, y)
            return y

        @staticmethod
        def backward(ctx, g):
            a, y = ctx.saved_tensors
            if fast is not None and not _gstate.grad_enabled:
                ad = a._data
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                    d = fast(xp_of(ad), ad, y._data, *ctx.params)
                return (Tensor._make((g._data * d).astype(ad.dtype, copy=False)),) + (None,) * len(ctx.params)
            gx = g * deriv(a, y, *ctx.params)
            if _gstate.grad_enabled and not gx._requires_grad and a._requires_grad:
                gx = gx + a * 0  # piecewise-linear: keep the (zero) second derivative in the graph, as torch
            return (gx,) + (None,) * len(ctx.params)

        @staticmethod
        def jvp(ctx, t, *_):
            a, y = ctx.saved_tensors
            return t * deriv(a, y, *ctx.params)

    Op.__name__ = Op.__qualname__ = "".join(p.capitalize() for p in name.split("_"))
    Op.__doc__ = doc
    return Op


def _mask(cond, like):
    return const(cond, like._data)


# hardtanh: clip to [lo, hi]; grad 1 strictly inside, 0 on and outside the boundaries (torch)
_Hardtanh = _pointwise("hardtanh", lambda xp, x, lo, hi: xp.clip(x, lo, hi),
                       lambda x, y, lo, hi: _mask((x._data > lo) & (x._data < hi), x), "clip(x, min_val, max_val)")
_LeakyRelu = _pointwise("leaky_relu", lambda xp, x, s: xp.where(x > 0, x, x * s),
                        lambda x, y, s: const(np.where(x._data > 0, 1.0, s), x._data), "x if x > 0 else s x")
_Threshold = _pointwise("threshold", lambda xp, x, th, v: xp.where(x > th, x, v),
                        lambda x, y, th, v: _mask(x._data > th, x), "x if x > threshold else value")
_Hardshrink = _pointwise("hardshrink", lambda xp, x, l: xp.where((x > l) | (x < -l), x, 0),
                         lambda x, y, l: _mask((x._data > l) | (x._data < -l), x), "x if |x| > lambd else 0")
_Softshrink = _pointwise("softshrink",
                         lambda xp, x, l: xp.where(x > l, x - l, xp.where(x < -l, x + l, 0)),
                         lambda x, y, l: _mask((x._data > l) | (x._data < -l), x),
                         "x - lambd if x > lambd, x + lambd if x < -lambd, else 0")
_Hardsigmoid = _pointwise("hardsigmoid", lambda xp, x: xp.clip(x / 6 + 0.5, 0, 1),
                          lambda x, y: const(np.where((x._data > -3) & (x._data < 3), 1.0 / 6, 0.0), x._data),
                          "relu6(x + 3) / 6")


def _hardswish_d(x, y):
    d = x._data
    mid = (d >= -3) & (d <= 3)
    return x * _mask(mid, x) / 3 + const(np.where(mid, 0.5, np.where(d > 3, 1.0, 0.0)), d)


_Hardswish = _pointwise("hardswish", lambda xp, x: x * xp.clip(x + 3, 0, 6) / 6, _hardswish_d, "x relu6(x + 3) / 6")


def _elu_fwd(xp, x, alpha, scale, iscale):
    neg = xp.minimum(x, 0)
    return xp.where(x > 0, x * scale, (xp.expm1(neg * iscale) * (alpha * scale)))


def _elu_d(x, y, alpha, scale, iscale):
    pos = x._data > 0
    xn = x * _mask(~pos, x)  # min(x, 0) with the right gradient on the negative side
    return _mask(pos, x) * scale + _mask(~pos, x) * ((xn * iscale).exp() * (alpha * scale * iscale))


_Elu = _pointwise("elu", _elu_fwd, _elu_d, "scale * (x if x > 0 else alpha (exp(x input_scale) - 1))",
                  fast=lambda xp, x, y, al, sc, isc: xp.where(x > 0, sc, (y + al * sc) * isc))


def _softplus_fwd(xp, x, beta, th):
    bx = x * beta
    out = (xp.maximum(bx, 0) + xp.log1p(xp.exp(-xp.abs(bx)))) / beta
    return xp.where(bx > th, x, out)


def _softplus_d(x, y, beta, th):
    lin = x._data * beta > th
    s = (x * beta).sigmoid()
    return s * _mask(~lin, x) + _mask(lin, x) if lin.any() else s


_Softplus = _pointwise("softplus", _softplus_fwd, _softplus_d,
                       "log(1 + exp(beta x)) / beta (x where beta x > threshold); derivative sigmoid(beta x)",
                       fast=lambda xp, x, y, b, th: xp.where(x * b > th, 1.0, _sig(xp, x * b)))
_LogSigmoid = _pointwise("log_sigmoid", lambda xp, x: xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x))),
                         lambda x, y: (-x).sigmoid(), "log(sigmoid(x)) = -softplus(-x)",
                         fast=lambda xp, x, y: _sig(xp, -x))
_Silu = _pointwise("silu", lambda xp, x: x * _sig(xp, x),
                   lambda x, y: _silu_d(x), "x sigmoid(x)", fast=lambda xp, x, y: _silu_fast(xp, x))
_Abs = _pointwise("abs", lambda xp, x: xp.abs(x), lambda x, y: const(np.sign(x._data)), "|x|")
_Softsign = _pointwise("softsign", lambda xp, x: x / (1 + xp.abs(x)),
                       lambda x, y: (abs_(x) + 1) ** -2, "x / (1 + |x|)")
_Tanhshrink = _pointwise("tanhshrink", lambda xp, x: x - xp.tanh(x), lambda x, y: x.tanh() ** 2, "x - tanh(x)")
_BinaryStep = _pointwise("binary_step", lambda xp, x: (x >= 0).astype(x.dtype), lambda x, y: const(
    np.zeros_like(x._data)), "1 if x >= 0 else 0 (gradient 0)")
_Atan = _pointwise("arctan", lambda xp, x: xp.arctan(x), lambda x, y: 1 / (x * x + 1), "arctan(x)")


def _sig(xp, x):
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _silu_fast(xp, x):
    s = _sig(xp, x)
    return s * (1 + x * (1 - s))


def _silu_d(x):
    s = x.sigmoid()
    return s * (x * (1 - s) + 1)


def _mish_fwd(xp, x):
    return x * xp.tanh(_softplus_fwd(xp, x, 1.0, 20.0))


def _mish_d(x, y):
    t = _Softplus.apply(x, 1.0, 20.0).tanh()
    return t + x * x.sigmoid() * (1 - t * t)


def _mish_fast(xp, x, y):
    t = xp.tanh(_softplus_fwd(xp, x, 1.0, 20.0))
    return t + x * _sig(xp, x) * (1 - t * t)


_Mish = _pointwise("mish", _mish_fwd, _mish_d, "x tanh(softplus(x))", fast=_mish_fast)


_NR = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587,
       -0.82215223, 0.17087277)


def _ncdf_arr(x):
    """Phi(x) on arrays: Cody's erf in float64; in float32/16 the Numerical Recipes erfc (Chebyshev fit,
    |error| < 2.5e-7, a few float32 ulps) which is ten times faster."""
    xp = xp_of(x)
    if x.dtype == np.float64:
        return 0.5 * (1.0 + _erf_arr(x / _SQRT2))
    dt = x.dtype
    z = xp.abs(x) * dt.type(1 / _SQRT2)
    t = dt.type(1) / (dt.type(1) + dt.type(0.5) * z)
    p = dt.type(_NR[9])
    for c in _NR[8::-1]:
        p = p * t + dt.type(c)
    with np.errstate(over="ignore", under="ignore"):
        half_tail = dt.type(0.5) * t * xp.exp(p - z * z)  # 0.5 erfc(|x| / sqrt 2)
    return xp.where(x >= 0, dt.type(1) - half_tail, half_tail)


class _NormCdf(NativeFunction):
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2;  d/dx = phi(x) = exp(-x^2/2) / sqrt(2 pi)"""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _ncdf_arr(a).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * ((a * a * -0.5).exp() * _INV_SQRT_2PI)

    @staticmethod
    def jvp(ctx, t):
        (a,) = ctx.saved_tensors
        return t * ((a * a * -0.5).exp() * _INV_SQRT_2PI)


_K = math.sqrt(2.0 / math.pi)


def _gelu_fwd(xp, x, approx):
    if approx == "tanh":
        return 0.5 * x * (1 + xp.tanh(_K * (x + 0.044715 * x * x * x)))
    return x * _ncdf_arr(x)


def _gelu_fast(xp, x, y, approx):
    if approx == "tanh":
        t = xp.tanh(_K * (x + 0.044715 * x * x * x))
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * (_K * (1 + 3 * 0.044715 * x * x))
    return _ncdf_arr(x) + x * (xp.exp(-0.5 * x * x) * _INV_SQRT_2PI)


def _gelu_d(x, y, approx):
    if approx == "tanh":
        t = ((x + x * x * x * 0.044715) * _K).tanh()
        return (t + 1) * 0.5 + x * 0.5 * (1 - t * t) * ((x * x * (3 * 0.044715) + 1) * _K)
    return _NormCdf.apply(x) + x * ((x * x * -0.5).exp() * _INV_SQRT_2PI)


_Gelu = _pointwise("gelu", _gelu_fwd, _gelu_d,
                   "x Phi(x) (approximate='tanh': 0.5 x (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3))))", fast=_gelu_fast)


# --------------------------------------------------------------------------- public functions
def _maybe_inplace(x, fn, inplace, *args):
    if inplace:
        return _inplace(x, lambda t, *a: fn.apply(t, *a), *args)
    return fn.apply(x, *args)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """clip(input, min_val, max_val); gradient 1 strictly inside (min_val, max_val), else 0."""
    if min_val > max_val:
        raise ValueError("hardtanh: min_val cannot be greater than max_val")
    return _maybe_inplace(_check("hardtanh", input), _Hardtanh, inplace, min_val, max_val)


def relu6(input, inplace=False):
    """min(max(input, 0), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """input if input > 0 else negative_slope * input."""
    return _maybe_inplace(_check("leaky_relu", input), _LeakyRelu, inplace, negative_slope)


def threshold(input, threshold, value, inplace=False):  # noqa: A002
    """input if input > threshold else value."""
    return _maybe_inplace(_check("threshold", input), _Threshold, inplace, threshold, value)


def threshold_(input, threshold, value):  # noqa: A002
    """In-place ``threshold``: replaces each element x of ``input`` by ``value`` where x <= ``threshold``.

    y = x if x > threshold else value; returns ``input``, modified. Gradient 1 where x > threshold,
    else 0.
    """
    return globals()["threshold"](input, threshold, value, True)


def hardshrink(input, lambd=0.5):
    """input if |input| > lambd else 0."""
    return _Hardshrink.apply(_check("hardshrink", input), lambd)


def softshrink(input, lambd=0.5):
    """input - lambd if input > lambd; input + lambd if input < -lambd; else 0."""
    if lambd < 0:
        raise RuntimeError(f"softshrink: lambda must be greater or equal to 0, but found to be {lambd}.")
    return _Softshrink.apply(_check("softshrink", input), lambd)


def hardsigmoid(input, inplace=False):
    """relu6(input + 3) / 6."""
    return _maybe_inplace(_check("hardsigmoid", input), _Hardsigmoid, inplace)


def hardswish(input, inplace=False):
    """input * relu6(input + 3) / 6."""
    return _maybe_inplace(_check("hardswish", input), _Hardswish, inplace)


def elu(input, alpha=1.0, inplace=False):
    """input if input > 0 else alpha * (exp(input) - 1)."""
    return _maybe_inplace(_check("elu", input), _Elu, inplace, alpha, 1.0, 1.0)


def selu(input, inplace=False):
    """scale * elu(input, alpha) with alpha = 1.6733, scale = 1.0507 (self-normalising)."""
    return _maybe_inplace(_check("selu", input), _Elu, inplace, _SELU_ALPHA, _SELU_SCALE, 1.0)


def selu_(input):
    """In-place ``selu``: input = scale * (x if x > 0 else alpha * (exp(x) - 1)), returns ``input``.

    alpha = 1.6732632423543772, scale = 1.0507009873554805 (the self-normalising constants).
    """
    return selu(input, True)


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: celu: alpha must not be 0")
    return _maybe_inplace(_check("celu", input), _Elu, inplace, alpha, 1.0, 1.0 / alpha)


def celu_(input, alpha=1.0):
    """In-place ``celu``: input = max(0, x) + min(0, alpha * (exp(x / alpha) - 1)), returns ``input``.

    ``alpha`` (nonzero, default 1) sets the saturation value -alpha for large negative x.
    """
    return celu(input, alpha, True)


def gelu(input, approximate="none"):
    """x * Phi(x) with Phi the standard normal CDF (erf); approximate='tanh' uses the tanh formula."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"gelu: approximate argument must be either none or tanh, got '{approximate}'")
    return _Gelu.apply(_check("gelu", input), approximate)


def silu(input, inplace=False):
    """x * sigmoid(x) (swish)."""
    return _maybe_inplace(_check("silu", input), _Silu, inplace)


def mish(input, inplace=False):
    """x * tanh(softplus(x))."""
    return _maybe_inplace(_check("mish", input), _Mish, inplace)


def softplus(input, beta=1.0, threshold=20.0):  # noqa: A002
    """log(1 + exp(beta x)) / beta, computed stably; linear where beta x > threshold."""
    return _Softplus.apply(_check("softplus", input), beta, threshold)


def softsign(input):
    """Softsign, elementwise: softsign(x) = x / (1 + |x|), in (-1, 1).

    ``input``: a floating point tensor of any shape; the result has the same shape. Gradient:
    1 / (1 + |x|)^2.

    Example::

        >>> F.softsign(reograd.tensor([-3.0, 0.0, 1.0]))
        tensor([-0.7500,  0.0000,  0.5000])
    """
    return _Softsign.apply(_check("softsign", input))


def tanhshrink(input):
    """Tanhshrink, elementwise: tanhshrink(x) = x - tanh(x).

    ``input``: a floating point tensor of any shape; the result has the same shape. Gradient:
    tanh(x)^2.

    Example::

        >>> F.tanhshrink(reograd.tensor([-1.0, 0.0, 2.0]))
        tensor([-0.2384,  0.0000,  1.0360])
    """
    return _Tanhshrink.apply(_check("tanhshrink", input))


def logsigmoid(input):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)), stable for large |x|."""
    return _LogSigmoid.apply(_check("logsigmoid", input))


def binary_step(input):
    """Heaviside step: 1 where input >= 0, else 0 (reograd extra; gradient 0 everywhere)."""
    return _BinaryStep.apply(_check("binary_step", input))


def arctan(input):
    """arctan(x) as an activation (derivative 1 / (1 + x^2))."""
    return _Atan.apply(_check("arctan", input))


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomised leaky ReLU: slope a ~ U(lower, upper) per element on x < 0 when training; (lower+upper)/2 in eval."""
    _check("rrelu", input)
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    d = input._data
    a = rng().uniform(lower, upper, size=d.shape).astype(d.dtype)
    slope = np.where(d >= 0, 1.0, a).astype(d.dtype)

    def f(t):
        return t * const(slope)
    return _inplace(input, f) if inplace else f(input)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """In-place ``rrelu`` (randomised leaky ReLU): x if x >= 0 else a * x, written into ``input``.

    With ``training=True`` the slope a is drawn per element from U(lower, upper); otherwise
    a = (lower + upper) / 2. Returns ``input``.
    """
    return rrelu(input, lower, upper, training, True)


def prelu(input, weight):
    """x if x > 0 else weight * x; weight has 1 or C (= input.shape[1]) entries, broadcast over channels."""
    _check("prelu", input)
    n = weight.numel()
    if n != 1:
        if input.dim() < 2 and input.dim() != 1 or (input.dim() >= 2 and input.shape[1] != n) or \
                (input.dim() == 1 and input.shape[0] != n):
            raise RuntimeError(f"prelu: mismatch in parameter count: weight has {n} entries but input has "
                               f"{input.shape[1] if input.dim() >= 2 else input.shape[0]} channels "
                               f"(input shape {tuple(input.shape)})")
        w = weight.reshape(*([n] + [1] * (input.dim() - 2))) if input.dim() >= 2 else weight
    else:
        w = weight.reshape(())
    pos = input._data > 0
    return where_(pos, input, input * w)


def _softmax_method(self, dim=None, dtype=None):
    """softmax(x)_i = exp(x_i) / sum_j exp(x_j) along ``dim``: the entries along ``dim`` become positive and sum to 1.

    Computed after subtracting the max along ``dim`` (no overflow). ``dtype``: cast the input to it
    first. Same shape as self. See ``reograd.softmax``.
    """
    return softmax(self, dim, dtype=dtype)


def _log_softmax_method(self, dim=None, dtype=None):
    """log_softmax(x)_i = x_i - log sum_j exp(x_j) along ``dim`` (log of ``softmax``, computed stably).

    ``dtype``: cast the input to it first. Same shape as self. See ``reograd.log_softmax``.
    """
    return log_softmax(self, dim, dtype=dtype)


_softmax_method.__name__, _softmax_method.__qualname__ = "softmax", "Tensor.softmax"
_log_softmax_method.__name__, _log_softmax_method.__qualname__ = "log_softmax", "Tensor.log_softmax"

register(hardshrink, celu, selu, prelu, rrelu, celu_, selu_, rrelu_)
register(softmax=_softmax_method, log_softmax=_log_softmax_method)
