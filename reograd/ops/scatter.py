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

from .. import backend
from ..autograd.function import NativeFunction
from ..autograd.tensor import Tensor, attach_methods
from ._common import make_inplace
from .index import MaskedFill, _const, _dim, _xp

__all__ = ["gather", "scatter", "scatter_add", "scatter_reduce", "take_along_dim", "bincount", "histc", "unique",
           "unique_consecutive", "searchsorted", "bucketize"]

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
    return _const(_xp(None).zeros(shape, dtype=dt))


def _check(op, input, dim, index, src=None):
    """Validate gather/scatter arguments (PyTorch's rules and messages); returns (dim, index array)."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): index must be a Tensor, got {type(index).__name__}")
    idx = index._data
    if idx.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index (got {index.dtype})")
    a_shape = input._data.shape
    nd = len(a_shape)
    d = _dim(dim, nd, op)
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

    @staticmethod
    def forward(ctx, a, dim, idx):
        ctx.shape, ctx.dim, ctx.idx = a.shape, dim, idx
        out = _as1(a)[_coords(_as1(idx).shape, dim, _as1(idx))]
        return out.reshape(idx.shape)

    @staticmethod
    def backward(ctx, g):
        return ScatterAdd.apply(_zeros(ctx.shape, g._data.dtype), g, ctx.dim, ctx.idx), None, None

    @staticmethod
    def jvp(ctx, t, *_):
        return Gather.apply(t, ctx.dim, ctx.idx)


class ScatterAdd(NativeFunction):
    """out = a; out[coords(index)] += src;  d/da = g, d/dsrc = g.gather"""

    @staticmethod
    def forward(ctx, a, src, dim, idx):
        ctx.dim, ctx.idx = dim, idx
        out = a.copy()
        i1 = _as1(idx)
        _xp(a).add.at(_as1(out), _coords(i1.shape, dim, i1), _as1(src))
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
        s = _fit_src(src, idx.shape) if src is not None else _const(
            _xp(input._data).full(idx.shape, value, dtype=input._data.dtype))
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
        xp = _xp(a)
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
            n = _const(ctx.count.astype(dt))
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
            gd = g / _const(n)
            ga = gd * _const(self_is) if na else None
            gs = Gather.apply(gd, dim, idx) * _const(src_is) if ns else None
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
            a_coef = _const(self_is / n)
            src_coef = _const(src_is / _as1(n)[coords].reshape(idx.shape))
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
    d = _dim(dim, nd, "take_along_dim")
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


# ============================================================================ one_hot / bincount / histc
def one_hot(tensor, num_classes=-1):
    """out[..., c] = 1 if tensor[...] == c else 0: int64 of shape tensor.shape + (num_classes,).

    ``num_classes=-1`` uses max + 1. (PyTorch has it as ``nn.functional.one_hot``.)
    """
    a = tensor._data
    if a.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    xp = _xp(a)
    if num_classes == -1:
        if a.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(a.max()) + 1
    if a.size:
        if int(a.min()) < 0:
            raise RuntimeError("Class values must be non-negative.")
        if int(a.max()) >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    return _const((a[..., None] == xp.arange(num_classes)).astype(np.int64))


def bincount(input, weights=None, minlength=0):
    """Count of each value 0..max in a 1-D non-negative integer tensor (sum of ``weights`` per value if given).

    Output length max(input.max() + 1, minlength); int64 without weights, else float (weights' float dtype).
    """
    a = input._data
    if a.dtype.kind not in "iub":  # no kernel for floats in PyTorch: NotImplementedError, not RuntimeError
        raise NotImplementedError(f"bincount only supports integral inputs (got dtype {input.dtype}, shape "
                                  f"{list(input.shape)})")
    if a.ndim != 1 or (a.size and int(a.min()) < 0):
        raise RuntimeError(f"bincount only supports 1-d non-negative integral inputs. (got shape {list(input.shape)}, "
                           f"dtype {input.dtype})")
    if minlength < 0:
        raise RuntimeError(f"bincount: minlength should be >= 0 (got {minlength})")
    xp = _xp(a)
    if weights is None:
        return _const(xp.bincount(a, minlength=minlength).astype(np.int64))
    w = weights._data
    if w.shape != a.shape:
        raise RuntimeError(f"bincount: weights should be 1-d and have the same length as input (got {list(w.shape)} "
                           f"and {list(a.shape)})")
    dt = w.dtype if w.dtype.kind == "f" else np.float64
    return _const(xp.bincount(a, weights=w.astype(np.float64), minlength=minlength).astype(dt))


def histc(input, bins=100, min=0, max=0, *, out=None):  # noqa: A002
    """Histogram with ``bins`` equal-width bins over [min, max] (the data's range when min == max);
    values outside are ignored, the last bin includes max. Same float dtype as input."""
    a = input._data
    if a.dtype.kind != "f":
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{input.dtype}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histc(): bins must be > 0, but got {bins} for dimension 0")
    lo, hi = float(min), float(max)
    if lo == hi and a.size:
        lo, hi = float(a.min()), float(a.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError(f"torch.histc(): max must be larger than min (got min {min}, max {max})")
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histc(): range of [{lo}, {hi}] is not finite")
    xp = _xp(a)
    x = a.reshape(-1)
    x = x[(x >= lo) & (x <= hi)]
    lo_t, hi_t = a.dtype.type(lo), a.dtype.type(hi)
    pos = ((x - lo_t) * bins / (hi_t - lo_t)).astype(np.int64)
    pos = xp.minimum(pos, bins - 1)
    return _const(xp.bincount(pos, minlength=bins).astype(a.dtype))


# ============================================================================ unique
def _ret(out, inverse, counts, return_inverse, return_counts):
    if not (return_inverse or return_counts):
        return out
    res = [out]
    if return_inverse:
        res.append(inverse)
    if return_counts:
        res.append(counts)
    return tuple(res)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """The distinct values (sorted), or the distinct slices along ``dim``.

    ``return_inverse``: where each input element went (input's shape, or len(input.size(dim)) with dim);
    ``return_counts``: how often each appears. Returns a tensor, or a tuple when either flag is set.
    """
    a = input._data
    xp = _xp(a)
    if dim is None:
        nan_kw = {"equal_nan": False} if xp is np else {}  # each NaN is distinct, as PyTorch
        out, inv, cnt = xp.unique(a.reshape(-1), return_inverse=True, return_counts=True, **nan_kw)
        inv = inv.reshape(a.shape)
    else:
        d = _dim(dim, a.ndim, "unique")
        if a.size == 0 and (sum(s == 0 for s in a.shape) > 1 or a.shape[d] != 0):
            raise RuntimeError(f"unique: with dim={dim} an empty input must have exactly one zero-size dim, the one "
                               f"selected (input shape {list(a.shape)})")
        if a.shape[d] == 0:
            out, inv, cnt = a, np.zeros(0, np.int64), np.zeros(0, np.int64)
        else:
            out, inv, cnt = xp.unique(a, return_inverse=True, return_counts=True, axis=d)
            inv = inv.reshape(-1)
    return _ret(_const(out), _const(inv.astype(np.int64)), _const(cnt.astype(np.int64)), return_inverse,
                return_counts)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse runs of equal consecutive values (or slices along ``dim``) to one; like ``uniq``."""
    a = input._data
    xp = _xp(a)
    if dim is None:
        flat = a.reshape(-1)
        change = flat[1:] != flat[:-1]
        moved = flat
    else:
        d = _dim(dim, a.ndim, "unique_consecutive")
        moved = xp.moveaxis(a, d, 0)
        rows = moved.reshape(moved.shape[0], -1)
        change = (rows[1:] != rows[:-1]).any(axis=1) if rows.shape[1] else xp.zeros(max(rows.shape[0] - 1, 0), bool)
    n = moved.shape[0]
    if n == 0:
        starts = xp.zeros(0, np.int64)
        inv = xp.zeros(0, np.int64)
    else:
        starts = xp.concatenate([xp.zeros(1, np.int64), xp.nonzero(change)[0].astype(np.int64) + 1])
        inv = xp.concatenate([xp.zeros(1, np.int64), xp.cumsum(change.astype(np.int64))])
    counts = xp.diff(xp.concatenate([starts, xp.asarray([n], dtype=np.int64)]))
    out = moved[starts]
    if dim is None:
        inv = inv.reshape(a.shape)
    else:
        out = xp.moveaxis(out, 0, d)
    return _ret(_const(xp.ascontiguousarray(out)), _const(inv), _const(counts.astype(np.int64)), return_inverse,
                return_counts)


# ============================================================================ searchsorted / bucketize
def _values(x, like):
    if isinstance(x, Tensor):
        return x._data, False
    return np.asarray(x, dtype=like.dtype if like.dtype.kind == "f" or isinstance(x, int) else None), True


def _batched_searchsorted(seq, vals, side):
    """searchsorted row by row for seq (R, n) and vals (R, m), vectorized with one lexsort."""
    xp = _xp(seq)
    r, n = seq.shape
    m = vals.shape[1]
    allv = xp.concatenate([seq, vals.astype(seq.dtype, copy=False)], axis=1)
    # on ties: for 'left' the queries sort first (they count only smaller elements), for 'right' last
    flag = xp.concatenate([xp.full((r, n), 1 if side == "left" else 0), xp.full((r, m), 0 if side == "left" else 1)],
                          axis=1)
    order = xp.lexsort((flag, allv), axis=-1)
    is_seq = order < n
    before = xp.cumsum(is_seq, axis=1) - is_seq
    res = xp.empty((r, m), dtype=np.int64)
    q = ~is_seq
    rows = xp.nonzero(q)[0]
    res[rows, order[q] - n] = before[q]
    return res


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, out=None, sorter=None):
    """For each value, the index where it would be inserted into the sorted last dim of ``sorted_sequence``.

    'left' (default): first i with seq[i] >= v;  'right' (``right=True``): first i with seq[i] > v.
    ``sorted_sequence`` is 1-D, or N-D whose leading dims match ``input``'s (one search per row).
    """
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    side = "right" if right else "left"
    seq = sorted_sequence._data
    if sorter is not None:
        seq = np.take_along_axis(seq, sorter._data, axis=-1)
    vals, scalar = _values(input, seq)
    xp = _xp(seq)
    dt = np.int32 if out_int32 else np.int64
    if seq.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions "
                           "of boundaries tensor and input value tensor must match, but we got a 0-d boundaries tensor")
    if seq.ndim == 1:
        return _const(xp.asarray(xp.searchsorted(seq, vals, side=side)).astype(dt))
    if scalar or vals.ndim != seq.ndim or vals.shape[:-1] != seq.shape[:-1]:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions "
                           "of boundaries tensor and input value tensor must match, but we got boundaries tensor "
                           f"{list(seq.shape)} and input value tensor {list(np.shape(vals))}")
    res = _batched_searchsorted(seq.reshape(-1, seq.shape[-1]), vals.reshape(-1, vals.shape[-1]), side)
    return _const(res.reshape(vals.shape).astype(dt))


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """Bucket index of each value for the sorted 1-D ``boundaries``:
    right=False: boundaries[i-1] < v <= boundaries[i];  right=True: boundaries[i-1] <= v < boundaries[i]."""
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


# ============================================================================ methods
def _scatter_reduce_method(self, dim, index, src, reduce, *, include_self=True):
    """``self.scatter_reduce(dim, index, src, reduce)``: ``src`` reduced into a copy of self at ``index`` along ``dim``
    (see :func:`scatter_reduce`)."""
    return scatter_reduce(self, dim, index, src, reduce, include_self=include_self)


def _bincount_method(self, weights=None, minlength=0):
    """``self.bincount(weights, minlength)``: count of each value 0..max of a 1-D int tensor (see :func:`bincount`)."""
    return bincount(self, weights, minlength)


attach_methods(
    gather=gather, scatter=scatter, scatter_add=scatter_add, scatter_reduce=_scatter_reduce_method,
    take_along_dim=take_along_dim, bincount=_bincount_method, histc=histc, unique=unique,
    unique_consecutive=unique_consecutive,
    scatter_=make_inplace(scatter), scatter_add_=make_inplace(scatter_add),
    scatter_reduce_=make_inplace(_scatter_reduce_method),
)
