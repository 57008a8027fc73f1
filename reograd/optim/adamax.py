"""``Adamax``: the infinity-norm variant of Adam."""
from __future__ import annotations

import numpy as np

from .optimizer import _ElementwiseOptimizer, _check_betas, _check_lr, _check_nonnegative, _float, _lerp_

__all__ = ["Adamax"]


class Adamax(_ElementwiseOptimizer):
    r"""Adamax (``torch.optim.Adamax``).

    ::

        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        u = max(beta2 * u, |g| + eps)
        p = p - lr / (1 - beta1^t) * m / u

    Args: lr (2e-3), betas ((0.9, 0.999)), eps (1e-8), weight_decay (0), foreach (ignored);
    keyword-only maximize (False), differentiable, capturable (ignored).
    State: ``'step'``, ``'exp_avg'``, ``'exp_inf'``.
    """

    _buffer_names = ("exp_avg", "exp_inf")

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        _check_nonnegative(epsilon=eps)
        _check_betas(betas)
        _check_nonnegative(weight_decay=weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _update(self, group, p, state):
        lr, eps = _float(group["lr"]), group["eps"]
        beta1, beta2 = (_float(b) for b in group["betas"])
        clr = lr / (1 - beta1 ** float(state["step"]._data))

        def adamax(tmp, p, g, m, u):
            _lerp_(m, g, 1 - beta1, tmp)
            u *= beta2
            np.abs(g, out=tmp)
            tmp += eps
            np.maximum(u, tmp, out=u)
            np.divide(m, u, out=tmp)
            tmp *= -clr
            p += tmp
        return adamax, (state["exp_avg"], state["exp_inf"])
