"""Masked ops (``masked_fill``, ``masked_select``, ``masked_scatter``), ``nonzero``, ``take`` and ``put``."""
from __future__ import annotations

import numpy as np

from ...autograd.function import NativeFunction
from ...autograd.tensor import Tensor
from ..arguments import const, xp_of
from ..registry import register
from .getitem import Index, IndexPut, _Index, _IndexPutZeros
from .index_ops import _scalar_value


# ============================================================================ masked ops
def _mask(mask, op):
    if not isinstance(mask, Tensor):
        raise TypeError(f"{op}: mask must be a Tensor, got {type(mask).__name__}")
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"{op} only supports boolean masks, but got mask with dtype {mask.dtype}")
    return mask._data


class MaskedFill(NativeFunction):
    """out = where(mask, value, a) (broadcast);  d/da = g.masked_fill(mask, 0), d/dvalue = sum(g[mask])"""

    @staticmethod
    def forward(ctx, a, value, mask):
        ctx.mask, ctx.a_shape = mask, a.shape
        xp = xp_of(a)
        shape = np.broadcast_shapes(a.shape, mask.shape)
        out = xp.array(xp.broadcast_to(a, shape))
        out[xp.broadcast_to(mask, shape)] = value
        return out

    @staticmethod
    def backward(ctx, g):
        na, nv = ctx.needs_input_grad[:2]
        ga = MaskedFill.apply(g, 0, ctx.mask) if na else None
        gv = MaskedFill.apply(g, 0, ~ctx.mask).sum() if nv else None
        return ga, gv, None

    @staticmethod
    def jvp(ctx, ta, tv, _m):
        if ta is None:
            ta = const(xp_of(None).zeros(ctx.a_shape, dtype=tv._data.dtype))
        return MaskedFill.apply(ta, 0 if tv is None else tv, ctx.mask)


def masked_fill(input, mask, value):
    """out = input where ``mask`` is False, ``value`` (a number or 0-d tensor) where True (broadcast)."""
    m = _mask(mask, "masked_fill_")
    value = _scalar_value(value, input, "masked_fill_")
    try:
        np.broadcast_shapes(input._data.shape, m.shape)
    except ValueError:
        raise RuntimeError(f"masked_fill: the mask of shape {list(mask.shape)} can't be broadcast to the input of "
                           f"shape {list(input.shape)}") from None
    return MaskedFill.apply(input, value, m)


def masked_select(input, mask, *, out=None):
    """The elements of ``input`` where ``mask`` is True (both broadcast), as a 1-D tensor."""
    m = _mask(mask, "masked_select")
    try:
        shape = np.broadcast_shapes(input._data.shape, m.shape)
    except ValueError:
        raise RuntimeError(f"masked_select: shapes {list(input.shape)} (input) and {list(mask.shape)} (mask) can't be "
                           "broadcast together") from None
    x = input if tuple(input._data.shape) == shape else input.expand(shape)
    mb = np.broadcast_to(m, shape)
    if len(shape) == 0:
        x, mb = x.reshape(1), mb.reshape(1)
    return Index.apply(x, _Index(None, (mb,), True))


class MaskedScatter(NativeFunction):
    """out[mask] = source.flatten()[:mask.sum()];  d/da = g.masked_fill(mask, 0), d/dsource = g[mask] padded"""

    @staticmethod
    def forward(ctx, a, src, mask):
        xp = xp_of(a)
        shape = np.broadcast_shapes(a.shape, mask.shape)
        mb = xp.broadcast_to(mask, shape)
        n = int(mb.sum())
        ctx.mask, ctx.a_shape, ctx.src_shape, ctx.n = mb, a.shape, src.shape, n
        out = xp.array(xp.broadcast_to(a, shape))
        out[mb] = src.reshape(-1)[:n]
        return out

    @staticmethod
    def backward(ctx, g):
        na, ns = ctx.needs_input_grad[:2]
        ga = MaskedFill.apply(g, 0, ctx.mask) if na else None
        gs = None
        if ns:
            sel = Index.apply(g if g.ndim else g.reshape(1), _Index(None, (ctx.mask.reshape(-1) if g.ndim == 0
                                                                            else ctx.mask,), True))
            total = int(np.prod(ctx.src_shape))
            gs = _IndexPutZeros.apply(sel, (total,), _Index((slice(0, ctx.n),), None)).reshape(ctx.src_shape)
        return ga, gs, None

    @staticmethod
    def jvp(ctx, ta, ts, _m):
        if ta is None:
            ta = const(xp_of(None).zeros(ctx.a_shape, dtype=ts._data.dtype))
        if ts is None:
            ts = const(xp_of(None).zeros(ctx.src_shape, dtype=ta._data.dtype))
        return MaskedScatter.apply(ta, ts, ctx.mask)


def masked_scatter(input, mask, source):
    """Copy ``source``'s elements, in order, into ``input`` where ``mask`` is True (mask broadcast)."""
    m = _mask(mask, "masked_scatter_")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got {input.dtype} and "
                           f"{source.dtype}")
    try:
        shape = np.broadcast_shapes(input._data.shape, m.shape)
    except ValueError:
        raise RuntimeError(f"masked_scatter: the mask of shape {list(mask.shape)} can't be broadcast to the input of "
                           f"shape {list(input.shape)}") from None
    n = int(np.broadcast_to(m, shape).sum())
    if source._data.size < n:
        raise RuntimeError(f"masked_scatter: expected source to have at least {n} elements (the number of True "
                           f"values in the mask), got {source._data.size}")
    return MaskedScatter.apply(input, source, m)


# ============================================================================ nonzero / take / put
def nonzero(input, *, out=None, as_tuple=False):
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or with ``as_tuple`` one 1-D tensor per dim.

    ``nonzero(x, as_tuple=True)`` is ``where(x)``; ``x[x.nonzero(as_tuple=True)]`` selects them.
    """
    a = input._data
    xp = xp_of(a)
    if as_tuple:
        return tuple(const(i.astype(np.int64)) for i in xp.nonzero(a.reshape(1) if a.ndim == 0 else a))
    if a.ndim == 0:
        return const(xp.zeros((1 if bool(a) else 0, 0), dtype=np.int64))
    return const(xp.argwhere(a).astype(np.int64, copy=False))


def argwhere(input):
    """Indices of the non-zero elements as an (n, ndim) int64 tensor (same as ``nonzero``)."""
    return nonzero(input)


def _flat_index(input, index, op):
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): index must be a Tensor, got {type(index).__name__}")
    idx = index._data
    if idx.dtype != np.int64:
        raise RuntimeError(f"{op}(): Expected a long tensor for index, but got {index.dtype}")
    n = input._data.size
    if idx.size:
        bad = (idx >= n) | (idx < -n)
        if bool(bad.any()):
            raise IndexError(f"out of range: tried to access index {int(idx[bad].reshape(-1)[0])} on a tensor of {n} "
                             "elements.")
    return idx


def take(input, index):
    """``input.flatten()[index]``: elements at flat positions ``index`` (negative counts from the end)."""
    idx = _flat_index(input, index, "take")
    return Index.apply(input.reshape(-1), _Index(None, (idx,)))


def put(input, index, source, accumulate=False):
    """A copy of ``input`` with ``out.flatten()[index] = source.flatten()`` (``+=`` with ``accumulate``)."""
    idx = _flat_index(input, index, "put")
    if not isinstance(source, Tensor) or source._data.dtype != input._data.dtype:
        raise RuntimeError("put(): self and source expected to have the same dtype")
    if source._data.size != idx.size:
        raise RuntimeError(f"put(): Expected source and index to have the same number of elements, but got source "
                           f"of {source._data.size} elements and index of {idx.size}")
    flat = IndexPut.apply(input.reshape(-1), source.reshape(-1), _Index(None, (idx.reshape(-1),)), bool(accumulate))
    return flat.reshape(input._data.shape)

register(masked_fill, masked_scatter, put, inplace=True)
register(masked_select, nonzero, argwhere, take)
