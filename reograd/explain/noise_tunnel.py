"""NoiseTunnel: an attribution method averaged over noisy copies of the input.

With ``a(x)`` the wrapped method's attribution and ``eps_t ~ N(0, sigma^2 I)``, t = 1..T:

- SmoothGrad (Smilkov et al. 2017):  (1/T) sum_t a(x + eps_t)
- SmoothGrad^2:                      (1/T) sum_t a(x + eps_t)^2
- VarGrad (Adebayo et al. 2018):     (1/T) sum_t a(x + eps_t)^2 - ((1/T) sum_t a(x + eps_t))^2
"""
from __future__ import annotations

import reograd
from reograd.autograd.tensor import Tensor

from ._common import Attribution, expand_additional_args, expand_target, format_baselines, format_inputs

__all__ = ["NoiseTunnel"]

NT_TYPES = ("smoothgrad", "smoothgrad_sq", "vargrad")


class NoiseTunnel(Attribution):
    """Smooths any attribution method by averaging it over Gaussian-noised inputs (SmoothGrad,
    SmoothGrad², VarGrad; formulas in the module docstring).

    Args:
        attribution_method: an attribution object, e.g. ``Saliency(model)`` or ``IntegratedGradients(model)``.

    >>> nt = NoiseTunnel(Saliency(model))
    >>> attr = nt.attribute(x, nt_type="smoothgrad_sq", nt_samples=25, stdevs=0.15, target=3)
    """

    def __init__(self, attribution_method):
        if not isinstance(attribution_method, Attribution):
            raise TypeError("NoiseTunnel: attribution_method must be an attribution object (e.g. Saliency(model)), "
                            f"got {type(attribution_method).__name__}")
        super().__init__(attribution_method.forward_func)
        self.attribution_method = attribution_method
        self.is_delta_supported = attribution_method.has_convergence_delta()

    @property
    def multiplies_by_inputs(self):
        """As the wrapped method."""
        return self.attribution_method.multiplies_by_inputs

    def has_convergence_delta(self):
        """As the wrapped method."""
        return self.is_delta_supported

    @staticmethod
    def _add_noise_to_input(input, stdev, n_samples):
        """Each example repeated ``n_samples`` times in a row, plus N(0, stdev^2) noise."""
        rep = input.detach().repeat_interleave(n_samples, dim=0)
        return rep + stdev * reograd.randn_like(rep)

    def attribute(self, inputs, nt_type="smoothgrad", nt_samples=5, nt_samples_batch_size=None, stdevs=1.0,
                  draw_baseline_from_distrib=False, **kwargs):
        """The smoothed attributions.

        Args:
            inputs: Tensor (N, ...) or tuple of Tensors.
            nt_type: ``"smoothgrad"``, ``"smoothgrad_sq"`` or ``"vargrad"``.
            nt_samples: noisy samples per example.
            nt_samples_batch_size: at most this many samples per example in one call of the method
                (None: all at once).
            stdevs: the noise's standard deviation (absolute, in input units), one per input or one for all.
            draw_baseline_from_distrib: draw each noisy sample's baseline at random from the rows of
                ``baselines`` (a distribution of baselines, as GradientSHAP uses).
            **kwargs: passed to the method's ``attribute`` (``target``, ``baselines``,
                ``additional_forward_args``, ``feature_mask``, ``n_steps``, ``return_convergence_delta``...);
                per-example ones are repeated for the noisy copies.
        Returns: attributions of the inputs' shapes; with ``return_convergence_delta=True`` also the
        deltas of every noisy sample, shape (N * nt_samples,).
        """
        name = "NoiseTunnel.attribute"
        if nt_type not in NT_TYPES:
            raise ValueError(f"{name}: nt_type must be one of {NT_TYPES}, got {nt_type!r}")
        if not isinstance(nt_samples, int) or nt_samples < 1:
            raise ValueError(f"{name}: nt_samples must be a positive int, got {nt_samples!r}")
        was_tuple = isinstance(inputs, tuple)
        xs = format_inputs(inputs, method=name)
        sd = stdevs if isinstance(stdevs, tuple) else (stdevs,) * len(xs)
        if len(sd) != len(xs):
            raise ValueError(f"{name}: {len(xs)} inputs but {len(sd)} stdevs")
        want_delta = bool(kwargs.get("return_convergence_delta", False))
        if want_delta and not self.is_delta_supported:
            raise ValueError(f"{name}: {type(self.attribution_method).__name__} has no convergence delta")
        batch = nt_samples if nt_samples_batch_size is None else min(nt_samples, int(nt_samples_batch_size))
        if batch < 1:
            raise ValueError(f"{name}: nt_samples_batch_size must be >= 1, got {nt_samples_batch_size!r}")
        sums = squares = None
        deltas = []
        done = 0
        attr_was_tuple = was_tuple
        while done < nt_samples:
            k = min(batch, nt_samples - done)
            noisy = tuple(self._add_noise_to_input(x, s, k) for x, s in zip(xs, sd))
            kw = self._expand_kwargs(kwargs, xs, k, draw_baseline_from_distrib, name)
            res = self.attribution_method.attribute(noisy if was_tuple else noisy[0], **kw)
            if want_delta:
                res, delta = res
                deltas.append(delta)
            attr_was_tuple = isinstance(res, tuple)
            attrs = res if attr_was_tuple else (res,)
            n = xs[0].shape[0]
            blocks = [a.detach().reshape(n, k, *a.shape[1:]) for a in attrs]
            s1 = [b.sum(1) for b in blocks]
            s2 = [(b * b).sum(1) for b in blocks]
            sums = s1 if sums is None else [a + b for a, b in zip(sums, s1)]
            squares = s2 if squares is None else [a + b for a, b in zip(squares, s2)]
            done += k
        mean = [s / nt_samples for s in sums]
        mean_sq = [s / nt_samples for s in squares]
        if nt_type == "smoothgrad":
            out = mean
        elif nt_type == "smoothgrad_sq":
            out = mean_sq
        else:
            out = [q - m * m for m, q in zip(mean, mean_sq)]
        out = tuple(out) if attr_was_tuple else out[0]
        return (out, reograd.cat(deltas)) if want_delta else out

    @staticmethod
    def _expand_kwargs(kwargs, xs, k, draw_baseline_from_distrib, name):
        kw = dict(kwargs)
        if "target" in kw:
            kw["target"] = expand_target(kw["target"], k, interleave=True)
        if kw.get("additional_forward_args") is not None:
            args = kw["additional_forward_args"]
            args = args if isinstance(args, tuple) else (args,)
            kw["additional_forward_args"] = expand_additional_args(args, k, interleave=True)
        if kw.get("baselines") is not None:
            bs = format_baselines(kw["baselines"], xs, name) if not draw_baseline_from_distrib else (
                kw["baselines"] if isinstance(kw["baselines"], tuple) else (kw["baselines"],))
            n = xs[0].shape[0]
            out = []
            for b in bs:
                if not isinstance(b, Tensor):
                    out.append(b)
                elif draw_baseline_from_distrib:
                    out.append(b[reograd.randint(0, b.shape[0], (n * k,))])
                elif b.shape[0] == 1:
                    out.append(b)
                else:
                    out.append(b.repeat_interleave(k, dim=0))
            kw["baselines"] = tuple(out) if isinstance(kwargs["baselines"], tuple) else out[0]
        if kw.get("feature_mask") is not None:
            fm = kw["feature_mask"]
            masks = fm if isinstance(fm, tuple) else (fm,)
            masks = tuple(m if m.shape[0] == 1 else m.repeat_interleave(k, dim=0) for m in masks)
            kw["feature_mask"] = masks if isinstance(fm, tuple) else masks[0]
        return kw
