"""``Adam`` and ``AdamW``: adaptive moment estimation (AdamW: decoupled weight decay)."""
from __future__ import annotations

import numpy as np

from ..autograd.tensor import Tensor
from .optimizer import (_ElementwiseOptimizer, _addcmul_sq_, _check_betas, _check_lr, _check_nonnegative, _float,
                        _lerp_)

__all__ = ["Adam", "AdamW"]


class Adam(_ElementwiseOptimizer):
    r"""Adam (``torch.optim.Adam``), with AMSGrad and optional decoupled weight decay.

    For gradient g (``-g`` when ``maximize``) at step t::

        p = p * (1 - lr * weight_decay)   if decoupled_weight_decay   else   g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g^2
        v_max = max(v_max, v)  (amsgrad: used in place of v below)
        p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    Args: lr (1e-3), betas ((0.9, 0.999)), eps (1e-8), weight_decay (0), amsgrad (False); keyword-only
    maximize (False), decoupled_weight_decay (False); foreach, capturable, differentiable, fused are
    accepted and ignored. State: ``'step'`` (0-d float32 tensor), ``'exp_avg'``, ``'exp_avg_sq'``,
    ``'max_exp_avg_sq'`` (amsgrad).
    """

    _option_defaults = {"maximize": False, "amsgrad": False, "decoupled_weight_decay": False}

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        _check_lr(lr)
        _check_nonnegative(epsilon=eps)
        _check_betas(betas)
        _check_nonnegative(weight_decay=weight_decay)
        betas = tuple(_float(b) if isinstance(b, Tensor) else b for b in betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _buffers(self, group):
        return ("exp_avg", "exp_avg_sq", "max_exp_avg_sq") if group["amsgrad"] else ("exp_avg", "exp_avg_sq")

    def _update(self, group, p, state):
        lr, eps = _float(group["lr"]), group["eps"]
        beta1, beta2 = (_float(b) for b in group["betas"])
        step = float(state["step"]._data)
        step_size = lr / (1 - beta1 ** step)
        bc2_sqrt = (1 - beta2 ** step) ** 0.5

        def adam(tmp, p, g, m, v, v_max=None):
            _lerp_(m, g, 1 - beta1, tmp)
            _addcmul_sq_(v, beta2, g, tmp)
            if v_max is not None:
                np.maximum(v_max, v, out=v_max)
                v = v_max
            np.sqrt(v, out=tmp)  # denominator: sqrt(v) / sqrt(1 - beta2^t) + eps
            tmp /= bc2_sqrt
            tmp += eps
            np.divide(m, tmp, out=tmp)
            tmp *= -step_size
            p += tmp
        return adam, [state[k] for k in self._buffers(group)]


class AdamW(Adam):
    r"""AdamW (``torch.optim.AdamW``): Adam with decoupled weight decay ``p = p * (1 - lr * weight_decay)``.

    Same arguments as :class:`Adam`, with weight_decay defaulting to 1e-2.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
