"""nn.functional beyond activations/losses/norms: distances, normalize, embedding, dropout, gumbel_softmax,
re-exports; and reograd.nn.losses (the notes' catalogue) against the formulas computed in NumPy."""
import math

import numpy as np
import pytest

import reograd
from opcases import Fixed, OpCase, make_tests

F = reograd.nn.functional
IDX = Fixed(lambda: np.array([[0, 2, 4], [4, 1, 0]]), grad=False)

CASES = [
    OpCase("normalize", lambda t, x: t.nn.functional.normalize(x), [(3, 4)]),
    OpCase("normalize", lambda t, x: t.nn.functional.normalize(x, p=1.0, dim=-1), [(3, 4)], id="p1"),
    OpCase("normalize", lambda t, x: t.nn.functional.normalize(x, p=3.0, dim=0), [(3, 4)], id="p3"),
    OpCase("cosine_similarity", lambda t, a, b: t.nn.functional.cosine_similarity(a, b), [(3, 4), (3, 4)]),
    OpCase("cosine_similarity", lambda t, a, b: t.nn.functional.cosine_similarity(a, b, dim=-1),
           [(2, 3, 4), (3, 4)], id="broadcast"),
    OpCase("pairwise_distance", lambda t, a, b: t.nn.functional.pairwise_distance(a, b), [(3, 4), (3, 4)]),
    OpCase("pairwise_distance", lambda t, a, b: t.nn.functional.pairwise_distance(a, b, p=1.0, keepdim=True),
           [(3, 4), (3, 4)], id="p1"),
    OpCase("pairwise_distance", lambda t, a, b: t.nn.functional.pairwise_distance(a, b, p=float("inf")),
           [(3, 4), (3, 4)], id="inf"),
    OpCase("embedding", lambda t, i, w: t.nn.functional.embedding(i, w), [IDX, (5, 3)]),
    OpCase("dropout", lambda t, x: t.nn.functional.dropout(x, 0.3, training=False), [(3, 4)]),
    OpCase("alpha_dropout", lambda t, x: t.nn.functional.alpha_dropout(x, 0.3, training=False), [(3, 4)]),
]
globals().update(make_tests(CASES))


# ------------------------------------------------------------------------------------------- dropout
def test_dropout_scaling_and_mask_gradient():
    reograd.manual_seed(0)
    x = reograd.ones(2000, requires_grad=True)
    y = F.dropout(x, 0.25)
    v = y.detach().numpy()
    assert set(np.unique(v).tolist()) <= {0.0, np.float32(1 / 0.75).item()}
    assert abs((v == 0).mean() - 0.25) < 0.04
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), v)


def test_dropout_seeded_and_eval():
    x = reograd.ones(50)
    reograd.manual_seed(3)
    a = F.dropout(x, 0.5).numpy()
    reograd.manual_seed(3)
    b = F.dropout(x, 0.5).numpy()
    np.testing.assert_array_equal(a, b)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 1.0).numpy().sum() == 0
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        F.dropout(x, 1.5)


def test_dropout_inplace_and_channels():
    x = reograd.ones(4, 6, 5)
    y = F.dropout(x, 0.5, inplace=True)
    assert y is x
    z = F.dropout1d(reograd.ones(4, 6, 5), 0.5).numpy()
    per_channel = z.reshape(24, 5)
    assert all(len(set(r)) == 1 for r in per_channel)
    z2 = F.dropout2d(reograd.ones(2, 3, 4, 4), 0.5).numpy().reshape(6, 16)
    assert all(len(set(r)) == 1 for r in z2)
    with pytest.raises(RuntimeError, match="dropout2d"):
        F.dropout2d(reograd.ones(3, 4), 0.5)


def test_alpha_dropout_keeps_moments():
    reograd.manual_seed(0)
    x = reograd.randn(200000, dtype=reograd.float64)
    y = F.alpha_dropout(x, 0.2, training=True).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02


def test_top_level_dropout():
    x = reograd.ones(10)
    assert reograd.ops.dropout.dropout(x, 0.5, False) is x


# ------------------------------------------------------------------------------------------- embedding etc.
def test_embedding_padding_idx_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((5, 3))
    idx = np.array([[0, 2, 0], [4, 1, 2]])
    w = reograd.tensor(a, requires_grad=True)
    tw = torch.tensor(a, requires_grad=True)
    g = np.random.default_rng(1).standard_normal((2, 3, 3))
    F.embedding(reograd.tensor(idx), w, padding_idx=0).backward(reograd.tensor(g))
    torch.nn.functional.embedding(torch.tensor(idx), tw, padding_idx=0).backward(torch.tensor(g))
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy())
    assert not w.grad.numpy()[0].any()


def test_embedding_errors_and_max_norm():
    w = reograd.randn(5, 3)
    with pytest.raises(IndexError, match="index 7 is out of range"):
        F.embedding(reograd.tensor([1, 7]), w)
    with pytest.raises(RuntimeError, match="indices"):
        F.embedding(reograd.tensor([1.0]), w)
    w = reograd.tensor(np.full((4, 2), 3.0))
    F.embedding(reograd.tensor([1]), w, max_norm=1.0)
    assert abs(np.linalg.norm(w.numpy()[1]) - 1.0) < 1e-5 and w.numpy()[0, 0] == 3.0


def test_gumbel_softmax():
    reograd.manual_seed(0)
    logits = reograd.randn(4, 5, requires_grad=True)
    y = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(y.sum(-1).detach().numpy(), np.ones(4), rtol=1e-5)
    h = F.gumbel_softmax(logits, hard=True)
    assert set(np.unique(h.detach().numpy())) <= {0.0, 1.0}
    h.sum().backward()
    assert logits.grad is not None


def test_reexports():
    for name in ["relu", "sigmoid", "tanh", "softmax", "log_softmax", "softmin", "logsigmoid", "cross_entropy",
                 "batch_norm", "layer_norm", "dropout", "embedding", "normalize", "linear", "pad", "one_hot"]:
        assert callable(getattr(F, name)), name
    assert "abs_" not in F.__all__ and "cross_entropy" in F.__all__


# ------------------------------------------------------------------------------------------- the notes' catalogue
def _sm(o):
    e = np.exp(o - o.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _np_losses(o, y):
    s = _sm(o)
    h = np.maximum(0, 1 - y * s)
    return {
        "l2_norm_loss": np.sqrt(((y - o) ** 2).sum(-1)),
        "expectation_loss": np.abs(y - s).sum(-1),
        "regularised_expectation_loss": np.sqrt(((y - s) ** 2).sum(-1)),
        "chebyshev_loss": np.abs(s - y).max(-1),
        "hinge_loss": h.sum(-1),
        "squared_hinge_loss": (h ** 2).sum(-1),
        "cubed_hinge_loss": (h ** 3).sum(-1),
        "log_loss": -(y * np.log(s)).sum(-1),
        "squared_log_loss": -(y * np.log(s) ** 2).sum(-1),
        "tanimoto_loss": (s * y).sum(-1) / ((s * s).sum(-1) + (y * y).sum(-1) - (s * y).sum(-1)),
        "cauchy_schwarz_divergence": -np.log((s * y).sum(-1) / (np.linalg.norm(s, axis=-1) *
                                                                 np.linalg.norm(y, axis=-1))),
    }


CATALOGUE = list(_np_losses(np.zeros((1, 2)), np.ones((1, 2))))


@pytest.mark.parametrize("name", CATALOGUE)
def test_catalogue_matches_formula(name):
    from reograd.nn import losses

    rng = np.random.default_rng(0)
    o = rng.standard_normal((5, 4))
    y = np.eye(4)[rng.integers(0, 4, 5)]
    y[0] = [0.1, 0.2, 0.3, 0.4]  # a non-one-hot target vector too
    want = _np_losses(o, y)[name]
    fn = getattr(losses, name)
    np.testing.assert_allclose(fn(reograd.tensor(o), reograd.tensor(y), reduction="none").numpy(), want, rtol=1e-10)
    np.testing.assert_allclose(fn(reograd.tensor(o), reograd.tensor(y)).item(), want.mean(), rtol=1e-10)
    np.testing.assert_allclose(fn(reograd.tensor(o), reograd.tensor(y), reduction="sum").item(), want.sum(),
                               rtol=1e-10)
    mod = getattr(losses, "".join(p.capitalize() for p in name.split("_")).replace("L2norm", "L2Norm"))
    np.testing.assert_allclose(mod()(reograd.tensor(o), reograd.tensor(y)).item(), want.mean(), rtol=1e-10)
    x = reograd.tensor(o, requires_grad=True)
    assert reograd.autograd.gradcheck(lambda t: fn(t, reograd.tensor(y)), [x])


def test_catalogue_errors():
    from reograd.nn import losses

    with pytest.raises(ValueError, match="same shape"):
        losses.log_loss(reograd.randn(3, 4), reograd.randn(3, 5))
    with pytest.raises(ValueError, match="reduction"):
        losses.hinge_loss(reograd.randn(3, 4), reograd.randn(3, 4), reduction="avg")
    assert math.isfinite(losses.log_loss(reograd.tensor([[1e4, -1e4]]), reograd.tensor([[0.0, 1.0]])).item())
