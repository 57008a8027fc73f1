"""gather / scatter along a dim (and take_along_dim), and the counting and searching ops on index
tensors: one_hot, bincount, histc, unique, unique_consecutive, searchsorted, bucketize.

Along ``dim`` (shown for a 3-D tensor and dim = 1):

    gather:       out[i][j][k] = input[i][index[i][j][k]][k]
    scatter:      out[i][index[i][j][k]][k] = src[i][j][k]
    scatter_add:  out[i][index[i][j][k]][k] += src[i][j][k]   (duplicates add up)

gather's backward is scatter_add into zeros, whose backward (w.r.t. src) is gather again: gradients
of any order work. Counting/searching ops return integer tensors (not differentiable).
"""
from __future__ import annotations

import numpy as np

from ... import backend
from ...autograd.function import NativeFunction
from ...autograd.tensor import Tensor, wrap_dim
from ..arguments import const, xp_of
from ..inplace import make_inplace
from ..registry import register
from .masked import MaskedFill

_REDUCES = ("sum", "prod", "mean", "amax", "amin")


# ============================================================================ helpers
def _coords(shape, dim, idx):
    """Index arrays selecting out[..., idx[pos], ...] for every position pos of an index of ``shape``."""
    nd = len(shape)
    out = []
    for d in range(nd):
        if d == dim:
            out.append(idx)
        else:
            sh = [1] * nd
            sh[d] = shape[d]
            out.append(np.arange(shape[d]).reshape(sh))
    return tuple(out)


def _zeros(shape, dt):
    return const(xp_of(None).zeros(shape, dtype=dt))


def _check(op, input, dim, index, src=None):
    """Validate gather/scatter arguments (PyTorch's rules and messages); returns (dim, index array)."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): index must be a Tensor, got {type(index).__name__}")
    idx = index._data
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index (got {index.dtype})")
    a_shape = input._data.shape
    nd = len(a_shape)
    d = wrap_dim(dim, nd, op)
    if idx.ndim != nd and not (idx.ndim <= 1 and nd <= 1):
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as input tensor (index "
                           f"shape {list(index.shape)}, input shape {list(input.shape)})")
    if idx.size == 0:
        return d, idx.astype(np.int64)
    a1 = a_shape or (1,)
    i1 = idx.shape or (1,)
    for k in range(len(i1)):
        if k != d and i1[k] > a1[k]:
            raise RuntimeError(f"{op}(): Size does not match at dimension {k} expected index {list(idx.shape)} to be no "
                               f"larger than self {list(a_shape)} apart from dimension {d}")
        if src is not None and isinstance(src, Tensor) and i1[k] > (src._data.shape or (1,))[k]:
            raise RuntimeError(f"{op}(): Expected index {list(idx.shape)} to be no larger than self {list(a_shape)} "
                               f"apart from dimension {d} and to be no larger size than src {list(src.shape)}")
    size = a1[d]
    bad = (idx < 0) | (idx >= size)
    if bool(bad.any()):
        raise RuntimeError(f"{op}(): index {int(idx[bad].reshape(-1)[0])} is out of bounds for dimension {d} with "
                           f"size {size}")
    return d, idx.astype(np.int64, copy=False)


def _fit_src(src, idx_shape):
    """src cut down to the index's shape (a differentiable view) when it is larger."""
    s = src._data.shape
    if tuple(s) == tuple(idx_shape):
        return src
    return src[tuple(slice(0, n) for n in idx_shape)]


def _as1(a):
    return a.reshape(1) if a.ndim == 0 else a


# ============================================================================ gather / scatter
class Gather(NativeFunction):
    """out = input[coords(index)];  d/dinput = scatter_add of g into zeros"""

    linear = True

    @staticmethod
    def forward(ctx, a, dim, idx):
        ctx.shape, ctx.dim, ctx.idx = a.shape, dim, idx
        out = _as1(a)[_coords(_as1(idx).shape, dim, _as1(idx))]
        return out.reshape(idx.shape)

    @staticmethod
    def backward(ctx, g):
        return ScatterAdd.apply(_zeros(ctx.shape, g._data.dtype), g, ctx.dim, ctx.idx), None, None


class ScatterAdd(NativeFunction):
    """out = a; out[coords(index)] += src;  d/da = g, d/dsrc = g.gather"""

    @staticmethod
    def forward(ctx, a, src, dim, idx):
        ctx.dim, ctx.idx = dim, idx
        out = a.copy()
        i1 = _as1(idx)
        xp_of(a).add.at(_as1(out), _coords(i1.shape, dim, i1), _as1(src))
        return out

    @staticmethod
    def backward(ctx, g):
        na, ns = ctx.needs_input_grad[:2]
        return (g if na else None), (Gather.apply(g, ctx.dim, ctx.idx) if ns else None), None, None

    @staticmethod
    def jvp(ctx, ta, ts, *_):
        if ts is None:
            return ta
        if ta is None:
            shape, dt = ctx._fw_out_meta[0]
            ta = _zeros(shape, dt)
        return ScatterAdd.apply(ta, ts, ctx.dim, ctx.idx)


class Scatter(NativeFunction):
    """out = a; out[coords(index)] = src (a tensor or a number);  d/da = g.scatter(index, 0), d/dsrc = g.gather"""

    @staticmethod
    def forward(ctx, a, src, dim, idx):
        ctx.dim, ctx.idx = dim, idx
        ctx.src_shape = src.shape if backend.is_array(src) else None
        out = a.copy()
        i1 = _as1(idx)
        _as1(out)[_coords(i1.shape, dim, i1)] = _as1(src) if backend.is_array(src) else src
        return out

    @staticmethod
    def backward(ctx, g):
        na, ns = ctx.needs_input_grad[:2]
        ga = Scatter.apply(g, 0, ctx.dim, ctx.idx) if na else None
        gs = Gather.apply(g, ctx.dim, ctx.idx) if ns else None
        return ga, gs, None, None

    @staticmethod
    def jvp(ctx, ta, ts, *_):
        if ta is None:
            shape, dt = ctx._fw_out_meta[0]
            ta = _zeros(shape, dt)
        return Scatter.apply(ta, 0 if ts is None else ts, ctx.dim, ctx.idx)


def gather(input, dim, index, *, sparse_grad=False, out=None):
    """out[i][j][k] = input[i][index[i][j][k]][k] (for dim = 1); out has index's shape."""
    d, idx = _check("gather", input, dim, index)
    return Gather.apply(input, d, idx)


def scatter_add(input, dim, index, src):
    """out = input; out[i][index[i][j][k]][k] += src[i][j][k] (dim = 1); duplicate indices add up."""
    d, idx = _check("scatter_add", input, dim, index, src)
    if not isinstance(src, Tensor) or src._data.dtype != input._data.dtype:
        raise RuntimeError(f"scatter_add(): Expected self.dtype to be equal to src.dtype (got {input.dtype} and "
                           f"{getattr(src, 'dtype', type(src).__name__)})")
    return ScatterAdd.apply(input, _fit_src(src, idx.shape), d, idx)


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """out = input; out[i][index[i][j][k]][k] = src[i][j][k] (dim = 1), or = ``value`` (a number).

    ``reduce='add'`` / ``'multiply'`` (deprecated in PyTorch) combine instead of overwrite.
    With duplicate indices (and no reduce) the last write wins.
    """
    if src is None and value is None:
        raise TypeError("scatter() missing required argument: 'src' or 'value'")
    if src is None or not isinstance(src, Tensor):
        value = src if src is not None else value
        src = None
    d, idx = _check("scatter", input, dim, index, src)
    if src is not None and src._data.dtype != input._data.dtype:
        raise RuntimeError(f"scatter(): Expected self.dtype to be equal to src.dtype (got {input.dtype} and "
                           f"{src.dtype})")
    if isinstance(value, Tensor):
        value = value.item()
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce}")
        s = _fit_src(src, idx.shape) if src is not None else const(
            xp_of(input._data).full(idx.shape, value, dtype=input._data.dtype))
        if reduce == "add":
            return ScatterAdd.apply(input, s, d, idx)
        return ScatterReduce.apply(input, s, d, idx, "prod", True)
    if src is None:
        return Scatter.apply(input, value, d, idx)
    return Scatter.apply(input, _fit_src(src, idx.shape), d, idx)


# ============================================================================ scatter_reduce
def _identity(reduce, dt):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dt.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    if dt.kind == "b":
        return reduce == "amin"
    info = np.iinfo(dt)
    return info.min if reduce == "amax" else info.max


def _where(cond, a, b):
    """where(cond, a, b) for a constant mask, with this module's ops (inf/nan in the other branch is harmless)."""
    return MaskedFill.apply(a, 0, ~cond) + MaskedFill.apply(b, 0, cond)


class ScatterReduce(NativeFunction):
    """out = input with src reduced into out[coords(index)] by sum/prod/mean/amax/amin (optionally including
    the original value). Gradients as PyTorch's (ties of amax/amin share the gradient evenly)."""

    @staticmethod
    def forward(ctx, a, src, dim, idx, reduce, include_self):
        xp = xp_of(a)
        ctx.dim, ctx.idx, ctx.reduce, ctx.include_self = dim, idx, reduce, include_self
        i1 = _as1(idx)
        coords = _coords(i1.shape, dim, i1)
        out = a.copy()
        o1 = _as1(out)
        s1 = _as1(src)
        if not include_self:
            o1[coords] = _identity(reduce, a.dtype)
        if reduce in ("sum", "mean"):
            xp.add.at(o1, coords, s1)
        elif reduce == "prod":
            xp.multiply.at(o1, coords, s1)
        elif reduce == "amax":
            xp.maximum.at(o1, coords, s1)
        else:
            xp.minimum.at(o1, coords, s1)
        if reduce == "mean":
            count = xp.full(o1.shape, 1 if include_self else 0, dtype=np.int64)
            xp.add.at(count, coords, 1)
            count[count == 0] = 1
            ctx.count = count.reshape(a.shape)
            if a.dtype.kind == "f" or a.dtype.kind == "c":
                out = (out / ctx.count).astype(a.dtype, copy=False)
            else:
                out = (out // ctx.count).astype(a.dtype, copy=False)
        ctx.save_for_backward(a, src, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, src, out = ctx.saved_tensors
        dim, idx, reduce = ctx.dim, ctx.idx, ctx.reduce
        dt = g._data.dtype
        na, ns = ctx.needs_input_grad[:2]
        ga = gs = None
        if reduce == "sum":
            ga = g
            gs = Gather.apply(g, dim, idx) if ns else None
        elif reduce == "mean":
            n = const(ctx.count.astype(dt))
            ga = g / n
            gs = Gather.apply(g, dim, idx) / Gather.apply(n, dim, idx) if ns else None
        elif reduce == "prod":
            if na:
                masked_a = MaskedFill.apply(a, 1, a._data == 0)
                ga = g * ScatterReduce.apply(masked_a, src, dim, idx, reduce, ctx.include_self) / masked_a
            if ns:
                src_zero = src._data == 0
                nz = np.zeros(a._data.shape, dtype=np.int64)
                i1 = _as1(idx)
                np.add.at(_as1(nz), _coords(i1.shape, dim, i1), _as1(src_zero.astype(np.int64)))
                nz_at = _as1(nz)[_coords(i1.shape, dim, i1)].reshape(idx.shape)
                single = src_zero & (nz_at == 1)
                masked_src = MaskedFill.apply(src, 1, single)
                masked_src_result = ScatterReduce.apply(a, masked_src, dim, idx, reduce, ctx.include_self)
                gs = _where(single, Gather.apply(g * masked_src_result, dim, idx),
                            Gather.apply(g * out, dim, idx) / MaskedFill.apply(src, 1, src_zero))
        else:  # amax / amin
            i1 = _as1(idx)
            coords = _coords(i1.shape, dim, i1)
            value = _as1(out._data)[coords].reshape(idx.shape)
            self_is = (a._data == out._data).astype(dt)
            src_is = (src._data == value).astype(dt)
            n = self_is.copy()
            np.add.at(_as1(n), coords, _as1(src_is))
            gd = g / const(n)
            ga = gd * const(self_is) if na else None
            gs = Gather.apply(gd, dim, idx) * const(src_is) if ns else None
        if na and not ctx.include_self:
            ga = Scatter.apply(ga, 0, dim, idx)
        return (ga if na else None), (gs if ns else None), None, None, None, None


    @staticmethod
    def jvp(ctx, ta, ts, *_):
        a, src, out = ctx.saved_tensors
        dim, idx, reduce, inc = ctx.dim, ctx.idx, ctx.reduce, ctx.include_self
        dt = out._data.dtype
        if ta is None:
            ta = _zeros(a._data.shape, dt)
        if ts is None:
            ts = _zeros(src._data.shape, dt)
        if reduce in ("sum", "mean"):  # linear
            return ScatterReduce.apply(ta, ts, dim, idx, reduce, inc)
        # d out = a_coef * ta + scatter_add(src_coef * ts): the coefficients backward uses
        i1 = _as1(idx)
        coords = _coords(i1.shape, dim, i1)
        if reduce == "prod":
            masked_a = MaskedFill.apply(a, 1, a._data == 0)
            a_coef = ScatterReduce.apply(masked_a, src, dim, idx, reduce, inc) / masked_a
            src_zero = src._data == 0
            nz = np.zeros(a._data.shape, dtype=np.int64)
            np.add.at(_as1(nz), coords, _as1(src_zero.astype(np.int64)))
            single = src_zero & (_as1(nz)[coords].reshape(idx.shape) == 1)
            msr = ScatterReduce.apply(a, MaskedFill.apply(src, 1, single), dim, idx, reduce, inc)
            src_coef = _where(single, Gather.apply(msr, dim, idx),
                              Gather.apply(out, dim, idx) / MaskedFill.apply(src, 1, src_zero))
        else:
            value = _as1(out._data)[coords].reshape(idx.shape)
            self_is = (a._data == out._data).astype(dt)
            if not inc:  # a value left out of the reduction is no tie (PyTorch's jvp agrees; its vjp counts it)
                _as1(self_is)[coords] = 0
            src_is = (src._data == value).astype(dt)
            n = self_is.copy()
            np.add.at(_as1(n), coords, _as1(src_is))
            a_coef = const(self_is / n)
            src_coef = const(src_is / _as1(n)[coords].reshape(idx.shape))
        if not inc:
            a_coef = Scatter.apply(a_coef, 0, dim, idx)
        return ScatterAdd.apply(a_coef * ta, src_coef * ts, dim, idx)


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """Reduce ``src`` into ``input`` at ``index`` along ``dim``: out[i][index[i][j]] = reduce(...) (dim = 1).

    reduce: 'sum', 'prod', 'mean', 'amax' or 'amin'; ``include_self=False`` leaves the original values
    of the scattered-to positions out of the reduction.
    """
    if reduce not in _REDUCES:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    d, idx = _check("scatter_reduce", input, dim, index, src)
    if not isinstance(src, Tensor) or src._data.dtype != input._data.dtype:
        raise RuntimeError(f"scatter_reduce(): Expected self.dtype to be equal to src.dtype (got {input.dtype} and "
                           f"{getattr(src, 'dtype', type(src).__name__)})")
    return ScatterReduce.apply(input, _fit_src(src, idx.shape), d, idx, reduce, bool(include_self))


def take_along_dim(input, indices, dim=None, *, out=None):
    """Values of ``input`` at ``indices`` along ``dim`` (input and indices broadcast except at dim);
    with ``dim=None`` on the flattened input. Pairs with argsort/argmax: ``take_along_dim(x, x.argsort(d), d)``."""
    if indices._data.dtype.kind not in "iu":
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be int64 but got {indices.dtype}")
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1).long())
    nd = input._data.ndim
    if indices._data.ndim != nd:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, but "
                           f"got {nd} dimensions for input, and {indices._data.ndim} dimensions for indices")
    d = wrap_dim(dim, nd, "take_along_dim")
    s_in, s_ix = list(input._data.shape), list(indices._data.shape)
    a = list(s_in)
    a[d] = s_ix[d]
    b = list(s_ix)
    b[d] = s_in[d]
    try:
        ishape = np.broadcast_shapes(tuple(a), tuple(s_ix))
        xshape = np.broadcast_shapes(tuple(b), tuple(s_in))
    except ValueError:
        raise RuntimeError(f"take_along_dim(): input of shape {s_in} and indices of shape {s_ix} can't be broadcast "
                           f"(apart from dimension {d})") from None
    idx = indices.expand(ishape) if tuple(ishape) != tuple(s_ix) else indices
    x = input.expand(xshape) if tuple(xshape) != tuple(s_in) else input
    return gather(x, d, idx.long())


# ============================================================================ methods
def _scatter_reduce_method(self, dim, index, src, reduce, *, include_self=True):
    """``self.scatter_reduce(dim, index, src, reduce)``: ``src`` reduced into a copy of self at ``index`` along ``dim``
    (see :func:`scatter_reduce`)."""
    return scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

register(scatter, scatter_add, inplace=True)
register(gather, take_along_dim)
register(scatter_reduce=_scatter_reduce_method, scatter_reduce_=make_inplace(_scatter_reduce_method))
