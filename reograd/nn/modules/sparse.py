"""Lookup tables: ``Embedding`` (and the ``embedding`` op behind ``F.embedding``), ``EmbeddingBag``.

The op ``embedding(input, weight)`` gathers rows ``weight[input]``; its gradient scatter-adds the
output gradient back into the rows (rows at ``padding_idx`` get none; ``scale_grad_by_freq``
divides by how often each index occurs in the batch). Gather and scatter are each other's
adjoints, so double backward and forward mode come out of the same two ops.
"""
from __future__ import annotations

import numpy as np

from ... import backend
from ...autograd.function import NativeFunction
from ...autograd.grad_mode import no_grad
from ...autograd.tensor import Tensor
from ...ops.creation.factories import empty
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["Embedding", "EmbeddingBag", "embedding", "embedding_bag"]


def _row_scale(idx, num, padding_idx, scale_grad_by_freq, dtype):
    """Per-position factor of the gradient: 0 at padding, 1/count with scale_grad_by_freq, else None."""
    if padding_idx is None and not scale_grad_by_freq:
        return None
    xp = backend.get_array_module(idx)
    s = xp.ones(idx.shape, dtype=dtype)
    if scale_grad_by_freq:
        counts = xp.bincount(idx.ravel(), minlength=num)
        s = s / counts[idx]
    if padding_idx is not None:
        s = xp.where(idx == padding_idx, 0, s).astype(dtype)
    return s


class _Gather(NativeFunction):
    """out[..., :] = w[idx[...], :] (times a per-position factor, for the adjoint of _Scatter)."""

    node_name = "EmbeddingBackward0"
    linear = True

    @staticmethod
    def forward(ctx, w, idx, padding_idx=None, scale_grad_by_freq=False, masked=False):
        ctx.idx, ctx.num = idx, w.shape[0]
        ctx.pad, ctx.freq, ctx.masked = padding_idx, scale_grad_by_freq, masked
        out = w[idx]
        if masked:
            s = _row_scale(idx, w.shape[0], padding_idx, scale_grad_by_freq, w.dtype)
            if s is not None:
                out = out * s[..., None]
        return out

    @staticmethod
    def backward(ctx, g):
        return _Scatter.apply(g, ctx.idx, ctx.num, ctx.pad, ctx.freq), None, None, None, None


class _Scatter(NativeFunction):
    """gw = zeros(num, D); gw[idx[...]] += g[...] * factor (the embedding gradient)."""

    node_name = "EmbeddingDenseBackward0"
    linear = True

    @staticmethod
    def forward(ctx, g, idx, num, padding_idx=None, scale_grad_by_freq=False):
        ctx.idx, ctx.num, ctx.pad, ctx.freq = idx, num, padding_idx, scale_grad_by_freq
        xp = backend.get_array_module(g)
        d = g.shape[-1]
        g2 = g.reshape(-1, d)
        s = _row_scale(idx, num, padding_idx, scale_grad_by_freq, g.dtype)
        if s is not None:
            g2 = g2 * s.reshape(-1, 1)
        out = xp.zeros((num, d), dtype=g.dtype)
        flat = idx.ravel()
        if xp is np:
            np.add.at(out, flat, g2)
        else:  # CuPy
            xp.add.at(out, flat, g2)
        return out

    @staticmethod
    def backward(ctx, gw):
        return _Gather.apply(gw, ctx.idx, ctx.pad, ctx.freq, True), None, None, None, None


def _embedding_renorm_(weight, idx, max_norm, norm_type):
    """Rescale in place the rows of ``weight`` used by ``idx`` whose ``norm_type``-norm exceeds ``max_norm``."""
    xp = backend.get_array_module(weight._data)
    rows = xp.unique(idx._data.ravel())
    w = weight._data
    sub = w[rows]
    norms = xp.linalg.norm(sub, ord=norm_type, axis=1) if norm_type != float("inf") else xp.abs(sub).max(1)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(w.dtype)
    w[rows] = sub * scale[:, None]
    weight._bump_version()
    return weight


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Look up rows of ``weight``: ``out[..., :] = weight[input[...], :]`` (``torch.nn.functional.embedding``).

    Args:
        input: integer tensor of indices, any shape ``(*)``.
        weight: ``(num_embeddings, embedding_dim)``.
        padding_idx: the row at this index gets no gradient.
        max_norm: rows looked up with a larger ``norm_type``-norm are renormalised in place first.
        scale_grad_by_freq: divide each row's gradient by the index's frequency in the batch.
        sparse: accepted for compatibility; gradients are dense.

    Returns: ``(*, embedding_dim)``.
    """
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError("embedding(): expected Tensors for input and weight")
    if input._data.dtype.kind not in "iu":
        raise RuntimeError("embedding: expected indices of an integer dtype (Long or Int), but got "
                           f"{input.dtype} (input shape {tuple(input.shape)})")
    if weight.dim() != 2:
        raise RuntimeError(f"embedding: weight must be 2-D, got shape {tuple(weight.shape)}")
    num = weight.shape[0]
    idx = input._data
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= num):
        bad = int(idx.min()) if int(idx.min()) < 0 else int(idx.max())
        raise IndexError(f"embedding: index {bad} is out of range for an embedding of {num} rows (index out of range "
                         f"in self; indices of shape {list(input.shape)}, weight of shape {list(weight.shape)})")
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < num, "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -num, "Padding_idx must be within num_embeddings"
            padding_idx = num + padding_idx
    if max_norm is not None:
        with no_grad():
            _embedding_renorm_(weight, input, max_norm, norm_type)
    return _Gather.apply(weight, idx, padding_idx, bool(scale_grad_by_freq), False)


class Embedding(Module):
    r"""A lookup table of ``num_embeddings`` vectors of size ``embedding_dim``: maps indices to rows.

    Args:
        num_embeddings: size of the dictionary. embedding_dim: size of each vector.
        padding_idx: this row is initialised to zeros and gets no gradient.
        max_norm: renormalise looked-up rows to this ``norm_type``-norm at most.
        norm_type: Default 2. scale_grad_by_freq: see ``embedding``. sparse: ignored (dense grads).

    Attributes:
        weight: ``(num_embeddings, embedding_dim)``, initialised from N(0, 1).

    Shape: ``(*)`` integer -> ``(*, embedding_dim)``.
    """

    __constants__ = ["num_embeddings", "embedding_dim", "padding_idx", "max_norm", "norm_type",
                     "scale_grad_by_freq", "sparse"]

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False, device=None, dtype=None):
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        if padding_idx is not None:
            if padding_idx > 0:
                assert padding_idx < self.num_embeddings, "Padding_idx must be within num_embeddings"
            elif padding_idx < 0:
                assert padding_idx >= -self.num_embeddings, "Padding_idx must be within num_embeddings"
                padding_idx = self.num_embeddings + padding_idx
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        if _weight is None:
            self.weight = Parameter(empty((num_embeddings, embedding_dim), device=device, dtype=dtype),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            assert list(_weight.shape) == [num_embeddings, embedding_dim], \
                "Shape of weight does not match num_embeddings and embedding_dim"
            self.weight = Parameter(_weight, requires_grad=not _freeze)
        self.sparse = sparse

    def reset_parameters(self):
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self):
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0
            self.weight._bump_version()

    def forward(self, input):
        return embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                         self.scale_grad_by_freq, self.sparse)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse is not False:
            s += ", sparse=True"
        return s

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, sparse=False):
        """An Embedding whose weight is ``embeddings`` (2-D; frozen unless ``freeze=False``)."""
        assert embeddings.dim() == 2, "Embeddings parameter is expected to be 2-dimensional"
        rows, cols = embeddings.shape
        return cls(num_embeddings=rows, embedding_dim=cols, _weight=embeddings, _freeze=freeze,
                   padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
                   scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Sums/means/maxes of bags of embeddings (``torch.nn.functional.embedding_bag``).

    ``input`` 2-D ``(B, L)``: each row is a bag (``offsets`` must be None). ``input`` 1-D with
    ``offsets``: bag ``i`` is ``input[offsets[i]:offsets[i+1]]``. Returns ``(B, embedding_dim)``.
    """
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max, got {mode!r}")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError("embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}')")
    xp = backend.get_array_module(input._data)
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             "fixed length sequences.")
        b, length = input.shape
        flat = input.reshape(-1)
        bag = xp.repeat(xp.arange(b), length)
        nb = b
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        off = offsets._data.astype(np.int64)
        n = input.shape[0]
        if include_last_offset:
            off = off[:-1]
        nb = off.shape[0]
        bag = xp.searchsorted(off, xp.arange(n), side="right") - 1  # the bag of each position
        flat = input
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    rows = embedding(flat, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq)
    keep = bag >= 0
    if padding_idx is not None:
        keep &= flat._data != (padding_idx % weight.shape[0])
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1, 1)
    dt = weight._data.dtype
    member = xp.zeros((nb, flat.shape[0]), dtype=dt)   # bag-membership matrix: one GEMM does all sums
    member[bag[keep], xp.arange(flat.shape[0])[keep]] = 1
    if mode == "max":
        neg = Tensor._make(xp.where(member[:, :, None] > 0, 0, -xp.inf).astype(dt))
        out = (rows.unsqueeze(0) + neg).amax(1)
        return out.where(Tensor._make(member.sum(1, keepdims=True) > 0), Tensor._make(xp.zeros((), dt)))
    out = Tensor._make(member).matmul(rows)
    if mode == "mean":
        cnt = member.sum(1, keepdims=True)
        out = out / Tensor._make(xp.maximum(cnt, 1))
    return out


class EmbeddingBag(Module):
    """Sums, means or maxes of bags of embeddings, without materialising the per-index embeddings
    as a separate step in user code.

    Args: as ``Embedding``, plus ``mode`` ('mean' default, 'sum', 'max'), ``include_last_offset``.
    Forward: ``(input, offsets=None, per_sample_weights=None)``.
    """

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                 mode="mean", sparse=False, _weight=None, include_last_offset=False, padding_idx=None, device=None,
                 dtype=None):
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        if padding_idx is not None and padding_idx < 0:
            padding_idx = num_embeddings + padding_idx
        self.padding_idx = padding_idx
        if _weight is None:
            self.weight = Parameter(empty((num_embeddings, embedding_dim), device=device, dtype=dtype))
            self.reset_parameters()
        else:
            self.weight = Parameter(_weight)
        self.mode = mode
        self.sparse = sparse
        self.include_last_offset = include_last_offset

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    def forward(self, input, offsets=None, per_sample_weights=None):
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type, self.scale_grad_by_freq,
                             self.mode, self.sparse, per_sample_weights, self.include_last_offset, self.padding_idx)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        s += f", mode='{self.mode}'"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                        mode="mean", sparse=False, include_last_offset=False, padding_idx=None):
        assert embeddings.dim() == 2, "Embeddings parameter is expected to be 2-dimensional"
        rows, cols = embeddings.shape
        bag = cls(rows, cols, max_norm=max_norm, norm_type=norm_type, scale_grad_by_freq=scale_grad_by_freq,
                  mode=mode, sparse=sparse, _weight=embeddings, include_last_offset=include_last_offset,
                  padding_idx=padding_idx)
        bag.weight.requires_grad = not freeze
        return bag
