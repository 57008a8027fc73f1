"""``Adamax``: the infinity-norm variant of Adam."""
from __future__ import annotations

import numpy as np

from ..autograd.tensor import Tensor
from .optimizer import Optimizer, _r, _bump, _check_lr, _float, _grad_array, _lerp_, _scalar_tensor

__all__ = ["Adamax"]


class Adamax(Optimizer):
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

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps, wd = _float(group["lr"]), group["betas"], group["eps"], group["weight_decay"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = _r(_grad_array(p, group["maximize"]))
                pd = _r(p._data)  # complex parameters are updated as (real, imag) pairs, as in torch
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_tensor(0.0)
                    state["exp_avg"] = Tensor._make(np.zeros_like(p._data))
                    state["exp_inf"] = Tensor._make(np.zeros_like(p._data))
                state["step"]._data += 1
                step = float(state["step"]._data)
                if wd != 0:
                    g = g + wd * pd
                m, u = _r(state["exp_avg"]._data), _r(state["exp_inf"]._data)
                tmp = np.empty_like(m)
                _lerp_(m, g, 1 - beta1, tmp)
                u *= beta2
                np.abs(g, out=tmp)
                tmp += eps
                np.maximum(u, tmp, out=u)
                clr = lr / (1 - beta1 ** step)
                np.divide(m, u, out=tmp)
                tmp *= -clr
                pd += tmp
                _bump(p)
        return loss
