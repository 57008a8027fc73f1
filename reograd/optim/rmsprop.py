"""``RMSprop``: divide the gradient by a running root-mean-square of recent gradients."""
from __future__ import annotations

import numpy as np

from .optimizer import _ElementwiseOptimizer, _addcmul_sq_, _check_lr, _check_nonnegative, _float, _lerp_

__all__ = ["RMSprop"]


class RMSprop(_ElementwiseOptimizer):
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

    _scratch = 2

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_lr(lr)
        _check_nonnegative(epsilon=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered, weight_decay=weight_decay,
                        capturable=capturable, foreach=foreach, maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _buffers(self, group):
        return ("square_avg",) + (("momentum_buffer",) if group["momentum"] > 0 else ()) + \
            (("grad_avg",) if group["centered"] else ())

    def _update(self, group, p, state):
        lr, alpha, eps = _float(group["lr"]), group["alpha"], group["eps"]
        momentum, centered = group["momentum"], group["centered"]

        def rmsprop(tmp, avg, p, g, v, *rest):  # rest: the momentum buffer and/or the mean gradient
            _addcmul_sq_(v, alpha, g, tmp)
            if centered:
                m = rest[-1]
                _lerp_(m, g, 1 - alpha, tmp)
                np.multiply(m, m, out=avg)
                np.subtract(v, avg, out=avg)
                np.sqrt(avg, out=avg)
            else:
                np.sqrt(v, out=avg)
            avg += eps
            np.divide(g, avg, out=tmp)
            if momentum > 0:
                b = rest[0]
                b *= momentum
                b += tmp
                np.multiply(b, -lr, out=tmp)
            else:
                tmp *= -lr
            p += tmp
        return rmsprop, [state[k] for k in self._buffers(group)]
