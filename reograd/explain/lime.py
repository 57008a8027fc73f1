"""LIME and Kernel SHAP: a linear surrogate fitted to the model around one input.

Both draw binary vectors ``z`` over M interpretable features (the groups of a feature mask; ``z_j = 0``
puts feature j at its baseline), evaluate the model on each perturbed input, and fit
``F(x_z) ~ b + z . beta`` with sample weights; ``beta_j`` is feature j's attribution.

- LIME (Ribeiro, Singh & Guestrin 2016): ``z`` uniform on {0, 1}^M; weights from an exponential kernel
  on the cosine distance between the perturbed and the original input,
  ``exp(-d^2 / (2 width^2))``; surrogate: :class:`~reograd.explain.surrogate.Lasso` (alpha 0.01).
- Kernel SHAP (Lundberg & Lee 2017): the Shapley kernel ``pi(z) = (M - 1) / (C(M, |z|) |z| (M - |z|))``
  realised by sampling ``|z| = k`` with ``p(k) ~ (M - 1) / (k (M - k))`` and then ``k`` features
  uniformly; the empty and full coalitions come first with a large weight (1e6) so that
  ``b = F(baseline)`` and ``b + sum beta = F(x)`` hold (the Shapley efficiency); surrogate:
  :class:`~reograd.explain.surrogate.LinearRegression`. With all coalitions the coefficients are the
  exact Shapley values.
"""
from __future__ import annotations

import inspect
import math
import warnings

import numpy as np

import reograd
from reograd.autograd.tensor import Tensor

from ._common import (PerturbationAttribution, expand_additional_args, expand_target, format_additional_args,
                      format_baselines, format_inputs, format_output, run_forward)
from .ablation import _Progress, default_feature_masks
from .surrogate import Lasso, LinearRegression

__all__ = ["LimeBase", "Lime", "KernelShap", "get_exp_kernel_similarity_function", "default_perturb_func"]


def _flatten_all(t):
    ts = t if isinstance(t, tuple) else (t,)
    return reograd.cat([x.reshape(-1).to(reograd.float64) for x in ts])


def get_exp_kernel_similarity_function(distance_mode="cosine", kernel_width=1.0):
    """The LIME weight ``exp(-d^2 / (2 kernel_width^2))`` of a perturbed input, with ``d`` its cosine
    distance (``1 - cos``) or Euclidean distance (``distance_mode="euclidean"``) to the original input
    (the inputs flattened and concatenated)."""
    if distance_mode not in ("cosine", "euclidean"):
        raise ValueError(f"get_exp_kernel_similarity_function: distance_mode must be 'cosine' or 'euclidean', "
                         f"got {distance_mode!r}")

    def default_exp_kernel(original_inp, perturbed_inp, interpretable_sample, **kwargs):
        a, b = _flatten_all(original_inp), _flatten_all(perturbed_inp)
        if distance_mode == "cosine":
            denom = max(float(a.norm()) * float(b.norm()), 1e-8)
            d = 1.0 - float((a * b).sum()) / denom
        else:
            d = float((a - b).norm())
        return math.exp(-(d ** 2) / (2 * kernel_width ** 2))

    return default_exp_kernel


def default_perturb_func(original_inp, **kwargs):
    """A binary vector (1, M) with each interpretable feature kept with probability 1/2."""
    return reograd.bernoulli(reograd.full((1, int(kwargs["num_interp_features"])), 0.5)).long()


def default_from_interp_rep_transform(curr_sample, original_inputs, **kwargs):
    """The model input for a binary vector: features with ``z_j = 1`` keep the input, the others take the
    baseline."""
    masks = kwargs["feature_mask"]
    baselines = kwargs["baselines"]
    single = not isinstance(original_inputs, tuple)
    xs = (original_inputs,) if single else original_inputs
    fm = (masks,) if single else masks
    bs = (baselines,) if single else baselines
    out = []
    for x, m, b in zip(xs, fm, bs):
        keep = curr_sample[0][m].to(x.dtype)
        out.append(keep * x + (1 - keep) * (b.to(x.dtype) if isinstance(b, Tensor) else b))
    return out[0] if single else tuple(out)


class LimeBase(PerturbationAttribution):
    """The LIME framework: ``perturb_func`` draws samples, ``similarity_func`` weighs them,
    ``interpretable_model`` (``fit(Z, y, sample_weight)`` / ``representation()``) is fitted to the model's
    outputs on them. :class:`Lime` and :class:`KernelShap` fill in the parts.

    Args:
        forward_func: the model or a function.
        interpretable_model: a :mod:`reograd.explain.surrogate` model (or any object with
            ``fit(Z, y, sample_weight)`` and ``representation()``).
        similarity_func: ``f(original_input, perturbed_input, interpretable_sample, **kwargs) -> float``.
        perturb_func: ``f(original_input, **kwargs)`` returning one sample, or a generator of samples.
        perturb_interpretable_space: True when ``perturb_func`` returns interpretable (binary) samples.
        from_interp_rep_transform: interpretable sample -> model input (when sampling interpretable).
        to_interp_rep_transform: model input -> interpretable sample (when sampling inputs).
    """

    def __init__(self, forward_func, interpretable_model, similarity_func, perturb_func,
                 perturb_interpretable_space, from_interp_rep_transform, to_interp_rep_transform):
        super().__init__(forward_func)
        self.interpretable_model = interpretable_model
        self.similarity_func = similarity_func
        self.perturb_func = perturb_func
        self.perturb_interpretable_space = perturb_interpretable_space
        self.from_interp_rep_transform = from_interp_rep_transform
        self.to_interp_rep_transform = to_interp_rep_transform

    def attribute(self, inputs, target=None, additional_forward_args=None, n_samples=50, perturbations_per_eval=1,
                  show_progress=False, **kwargs):
        """Fit the surrogate on ``n_samples`` perturbations of ``inputs`` and return its representation
        (the coefficients, shape (1, M)). ``kwargs`` reach the perturbation, transform and similarity
        functions."""
        name = f"{type(self).__name__}.attribute"
        if not isinstance(perturbations_per_eval, int) or perturbations_per_eval < 1:
            raise ValueError(f"{name}: perturbations_per_eval must be an int >= 1, got {perturbations_per_eval!r}")
        gen = self.perturb_func(inputs, **kwargs) if inspect.isgeneratorfunction(self.perturb_func) else None
        args = format_additional_args(additional_forward_args)
        interp, sims, outs, pending = [], [], [], []
        progress = _Progress(-(-n_samples // perturbations_per_eval), name, show_progress)

        def flush():
            k = len(pending)
            batch = tuple(reograd.cat([p[i] for p in pending], dim=0) for i in range(len(pending[0])))
            with reograd.no_grad():
                out = run_forward(self.forward_func, batch, expand_target(target, k), expand_additional_args(args, k),
                                  name)
            if out.numel() != k:
                raise ValueError(f"{name}: the forward function must return one number per perturbed input; it "
                                 f"returned shape {tuple(out.shape)} for {k}")
            outs.append(out.reshape(-1).to(reograd.float64))
            pending.clear()
            progress.update()

        for _ in range(n_samples):
            try:
                sample = next(gen) if gen is not None else self.perturb_func(inputs, **kwargs)
            except StopIteration:
                warnings.warn(f"{name}: the perturbation generator stopped before {n_samples} samples", stacklevel=2)
                break
            if self.perturb_interpretable_space:
                z, model_in = sample, self.from_interp_rep_transform(sample, inputs, **kwargs)
            else:
                z, model_in = self.to_interp_rep_transform(sample, inputs, **kwargs), sample
            interp.append(z.reshape(1, -1).to(reograd.float64))
            sim = self.similarity_func(inputs, model_in, z, **kwargs)
            sims.append(float(sim.reshape(-1)[0]) if isinstance(sim, Tensor) else float(sim))
            pending.append(model_in if isinstance(model_in, tuple) else (model_in,))
            if len(pending) == perturbations_per_eval:
                flush()
        if pending:
            flush()
        progress.close()
        Z = reograd.cat(interp, dim=0)
        y = reograd.cat(outs)
        self.interpretable_model.fit(Z, y, reograd.tensor(sims, dtype=reograd.float64))
        return self.interpretable_model.representation()


def _batch_examples(n, xs, target, args, baselines, masks):
    """Each example's own slice of every per-example argument."""
    def pick(v, i):
        if isinstance(v, Tensor) and v.dim() > 0 and v.shape[0] == n:
            return v[i:i + 1]
        if isinstance(v, list):
            return [v[i]]
        return v
    for i in range(n):
        yield (tuple(x[i:i + 1] for x in xs), pick(target, i),
               None if args is None else tuple(pick(a, i) for a in args),
               tuple(pick(b, i) for b in baselines), tuple(pick(m, i) for m in masks))


class Lime(LimeBase):
    """LIME attributions: the coefficients of a weighted linear surrogate over the interpretable features
    (formula in the module docstring). For a batch with one output per example, each example gets its own
    surrogate.

    Args:
        forward_func: the model or a function.
        interpretable_model: default ``Lasso(alpha=0.01)`` (:mod:`reograd.explain.surrogate`).
        similarity_func: default the exponential kernel on the cosine distance, width 1.
        perturb_func: default uniform binary vectors.

    >>> lime = Lime(model)
    >>> attr = lime.attribute(image, target=3, feature_mask=superpixels, n_samples=200)
    """

    def __init__(self, forward_func, interpretable_model=None, similarity_func=None, perturb_func=None):
        super().__init__(forward_func, interpretable_model if interpretable_model is not None else Lasso(alpha=0.01),
                         similarity_func if similarity_func is not None else get_exp_kernel_similarity_function(),
                         perturb_func if perturb_func is not None else default_perturb_func, True,
                         default_from_interp_rep_transform, None)

    def attribute(self, inputs, baselines=None, target=None, additional_forward_args=None, feature_mask=None,
                  n_samples=50, perturbations_per_eval=1, return_input_shape=True, show_progress=False):
        """The surrogate's coefficients.

        Args:
            inputs: Tensor (N, ...) or tuple of Tensors.
            baselines: what a feature becomes when left out (None: zeros).
            target, additional_forward_args: see ``reograd.explain``.
            feature_mask: integer Tensor(s) grouping elements into interpretable features, numbered from
                0 (default: every element its own feature).
            n_samples: perturbed samples per surrogate.
            perturbations_per_eval: samples per forward call.
            return_input_shape: spread each coefficient over its feature's elements (the inputs' shapes,
                one row for a batch-level output), or return the coefficients (rows, M).
        """
        return self._attribute_kwargs(inputs, baselines, target, additional_forward_args, feature_mask, n_samples,
                                      perturbations_per_eval, return_input_shape, show_progress)

    def _attribute_kwargs(self, inputs, baselines, target, additional_forward_args, feature_mask, n_samples,
                          perturbations_per_eval, return_input_shape, show_progress, **kwargs):
        name = f"{type(self).__name__}.attribute"
        was_tuple = isinstance(inputs, tuple)
        xs = tuple(x.detach() for x in format_inputs(inputs, method=name))
        bs = format_baselines(baselines, xs, name)
        masks, m = self._masks(feature_mask, xs, name)
        args = format_additional_args(additional_forward_args)
        n = xs[0].shape[0]
        if m > 10000:
            warnings.warn(f"{name}: {m} interpretable features; group them with a feature_mask", stacklevel=3)
        common = dict(n_samples=n_samples, perturbations_per_eval=perturbations_per_eval,
                      show_progress=show_progress, num_interp_features=m, **kwargs)
        if n > 1:
            with reograd.no_grad():
                test = run_forward(self.forward_func, xs, target, args, name)
            if test.numel() == n:
                results = []
                for cx, ct, ca, cb, cm in _batch_examples(n, xs, target, args, bs, masks):
                    coefs = LimeBase.attribute(self, cx if was_tuple else cx[0], target=ct, additional_forward_args=ca,
                                               baselines=cb if was_tuple else cb[0],
                                               feature_mask=cm if was_tuple else cm[0], **common)
                    results.append(self._to_input_shape(cx, cm, coefs, m) if return_input_shape
                                   else (coefs.reshape(1, -1),))
                if not return_input_shape:
                    return reograd.cat([r[0] for r in results], dim=0)
                return format_output(was_tuple, (reograd.cat([r[i] for r in results], dim=0) for i in range(len(xs))))
            if test.numel() != 1:
                raise ValueError(f"{name}: the forward function must return one number per example or one for the "
                                 f"batch; it returned shape {tuple(test.shape)} for {n} examples")
            if perturbations_per_eval != 1:
                raise ValueError(f"{name}: perturbations_per_eval must be 1 when the forward function returns one "
                                 "number for the whole batch")
        coefs = LimeBase.attribute(self, inputs if was_tuple else xs[0], target=target, additional_forward_args=args,
                                   baselines=bs if was_tuple else bs[0], feature_mask=masks if was_tuple else masks[0],
                                   **common)
        if not return_input_shape:
            return coefs
        shaped = self._to_input_shape(xs, masks, coefs, m)
        return format_output(was_tuple, tuple(a[:1] for a in shaped) if n > 1 else shaped)

    @staticmethod
    def _masks(feature_mask, xs, name):
        if feature_mask is None:
            masks = default_feature_masks(xs)
        else:
            masks = tuple(m.long() for m in (feature_mask if isinstance(feature_mask, tuple) else (feature_mask,)))
            if len(masks) != len(xs):
                raise ValueError(f"{name}: {len(xs)} inputs but {len(masks)} feature masks")
            low = min(int(mk.min()) for mk in masks if mk.numel())
            if low != 0:
                warnings.warn(f"{name}: the feature mask's smallest id is {low}, not 0; shifting the ids to start "
                              "at 0", stacklevel=4)
                masks = tuple(mk - low for mk in masks)
        m = max(int(mk.max()) for mk in masks if mk.numel()) + 1
        return masks, m

    @staticmethod
    def _to_input_shape(xs, masks, coefs, m):
        """Each element gets its feature's coefficient."""
        c = coefs.reshape(-1).to(reograd.get_default_dtype())
        return tuple(c[mk].expand(*x.shape) for x, mk in zip(xs, masks))


class KernelShap(Lime):
    """Kernel SHAP: Shapley values estimated by LIME with the Shapley kernel and no penalty (see the module
    docstring). ``sum(attr) = F(x) - F(baseline)`` holds up to the 1e6 weight of the two anchor coalitions.

    >>> ks = KernelShap(model)
    >>> attr = ks.attribute(image, target=3, baselines=0.0, feature_mask=blocks, n_samples=300)
    """

    inf_weight = 1000000.0

    def __init__(self, forward_func):
        super().__init__(forward_func, LinearRegression(), self.kernel_shap_similarity_kernel,
                         self.kernel_shap_perturb_generator)

    def attribute(self, inputs, baselines=None, target=None, additional_forward_args=None, feature_mask=None,
                  n_samples=25, perturbations_per_eval=1, return_input_shape=True, show_progress=False):
        """Kernel SHAP values (arguments as :meth:`Lime.attribute`)."""
        name = "KernelShap.attribute"
        xs = format_inputs(inputs, method=name)
        _, m = self._masks(feature_mask, xs, name)
        if m < 2:
            raise ValueError(f"{name}: needs at least 2 interpretable features, got {m}")
        k = np.arange(1, m)
        p = (m - 1) / (k * (m - k))
        return self._attribute_kwargs(inputs, baselines, target, additional_forward_args, feature_mask, n_samples,
                                      perturbations_per_eval, return_input_shape, show_progress,
                                      num_select_distribution=p / p.sum())

    def kernel_shap_similarity_kernel(self, _, __, interpretable_sample, **kwargs):
        """Weight 1 for sampled coalitions (the kernel is in the sampling), ``inf_weight`` for the empty and
        full ones."""
        k = int(interpretable_sample.sum())
        return self.inf_weight if k in (0, int(kwargs["num_interp_features"])) else 1.0

    def kernel_shap_perturb_generator(self, original_inp, **kwargs):
        """The full coalition, the empty one, then coalitions of size ``k ~ p(k)`` with ``k`` random features."""
        m = int(kwargs["num_interp_features"])
        probs = kwargs["num_select_distribution"]
        yield reograd.ones(1, m, dtype=reograd.int64)
        yield reograd.zeros(1, m, dtype=reograd.int64)
        while True:
            k = int(reograd.multinomial(reograd.tensor(probs), 1).item()) + 1
            scores = reograd.randn(1, m)
            top = scores.topk(k, dim=1)[1]
            z = reograd.zeros(1, m, dtype=reograd.int64)
            z[0, top[0]] = 1
            yield z
