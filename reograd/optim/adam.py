"""``Adam`` and ``AdamW``: adaptive moment estimation (AdamW: decoupled weight decay)."""
from __future__ import annotations

import numpy as np

from ..autograd.tensor import Tensor
from .optimizer import Optimizer, _r, _addcmul_sq_, _bump, _check_lr, _float, _grad_array, _lerp_, _scalar_tensor

__all__ = ["Adam", "AdamW"]


def _check_betas(betas, eps, weight_decay):
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= _float(betas[0]) < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= _float(betas[1]) < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


class Adam(Optimizer):
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

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        _check_lr(lr)
        _check_betas(betas, eps, weight_decay)
        betas = tuple(_float(b) if isinstance(b, Tensor) else b for b in betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("decoupled_weight_decay", False)

    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, eps, wd, amsgrad = _float(group["lr"]), group["eps"], group["weight_decay"], group["amsgrad"]
            beta1, beta2 = (_float(b) for b in group["betas"])
            decoupled = group.get("decoupled_weight_decay", False)
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
                    if amsgrad:
                        state["max_exp_avg_sq"] = Tensor._make(np.zeros_like(p._data))
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
                step_size = lr / (1 - beta1 ** step)
                bc2_sqrt = (1 - beta2 ** step) ** 0.5
                if amsgrad:
                    vmax = _r(state["max_exp_avg_sq"]._data)
                    np.maximum(vmax, v, out=vmax)
                    np.sqrt(vmax, out=tmp)
                else:
                    np.sqrt(v, out=tmp)
                tmp /= bc2_sqrt
                tmp += eps
                np.divide(m, tmp, out=tmp)
                tmp *= -step_size
                pd += tmp
                _bump(p)
        return loss


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
