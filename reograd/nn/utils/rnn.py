"""Variable-length sequence batches (``torch.nn.utils.rnn``): ``PackedSequence`` and the pack/pad functions.

A batch of sequences of lengths l_1 >= l_2 >= ... (sorted, longest first) is *packed* time step by
time step: the rows of step t are the t-th elements of the ``batch_sizes[t]`` sequences still
running, so no padding is stored and a recurrent layer only computes what is there. With
``enforce_sorted=False`` the batch is sorted first and ``sorted_indices`` / ``unsorted_indices``
remember the permutation; everything handed back (padded outputs, final states) is in the
caller's original order.

Every function is differentiable in the sequence values: packing and padding are one gather
(``index_select``) each, whose gradient scatters back.
"""
from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable

import numpy as np

from ... import backend
from ...autograd.tensor import Tensor
from ...ops.creation.factories import full, tensor
from ...ops.indexing.index_ops import index_select
from ...ops.shape.joins import cat

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]


def _long(a):
    return tensor(np.asarray(a, dtype=np.int64))


def _ints(t):
    """A host int64 array from a Tensor, a NumPy array or a list of ints."""
    if isinstance(t, Tensor):
        return np.asarray(t.detach().cpu().numpy()).astype(np.int64, copy=False)
    return np.asarray(t, dtype=np.int64)


_Fields = namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


class PackedSequence(_Fields):
    """The packed rows of a batch of variable-length sequences (a named tuple, as PyTorch's).

    Fields:
        data: ``(sum of lengths, *)``, the rows of time step 0 for every sequence, then step 1 ...
        batch_sizes: int64 tensor ``(max length,)``; ``batch_sizes[t]`` sequences have a step t.
        sorted_indices: int64 ``(N,)``, the original index of the k-th longest sequence (or None
            when the batch came sorted); unsorted_indices its inverse.

    Make one with :func:`pack_padded_sequence` or :func:`pack_sequence`; a recurrent layer takes it
    and gives one back. ``PackedSequence(data, batch_sizes)`` or ``PackedSequence((data, batch_sizes))``.
    """

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise TypeError("PackedSequence: give (data, batch_sizes), or one pair (data, batch_sizes) as data; "
                                "make packed sequences with pack_padded_sequence or pack_sequence")
            data, batch_sizes = data
        if not isinstance(batch_sizes, Tensor):
            batch_sizes = _long(batch_sizes)
        if batch_sizes.device.type != "cpu":
            raise ValueError("PackedSequence: batch_sizes should always be on CPU (make packed sequences with "
                             "pack_padded_sequence or pack_sequence)")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """The same packed sequence with ``data.to(*args, **kwargs)`` (indices follow to its device)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        move = (lambda t: None if t is None else t.to(data.device))
        return type(self)(data, self.batch_sizes, move(self.sorted_indices), move(self.unsorted_indices))

    def cpu(self):
        """``to("cpu")``."""
        return self.to("cpu")

    def cuda(self, device=None):
        """``to("cuda")`` (or the given CUDA device)."""
        return self.to("cuda" if device is None else device)

    def double(self):
        """``data`` cast to float64."""
        return self.to(dtype=backend.float64)

    def float(self):
        """``data`` cast to float32."""
        return self.to(dtype=backend.float32)

    def half(self):
        """``data`` cast to float16."""
        return self.to(dtype=backend.float16)

    def long(self):
        """``data`` cast to int64."""
        return self.to(dtype=backend.int64)

    def int(self):
        """``data`` cast to int32."""
        return self.to(dtype=backend.int32)

    def short(self):
        """``data`` cast to int16."""
        return self.to(dtype=backend.int16)

    def char(self):
        """``data`` cast to int8."""
        return self.to(dtype=backend.int8)

    def byte(self):
        """``data`` cast to uint8."""
        return self.to(dtype=backend.uint8)

    @property
    def is_cuda(self):
        """True if ``data`` is on a CUDA device."""
        return self.data.is_cuda

    def is_pinned(self):
        """Whether ``data`` is in pinned memory (never, on NumPy)."""
        return self.data.is_pinned()

    def pin_memory(self):
        """The packed sequence itself (host memory is not pinned here)."""
        return self


def invert_permutation(permutation):
    """The inverse of a permutation of 0..n-1 (None stays None): ``out[permutation[i]] = i``."""
    if permutation is None:
        return None
    p = _ints(permutation)
    inv = np.empty_like(p)
    inv[p] = np.arange(p.size, dtype=np.int64)
    return _long(inv)


def _check_lengths(lengths, batch, seq_len, enforce_sorted):
    """Lengths as an int64 array, checked as PyTorch does (plus lengths beyond the padded length)."""
    if isinstance(lengths, Tensor) and lengths.dim() != 1:
        raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got {lengths.dim()}D tensor "
                           f"of shape {tuple(lengths.shape)}")
    lens = _ints(lengths).reshape(-1)
    if lens.size != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {lens.size} "
                           f"(batch_size={batch})")
    if (lens <= 0).any():
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           f"that is <= 0 (lengths {lens.tolist()})")
    if enforce_sorted and (np.diff(lens) > 0).any():
        raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You "
                           "can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep "
                           f"this requirement if you do not need ONNX exportability (lengths {lens.tolist()})")
    if lens.max() > seq_len:
        raise RuntimeError(f"pack_padded_sequence: a length of {int(lens.max())} is longer than the padded sequences "
                           f"(length {seq_len} along the time dimension)")
    return lens


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch ``(L, N, *)`` (``(N, L, *)`` if batch_first) of sequences of ``lengths``.

    Args:
        lengths: N lengths (list, int64 tensor), each in 1..L; non-increasing unless
            ``enforce_sorted=False``, which sorts the batch (longest first) and records the permutation.

    Returns a :class:`PackedSequence` whose ``data`` holds only the valid positions: step 0 of every
    sequence, then step 1 of those of length >= 2, and so on.

    >>> x = reograd.randn(4, 3, 2)                 # 3 sequences padded to length 4
    >>> p = pack_padded_sequence(x, [4, 2, 1])
    >>> p.batch_sizes
    tensor([3, 2, 1, 1])
    """
    if input.dim() < 2:
        raise ValueError(f"pack_padded_sequence: expected input of at least 2 dims ({'N, L' if batch_first else 'L, N'}"
                         f", *), got shape {tuple(input.shape)}")
    shape = tuple(input.shape)
    L, N = (shape[1], shape[0]) if batch_first else (shape[0], shape[1])
    if L == 0 or N == 0:
        raise RuntimeError(f"Cannot pack empty tensors (input shape {shape}).")
    lens = _check_lengths(lengths, N, L, enforce_sorted)
    order = None if enforce_sorted else np.argsort(-lens, kind="stable")
    perm = np.arange(N) if order is None else order
    slens = lens[perm]
    batch_sizes = (slens[None, :] > np.arange(int(slens[0]))[:, None]).sum(1)
    # row of (step t, k-th sequence) in input flattened over its two leading dims
    rows = np.concatenate([perm[:b] * L + t if batch_first else t * N + perm[:b] for t, b in enumerate(batch_sizes)])
    data = index_select(input.reshape((L * N,) + shape[2:]), 0, _long(rows))
    return PackedSequence(data, _long(batch_sizes), None if order is None else _long(order), None)


def _pad_rows(batch_sizes, length):
    """Where step t of the k-th (sorted) sequence sits in the packed rows, or -1 past its end: (length, N)."""
    bs = np.asarray(batch_sizes, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(bs)[:-1]])
    N = int(bs[0]) if bs.size else 0
    where = np.full((length, N), -1, dtype=np.int64)
    for t, (s, b) in enumerate(zip(starts, bs)):
        where[t, :b] = s + np.arange(b)
    return where


def _gather_padded(data, where, padding_value, batch_first):
    """Rows ``data[where]`` with -1 meaning padding: one gather from data with a padding row appended."""
    rest = tuple(data.shape[1:])
    pad = full((1,) + rest, padding_value, dtype=data.dtype, device=data.device)
    src = cat([data, pad])
    idx = np.where(where < 0, data.shape[0], where)
    if batch_first:
        idx = idx.T
    return index_select(src, 0, _long(idx.reshape(-1))).reshape(idx.shape + rest)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Inverse of :func:`pack_padded_sequence`: ``(padded, lengths)``, in the batch's original order.

    Args:
        total_length: pad to this length instead of the longest sequence's (e.g. to restore the
            padded length of a batch whose longest sequence was shorter); must be >= that.

    Returns padded ``(T, N, *)`` (``(N, T, *)`` if batch_first) with ``padding_value`` past each
    sequence's end, and the int64 lengths ``(N,)``.
    """
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"pad_packed_sequence: expected a PackedSequence, got {type(sequence).__name__}")
    bs = _ints(sequence.batch_sizes)
    length = int(bs.size)
    if total_length is not None:
        if total_length < length:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {length}")
        length = int(total_length)
    where = _pad_rows(bs, length)
    lengths = (where >= 0).sum(0)
    if sequence.unsorted_indices is not None:
        un = _ints(sequence.unsorted_indices)
        where, lengths = where[:, un], lengths[un]
    return _gather_padded(sequence.data, where, padding_value, batch_first), _long(lengths)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences ``(L_i, *)`` into one padded tensor ``(max L_i, N, *)`` (``(N, max L_i, *)`` if batch_first).

    ``padding_side``: "right" puts the padding after each sequence, "left" before it.

    >>> pad_sequence([reograd.ones(2), reograd.ones(3)], batch_first=True)
    tensor([[1., 1., 0.],
            [1., 1., 1.]])
    """
    if not isinstance(sequences, Iterable):
        raise RuntimeError(f"pad_sequence: Expected iterable for input sequences, but got arg of type: "
                           f"{type(sequences)}")
    seqs = list(sequences)
    if not seqs:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    for i, s in enumerate(seqs):
        if not isinstance(s, Tensor) or s.dim() == 0:
            raise RuntimeError(f"pad_sequence: every sequence must be a tensor of at least 1 dim (L, *), sequence {i}"
                               f" is {type(s).__name__ if not isinstance(s, Tensor) else 'a 0-d tensor'}")
        if tuple(s.shape[1:]) != tuple(seqs[0].shape[1:]):
            raise RuntimeError(f"pad_sequence: the sequences' trailing dims must match, but sequence 0 has shape "
                               f"{tuple(seqs[0].shape)} and sequence {i} has shape {tuple(s.shape)}")
    lens = np.array([s.shape[0] for s in seqs], dtype=np.int64)
    length = int(lens.max())
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    t = np.arange(length)[:, None]
    shift = 0 if padding_side == "right" else (length - lens)[None, :]
    pos = t - shift
    where = np.where((pos >= 0) & (pos < lens[None, :]), starts[None, :] + pos, -1)
    return _gather_padded(cat(seqs), where, padding_value, batch_first)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded batch back into its sequences: a list of ``(lengths[i], *)`` tensors (views).

    Unlike PyTorch's, this leaves ``padded_sequences`` untouched (PyTorch transposes it in place).
    """
    lens = _ints(lengths).reshape(-1)
    batch = padded_sequences.shape[0 if batch_first else 1]
    if lens.size != batch:
        raise RuntimeError(f"unpad_sequence: {lens.size} lengths for a batch of {batch} sequences (padded shape "
                           f"{tuple(padded_sequences.shape)}, batch_first={batch_first})")
    return [padded_sequences[i, :int(n)] if batch_first else padded_sequences[:int(n), i] for i, n in enumerate(lens)]


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of sequences ``(L_i, *)`` (longest first unless ``enforce_sorted=False``).

    The same as ``pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=...)``.
    """
    lengths = [s.size(0) for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences a :class:`PackedSequence` holds, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
