"""``NAdam``: Adam with Nesterov momentum (and the momentum-decay schedule of Dozat, 2016)."""
from __future__ import annotations

import numpy as np

from .optimizer import (_ElementwiseOptimizer, _addcmul_sq_, _check_betas, _check_lr, _check_nonnegative, _float,
                        _lerp_, _scalar_tensor)

__all__ = ["NAdam"]


class NAdam(_ElementwiseOptimizer):
    r"""NAdam (``torch.optim.NAdam``).

    ::

        mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay));  prod_t = prod_{t-1} * mu_t
        m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g^2
        d = sqrt(v / (1 - beta2^t)) + eps
        p = p - lr * (1 - mu_t) / (1 - prod_t) * g / d - lr * mu_{t+1} / (1 - prod_t * mu_{t+1}) * m / d

    Weight decay is L2 (added to g) or, with ``decoupled_weight_decay``, ``p *= 1 - lr * weight_decay``
    (NAdamW). Args: lr (2e-3), betas ((0.9, 0.999)), eps (1e-8), weight_decay (0), momentum_decay (4e-3),
    decoupled_weight_decay (False); keyword-only maximize (False); foreach, capturable,
    differentiable ignored. State: ``'step'``, ``'mu_product'`` (0-d float32), ``'exp_avg'``, ``'exp_avg_sq'``.
    """

    _scratch = 2
    _buffer_names = ("exp_avg", "exp_avg_sq")

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_lr(lr)
        _check_nonnegative(epsilon=eps)
        _check_betas(betas)
        _check_nonnegative(weight_decay=weight_decay, momentum_decay=momentum_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _init_state(self, group, p, state):
        super()._init_state(group, p, state)
        state["mu_product"] = _scalar_tensor(1.0)

    def _update(self, group, p, state):
        lr, eps, md = _float(group["lr"]), group["eps"], group["momentum_decay"]
        beta1, beta2 = (_float(b) for b in group["betas"])
        step = float(state["step"]._data)
        bc2 = 1 - beta2 ** step
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * md)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * md)))
        mp = state["mu_product"]._data
        mp *= np.float32(mu)  # a float32 0-d tensor in torch: keep its rounding
        mu_product = float(mp)
        c_g = -lr * (1.0 - mu) / (1.0 - mu_product)
        c_m = (-lr * mu_next) / (1.0 - mu_product * mu_next)

        def nadam(tmp, denom, p, g, m, v):
            _lerp_(m, g, 1 - beta1, tmp)
            _addcmul_sq_(v, beta2, g, tmp)
            np.divide(v, bc2, out=denom)  # d = sqrt(v / (1 - beta2^t)) + eps
            np.sqrt(denom, out=denom)
            denom += eps
            np.divide(g, denom, out=tmp)
            tmp *= c_g
            p += tmp
            np.divide(m, denom, out=tmp)
            tmp *= c_m
            p += tmp
        return nadam, (state["exp_avg"], state["exp_avg_sq"])
