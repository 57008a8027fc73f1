"""``RAdam``: Adam with a rectified (variance-corrected) adaptive learning rate."""
from __future__ import annotations

import numpy as np

from .optimizer import (_ElementwiseOptimizer, _addcmul_sq_, _check_betas, _check_lr, _check_nonnegative, _float,
                        _lerp_)

__all__ = ["RAdam"]


class RAdam(_ElementwiseOptimizer):
    r"""RAdam (``torch.optim.RAdam``).

    ::

        m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g^2;   m_hat = m / (1 - beta1^t)
        rho_inf = 2 / (1 - beta2) - 1;     rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
        if rho_t > 5:  r = sqrt((rho_t-4)(rho_t-2) rho_inf / ((rho_inf-4)(rho_inf-2) rho_t))
                       p = p - lr * m_hat * sqrt(1 - beta2^t) / (sqrt(v) + eps) * r
        else:          p = p - lr * m_hat

    Weight decay: L2, or decoupled (``p *= 1 - lr * weight_decay``) with ``decoupled_weight_decay``.
    Args: lr (1e-3), betas ((0.9, 0.999)), eps (1e-8), weight_decay (0), decoupled_weight_decay (False);
    keyword-only maximize (False); foreach, capturable, differentiable ignored.
    State: ``'step'``, ``'exp_avg'``, ``'exp_avg_sq'``.
    """

    _scratch = 2
    _buffer_names = ("exp_avg", "exp_avg_sq")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        _check_lr(lr)
        _check_nonnegative(epsilon=eps)
        _check_betas(betas)
        _check_nonnegative(weight_decay=weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, group, p, state):
        lr, eps = _float(group["lr"]), group["eps"]
        beta1, beta2 = (_float(b) for b in group["betas"])
        step = float(state["step"]._data)
        bc1 = 1 - beta1 ** step
        bc2 = 1 - beta2 ** step
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bc2
        # the variance of the adaptive step is tractable only for rho_t > 5: plain momentum SGD before
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5 \
            if rho_t > 5.0 else None

        def radam(tmp, upd, p, g, m, v):
            _lerp_(m, g, 1 - beta1, tmp)
            _addcmul_sq_(v, beta2, g, tmp)
            np.divide(m, bc1, out=upd)  # lr * m_hat
            upd *= lr
            if rect is not None:  # * sqrt(1 - beta2^t) / (sqrt(v) + eps) * r
                np.sqrt(v, out=tmp)
                tmp += eps
                np.divide(bc2 ** 0.5, tmp, out=tmp)
                upd *= tmp
                upd *= rect
            p -= upd
        return radam, (state["exp_avg"], state["exp_avg_sq"])
