"""``Adadelta``: adaptive steps from running averages of squared gradients and squared updates."""
from __future__ import annotations

import numpy as np

from .optimizer import _ElementwiseOptimizer, _addcmul_sq_, _check_lr, _check_nonnegative, _float

__all__ = ["Adadelta"]


class Adadelta(_ElementwiseOptimizer):
    r"""Adadelta (``torch.optim.Adadelta``).

    ::

        g = g + weight_decay * p
        v = rho * v + (1 - rho) * g^2
        d = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * d^2
        p = p - lr * d

    Args: lr (1.0), rho (0.9), eps (1e-6), weight_decay (0), foreach (ignored); keyword-only
    capturable, maximize (False), differentiable. State: ``'step'``, ``'square_avg'``, ``'acc_delta'``.
    """

    _scratch = 3
    _buffer_names = ("square_avg", "acc_delta")

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_nonnegative(epsilon=eps, weight_decay=weight_decay)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, group, p, state):
        lr, rho, eps = _float(group["lr"]), group["rho"], group["eps"]

        def adadelta(tmp, std, delta, p, g, v, u):
            _addcmul_sq_(v, rho, g, tmp)
            np.add(v, eps, out=std)
            np.sqrt(std, out=std)
            np.add(u, eps, out=delta)  # d = sqrt(u + eps) / sqrt(v + eps) * g
            np.sqrt(delta, out=delta)
            delta /= std
            delta *= g
            _addcmul_sq_(u, rho, delta, tmp)
            delta *= -lr
            p += delta
        return adadelta, (state["square_avg"], state["acc_delta"])
