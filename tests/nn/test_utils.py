"""nn.utils: gradient clipping and parameters <-> vector, against torch."""
import math

import numpy as np
import pytest

import reograd
from reograd.nn.utils import (clip_grad_norm_, clip_grad_value_, get_total_norm, parameters_to_vector,
                              vector_to_parameters)

torch = pytest.importorskip("torch")


def _pair(seed=0, scale=3.0):
    rng = np.random.default_rng(seed)
    shapes = [(3, 4), (4,), (2, 2, 2)]
    grads = [rng.standard_normal(s) * scale for s in shapes]
    r, t = [], []
    for g in grads:
        rp = reograd.nn.Parameter(reograd.zeros(g.shape, dtype=reograd.float64))
        rp.grad = reograd.tensor(g)
        tp = torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64))
        tp.grad = torch.tensor(g)
        r.append(rp), t.append(tp)
    return r, t


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_vs_torch(norm_type, max_norm):
    r, t = _pair()
    rn = clip_grad_norm_(r, max_norm, norm_type=norm_type)
    tn = torch.nn.utils.clip_grad_norm_(t, max_norm, norm_type=norm_type)
    assert rn.dim() == 0
    np.testing.assert_allclose(float(rn), float(tn), rtol=1e-10)
    for a, b in zip(r, t):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10)


def test_clip_grad_norm_edge_cases():
    p = reograd.nn.Parameter(reograd.ones(3))
    assert float(clip_grad_norm_([p], 1.0)) == 0  # no grads
    assert float(clip_grad_norm_(p, 1.0)) == 0  # a single tensor
    p.grad = reograd.tensor([3.0, 4.0, 0.0])
    n = clip_grad_norm_(p, 1.0)
    assert float(n) == pytest.approx(5.0)
    np.testing.assert_allclose(p.grad.numpy(), [0.6, 0.8, 0.0], rtol=1e-5)
    p.grad = reograd.tensor([float("nan"), 1.0, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    clip_grad_norm_(p, 1.0, foreach=True)  # foreach is accepted and ignored
    assert float(get_total_norm([reograd.tensor([3.0, 4.0])])) == 5.0


def test_clip_grad_value_vs_torch():
    r, t = _pair(1)
    clip_grad_value_(r, 0.7)
    torch.nn.utils.clip_grad_value_(t, 0.7)
    for a, b in zip(r, t):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


def test_parameters_to_vector_and_back():
    m = reograd.nn.Sequential(reograd.nn.Linear(3, 2), reograd.nn.Linear(2, 1))
    tm = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
    m.load_state_dict({k: reograd.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    v = parameters_to_vector(m.parameters())
    tv = torch.nn.utils.parameters_to_vector(tm.parameters())
    np.testing.assert_allclose(v.detach().numpy(), tv.detach().numpy())
    assert v.requires_grad  # differentiable, as torch's
    w = m[0].weight
    vector_to_parameters(reograd.arange(v.numel(), dtype=reograd.float32), m.parameters())
    assert m[0].weight is w
    np.testing.assert_array_equal(m[0].weight.detach().numpy().ravel(), np.arange(6))
    np.testing.assert_array_equal(m[1].bias.detach().numpy(), [v.numel() - 1])
    with pytest.raises(TypeError):
        vector_to_parameters([1, 2], m.parameters())
