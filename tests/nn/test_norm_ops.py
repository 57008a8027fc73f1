"""Normalisation ops (batch_norm, layer_norm, group_norm, instance_norm, local_response_norm) against torch,
including double backward, and their running-statistics updates."""
import numpy as np
import pytest

import reograd
from opcases import OpCase, Pos, make_tests


def bn_train(t, x, w, b):
    C = x.shape[1]
    rm, rv = t.zeros(C, dtype=x.dtype), t.ones(C, dtype=x.dtype)
    return t.nn.functional.batch_norm(x, rm, rv, w, b, training=True, momentum=0.1, eps=1e-5)


def bn_eval(t, x, w, b):
    C = x.shape[1]
    rm = t.linspace(-0.5, 0.5, C, dtype=x.dtype)
    rv = t.linspace(0.5, 2.0, C, dtype=x.dtype)
    return t.nn.functional.batch_norm(x, rm, rv, w, b, training=False)


CASES = [
    OpCase("batch_norm", bn_train, [(4, 3), (3,), (3,)]),
    OpCase("batch_norm", bn_train, [(2, 3, 2, 2), (3,), (3,)], id="4d"),
    OpCase("batch_norm", lambda t, x: t.nn.functional.batch_norm(x, None, None, training=True), [(3, 2, 4)],
           id="no-stats-no-affine"),
    OpCase("batch_norm", bn_eval, [(2, 3, 4), (3,), (3,)], id="eval"),
    OpCase("layer_norm", lambda t, x, w, b: t.nn.functional.layer_norm(x, (4,), w, b), [(2, 3, 4), (4,), (4,)]),
    OpCase("layer_norm", lambda t, x, w, b: t.nn.functional.layer_norm(x, (3, 4), w, b, eps=1e-3),
           [(2, 3, 4), (3, 4), (3, 4)], id="2d"),
    OpCase("layer_norm", lambda t, x: t.nn.functional.layer_norm(x, [5]), [(3, 5)], id="no-affine"),
    OpCase("group_norm", lambda t, x, w, b: t.nn.functional.group_norm(x, 2, w, b), [(2, 4, 3), (4,), (4,)]),
    OpCase("group_norm", lambda t, x: t.nn.functional.group_norm(x, 1), [(2, 3, 2, 2)], id="1group"),
    OpCase("instance_norm", lambda t, x, w, b: t.nn.functional.instance_norm(x, weight=w, bias=b),
           [(2, 3, 5), (3,), (3,)]),
    OpCase("rms_norm", lambda t, x, w: t.nn.functional.rms_norm(x, (4,), w), [(2, 3, 4), (4,)]),
    OpCase("rms_norm", lambda t, x: t.nn.functional.rms_norm(x, (3, 4), eps=1e-3), [(2, 3, 4)], id="2d"),
    OpCase("local_response_norm", lambda t, x: t.nn.functional.local_response_norm(x, 3), [(2, 5, 3)]),
    OpCase("local_response_norm", lambda t, x: t.nn.functional.local_response_norm(x, 2, 0.1, 0.6, 2.0),
           [Pos((2, 4, 2, 2))], id="even"),
]
globals().update(make_tests(CASES))

torch = pytest.importorskip("torch")
F = reograd.nn.functional


@pytest.mark.parametrize("momentum", [0.1, 0.5])
def test_batch_norm_running_stats(momentum):
    a = np.random.default_rng(0).standard_normal((6, 3, 4))
    rm, rv = reograd.zeros(3, dtype=reograd.float64), reograd.ones(3, dtype=reograd.float64)
    trm, trv = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    for _ in range(2):
        F.batch_norm(reograd.tensor(a), rm, rv, training=True, momentum=momentum)
        torch.nn.functional.batch_norm(torch.tensor(a), trm, trv, training=True, momentum=momentum)
    np.testing.assert_allclose(rm.numpy(), trm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(rv.numpy(), trv.numpy(), rtol=1e-12)


def test_instance_norm_running_stats():
    a = np.random.default_rng(1).standard_normal((4, 3, 5))
    rm, rv = reograd.zeros(3, dtype=reograd.float64), reograd.ones(3, dtype=reograd.float64)
    trm, trv = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    F.instance_norm(reograd.tensor(a), rm, rv, use_input_stats=True, momentum=0.2)
    torch.nn.functional.instance_norm(torch.tensor(a), trm, trv, use_input_stats=True, momentum=0.2)
    np.testing.assert_allclose(rm.numpy(), trm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(rv.numpy(), trv.numpy(), rtol=1e-12)


def test_norm_float32_and_errors():
    x = reograd.randn(4, 3)
    y = F.batch_norm(x, None, None, training=True)
    assert y.dtype == reograd.float32
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(reograd.randn(1, 3), None, None, training=True)
    with pytest.raises(RuntimeError, match="normalized_shape"):
        F.layer_norm(reograd.randn(2, 3), (4,))
    with pytest.raises(RuntimeError, match="divisible by num_groups"):
        F.group_norm(reograd.randn(2, 5, 3), 2)
    with pytest.raises(RuntimeError, match="running_mean should contain 3 elements"):
        F.batch_norm(reograd.randn(2, 3), reograd.zeros(4), reograd.ones(3))


def test_top_level_names():
    x = reograd.randn(2, 3, 4)
    np.testing.assert_allclose(reograd.layer_norm(x, (4,)).numpy(), F.layer_norm(x, (4,)).numpy())
    np.testing.assert_allclose(reograd.group_norm(x, 3).numpy(), F.group_norm(x, 3).numpy())
