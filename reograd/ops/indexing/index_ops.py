"""``index_select``, ``index_add``, ``index_copy``, ``index_fill``: ops along one dim at a vector of indices."""
from __future__ import annotations

import numpy as np

from ...autograd.function import NativeFunction
from ...autograd.tensor import Tensor, wrap_dim
from ..arguments import const, xp_of
from ..registry import register
from .getitem import _INT_KINDS


# ============================================================================ index_select / add / copy / fill
def wrap_dim(dim, ndim, op):
    m = max(ndim, 1)
    dim = int(dim)
    if not -m <= dim < m:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of [{-m}, {m - 1}], but got {dim})")
    return dim % m


def _vector_index(index, op, size, dim, negative=False, long_only=None, oob_error=IndexError):
    """``index`` as an int64 vector, checked as PyTorch: int32 or int64 (only int64, raising ``long_only``, for
    index_copy/index_fill), in [0, size) (in [-size, size) with ``negative``: index_fill only)."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): index must be a Tensor, got {type(index).__name__}")
    idx = index._data
    if idx.dtype.kind not in _INT_KINDS or idx.dtype.itemsize < 4 or (long_only and idx.dtype != np.int64):
        raise (long_only or RuntimeError)(f"{op}(): Expected dtype {'int64' if long_only else 'int32 or int64'} "
                                          f"for index (got {index.dtype})")
    if idx.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector (got index of shape {list(index.shape)})")
    idx = idx.reshape(-1)
    low = -size if negative else 0
    if idx.size and (bool((idx >= size).any()) or bool((idx < low).any())):
        v = int(idx[(idx >= size) | (idx < low)][0])
        raise oob_error(f"{op}(): index {v} is out of range for dimension {dim} with size {size} (index out of range "
                        "in self)")
    return idx.astype(np.int64, copy=False)


def _along(dim, idx):
    return (slice(None),) * dim + (idx,)


class IndexSelect(NativeFunction):
    """out = input.take(index, dim);  d/dinput = index_add of g into zeros"""

    linear = True

    @staticmethod
    def forward(ctx, a, dim, idx):
        ctx.shape, ctx.dim, ctx.idx = a.shape, dim, idx
        return xp_of(a).take(a, idx, axis=dim) if a.ndim else a.reshape(1)[idx].reshape(idx.shape if idx.size != 1
                                                                                      else ())

    @staticmethod
    def backward(ctx, g):
        z = const(xp_of(None).zeros(ctx.shape, dtype=g._data.dtype))
        return IndexAdd.apply(z, g, ctx.dim, ctx.idx, 1), None, None


class IndexAdd(NativeFunction):
    """out = a; out[..., idx[i], ...] += alpha * src[..., i, ...];  d/da = g, d/dsrc = alpha g.index_select"""

    @staticmethod
    def forward(ctx, a, src, dim, idx, alpha):
        ctx.dim, ctx.idx, ctx.alpha, ctx.src_shape = dim, idx, alpha, src.shape
        out = a.copy()
        if a.ndim == 0:
            out = out.reshape(1)
        xp_of(a).add.at(out, _along(dim, idx), src.reshape(out.shape[:dim] + (idx.size,) + out.shape[dim + 1:])
                      * alpha if alpha != 1 else src.reshape(out.shape[:dim] + (idx.size,) + out.shape[dim + 1:]))
        return out.reshape(a.shape)

    @staticmethod
    def backward(ctx, g):
        na, ns = ctx.needs_input_grad[:2]
        gs = None
        if ns:
            gs = IndexSelect.apply(g, ctx.dim, ctx.idx)
            if ctx.alpha != 1:
                gs = gs * ctx.alpha
            gs = gs.reshape(ctx.src_shape)
        return (g if na else None), gs, None, None, None

    @staticmethod
    def jvp(ctx, ta, ts, *_):
        if ts is None:
            return ta
        if ta is None:
            shape, dt = ctx._fw_out_meta[0]
            ta = const(xp_of(None).zeros(shape, dtype=dt))
        return IndexAdd.apply(ta, ts, ctx.dim, ctx.idx, ctx.alpha)


class IndexFill(NativeFunction):
    """out = a with out[..., idx, ...] = value;  d/da = g.index_fill(idx, 0), d/dvalue = sum of g there"""

    @staticmethod
    def forward(ctx, a, value, dim, idx):
        ctx.dim, ctx.idx, ctx.size = dim, idx, (a.shape[dim] if a.ndim else 1)
        out = a.copy()
        view = out.reshape(1) if out.ndim == 0 else out
        view[_along(dim, idx)] = value
        return out

    @staticmethod
    def backward(ctx, g):
        na, nv = ctx.needs_input_grad[:2]
        ga = IndexFill.apply(g, 0, ctx.dim, ctx.idx) if na else None
        gv = None
        if nv:
            gv = IndexSelect.apply(g, ctx.dim, np.unique(ctx.idx % ctx.size)).sum()
        return ga, gv, None, None

    @staticmethod
    def jvp(ctx, ta, tv, *_):
        if ta is None:
            shape, dt = ctx._fw_out_meta[0]
            ta = const(xp_of(None).zeros(shape, dtype=dt))
        return IndexFill.apply(ta, 0 if tv is None else tv, ctx.dim, ctx.idx)


class IndexCopy(NativeFunction):
    """out = a with out[..., idx[i], ...] = src[..., i, ...];  d/da = g.index_fill(idx, 0), d/dsrc = g.index_select"""

    @staticmethod
    def forward(ctx, a, src, dim, idx):
        ctx.dim, ctx.idx, ctx.src_shape = dim, idx, src.shape
        out = a.copy()
        view = out.reshape(1) if out.ndim == 0 else out
        view[_along(dim, idx)] = src.reshape(view.shape[:dim] + (idx.size,) + view.shape[dim + 1:])
        return out

    @staticmethod
    def backward(ctx, g):
        na, ns = ctx.needs_input_grad[:2]
        ga = IndexFill.apply(g, 0, ctx.dim, ctx.idx) if na else None
        gs = IndexSelect.apply(g, ctx.dim, ctx.idx).reshape(ctx.src_shape) if ns else None
        return ga, gs, None, None

    @staticmethod
    def jvp(ctx, ta, ts, *_):
        if ta is None:
            shape, dt = ctx._fw_out_meta[0]
            ta = const(xp_of(None).zeros(shape, dtype=dt))
        if ts is None:
            ts = const(xp_of(None).zeros(ctx.src_shape, dtype=ta._data.dtype))
        return IndexCopy.apply(ta, ts, ctx.dim, ctx.idx)


def index_select(input, dim, index, *, out=None):
    """out = input indexed along ``dim`` by the 1-D integer tensor ``index``: ``out.size(dim) = len(index)``."""
    d = wrap_dim(dim, input._data.ndim, "index_select")
    size = input._data.shape[d] if input._data.ndim else 1
    return IndexSelect.apply(input, d, _vector_index(index, "index_select", size, d))


def _check_source(op, input, d, idx, source):
    if not isinstance(source, Tensor):
        raise TypeError(f"{op}(): source must be a Tensor, got {type(source).__name__}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"{op}(): self ({input.dtype}) and source ({source.dtype}) must have the same scalar type")
    shape = list(input._data.shape) or [1]
    shape[d] = idx.size
    sshape = list(source._data.shape) or [1]
    if sshape != shape and not (source._data.size == idx.size and input._data.ndim <= 1):
        raise RuntimeError(f"{op}(): source of shape {list(source.shape)} does not match: expected shape {shape} "
                           f"(self shape {list(input.shape)} with dim {d} of size len(index) = {idx.size})")


def index_add(input, dim, index, source, *, alpha=1, out=None):
    """out = input;  out[..., index[i], ...] += alpha * source[..., i, ...] along ``dim`` (duplicates add up)."""
    d = wrap_dim(dim, input._data.ndim, "index_add")
    size = input._data.shape[d] if input._data.ndim else 1
    idx = _vector_index(index, "index_add", size, d, oob_error=RuntimeError)
    _check_source("index_add", input, d, idx, source)
    return IndexAdd.apply(input, source, d, idx, alpha)


def index_copy(input, dim, index, source, *, out=None):
    """out = input;  out[..., index[i], ...] = source[..., i, ...] along ``dim``."""
    d = wrap_dim(dim, input._data.ndim, "index_copy")
    size = input._data.shape[d] if input._data.ndim else 1
    idx = _vector_index(index, "index_copy", size, d, long_only=RuntimeError)
    _check_source("index_copy", input, d, idx, source)
    return IndexCopy.apply(input, source, d, idx)


def _scalar_value(value, input, op):
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"{op} only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value._data.ndim} dimension(s).")
        if value._data.dtype != input._data.dtype:
            value = value.to(input.dtype)
        return value
    if isinstance(value, np.generic):
        value = value.item()
    return value


def index_fill(input, dim, index, value):
    """out = input with every slice ``index[i]`` along ``dim`` set to ``value`` (a number or 0-d tensor)."""
    d = wrap_dim(dim, input._data.ndim, "index_fill")
    size = input._data.shape[d] if input._data.ndim else 1
    idx = _vector_index(index, "index_fill", size, d, negative=True, long_only=IndexError)
    return IndexFill.apply(input, _scalar_value(value, input, "index_fill_"), d, idx)

register(index_add, index_copy, index_fill, inplace=True)
register(index_select)
