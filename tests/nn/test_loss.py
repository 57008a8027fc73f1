"""Losses: functional forms against torch (forward, backward, double backward, jvp), error messages, modules."""
import numpy as np
import pytest

import reograd
from opcases import Arg, Fixed, Int, OpCase, Pos, make_tests


def L(name, **kw):
    return lambda t, *xs: getattr(t.nn.functional, name)(*xs, **kw)


PM1 = Fixed(lambda: np.array([1.0, -1.0, -1.0, 1.0, 1.0]), grad=False)
PM1_I = Fixed(lambda: np.array([1, -1, -1, 1]), grad=False)
W4 = Fixed(lambda: np.array([0.5, 1.0, 2.0, 1.5]), grad=False)
PROBS = Fixed(lambda: np.random.default_rng(5).dirichlet(np.ones(4), size=3))
FAR = (0.0,)

CASES = [
    OpCase("mse_loss", L("mse_loss"), [(3, 4), (3, 4)]),
    OpCase("mse_loss", L("mse_loss", reduction="sum"), [(3, 4), (3, 4)], id="sum"),
    OpCase("mse_loss", L("mse_loss", reduction="none"), [(3, 4), (3, 4)], id="none"),
    OpCase("l1_loss", lambda t, a, b: t.nn.functional.l1_loss(a, b), [Arg((3, 4), 1, 3), Arg((3, 4), -3, -1)]),
    OpCase("smooth_l1_loss", L("smooth_l1_loss", beta=0.5), [(3, 4), Arg((3, 4), 3, 4)]),
    OpCase("smooth_l1_loss", L("smooth_l1_loss", beta=0.5), [Arg((3, 4), 0, 0.2), Arg((3, 4), 0, 0.2)], id="quad"),
    OpCase("huber_loss", L("huber_loss", delta=0.8), [(3, 4), Arg((3, 4), 0.5, 4)]),
    OpCase("binary_cross_entropy", L("binary_cross_entropy"), [Arg((3, 4), 0.05, 0.95), Arg((3, 4), 0, 1)]),
    OpCase("binary_cross_entropy", lambda t, x, y, w: t.nn.functional.binary_cross_entropy(x, y, weight=w),
           [Arg((3, 4), 0.05, 0.95), Arg((3, 4), 0, 1, grad=False), Pos((4,), grad=False)], id="weight"),
    OpCase("binary_cross_entropy_with_logits", L("binary_cross_entropy_with_logits"), [(3, 4), Arg((3, 4), 0, 1)]),
    OpCase("binary_cross_entropy_with_logits",
           lambda t, x, y, w, pw: t.nn.functional.binary_cross_entropy_with_logits(x, y, weight=w, pos_weight=pw,
                                                                                   reduction="sum"),
           [(3, 4), Arg((3, 4), 0, 1), Pos((4,), grad=False), Pos((4,), grad=False)], id="pos_weight"),
    OpCase("cross_entropy", lambda t, x, y: t.nn.functional.cross_entropy(x, y), [(5, 4), Int((5,), 0, 4)]),
    OpCase("cross_entropy", lambda t, x, y: t.nn.functional.cross_entropy(x, y, reduction="none"),
           [(5, 4), Int((5,), 0, 4)], id="none"),
    OpCase("cross_entropy", lambda t, x, y: t.nn.functional.cross_entropy(x, y, reduction="sum"),
           [(3, 4, 2, 3), Int((3, 2, 3), 0, 4)], id="kdim"),
    OpCase("cross_entropy", lambda t, x, y, w: t.nn.functional.cross_entropy(x, y, weight=w, ignore_index=2,
                                                                            label_smoothing=0.2),
           [(6, 4), Int((6,), 0, 4), W4], id="weight-ignore-smooth"),
    OpCase("cross_entropy", lambda t, x, y: t.nn.functional.cross_entropy(x, y), [(4,), Int((), 0, 4)], id="unbatched"),
    OpCase("cross_entropy", lambda t, x, p: t.nn.functional.cross_entropy(x, p, label_smoothing=0.1),
           [(3, 4), PROBS], id="probs"),
    OpCase("cross_entropy", lambda t, x, p, w: t.nn.functional.cross_entropy(x, p, weight=w, reduction="none"),
           [(3, 4), PROBS, W4], id="probs-weight"),
    OpCase("nll_loss", lambda t, x, y: t.nn.functional.nll_loss(x, y), [(5, 4), Int((5,), 0, 4)]),
    OpCase("nll_loss", lambda t, x, y, w: t.nn.functional.nll_loss(x, y, weight=w, ignore_index=1, reduction="none"),
           [(2, 4, 3), Int((2, 3), 0, 4), W4], id="kdim-weight"),
    OpCase("kl_div", L("kl_div", reduction="batchmean"), [(3, 4), Pos((3, 4), 0.1, 1)]),
    OpCase("kl_div", L("kl_div", reduction="sum", log_target=True), [(3, 4), (3, 4)], id="log_target"),
    OpCase("hinge_embedding_loss", L("hinge_embedding_loss", margin=1.0), [Arg((5,), avoid=(1.0,)), PM1]),
    OpCase("margin_ranking_loss", L("margin_ranking_loss", margin=0.1), [(5,), (5,), PM1], seed=3),
    OpCase("soft_margin_loss", L("soft_margin_loss"), [(5,), PM1]),
    OpCase("cosine_embedding_loss", L("cosine_embedding_loss", margin=-0.5), [(4, 3), (4, 3), PM1_I]),
    # torch has neither a double backward nor forward AD for multi_margin_loss
    OpCase("multi_margin_loss", L("multi_margin_loss"), [(3, 4), Int((3,), 0, 4)], seed=1, double=False, jvp=False),
    OpCase("multi_margin_loss", lambda t, x, y, w: t.nn.functional.multi_margin_loss(x, y, p=2, margin=0.5, weight=w),
           [(3, 4), Int((3,), 0, 4), W4], id="p2-weight", seed=2, double=False, jvp=False),
    OpCase("multilabel_soft_margin_loss", L("multilabel_soft_margin_loss"), [(3, 4), Int((3, 4), 0, 2)]),
    OpCase("gaussian_nll_loss", L("gaussian_nll_loss"), [(3, 4), (3, 4), Pos((3, 4))]),
    OpCase("gaussian_nll_loss", L("gaussian_nll_loss", full=True, reduction="sum"), [(3, 4), (3, 4), Pos((3,))],
           id="full-vardim"),
    OpCase("poisson_nll_loss", L("poisson_nll_loss"), [(3, 4), Pos((3, 4), 0, 3)]),
    OpCase("poisson_nll_loss", L("poisson_nll_loss", log_input=False, full=True), [Pos((3, 4)), Pos((3, 4), 0, 3)],
           id="full"),
    OpCase("triplet_margin_loss", L("triplet_margin_loss", margin=2.0), [(4, 3), (4, 3), (4, 3)]),
    OpCase("triplet_margin_loss", L("triplet_margin_loss", margin=2.0, p=1, swap=True), [(4, 3), (4, 3), (4, 3)],
           id="p1-swap"),
]
globals().update(make_tests(CASES))

torch = pytest.importorskip("torch")
F = reograd.nn.functional


def test_cross_entropy_out_of_range_message():
    with pytest.raises(IndexError, match="cross_entropy: target 12 is out of bounds for 10 classes"):
        F.cross_entropy(reograd.randn(3, 10), reograd.tensor([1, 12, 3]))


def test_cross_entropy_bad_shapes():
    with pytest.raises(ValueError, match=r"expected target of shape \(3,\).*\(3, 10\).*\(4,\)"):
        F.cross_entropy(reograd.randn(3, 10), reograd.tensor([1, 2, 3, 4]))
    with pytest.raises(RuntimeError, match="integer dtype"):
        F.cross_entropy(reograd.randn(3, 10), reograd.tensor([True, False, True]))
    with pytest.raises(RuntimeError, match="class-probability target"):
        F.cross_entropy(reograd.randn(3, 10), reograd.rand(3, 9))
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(reograd.randn(3, 10), reograd.tensor([1, 2, 3]), reduction="avg")


def test_cross_entropy_one_node_and_float32():
    x = reograd.randn(8, 5, requires_grad=True)
    y = reograd.randint(0, 5, (8,))
    loss = F.cross_entropy(x, y)
    assert loss.dtype == reograd.float32 and loss.shape == ()
    assert loss.grad_fn.name() == "CrossEntropyLossBackward0"
    assert all(n is None or type(n[0]).__name__ == "AccumulateGrad" for n in loss.grad_fn.next_functions)
    loss.backward()
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    torch.nn.functional.cross_entropy(tx, torch.tensor(y.numpy())).backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-7)
    assert x.grad.dtype == reograd.float32


def test_cross_entropy_ignore_all_is_nan_and_extreme_logits():
    x = reograd.tensor([[1e4, -1e4, 0.0]], requires_grad=True)
    loss = F.cross_entropy(x, reograd.tensor([1]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(x.grad.numpy()).all()
    assert np.isnan(F.cross_entropy(reograd.randn(2, 3), reograd.tensor([-100, -100])).item())


def test_bce_with_logits_extreme():
    a = np.array([-1e4, -50.0, 0.0, 50.0, 1e4])
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    x = reograd.tensor(a, requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(x, reograd.tensor(y), reduction="none")
    loss.sum().backward()
    tx = torch.tensor(a, requires_grad=True)
    tl = torch.nn.functional.binary_cross_entropy_with_logits(tx, torch.tensor(y), reduction="none")
    tl.sum().backward()
    np.testing.assert_allclose(loss.detach().numpy(), tl.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_bce_log_clamp():
    x = reograd.tensor([0.0, 1.0, 0.5])
    y = reograd.tensor([1.0, 0.0, 1.0])
    got = F.binary_cross_entropy(x, y, reduction="none").numpy()
    want = torch.nn.functional.binary_cross_entropy(torch.tensor([0.0, 1.0, 0.5]), torch.tensor([1.0, 0.0, 1.0]),
                                                    reduction="none").numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6)
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(reograd.tensor([1.5]), reograd.tensor([1.0]))


def test_legacy_reduction_args():
    x, y = reograd.randn(3, 4), reograd.randn(3, 4)
    with pytest.warns(UserWarning):
        s = F.mse_loss(x, y, size_average=False)
    np.testing.assert_allclose(s.item(), F.mse_loss(x, y, reduction="sum").item(), rtol=1e-6)
    with pytest.warns(UserWarning):
        n = F.l1_loss(x, y, reduce=False)
    assert n.shape == (3, 4)


def test_kl_div_mean_warns():
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(reograd.randn(2, 3), reograd.rand(2, 3))


# ------------------------------------------------------------------------------------------- modules
def _np(shape, seed=0, lo=-2, hi=2):
    return np.random.default_rng(seed).uniform(lo, hi, shape)


MODULE_CASES = [
    ("MSELoss", {}, lambda: (_np((3, 4)), _np((3, 4), 1))),
    ("L1Loss", {"reduction": "sum"}, lambda: (_np((3, 4)), _np((3, 4), 1))),
    ("SmoothL1Loss", {"beta": 0.5}, lambda: (_np((3, 4)), _np((3, 4), 1))),
    ("HuberLoss", {"delta": 0.5}, lambda: (_np((3, 4)), _np((3, 4), 1))),
    ("BCELoss", {}, lambda: (_np((3, 4), 0, 0.1, 0.9), _np((3, 4), 1, 0, 1))),
    ("BCEWithLogitsLoss", {}, lambda: (_np((3, 4)), _np((3, 4), 1, 0, 1))),
    ("CrossEntropyLoss", {"label_smoothing": 0.1}, lambda: (_np((3, 4)), np.array([0, 3, 1]))),
    ("NLLLoss", {}, lambda: (_np((3, 4)), np.array([0, 3, 1]))),
    ("KLDivLoss", {"reduction": "batchmean"}, lambda: (_np((3, 4)), _np((3, 4), 1, 0.1, 1))),
    ("HingeEmbeddingLoss", {}, lambda: (_np((4,)), np.array([1.0, -1.0, 1.0, -1.0]))),
    ("SoftMarginLoss", {}, lambda: (_np((4,)), np.array([1.0, -1.0, 1.0, -1.0]))),
    ("MultiMarginLoss", {}, lambda: (_np((3, 4)), np.array([0, 3, 1]))),
    ("MultiLabelSoftMarginLoss", {}, lambda: (_np((3, 4)), (_np((3, 4), 1) > 0).astype(np.float64))),
    ("PoissonNLLLoss", {}, lambda: (_np((3, 4)), _np((3, 4), 1, 0, 3))),
    ("GaussianNLLLoss", {}, lambda: (_np((3, 4)), _np((3, 4), 1), _np((3, 4), 2, 0.1, 1))),
    ("MarginRankingLoss", {"margin": 0.2}, lambda: (_np((4,)), _np((4,), 1), np.array([1.0, -1.0, 1.0, -1.0]))),
    ("CosineEmbeddingLoss", {}, lambda: (_np((4, 3)), _np((4, 3), 1), np.array([1, -1, 1, -1]))),
    ("TripletMarginLoss", {}, lambda: (_np((4, 3)), _np((4, 3), 1), _np((4, 3), 2))),
    ("TripletMarginWithDistanceLoss", {"margin": 2.0, "swap": True}, lambda: (_np((4, 3)), _np((4, 3), 1),
                                                                               _np((4, 3), 2))),
]


@pytest.mark.parametrize("name,kw,make", MODULE_CASES, ids=[c[0] for c in MODULE_CASES])
def test_loss_module_matches_torch(name, kw, make):
    arrays = make()
    r_in = [reograd.tensor(a) for a in arrays]
    t_in = [torch.tensor(a) for a in arrays]
    r_in[0].requires_grad_(True)
    t_in[0].requires_grad_(True)
    m = getattr(reograd.nn, name)(**kw)
    tm = getattr(torch.nn, name)(**kw)
    r, t = m(*r_in), tm(*t_in)
    np.testing.assert_allclose(r.detach().numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-9)
    r.backward()
    t.backward()
    np.testing.assert_allclose(r_in[0].grad.numpy(), t_in[0].grad.numpy(), rtol=1e-6, atol=1e-9)
    if name != "TripletMarginWithDistanceLoss":  # torch's default distance is a PairwiseDistance child module
        assert repr(m) == repr(tm)


def test_loss_module_weight_is_buffer():
    w = reograd.tensor([1.0, 2.0, 3.0])
    m = reograd.nn.CrossEntropyLoss(weight=w)
    assert "weight" in dict(m.named_buffers()) and not list(m.parameters())
    m2 = reograd.nn.BCEWithLogitsLoss(pos_weight=w)
    assert "pos_weight" in dict(m2.named_buffers())
