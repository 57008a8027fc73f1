"""Gradient attributions: Saliency, InputXGradient, GuidedBackprop and Deconvolution (Captum's names).

For an explained output ``F`` (the target's logit, say) and input ``x``:

- Saliency (Simonyan et al. 2013):       |dF/dx|  (or the signed gradient with ``abs=False``)
- InputXGradient (Shrikumar et al. 2016): x * dF/dx ("Grad * Input")
- GuidedBackprop (Springenberg et al. 2014): the gradient with every ``nn.ReLU``'s backward replaced by
  ``relu(grad_input)``: only positive gradients pass, through units that were active
- Deconvolution (Zeiler & Fergus 2014): every ``nn.ReLU``'s backward replaced by ``relu(grad_output)``
"""
from __future__ import annotations

import reograd

from ._common import (GradientAttribution, compute_gradients, format_additional_args, format_inputs,
                      format_output, leaf_copies)

__all__ = ["Saliency", "InputXGradient", "GuidedBackprop", "Deconvolution"]


class Saliency(GradientAttribution):
    """Pixel attribution by the gradient: ``|dF/dx|`` (Simonyan, Vedaldi & Zisserman 2013).

    >>> sal = Saliency(model)
    >>> attr = sal.attribute(images, target=labels)          # same shape as images
    """

    def attribute(self, inputs, target=None, abs=True, additional_forward_args=None):
        """The gradient of the target output w.r.t. each input element, its absolute value if ``abs``.

        Args:
            inputs: Tensor (N, ...) or tuple of Tensors.
            target: the output to explain (see ``reograd.explain``).
            abs: return ``|gradient|`` (True) or the signed gradient.
            additional_forward_args: further arguments of the forward function.
        Returns: Tensor(s) of the inputs' shapes.
        """
        was_tuple = isinstance(inputs, tuple)
        xs = leaf_copies(format_inputs(inputs, method="Saliency.attribute"))
        grads = compute_gradients(self.forward_func, xs, target, format_additional_args(additional_forward_args),
                                  "Saliency.attribute")
        return format_output(was_tuple, (g.abs() if abs else g for g in grads))


class InputXGradient(GradientAttribution):
    """``x * dF/dx`` ("Grad * Input", Shrikumar et al. 2016): for a linear model ``F = w.x + b`` it is
    each feature's term ``w_i x_i``.
    """

    def attribute(self, inputs, target=None, additional_forward_args=None):
        """The elementwise product of each input with the gradient of the target output.

        Returns: Tensor(s) of the inputs' shapes.
        """
        was_tuple = isinstance(inputs, tuple)
        xs = leaf_copies(format_inputs(inputs, method="InputXGradient.attribute"))
        grads = compute_gradients(self.forward_func, xs, target, format_additional_args(additional_forward_args),
                                  "InputXGradient.attribute")
        return format_output(was_tuple, (x.detach() * g for x, g in zip(xs, grads)))

    @property
    def multiplies_by_inputs(self):
        """True: the gradient is multiplied by the input."""
        return True


class _ModifiedReluGradient(GradientAttribution):
    """The gradient with the backward of every ``nn.ReLU`` module of ``model`` overridden.

    Only ``nn.ReLU`` modules are changed (as in Captum): a ReLU applied with ``F.relu`` inside a
    ``forward`` keeps its ordinary gradient.
    """

    _use_grad_output = False

    def __init__(self, model):
        from reograd import nn

        if not isinstance(model, nn.Module):
            raise TypeError(f"{type(self).__name__}: needs an nn.Module (its nn.ReLU layers are hooked), got "
                            f"{type(model).__name__}")
        super().__init__(model)
        self.model = model

    def _hook(self, module, grad_input, grad_output):
        g = grad_output if self._use_grad_output else grad_input
        return tuple(None if t is None else reograd.nn.functional.relu(t) for t in g)

    def attribute(self, inputs, target=None, additional_forward_args=None):
        """The modified gradient of the target output w.r.t. the inputs (inputs' shapes)."""
        from reograd import nn

        name = f"{type(self).__name__}.attribute"
        was_tuple = isinstance(inputs, tuple)
        xs = leaf_copies(format_inputs(inputs, method=name))
        handles = [m.register_full_backward_hook(self._hook) for m in self.model.modules() if isinstance(m, nn.ReLU)]
        try:
            grads = compute_gradients(self.forward_func, xs, target, format_additional_args(additional_forward_args),
                                      name)
        finally:
            for h in handles:
                h.remove()
        return format_output(was_tuple, grads)


class GuidedBackprop(_ModifiedReluGradient):
    """Guided backpropagation (Springenberg et al. 2014): at each ``nn.ReLU`` only positive gradients
    flow back, and only through units that were positive in the forward pass:
    ``R_in = relu(grad_output) * [x > 0]``.

    >>> gbp = GuidedBackprop(model)
    >>> attr = gbp.attribute(images, target=3)
    """

    _use_grad_output = False


class Deconvolution(_ModifiedReluGradient):
    """Deconvnet attribution (Zeiler & Fergus 2014): each ``nn.ReLU``'s backward is ``relu(grad_output)``,
    regardless of the forward activation."""

    _use_grad_output = True
