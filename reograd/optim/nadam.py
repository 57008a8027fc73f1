"""``NAdam``: Adam with Nesterov momentum (and the momentum-decay schedule of Dozat, 2016)."""
from __future__ import annotations

import numpy as np

from ..autograd.tensor import Tensor
from .optimizer import Optimizer, _r, _addcmul_sq_, _bump, _check_lr, _float, _grad_array, _lerp_, _scalar_tensor

__all__ = ["NAdam"]


class NAdam(Optimizer):
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

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps, wd = _float(group["lr"]), group["betas"], group["eps"], group["weight_decay"]
            md, decoupled = group["momentum_decay"], group["decoupled_weight_decay"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = _r(_grad_array(p, group["maximize"]))
                pd = _r(p._data)  # complex parameters are updated as (real, imag) pairs, as in torch
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_tensor(0.0)
                    state["mu_product"] = _scalar_tensor(1.0)
                    state["exp_avg"] = Tensor._make(np.zeros_like(p._data))
                    state["exp_avg_sq"] = Tensor._make(np.zeros_like(p._data))
                state["step"]._data += 1
                step = float(state["step"]._data)
                bc2 = 1 - beta2 ** step
                if wd != 0:
                    if decoupled:
                        pd *= 1 - lr * wd
                    else:
                        g = g + wd * pd
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * md)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * md)))
                mp = state["mu_product"]._data
                mp *= np.float32(mu)  # a float32 0-d tensor in torch: keep its rounding
                mu_product = float(mp)
                m, v = _r(state["exp_avg"]._data), _r(state["exp_avg_sq"]._data)
                tmp = np.empty_like(m)
                _lerp_(m, g, 1 - beta1, tmp)
                _addcmul_sq_(v, beta2, g, tmp)
                denom = v / bc2
                np.sqrt(denom, out=denom)
                denom += eps
                np.divide(g, denom, out=tmp)
                tmp *= -lr * (1.0 - mu) / (1.0 - mu_product)
                pd += tmp
                np.divide(m, denom, out=tmp)
                tmp *= (-lr * mu_next) / (1.0 - mu_product * mu_next)
                pd += tmp
                _bump(p)
        return loss
