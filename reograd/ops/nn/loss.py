"""Fused losses: cross-entropy (log-softmax + NLL in one op), NLL, binary cross-entropy.

``cross_entropy`` is the hot path of classification: one op, no intermediate graph nodes. With
class indices t, class weights w, label smoothing eps and C classes, every loss is a weighted sum
of -log_softmax(x) against a constant coefficient array Q (same layout as x):

    Q[i, c] = valid_i * ((1 - eps) w[t_i] [c == t_i] + eps / C * w_c)
    loss    = -sum_{i,c} Q[i, c] log_softmax(x)[i, c] / denom

(denom = sum_i valid_i w[t_i] for reduction='mean', 1 otherwise), so the gradient is
(softmax(x) * sum_c Q[i, c] - Q) / denom, computed from the softmax saved by forward. The backward
is written with Tensor ops when a graph is being recorded (double backward), with arrays otherwise.
"""
from __future__ import annotations

import numpy as np

from ...autograd.function import NativeFunction
from ...autograd.grad_mode import state as _gstate
from ...autograd.tensor import Tensor
from ..arguments import xp_of


def reduction_from_legacy(size_average, reduce, reduction="mean"):
    """torch's legacy ``size_average``/``reduce`` flags as a ``reduction`` string."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def _check_reduction(op, reduction, allowed=("none", "mean", "sum")):
    """Raise ValueError naming ``op`` unless ``reduction`` is one of ``allowed`` (internal argument check)."""
    if reduction not in allowed:
        raise ValueError(f"{op}: {reduction} is not a valid value for reduction (expected one of {allowed})")


def _move_class_last(a):
    """(N, C, d1, ...) -> (N, d1, ..., C); (C,) and (N, C) unchanged."""
    return a if a.ndim <= 2 else xp_of(a).moveaxis(a, 1, -1)


def _class_dim(ndim):
    return 0 if ndim == 1 else 1


def class_coefficients(op, input, target, weight, ignore_index, label_smoothing, reduction):
    """Q (same layout as input, float) and denominator for index targets (see the module doc)."""
    x = input._data
    t = target._data
    xp = xp_of(x)
    if t.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: expected target of an integer dtype (class indices) or of input's floating "
                           f"dtype (class probabilities), got {target.dtype} (input {input.dtype})")
    C = x.shape[_class_dim(x.ndim)] if x.ndim else 0
    if x.ndim == 0:
        raise ValueError(f"{op}: input must have at least 1 dimension (the classes), got a 0-d tensor")
    want = () if x.ndim == 1 else (x.shape[0],) + x.shape[2:]
    if t.shape != want:
        raise ValueError(f"{op}: expected target of shape {want} for input of shape {tuple(x.shape)} "
                         f"(class dimension {_class_dim(x.ndim)}), got target of shape {tuple(t.shape)}")
    valid = t != ignore_index
    tv = t[valid]
    if tv.size and (tv.min() < 0 or tv.max() >= C):
        bad = int(tv[(tv < 0) | (tv >= C)][0])
        raise IndexError(f"{op}: target {bad} is out of bounds for {C} classes")
    ts = xp.where(valid, t, 0)
    dt = x.dtype
    if weight is not None:
        w = weight._data.astype(dt, copy=False)
        if w.shape != (C,):
            raise RuntimeError(f"{op}: weight tensor should be defined either for all {C} classes or no classes "
                               f"but got weight tensor of shape: {tuple(w.shape)}")
    else:
        w = None
    wt = (w[ts] if w is not None else xp.ones(t.shape, dt)) * valid      # w[t_i] * valid_i
    xl = _move_class_last(x) if x.ndim > 1 else x
    q = xp.zeros(xl.shape, dt)
    oh_idx = ts[..., None] if x.ndim > 1 else ts[None]
    xp.put_along_axis(q, oh_idx.astype(np.int64), (wt * (1 - label_smoothing))[..., None] if x.ndim > 1
                      else (wt * (1 - label_smoothing)).reshape(1), axis=-1)
    if label_smoothing > 0:
        ws = (w if w is not None else xp.ones((C,), dt)) * (label_smoothing / C)
        q += valid[..., None] * ws
    if x.ndim > 2:
        q = xp.moveaxis(q, -1, 1)
    denom = float(wt.sum()) if reduction == "mean" else 1.0
    return q, denom


class CrossEntropy(NativeFunction):
    """loss = -sum(Q * log_softmax(x)) / denom (per position when reduction='none').

    Positional: x, and optionally a target-probabilities tensor (then Q = w * ((1-eps) T + eps/C)).
    """

    node_name = "CrossEntropyLossBackward0"

    @staticmethod
    def forward(ctx, x, tprob, q, denom, reduction, weight, eps):
        xp = xp_of(x)
        cd = _class_dim(x.ndim)
        if tprob is not None:
            C = x.shape[cd]
            wb = 1.0 if weight is None else weight.reshape((C,) + (1,) * (x.ndim - cd - 1))
            q = wb * (tprob * (1 - eps) + eps / C)
            ctx.wb = wb
        s = x - x.max(axis=cd, keepdims=True)
        lse = xp.log(xp.exp(s).sum(axis=cd, keepdims=True))
        logp = s - lse
        ctx.cd, ctx.q, ctx.denom, ctx.reduction, ctx.eps = cd, q, denom, reduction, eps
        ctx.save_for_backward(x, tprob)
        ctx.logp = logp
        per = -(q * logp).sum(axis=cd)
        if reduction == "none":
            return per
        total = per.sum()
        return xp.asarray(total / denom if reduction == "mean" else total, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        cd, q, denom = ctx.cd, ctx.q, ctx.denom
        gb = g.unsqueeze(cd) if ctx.reduction == "none" else g
        nx, nt = ctx.needs_input_grad[:2]
        gx = gt = None
        if _gstate.grad_enabled:  # recording (create_graph): differentiable Tensor formula
            from ..pointwise.softmax import log_softmax  # noqa: PLC0415

            x, tp = ctx.saved_tensors
            logp = log_softmax(x, cd)
            if nx:
                if tp is None:
                    qt = Tensor._make(q)
                else:
                    C = x.shape[cd]
                    qt = (tp * (1 - ctx.eps) + ctx.eps / C) * Tensor._make(np.asarray(ctx.wb, dtype=x._data.dtype))
                gx = (logp.exp() * qt.sum(cd, keepdim=True) - qt) * (gb / denom)
            if nt:
                gt = -(logp * Tensor._make(np.asarray(ctx.wb, dtype=logp._data.dtype) * (1 - ctx.eps))) * (gb / denom)
            return gx, gt, None, None, None, None, None
        logp = ctx.logp
        gd = gb._data / denom
        if nx:
            p = np.exp(logp)
            gx = Tensor._make(((p * q.sum(axis=cd, keepdims=True) - q) * gd).astype(logp.dtype, copy=False))
        if nt:
            gt = Tensor._make((-(logp * ctx.wb) * (1 - ctx.eps) * gd).astype(logp.dtype, copy=False))
        return gx, gt, None, None, None, None, None


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Cross-entropy of logits ``input`` (N, C) / (N, C, d1, ...) / (C,) against class indices
    (N,) / (N, d1, ...) / () or class probabilities (input's shape), as ``torch.nn.functional.cross_entropy``.

    loss_i = -sum_c w_c T_ic log softmax(x_i)_c with T the (label-smoothed) one-hot or probability
    target; reduction 'mean' divides by sum_i w[t_i] over non-ignored targets (index targets) or by
    the number of positions (probability targets). One fused op; grad = (softmax - T) / denom.
    """
    reduction = reduction_from_legacy(size_average, reduce, reduction)
    _check_reduction("cross_entropy", reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if not isinstance(input, Tensor) or not isinstance(target, Tensor):
        raise TypeError("cross_entropy: input and target must be Tensors")
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"cross_entropy: expected a floating point input (logits), got {input.dtype}")
    if target._data.dtype.kind == "f":  # class probabilities
        if tuple(target.shape) != tuple(input.shape):
            index_shape = tuple(input.shape[:1]) + tuple(input.shape[2:])
            if tuple(target.shape) == index_shape:
                raise RuntimeError(f"cross_entropy: target of shape {tuple(target.shape)} has dtype {target.dtype}; "
                                   f"class-index targets must be int64 (reograd.int64), or give float class "
                                   f"probabilities of the input's shape {tuple(input.shape)}")
            raise RuntimeError(f"cross_entropy: class-probability target must have the input's shape "
                               f"{tuple(input.shape)}, got {tuple(target.shape)}")
        if target.dtype != input.dtype:
            target = target.to(input.dtype)
        w = None if weight is None else weight._data.astype(input._data.dtype, copy=False)
        n = input._data.size // max(input.shape[_class_dim(input.dim())], 1) if input.dim() else 1
        denom = float(n) if reduction == "mean" else 1.0
        return CrossEntropy.apply(input, target, None, denom, reduction, w, label_smoothing)
    q, denom = class_coefficients("cross_entropy", input, target, weight, ignore_index, label_smoothing, reduction)
    return CrossEntropy.apply(input, None, q, denom, reduction, None, 0.0)


def _ce_jvp(ctx, tx, tt, *_):
    cd, denom = ctx.cd, ctx.denom
    logp = Tensor._make(ctx.logp)
    q = Tensor._make(ctx.q) if not isinstance(ctx.q, Tensor) else ctx.q
    per = None
    if tx is not None:
        p = logp.exp()
        per = -((q * tx).sum(cd) - q.sum(cd) * (p * tx).sum(cd))
    if tt is not None:
        wb = Tensor._make(np.asarray(ctx.wb, dtype=ctx.logp.dtype) * (1 - ctx.eps))
        pt = -(wb * tt * logp).sum(cd)
        per = pt if per is None else per + pt
    if ctx.reduction == "none":
        return per
    return per.sum() / denom if ctx.reduction == "mean" else per.sum()


CrossEntropy.jvp = staticmethod(_ce_jvp)


class NLL(NativeFunction):
    """loss = -sum(Q * x) / denom (linear in x: the gradient is the constant -Q/denom times g)."""

    node_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, x, q, denom, reduction):
        cd = _class_dim(x.ndim)
        ctx.cd, ctx.q, ctx.denom, ctx.reduction = cd, q, denom, reduction
        ctx.save_for_backward(x)
        per = -(q * x).sum(axis=cd)
        if reduction == "none":
            return per
        total = per.sum()
        return xp_of(x).asarray(total / denom if reduction == "mean" else total, dtype=x.dtype)

    @staticmethod
    def backward(ctx, g):
        gb = g.unsqueeze(ctx.cd) if ctx.reduction == "none" else g
        gx = Tensor._make(-ctx.q / ctx.denom) * gb
        if _gstate.grad_enabled and not gx._requires_grad:
            (x,) = ctx.saved_tensors
            if x._requires_grad:
                gx = gx + x * 0  # linear in x: a zero second derivative, recorded as torch does
        return gx, None, None, None

    @staticmethod
    def jvp(ctx, t, *_):
        per = -(t * Tensor._make(ctx.q)).sum(ctx.cd)
        if ctx.reduction == "none":
            return per
        return per.sum() / ctx.denom if ctx.reduction == "mean" else per.sum()


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log-likelihood of log-probabilities ``input`` (N, C[, d1, ...]) at class indices ``target``.

    loss_i = -w[t_i] x[i, t_i]; 'mean' divides by sum_i w[t_i] over non-ignored targets.
    """
    reduction = reduction_from_legacy(size_average, reduce, reduction)
    _check_reduction("nll_loss", reduction)
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"nll_loss: expected a floating point input, got {input.dtype}")
    q, denom = class_coefficients("nll_loss", input, target, weight, ignore_index, 0.0, reduction)
    return NLL.apply(input, q, denom, reduction)


class BinaryCrossEntropy(NativeFunction):
    """loss = -w (y log x + (1 - y) log(1 - x)), each log clamped at -100 (as torch)."""

    node_name = "BinaryCrossEntropyBackward0"

    @staticmethod
    def forward(ctx, x, y, w):
        xp = xp_of(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            l1 = xp.maximum(xp.log(x), -100)
            l2 = xp.maximum(xp.log1p(-x), -100)
        ctx.save_for_backward(x, y, w)
        out = -(y * l1 + (1 - y) * l2)
        if w is not None:
            out = out * w
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, y, w = ctx.saved_tensors
        nx, ny = ctx.needs_input_grad[:2]
        gx = gy = None
        gw = g if w is None else g * w
        if nx:
            # torch: w (x - y) / max((1 - x) x, 1e-12)
            d = (1 - x) * x
            from ..pointwise.where import where_  # noqa: PLC0415

            d = where_(d._data > 1e-12, d, 1e-12)
            gx = gw * (x - y) / d
        if ny:
            from ..pointwise.activation import clamp_min_nograd  # noqa: PLC0415

            # torch: -w (log x - log(1 - x)) with each log clamped at -100
            gy = -gw * (clamp_min_nograd(x.log(), -100.0) - clamp_min_nograd((1 - x).log(), -100.0))
        return gx, gy, None


def _bce_jvp(ctx, tx, ty, tw):
    from ..pointwise.activation import clamp_min_nograd
    from ..pointwise.where import where_  # noqa: PLC0415

    x, y, w = ctx.saved_tensors
    out = None
    if tx is not None:
        d = (1 - x) * x
        d = where_(d._data > 1e-12, d, 1e-12)
        out = tx * (x - y) / d
    if ty is not None:
        t = -ty * (clamp_min_nograd(x.log(), -100.0) - clamp_min_nograd((1 - x).log(), -100.0))
        out = t if out is None else out + t
    return out if w is None else out * w


BinaryCrossEntropy.jvp = staticmethod(_bce_jvp)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-w [y log x + (1-y) log(1-x)] with probabilities ``input`` in [0, 1]; logs clamped at -100."""
    reduction = reduction_from_legacy(size_average, reduce, reduction)
    _check_reduction("binary_cross_entropy", reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"binary_cross_entropy: Using a target size ({tuple(target.shape)}) that is different to "
                         f"the input size ({tuple(input.shape)}) is deprecated. Please ensure they have the same "
                         "size.")
    x = input._data
    if x.size and (x.min() < 0 or x.max() > 1):
        raise RuntimeError("binary_cross_entropy: all elements of input should be between 0 and 1")
    if weight is not None:
        from ..shape.views import broadcast_to  # noqa: PLC0415

        weight = broadcast_to(weight.to(input.dtype), tuple(input.shape))
    if target.dtype != input.dtype:
        target = target.to(input.dtype)
    out = BinaryCrossEntropy.apply(input, target, weight)
    return reduce_loss(out, reduction)


def reduce_loss(out, reduction):
    """Apply 'none' / 'mean' / 'sum' to an elementwise loss."""
    if reduction == "none":
        return out
    if reduction == "mean":
        return out.mean()
    if reduction == "sum":
        return out.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")
