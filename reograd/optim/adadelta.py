"""``Adadelta``: adaptive steps from running averages of squared gradients and squared updates."""
from __future__ import annotations

import numpy as np

from ..autograd.tensor import Tensor
from .optimizer import Optimizer, _r, _addcmul_sq_, _bump, _check_lr, _float, _grad_array, _scalar_tensor

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
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

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, rho, eps, wd = _float(group["lr"]), group["rho"], group["eps"], group["weight_decay"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = _r(_grad_array(p, group["maximize"]))
                pd = _r(p._data)  # complex parameters are updated as (real, imag) pairs, as in torch
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_tensor(0.0)
                    state["square_avg"] = Tensor._make(np.zeros_like(p._data))
                    state["acc_delta"] = Tensor._make(np.zeros_like(p._data))
                state["step"]._data += 1
                if wd != 0:
                    g = g + wd * pd
                v, u = _r(state["square_avg"]._data), _r(state["acc_delta"]._data)
                tmp = np.empty_like(v)
                _addcmul_sq_(v, rho, g, tmp)
                std = v + eps
                np.sqrt(std, out=std)
                delta = u + eps
                np.sqrt(delta, out=delta)
                delta /= std
                delta *= g
                _addcmul_sq_(u, rho, delta, tmp)
                delta *= -lr
                pd += delta
                _bump(p)
        return loss
