"""Layers: the fused linear/bilinear/embedding ops (gradcheck, parity with torch) and the layer
modules against torch with copied weights (Linear, Bilinear, Embedding, BatchNorm running stats,
LayerNorm/GroupNorm/InstanceNorm, Dropout, Flatten)."""
import math

import numpy as np
import pytest
from opcases import Int, OpCase, case_ids, check_jvp_parity, check_parity, make_tests

import reograd
import reograd.nn as nn
from reograd.ops.nn.linear import bilinear, linear
from reograd.nn.modules.sparse import embedding

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

F = reograd.nn.functional


def _lin(t, *a):
    return linear(*a) if t is reograd else t.nn.functional.linear(*a)


def _bil(t, *a):
    return bilinear(*a) if t is reograd else t.nn.functional.bilinear(*a)


def _emb(t, i, w, **kw):
    return embedding(i, w, **kw) if t is reograd else t.nn.functional.embedding(i, w, **kw)


CASES = [
    OpCase("linear", lambda t, x, w, b: _lin(t, x, w, b), [(4, 3), (5, 3), (5,)]),
    OpCase("linear", lambda t, x, w: _lin(t, x, w), [(4, 3), (2, 3)], id="nobias"),
    OpCase("linear", lambda t, x, w, b: _lin(t, x, w, b), [(2, 3, 4), (5, 4), (5,)], id="3d"),
    OpCase("linear", lambda t, x, w, b: _lin(t, x, w, b), [(4,), (3, 4), (3,)], id="1d"),
    OpCase("linear", lambda t, x, w, b: _lin(t, x, w, b), [(2, 1, 2, 3), (2, 3), (1,)], id="4d-bcastbias"),
    OpCase("linear", lambda t, x, w, b: _lin(t, x, w, b), [(0, 3), (2, 3), (2,)], id="empty"),
    OpCase("bilinear", lambda t, a, b, w, c: _bil(t, a, b, w, c), [(3, 2), (3, 4), (5, 2, 4), (5,)]),
    OpCase("bilinear", lambda t, a, b, w: _bil(t, a, b, w), [(2, 3, 2), (2, 3, 3), (2, 2, 3)], id="3d-nobias"),
    OpCase("embedding", lambda t, i, w: _emb(t, i, w), [Int((2, 3), 0, 5), (5, 4)]),
    OpCase("embedding", lambda t, i, w: _emb(t, i, w), [Int((7,), 0, 4), (4, 3)], id="1d-repeats"),
]
globals().update(make_tests(CASES))

# padding_idx / scale_grad_by_freq change the gradient on purpose (it is not the true derivative), so
# finite differences don't apply: these are checked against torch only (forward, backward, double backward, jvp).
NOT_TRUE_GRAD = [
    OpCase("embedding", lambda t, i, w: _emb(t, i, w, padding_idx=1), [Int((7,), 0, 4), (4, 3)], id="padding"),
    OpCase("embedding", lambda t, i, w: _emb(t, i, w, padding_idx=-1, scale_grad_by_freq=True),
           [Int((3, 4), 0, 4), (4, 2)], id="freq"),
]


@pytest.mark.parity
@pytest.mark.parametrize("case", NOT_TRUE_GRAD, ids=case_ids(NOT_TRUE_GRAD))
def test_parity_modified_grad(case):
    check_parity(case)
    check_jvp_parity(case)

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


def _copy(dst, src):
    """Copy torch module's parameters and buffers into a reograd module (same state_dict keys)."""
    dst.load_state_dict({k: reograd.tensor(v.detach().numpy()) for k, v in src.state_dict().items()})


def _np(t):
    return t.detach().numpy()


@needs_torch
@pytest.mark.parametrize("shape", [(6, 5), (2, 3, 5), (5,)])
def test_linear_module_vs_torch(shape):
    tm, rm = torch.nn.Linear(5, 3), nn.Linear(5, 3)
    _copy(rm, tm)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    tx, rx = torch.tensor(x, requires_grad=True), reograd.tensor(x, requires_grad=True)
    ty, ry = tm(tx), rm(rx)
    np.testing.assert_allclose(_np(ry), _np(ty), rtol=1e-5, atol=1e-6)
    ty.square().sum().backward()
    ry.square().sum().backward()
    np.testing.assert_allclose(_np(rx.grad), _np(tx.grad), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(_np(rm.weight.grad), _np(tm.weight.grad), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(_np(rm.bias.grad), _np(tm.bias.grad), rtol=1e-5, atol=1e-5)
    assert ry.grad_fn is not None


def test_linear_errors_and_init():
    m = nn.Linear(512, 10)
    with pytest.raises(RuntimeError, match=r"linear: input has 784 features but weight expects 512 \(input shape "
                                           r"\(64, 784\), weight shape \(10, 512\)\)"):
        m(reograd.zeros(64, 784))
    with pytest.raises(RuntimeError, match="same dtype"):
        m(reograd.zeros(2, 512, dtype=reograd.float64))
    bound = 1 / math.sqrt(512)  # kaiming_uniform_(a=√5) gives U(-1/√fan_in, 1/√fan_in)
    w = _np(m.weight)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound
    assert np.abs(_np(m.bias)).max() <= bound
    assert nn.Linear(3, 2, bias=False).bias is None
    assert nn.Linear(3, 2, dtype=reograd.float64).weight.dtype == reograd.float64


@needs_torch
def test_bilinear_module_vs_torch():
    tm, rm = torch.nn.Bilinear(3, 4, 2), nn.Bilinear(3, 4, 2)
    _copy(rm, tm)
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((5, 3)).astype(np.float32), rng.standard_normal((5, 4)).astype(np.float32)
    ty = tm(torch.tensor(a), torch.tensor(b))
    ry = rm(reograd.tensor(a), reograd.tensor(b))
    np.testing.assert_allclose(_np(ry), _np(ty), rtol=1e-5, atol=1e-5)
    ty.sum().backward()
    ry.sum().backward()
    np.testing.assert_allclose(_np(rm.weight.grad), _np(tm.weight.grad), rtol=1e-5, atol=1e-5)
    with pytest.raises(RuntimeError, match="bilinear"):
        rm(reograd.zeros(5, 4), reograd.zeros(5, 4))


@needs_torch
def test_embedding_module_vs_torch():
    tm = torch.nn.Embedding(10, 3, padding_idx=2)
    rm = nn.Embedding(10, 3, padding_idx=2)
    assert float(rm.weight[2].abs().sum()) == 0
    _copy(rm, tm)
    idx = np.array([[1, 2, 4, 1], [9, 0, 2, 4]])
    ty, ry = tm(torch.tensor(idx)), rm(reograd.tensor(idx))
    np.testing.assert_allclose(_np(ry), _np(ty))
    up = np.random.default_rng(0).standard_normal((2, 4, 3)).astype(np.float32)
    (ty * torch.tensor(up)).sum().backward()
    (ry * reograd.tensor(up)).sum().backward()
    np.testing.assert_allclose(_np(rm.weight.grad), _np(tm.weight.grad), rtol=1e-6, atol=1e-6)
    assert repr(rm) == repr(tm)
    with pytest.raises(IndexError, match="index out of range"):
        rm(reograd.tensor([10]))
    with pytest.raises(RuntimeError, match="integer"):
        rm(reograd.tensor([1.0]))


@needs_torch
def test_embedding_max_norm_and_from_pretrained():
    w = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32) * 3
    tm = torch.nn.Embedding.from_pretrained(torch.tensor(w), max_norm=1.0)
    rm = nn.Embedding.from_pretrained(reograd.tensor(w), max_norm=1.0)
    assert not rm.weight.requires_grad
    idx = np.array([0, 3, 3])
    np.testing.assert_allclose(_np(rm(reograd.tensor(idx))), _np(tm(torch.tensor(idx))), rtol=1e-5)
    np.testing.assert_allclose(_np(rm.weight), _np(tm.weight), rtol=1e-5)
    assert repr(rm) == repr(tm)
    m2 = nn.Embedding.from_pretrained(reograd.tensor(w), freeze=False)
    assert m2.weight.requires_grad


@needs_torch
def test_embedding_bag_vs_torch():
    w = np.random.default_rng(0).standard_normal((6, 3)).astype(np.float32)
    for mode in ("sum", "mean", "max"):
        tm = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(w), mode=mode, freeze=False)
        rm = nn.EmbeddingBag.from_pretrained(reograd.tensor(w), mode=mode, freeze=False)
        inp, off = np.array([1, 2, 4, 5, 4, 3, 2]), np.array([0, 3, 3])
        ty = tm(torch.tensor(inp), torch.tensor(off))
        ry = rm(reograd.tensor(inp), reograd.tensor(off))
        np.testing.assert_allclose(_np(ry), _np(ty), rtol=1e-5, atol=1e-6, err_msg=mode)
        ty.sum().backward()
        ry.sum().backward()
        np.testing.assert_allclose(_np(rm.weight.grad), _np(tm.weight.grad), rtol=1e-5, atol=1e-6, err_msg=mode)
        inp2 = np.array([[0, 1], [2, 2]])
        np.testing.assert_allclose(_np(rm(reograd.tensor(inp2))), _np(tm(torch.tensor(inp2))), rtol=1e-5)


@needs_torch
@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("cls,shape", [("BatchNorm1d", (8, 3)), ("BatchNorm1d", (4, 3, 5)),
                                       ("BatchNorm2d", (4, 3, 2, 2)), ("BatchNorm3d", (2, 3, 2, 2, 2))])
def test_batchnorm_running_stats_vs_torch(cls, shape, momentum):
    tm = getattr(torch.nn, cls)(3, momentum=momentum)
    rm = getattr(nn, cls)(3, momentum=momentum)
    rng = np.random.default_rng(0)
    with torch.no_grad():
        tm.weight.copy_(torch.tensor(rng.standard_normal(3), dtype=torch.float32))
        tm.bias.copy_(torch.tensor(rng.standard_normal(3), dtype=torch.float32))
    _copy(rm, tm)
    for step in range(4):
        x = (rng.standard_normal(shape) * (step + 1) + step).astype(np.float32)
        tx, rx = torch.tensor(x, requires_grad=True), reograd.tensor(x, requires_grad=True)
        ty, ry = tm(tx), rm(rx)
        np.testing.assert_allclose(_np(ry), _np(ty), rtol=1e-4, atol=1e-5)
        (ty ** 3).sum().backward()
        (ry ** 3).sum().backward()
        np.testing.assert_allclose(_np(rx.grad), _np(tx.grad), rtol=1e-3, atol=1e-4)
        np.testing.assert_allclose(_np(rm.weight.grad), _np(tm.weight.grad), rtol=1e-3, atol=1e-4)
    for k, v in tm.state_dict().items():
        np.testing.assert_allclose(rm.state_dict()[k].numpy(), v.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)
    assert int(rm.num_batches_tracked) == 4
    tm.eval(), rm.eval()
    x = rng.standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(_np(rm(reograd.tensor(x))), _np(tm(torch.tensor(x))), rtol=1e-4, atol=1e-5)
    assert int(rm.num_batches_tracked) == 4


@needs_torch
def test_batchnorm_no_tracking_and_no_affine():
    for kw in ({"track_running_stats": False}, {"affine": False}):
        tm, rm = torch.nn.BatchNorm1d(3, **kw), nn.BatchNorm1d(3, **kw)
        assert list(rm.state_dict()) == list(tm.state_dict())
        assert repr(rm) == repr(tm)
        x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
        for mode in (True, False):
            tm.train(mode), rm.train(mode)
            np.testing.assert_allclose(_np(rm(reograd.tensor(x))), _np(tm(torch.tensor(x))), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="expected 4D input"):
        nn.BatchNorm2d(3)(reograd.zeros(2, 3))


@needs_torch
@pytest.mark.parametrize("make,shape", [
    (lambda n: n.LayerNorm(4), (2, 3, 4)),
    (lambda n: n.LayerNorm([3, 4], bias=False), (2, 3, 4)),
    (lambda n: n.GroupNorm(2, 4), (3, 4, 5)),
    (lambda n: n.InstanceNorm1d(3, affine=True), (2, 3, 5)),
    (lambda n: n.InstanceNorm2d(3, track_running_stats=True), (2, 3, 4, 4)),
    (lambda n: n.InstanceNorm1d(3), (3, 5)),
    (lambda n: n.LocalResponseNorm(3, alpha=0.1, beta=0.6, k=2.0), (2, 6, 3, 3)),
])
def test_norm_modules_vs_torch(make, shape):
    tm, rm = make(torch.nn), make(nn)
    assert repr(rm) == repr(tm)
    assert list(rm.state_dict()) == list(tm.state_dict())
    rng = np.random.default_rng(0)
    with torch.no_grad():
        for p in tm.parameters():
            p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape)), dtype=torch.float32))
    _copy(rm, tm)
    for mode in (True, True, False):
        tm.train(mode), rm.train(mode)
        x = rng.standard_normal(shape).astype(np.float32)
        tx, rx = torch.tensor(x, requires_grad=True), reograd.tensor(x, requires_grad=True)
        ty, ry = tm(tx), rm(rx)
        np.testing.assert_allclose(_np(ry), _np(ty), rtol=1e-4, atol=1e-5)
        (ty ** 3).sum().backward()
        (ry ** 3).sum().backward()
        np.testing.assert_allclose(_np(rx.grad), _np(tx.grad), rtol=1e-3, atol=1e-4)
    for k, v in tm.state_dict().items():
        np.testing.assert_allclose(rm.state_dict()[k].numpy(), v.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)


def test_rmsnorm_formula():
    m = nn.RMSNorm(4, eps=1e-6)
    x = np.random.default_rng(0).standard_normal((2, 4))
    y = m(reograd.tensor(x, dtype=reograd.float32))
    ref = x / np.sqrt((x ** 2).mean(-1, keepdims=True) + 1e-6)
    np.testing.assert_allclose(_np(y), ref, rtol=1e-5)


def test_dropout_modules():
    x = reograd.ones(200, 50)
    d = nn.Dropout(0.3)
    y = d(x).numpy()
    assert np.all((y == 0) | np.isclose(y, 1 / 0.7))
    assert abs((y == 0).mean() - 0.3) < 0.03
    d.eval()
    assert d(x) is x or np.array_equal(d(x).numpy(), x.numpy())
    d2 = nn.Dropout2d(0.5)
    y = d2(reograd.ones(20, 30, 3, 3)).numpy()
    per_channel = y.reshape(20, 30, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel != 0).all(-1))  # whole channels
    a = nn.AlphaDropout(0.2)
    z = a(reograd.randn(500, 100)).numpy()
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1) < 0.05
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)
    for cls in ("Dropout1d", "Dropout3d", "FeatureAlphaDropout"):
        getattr(nn, cls)(0.5).eval()


def test_flatten_unflatten():
    x = reograd.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Flatten(-2)(x).shape == (2, 3, 20)
    assert nn.Unflatten(1, (3, 1))(reograd.zeros(2, 3)).shape == (2, 3, 1)
    assert nn.Unflatten(-1, (2, -1))(reograd.zeros(2, 6)).shape == (2, 2, 3)
    with pytest.raises(RuntimeError, match="multiply up"):
        nn.Unflatten(1, (4, 2))(reograd.zeros(2, 6))
    if torch is not None:
        assert repr(nn.Unflatten(1, (2, 5))) == repr(torch.nn.Unflatten(1, (2, 5)))
        assert repr(nn.Flatten(0)) == repr(torch.nn.Flatten(0))


def test_identity_and_training_loop():
    reograd.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 16), nn.Identity(nn.Linear), nn.Linear(16, 1))
    x = reograd.randn(64, 2)
    y = x[:, :1] * 2 - x[:, 1:] * 3 + 1
    params = list(net.parameters())
    for _ in range(200):
        net.zero_grad()
        loss = ((net(x) - y) ** 2).mean()
        loss.backward()
        with reograd.no_grad():
            for p in params:
                p.sub_(0.05 * p.grad)
    assert float(loss) < 1e-3
