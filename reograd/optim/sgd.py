"""``SGD``: stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""
from __future__ import annotations

import numpy as np

from ..autograd.tensor import Tensor
from .optimizer import _ElementwiseOptimizer, _check_lr, _float

__all__ = ["SGD"]


class SGD(_ElementwiseOptimizer):
    r"""Stochastic gradient descent (``torch.optim.SGD``).

    For each parameter with gradient g (``-g`` when ``maximize``)::

        g = g + weight_decay * p
        b = g                                   (first step)
        b = momentum * b + (1 - dampening) * g  (later steps)
        g = g + momentum * b  if nesterov  else  b      (when momentum != 0)
        p = p - lr * g

    Args:
        params: parameters or parameter groups. lr (default 1e-3), momentum (0), dampening (0),
        weight_decay (0), nesterov (False); keyword-only maximize (False). ``foreach``, ``fused``,
        ``differentiable`` are accepted and ignored. State: ``'momentum_buffer'`` (when momentum != 0).
    """

    _option_defaults = {"maximize": False, "nesterov": False}

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        _check_lr(lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _state(self, group, p):
        # torch keeps no state, not even a step count, for plain SGD; the momentum buffer is made
        # on the first step, from that step's gradient
        return self.state[p] if group["momentum"] != 0 else None

    def _update(self, group, p, state):
        lr, momentum, dampening = _float(group["lr"]), group["momentum"], group["dampening"]
        nesterov = group["nesterov"]
        first = state is not None and state.get("momentum_buffer") is None
        if first:
            state["momentum_buffer"] = Tensor._make(np.empty_like(p._data))

        def sgd(tmp, p, g, b=None):
            if b is not None:
                if first:
                    b[...] = g
                else:
                    b *= momentum
                    if dampening != 0:  # (g * 1 is g: skip the pass)
                        np.multiply(g, 1 - dampening, out=tmp)
                        b += tmp
                    else:
                        b += g
                if nesterov:  # g = g + momentum * b
                    np.multiply(b, momentum, out=tmp)
                    np.add(g, tmp, out=tmp)
                    g = tmp
                else:
                    g = b
            np.multiply(g, lr, out=tmp)
            p -= tmp
        return sgd, () if state is None else (state["momentum_buffer"],)
