"""LRP (epsilon rule): conservation, the rule by hand, errors, and agreement with Captum."""
import numpy as np
import pytest
from explain_helpers import arr, close, pair, twin

import reograd
from reograd import nn
from reograd.explain import LRP, EpsilonRule, IdentityRule, InputXGradient


def bias_free_relu_net():
    net = nn.Sequential(nn.Linear(6, 8, bias=False), nn.ReLU(), nn.Linear(8, 5, bias=False), nn.ReLU(),
                        nn.Linear(5, 3, bias=False)).double()
    return net


def test_relevance_is_conserved_without_biases():
    net = bias_free_relu_net()
    x = reograd.randn(4, 6, dtype=reograd.float64)
    rel, delta = LRP(net).attribute(x, target=1, return_convergence_delta=True)
    with reograd.no_grad():
        out = net(x)[:, 1]
    np.testing.assert_allclose(arr(rel).sum(1), arr(out), rtol=1e-6)
    np.testing.assert_allclose(arr(delta), arr(out) - arr(rel).sum(1), atol=1e-12)
    assert np.abs(arr(delta)).max() < 1e-6 * np.abs(arr(out)).max()


def test_conv_net_with_flatten_is_conserved():
    """nn.Flatten passes the relevance on, reshaped to its input (Captum has no rule for it)."""
    net = nn.Sequential(nn.Conv2d(1, 3, 3, bias=False), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(27, 4, bias=False)).double()
    x = reograd.randn(2, 1, 8, 8, dtype=reograd.float64)
    rel, delta = LRP(net).attribute(x, target=3, return_convergence_delta=True)
    assert rel.shape == x.shape and np.abs(arr(delta)).max() < 1e-6 * np.abs(arr(net(x)[:, 3])).max()


def test_single_linear_layer_is_grad_times_input():
    """For F = w.x (no bias) the epsilon rule gives R_i = x_i w_i F / (F + eps) ~ Grad x Input."""
    lin = nn.Linear(5, 2, bias=False).double()
    x = reograd.randn(3, 5, dtype=reograd.float64)
    np.testing.assert_allclose(arr(LRP(lin).attribute(x, target=0)), arr(InputXGradient(lin).attribute(x, target=0)),
                               rtol=1e-7)


def test_epsilon_rule_by_hand():
    """Two Linear layers with a ReLU: R_j = a_j sum_k w_jk R_k / (z_k + eps sign z_k)."""
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).double()
    eps = 0.3
    net[0].rule = EpsilonRule(eps)
    net[2].rule = EpsilonRule(eps)
    x = reograd.randn(2, 3, dtype=reograd.float64)
    rel = arr(LRP(net).attribute(x, target=1))
    W1, b1, W2, b2 = (arr(p) for p in (net[0].weight, net[0].bias, net[2].weight, net[2].bias))
    X = arr(x)
    z1 = X @ W1.T + b1
    a1 = np.maximum(z1, 0)
    z2 = a1 @ W2.T + b2
    stab = lambda z: z + eps * np.where(z >= 0, 1, -1)  # noqa: E731
    R2 = z2[:, 1]
    R1 = a1 * (W2[1] * (R2 / stab(z2[:, 1]))[:, None])
    R0 = X * ((R1 / stab(z1)) @ W1)
    np.testing.assert_allclose(rel, R0, rtol=1e-10)


def test_unknown_layer_and_bad_rule():
    net = nn.Sequential(nn.Linear(3, 3), nn.Sigmoid(), nn.Linear(3, 1))
    with pytest.raises(TypeError, match="no rule for the module"):
        LRP(net).attribute(reograd.randn(2, 3))
    net[1].rule = IdentityRule()
    assert LRP(net).attribute(reograd.randn(2, 3)).shape == (2, 3)
    net[1].rule = "epsilon"
    with pytest.raises(TypeError, match="PropagationRule"):
        LRP(net)


@pytest.mark.parity
def test_lrp_matches_captum(captum):
    torch = pytest.importorskip("torch")

    def build(nn):
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv, self.relu, self.pool, self.bn = nn.Conv2d(1, 3, 3), nn.ReLU(), nn.MaxPool2d(2), \
                    nn.BatchNorm2d(3)
                self.avg, self.fc1, self.tanh, self.fc2 = nn.AdaptiveAvgPool2d(3), nn.Linear(27, 4), nn.Tanh(), \
                    nn.Linear(4, 3)

            def forward(self, x):
                h = self.avg(self.bn(self.pool(self.relu(self.conv(x)))))
                return self.fc2(self.tanh(self.fc1(h.reshape(h.shape[0], -1))))
        return Net()
    ours, theirs = twin(build)
    with reograd.no_grad():
        ours.bn.running_mean.copy_(reograd.tensor([0.1, -0.2, 0.3]))
        ours.bn.running_var.copy_(reograd.tensor([1.5, 0.5, 2.0]))
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    ours.eval()
    theirs.eval()
    x, xt = pair(np.random.default_rng(0).standard_normal((4, 1, 8, 8)))
    got, d = LRP(ours).attribute(x, target=2, return_convergence_delta=True)
    want, dt = captum.LRP(theirs).attribute(xt, target=2, return_convergence_delta=True)
    close(got, want, atol=1e-6)
    close(d, dt, atol=1e-5)
    from captum.attr._utils.lrp_rules import EpsilonRule as CaptumEpsilon

    ours.fc1.rule = EpsilonRule(0.5)
    theirs.fc1.rule = CaptumEpsilon(0.5)
    close(LRP(ours).attribute(x, target=[0, 1, 2, 0]), captum.LRP(theirs).attribute(xt, target=[0, 1, 2, 0]),
          atol=1e-6)
