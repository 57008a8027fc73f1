"""DeepLIFT with the rescale rule (Shrikumar, Greenside & Kundaje 2017).

DeepLIFT explains the difference of the output from its value at a reference input ``x'``:
``sum_i C_i = F(x) - F(x')`` (summation-to-delta, exact by construction). Contributions are
propagated with multipliers ``m = C / delta`` and a chain rule for multipliers; for a linear layer
the multiplier is the weight, and for an elementwise nonlinearity ``y = f(z)`` the rescale rule is

    m = (f(z) - f(z')) / (z - z')      (the gradient f'(z) where |z - z'| < eps)

Max pooling: the difference of the outputs ``max(o, o') - o'`` goes to the winning input of ``x``
and ``o - max(o, o')`` to the winning input of the reference (Captum's rule), so that the
contributions still sum to ``o - o'``.

Implemented as the gradient of a modified backward pass: ``x`` and ``x'`` run through the model as
one batch; a full backward hook on every nonlinear module replaces its local gradient with the
multiplier. Only modules are rewritten: an activation applied with ``F.relu`` inside a ``forward``
keeps its gradient (as in Captum).
"""
from __future__ import annotations

import inspect

import reograd
from reograd import nn

from ._common import (GradientAttribution, expand_additional_args, expand_target, format_additional_args,
                      format_baselines, format_inputs, format_output, leaf_copies, output_gradients, run_forward,
                      tensorize_baselines)

__all__ = ["DeepLift", "DeepLiftShap"]

ELEMENTWISE = (nn.ReLU, nn.ELU, nn.LeakyReLU, nn.Sigmoid, nn.Tanh, nn.Softplus, nn.GELU, nn.SiLU, nn.Mish,
               nn.SELU, nn.CELU, nn.Softsign, nn.Hardtanh, nn.Hardsigmoid, nn.Hardswish, nn.LogSigmoid,
               nn.Tanhshrink, nn.PReLU)
MAXPOOL = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d,
           nn.AdaptiveMaxPool3d)


def _halves_delta(t):
    h = t.shape[0] // 2
    d = t[:h] - t[h:]
    return reograd.cat([d, d], dim=0)


class DeepLift(GradientAttribution):
    """DeepLIFT (rescale rule) attributions: ``C_i = (x_i - x'_i) * m_i`` with ``sum_i C_i = F(x) - F(x')``
    (the rules are in the module docstring).

    Args:
        model: an ``nn.Module``; its elementwise activation modules (ReLU, Sigmoid, Tanh, ELU,
            LeakyReLU, Softplus, GELU, SiLU...) and max-pooling modules get the rescale rule. Each such
            module must be called once per forward.
        multiply_by_inputs: return ``(x - x') * m`` (True) or the multipliers ``m``.
        eps: below this ``|z - z'|`` the rescale rule falls back on the gradient.

    >>> dl = DeepLift(model)
    >>> attr, delta = dl.attribute(x, baselines=x_ref, target=1, return_convergence_delta=True)
    """

    def __init__(self, model, multiply_by_inputs=True, eps=1e-10):
        if not isinstance(model, nn.Module):
            raise TypeError(f"DeepLift: needs an nn.Module (its activation layers are hooked), got "
                            f"{type(model).__name__}")
        super().__init__(model)
        self.model = model
        self._multiply_by_inputs = multiply_by_inputs
        self.eps = eps
        self._saved = {}

    @property
    def multiplies_by_inputs(self):
        """Whether the multipliers are multiplied by ``input - baseline``."""
        return self._multiply_by_inputs

    def has_convergence_delta(self):
        """True: the completeness error ``sum(attr) - (F(x) - F(x'))`` can be returned."""
        return True

    # ---------------------------------------------------------------------------------- hooks
    def _forward_hook(self, module, args, output):
        if id(module) in self._saved:
            raise RuntimeError(f"DeepLift: module {module} is called more than once in one forward pass; "
                               "DeepLift needs each hooked module to be used once (make separate modules)")
        self._saved[id(module)] = (args[0].detach(), output.detach())

    def _backward_hook(self, module, grad_input, grad_output):
        if id(module) not in self._saved:
            raise RuntimeError(f"DeepLift: no recorded forward pass for {module}")
        z, y = self._saved.pop(id(module))
        if grad_input[0] is None:
            return None
        dz = _halves_delta(z)
        if isinstance(module, MAXPOOL):
            numer = self._maxpool_numerator(module, z, y, grad_output[0])
        else:
            numer = grad_output[0] * _halves_delta(y)
        safe = dz.abs() >= self.eps
        multiplier = reograd.where(safe, numer / reograd.where(safe, dz, reograd.ones_like(dz)), grad_input[0])
        return (multiplier, *grad_input[1:])

    @staticmethod
    def _maxpool_numerator(module, z, y, g):
        """Sum over the output cells of ``g * delta_out`` sent back to each input, with Captum's split of
        ``o - o'`` between the winners of ``x`` (``max(o, o') - o'``) and of ``x'`` (``o - max(o, o')``)."""
        h = y.shape[0] // 2
        o, o_ref = y[:h], y[h:]
        top = reograd.maximum(o, o_ref)
        delta_out = reograd.cat([top - o_ref, o - top], dim=0)
        with reograd.enable_grad():
            zz = z.detach().requires_grad_(True)
            (routed,) = reograd.autograd.grad(module.forward(zz), zz, grad_outputs=g * delta_out)
        both = routed[:h] + routed[h:]
        return reograd.cat([both, both], dim=0)

    # ---------------------------------------------------------------------------------- attribute
    def attribute(self, inputs, baselines=None, target=None, additional_forward_args=None,
                  return_convergence_delta=False, custom_attribution_func=None):
        """DeepLIFT attributions of the target output with respect to ``baselines`` (default zeros).

        Args:
            inputs: Tensor (N, ...) or tuple of Tensors.
            baselines: the reference input(s): None (zeros), numbers, or Tensors (one example or N).
            target, additional_forward_args: see ``reograd.explain``.
            return_convergence_delta: also return ``sum(attr) - (F(x) - F(x'))`` per example (it is
                zero up to rounding when every nonlinearity is a hooked module).
            custom_attribution_func: ``f(multipliers)``, ``f(multipliers, inputs)`` or
                ``f(multipliers, inputs, baselines)`` (tuples) returning the attributions instead.
        Returns: attributions of the inputs' shapes (and the delta, shape (N,)).
        """
        name = "DeepLift.attribute"
        was_tuple = isinstance(inputs, tuple)
        xs = tuple(x.detach() for x in format_inputs(inputs, method=name))
        bs = tensorize_baselines(xs, format_baselines(baselines, xs, name))
        args = format_additional_args(additional_forward_args)
        n = xs[0].shape[0]
        joint = leaf_copies(tuple(reograd.cat([x, b.to(x.dtype)], dim=0) for x, b in zip(xs, bs)))
        handles = []
        self._saved = {}
        for m in self.model.modules():
            if isinstance(m, ELEMENTWISE + MAXPOOL):
                handles.append(m.register_forward_hook(self._forward_hook))
                handles.append(m.register_full_backward_hook(self._backward_hook))
        try:
            with reograd.enable_grad():
                out = run_forward(self.model, joint, expand_target(target, 2), expand_additional_args(args, 2), name)
                grads = output_gradients(out, joint, name)
        finally:
            for h in handles:
                h.remove()
            self._saved = {}
        mults = tuple(g[:n] for g in grads)
        if custom_attribution_func is not None:
            attrs = _call_custom(custom_attribution_func, mults, xs, bs)
        elif self._multiply_by_inputs:
            attrs = tuple((x - b) * m for x, b, m in zip(xs, bs, mults))
        else:
            attrs = mults
        attrs = tuple(attrs)
        out = format_output(was_tuple, attrs)
        if return_convergence_delta:
            return out, self.compute_convergence_delta(attrs, bs, xs, target, args)
        return out


class DeepLiftShap(DeepLift):
    """DeepSHAP (Lundberg & Lee 2017): DeepLIFT averaged over a distribution of baselines,
    ``phi_i(x) = mean_b C_i(x; x'_b)``, an estimate of the SHAP values of the (linearised) network. With
    ``return_convergence_delta`` each (example, baseline) pair's summation-to-delta error comes back,
    shape (N * B,), example-major.

    >>> dls = DeepLiftShap(model)
    >>> attr = dls.attribute(images, baselines=background_images, target=labels)   # background: (B, ...)
    """

    def attribute(self, inputs, baselines=None, target=None, additional_forward_args=None,
                  return_convergence_delta=False, custom_attribution_func=None):
        """The attributions averaged over the baseline rows (a Tensor, or a callable returning one, of B > 1
        examples per input)."""
        name = "DeepLiftShap.attribute"
        was_tuple = isinstance(inputs, tuple)
        xs = tuple(x.detach() for x in format_inputs(inputs, method=name))
        if callable(baselines):
            baselines = baselines(inputs)
        bs = baselines if isinstance(baselines, tuple) else (baselines,)
        if len(bs) != len(xs) or not all(isinstance(b, reograd.Tensor) and b.shape[0] > 1 for b in bs):
            raise ValueError(f"{name}: baselines must be a distribution: one Tensor per input with more than one "
                             "example")
        n, nb = xs[0].shape[0], bs[0].shape[0]
        exp_x = tuple(x.repeat_interleave(nb, dim=0) for x in xs)
        exp_b = tuple(b.repeat(n, *([1] * (b.dim() - 1))) for b in bs)
        args = format_additional_args(additional_forward_args)
        res = DeepLift.attribute(self, exp_x, exp_b, expand_target(target, nb, interleave=True),
                                 expand_additional_args(args, nb, interleave=True), return_convergence_delta,
                                 custom_attribution_func)
        attrs, delta = res if return_convergence_delta else (res, None)
        means = tuple(a.reshape(n, nb, *a.shape[1:]).mean(1) for a in attrs)
        out = format_output(was_tuple, means)
        return (out, delta) if return_convergence_delta else out


def _call_custom(fn, mults, xs, bs):
    n = len(inspect.signature(fn).parameters)
    if n == 1:
        res = fn(mults)
    elif n == 2:
        res = fn(mults, xs)
    elif n == 3:
        res = fn(mults, xs, bs)
    else:
        raise ValueError(f"DeepLift: custom_attribution_func must take 1 to 3 arguments, it takes {n}")
    return res if isinstance(res, tuple) else (res,)
