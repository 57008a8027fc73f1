"""``Adagrad``: per-coordinate learning rates scaled by the accumulated squared gradients."""
from __future__ import annotations

import numpy as np

from ..autograd.tensor import Tensor
from .optimizer import Optimizer, _r, _bump, _check_lr, _float, _grad_array, _scalar_tensor

__all__ = ["Adagrad"]


def _init_sum(a, v):
    return np.full_like(a, complex(v, v) if a.dtype.kind == "c" else v)  # torch: complex(v, v) for complex


class Adagrad(Optimizer):
    r"""Adagrad (``torch.optim.Adagrad``).

    ::

        g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        sum = sum + g * g
        p = p - clr * g / (sqrt(sum) + eps)

    Args: lr (1e-2), lr_decay (0), weight_decay (0), initial_accumulator_value (0), eps (1e-10),
    foreach (ignored); keyword-only maximize (False), differentiable, fused (ignored).
    State (made at construction, as torch does): ``'step'`` (0-d tensor), ``'sum'``.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = _scalar_tensor(0.0)
                state["sum"] = Tensor._make(_init_sum(p._data, group["initial_accumulator_value"]))

    def share_memory(self):
        pass

    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, wd, eps, lr_decay = _float(group["lr"]), group["weight_decay"], group["eps"], group["lr_decay"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = _r(_grad_array(p, group["maximize"]))
                pd = _r(p._data)  # complex parameters are updated as (real, imag) pairs, as in torch
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_tensor(0.0)
                    state["sum"] = Tensor._make(_init_sum(p._data, group["initial_accumulator_value"]))
                state["step"]._data += 1
                step = float(state["step"]._data)
                if wd != 0:
                    g = g + wd * pd
                clr = lr / (1 + (step - 1) * lr_decay)
                s = _r(state["sum"]._data)
                tmp = g * g
                s += tmp
                np.sqrt(s, out=tmp)
                tmp += eps
                np.divide(g, tmp, out=tmp)
                tmp *= -clr
                pd += tmp
                _bump(p)
        return loss
