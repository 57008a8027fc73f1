"""Counting and searching on index tensors: one_hot, bincount, histc, unique, searchsorted, bucketize."""
from __future__ import annotations

import numpy as np

from ...autograd.tensor import Tensor, wrap_dim
from ..arguments import const, xp_of
from ..registry import register


# ============================================================================ one_hot / bincount / histc
def one_hot(tensor, num_classes=-1):
    """out[..., c] = 1 if tensor[...] == c else 0: int64 of shape tensor.shape + (num_classes,).

    ``num_classes=-1`` uses max + 1. (PyTorch has it as ``nn.functional.one_hot``.)
    """
    a = tensor._data
    if a.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    xp = xp_of(a)
    if num_classes == -1:
        if a.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(a.max()) + 1
    if a.size:
        if int(a.min()) < 0:
            raise RuntimeError("Class values must be non-negative.")
        if int(a.max()) >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    return const((a[..., None] == xp.arange(num_classes)).astype(np.int64))


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
    xp = xp_of(a)
    if weights is None:
        return const(xp.bincount(a, minlength=minlength).astype(np.int64))
    w = weights._data
    if w.shape != a.shape:
        raise RuntimeError(f"bincount: weights should be 1-d and have the same length as input (got {list(w.shape)} "
                           f"and {list(a.shape)})")
    dt = w.dtype if w.dtype.kind == "f" else np.float64
    return const(xp.bincount(a, weights=w.astype(np.float64), minlength=minlength).astype(dt))


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
    xp = xp_of(a)
    x = a.reshape(-1)
    x = x[(x >= lo) & (x <= hi)]
    lo_t, hi_t = a.dtype.type(lo), a.dtype.type(hi)
    pos = ((x - lo_t) * bins / (hi_t - lo_t)).astype(np.int64)
    pos = xp.minimum(pos, bins - 1)
    return const(xp.bincount(pos, minlength=bins).astype(a.dtype))


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
    xp = xp_of(a)
    if dim is None:
        nan_kw = {"equal_nan": False} if xp is np else {}  # each NaN is distinct, as PyTorch
        out, inv, cnt = xp.unique(a.reshape(-1), return_inverse=True, return_counts=True, **nan_kw)
        inv = inv.reshape(a.shape)
    else:
        d = wrap_dim(dim, a.ndim, "unique")
        if a.size == 0 and (sum(s == 0 for s in a.shape) > 1 or a.shape[d] != 0):
            raise RuntimeError(f"unique: with dim={dim} an empty input must have exactly one zero-size dim, the one "
                               f"selected (input shape {list(a.shape)})")
        if a.shape[d] == 0:
            out, inv, cnt = a, np.zeros(0, np.int64), np.zeros(0, np.int64)
        else:
            out, inv, cnt = xp.unique(a, return_inverse=True, return_counts=True, axis=d)
            inv = inv.reshape(-1)
    return _ret(const(out), const(inv.astype(np.int64)), const(cnt.astype(np.int64)), return_inverse,
                return_counts)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse runs of equal consecutive values (or slices along ``dim``) to one; like ``uniq``."""
    a = input._data
    xp = xp_of(a)
    if dim is None:
        flat = a.reshape(-1)
        change = flat[1:] != flat[:-1]
        moved = flat
    else:
        d = wrap_dim(dim, a.ndim, "unique_consecutive")
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
    return _ret(const(xp.ascontiguousarray(out)), const(inv), const(counts.astype(np.int64)), return_inverse,
                return_counts)


# ============================================================================ searchsorted / bucketize
def _values(x, like):
    if isinstance(x, Tensor):
        return x._data, False
    return np.asarray(x, dtype=like.dtype if like.dtype.kind == "f" or isinstance(x, int) else None), True


def _batched_searchsorted(seq, vals, side):
    """searchsorted row by row for seq (R, n) and vals (R, m), vectorized with one lexsort."""
    xp = xp_of(seq)
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
    xp = xp_of(seq)
    dt = np.int32 if out_int32 else np.int64
    if seq.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions "
                           "of boundaries tensor and input value tensor must match, but we got a 0-d boundaries tensor")
    if seq.ndim == 1:
        return const(xp.asarray(xp.searchsorted(seq, vals, side=side)).astype(dt))
    if scalar or vals.ndim != seq.ndim or vals.shape[:-1] != seq.shape[:-1]:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions "
                           "of boundaries tensor and input value tensor must match, but we got boundaries tensor "
                           f"{list(seq.shape)} and input value tensor {list(np.shape(vals))}")
    res = _batched_searchsorted(seq.reshape(-1, seq.shape[-1]), vals.reshape(-1, vals.shape[-1]), side)
    return const(res.reshape(vals.shape).astype(dt))


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """Bucket index of each value for the sorted 1-D ``boundaries``:
    right=False: boundaries[i-1] < v <= boundaries[i];  right=True: boundaries[i-1] <= v < boundaries[i]."""
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def _bincount_method(self, weights=None, minlength=0):
    """``self.bincount(weights, minlength)``: count of each value 0..max of a 1-D int tensor (see :func:`bincount`)."""
    return bincount(self, weights, minlength)

register(histc, unique, unique_consecutive)
register(bincount=_bincount_method)
