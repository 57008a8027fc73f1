"""Integrated Gradients (Sundararajan, Taly & Yan 2017).

    IG_i(x) = (x_i - x'_i) * integral_0^1 dF(x' + alpha (x - x')) / dx_i  d alpha
            ~ (x_i - x'_i) * sum_k w_k dF(x' + alpha_k (x - x')) / dx_i

for a baseline ``x'`` and a quadrature rule (alpha_k, w_k) (``reograd.explain._approximation``).
Completeness: ``sum_i IG_i(x) = F(x) - F(x')`` up to the quadrature error, which
``return_convergence_delta=True`` reports per example.
"""
from __future__ import annotations

import reograd

from ._approximation import check_method, step_chunks, step_sizes_and_alphas
from ._common import (GradientAttribution, compute_gradients, expand_additional_args, expand_target,
                      format_additional_args, format_baselines, format_inputs, format_output, tensorize_baselines)

__all__ = ["IntegratedGradients"]


def integrate_gradients(grad_fn, inputs, baselines, target, args, n_steps, method, internal_batch_size, caller):
    """``sum_k w_k grad_fn(x' + alpha_k (x - x'))`` for every input, the steps evaluated in chunks.

    ``grad_fn(scaled_inputs, target, args)`` returns the gradients at ``scaled_inputs`` (each of
    ``n * N`` rows, step-major: the whole batch at alpha_0, then at alpha_1...), ``target`` and ``args``
    expanded to match.
    """
    weights, alphas = step_sizes_and_alphas(method, n_steps)
    n = inputs[0].shape[0]
    totals = None
    for start, stop in step_chunks(n, n_steps, internal_batch_size, caller):
        k = stop - start
        scaled = tuple(reograd.cat([b + a * (x - b) for a in alphas[start:stop]], dim=0).detach().requires_grad_(True)
                       for x, b in zip(inputs, baselines))
        grads = grad_fn(scaled, expand_target(target, k), expand_additional_args(args, k))
        w = reograd.tensor(weights[start:stop], dtype=grads[0].dtype)
        part = tuple(_weighted_step_sum(g.detach(), w, k) for g in grads)
        totals = part if totals is None else tuple(t + p for t, p in zip(totals, part))
    return totals


def _weighted_step_sum(g, w, k):
    """``sum_j w_j g[j-th block of rows]`` for ``g`` holding ``k`` blocks of equal size along dim 0."""
    blocks = g.reshape(k, g.shape[0] // k, *g.shape[1:])
    return (blocks * w.reshape(k, *([1] * (blocks.dim() - 1)))).sum(0)


class IntegratedGradients(GradientAttribution):
    """Integrated Gradients: the gradient averaged along the straight path from a baseline to the
    input, times ``input - baseline`` (see the module docstring for the formula).

    Args:
        forward_func: the model or a function of the inputs.
        multiply_by_inputs: multiply the path-averaged gradient by ``input - baseline`` (global
            attributions, the default) or return it alone (local attributions).

    >>> ig = IntegratedGradients(model)
    >>> attr, delta = ig.attribute(x, baselines=0.0, target=7, n_steps=64, return_convergence_delta=True)
    """

    def __init__(self, forward_func, multiply_by_inputs=True):
        super().__init__(forward_func)
        self._multiply_by_inputs = multiply_by_inputs

    def attribute(self, inputs, baselines=None, target=None, additional_forward_args=None, n_steps=50,
                  method="gausslegendre", internal_batch_size=None, return_convergence_delta=False):
        """Integrated Gradients of the target output.

        Args:
            inputs: Tensor (N, ...) or tuple of Tensors.
            baselines: None (zeros), numbers, or Tensors of each input's shape (or one example).
            target, additional_forward_args: see ``reograd.explain``.
            n_steps: the number of quadrature points.
            method: ``"riemann_left"``, ``"riemann_right"``, ``"riemann_middle"``, ``"riemann_trapezoid"``
                or ``"gausslegendre"``.
            internal_batch_size: at most this many rows per forward pass (the ``n_steps * N`` scaled
                inputs are split by steps); None evaluates them all at once.
            return_convergence_delta: also return ``sum(attr) - (F(x) - F(baseline))`` per example.
        Returns: attributions of the inputs' shapes, and the delta (N,) when asked.
        """
        name = "IntegratedGradients.attribute"
        was_tuple = isinstance(inputs, tuple)
        xs = tuple(x.detach() for x in format_inputs(inputs, method=name))
        bs = format_baselines(baselines, xs, name)
        check_method(n_steps, method, name)
        args = format_additional_args(additional_forward_args)
        tb = tensorize_baselines(xs, bs)

        def grad_fn(scaled, tgt, extra):
            return compute_gradients(self.forward_func, scaled, tgt, extra, name)

        total = integrate_gradients(grad_fn, xs, tb, target, args, n_steps, method, internal_batch_size, name)
        attrs = tuple(t * (x - b) for t, x, b in zip(total, xs, tb)) if self._multiply_by_inputs else total
        out = format_output(was_tuple, attrs)
        if return_convergence_delta:
            return out, self.compute_convergence_delta(attrs, tb, xs, target, args)
        return out

    def has_convergence_delta(self):
        """True: ``attribute(..., return_convergence_delta=True)`` returns the completeness error."""
        return True

    @property
    def multiplies_by_inputs(self):
        """Whether the attributions are multiplied by ``input - baseline``."""
        return self._multiply_by_inputs
