"""Indexing: x[idx], x[idx] = v, index_put, index_select/add/copy/fill, masked_*, take, put, nonzero."""
import numpy as np
import pytest
from opcases import Bool, Fixed, Int, OpCase, make_tests

import reograd

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")


def _set(idx, scale=True):
    """fn(t, a, v): a clone of a*2 with [idx] = v (grads flow to a outside the region and to v)."""
    def fn(t, a, v):
        b = a * 2 if scale else a.clone()
        b[idx] = v
        return b
    return fn


def _set_scalar(idx):
    def fn(t, a):
        b = a.clone()
        b[idx] = 3.5
        return b
    return fn


def _set_mask(t, a, m, v):
    b = a * 1
    b[m] = v
    return b


def _set_tensor_idx(t, a, i, v):
    b = a * 1
    b[i, 1:] = v
    return b


IDX2 = Fixed(np.array([[0, 2], [1, 1]]), grad=False)

CASES = [
    # ---- basic indexing (views)
    OpCase("getitem_basic", lambda t, a: a[1], [(3, 4)], id="int"),
    OpCase("getitem_basic", lambda t, a: a[-1, -2], [(3, 4)], id="scalar"),
    OpCase("getitem_basic", lambda t, a: a[:, 1:3], [(3, 4)], id="slice"),
    OpCase("getitem_basic", lambda t, a: a[::2, 1::2], [(3, 4)], id="step"),
    OpCase("getitem_basic", lambda t, a: a[None, ..., 1, None], [(2, 3, 4)], id="none-ellipsis"),
    OpCase("getitem_basic", lambda t, a: a[1:100, -100:2], [(3, 4)], id="clamped"),
    OpCase("getitem_basic", lambda t, a: a[...], [()], id="0d"),
    OpCase("getitem_basic", lambda t, a: a[t.tensor(1)], [(3, 4)], id="0d-tensor-index"),
    OpCase("getitem_basic", lambda t, a: a[2:2], [(3, 4)], id="empty", grad=False),
    # ---- advanced indexing (copies)
    OpCase("getitem_advanced", lambda t, a: a[[0, 2, 0]], [(3, 4)], id="dups"),
    OpCase("getitem_advanced", lambda t, a: a[[0, 1, 1], [1, 2, 1]], [(3, 4)], id="pairs"),
    OpCase("getitem_advanced", lambda t, a: a[:, [3, 0, 3]], [(3, 4)], id="inner"),
    OpCase("getitem_advanced", lambda t, a: a[0, :, [1, 2]], [(2, 3, 4)], id="int-then-adv"),
    OpCase("getitem_advanced", lambda t, a: a[[0, 1], :, [1, 0]], [(2, 3, 4)], id="separated"),
    OpCase("getitem_advanced", lambda t, a: a[None, [0, 1], None, [2, 1]], [(2, 3, 4)], id="none-separated"),
    OpCase("getitem_advanced", lambda t, a, i: a[i], [(3, 4), IDX2], id="2d-index"),
    OpCase("getitem_advanced", lambda t, a, i: a[1:, i], [(3, 4), IDX2], id="slice-2d-index"),
    OpCase("getitem_advanced", lambda t, a, i: a[..., i, :], [(2, 3, 2), IDX2], id="ellipsis"),
    OpCase("getitem_advanced", lambda t, a, i: a[i], [(5,), Int((4,), -5, 5)], id="negative"),
    OpCase("getitem_advanced", lambda t, a: a[True], [(3,)], id="true"),
    OpCase("getitem_advanced", lambda t, a: a[[[0, 1], [1, 2]]], [(3, 4)], id="list-as-tuple"),
    OpCase("getitem_advanced", lambda t, a: a[np.array([2, 0])], [(3, 4)], id="ndarray"),
    # ---- boolean masks
    OpCase("getitem_mask", lambda t, a, m: a[m], [(3, 4), Bool((3, 4))], id="full"),
    OpCase("getitem_mask", lambda t, a, m: a[m], [(3, 4), Bool((3,), p=0.7)], id="rows"),
    OpCase("getitem_mask", lambda t, a, m: a[:, m], [(2, 3, 4), Bool((3, 4))], id="inner"),
    OpCase("getitem_mask", lambda t, a, m: a[m, 1], [(3, 4), Bool((3,), p=0.7)], id="with-int"),
    OpCase("getitem_mask", lambda t, a: a[np.array([True, False, True])], [(3, 2)], id="ndarray"),
    # ---- setitem
    OpCase("setitem", _set(1), [(3, 4), (4,)], id="row"),
    OpCase("setitem", _set((slice(None), 2)), [(3, 4), (1,)], id="col-broadcast"),
    OpCase("setitem", _set((slice(None), 2)), [(3, 4), (1, 3)], id="leading-ones"),
    OpCase("setitem", _set(([0, 2], [1, 3])), [(3, 4), (2,)], id="advanced"),
    OpCase("setitem", _set((Ellipsis, [0, 3])), [(3, 4), (3, 1)], id="adv-broadcast"),
    OpCase("setitem", _set_scalar((slice(1, None), slice(None, None, 2))), [(3, 4)], id="scalar"),
    OpCase("setitem", _set_mask, [(3, 4), Fixed(np.array([True, False, True])), (4,)], id="mask"),
    OpCase("setitem", _set_tensor_idx, [(3, 4), Fixed(np.array([2, 0]), grad=False), (2, 3)], id="tensor-idx"),
    OpCase("setitem", _set(1, scale=False), [(3, 4), (4,)], id="clone"),
    # ---- index_put
    OpCase("index_put", lambda t, a, i, v: t.index_put(a, (i,), v), [(4, 3), Fixed(np.array([0, 3])), (2, 3)]),
    OpCase("index_put", lambda t, a, i, v: a.index_put((i,), v, accumulate=True),
           [(4, 3), Fixed(np.array([1, 3, 1])), (3, 3)], id="accumulate-dups"),
    OpCase("index_put", lambda t, a, i, j, v: a.index_put((i, j), v, accumulate=True),
           [(4, 3), Fixed(np.array([1, 1, 2])), Fixed(np.array([0, 0, 2])), (1,)], id="pairs-broadcast"),
    OpCase("index_put_", lambda t, a, i, v: (a * 1).index_put_((i,), v), [(4, 3), Fixed(np.array([2, 0])), (3,)]),
    # ---- index_select / index_add / index_copy / index_fill
    OpCase("index_select", lambda t, a, i: t.index_select(a, 1, i), [(3, 4), Fixed(np.array([3, 0, 3]))]),
    OpCase("index_select", lambda t, a, i: a.index_select(-1, i), [(2, 2, 3), Fixed(np.array([2]))], id="neg-dim"),
    OpCase("index_select", lambda t, a, i: a.index_select(0, i), [(4,), Fixed(np.array(2))], id="0d-index"),
    OpCase("index_add", lambda t, a, i, s: t.index_add(a, 0, i, s), [(4, 3), Fixed(np.array([1, 3, 1])), (3, 3)]),
    OpCase("index_add", lambda t, a, i, s: a.index_add(1, i, s, alpha=-1.5), [(2, 4), Fixed(np.array([0, 2])),
                                                                              (2, 2)], id="alpha"),
    OpCase("index_add_", lambda t, a, i, s: (a * 1).index_add_(1, i, s), [(2, 4), Fixed(np.array([3, 3])), (2, 2)]),
    OpCase("index_copy", lambda t, a, i, s: t.index_copy(a, 0, i, s), [(4, 3), Fixed(np.array([3, 0])), (2, 3)]),
    OpCase("index_copy_", lambda t, a, i, s: (a * 1).index_copy_(1, i, s), [(2, 4), Fixed(np.array([1, 2])), (2, 2)]),
    OpCase("index_fill", lambda t, a, i: t.index_fill(a, 1, i, -2.0), [(3, 4), Fixed(np.array([0, 2]))]),
    OpCase("index_fill", lambda t, a, i, v: a.index_fill(0, i, v), [(3, 4), Fixed(np.array([2, 0, 2])), ()],
           id="tensor-value-dups"),
    OpCase("index_fill_", lambda t, a, i: (a * 1).index_fill_(0, i, 1.0), [(3, 2), Fixed(np.array([1]))]),
    # ---- masked ops
    OpCase("masked_fill", lambda t, a, m: t.masked_fill(a, m, 0.5), [(3, 4), Bool((3, 4))]),
    OpCase("masked_fill", lambda t, a, m, v: a.masked_fill(m, v), [(3, 4), Bool((4,)), ()], id="tensor-value"),
    OpCase("masked_fill", lambda t, a, m: a.masked_fill(m, -1.0), [(4,), Bool((2, 4))], id="broadcast-out"),
    OpCase("masked_fill_", lambda t, a, m: (a * 1).masked_fill_(m, 2.0), [(3, 4), Bool((3, 1))]),
    OpCase("masked_select", lambda t, a, m: t.masked_select(a, m), [(3, 4), Bool((3, 4))]),
    OpCase("masked_select", lambda t, a, m: a.masked_select(m), [(4,), Bool((2, 4))], id="broadcast"),
    OpCase("masked_scatter", lambda t, a, m, s: t.masked_scatter(a, m, s),
           [(3, 4), Fixed(np.array([[1, 0, 1, 1]] * 3, dtype=bool)), (3, 4)]),
    OpCase("masked_scatter", lambda t, a, m, s: a.masked_scatter(m, s),
           [(2, 3), Fixed(np.array([True, False, True])), (5,)], id="broadcast"),
    OpCase("masked_scatter_", lambda t, a, m, s: (a * 1).masked_scatter_(m, s),
           [(2, 3), Fixed(np.array([[True, False, True], [False, False, True]])), (2, 2)]),
    # ---- take / put / nonzero
    OpCase("take", lambda t, a, i: t.take(a, i), [(3, 4), Fixed(np.array([[0, 11], [-1, 5]]))]),
    OpCase("put", lambda t, a, i, s: t.put(a, i, s), [(3, 4), Fixed(np.array([0, 11, 5])), (3,)]),
    OpCase("put", lambda t, a, i, s: a.put(i, s, accumulate=True), [(2, 3), Fixed(np.array([[0, 5], [0, -1]])),
                                                                   (2, 2)], id="accumulate"),
    OpCase("put_", lambda t, a, i, s: (a * 1).put_(i, s), [(2, 3), Fixed(np.array([4, 1])), (2,)]),
    OpCase("nonzero", lambda t, a: t.nonzero(a), [Int((3, 4), 0, 2)], grad=False),
    OpCase("nonzero", lambda t, a: a.nonzero(as_tuple=True), [Int((3, 4), 0, 2)], grad=False, id="as_tuple"),
    OpCase("nonzero", lambda t, a: t.nonzero(a), [Fixed(np.array(2.0))], grad=False, id="0d"),
    OpCase("nonzero", lambda t, a: t.nonzero(a, as_tuple=True), [Fixed(np.array(0.0))], grad=False, id="0d-tuple"),
    OpCase("argwhere", lambda t, a: t.argwhere(a), [Bool((2, 3, 2))], grad=False),
]
globals().update(make_tests(CASES))


# ----------------------------------------------------------------------------- semantics
def test_basic_index_is_view_and_shares_version():
    x = reograd.zeros(3, 4)
    v = x[1]
    v[2] = 7.0
    assert x[1, 2].item() == 7.0
    assert v._version == x._version and x._version > 0
    y = x[:, 1:3]
    y += 1
    assert x[0, 1].item() == 1.0 and x[0, 0].item() == 0.0
    a = x[[0, 1]]
    a += 100  # advanced indexing copies
    assert float(x._data.max()) < 100


def test_out_of_range_messages():
    x = reograd.zeros(3, 4)
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        x[5]
    with pytest.raises(IndexError, match="index 4 is out of bounds for dimension 1 with size 4"):
        x[:, 4]
    with pytest.raises(IndexError, match="index -4 is out of bounds for dimension 0 with size 3"):
        x[[0, -4]]
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 2"):
        x[0, 0, 0]
    with pytest.raises(IndexError, match="invalid index of a 0-dim tensor"):
        reograd.tensor(1.0)[0]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[::-1]
    with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool"):
        x[reograd.tensor([1.0])]
    with pytest.raises(IndexError, match=r"The shape of the mask \[2\] at index 0 does not match"):
        x[reograd.tensor([True, False])]
    with pytest.raises(IndexError, match=r"shape mismatch: indexing tensors could not be broadcast"):
        x[[0, 1], [0, 1, 2]]
    with pytest.raises(IndexError, match="single ellipsis"):
        x[..., ...]


def test_setitem_leaf_requires_grad_raises_but_no_grad_works():
    x = reograd.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x[0] = 1.0
    with reograd.no_grad():
        x[0] = 1.0
    assert x._data[0] == 1.0 and x.is_leaf


def test_setitem_makes_non_leaf_from_value_grad():
    x = reograd.zeros(4, dtype=reograd.float64)
    v = reograd.tensor([1.0, 2.0], dtype=reograd.float64, requires_grad=True)
    x[1:3] = v
    assert x.requires_grad and x.grad_fn is not None
    (x * reograd.tensor([1.0, 10.0, 100.0, 1000.0], dtype=reograd.float64)).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), [10.0, 100.0])


def test_setitem_casts_and_bumps_version():
    x = reograd.zeros(3, dtype=reograd.int64)
    v0 = x._version
    x[1] = reograd.tensor(2.7)
    assert x.tolist() == [0, 2, 0] and x._version == v0 + 1
    with pytest.raises(RuntimeError, match="shape mismatch"):
        x[0:2] = reograd.tensor([1, 2, 3])


def test_setitem_saved_tensor_modified_detected():
    a = reograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = a * 1
    c = b.sin()  # saves b
    b[0] = 5.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()


def test_index_put_accumulate_duplicates():
    x = reograd.zeros(3)
    x.index_put_((reograd.tensor([0, 0, 2]),), reograd.tensor([1.0, 2.0, 3.0]), accumulate=True)
    assert x.tolist() == [3.0, 0.0, 3.0]


@needs_torch
def test_getitem_grad_duplicates_double_backward_against_torch():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 3))
    idx = [0, 3, 0, 0]
    r = reograd.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    (gr,) = reograd.autograd.grad((r[idx] ** 3).sum(), r, create_graph=True)
    (gt,) = torch.autograd.grad((t[idx] ** 3).sum(), t, create_graph=True)
    np.testing.assert_allclose(gr.detach().numpy(), gt.detach().numpy())
    (ggr,) = reograd.autograd.grad(gr.sum(), r)
    (ggt,) = torch.autograd.grad(gt.sum(), t)
    np.testing.assert_allclose(ggr.numpy(), ggt.detach().numpy())


def test_index_select_and_masked_errors():
    x = reograd.zeros(3, 4)
    with pytest.raises(RuntimeError, match="int32 or int64"):
        x.index_select(0, reograd.tensor([0.0]))
    with pytest.raises(IndexError, match="Index is supposed to be a vector"):
        x.index_select(0, reograd.tensor([[0]]))
    with pytest.raises(IndexError, match="out of range"):
        x.index_select(0, reograd.tensor([3]))
    with pytest.raises(RuntimeError, match="only supports boolean masks"):
        x.masked_fill(reograd.ones(3, 4), 1.0)
    with pytest.raises(RuntimeError, match="0-dimensional value tensor"):
        x.masked_fill(reograd.ones(3, 4, dtype=reograd.bool), reograd.ones(2))
    with pytest.raises(RuntimeError, match="same scalar type"):
        x.index_add(0, reograd.tensor([0]), reograd.ones(1, 4, dtype=reograd.float64))
    with pytest.raises(RuntimeError, match="at least 12 elements"):
        x.masked_scatter(reograd.ones(3, 4, dtype=reograd.bool), reograd.ones(3))
    with pytest.raises(IndexError, match="tried to access index 20 on a tensor of 12 elements"):
        x.take(reograd.tensor([20]))
    with pytest.raises(RuntimeError, match="Expected a long tensor"):
        x.take(reograd.tensor([1], dtype=reograd.int32))


def test_masked_fill_inplace_refuses_broadcasting_self():
    x = reograd.zeros(4)
    with pytest.raises(RuntimeError):
        x.masked_fill_(reograd.ones(2, 4, dtype=reograd.bool), 1.0)
    x.masked_fill_(reograd.tensor([True, False, False, True]), 2.0)
    assert x.tolist() == [2.0, 0.0, 0.0, 2.0]


def test_nonzero_as_tuple_indexes_back():
    x = reograd.tensor([[0.0, 1.5], [2.0, 0.0]])
    assert x[x.nonzero(as_tuple=True)].tolist() == [1.5, 2.0]
    assert reograd.nonzero(reograd.zeros(0, 3)).shape == (0, 2)


def test_int_fast_path_and_numpy_scalar_index():
    x = reograd.arange(6).reshape(2, 3)
    assert x[np.int64(1)].tolist() == [3, 4, 5]
    assert x[1][2].item() == 5 and x[-1, 0].item() == 3
    assert x[reograd.tensor(True)].shape == (1, 2, 3) and x[False].shape == (0, 2, 3)
