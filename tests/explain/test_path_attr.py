"""IntegratedGradients, DeepLift and NoiseTunnel: completeness, sanity checks, agreement with Captum."""
import contextlib

import numpy as np
import pytest
from explain_helpers import arr, close, mlp, pair, small_cnn, twin

import reograd
from reograd import nn
from reograd.explain import DeepLift, DeepLiftShap, IntegratedGradients, NoiseTunnel, Saliency
from reograd.explain._approximation import SUPPORTED_METHODS, step_sizes_and_alphas

METHODS = SUPPORTED_METHODS


def relu_pool_cnn(nn):
    """Conv -> ReLU -> MaxPool -> Sigmoid -> Linear -> Tanh -> Linear, for 1x8x8 inputs."""
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.relu, self.pool = nn.Conv2d(1, 3, 3), nn.ReLU(), nn.MaxPool2d(2)
            self.sig, self.fc1, self.tanh, self.fc2 = nn.Sigmoid(), nn.Linear(27, 4), nn.Tanh(), nn.Linear(4, 3)

        def forward(self, x):
            h = self.sig(self.pool(self.relu(self.conv(x))))
            return self.fc2(self.tanh(self.fc1(h.reshape(h.shape[0], -1))))
    return Net()


def test_quadrature_rules():
    """Each rule integrates polynomials as promised: Riemann middle/trapezoid exactly for linear
    functions, Gauss-Legendre with n points up to degree 2n - 1."""
    for m in METHODS:
        w, a = step_sizes_and_alphas(m, 8)
        assert len(w) == len(a) == 8 and all(0 <= t <= 1 for t in a)
    w, a = step_sizes_and_alphas("gausslegendre", 4)
    for deg in range(8):
        assert abs(sum(wi * ai ** deg for wi, ai in zip(w, a)) - 1 / (deg + 1)) < 1e-12
    w, a = step_sizes_and_alphas("riemann_middle", 10)
    assert abs(sum(wi * ai for wi, ai in zip(w, a)) - 0.5) < 1e-12


@pytest.mark.parametrize("method", METHODS)
def test_ig_of_a_linear_model_is_weight_times_delta(method):
    """IG of f(x) = w.x + b is w * (x - x') for any rule (the gradient is constant along the path), with
    the rule's total weight: 1 except for the trapezoid (1 - 1/n, Captum's convention)."""
    lin = nn.Linear(5, 2).double()
    x, b = reograd.randn(3, 5, dtype=reograd.float64), reograd.randn(1, 5, dtype=reograd.float64)
    attr = IntegratedGradients(lin).attribute(x, baselines=b, target=1, method=method, n_steps=10)
    total = sum(step_sizes_and_alphas(method, 10)[0])
    np.testing.assert_allclose(arr(attr), total * arr(lin.weight[1] * (x - b)), rtol=1e-10)


def test_ig_completeness_within_the_convergence_delta():
    """sum(IG) = F(x) - F(x') + delta, delta being the quadrature error: tiny for a smooth (tanh) model
    with Gauss-Legendre, small for a ReLU CNN (piecewise linear paths), and shrinking with more steps."""
    smooth = mlp(nn).double()
    x = reograd.randn(4, 5, dtype=reograd.float64)
    attr, delta = IntegratedGradients(smooth).attribute(x, target=2, return_convergence_delta=True)
    with reograd.no_grad():
        want = smooth(x)[:, 2] - smooth(reograd.zeros_like(x))[:, 2]
    np.testing.assert_allclose(arr(attr).sum(1) - arr(want), arr(delta), atol=1e-12)
    assert np.abs(arr(delta)).max() < 1e-9
    model = small_cnn(nn).double()
    x = reograd.randn(3, 2, 7, 8, dtype=reograd.float64)
    attr, delta = IntegratedGradients(model).attribute(x, target=2, n_steps=200, return_convergence_delta=True)
    with reograd.no_grad():
        want = model(x)[:, 2] - model(reograd.zeros_like(x))[:, 2]
    np.testing.assert_allclose(arr(attr).reshape(3, -1).sum(1) - arr(want), arr(delta), atol=1e-12)
    assert np.abs(arr(delta)).max() < 1e-2 * np.abs(arr(want)).max()
    _, d_coarse = IntegratedGradients(model).attribute(x, target=2, n_steps=4, method="riemann_right",
                                                       return_convergence_delta=True)
    _, d_fine = IntegratedGradients(model).attribute(x, target=2, n_steps=64, method="riemann_right",
                                                     return_convergence_delta=True)
    assert np.abs(arr(d_fine)).max() < np.abs(arr(d_coarse)).max()


@pytest.mark.parametrize("ibs", [1, 3, 7, 40])
def test_ig_internal_batch_size_changes_nothing(ibs):
    model = mlp(nn).double()
    x = reograd.randn(3, 5, dtype=reograd.float64)
    full = IntegratedGradients(model).attribute(x, target=1, n_steps=11)
    calls = []
    fwd = lambda z: (calls.append(z.shape[0]), model(z))[1]  # noqa: E731
    with pytest.warns(UserWarning, match="internal_batch_size") if ibs < 3 else contextlib.nullcontext():
        part = IntegratedGradients(fwd).attribute(x, target=1, n_steps=11, internal_batch_size=ibs)
    np.testing.assert_allclose(arr(part), arr(full), rtol=1e-12)
    assert max(calls) <= max(ibs, 3)


def test_ig_errors():
    model = mlp(nn)
    with pytest.raises(ValueError, match="unknown integration method"):
        IntegratedGradients(model).attribute(reograd.randn(2, 5), target=0, method="simpson")
    with pytest.raises(ValueError, match="n_steps"):
        IntegratedGradients(model).attribute(reograd.randn(2, 5), target=0, n_steps=1, method="riemann_left")
    with pytest.raises(ValueError, match="baseline 0 has shape"):
        IntegratedGradients(model).attribute(reograd.randn(2, 5), baselines=reograd.zeros(2, 4), target=0)


def test_deeplift_is_exact_for_a_linear_model_and_complete():
    lin = nn.Linear(4, 2).double()
    x, b = reograd.randn(3, 4, dtype=reograd.float64), reograd.randn(3, 4, dtype=reograd.float64)
    np.testing.assert_allclose(arr(DeepLift(lin).attribute(x, baselines=b, target=0)), arr(lin.weight[0] * (x - b)),
                               rtol=1e-12)
    model = relu_pool_cnn(nn).double()
    x = reograd.randn(4, 1, 8, 8, dtype=reograd.float64)
    b = 0.3 * reograd.randn(1, 1, 8, 8, dtype=reograd.float64)
    attr, delta = DeepLift(model).attribute(x, baselines=b, target=1, return_convergence_delta=True)
    assert attr.shape == x.shape
    # summation-to-delta holds exactly for the rescale and max-pool rules
    assert np.abs(arr(delta)).max() < 1e-10
    mult = DeepLift(model, multiply_by_inputs=False).attribute(x, baselines=b, target=1)
    np.testing.assert_allclose(arr(mult * (x - b)), arr(attr), rtol=1e-10, atol=1e-14)
    custom = DeepLift(model).attribute(x, baselines=b, target=1,
                                       custom_attribution_func=lambda m, i, bl: tuple(2 * t for t in m))
    np.testing.assert_allclose(arr(custom), 2 * arr(mult), rtol=1e-12)


def test_deeplift_rescale_rule_differs_from_the_gradient():
    """For one sigmoid unit the multiplier is the secant slope (f(x) - f(x')) / (x - x')."""
    model = nn.Sequential(nn.Sigmoid())
    x, b = reograd.tensor([[2.0]], dtype=reograd.float64), reograd.tensor([[-1.0]], dtype=reograd.float64)
    m = DeepLift(model, multiply_by_inputs=False).attribute(x, baselines=b)
    secant = (1 / (1 + np.exp(-2)) - 1 / (1 + np.exp(1))) / 3
    np.testing.assert_allclose(arr(m), [[secant]], rtol=1e-12)


def test_deeplift_rejects_a_reused_module():
    act = nn.ReLU()

    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc, self.act = nn.Linear(3, 3), act

        def forward(self, x):
            return self.act(self.fc(self.act(x))).sum(1)

    with pytest.raises(RuntimeError, match="more than once"):
        DeepLift(Twice()).attribute(reograd.randn(2, 3))


def test_noise_tunnel_smoothgrad_statistics():
    """With a quadratic model the SmoothGrad of Saliency(abs=False) is 2 w (x + mean noise); VarGrad is
    the variance of 2 w noise, i.e. ~ 4 w^2 sigma^2."""
    w = reograd.tensor([[1.0, -2.0, 0.5]], dtype=reograd.float64)
    f = lambda x: (w * x * x).sum(1)  # noqa: E731
    x = reograd.tensor([[0.3, 0.1, -0.4]], dtype=reograd.float64)
    nt = NoiseTunnel(Saliency(f))
    sg = nt.attribute(x, nt_type="smoothgrad", nt_samples=4000, stdevs=0.5, abs=False, nt_samples_batch_size=700)
    np.testing.assert_allclose(arr(sg), arr(2 * w * x), atol=0.06)
    vg = nt.attribute(x, nt_type="vargrad", nt_samples=4000, stdevs=0.5, abs=False)
    np.testing.assert_allclose(arr(vg), arr(4 * w * w * 0.25), rtol=0.1)
    with pytest.raises(ValueError, match="nt_type"):
        nt.attribute(x, nt_type="smooth")


def _fixed_noise(monkeypatch, ours_only=False):
    """Replace the Gaussian noise of both NoiseTunnels by the same NumPy draws."""
    rng = np.random.default_rng(7)
    draws = {}

    def noise(shape):
        key = (tuple(shape), len([k for k in draws if k[0] == tuple(shape)]))
        draws[key] = rng.standard_normal(shape)
        return draws[key]

    queue = []

    def ours(input, stdev, n):
        rep = input.detach().repeat_interleave(n, dim=0)
        z = noise(tuple(rep.shape))
        queue.append(z)
        return rep + stdev * reograd.tensor(z, dtype=rep.dtype)

    monkeypatch.setattr(NoiseTunnel, "_add_noise_to_input", staticmethod(ours))
    if ours_only:
        return queue
    import torch
    from captum.attr import NoiseTunnel as CaptumNT

    replay = iter(queue)

    def theirs(input, stdev, n):
        rep = input.repeat_interleave(n, dim=0)
        return rep + stdev * torch.tensor(next(replay), dtype=rep.dtype)

    monkeypatch.setattr(CaptumNT, "_add_noise_to_input", staticmethod(theirs))
    return queue


@pytest.mark.parity
@pytest.mark.parametrize("nt_type", ["smoothgrad", "smoothgrad_sq", "vargrad"])
def test_noise_tunnel_matches_captum(captum, monkeypatch, nt_type):
    ours, theirs = twin(small_cnn)
    x, xt = pair(np.random.default_rng(3).standard_normal((2, 2, 7, 8)))
    _fixed_noise(monkeypatch)
    got = NoiseTunnel(Saliency(ours)).attribute(x, nt_type=nt_type, nt_samples=6, nt_samples_batch_size=4,
                                                stdevs=0.3, target=[1, 4])
    want = captum.NoiseTunnel(captum.Saliency(theirs)).attribute(xt, nt_type=nt_type, nt_samples=6,
                                                                 nt_samples_batch_size=4, stdevs=0.3, target=[1, 4])
    close(got, want)


@pytest.mark.parity
def test_noise_tunnel_with_ig_and_delta_matches_captum(captum, monkeypatch):
    ours, theirs = twin(mlp)
    x, xt = pair(np.random.default_rng(4).standard_normal((3, 5)))
    b, bt = pair(np.random.default_rng(5).standard_normal((3, 5)))
    _fixed_noise(monkeypatch)
    got, d = NoiseTunnel(IntegratedGradients(ours)).attribute(x, nt_samples=4, stdevs=0.2, target=1, baselines=b,
                                                              n_steps=8, return_convergence_delta=True)
    want, dt = captum.NoiseTunnel(captum.IntegratedGradients(theirs)).attribute(
        xt, nt_samples=4, stdevs=0.2, target=1, baselines=bt, n_steps=8, return_convergence_delta=True)
    close(got, want)
    close(d, dt, atol=1e-5)
    assert d.shape == (12,)


@pytest.mark.parity
@pytest.mark.parametrize("method", METHODS)
def test_ig_matches_captum(captum, method):
    ours, theirs = twin(small_cnn)
    rng = np.random.default_rng(6)
    x, xt = pair(rng.standard_normal((3, 2, 7, 8)))
    b, bt = pair(0.1 * rng.standard_normal((1, 2, 7, 8)))
    got, d = IntegratedGradients(ours).attribute(x, baselines=b, target=[0, 2, 4], n_steps=12, method=method,
                                                 internal_batch_size=8, return_convergence_delta=True)
    want, dt = captum.IntegratedGradients(theirs).attribute(xt, baselines=bt, target=[0, 2, 4], n_steps=12,
                                                            method=method, return_convergence_delta=True)
    close(got, want)
    close(d, dt, atol=2e-5)


@pytest.mark.parity
def test_ig_local_attributions_and_tuple_inputs_match_captum(captum):
    lin_r, lin_t = twin(lambda nn: nn.Linear(3, 2))
    rng = np.random.default_rng(8)
    a, at = pair(rng.standard_normal((4, 3)))
    c, ct = pair(rng.standard_normal((4, 3)))
    got = IntegratedGradients(lambda u, v, k: (lin_r(u) * v.sum(1, keepdim=True)) ** 2 * k,
                              multiply_by_inputs=False).attribute((a, c), target=0, additional_forward_args=2.0,
                                                                  n_steps=9, baselines=(0.5, 0.1))
    want = captum.IntegratedGradients(lambda u, v, k: (lin_t(u) * v.sum(1, keepdim=True)) ** 2 * k,
                                      multiply_by_inputs=False).attribute((at, ct), target=0,
                                                                          additional_forward_args=2.0, n_steps=9,
                                                                          baselines=(0.5, 0.1))
    close(got, want)


@pytest.mark.parity
def test_deeplift_matches_captum(captum):
    """Every hooked module (max pool, sigmoid, ELU) reads a Conv/Linear output: where one hooked module
    feeds another directly (ReLU -> Sigmoid), Captum 0.9 loses summation-to-delta and ours keeps it
    (test_deeplift_consecutive_activations_follow_the_rescale_rule)."""
    def build(nn):
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv, self.pool = nn.Conv2d(1, 3, 3), nn.MaxPool2d(2)
                self.fc1, self.sig, self.fc2, self.elu, self.fc3 = (nn.Linear(27, 6), nn.Sigmoid(), nn.Linear(6, 6),
                                                                    nn.ELU(), nn.Linear(6, 3))

            def forward(self, x):
                h = self.pool(self.conv(x))
                return self.fc3(self.elu(self.fc2(self.sig(self.fc1(h.reshape(h.shape[0], -1))))))
        return Net()
    ours, theirs = twin(build)
    rng = np.random.default_rng(9)
    x, xt = pair(rng.standard_normal((4, 1, 8, 8)))
    b, bt = pair(0.3 * rng.standard_normal((1, 1, 8, 8)))
    got, d = DeepLift(ours).attribute(x, baselines=b, target=2, return_convergence_delta=True)
    want, dt = captum.DeepLift(theirs).attribute(xt, baselines=bt, target=2, return_convergence_delta=True)
    close(got, want)
    close(d, dt, atol=1e-5)
    close(DeepLift(ours, multiply_by_inputs=False).attribute(x, baselines=b, target=[0, 1, 2, 0]),
          captum.DeepLift(theirs, multiply_by_inputs=False).attribute(xt, baselines=bt, target=[0, 1, 2, 0]))


def test_deeplift_consecutive_activations_follow_the_rescale_rule():
    """Linear -> ReLU -> Sigmoid -> Linear: the chain rule for multipliers computed by hand."""
    m = nn.Sequential(nn.Linear(6, 6), nn.ReLU(), nn.Sigmoid(), nn.Linear(6, 3)).double()
    x, b = reograd.randn(4, 6, dtype=reograd.float64), reograd.randn(1, 6, dtype=reograd.float64)
    attr, delta = DeepLift(m).attribute(x, baselines=b, target=1, return_convergence_delta=True)
    W1, b1, W2 = arr(m[0].weight), arr(m[0].bias), arr(m[3].weight)
    X, B = arr(x), np.broadcast_to(arr(b), (4, 6))
    z, zr = X @ W1.T + b1, B @ W1.T + b1
    r, rr = np.maximum(z, 0), np.maximum(zr, 0)
    s, sr = 1 / (1 + np.exp(-r)), 1 / (1 + np.exp(-rr))

    def rescale(dy, dx, grad):
        small = np.abs(dx) < 1e-10
        return np.where(small, grad, dy / np.where(small, 1, dx))
    m_relu, m_sig = rescale(r - rr, z - zr, (z > 0) * 1.0), rescale(s - sr, r - rr, s * (1 - s))
    mult = (W2[1] * m_sig * m_relu) @ W1
    np.testing.assert_allclose(arr(attr), mult * (X - B), rtol=1e-10, atol=1e-15)
    assert np.abs(arr(delta)).max() < 1e-12


def test_deeplift_shap_is_the_mean_over_baselines():
    model = relu_pool_cnn(nn).double()
    x = reograd.randn(2, 1, 8, 8, dtype=reograd.float64)
    bg = reograd.randn(3, 1, 8, 8, dtype=reograd.float64)
    got, delta = DeepLiftShap(model).attribute(x, baselines=bg, target=0, return_convergence_delta=True)
    want = sum(DeepLift(model).attribute(x, baselines=bg[j:j + 1], target=0) for j in range(3)) / 3
    np.testing.assert_allclose(arr(got), arr(want), rtol=1e-10, atol=1e-14)
    assert delta.shape == (6,) and float(delta.abs().max()) < 1e-10
    with pytest.raises(ValueError, match="distribution"):
        DeepLiftShap(model).attribute(x, baselines=bg[:1])


@pytest.mark.parity
def test_deeplift_shap_matches_captum(captum):
    ours, theirs = twin(mlp)
    rng = np.random.default_rng(10)
    x, xt = pair(rng.standard_normal((3, 5)))
    b, bt = pair(rng.standard_normal((4, 5)))
    got, d = DeepLiftShap(ours).attribute(x, baselines=b, target=[0, 1, 2], return_convergence_delta=True)
    want, dt = captum.DeepLiftShap(theirs).attribute(xt, baselines=bt, target=[0, 1, 2], return_convergence_delta=True)
    close(got, want)
    close(d, dt, atol=1e-5)
