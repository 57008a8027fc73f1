"""``reograd.nn.functional`` (as ``torch.nn.functional``): activations, losses, normalisation,
dropout, distances, embedding; the stateless forms of the ``nn`` layers."""
from __future__ import annotations

import math
import warnings

import numpy as np

from ..ops.creation.generator import rng
from .. import backend
from ..autograd.tensor import Tensor
from ..ops.pointwise.activation import (abs_, arctan, binary_step, celu, clamp_min_, clamp_min_nograd, elu, gelu,
                                        hardshrink, hardsigmoid, hardswish, hardtanh, leaky_relu, logsigmoid, mish,
                                        prelu, relu6, rrelu, selu, silu, softplus, softshrink, softsign, tanhshrink,
                                        threshold)
from ..ops.pointwise.softmax import glu, log_softmax, softmax, softmin
from ..ops.pointwise.where import where_
from ..ops.nn.dropout import alpha_dropout_f as alpha_dropout
from ..ops.nn.dropout import dropout1d, dropout2d, dropout3d
from ..ops.nn.linear import bilinear, linear  # noqa: F401
from ..ops.nn.dropout import dropout_f as dropout
from ..ops.nn.dropout import feature_alpha_dropout_f as feature_alpha_dropout
from ..ops.pointwise.arithmetic import relu
from ..ops.pointwise.arithmetic import sigmoid as _sigmoid
from ..ops.pointwise.arithmetic import tanh as _tanh
from ..ops.nn.loss import (_check_reduction, binary_cross_entropy, cross_entropy, nll_loss, reduce_loss,
                           reduction_from_legacy)
from ..ops.nn.normalization import batch_norm, group_norm, instance_norm, layer_norm, local_response_norm, rms_norm

__all__ = [n for n in dir() if not n.startswith("_") and n not in ("annotations", "math", "warnings", "np",
                                                                     "backend", "NativeFunction", "Tensor")]


def sigmoid(input):
    """1 / (1 + exp(-input))."""
    return _sigmoid(input)


def tanh(input):
    """Hyperbolic tangent, elementwise: tanh(x) = (e^x - e^-x) / (e^x + e^-x), in (-1, 1)."""
    return _tanh(input)


def _relu_(input):
    """In-place relu: input = max(input, 0); returns input."""
    return relu(input, True)


relu_ = _relu_


def elu_(input, alpha=1.0):
    """In-place elu: x if x > 0 else alpha * (exp(x) - 1); returns input."""
    return elu(input, alpha, True)


def leaky_relu_(input, negative_slope=0.01):
    """In-place leaky_relu: x if x >= 0 else negative_slope * x; returns input."""
    return leaky_relu(input, negative_slope, True)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """In-place hardtanh: clamp(x, min_val, max_val); returns input."""
    return hardtanh(input, min_val, max_val, True)


def celu_(input, alpha=1.0):
    """In-place celu: max(0, x) + min(0, alpha * (exp(x / alpha) - 1)); returns input."""
    return celu(input, alpha, True)


def selu_(input):
    """In-place selu: scale * (max(0, x) + min(0, alpha * (exp(x) - 1))), alpha ~ 1.6733, scale ~ 1.0507."""
    return selu(input, True)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """In-place rrelu: x if x >= 0 else a * x, a ~ U(lower, upper) when training, (lower + upper) / 2 otherwise."""
    return rrelu(input, lower, upper, training, True)


def threshold_(input, threshold, value):
    """In-place threshold: x if x > threshold else value; returns input."""
    from ..ops.pointwise.activation import threshold as _th  # noqa: PLC0415

    return _th(input, threshold, value, True)


def tanh_(input):
    """In-place tanh: input = tanh(input); returns input."""
    return input.tanh_()


def sigmoid_(input):
    """In-place sigmoid: input = 1 / (1 + exp(-input)); returns input."""
    return input.sigmoid_()


# --------------------------------------------------------------------------- re-exports from other engineers
def pad(input, pad, mode="constant", value=None):  # noqa: A002
    """Pad ``input``: ``pad`` = (left, right) for the last dim, then (left, right) for the one before, ...

    ``mode``: 'constant' (fill with ``value``, default 0; negative pads crop), 'reflect', 'replicate' or
    'circular' (these pad the last 1, 2 or 3 dims of a batched 2-5-D input). See ``reograd.ops.pad.pad``.

    Example: ``F.pad(torch.ones(1, 2, 3), (1, 1)).shape`` is (1, 2, 5).
    """
    from ..ops.shape.pad import pad as _pad  # noqa: PLC0415

    return _pad(input, pad, mode, value) if value is not None else _pad(input, pad, mode)


def one_hot(tensor, num_classes=-1):
    """One-hot encoding: out[..., c] = 1 if tensor[...] == c else 0, int64 of shape tensor.shape + (num_classes,).

    ``tensor``: int64 class indices in [0, num_classes); ``num_classes=-1`` uses tensor.max() + 1.
    Example: ``F.one_hot(torch.tensor([0, 2]), 3)`` is ``[[1, 0, 0], [0, 0, 1]]``.
    """
    from ..ops.indexing.counting import one_hot as _oh  # noqa: PLC0415

    return _oh(tensor, num_classes)


# --------------------------------------------------------------------------- reductions
def _red(size_average, reduce, reduction, op):
    r = reduction_from_legacy(size_average, reduce, reduction)
    if size_average is not None or reduce is not None:
        warnings.warn("size_average and reduce args will be deprecated, please use reduction='" + r + "' instead.",
                      UserWarning, stacklevel=3)
    _check_reduction(op, r)
    return r


def _same_shape(op, input, target):
    if tuple(input.shape) != tuple(target.shape):
        try:
            np.broadcast_shapes(tuple(input.shape), tuple(target.shape))
        except ValueError:
            raise RuntimeError(f"{op}: target shape {tuple(target.shape)} does not broadcast with input shape "
                               f"{tuple(input.shape)} (expected the input's shape)") from None
        warnings.warn(f"Using a target size ({tuple(target.shape)}) that is different to the input size "
                      f"({tuple(input.shape)}). This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", UserWarning, stacklevel=3)


# --------------------------------------------------------------------------- regression losses
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """(input - target)^2, reduced."""
    r = _red(size_average, reduce, reduction, "mse_loss")
    _same_shape("mse_loss", input, target)
    d = input - target
    out = d * d
    if weight is not None:
        out = out * weight
    return reduce_loss(out, r)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """|input - target|, reduced."""
    r = _red(size_average, reduce, reduction, "l1_loss")
    _same_shape("l1_loss", input, target)
    out = abs_(input - target)
    if weight is not None:
        out = out * weight
    return reduce_loss(out, r)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target)."""
    r = _red(size_average, reduce, reduction, "smooth_l1_loss")
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = input - target
    if beta == 0:
        return reduce_loss(abs_(d), r)
    a = abs_(d)
    out = where_(a._data < beta, d * d * (0.5 / beta), a - 0.5 * beta)
    return reduce_loss(out, r)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta)."""
    _check_reduction("huber_loss", reduction)
    d = input - target
    a = abs_(d)
    out = where_(a._data < delta, d * d * 0.5, (a - 0.5 * delta) * delta)
    if weight is not None:
        out = out * weight
    return reduce_loss(out, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    """-[p y log sigma(x) + (1 - y) log(1 - sigma(x))], computed stably as
    (1 - y) x + (1 + (p - 1) y) softplus(-x)  (= max(x, 0) - x y + log1p(exp(-|x|)) when p = 1)."""
    r = _red(size_average, reduce, reduction, "binary_cross_entropy_with_logits")
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({list(target.shape)}) must be the same as input size ({list(input.shape)})")
    sp = softplus(-input, 1.0, math.inf)
    if pos_weight is not None:
        lw = (pos_weight - 1) * target + 1
        out = (1 - target) * input + lw * sp
    else:
        out = (1 - target) * input + sp
    if weight is not None:
        out = out * weight
    return reduce_loss(out, r)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Pointwise KL divergence with log-probabilities ``input``: target (log target - input)
    (exp(target) (target - input) when ``log_target``). 'batchmean' divides the sum by the batch size."""
    r = reduction_from_legacy(size_average, reduce, reduction)
    _check_reduction("kl_div", r, ("none", "mean", "sum", "batchmean"))
    if r == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      UserWarning, stacklevel=2)
    if log_target:
        out = target.exp() * (target - input)
    else:
        pos = target._data > 0
        safe = where_(pos, target, 1.0)
        out = where_(pos, target * safe.log(), 0.0) - target * input
    if r == "batchmean":
        return out.sum() / (input.shape[0] if input.dim() else 1)
    return reduce_loss(out, r)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """exp(x) - y x (log_input) or x - y log(x + eps); ``full`` adds Stirling's y log y - y + 0.5 log(2 pi y) for y > 1."""
    r = _red(size_average, reduce, reduction, "poisson_nll_loss")
    if log_input:
        out = input.exp() - target * input
    else:
        out = input - target * (input + eps).log()
    if full:
        big = target._data > 1
        ys = where_(big, target, 1.0)
        out = out + where_(big, ys * ys.log() - ys + (ys * (2 * math.pi)).log() * 0.5, 0.0)
    return reduce_loss(out, r)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """0.5 (log max(var, eps) + (input - target)^2 / max(var, eps)) (+ 0.5 log 2 pi when ``full``)."""
    _check_reduction("gaussian_nll_loss", reduction)
    if not isinstance(var, Tensor):
        var = Tensor._make(np.full(tuple(input.shape), float(var), dtype=input._data.dtype))
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1:
            pass
        else:
            raise ValueError(f"gaussian_nll_loss: var is of incorrect size (input {tuple(input.shape)}, var "
                             f"{tuple(var.shape)})")
    if (var._data < 0).any():
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    v = clamp_min_nograd(var, eps)
    d = input - target
    out = (v.log() + d * d / v) * 0.5
    if full:
        out = out + 0.5 * math.log(2 * math.pi)
    return reduce_loss(out, reduction)


# --------------------------------------------------------------------------- margin / ranking losses
def _pm1(t, like):
    return t.to(like.dtype) if t.dtype != like.dtype else t


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """x where y = 1; max(0, margin - x) where y = -1."""
    r = _red(size_average, reduce, reduction, "hinge_embedding_loss")
    y = target._data
    mc = clamp_min_(margin - input, 0.0)
    out = where_(y != 1, mc, 0.0) + where_(y != -1, input, 0.0)
    return reduce_loss(out, r)


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """max(0, -y (x1 - x2) + margin)."""
    r = _red(size_average, reduce, reduction, "margin_ranking_loss")
    out = clamp_min_(-_pm1(target, input1) * (input1 - input2) + margin, 0.0)
    return reduce_loss(out, r)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-y x)), computed stably."""
    r = _red(size_average, reduce, reduction, "soft_margin_loss")
    return reduce_loss(softplus(-_pm1(target, input) * input, 1.0, math.inf), r)


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """1 - cos(x1, x2) where y = 1; max(0, cos(x1, x2) - margin) where y = -1."""
    r = _red(size_average, reduce, reduction, "cosine_embedding_loss")
    dim = input1.dim() - 1
    eps = 1e-12
    prod = (input1 * input2).sum(dim)
    m1 = (input1 * input1).sum(dim) + eps
    m2 = (input2 * input2).sum(dim) + eps
    cos = prod / (m1 * m2).sqrt()
    y = target._data
    out = where_(y == 1, 1 - cos, 0.0) + where_(y == -1, clamp_min_(cos - margin, 0.0), 0.0)
    return reduce_loss(out, r)


def _onehot_const(target, C, dtype):
    t = target._data
    oh = np.zeros(t.shape + (C,), dtype=dtype)
    np.put_along_axis(oh, t[..., None].astype(np.int64), 1.0, axis=-1)
    return oh


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """sum_{j != y} w_y max(0, margin - x_y + x_j)^p / C for each sample."""
    r = _red(size_average, reduce, reduction, "multi_margin_loss")
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    x = input if input.dim() > 1 else input.unsqueeze(0)
    C = x.shape[1]
    t = target.reshape(-1)
    if (t._data < 0).any() or (t._data >= C).any():
        bad = int(t._data[(t._data < 0) | (t._data >= C)][0])
        raise IndexError(f"multi_margin_loss: target {bad} is out of bounds for {C} classes")
    oh = _onehot_const(t, C, x._data.dtype)
    xy = (x * Tensor._make(oh)).sum(1, keepdim=True)
    z = clamp_min_(x - xy + margin, 0.0) * Tensor._make(1 - oh)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * Tensor._make(weight._data.astype(x._data.dtype)[t._data][:, None])
    out = z.sum(1) / C
    if input.dim() == 1:
        out = out.reshape(())
    return reduce_loss(out, r)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-mean_c [y log sigma(x) + (1 - y) log sigma(-x)] (times weight_c) per sample."""
    r = _red(size_average, reduce, reduction, "multilabel_soft_margin_loss")
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(input.dim() - 1) / input.shape[-1]
    return reduce_loss(loss, r)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """max(0, margin + d(a, p) - d(a, n)) with d the p-norm pairwise distance (``swap``: d(a, n) := min(d(a, n), d(p, n)))."""
    r = _red(size_average, reduce, reduction, "triplet_margin_loss")
    dp = pairwise_distance(anchor, positive, p, eps)
    dn = pairwise_distance(anchor, negative, p, eps)
    if swap:
        ds = pairwise_distance(positive, negative, p, eps)
        dn = where_(ds._data < dn._data, ds, dn)
    return reduce_loss(clamp_min_(dp - dn + margin, 0.0), r)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0,
                                      swap=False, reduction="mean"):
    """max(0, margin + d(a, p) - d(a, n)) for any distance function (pairwise_distance by default)."""
    _check_reduction("triplet_margin_with_distance_loss", reduction)
    d = distance_function or pairwise_distance
    dp, dn = d(anchor, positive), d(anchor, negative)
    if swap:
        ds = d(positive, negative)
        dn = where_(ds._data < dn._data, ds, dn)
    return reduce_loss(clamp_min_(dp - dn + margin, 0.0), reduction)


# --------------------------------------------------------------------------- distances
def _pnorm(x, p, dim, keepdim=False):
    if p == 2:
        return (x * x).sum(dim, keepdim=keepdim).sqrt()
    if p == 1:
        return abs_(x).sum(dim, keepdim=keepdim)
    if p == math.inf:
        from ..ops.arguments import const as _const  # noqa: PLC0415

        a = abs_(x)
        m = np.abs(x._data).max(axis=dim, keepdims=True)
        sel = (np.abs(x._data) == m)
        sel = sel / sel.sum(axis=dim, keepdims=True)
        return (a * _const(sel, x._data)).sum(dim, keepdim=keepdim)
    return (abs_(x) ** p).sum(dim, keepdim=keepdim) ** (1.0 / p)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last dim."""
    d = x1 - x2 + eps
    return _pnorm(d, p, d.dim() - 1 if d.dim() else 0, keepdim)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 x2) / (max(||x1||, eps) max(||x2||, eps)) along ``dim``."""
    n1 = clamp_min_nograd(_pnorm(x1, 2, dim, True), eps)
    n2 = clamp_min_nograd(_pnorm(x2, 2, dim, True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p, eps) along ``dim``."""
    n = clamp_min_(_pnorm(input, p, dim, True), eps)
    return input / n


# embedding / embedding_bag: in nn/modules/sparse.py beside their modules (module __getattr__ below)


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """softmax((logits + Gumbel noise) / tau); ``hard``: one-hot of the argmax with the soft gradient."""
    u = rng().random(tuple(logits.shape))
    g = -np.log(-np.log(u + eps) + eps)
    y = softmax((logits + Tensor._make(g.astype(logits._data.dtype))) / tau, dim)
    if not hard:
        return y
    d = y._data
    oh = np.zeros_like(d)
    np.put_along_axis(oh, d.argmax(axis=dim)[..., None] if dim in (-1, d.ndim - 1) else
                      np.expand_dims(d.argmax(axis=dim), dim), 1.0, axis=dim)
    return y - y.detach() + Tensor._make(oh)


__all__ = [n for n in dir() if not n.startswith("_") and n not in (
    "annotations", "math", "warnings", "np", "backend", "NativeFunction", "Tensor", "abs_", "clamp_min_",
    "clamp_min_nograd", "where_", "reduce_loss", "reduction_from_legacy")] + [
    "embedding", "embedding_bag"]  # noqa: F822 (served by the module __getattr__ at the end)


# convolution and pooling (reograd/ops/conv.py, pool.py, adaptive_pool.py, upsample.py, im2col.py)
from ..ops.nn.adaptive_pool import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d,
                                    adaptive_max_pool1d, adaptive_max_pool1d_with_indices, adaptive_max_pool2d,
                                    adaptive_max_pool2d_with_indices, adaptive_max_pool3d)
from ..ops.nn.conv import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d
from ..ops.nn.im2col import fold, unfold  # noqa: E402,F401
from ..ops.nn.pooling import (avg_pool1d, avg_pool2d, avg_pool3d, lp_pool1d, lp_pool2d, lp_pool3d, max_pool1d,
                              max_pool1d_with_indices, max_pool2d, max_pool2d_with_indices, max_pool3d,
                              max_pool3d_with_indices, max_unpool1d, max_unpool2d, max_unpool3d)
from ..ops.nn.upsample import (interpolate, pixel_shuffle, pixel_unshuffle, upsample, upsample_bilinear,
                               upsample_nearest)

def __getattr__(name):
    # the embedding ops live beside the Embedding module (nn/modules/sparse.py); imported lazily
    if name in ("embedding", "embedding_bag"):
        from .modules import sparse  # noqa: PLC0415

        return getattr(sparse, name)
    raise AttributeError(f"module 'reograd.nn.functional' has no attribute {name!r}")
