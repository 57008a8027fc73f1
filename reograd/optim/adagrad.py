"""``Adagrad``: per-coordinate learning rates scaled by the accumulated squared gradients."""
from __future__ import annotations

import numpy as np

from ..autograd.tensor import Tensor
from .optimizer import _ElementwiseOptimizer, _check_lr, _check_nonnegative, _float, _scalar_tensor

__all__ = ["Adagrad"]


def _init_sum(a, v):
    return np.full_like(a, complex(v, v) if a.dtype.kind == "c" else v)  # torch: complex(v, v) for complex


class Adagrad(_ElementwiseOptimizer):
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
        _check_nonnegative(lr_decay=lr_decay, weight_decay=weight_decay,
                           initial_accumulator_value=initial_accumulator_value, epsilon=eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:  # torch makes Adagrad's state up front, not on the first step
            for p in group["params"]:
                self._init_state(group, p, self.state[p])

    def share_memory(self):
        pass

    def _init_state(self, group, p, state):
        state["step"] = _scalar_tensor(0.0)
        state["sum"] = Tensor._make(_init_sum(p._data, group["initial_accumulator_value"]))

    def _update(self, group, p, state):
        lr, eps, lr_decay = _float(group["lr"]), group["eps"], group["lr_decay"]
        clr = lr / (1 + (float(state["step"]._data) - 1) * lr_decay)

        def adagrad(tmp, p, g, s):
            np.multiply(g, g, out=tmp)
            s += tmp
            np.sqrt(s, out=tmp)
            tmp += eps
            np.divide(g, tmp, out=tmp)
            tmp *= -clr
            p += tmp
        return adagrad, (state["sum"],)
