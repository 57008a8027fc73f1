"""``RAdam``: Adam with a rectified (variance-corrected) adaptive learning rate."""
from __future__ import annotations

import numpy as np

from ..autograd.tensor import Tensor
from .optimizer import Optimizer, _r, _addcmul_sq_, _bump, _check_lr, _float, _grad_array, _lerp_, _scalar_tensor

__all__ = ["RAdam"]


class RAdam(Optimizer):
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

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps, wd = _float(group["lr"]), group["betas"], group["eps"], group["weight_decay"]
            decoupled = group["decoupled_weight_decay"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = _r(_grad_array(p, group["maximize"]))
                pd = _r(p._data)  # complex parameters are updated as (real, imag) pairs, as in torch
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_tensor(0.0)
                    state["exp_avg"] = Tensor._make(np.zeros_like(p._data))
                    state["exp_avg_sq"] = Tensor._make(np.zeros_like(p._data))
                state["step"]._data += 1
                step = float(state["step"]._data)
                if wd != 0:
                    if decoupled:
                        pd *= 1 - lr * wd
                    else:
                        g = g + wd * pd
                m, v = _r(state["exp_avg"]._data), _r(state["exp_avg_sq"]._data)
                tmp = np.empty_like(m)
                _lerp_(m, g, 1 - beta1, tmp)
                _addcmul_sq_(v, beta2, g, tmp)
                bc1 = 1 - beta1 ** step
                bc2 = 1 - beta2 ** step
                upd = m / bc1
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * step * (beta2 ** step) / bc2
                upd *= lr
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    np.sqrt(v, out=tmp)
                    tmp += eps
                    np.divide(bc2 ** 0.5, tmp, out=tmp)
                    upd *= tmp
                    upd *= rect
                pd -= upd
                _bump(p)
        return loss
