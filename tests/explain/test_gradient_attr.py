"""Saliency, InputXGradient, GuidedBackprop, Deconvolution: sanity checks and agreement with Captum."""
import numpy as np
import pytest
from explain_helpers import arr, close, mlp, pair, small_cnn, twin

import reograd
from reograd import nn
from reograd.explain import Deconvolution, GuidedBackprop, InputXGradient, Saliency


def test_linear_model_gradients_are_the_weights():
    lin = nn.Linear(4, 3)
    x = reograd.randn(6, 4)
    w = lin.weight.detach()
    np.testing.assert_allclose(arr(Saliency(lin).attribute(x, target=2, abs=False)), np.tile(arr(w[2]), (6, 1)),
                               rtol=1e-6)
    np.testing.assert_allclose(arr(Saliency(lin).attribute(x, target=1)), np.tile(np.abs(arr(w[1])), (6, 1)),
                               rtol=1e-6)
    # Grad x Input of a linear model: each feature's term w_i x_i
    np.testing.assert_allclose(arr(InputXGradient(lin).attribute(x, target=0)), arr(x * w[0]), rtol=1e-6)


def test_per_example_targets_and_input_untouched():
    model = mlp(nn)
    x = reograd.randn(4, 5)
    per = Saliency(model).attribute(x, target=[0, 1, 2, 0])
    for i, t in enumerate([0, 1, 2, 0]):
        np.testing.assert_allclose(arr(per[i]), arr(Saliency(model).attribute(x[i:i + 1], target=t)[0]), rtol=1e-6)
    assert not x.requires_grad and x.grad is None
    assert reograd.allclose(per, Saliency(model).attribute(x, target=reograd.tensor([0, 1, 2, 0])))


def test_randomised_weights_change_saliency():
    """Adebayo et al.'s model-randomisation sanity check: a method that ignores the weights fails it."""
    model = small_cnn(nn)
    x = reograd.randn(3, 2, 7, 8)
    before = arr(Saliency(model).attribute(x, target=1))
    with reograd.no_grad():
        for p in model.parameters():
            p.copy_(reograd.randn_like(p))
    after = arr(Saliency(model).attribute(x, target=1))
    corr = np.corrcoef(before.ravel(), after.ravel())[0, 1]
    assert np.abs(before - after).max() > 1e-3 and corr < 0.9


def test_guided_backprop_passes_only_positive_gradients():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    with reograd.no_grad():
        model[0].weight.copy_(reograd.eye(4, 3))
        model[0].bias.zero_()
        model[2].weight.copy_(reograd.tensor([[1.0, -1.0, 2.0, 0.0]]))
    x = reograd.tensor([[1.0, 1.0, -1.0]])
    # units: [1, 1, 0 (inactive)]; gradients into them [1, -1, 2]: guided keeps unit 0 only
    np.testing.assert_allclose(arr(GuidedBackprop(model).attribute(x)), [[1.0, 0.0, 0.0]])
    # deconvolution ignores the forward activation: relu(grad_output) = [1, 0, 2]
    np.testing.assert_allclose(arr(Deconvolution(model).attribute(x)), [[1.0, 0.0, 2.0]])
    assert not any(m._backward_hooks for m in model.modules())  # hooks removed


def test_errors():
    model = mlp(nn)
    with pytest.raises(ValueError, match="pass a target"):
        Saliency(model).attribute(reograd.randn(2, 5))
    with pytest.raises(TypeError, match="Tensor"):
        Saliency(model).attribute(np.zeros((2, 5)), target=0)
    with pytest.raises(ValueError, match="3 targets for 2 examples"):
        Saliency(model).attribute(reograd.randn(2, 5), target=[0, 1, 2])
    with pytest.raises(TypeError, match="nn.Module"):
        GuidedBackprop(lambda x: x)


@pytest.mark.parity
@pytest.mark.parametrize("abs_", [True, False])
def test_saliency_matches_captum(captum, abs_):
    ours, theirs = twin(small_cnn)
    x, xt = pair(np.random.default_rng(0).standard_normal((3, 2, 7, 8)))
    close(Saliency(ours).attribute(x, target=2, abs=abs_), captum.Saliency(theirs).attribute(xt, target=2, abs=abs_))


@pytest.mark.parity
def test_tuple_inputs_and_additional_args_match_captum(captum):
    lin_r, lin_t = twin(lambda nn: nn.Linear(3, 2))

    def f_r(a, b, scale):
        return lin_r(a * b) * scale

    def f_t(a, b, scale):
        return lin_t(a * b) * scale

    rng = np.random.default_rng(1)
    a, at = pair(rng.standard_normal((4, 3)))
    b, bt = pair(rng.standard_normal((4, 3)))
    s, st = pair(rng.standard_normal((4, 1)))
    for ours_cls, their_cls in ((Saliency, captum.Saliency), (InputXGradient, captum.InputXGradient)):
        got = ours_cls(f_r).attribute((a, b), target=1, additional_forward_args=(s,))
        want = their_cls(f_t).attribute((at, bt), target=1, additional_forward_args=(st,))
        assert isinstance(got, tuple) and len(got) == 2
        close(got, want)


@pytest.mark.parity
@pytest.mark.parametrize("name", ["InputXGradient", "GuidedBackprop", "Deconvolution"])
def test_gradient_methods_match_captum(captum, name):
    ours, theirs = twin(small_cnn)
    x, xt = pair(np.random.default_rng(2).standard_normal((3, 2, 7, 8)))
    import reograd.explain as ex

    close(getattr(ex, name)(ours).attribute(x, target=[0, 3, 4]),
          getattr(captum, name)(theirs).attribute(xt, target=[0, 3, 4]))
