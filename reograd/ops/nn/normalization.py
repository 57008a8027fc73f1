"""Normalisation: batch_norm, layer_norm, group_norm, instance_norm.

All share one fused op, ``Normalize``: xhat = (x - mean) / sqrt(var + eps) over a set of axes
(biased variance), with the closed-form backward

    dx = rstd * (g - mean(g) - xhat * mean(g * xhat))      (means over the normalised axes)

computed on arrays when no graph is recorded, and with Tensor ops (from x) under
``create_graph`` so the double backward is exact. The affine part (weight, bias) is a multiply
and an add broadcast over the channel axis.
"""
from __future__ import annotations

import numpy as np

from ...autograd.function import NativeFunction
from ...autograd.grad_mode import state as _gstate
from ...autograd.tensor import Tensor
from ..arguments import xp_of


class Normalize(NativeFunction):
    """xhat = (x - mean_axes(x)) / sqrt(var_axes(x) + eps)."""

    node_name = "NativeNormBackward0"

    @staticmethod
    def forward(ctx, x, axes, eps):
        xp = xp_of(x)
        mu = x.mean(axis=axes, keepdims=True)
        xc = x - mu
        var = (xc * xc).mean(axis=axes, keepdims=True)
        rstd = 1.0 / xp.sqrt(var + eps)
        xhat = (xc * rstd).astype(x.dtype, copy=False)
        ctx.axes, ctx.eps = axes, eps
        ctx.rstd, ctx.xhat_arr = rstd.astype(x.dtype, copy=False), xhat
        ctx.mu, ctx.var = mu, var
        ctx.save_for_backward(x)
        return xhat

    @staticmethod
    def backward(ctx, g):
        axes = ctx.axes
        if _gstate.grad_enabled:
            (x,) = ctx.saved_tensors
            xc = x - x.mean(axes, keepdim=True)
            rstd = ((xc * xc).mean(axes, keepdim=True) + ctx.eps) ** -0.5
            xhat = xc * rstd
            return rstd * (g - g.mean(axes, keepdim=True) - xhat * (g * xhat).mean(axes, keepdim=True)), None, None
        gd = g._data
        xhat = ctx.xhat_arr
        gx = ctx.rstd * (gd - gd.mean(axis=axes, keepdims=True) - xhat * (gd * xhat).mean(axis=axes, keepdims=True))
        return Tensor._make(gx.astype(gd.dtype, copy=False)), None, None

    @staticmethod
    def jvp(ctx, t, *_):
        axes = ctx.axes
        (x,) = ctx.saved_tensors
        xc = x - x.mean(axes, keepdim=True)
        rstd = ((xc * xc).mean(axes, keepdim=True) + ctx.eps) ** -0.5
        xhat = xc * rstd
        return rstd * (t - t.mean(axes, keepdim=True) - xhat * (t * xhat).mean(axes, keepdim=True))


def _affine(y, weight, bias, shape):
    if weight is not None:
        y = y * (weight.reshape(shape) if tuple(weight.shape) != shape else weight)
    if bias is not None:
        y = y + (bias.reshape(shape) if tuple(bias.shape) != shape else bias)
    return y


def _chan_shape(x):
    return (1, x.shape[1]) + (1,) * (x.dim() - 2)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Batch normalisation over all dims but the channel dim 1 of ``input`` (N, C, *).

    training: normalise with the batch statistics and update ``running_mean``/``running_var`` in
    place (running = (1 - momentum) running + momentum batch; the variance stored is unbiased).
    eval: normalise with the running statistics. y = xhat * weight + bias (per channel).
    """
    if input.dim() < 2:
        raise ValueError(f"batch_norm: expected 2D or more input (N, C, ...), got input of shape {tuple(input.shape)}")
    C = input.shape[1]
    for nm, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != C:
            raise RuntimeError(f"batch_norm: {nm} should contain {C} elements not {t.numel()} "
                               f"(input shape {tuple(input.shape)})")
    cs = _chan_shape(input)
    if training:
        n = input.numel() // C
        if n <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"{list(input.shape)}")
        axes = (0,) + tuple(range(2, input.dim()))
        y = Normalize.apply(input, axes, eps)
        ctx_mu = input._data.mean(axis=axes)
        if running_mean is not None:
            rm = running_mean._data
            rm *= (1 - momentum)
            rm += momentum * ctx_mu.astype(rm.dtype)
            running_mean._version_counter[0] += 1
        if running_var is not None:
            var = input._data.var(axis=axes) * (n / (n - 1))
            rv = running_var._data
            rv *= (1 - momentum)
            rv += momentum * var.astype(rv.dtype)
            running_var._version_counter[0] += 1
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm: running_mean and running_var must be defined in evaluation mode")
        xp = xp_of(input._data)
        dt = input._data.dtype
        rstd = Tensor._make((1.0 / xp.sqrt(running_var._data.astype(dt) + eps)).reshape(cs))
        y = (input - Tensor._make(running_mean._data.astype(dt).reshape(cs))) * rstd
    return _affine(y, weight, bias, cs)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the last ``len(normalized_shape)`` dims; y = xhat * weight + bias (elementwise)."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    ns = tuple(int(s) for s in normalized_shape)
    k = len(ns)
    if k == 0 or tuple(input.shape[input.dim() - k:]) != ns or input.dim() < k:
        raise RuntimeError(f"layer_norm: Given normalized_shape={list(ns)}, expected input with shape [*, "
                           f"{', '.join(map(str, ns))}], but got input of size{list(input.shape)}")
    for nm, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != ns:
            raise RuntimeError(f"layer_norm: {nm} of shape {tuple(t.shape)} does not match normalized_shape {ns}")
    axes = tuple(range(input.dim() - k, input.dim()))
    y = Normalize.apply(input, axes, eps)
    return _affine(y, weight, bias, ns)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Split the C channels of ``input`` (N, C, *) into ``num_groups`` groups and normalise each
    group over its channels and spatial dims; then a per-channel affine."""
    if input.dim() < 2:
        raise RuntimeError(f"group_norm: expected input of at least 2 dims (N, C, ...), got {tuple(input.shape)}")
    N, C = input.shape[0], input.shape[1]
    if C % num_groups:
        raise RuntimeError(f"group_norm: Expected number of channels in input to be divisible by num_groups, but "
                           f"got input of shape {list(input.shape)} and num_groups={num_groups}")
    for nm, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != C:
            raise RuntimeError(f"group_norm: Expected {nm} to be a vector of size equal to the number of channels "
                               f"in input, but got {nm} of shape {list(t.shape)} and input of shape "
                               f"{list(input.shape)}")
    xs = input.reshape(N, num_groups, -1)
    y = Normalize.apply(xs, (2,), eps).reshape(tuple(input.shape))
    return _affine(y, weight, bias, _chan_shape(input))


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Normalise each (sample, channel) over its spatial dims; optional running stats (averaged over the batch)."""
    if input.dim() < 3:
        raise ValueError(f"instance_norm: expected input of at least 3 dims (N, C, L...), got {tuple(input.shape)}")
    cs = _chan_shape(input)
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    axes = tuple(range(2, input.dim()))
    y = Normalize.apply(input, axes, eps)
    if running_mean is not None or running_var is not None:
        x = input._data
        n = int(np.prod([input.shape[a] for a in axes]))
        if running_mean is not None:
            rm = running_mean._data
            rm *= (1 - momentum)
            rm += momentum * x.mean(axis=axes).mean(axis=0).astype(rm.dtype)
            running_mean._version_counter[0] += 1
        if running_var is not None:
            rv = running_var._data
            rv *= (1 - momentum)
            rv += momentum * (x.var(axis=axes) * (n / max(n - 1, 1))).mean(axis=0).astype(rv.dtype)
            running_var._version_counter[0] += 1
    return _affine(y, weight, bias, cs)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha/size * sum of x^2 over ``size`` neighbouring channels)^beta (composite of Tensor ops)."""
    if input.dim() < 3:
        raise ValueError(f"local_response_norm: expected 3D or higher input, got {input.dim()}D")
    C = input.shape[1]
    sq = input * input
    # sum over the window [c - size//2, c + (size-1)//2] as a banded matrix product along channels
    lo, hi = size // 2, (size - 1) // 2
    band = np.zeros((C, C), dtype=input._data.dtype)
    for c in range(C):
        band[max(c - lo, 0):min(c + hi + 1, C), c] = 1.0
    perm = [0] + list(range(2, input.dim())) + [1]
    inv = [0, input.dim() - 1] + list(range(1, input.dim() - 1))
    s = (sq.permute(*perm) @ Tensor._make(band)).permute(*inv)
    div = (s * (alpha / size) + k) ** beta
    return input / div


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2 over the last len(normalized_shape) dims) + eps) * weight (eps: the dtype's epsilon)."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    ns = tuple(int(s) for s in normalized_shape)
    k = len(ns)
    if k == 0 or input.dim() < k or tuple(input.shape[input.dim() - k:]) != ns:
        raise RuntimeError(f"rms_norm: Given normalized_shape={list(ns)}, expected input with shape [*, "
                           f"{', '.join(map(str, ns))}], but got input of size{list(input.shape)}")
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    axes = tuple(range(input.dim() - k, input.dim()))
    y = input * ((input * input).mean(axes, keepdim=True) + eps) ** -0.5
    return y * weight if weight is not None else y
