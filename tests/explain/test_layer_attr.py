"""LayerGradCam, LayerIntegratedGradients, ScoreCAM and LayerActivation."""
import numpy as np
import pytest
from explain_helpers import arr, close, pair, small_cnn, twin

import reograd
from reograd import nn
from reograd.explain import (IntegratedGradients, LayerActivation, LayerAttribution, LayerGradCam,
                             LayerIntegratedGradients, ScoreCAM)


def test_gradcam_definition_and_shapes():
    model = small_cnn(nn).double()
    x = reograd.randn(2, 2, 7, 8, dtype=reograd.float64)
    cam = LayerGradCam(model, model[2])
    maps = cam.attribute(x, target=1)
    assert maps.shape == (2, 1, 3, 4)
    # by hand: A and dF/dA at the layer's output
    acts = {}
    h = model[2].register_forward_hook(lambda m, a, o: acts.setdefault("a", o))
    out = model(x)
    h.remove()
    (g,) = reograd.autograd.grad(out[:, 1].sum(), acts["a"])
    want = (g.mean((2, 3), keepdim=True) * acts["a"]).sum(1, keepdim=True)
    np.testing.assert_allclose(arr(maps), arr(want), rtol=1e-10)
    assert float(cam.attribute(x, target=1, relu_attributions=True).min()) >= 0
    up = LayerAttribution.interpolate(maps, (7, 8), "bilinear")
    assert up.shape == (2, 1, 7, 8)
    np.testing.assert_allclose(arr(LayerActivation(model, model[2]).attribute(x)), arr(acts["a"]), rtol=1e-12)


def test_layer_ig_is_complete_in_the_layer():
    model = small_cnn(nn).double()
    x = reograd.randn(3, 2, 7, 8, dtype=reograd.float64)
    attr, delta = LayerIntegratedGradients(model, model[3]).attribute(x, target=0, n_steps=100,
                                                                      return_convergence_delta=True)
    assert attr.shape == (3, 3, 3, 4)
    with reograd.no_grad():
        want = model(x)[:, 0] - model(reograd.zeros_like(x))[:, 0]
    np.testing.assert_allclose(arr(attr).reshape(3, -1).sum(1) - arr(want), arr(delta), atol=1e-12)
    # the first layer's input is the input: Layer IG there is input IG
    np.testing.assert_allclose(arr(LayerIntegratedGradients(model, model[0]).attribute(
        x, target=0, attribute_to_layer_input=True, n_steps=20)),
        arr(IntegratedGradients(model).attribute(x, target=0, n_steps=20)), rtol=1e-10)


def test_layer_ig_on_an_embedding_with_token_ids():
    """The classic use: integer inputs, the path runs through the embedding's output."""
    emb = nn.Embedding(10, 4)
    head = nn.Linear(4, 2)
    f = lambda ids: head(emb(ids).mean(1))  # noqa: E731
    ids = reograd.tensor([[1, 2, 3], [4, 5, 0]])
    attr, delta = LayerIntegratedGradients(f, emb).attribute(ids, baselines=reograd.zeros_like(ids), target=1,
                                                             return_convergence_delta=True)
    assert attr.shape == (2, 3, 4) and float(delta.abs().max()) < 1e-5


def test_scorecam_weights_the_map_that_keeps_the_score():
    """Layer = identity on a 2-channel input, F = sum of channel 0: the channel-0 map keeps more of F
    than the channel-1 map, so it gets the larger weight; the CAM is the softmax-weighted sum."""
    layer = nn.Identity()
    f = lambda t: layer(t)[:, 0].sum((1, 2))[:, None].repeat(1, 2)  # noqa: E731
    g = reograd.Generator().manual_seed(1)
    x = reograd.rand(1, 2, 6, 6, generator=g, dtype=reograd.float64)
    cam = ScoreCAM(f, layer).attribute(x, target=0)
    a = arr(x)[0]
    norm = [(c - c.min()) / (c.max() - c.min()) for c in a]
    s = np.array([(a[0] * h).sum() for h in norm])
    w = np.exp(s - s.max()) / np.exp(s - s.max()).sum()
    np.testing.assert_allclose(arr(cam)[0, 0], np.maximum((w[:, None, None] * a).sum(0), 0), rtol=1e-10)
    assert w[0] > w[1]
    with pytest.raises(TypeError, match="one input Tensor"):
        ScoreCAM(f, layer).attribute((x, x), target=0)


def test_scorecam_on_a_cnn_upsamples_and_is_nonnegative():
    model = small_cnn(nn)
    x = reograd.randn(2, 2, 7, 8)
    cam = ScoreCAM(model, model[2]).attribute(x, target=[1, 3], maps_per_eval=2)
    assert cam.shape == (2, 1, 3, 4) and float(cam.min()) >= 0
    raw = ScoreCAM(model, model[2]).attribute(x, target=[1, 3], softmax=False, relu_attributions=False)
    assert raw.shape == (2, 1, 3, 4)


def test_layer_not_called_is_an_error():
    model = small_cnn(nn)
    with pytest.raises(RuntimeError, match="not called"):
        LayerGradCam(model, nn.Linear(2, 2)).attribute(reograd.randn(1, 2, 7, 8), target=0)


@pytest.mark.parity
@pytest.mark.parametrize("to_input", [False, True])
@pytest.mark.parametrize("relu", [False, True])
def test_gradcam_matches_captum(captum, to_input, relu):
    ours, theirs = twin(small_cnn)
    x, xt = pair(np.random.default_rng(0).standard_normal((3, 2, 7, 8)))
    close(LayerGradCam(ours, ours[2]).attribute(x, target=1, attribute_to_layer_input=to_input,
                                                relu_attributions=relu),
          captum.LayerGradCam(theirs, theirs[2]).attribute(xt, target=1, attribute_to_layer_input=to_input,
                                                           relu_attributions=relu))
    close(LayerGradCam(ours, ours[2]).attribute(x, target=[1, 2, 3], attr_dim_summation=False),
          captum.LayerGradCam(theirs, theirs[2]).attribute(xt, target=[1, 2, 3], attr_dim_summation=False))


@pytest.mark.parity
def test_interpolate_matches_captum(captum):
    m, mt = pair(np.random.default_rng(1).standard_normal((2, 1, 3, 4)))
    for mode in ("nearest", "bilinear"):
        close(LayerAttribution.interpolate(m, (7, 8), mode), captum.LayerAttribution.interpolate(mt, (7, 8), mode))


@pytest.mark.parity
@pytest.mark.parametrize("method", ["gausslegendre", "riemann_trapezoid", "riemann_left"])
@pytest.mark.parametrize("to_input", [False, True])
def test_layer_ig_matches_captum(captum, method, to_input):
    ours, theirs = twin(small_cnn)
    x, xt = pair(np.random.default_rng(2).standard_normal((3, 2, 7, 8)))
    got, d = LayerIntegratedGradients(ours, ours[2]).attribute(x, baselines=0.2, target=1, n_steps=10, method=method,
                                                               internal_batch_size=7, return_convergence_delta=True,
                                                               attribute_to_layer_input=to_input)
    want, dt = captum.LayerIntegratedGradients(theirs, theirs[2]).attribute(
        xt, baselines=0.2, target=1, n_steps=10, method=method, return_convergence_delta=True,
        attribute_to_layer_input=to_input)
    close(got, want)
    close(d, dt, atol=2e-5)


@pytest.mark.parity
def test_layer_ig_on_an_embedding_matches_captum(captum):
    torch = pytest.importorskip("torch")

    def build(nn):
        return nn.ModuleDict({"emb": nn.Embedding(10, 4), "head": nn.Linear(4, 2)})
    ours, theirs = twin(build)
    ids = np.array([[1, 2, 3], [4, 5, 0]])
    got = LayerIntegratedGradients(lambda t: ours["head"](ours["emb"](t).mean(1)), ours["emb"]).attribute(
        reograd.tensor(ids), baselines=reograd.zeros(2, 3, dtype=reograd.int64), target=1, n_steps=16)
    want = captum.LayerIntegratedGradients(lambda t: theirs["head"](theirs["emb"](t).mean(1)), theirs["emb"]).attribute(
        torch.tensor(ids), baselines=torch.zeros(2, 3, dtype=torch.int64), target=1, n_steps=16)
    close(got, want)
