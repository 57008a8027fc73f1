"""``RMSprop``: divide the gradient by a running root-mean-square of recent gradients."""
from __future__ import annotations

import numpy as np

from ..autograd.tensor import Tensor
from .optimizer import Optimizer, _r, _addcmul_sq_, _bump, _check_lr, _float, _grad_array, _lerp_, _scalar_tensor

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop (``torch.optim.RMSprop``).

    ::

        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g^2
        avg = sqrt(v - m^2) with m = alpha*m + (1-alpha)*g   if centered,  else sqrt(v)
        b = momentum * b + g / (avg + eps);  p = p - lr * b    if momentum > 0
        p = p - lr * g / (avg + eps)                            otherwise

    Args: lr (1e-2), alpha (0.99), eps (1e-8), weight_decay (0), momentum (0), centered (False),
    capturable, foreach (ignored), maximize (False), differentiable (ignored).
    State: ``'step'``, ``'square_avg'``, ``'momentum_buffer'`` (momentum > 0), ``'grad_avg'`` (centered).
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered, weight_decay=weight_decay,
                        capturable=capturable, foreach=foreach, maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform a single optimization step; ``closure`` re-evaluates the model and returns the loss."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, alpha, eps, wd = _float(group["lr"]), group["alpha"], group["eps"], group["weight_decay"]
            momentum, centered = group["momentum"], group["centered"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = _r(_grad_array(p, group["maximize"]))
                pd = _r(p._data)  # complex parameters are updated as (real, imag) pairs, as in torch
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_tensor(0.0)
                    state["square_avg"] = Tensor._make(np.zeros_like(p._data))
                    if momentum > 0:
                        state["momentum_buffer"] = Tensor._make(np.zeros_like(p._data))
                    if centered:
                        state["grad_avg"] = Tensor._make(np.zeros_like(p._data))
                state["step"]._data += 1
                if wd != 0:
                    g = g + wd * pd
                v = _r(state["square_avg"]._data)
                tmp = np.empty_like(v)
                _addcmul_sq_(v, alpha, g, tmp)
                if centered:
                    m = _r(state["grad_avg"]._data)
                    _lerp_(m, g, 1 - alpha, tmp)
                    avg = m * m
                    np.subtract(v, avg, out=avg)
                    np.sqrt(avg, out=avg)
                else:
                    avg = np.sqrt(v)
                avg += eps
                if momentum > 0:
                    b = _r(state["momentum_buffer"]._data)
                    b *= momentum
                    np.divide(g, avg, out=tmp)
                    b += tmp
                    np.multiply(b, -lr, out=tmp)
                else:
                    np.divide(g, avg, out=tmp)
                    tmp *= -lr
                pd += tmp
                _bump(p)
        return loss
