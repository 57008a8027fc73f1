"""nn.utils.rnn: PackedSequence and the pack/pad functions against PyTorch (values, batch sizes,
permutations, gradients), their errors, and the properties: packing then unpacking is the identity
on the valid positions, and a packed run of a recurrent layer equals running each sequence alone."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reograd
import reograd.nn as nn
from reograd.nn.utils.rnn import (PackedSequence, invert_permutation, pack_padded_sequence, pack_sequence,
                                  pad_packed_sequence, pad_sequence, unpack_sequence, unpad_sequence)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _np(t):
    return t.detach().numpy()


@pytest.mark.parity
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,enforce", [([5, 3, 3, 1], True), ([2, 5, 1, 4], False), ([1], True),
                                             ([3, 3, 3], False)])
def test_pack_and_pad_match_torch(torch, batch_first, lengths, enforce):
    rng = np.random.default_rng(0)
    L, N = 6, len(lengths)
    x = rng.standard_normal((N, L, 2) if batch_first else (L, N, 2))
    ours, theirs = reograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    po = pack_padded_sequence(ours, lengths, batch_first=batch_first, enforce_sorted=enforce)
    pt = torch.nn.utils.rnn.pack_padded_sequence(theirs, lengths, batch_first=batch_first, enforce_sorted=enforce)
    np.testing.assert_array_equal(_np(po.data), pt.data.detach().numpy())
    assert po.batch_sizes.tolist() == pt.batch_sizes.tolist() and po.batch_sizes.dtype == reograd.int64
    for a, b in ((po.sorted_indices, pt.sorted_indices), (po.unsorted_indices, pt.unsorted_indices)):
        assert (a is None) == (b is None) and (a is None or a.tolist() == b.tolist())
    for total in (None, 8):
        ao, lo = pad_packed_sequence(po, batch_first=batch_first, padding_value=-2.5, total_length=total)
        at, lt = torch.nn.utils.rnn.pad_packed_sequence(pt, batch_first=batch_first, padding_value=-2.5,
                                                        total_length=total)
        np.testing.assert_array_equal(_np(ao), at.detach().numpy())
        assert lo.tolist() == lt.tolist() and lo.dtype == reograd.int64
    w = rng.standard_normal(tuple(ao.shape))  # gradient through pack and pad back to the padded input
    (ao * reograd.tensor(w)).sum().backward()
    (at * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


@pytest.mark.parity
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_matches_torch(torch, batch_first, side):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((n, 3, 2)) for n in (2, 5, 0, 3)]
    ours = [reograd.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    po = pad_sequence(ours, batch_first=batch_first, padding_value=7.0, padding_side=side)
    pt = torch.nn.utils.rnn.pad_sequence(theirs, batch_first=batch_first, padding_value=7.0, padding_side=side)
    np.testing.assert_array_equal(_np(po), pt.detach().numpy())
    w = rng.standard_normal(tuple(po.shape))
    (po * reograd.tensor(w)).sum().backward()
    (pt * torch.tensor(w)).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


@pytest.mark.parity
@pytest.mark.parametrize("enforce", [True, False])
def test_pack_unpack_sequence_and_unpad_match_torch(torch, enforce):
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((n, 2)) for n in ((4, 3, 1) if enforce else (1, 4, 2, 4))]
    po = pack_sequence([reograd.tensor(a) for a in arrays], enforce_sorted=enforce)
    pt = torch.nn.utils.rnn.pack_sequence([torch.tensor(a) for a in arrays], enforce_sorted=enforce)
    np.testing.assert_array_equal(_np(po.data), pt.data.numpy())
    assert po.batch_sizes.tolist() == pt.batch_sizes.tolist()
    for a, b in zip(unpack_sequence(po), torch.nn.utils.rnn.unpack_sequence(pt)):
        np.testing.assert_array_equal(_np(a), b.numpy())
    padded = rng.standard_normal((5, 3, 2))
    lens = [5, 2, 3]
    for batch_first in (False, True):
        src = padded.transpose(1, 0, 2) if batch_first else padded
        ours = unpad_sequence(reograd.tensor(src), reograd.tensor(lens), batch_first=batch_first)
        theirs = torch.nn.utils.rnn.unpad_sequence(torch.tensor(src.copy()), torch.tensor(lens),
                                                   batch_first=batch_first)
        for a, b in zip(ours, theirs):
            np.testing.assert_array_equal(_np(a), b.numpy())


def test_packed_sequence_is_a_named_tuple_with_pytorch_methods():
    p = pack_sequence([reograd.ones(3, 2), reograd.ones(1, 2)])
    data, batch_sizes, sorted_indices, unsorted_indices = p
    assert p._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices") and len(p) == 4
    assert sorted_indices is None and unsorted_indices is None and batch_sizes.tolist() == [2, 1, 1]
    d = p.double()
    assert isinstance(d, PackedSequence) and d.data.dtype == reograd.float64 and d.batch_sizes is p.batch_sizes
    assert p.float() is p and p.to(reograd.float32) is p and p.cpu() is p
    assert p.long().data.dtype == reograd.int64 and not p.is_cuda and not p.is_pinned()
    q = PackedSequence((p.data, p.batch_sizes))
    assert q.batch_sizes is p.batch_sizes and q.sorted_indices is None
    r = PackedSequence(p.data, [2, 1, 1], reograd.tensor([1, 0]))
    assert r.unsorted_indices.tolist() == [1, 0] and r.batch_sizes.dtype == reograd.int64
    assert invert_permutation(reograd.tensor([2, 0, 1])).tolist() == [1, 2, 0] and invert_permutation(None) is None


@pytest.mark.parametrize("call,exc,match", [
    (lambda: pack_padded_sequence(reograd.zeros(4, 3, 1), [4, 2, 3]), RuntimeError,
     "must be sorted in decreasing order when `enforce_sorted` is True"),
    (lambda: pack_padded_sequence(reograd.zeros(4, 3, 1), [4, 3, 0]), RuntimeError,
     "Length of all samples has to be greater than 0"),
    (lambda: pack_padded_sequence(reograd.zeros(4, 3, 1), [4, -1, 3], enforce_sorted=False), RuntimeError,
     "Length of all samples has to be greater than 0"),
    (lambda: pack_padded_sequence(reograd.zeros(4, 3, 1), [5, 3, 1]), RuntimeError,
     "a length of 5 is longer than the padded sequences"),
    (lambda: pack_padded_sequence(reograd.zeros(4, 3, 1), [4, 3]), RuntimeError,
     r"Expected `len\(lengths\)` to be equal to batch_size, but got 2 \(batch_size=3\)"),
    (lambda: pack_padded_sequence(reograd.zeros(4, 3, 1), reograd.tensor([[4, 3, 1]])), RuntimeError,
     "'lengths' argument should be a 1D"),
    (lambda: pack_padded_sequence(reograd.zeros(4), [4]), ValueError, "expected input of at least 2 dims"),
    (lambda: pack_padded_sequence(reograd.zeros(0, 2, 1), [1, 1]), RuntimeError, "Cannot pack empty tensors"),
    (lambda: pad_packed_sequence(pack_sequence([reograd.ones(4)]), total_length=3), ValueError,
     "Expected total_length to be at least the length of the longest sequence"),
    (lambda: pad_packed_sequence(reograd.ones(3)), TypeError, "expected a PackedSequence"),
    (lambda: pad_sequence([reograd.ones(2, 3), reograd.ones(4, 2)]), RuntimeError, "trailing dims must match"),
    (lambda: pad_sequence([reograd.ones(2)], padding_side="middle"), RuntimeError,
     "Expected padding_side to be one of left or right, but got middle."),
    (lambda: pad_sequence([]), RuntimeError, "received an empty list of sequences"),
    (lambda: pad_sequence(3), RuntimeError, "Expected iterable for input sequences"),
    (lambda: pad_sequence([reograd.tensor(1.0)]), RuntimeError, "at least 1 dim"),
    (lambda: pack_sequence([reograd.ones(2), reograd.ones(3)]), RuntimeError, "must be sorted in decreasing order"),
    (lambda: unpad_sequence(reograd.ones(3, 2), [3]), RuntimeError, "1 lengths for a batch of 2 sequences"),
    (lambda: PackedSequence(reograd.ones(3)), TypeError, "give \\(data, batch_sizes\\)"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_unpad_sequence_leaves_its_input_alone():
    padded = reograd.randn(4, 2, 3)
    before = padded.numpy().copy()
    parts = unpad_sequence(padded, [4, 2])
    assert padded.shape == (4, 2, 3) and np.array_equal(padded.numpy(), before)
    assert [tuple(p.shape) for p in parts] == [(4, 3), (2, 3)]


lengths_lists = st.lists(st.integers(1, 6), min_size=1, max_size=5)


@settings(max_examples=40, deadline=None)
@given(lengths=lengths_lists, batch_first=st.booleans(), feat=st.integers(1, 3))
def test_pack_then_pad_is_identity_on_valid_positions(lengths, batch_first, feat):
    rng = np.random.default_rng(len(lengths) * 10 + feat)
    L = max(lengths) + 1
    x = rng.standard_normal((len(lengths), L, feat))
    padded = reograd.tensor(x if batch_first else x.transpose(1, 0, 2))
    packed = pack_padded_sequence(padded, lengths, batch_first=batch_first, enforce_sorted=False)
    assert packed.data.shape[0] == sum(lengths)
    back, lens = pad_packed_sequence(packed, batch_first=True, total_length=L)
    assert lens.tolist() == lengths
    out = back.numpy()
    for i, n in enumerate(lengths):
        np.testing.assert_array_equal(out[i, :n], x[i, :n])
        assert not out[i, n:].any()  # padding_value 0 past the end
    for a, b in zip(unpack_sequence(packed), [x[i, :n] for i, n in enumerate(lengths)]):
        np.testing.assert_array_equal(a.numpy(), b)


@settings(max_examples=25, deadline=None)
@given(lengths=lengths_lists, kind=st.sampled_from(["RNN", "LSTM", "GRU"]), bidirectional=st.booleans())
def test_packed_run_equals_each_sequence_alone(lengths, kind, bidirectional):
    """Outputs and final states of a packed, unsorted batch are those of each sequence run by itself."""
    reograd.manual_seed(len(lengths))
    m = getattr(nn, kind)(2, 3, num_layers=2, bidirectional=bidirectional).double()
    rng = np.random.default_rng(sum(lengths))
    seqs = [reograd.tensor(rng.standard_normal((n, 2))) for n in lengths]
    out, hidden = m(pack_sequence(seqs, enforce_sorted=False))
    outs = unpack_sequence(out)
    hs = hidden if isinstance(hidden, tuple) else (hidden,)
    for i, s in enumerate(seqs):
        o1, h1 = m(s)  # unbatched
        np.testing.assert_allclose(outs[i].detach().numpy(), o1.detach().numpy(), rtol=1e-12, atol=1e-12)
        for h, ref in zip(hs, h1 if isinstance(h1, tuple) else (h1,)):
            np.testing.assert_allclose(h[:, i].detach().numpy(), ref.detach().numpy(), rtol=1e-12, atol=1e-12)
