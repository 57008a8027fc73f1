"""Shape ops: views (reshape, permute, expand, narrow, unfold...), joins and splits, flips and repeats."""
import numpy as np
import pytest

import reograd
from opcases import Arg, Fixed, OpCase, make_tests

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

NG = dict(grad=False)


def _sum_all(outs):
    return outs  # multi-output ops: the harness checks every output


CASES = [
    # ---- views
    OpCase("reshape", lambda t, a: t.reshape(a, (4, -1)), [(2, 3, 2)]),
    OpCase("reshape", lambda t, a: a.t().reshape(6), [(2, 3)], id="noncontig"),
    OpCase("reshape", lambda t, a: a.reshape(()), [(1, 1)], id="to0d"),
    OpCase("reshape", lambda t, a: a.reshape(0, 3), [(2, 0)], id="empty"),
    OpCase("view", lambda t, a: a.view(3, 2, 2) * 2, [(2, 6)]),
    OpCase("view", lambda t, a: a.view(-1), [()], id="0d"),
    OpCase("view_as", lambda t, a, b: a.view_as(b), [(2, 6), Arg((4, 3), grad=False)]),
    OpCase("flatten", lambda t, a: t.flatten(a, 1), [(2, 3, 2)]),
    OpCase("flatten", lambda t, a: a.flatten(-3, -2), [(2, 3, 2, 1)], id="neg"),
    OpCase("flatten", lambda t, a: a.flatten(), [()], id="0d"),
    OpCase("unflatten", lambda t, a: t.unflatten(a, 1, (2, -1)), [(3, 6)]),
    OpCase("unflatten", lambda t, a: a.unflatten(-1, (3, 2)), [(2, 6)], id="method"),
    OpCase("squeeze", lambda t, a: t.squeeze(a), [(1, 3, 1, 2)]),
    OpCase("squeeze", lambda t, a: a.squeeze(-2), [(1, 3, 1, 2)], id="dim"),
    OpCase("squeeze", lambda t, a: a.squeeze((0, 1, 2)), [(1, 3, 1, 2)], id="tuple"),
    OpCase("squeeze", lambda t, a: a.squeeze(0), [()], id="0d"),
    OpCase("unsqueeze", lambda t, a: t.unsqueeze(a, 1), [(2, 3)]),
    OpCase("unsqueeze", lambda t, a: a.unsqueeze(-1), [(2, 3)], id="neg"),
    OpCase("unsqueeze", lambda t, a: a.unsqueeze(0), [()], id="0d"),
    OpCase("permute", lambda t, a: t.permute(a, (2, 0, 1)), [(2, 3, 4)]),
    OpCase("permute", lambda t, a: a.permute(-1, 0, 1) * 1.5, [(2, 3, 2)], id="method"),
    OpCase("transpose", lambda t, a: t.transpose(a, 0, -1), [(2, 3, 4)]),
    OpCase("transpose", lambda t, a: a.transpose(0, -1), [()], id="0d"),
    OpCase("swapaxes", lambda t, a: t.swapaxes(a, 1, 2), [(2, 3, 4)]),
    OpCase("swapdims", lambda t, a: a.swapdims(0, 1), [(2, 3)]),
    OpCase("movedim", lambda t, a: t.movedim(a, 0, -1), [(2, 3, 4)]),
    OpCase("movedim", lambda t, a: a.movedim((0, 1), (2, 0)), [(2, 3, 4)], id="tuple"),
    OpCase("moveaxis", lambda t, a: t.moveaxis(a, -1, 0), [(2, 3, 4)]),
    OpCase("t", lambda t, a: t.t(a), [(2, 3)]),
    OpCase("t", lambda t, a: a.t(), [(3,)], id="1d"),
    OpCase("T", lambda t, a: a.T * 1, [(2, 3)]),
    OpCase("mT", lambda t, a: a.mT * 1, [(2, 3, 4)]),
    OpCase("expand", lambda t, a: a.expand(2, 3, -1), [(3, 1)]),
    OpCase("expand", lambda t, a: a.expand(4) * 2, [()], id="0d"),
    OpCase("expand_as", lambda t, a, b: a.expand_as(b), [(1, 3), Arg((2, 3), grad=False)]),
    OpCase("broadcast_to", lambda t, a: t.broadcast_to(a, (2, 2, 3)), [(2, 1, 3)]),
    OpCase("broadcast_tensors", lambda t, a, b: t.broadcast_tensors(a, b), [(3, 1), (1, 4)]),
    OpCase("narrow", lambda t, a: t.narrow(a, 1, 1, 2), [(3, 4)]),
    OpCase("narrow", lambda t, a: a.narrow(-1, -3, 2), [(3, 4)], id="negstart"),
    OpCase("unfold", lambda t, a: a.unfold(1, 2, 1), [(2, 5)]),
    OpCase("unfold", lambda t, a: a.unfold(0, 3, 2), [(7, 2)], id="step"),
    OpCase("unfold", lambda t, a: a.unfold(-1, 2, 3), [(2, 2, 5)], id="gap"),
    OpCase("ravel", lambda t, a: t.ravel(a.t()), [(2, 3)]),
    OpCase("atleast_1d", lambda t, a: t.atleast_1d(a), [()]),
    OpCase("atleast_2d", lambda t, a, b: t.atleast_2d(a, b), [(3,), ()]),
    OpCase("atleast_3d", lambda t, a, b: t.atleast_3d([a, b]), [(3,), (2, 3)]),
    # ---- joins
    OpCase("cat", lambda t, a, b: t.cat([a, b], 1), [(2, 3), (2, 2)]),
    OpCase("cat", lambda t, a, b, c: t.cat((a, b, c), -1), [(2, 1), (2, 2), (2, 3)], id="three"),
    OpCase("cat", lambda t, a, b: t.cat([a, a, b]), [(2, 3), (1, 3)], id="repeated"),
    OpCase("cat", lambda t, a, b: t.cat([a, b]), [(0,), (2, 3)], id="legacy_empty"),
    OpCase("cat", lambda t, a, b: t.cat([a, b], 0), [(0, 3), (2, 3)], id="empty"),
    OpCase("cat", lambda t, a: t.cat([a, t.ones(1, 2, dtype=t.int32)]), [(2, 2)], id="promote"),
    OpCase("concat", lambda t, a, b: t.concat([a, b], 0), [(1, 3), (2, 3)]),
    OpCase("concatenate", lambda t, a, b: t.concatenate([a, b], 1), [(2, 1), (2, 2)]),
    OpCase("stack", lambda t, a, b: t.stack([a, b]), [(2, 3), (2, 3)]),
    OpCase("stack", lambda t, a, b: t.stack([a, b], -1), [(2, 3), (2, 3)], id="last"),
    OpCase("stack", lambda t, a, b: t.stack([a, b]), [(), ()], id="0d"),
    OpCase("hstack", lambda t, a, b: t.hstack([a, b]), [(2, 3), (2, 1)]),
    OpCase("hstack", lambda t, a, b: t.hstack([a, b]), [(3,), ()], id="1d"),
    OpCase("vstack", lambda t, a, b: t.vstack([a, b]), [(3,), (2, 3)]),
    OpCase("dstack", lambda t, a, b: t.dstack([a, b]), [(2, 3), (2, 3, 2)]),
    OpCase("column_stack", lambda t, a, b, c: t.column_stack([a, b, c]), [(3,), (3, 2), (3,)]),
    # ---- splits (tuples of views)
    OpCase("split", lambda t, a: t.split(a, 2), [(5, 2)]),
    OpCase("split", lambda t, a: a.split([1, 3], dim=-1), [(2, 4)], id="sizes"),
    OpCase("split", lambda t, a: a.split(2, 1)[1], [(2, 5)], id="one_piece"),
    OpCase("chunk", lambda t, a: t.chunk(a, 3, 1), [(2, 7)]),
    OpCase("chunk", lambda t, a: a.chunk(4), [(6, 2)], id="fewer"),
    OpCase("tensor_split", lambda t, a: t.tensor_split(a, 3), [(7,)]),
    OpCase("tensor_split", lambda t, a: a.tensor_split([1, 4, 2], dim=1), [(2, 5)], id="indices"),
    OpCase("unbind", lambda t, a: t.unbind(a, 1), [(2, 3)]),
    OpCase("unbind", lambda t, a: sum(x * (i + 1) for i, x in enumerate(a.unbind())), [(3, 2)], id="accumulate"),
    OpCase("hsplit", lambda t, a: t.hsplit(a, 2), [(2, 4)]),
    OpCase("vsplit", lambda t, a: t.vsplit(a, [1]), [(3, 2)]),
    # ---- copies
    OpCase("flip", lambda t, a: t.flip(a, (0, 2)), [(2, 3, 2)]),
    OpCase("flip", lambda t, a: a.flip(-1), [(2, 3)], id="neg"),
    OpCase("fliplr", lambda t, a: t.fliplr(a), [(2, 3)]),
    OpCase("flipud", lambda t, a: t.flipud(a), [(3, 2)]),
    OpCase("roll", lambda t, a: t.roll(a, 1, 0), [(3, 2)]),
    OpCase("roll", lambda t, a: a.roll((1, -2), (1, 0)), [(3, 4)], id="tuple"),
    OpCase("roll", lambda t, a: a.roll(4), [(2, 3)], id="flat"),
    OpCase("rot90", lambda t, a: t.rot90(a), [(2, 3)]),
    OpCase("rot90", lambda t, a: a.rot90(3, (2, 0)), [(2, 3, 2)], id="k3"),
    OpCase("rot90", lambda t, a: a.rot90(2, [0, 1]), [(2, 3)], id="k2"),
    OpCase("rot90", lambda t, a: a.rot90(-4), [(2, 3)], id="k0"),
    OpCase("repeat", lambda t, a: a.repeat(2, 3), [(2, 2)]),
    OpCase("repeat", lambda t, a: a.repeat(2, 1, 2), [(3,)], id="lead"),
    OpCase("repeat", lambda t, a: a.repeat(0, 1), [(2, 2)], id="zero"),
    OpCase("tile", lambda t, a: t.tile(a, (2,)), [(2, 2)]),
    OpCase("tile", lambda t, a: a.tile((2, 1, 2)), [(3,)], id="lead"),
    OpCase("repeat_interleave", lambda t, a: t.repeat_interleave(a, 2), [(2, 2)]),
    OpCase("repeat_interleave", lambda t, a: a.repeat_interleave(3, dim=-1), [(2, 2)], id="dim"),
    OpCase("repeat_interleave", lambda t, a, r: a.repeat_interleave(r, dim=0),
           [(3, 2), Fixed(np.array([2, 0, 3]), grad=False)], id="tensor"),
    OpCase("repeat_interleave", lambda t, a, r: t.repeat_interleave(a, r, 1, output_size=4),
           [(2, 3), Fixed(np.array([1, 2, 1]), grad=False)], id="output_size"),
]
globals().update(make_tests(CASES))


# ----------------------------------------------------------------------------- semantics
def _r(*shape):
    return reograd.arange(int(np.prod(shape)), dtype=reograd.float64).reshape(shape)


def test_views_share_memory_and_version():
    base = _r(3, 4)
    for v in (base.reshape(12), base.view(4, 3), base.t(), base.permute(1, 0), base.unsqueeze(0),
              base.narrow(1, 1, 2), base.unfold(1, 2, 1), base.expand(2, 3, 4), base.split(2)[1], base.unbind()[2],
              base.chunk(2, 1)[1], base.flatten(), base.movedim(0, 1)):
        assert np.shares_memory(v.numpy(), base.numpy())
        before = v._version
        base.add_(1)
        assert v._version == before + 1
    v = base[0:1].squeeze(0) if hasattr(base, "__getitem__") else base.squeeze()
    assert v is not None


def test_view_modification_is_seen():
    x = reograd.zeros(2, 3)
    x.narrow(1, 0, 2).fill_(1.0) if hasattr(reograd.Tensor, "fill_") else x.narrow(1, 0, 2).mul_(0)
    if hasattr(reograd.Tensor, "fill_"):
        assert x.numpy().tolist() == [[1, 1, 0], [1, 1, 0]]
    a, b = x.split(1)
    b.mul_(0)
    assert np.all(x.numpy()[1] == 0)


def test_saved_view_then_modified_raises():
    x = reograd.randn(3, dtype=reograd.float64, requires_grad=True)
    y = x * 1
    parts = y.unbind()
    z = parts[1] * parts[1]
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace"):
        z.backward()


def test_reshape_copy_is_not_a_view():
    x = _r(2, 3)
    y = x.t().reshape(6)
    assert not np.shares_memory(y.numpy(), x.numpy())
    assert y.tolist() == [0, 3, 1, 4, 2, 5]


def test_view_errors():
    x = _r(2, 3)
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        x.t().view(6)
    with pytest.raises(RuntimeError, match="invalid for input of size 6"):
        x.view(4, -1)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        x.reshape(-1, -1)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.unsqueeze(3)
    with pytest.raises(RuntimeError, match="number of dimensions"):
        x.permute(1, 0, 2)
    with pytest.raises(RuntimeError, match="duplicate dims"):
        x.permute(1, 1)
    with pytest.raises(RuntimeError, match="expanded size"):
        x.expand(3, 3)
    with pytest.raises(RuntimeError, match="t\\(\\) expects"):
        _r(2, 2, 2).t()
    with pytest.raises(RuntimeError, match="start_dim cannot come after end_dim"):
        _r(2, 2, 2).flatten(2, 1)
    with pytest.raises(RuntimeError, match="don't multiply up"):
        x.unflatten(1, (2, 2))
    with pytest.raises(RuntimeError, match="exceeds dimension size"):
        x.narrow(1, 2, 2)
    with pytest.raises(RuntimeError, match="maximum size for tensor at dimension 1 is 3"):
        x.unfold(1, 4, 1)
    with pytest.raises(RuntimeError, match="step is 0"):
        x.unfold(1, 2, 0)
    with pytest.raises(RuntimeError, match="mT is only supported"):
        _r(3).mT


def test_join_errors():
    a, b = _r(2, 3), _r(2, 4)
    with pytest.raises(RuntimeError, match="Sizes of tensors must match except in dimension 0. Expected size 3 "
                                           "but got size 4 for tensor number 1"):
        reograd.cat([a, b])
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        reograd.cat([a, _r(2)])
    with pytest.raises(ValueError, match="non-empty"):
        reograd.cat([])
    with pytest.raises(RuntimeError, match="zero-dimensional tensor \\(at position 0\\)"):
        reograd.cat([reograd.tensor(1.0)])
    with pytest.raises(IndexError, match="Dimension out of range"):
        reograd.cat([a, a], 2)
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        reograd.stack([a, b])
    with pytest.raises(RuntimeError, match="stack expects a non-empty TensorList"):
        reograd.stack([])
    with pytest.raises(TypeError):
        reograd.cat(a)


def test_split_errors_and_shapes():
    x = _r(5, 2)
    with pytest.raises(RuntimeError, match="split_size can only be 0"):
        x.split(0)
    with pytest.raises(RuntimeError, match="sum exactly to 5"):
        x.split([2, 2])
    with pytest.raises(RuntimeError, match="at least a 1-dimensional"):
        reograd.tensor(1.0).split(1)
    with pytest.raises(RuntimeError, match="greater than 0"):
        x.chunk(0)
    with pytest.raises(RuntimeError, match="number of sections must be larger than 0"):
        x.tensor_split(0)
    assert [tuple(p.shape) for p in reograd.zeros(0, 2).chunk(3)] == [(0, 2)] * 3
    assert [tuple(p.shape) for p in reograd.zeros(0, 2).split(2)] == [(0, 2)]
    assert [tuple(p.shape) for p in x.tensor_split([1, 4, 2, 7])] == [(1, 2), (3, 2), (0, 2), (3, 2), (0, 2)]
    assert [tuple(p.shape) for p in x.tensor_split(reograd.tensor(3))] == [(2, 2), (2, 2), (1, 2)]
    assert reograd.zeros(0, 3).unbind() == ()
    assert [tuple(p.shape) for p in x] == [(2,)] * 5


@pytest.mark.skipif(torch is None, reason="torch is not installed")
def test_cat_dtype_promotion_and_legacy_empty():
    cases = [([np.zeros(0, np.float32), np.ones((2, 3), np.int32), np.ones((1, 3), np.float64)], 0),
             ([np.ones((2, 3), np.int64), np.ones((2, 1), np.bool_)], 1),
             ([np.ones((2,), np.uint8), np.ones((1,), np.int8)], 0),
             ([np.zeros(0, np.float64), np.zeros(0, np.float64)], 0)]
    for arrays, dim in cases:
        r = reograd.cat([reograd.tensor(a) for a in arrays], dim)
        t = torch.cat([torch.tensor(a) for a in arrays], dim)
        assert tuple(r.shape) == tuple(t.shape)
        assert str(r.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_array_equal(r.numpy(), t.numpy())


@pytest.mark.skipif(torch is None, reason="torch is not installed")
def test_misc_parity():
    a = np.arange(24.0).reshape(2, 3, 4)
    checks = [
        lambda t, x: t.broadcast_shapes((3, 1), (1, 4), (2, 1, 1)),
        lambda t, x: t.broadcast_shapes(5, (1,)),
        lambda t, x: x.unfold(0, 1, 1).shape,
        lambda t, x: t.rot90(x, 1, (1, 2)),
        lambda t, x: t.vstack([x[0, 0], x[1, 1]]),
        lambda t, x: t.dstack([x[0, 0], x[1, 1]]),
        lambda t, x: t.dsplit(x, 2),
        lambda t, x: t.repeat_interleave(t.tensor([2, 0, 1])),
        lambda t, x: t.repeat_interleave(x[0], t.tensor([2])),
        lambda t, x: x.repeat_interleave(2),
        lambda t, x: x.swapaxes(0, 2),
        lambda t, x: x.mT.shape,
        lambda t, x: t.atleast_3d(x[0, 0]).shape,
        lambda t, x: x.roll(-5),
        lambda t, x: t.movedim(x, (0, 2), (1, 0)),
        lambda t, x: x.chunk(2, 2),
        lambda t, x: t.flip(x, []),
        lambda t, x: x.tile((2,)),
    ]
    for i, f in enumerate(checks):
        r, tt = f(reograd, reograd.tensor(a)), f(torch, torch.tensor(a))
        rs = r if isinstance(r, tuple) and not isinstance(r, reograd.Size) else (r,)
        ts = tt if isinstance(tt, tuple) and not isinstance(tt, torch.Size) else (tt,)
        assert len(rs) == len(ts), i
        for x, y in zip(rs, ts):
            if hasattr(y, "numpy"):
                np.testing.assert_array_equal(x.numpy(), y.numpy(), err_msg=str(i))
                assert str(x.dtype).split(".")[-1] == str(y.dtype).split(".")[-1]
            else:
                assert tuple(x) == tuple(y), i


def test_inplace_view_ops():
    x = _r(2, 1, 3)
    assert x.squeeze_() is x and tuple(x.shape) == (2, 3)
    x.unsqueeze_(0)
    assert tuple(x.shape) == (1, 2, 3)
    x.transpose_(0, 2)
    assert tuple(x.shape) == (3, 2, 1)
    y = _r(2, 3)
    y.t_()
    assert y.tolist() == [[0, 3], [1, 4], [2, 5]]
    w = reograd.ones(2, 3, requires_grad=True)
    z = w * 2
    z.t_()
    z.sum().backward()
    assert tuple(w.grad.shape) == (2, 3) and np.all(w.grad.numpy() == 2)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w.unsqueeze_(0)


def test_expanded_tensor_refuses_inplace_write():
    x = reograd.ones(1, 3).expand(2, 3)
    with pytest.raises(RuntimeError):
        x.mul_(2)


def test_split_grad_accumulates_with_unused_pieces():
    x = reograd.randn(6, 2, dtype=reograd.float64, requires_grad=True)
    a, b, c = x.split(2)
    (b * 3).sum().backward()
    g = x.grad.numpy()
    assert np.all(g[2:4] == 3) and np.all(g[:2] == 0) and np.all(g[4:] == 0)


def test_repeat_interleave_errors():
    x = _r(3)
    with pytest.raises(RuntimeError, match="same size as input"):
        x.repeat_interleave(reograd.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="can not be negative"):
        x.repeat_interleave(-1)
    with pytest.raises(RuntimeError, match="allocated size"):
        x.repeat_interleave(2, output_size=5)
    with pytest.raises(RuntimeError, match="Number of dimensions of repeat dims"):
        _r(2, 2).repeat(2)


def test_flip_roll_rot90_errors():
    x = _r(2, 3)
    with pytest.raises(RuntimeError, match="dims has duplicates"):
        x.flip(0, 0)
    with pytest.raises(RuntimeError, match="shifts and dimensions must align"):
        x.roll((1, 2), 0)
    with pytest.raises(RuntimeError, match="Input must be >= 2-d"):
        _r(3).fliplr()
    with pytest.raises(RuntimeError, match="rotation dims to be different"):
        x.rot90(1, (0, 0))
    with pytest.raises(RuntimeError, match="total rotation dims == 2"):
        x.rot90(1, (0,))
