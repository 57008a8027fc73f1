"""Sorting and order statistics: case table, tie/NaN semantics and errors."""
import numpy as np
import pytest

import reograd
from opcases import Fixed, Int, OpCase, make_tests

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

CASES = [
    OpCase("sort", lambda t, a: t.sort(a), [(3, 4)]),
    OpCase("sort", lambda t, a: a.sort(0, descending=True), [(3, 4)], id="desc"),
    OpCase("sort", lambda t, a: t.sort(a, dim=-2, stable=True), [(2, 3, 2)], id="neg"),
    OpCase("sort", lambda t, a: t.sort(a), [()], id="0d"),
    OpCase("argsort", lambda t, a: t.argsort(a, 1, descending=True), [(3, 4)], grad=False),
    OpCase("msort", lambda t, a: t.msort(a), [(3, 4)]),
    OpCase("topk", lambda t, a: t.topk(a, 2), [(3, 4)]),
    OpCase("topk", lambda t, a: a.topk(2, dim=0, largest=False), [(3, 4)], id="smallest"),
    OpCase("kthvalue", lambda t, a: t.kthvalue(a, 2, 1), [(3, 4)]),
    OpCase("kthvalue", lambda t, a: a.kthvalue(3, 0, keepdim=True), [(3, 4)], id="keepdim"),
    OpCase("median", lambda t, a: t.median(a), [(3, 4)]),
    OpCase("median", lambda t, a: t.median(a, 1), [(3, 4)], id="dim"),
    OpCase("median", lambda t, a: a.median(-1, keepdim=True), [(2, 3, 5)], id="keepdim"),
    OpCase("nanmedian", lambda t, a: t.nanmedian(a), [Fixed([[1.0, float("nan"), 2.0], [0.5, 3.0, -1.0]])]),
    OpCase("nanmedian", lambda t, a: t.nanmedian(a, 1), [Fixed([[1.0, float("nan"), 2.0, 4.0], [0.5, 3.0, -1.0, 2.5]])],
           id="dim"),
    OpCase("mode", lambda t, a: t.mode(a, 1), [Int((3, 6), 0, 3)], grad=False),
    OpCase("mode", lambda t, a: a.mode(0), [(3, 4)], id="float"),
    OpCase("sort", lambda t, a: t.sort(a, 1), [Int((3, 4), -3, 3)], grad=False, id="int"),
]
globals().update(make_tests(CASES))


@needs_torch
def test_ties_and_nan_vs_torch():
    data = np.array([[2.0, 1.0, 2.0, np.nan, 1.0, 0.0], [3.0, 3.0, 3.0, 1.0, 1.0, 2.0]])
    fns = [lambda t, x: t.sort(x, dim=1, stable=True), lambda t, x: t.sort(x, dim=1, descending=True, stable=True),
           lambda t, x: t.argsort(x, dim=1, stable=True), lambda t, x: t.median(x, 1), lambda t, x: t.nanmedian(x, 1),
           lambda t, x: t.median(x), lambda t, x: t.nanmedian(x)]
    for f in fns:
        r, o = f(reograd, reograd.tensor(data)), f(torch, torch.tensor(data))
        r = r if isinstance(r, tuple) else (r,)
        o = o if isinstance(o, tuple) else (o,)
        for a, b in zip(r, o):
            np.testing.assert_allclose(a.numpy(), b.numpy(), equal_nan=True)


@needs_torch
def test_mode_ties_vs_torch():
    data = np.array([[1, 2, 2, 1, 3], [5, 4, 4, 5, 4], [7, 7, 7, 7, 7]])
    r, o = reograd.mode(reograd.tensor(data), 1), torch.mode(torch.tensor(data), 1)
    assert r.values.tolist() == o.values.tolist() and r.indices.tolist() == o.indices.tolist()


@needs_torch
def test_median_gradient_split_like_torch():
    data = np.array([1.0, 2.0, 2.0, 2.0, 5.0])
    r, o = reograd.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    r.median().backward()
    o.median().backward()
    np.testing.assert_allclose(r.grad.numpy(), o.grad.numpy())


def test_double_backward_through_indices():
    x = reograd.tensor(np.random.default_rng(1).standard_normal((3, 5)), requires_grad=True)
    assert reograd.autograd.gradgradcheck(lambda a: a.topk(3).values ** 3, [x])


def test_errors_and_types():
    x = reograd.tensor([[3.0, 1.0, 2.0]])
    with pytest.raises(RuntimeError, match="topk"):
        x.topk(4)
    with pytest.raises(RuntimeError, match="kthvalue"):  # as PyTorch
        x.kthvalue(0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.sort(2)
    v, i = x.sort()
    assert repr(x.sort()).startswith("torch.return_types.sort(")
    assert i.dtype == reograd.int64 and v.tolist() == [[1.0, 2.0, 3.0]]
    assert x.topk(2).indices.tolist() == [[0, 2]]
