"""Layer attributions: LayerActivation, LayerGradCam, LayerIntegratedGradients and ScoreCAM.

For a layer with activations ``A`` (N, K, *spatial) and explained output ``F``:

- Grad-CAM (Selvaraju et al. 2017):  L = sum_k alpha_k A_k, alpha_k = mean over positions of dF/dA_k
  (``relu_attributions=True`` applies the ReLU of the paper)
- Score-CAM (Wang et al. 2020): each map A_k, upsampled to the input's size and rescaled to [0, 1]
  (H_k), masks the input; its weight is the increase of the output it alone keeps,
  S_k = F(x' + H_k (x - x')) - F(x'), alpha = softmax_k(S); L = relu(sum_k alpha_k A_k). No gradients.
- Layer Integrated Gradients: Integrated Gradients taken in the layer's space, from the layer's
  value at the baseline input to its value at the input; completeness holds for the layer:
  ``sum(attr) = F(x) - F(x')``.

``LayerAttribution.interpolate`` upsamples a layer map to the input's size for display.
"""
from __future__ import annotations

import reograd
from reograd import nn
from reograd.autograd.tensor import Tensor

from ._approximation import check_method
from ._common import (Attribution, GradientAttribution, expand_additional_args, expand_target,
                      format_additional_args, format_baselines, format_inputs, leaf_copies, output_gradients,
                      run_forward, tensorize_baselines)
from .integrated_gradients import integrate_gradients

__all__ = ["LayerAttribution", "LayerActivation", "LayerGradCam", "LayerIntegratedGradients", "ScoreCAM"]


def _as_tuple(t):
    return t if isinstance(t, tuple) else (t,)


class _LayerCapture:
    """Records (and optionally replaces) a layer's output -- or its inputs -- during one forward call."""

    def __init__(self, layer, to_input=False, replace=None, need_grad=False, caller="layer attribution"):
        self.layer, self.to_input, self.replace, self.need_grad = layer, to_input, replace, need_grad
        self.caller = caller
        self.value = None
        self.calls = 0

    def _take(self, values):
        self.calls += 1
        if self.calls > 1:
            raise RuntimeError(f"{self.caller}: the layer {self.layer} is called more than once in one forward pass; "
                               "attributing to a module used several times is not supported")
        if self.replace is not None:
            values = self.replace
        elif self.need_grad:
            values = tuple(v if v.requires_grad else v.detach().requires_grad_(True) for v in values)
        self.value = values
        return values

    def __enter__(self):
        if self.to_input:
            def pre(module, args):
                tensors = tuple(a for a in args if isinstance(a, Tensor))
                new = self._take(tensors)
                it = iter(new)
                return tuple(next(it) if isinstance(a, Tensor) else a for a in args)
            self.handle = self.layer.register_forward_pre_hook(pre)
        else:
            def post(module, args, output):
                new = self._take(_as_tuple(output))
                return new if isinstance(output, tuple) else new[0]
            self.handle = self.layer.register_forward_hook(post)
        return self

    def __exit__(self, *exc):
        self.handle.remove()


def layer_eval(forward_func, layer, inputs, args, to_input=False, caller="layer attribution"):
    """The layer's output (or inputs) as a tuple, computed without gradients."""
    with reograd.no_grad(), _LayerCapture(layer, to_input, caller=caller) as cap:
        run_forward(forward_func, inputs, None, args, caller)
    if cap.value is None:
        raise RuntimeError(f"{caller}: the layer {layer} was not called by the forward function")
    return tuple(v.detach() for v in cap.value)


def layer_gradients_and_eval(forward_func, layer, inputs, target, args, to_input=False, caller="layer attribution"):
    """``(dF/dA, A)`` for the layer's output (or inputs) ``A``, tuples."""
    with reograd.enable_grad(), _LayerCapture(layer, to_input, need_grad=True, caller=caller) as cap:
        out = run_forward(forward_func, inputs, target, args, caller)
        if cap.value is None:
            raise RuntimeError(f"{caller}: the layer {layer} was not called by the forward function")
        grads = output_gradients(out, cap.value, caller)
    return grads, tuple(v.detach() for v in cap.value)


class LayerAttribution(Attribution):
    """Base of the attributions to a layer's output (or input): ``Method(forward_func, layer)``."""

    def __init__(self, forward_func, layer, device_ids=None):
        super().__init__(forward_func)
        if not isinstance(layer, nn.Module):
            raise TypeError(f"{type(self).__name__}: layer must be an nn.Module, got {type(layer).__name__}")
        self.layer = layer
        self.device_ids = device_ids

    @staticmethod
    def interpolate(layer_attribution, interpolate_dims, interpolate_mode="nearest"):
        """Upsample a layer attribution (N, C, *spatial) to ``interpolate_dims`` (e.g. the input's H, W)
        with ``F.interpolate`` (``"nearest"``, ``"bilinear"``, ``"bicubic"``, ``"area"``...)."""
        return nn.functional.interpolate(layer_attribution, size=interpolate_dims, mode=interpolate_mode)


class LayerActivation(LayerAttribution):
    """The layer's activations themselves (its output, or its input), under no grad."""

    def attribute(self, inputs, additional_forward_args=None, attribute_to_layer_input=False):
        """The layer's output (input with ``attribute_to_layer_input``): a Tensor, or a tuple for several."""
        vals = layer_eval(self.forward_func, self.layer, format_inputs(inputs, method="LayerActivation.attribute"),
                          format_additional_args(additional_forward_args), attribute_to_layer_input,
                          "LayerActivation.attribute")
        return vals if len(vals) > 1 else vals[0]


class LayerGradCam(LayerAttribution, GradientAttribution):
    """Grad-CAM: the layer's channels weighted by their spatially averaged gradients,
    ``L = sum_k mean(dF/dA_k) A_k`` (Selvaraju et al. 2017).

    >>> cam = LayerGradCam(model, model.conv2)
    >>> maps = cam.attribute(images, target=labels, relu_attributions=True)   # (N, 1, h, w)
    >>> up = LayerAttribution.interpolate(maps, images.shape[2:], "bilinear")
    """

    def attribute(self, inputs, target=None, additional_forward_args=None, attribute_to_layer_input=False,
                  relu_attributions=False, attr_dim_summation=True):
        """The Grad-CAM map of the layer.

        Args:
            inputs: Tensor (N, ...) or tuple.
            target, additional_forward_args: see ``reograd.explain``.
            attribute_to_layer_input: use the layer's input instead of its output.
            relu_attributions: keep only the positive part (the paper's ReLU).
            attr_dim_summation: sum over the channels (N, 1, *spatial); False keeps each channel's term.
        Returns: a Tensor (a tuple when the layer has several outputs).
        """
        name = "LayerGradCam.attribute"
        grads, acts = layer_gradients_and_eval(self.forward_func, self.layer,
                                               leaf_copies(format_inputs(inputs, method=name)), target,
                                               format_additional_args(additional_forward_args),
                                               attribute_to_layer_input, name)
        out = []
        for g, a in zip(grads, acts):
            w = g.mean(dim=tuple(range(2, g.dim())), keepdim=True) if g.dim() > 2 else g
            s = (w * a).sum(1, keepdim=True) if attr_dim_summation else w * a
            out.append(nn.functional.relu(s) if relu_attributions else s)
        return tuple(out) if len(out) > 1 else out[0]


class LayerIntegratedGradients(LayerAttribution, GradientAttribution):
    """Integrated Gradients with respect to a layer's output (or input): the path runs from the layer's
    value at the baseline input to its value at the input (formula in the module docstring).

    >>> lig = LayerIntegratedGradients(model, model.embedding)
    >>> attr, delta = lig.attribute(tokens, baselines=pad_tokens, target=1, return_convergence_delta=True)
    """

    def __init__(self, forward_func, layer, device_ids=None, multiply_by_inputs=True):
        super().__init__(forward_func, layer, device_ids)
        self._multiply_by_inputs = multiply_by_inputs

    @property
    def multiplies_by_inputs(self):
        """Whether the averaged gradient is multiplied by the layer's ``value(x) - value(x')``."""
        return self._multiply_by_inputs

    def has_convergence_delta(self):
        """True: ``sum(attr) - (F(x) - F(x'))`` can be returned."""
        return True

    def attribute(self, inputs, baselines=None, target=None, additional_forward_args=None, n_steps=50,
                  method="gausslegendre", internal_batch_size=None, return_convergence_delta=False,
                  attribute_to_layer_input=False):
        """Layer Integrated Gradients.

        Args:
            inputs, baselines: the model's inputs and their baselines (input space, as for
                :class:`IntegratedGradients`); integer inputs (token ids) are fine, the path is in the layer.
            n_steps, method, internal_batch_size: the quadrature, as for :class:`IntegratedGradients`.
            attribute_to_layer_input: integrate over the layer's input instead of its output.
        Returns: attributions of the layer output's shape (a tuple for several outputs), and the
        delta (N,) when asked.
        """
        name = "LayerIntegratedGradients.attribute"
        xs = tuple(x.detach() for x in format_inputs(inputs, method=name))
        check_method(n_steps, method, name)
        bs = tensorize_baselines(xs, format_baselines(baselines, xs, name))
        args = format_additional_args(additional_forward_args)
        at_x = layer_eval(self.forward_func, self.layer, xs, args, attribute_to_layer_input, name)
        at_b = layer_eval(self.forward_func, self.layer, bs, args, attribute_to_layer_input, name)

        def grad_fn(scaled, tgt, extra):
            k = scaled[0].shape[0] // xs[0].shape[0]
            with reograd.enable_grad(), _LayerCapture(self.layer, attribute_to_layer_input, replace=scaled,
                                                      caller=name):
                out = run_forward(self.forward_func, expand_additional_args(xs, k), tgt, extra, name)
                return output_gradients(out, scaled, name)

        total = integrate_gradients(grad_fn, at_x, at_b, target, args, n_steps, method, internal_batch_size, name)
        attrs = tuple(t * (a - b) for t, a, b in zip(total, at_x, at_b)) if self._multiply_by_inputs else total
        out = attrs if len(attrs) > 1 else attrs[0]
        if return_convergence_delta:
            return out, self.compute_convergence_delta(attrs, bs, xs, target, args)
        return out


class ScoreCAM(LayerAttribution):
    """Score-CAM: a gradient-free class activation map whose channel weights are the output each
    upsampled activation map keeps when it masks the input (formula in the module docstring).

    >>> cam = ScoreCAM(model, model.conv2)
    >>> maps = cam.attribute(images, target=labels)            # (N, 1, h, w), >= 0
    """

    def attribute(self, inputs, target=None, additional_forward_args=None, baselines=None, softmax=True,
                  relu_attributions=True, attribute_to_layer_input=False, interpolate_mode="bilinear",
                  maps_per_eval=8):
        """The Score-CAM map of the layer.

        Args:
            inputs: one Tensor (N, C, *spatial) whose spatial dims the layer's maps are upsampled to.
            target, additional_forward_args: see ``reograd.explain``.
            baselines: what the masked-out input becomes (default zeros).
            softmax: weights ``softmax_k(S)`` (True, the paper's) or the raw increases ``S_k``.
            relu_attributions: apply the final ReLU.
            interpolate_mode: how the maps are upsampled (``"bilinear"`` for 2-D, ``"nearest"``...).
            maps_per_eval: masked copies of the batch evaluated per forward call.
        Returns: a Tensor (N, 1, *layer spatial dims).
        """
        name = "ScoreCAM.attribute"
        if isinstance(inputs, tuple):
            raise TypeError(f"{name}: takes one input Tensor (images); pass other arguments as "
                            "additional_forward_args")
        (x,) = format_inputs(inputs, method=name)
        x = x.detach()
        if x.dim() < 3:
            raise ValueError(f"{name}: the input must be (N, C, *spatial), got shape {tuple(x.shape)}")
        (b,) = tensorize_baselines((x,), format_baselines(baselines, (x,), name))
        args = format_additional_args(additional_forward_args)
        acts = layer_eval(self.forward_func, self.layer, (x,), args, attribute_to_layer_input, name)[0]
        if acts.dim() != x.dim():
            raise ValueError(f"{name}: the layer's activations {tuple(acts.shape)} must have the input's number of "
                             f"dims {tuple(x.shape)} (N, K, *spatial)")
        n, k = acts.shape[:2]
        mode = interpolate_mode
        if mode == "bilinear" and acts.dim() != 4:
            mode = {3: "linear", 5: "trilinear"}.get(acts.dim(), "nearest")
        with reograd.no_grad():
            up = nn.functional.interpolate(acts, size=tuple(x.shape[2:]), mode=mode,
                                           **({"align_corners": False} if mode != "nearest" else {}))
            flat = up.reshape(n, k, -1)
            lo, hi = flat.min(2, keepdim=True)[0], flat.max(2, keepdim=True)[0]
            span = hi - lo
            masks = ((flat - lo) / reograd.where(span > 0, span, reograd.ones_like(span))).reshape(up.shape)
            base_score = run_forward(self.forward_func, (b,), target, args, name).reshape(n)
            scores = []
            for start in range(0, k, maps_per_eval):
                stop = min(k, start + maps_per_eval)
                p = stop - start
                batch = reograd.cat([b + masks[:, j:j + 1] * (x - b) for j in range(start, stop)], dim=0)
                out = run_forward(self.forward_func, (batch,), expand_target(target, p),
                                  expand_additional_args(args, p), name)
                scores.append(out.reshape(p, n).t())
            s = reograd.cat(scores, dim=1) - base_score.reshape(n, 1)
            w = reograd.softmax(s, dim=1) if softmax else s
            cam = (w.reshape(n, k, *([1] * (acts.dim() - 2))) * acts).sum(1, keepdim=True)
            return nn.functional.relu(cam) if relu_attributions else cam
