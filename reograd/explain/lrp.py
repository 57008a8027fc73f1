"""Layer-wise Relevance Propagation with the epsilon rule (Bach et al. 2015; Montavon et al. 2019).

The relevance starts as the explained output, ``R = F(x)`` at the target, and flows back layer by layer.
Through a layer with inputs ``a`` and outputs ``z`` (a Linear, Conv, pooling or batch-norm layer) the
epsilon rule gives

    R_j = a_j * sum_k (dz_k/da_j) R_k / (z_k + eps * sign(z_k))      (sign(0) = 1)

which for ``z_k = sum_j a_j w_jk + b_k`` is the familiar ``sum_k a_j w_jk / (z_k + eps sign z_k) R_k``.
Activations (ReLU, Tanh) and dropout pass the relevance on unchanged. Relevance is conserved up to the
biases and eps: ``sum_i R_i ~ F(x)`` (``return_convergence_delta`` returns ``F(x) - sum_i R_i``).

Rules: each leaf module uses ``module.rule`` if set (an :class:`EpsilonRule` or :class:`IdentityRule`),
else the default for its type (see ``DEFAULT_RULES``); an unknown leaf module is an error.
"""
from __future__ import annotations

import reograd
from reograd import nn

from ._common import (GradientAttribution, attribution_sums, format_additional_args, format_inputs, format_output,
                      leaf_copies, output_gradients, run_forward)

__all__ = ["LRP", "PropagationRule", "EpsilonRule", "IdentityRule"]


class PropagationRule:
    """Base class of the relevance rules; a rule is attached to a module as ``module.rule``."""

    def backward_pre_hook(self, module, grad_output):
        """Transform the relevance arriving at the module's output (None: unchanged)."""
        return None

    def backward_hook(self, module, grad_input, grad_output):
        """Transform the relevance leaving through the module's input (None: the gradient)."""
        return None


class EpsilonRule(PropagationRule):
    """``R_in = a * J^T (R_out / (z + eps sign z))``: the epsilon rule (module docstring).

    Args:
        epsilon: the stabiliser added to the outputs' magnitude (absorbs weak, contradictory relevance).
    """

    def __init__(self, epsilon=1e-9):
        self.STABILITY_FACTOR = epsilon
        self._saved = {}

    def forward_hook(self, module, args, output):
        """Record the layer's input and output."""
        self._saved[id(module)] = (args[0].detach(), output.detach())

    def backward_pre_hook(self, module, grad_output):
        """Divide the incoming relevance by ``z + eps sign z``."""
        _, z = self._saved[id(module)]
        sign = reograd.where(z >= 0, reograd.ones_like(z), -reograd.ones_like(z))
        return (grad_output[0] / (z + sign * self.STABILITY_FACTOR),)

    def backward_hook(self, module, grad_input, grad_output):
        """Multiply the propagated quantity by the layer's input."""
        a, _ = self._saved.pop(id(module))
        if grad_input[0] is None:
            return None
        return (grad_input[0] * a, *grad_input[1:])


class IdentityRule(PropagationRule):
    """The relevance passes through unchanged (for layers that keep the number of elements: an activation,
    batch norm, dropout, or a reshaping layer such as ``nn.Flatten``, whose relevance takes the input's
    shape)."""

    def backward_hook(self, module, grad_input, grad_output):
        """Hand the output's relevance to the input (reshaped to the input's shape)."""
        g, gi = grad_output[0], grad_input[0]
        if gi is not None and g is not None and g.shape != gi.shape:
            if g.numel() != gi.numel():
                raise RuntimeError(f"LRP: IdentityRule on {module} needs as many outputs as inputs; got output "
                                   f"{tuple(g.shape)} and input {tuple(gi.shape)}")
            g = g.reshape(gi.shape)
        return (g, *grad_input[1:])


DEFAULT_RULES = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AvgPool1d,
                 nn.AvgPool2d, nn.AvgPool3d, nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d,
                 nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d, nn.BatchNorm1d, nn.BatchNorm2d,
                 nn.BatchNorm3d)
PASS_THROUGH = (nn.ReLU, nn.Tanh, nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.Flatten, nn.Unflatten,
                nn.Identity)


class LRP(GradientAttribution):
    """Layer-wise relevance propagation (epsilon rule by default; formula in the module docstring).

    >>> lrp = LRP(model)                       # Linear/Conv/pooling/BatchNorm layers with ReLU or Tanh
    >>> model.fc1.rule = EpsilonRule(epsilon=0.25)  # optional per-layer rules
    >>> relevance, delta = lrp.attribute(x, target=3, return_convergence_delta=True)
    """

    def __init__(self, model):
        if not isinstance(model, nn.Module):
            raise TypeError(f"LRP: needs an nn.Module, got {type(model).__name__}")
        super().__init__(model)
        self.model = model
        for m in model.modules():
            rule = getattr(m, "rule", None)
            if rule is not None and not isinstance(rule, PropagationRule):
                raise TypeError(f"LRP: the rule of {m} must be a PropagationRule (e.g. EpsilonRule()), got "
                                f"{type(rule).__name__}")

    @property
    def multiplies_by_inputs(self):
        """True: relevances are products with the inputs."""
        return True

    def has_convergence_delta(self):
        """True: ``F(x) - sum(R)`` can be returned."""
        return True

    def _rules(self):
        out = []
        for m in self.model.modules():
            if next(iter(m.children()), None) is not None:
                continue
            rule = getattr(m, "rule", None)
            if rule is None:
                if isinstance(m, DEFAULT_RULES):
                    rule = EpsilonRule()
                elif isinstance(m, PASS_THROUGH):
                    rule = IdentityRule()
                else:
                    raise TypeError(f"LRP: no rule for the module {m} ({type(m).__name__}); set module.rule to an "
                                    "EpsilonRule() or IdentityRule()")
            out.append((m, rule))
        return out

    def attribute(self, inputs, target=None, additional_forward_args=None, return_convergence_delta=False,
                  verbose=False):
        """Relevance of each input element for the target output.

        Args:
            inputs: Tensor (N, ...) or tuple.
            target, additional_forward_args: see ``reograd.explain``.
            return_convergence_delta: also return ``F(x) - sum(R)`` per example.
            verbose: print the rule used for each layer.
        Returns: relevances of the inputs' shapes (and the delta (N,)).
        """
        name = "LRP.attribute"
        was_tuple = isinstance(inputs, tuple)
        xs = leaf_copies(format_inputs(inputs, method=name))
        handles = []
        try:
            for m, rule in self._rules():
                if verbose:
                    print(f"LRP: {type(rule).__name__} on {m}")
                if hasattr(rule, "forward_hook"):
                    handles.append(m.register_forward_hook(rule.forward_hook))
                handles.append(m.register_full_backward_pre_hook(rule.backward_pre_hook))
                handles.append(m.register_full_backward_hook(rule.backward_hook))
            with reograd.enable_grad():
                out = run_forward(self.model, xs, target, format_additional_args(additional_forward_args), name)
                grads = output_gradients(out, xs, name)
        finally:
            for h in handles:
                h.remove()
        out = out.detach().reshape(xs[0].shape[0])
        rel = tuple(g * out.reshape(-1, *([1] * (g.dim() - 1))) for g in grads)
        res = format_output(was_tuple, rel)
        if return_convergence_delta:
            return res, out - attribution_sums(rel)
        return res
