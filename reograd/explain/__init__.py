"""``reograd.explain``: attributions with Captum's API, predictive uncertainty and calibration.

Attributions (``Method(model).attribute(inputs, target=..., baselines=..., additional_forward_args=...)``,
batched, for any differentiable model; the formula of each is in its module):

- gradients: :class:`Saliency`, :class:`InputXGradient`, :class:`GuidedBackprop`, :class:`Deconvolution`
- path methods: :class:`IntegratedGradients` (Riemann and Gauss-Legendre rules, ``internal_batch_size``,
  convergence delta), :class:`DeepLift` (rescale rule), :class:`DeepLiftShap`, :class:`NoiseTunnel` (SmoothGrad, SmoothGrad²,
  VarGrad around any method)
- perturbations: :class:`Occlusion`, :class:`FeatureAblation`, :class:`FeaturePermutation`
- surrogates: :class:`Lime`, :class:`KernelShap` (own linear models in :mod:`.surrogate`)
- layers: :class:`LayerGradCam`, :class:`LayerIntegratedGradients`, :class:`ScoreCAM`, :class:`LayerActivation`
- relevance: :class:`LRP` (epsilon rule)
- pictures: :func:`visualize` (methods side by side) and :mod:`.visualization` (Captum's functions)

Uncertainty: :func:`mc_dropout_predict`, :func:`deep_ensemble_predict`; split conformal prediction
(:class:`SplitConformalRegressor`, :class:`SplitConformalClassifier`); calibration
(:func:`expected_calibration_error`, :func:`reliability_diagram`, :class:`TemperatureScaling`).

    from reograd.explain import IntegratedGradients
    attr, delta = IntegratedGradients(model).attribute(x, target=y, return_convergence_delta=True)
"""
from . import surrogate, visualization  # noqa: F401
from ._common import Attribution, GradientAttribution, PerturbationAttribution
from .ablation import FeatureAblation, FeaturePermutation, Occlusion
from .calibration import TemperatureScaling, calibration_bins, expected_calibration_error, reliability_diagram
from .conformal import (SplitConformalClassifier, SplitConformalRegressor, conformal_quantile, interval_coverage,
                        set_coverage)
from .deep_lift import DeepLift, DeepLiftShap
from .gradient import Deconvolution, GuidedBackprop, InputXGradient, Saliency
from .integrated_gradients import IntegratedGradients
from .layer import LayerActivation, LayerAttribution, LayerGradCam, LayerIntegratedGradients, ScoreCAM
from .lime import KernelShap, Lime, LimeBase
from .lrp import LRP, EpsilonRule, IdentityRule, PropagationRule
from .noise_tunnel import NoiseTunnel
from .uncertainty import UncertaintyEstimate, deep_ensemble_predict, enable_dropout, mc_dropout_predict
from .visualization import visualize

__all__ = ["Attribution", "GradientAttribution", "PerturbationAttribution", "Saliency", "InputXGradient",
           "GuidedBackprop", "Deconvolution", "IntegratedGradients", "DeepLift", "DeepLiftShap", "NoiseTunnel", "Occlusion",
           "FeatureAblation", "FeaturePermutation", "Lime", "LimeBase", "KernelShap", "LayerAttribution",
           "LayerActivation", "LayerGradCam", "LayerIntegratedGradients", "ScoreCAM", "LRP", "PropagationRule",
           "EpsilonRule", "IdentityRule", "visualize", "mc_dropout_predict", "deep_ensemble_predict",
           "enable_dropout", "UncertaintyEstimate", "SplitConformalRegressor", "SplitConformalClassifier",
           "conformal_quantile", "interval_coverage", "set_coverage", "expected_calibration_error",
           "calibration_bins", "reliability_diagram", "TemperatureScaling"]
