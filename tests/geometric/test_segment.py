"""Segment reductions (reograd.ops.nn.segment): values and gradients against PyG's scatter / softmax and
torch's index_select, PyG's empty-segment and tie rules, gradients of first and second order and forward mode in
float64, the vectorised plan against ufunc.at on skewed segment sizes, and the argument errors."""
import numpy as np
import pytest
from gnn_graphs import np_of, ours, theirs

import reograd
from reograd.autograd import gradcheck, gradgradcheck
from reograd.ops.nn.segment import SegmentPlan, scatter, scatter_softmax, segment_gather

REDUCES = ["sum", "add", "mean", "max", "min", "mul"]


def _src(rng, shape):
    a = rng.standard_normal(shape)
    return np.where(np.abs(a) < 0.05, 0.3, a)   # no exact zeros: see test_max_tie_at_zero_differs_from_torch


@pytest.mark.parity
@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("dim,shape", [(0, (30, 3)), (1, (2, 30, 4)), (-1, (3, 30)), (0, (30,))])
def test_scatter_matches_pyg(reduce, dim, shape):
    torch = pytest.importorskip("torch")
    from torch_geometric.utils import scatter as pyg_scatter
    rng = np.random.default_rng(0)
    src = _src(rng, shape)
    n = 9
    idx = rng.integers(0, n - 2, shape[dim])   # the last two segments stay empty
    a, b = ours(src, True), theirs(torch, src, True)
    out_o = scatter(a, ours(idx), dim, n, reduce)
    out_t = pyg_scatter(b, theirs(torch, idx), dim, n, reduce)
    np.testing.assert_allclose(np_of(out_o), np_of(out_t), rtol=1e-12)
    g = rng.standard_normal(tuple(out_o.shape))
    (out_o * reograd.tensor(g)).sum().backward()
    (out_t * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parity
@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_scatter_integer_src_matches_pyg(dtype):
    torch = pytest.importorskip("torch")
    from torch_geometric.utils import scatter as pyg_scatter
    rng = np.random.default_rng(1)
    src = rng.integers(-5, 6, (20, 2)).astype(dtype)
    idx = rng.integers(0, 5, 20)
    for reduce in ("sum", "max", "min", "mul"):
        out_o = scatter(ours(src), ours(idx), 0, 6, reduce)
        out_t = pyg_scatter(theirs(torch, src), theirs(torch, idx), 0, 6, reduce)
        np.testing.assert_array_equal(np_of(out_o), np_of(out_t))
        assert out_o.dtype == (reograd.int64 if dtype == "int64" else reograd.int32)


def test_empty_segments_and_default_dim_size():
    src = reograd.tensor([[1.0, -2.0], [3.0, -4.0]])
    idx = reograd.tensor([1, 1])
    for reduce, empty in (("sum", 0), ("mean", 0), ("max", 0), ("min", 0), ("mul", 1)):
        out = scatter(src, idx, 0, 3, reduce).numpy()
        np.testing.assert_array_equal(out[[0, 2]], np.full((2, 2), empty))
    assert scatter(src, idx).shape == (2, 2)                 # dim_size = index.max() + 1
    assert scatter(src[:0], idx[:0], 0, None).shape == (0, 2)
    assert scatter(src[:0], idx[:0], 0, 4, "max").numpy().tolist() == [[0, 0]] * 4


def test_max_ties_share_the_gradient():
    src = reograd.tensor([[2.0], [2.0], [1.0], [2.0], [-1.0]], requires_grad=True)
    idx = reograd.tensor([0, 0, 0, 0, 1])
    out = scatter(src, idx, 0, 2, "max")
    assert out.detach().numpy().ravel().tolist() == [2.0, -1.0]
    out.sum().backward()
    np.testing.assert_allclose(src.grad.numpy().ravel(), [1 / 3, 1 / 3, 0, 1 / 3, 1])


@pytest.mark.parity
def test_max_tie_at_zero_differs_from_torch():
    """PyG scatters into zeros with torch's scatter_reduce(include_self=False), whose backward still counts the
    never-used zero as one more tie when the maximum is exactly 0. reograd's gradient is the derivative of the
    max of the segment's rows: the ties share all of it."""
    torch = pytest.importorskip("torch")
    from torch_geometric.utils import scatter as pyg_scatter
    src = np.array([0.0, 0.0, -1.0])
    a, b = ours(src, True), theirs(torch, src, True)
    scatter(a, ours(np.array([0, 0, 0])), 0, 1, "max").sum().backward()
    pyg_scatter(b, theirs(torch, np.array([0, 0, 0])), 0, 1, "max").sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [0.5, 0.5, 0.0])
    np.testing.assert_allclose(b.grad.numpy(), [1 / 3, 1 / 3, 0.0])


def test_nan_propagates_through_max():
    out = scatter(reograd.tensor([1.0, float("nan"), 2.0]), reograd.tensor([0, 0, 1]), 0, 2, "max")
    assert np.isnan(out.numpy()[0]) and out.numpy()[1] == 2.0


@pytest.mark.parametrize("reduce", ["sum", "mean", "max", "min", "mul"])
def test_scatter_gradients_of_every_order(reduce):
    rng = np.random.default_rng(2)
    x = ours(_src(rng, (12, 2)), True)
    idx = ours(np.array([0, 3, 0, 3, 3, 1, 0, 1, 3, 0, 4, 4]))
    f = lambda t: scatter(t, idx, 0, 6, reduce)  # noqa: E731
    assert gradcheck(f, (x,), check_forward_ad=True)
    assert gradgradcheck(f, (x,))


def test_mul_gradient_with_zeros():
    # a segment with one zero (its gradient is the product of the others), one with two zeros (all 0)
    x = ours(np.array([0.0, 2.0, 3.0, 0.0, 0.0, 5.0, 1.5]), True)
    idx = ours(np.array([0, 0, 0, 1, 1, 1, 2]))
    out = scatter(x, idx, 0, 3, "mul")
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 0, 0, 0, 0, 0, 1.0])
    assert gradcheck(lambda t: scatter(t, idx, 0, 3, "mul"), (x,), check_forward_ad=True)


@pytest.mark.parity
def test_segment_gather_matches_index_select():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 3, 2))
    idx = rng.integers(0, 3, 20)
    for dim in (0, 1):
        n = x.shape[dim]
        i = idx % n
        a, b = ours(x, True), theirs(torch, x, True)
        out_o, out_t = segment_gather(a, ours(i), dim), b.index_select(dim, theirs(torch, i))
        np.testing.assert_array_equal(np_of(out_o), np_of(out_t))
        g = rng.standard_normal(tuple(out_o.shape))
        (out_o * reograd.tensor(g)).sum().backward()
        (out_t * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12)
    t = ours(x[:, 0], True)
    assert gradcheck(lambda v: segment_gather(v, ours(idx % 6)), (t,), check_forward_ad=True)
    assert gradgradcheck(lambda v: segment_gather(v, ours(idx % 6)), (t,))


@pytest.mark.parity
@pytest.mark.parametrize("shape", [(25,), (25, 3)])
def test_scatter_softmax_matches_pyg(shape):
    torch = pytest.importorskip("torch")
    from torch_geometric.utils import softmax as pyg_softmax
    from reograd.geometric.utils import softmax
    rng = np.random.default_rng(4)
    src = 3 * rng.standard_normal(shape)
    idx = np.sort(rng.integers(0, 7, shape[0]))
    a, b = ours(src, True), theirs(torch, src, True)
    out_o, out_t = softmax(a, ours(idx), num_nodes=8), pyg_softmax(b, theirs(torch, idx), num_nodes=8)
    np.testing.assert_allclose(np_of(out_o), np_of(out_t), rtol=1e-12)
    ptr = np.concatenate([[0], np.cumsum(np.bincount(idx, minlength=8))])
    np.testing.assert_allclose(np_of(softmax(ours(src), ptr=ours(ptr))), np_of(out_t), rtol=1e-12)
    g = rng.standard_normal(shape)
    (out_o * reograd.tensor(g)).sum().backward()
    (out_t * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-14)


def test_scatter_softmax_gradients_and_stability():
    idx = ours(np.array([0, 0, 1, 2, 2, 2]))
    x = ours(np.array([1.0, 2.0, 0.5, -1.0, 0.0, 3.0]), True)
    assert gradcheck(lambda t: scatter_softmax(t, idx, 3), (x,), check_forward_ad=True)
    assert gradgradcheck(lambda t: scatter_softmax(t, idx, 3), (x,))
    big = scatter_softmax(reograd.tensor([1000.0, 1001.0, -1000.0]), reograd.tensor([0, 0, 1]), 2).numpy()
    np.testing.assert_allclose(big, [1 / (1 + np.e), np.e / (1 + np.e), 1.0])
    sums = scatter(scatter_softmax(ours(np.arange(6.0)), idx, 3), idx, 0, 3).numpy()
    np.testing.assert_allclose(sums, 1.0)


@pytest.mark.parametrize("layout", ["uniform", "star", "one-segment", "many-segments"])
def test_plan_matches_ufunc_at(layout):
    """The rank-vectorised plan, including the ufunc.at tail of rare high ranks, against NumPy's ufunc.at."""
    rng = np.random.default_rng(5)
    n, e = (50, 400) if layout != "many-segments" else (70000, 90000)   # > 65536 segments: no radix-sort key
    idx = {"uniform": rng.integers(0, n, e), "star": np.where(rng.random(e) < 0.7, 3, rng.integers(0, n, e)),
           "one-segment": np.full(e, n - 1), "many-segments": rng.integers(0, n, e)}[layout]
    rows = rng.standard_normal((e, 2))
    plan = SegmentPlan(idx, n)
    for kind, ufunc in (("sum", np.add), ("max", np.maximum), ("min", np.minimum), ("mul", np.multiply)):
        start = {"sum": 0.0, "mul": 1.0, "max": -np.inf, "min": np.inf}[kind]
        ref = np.full((n, 2), start)
        ufunc.at(ref, idx, rows)
        ref[np.isinf(ref)] = 0.0
        np.testing.assert_allclose(plan.reduce(kind, rows), ref, rtol=1e-12)


def test_argument_errors():
    x = reograd.randn(4, 2)
    with pytest.raises(ValueError, match="one-dimensional"):
        scatter(x, reograd.tensor([[0, 1, 0, 1]]))
    with pytest.raises(ValueError, match="integer"):
        scatter(x, reograd.tensor([0.0, 1.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match=r"3 entries but `src` has 4 rows along dim 0"):
        scatter(x, reograd.tensor([0, 1, 0]))
    with pytest.raises(IndexError, match=r"holds 5, outside \[0, 3\)"):
        scatter(x, reograd.tensor([0, 1, 5, 1]), dim_size=3)
    with pytest.raises(IndexError, match="holds -1"):
        scatter(x, reograd.tensor([0, -1, 0, 1]))
    with pytest.raises(ValueError, match="invalid `reduce`"):
        scatter(x, reograd.tensor([0, 1, 0, 1]), reduce="median")
    with pytest.raises(ValueError, match="`dim` argument"):
        scatter(x, reograd.tensor([0, 1, 0, 1]), dim=2)
    with pytest.raises(IndexError, match=r"outside \[0, 4\)"):
        segment_gather(x, reograd.tensor([0, 4]))
    with pytest.raises(TypeError, match="floating point"):
        scatter_softmax(reograd.tensor([1, 2]), reograd.tensor([0, 0]))
