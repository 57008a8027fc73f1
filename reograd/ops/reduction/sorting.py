"""Sorting and order statistics: sort, argsort, msort, topk, kthvalue, median, nanmedian, mode.

Each op finds indices on the raw arrays (NaN sorts as the largest value, as in PyTorch) and then
picks the values with a differentiable gather, so the gradient flows to the selected elements
(and double backward works: gather and scatter are each other's backward). ``median()`` without a
dim splits the gradient evenly among the elements equal to the median, as PyTorch does.
"""
from __future__ import annotations

from ... import backend
from ...autograd.tensor import Tensor
from ..arguments import xp_of
from ..registry import register
from .base import Gather, reduction_dim, return_type

_sort_t = return_type("sort")
_topk_t = return_type("topk")
_kthvalue_t = return_type("kthvalue")
_median_t = return_type("median")
_nanmedian_t = return_type("nanmedian")
_mode_t = return_type("mode")


def _order(a, d, descending):
    """Stable sorting permutation along d (ties keep their order; NaN is the largest)."""
    xp = xp_of(a)
    if a.dtype.kind == "c":
        raise RuntimeError(f"sort: complex tensors can't be sorted (dtype {a.dtype})")
    if not descending:
        return xp.argsort(a, axis=d, kind="stable")
    n = a.shape[d]
    r = xp.argsort(xp.flip(a, d), axis=d, kind="stable")
    return (n - 1) - xp.flip(r, d)


def _as_1d(input):
    """0-d inputs are handled as 1-element vectors; returns (input, was_scalar)."""
    if input._data.ndim == 0:
        return input.reshape(1), True
    return input, False


def _pick(input, idx, d, squeeze, rtype, scalar=False):
    """(values, indices) named tuple with values = input gathered at idx along d."""
    values = Gather.apply(input, idx, d, squeeze)
    ind = idx.reshape(values._data.shape) if squeeze else idx
    if scalar:
        values, ind = values.reshape(()), ind.reshape(())
    return rtype((values, Tensor._make(ind)))


# --------------------------------------------------------------------------- sort
def sort(input, dim=-1, descending=False, *, stable=False, out=None):
    """Named tuple (values, indices): ``input`` sorted along ``dim`` (ascending unless ``descending``).
    The sort is always stable (equal elements keep their order); NaN sorts as the largest value."""
    if isinstance(dim, bool):  # sort(input, stable, dim=..., descending=...) overload
        dim = -1
    x, scalar = _as_1d(input)
    d = reduction_dim(dim, input._data.ndim, "sort")
    return _pick(x, _order(x._data, d, descending), d, False, _sort_t, scalar)


def argsort(input, dim=-1, descending=False, *, stable=False):
    """Indices that sort ``input`` along ``dim`` (see :func:`sort`)."""
    x, scalar = _as_1d(input)
    d = reduction_dim(dim, input._data.ndim, "argsort")
    idx = _order(x._data, d, descending)
    return Tensor._make(idx.reshape(()) if scalar else idx)


def msort(input, *, out=None):
    """``input`` sorted along its first dimension (``sort(input, 0).values``)."""
    return sort(input, 0).values


def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):  # noqa: A002
    """Named tuple (values, indices) of the ``k`` largest (or smallest, ``largest=False``) elements
    along ``dim``, in sorted order. The gradient goes to the selected elements."""
    x, scalar = _as_1d(input)
    d = reduction_dim(-1 if dim is None else dim, input._data.ndim, "topk")
    n = x._data.shape[d]
    k = int(k)
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: selected index k={k} out of range (dim {d} has size {n}, input shape "
                           f"{list(input.shape)})")
    idx = _order(x._data, d, largest)
    sl = [slice(None)] * x._data.ndim
    sl[d] = slice(0, k)
    return _pick(x, idx[tuple(sl)], d, False, _topk_t, scalar and k == 1)


def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """Named tuple (values, indices): the ``k``-th smallest element (1-based) along ``dim``."""
    x, scalar = _as_1d(input)
    d = reduction_dim(-1 if dim is None else dim, input._data.ndim, "kthvalue")
    n = x._data.shape[d]
    k = int(k)
    if n == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {d} to have non-zero size (input shape "
                         f"{list(input.shape)}).")
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k={k} out of range for dimension {d} of size {n} (input "
                           f"shape {list(input.shape)})")
    idx = _order(x._data, d, False)
    sl = [slice(None)] * x._data.ndim
    sl[d] = slice(k - 1, k)
    return _pick(x, idx[tuple(sl)], d, not keepdim, _kthvalue_t, scalar)


# --------------------------------------------------------------------------- median / nanmedian
def _median_index(a, d, ignore_nan):
    """Index (keepdim shape) of the lower median along d. With NaN: its first NaN (median) or the
    median of the other elements (nanmedian)."""
    xp = xp_of(a)
    idx = _order(a, d, False)
    if a.dtype.kind in "fc":
        nan = xp.isnan(a)
        cnt = (~nan).sum(axis=d, keepdims=True)
    else:
        nan = None
        cnt = xp.full(a.shape[:d] + (1,) + a.shape[d + 1:], a.shape[d])
    if not ignore_nan and nan is not None:
        cnt = xp.full_like(cnt, a.shape[d])
    k = xp.maximum(cnt - 1, 0) // 2
    med = xp.take_along_axis(idx, k, axis=d)
    if not ignore_nan and nan is not None:
        has = nan.any(axis=d, keepdims=True)
        med = xp.where(has, xp.expand_dims(xp.argmax(nan, axis=d), d), med)
    return med


def _median_all_fn(ignore_nan):
    def fn(a, dims):
        xp = xp_of(a)
        flat = a.reshape(-1)
        i = _median_index(flat, 0, ignore_nan)
        v = flat[i].reshape((1,) * a.ndim)
        if a.dtype.kind not in "fc":
            return v, None
        mask = (a == v) | (xp.isnan(a) & xp.isnan(v))
        with backend.np.errstate(invalid="ignore", divide="ignore"):
            coef = (mask / mask.sum()).astype(a.dtype)
        return v, coef
    return fn


_MEDIAN_FN, _NANMEDIAN_FN = _median_all_fn(False), _median_all_fn(True)


def _median(op, input, dim, keepdim, ignore_nan, rtype):
    if dim is None:
        if input._data.size == 0:
            return Tensor._make(xp_of(input._data).full((), float("nan"), dtype=input._data.dtype))
        from .sums import CoefReduce  # noqa: PLC0415

        return CoefReduce.apply(input, tuple(range(input._data.ndim)), False,
                                _NANMEDIAN_FN if ignore_nan else _MEDIAN_FN, op.capitalize() + "Backward0")
    x, scalar = _as_1d(input)
    d = reduction_dim(dim, input._data.ndim, op)
    if x._data.shape[d] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size (input shape "
                         f"{list(input.shape)}).")
    return _pick(x, _median_index(x._data, d, ignore_nan), d, not keepdim, rtype, scalar)


def median(input, dim=None, keepdim=False, *, out=None):
    """``median(input)``: the lower median of all elements (NaN if any is NaN); the gradient is split
    among elements equal to it. ``median(input, dim, keepdim=False)``: named tuple (values, indices)."""
    return _median("median", input, dim, keepdim, False, _median_t)


def nanmedian(input, dim=None, keepdim=False, *, out=None):
    """As :func:`median`, ignoring NaN elements (NaN only where a slice is all NaN)."""
    return _median("nanmedian", input, dim, keepdim, True, _nanmedian_t)


# --------------------------------------------------------------------------- mode
def mode(input, dim=-1, keepdim=False, *, out=None):
    """Named tuple (values, indices): the most frequent value along ``dim`` (the smallest among equally
    frequent ones) and the last index where it occurs."""
    x, scalar = _as_1d(input)
    a = x._data
    d = reduction_dim(dim, input._data.ndim, "mode")
    xp = xp_of(a)
    n = a.shape[d]
    if n == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size (input shape "
                         f"{list(input.shape)}).")
    am = xp.moveaxis(a, d, -1)
    perm = xp.argsort(am, axis=-1, kind="stable")
    s = xp.take_along_axis(am, perm, axis=-1)
    pos = xp.arange(n)
    start = xp.ones(s.shape, dtype=bool)
    start[..., 1:] = s[..., 1:] != s[..., :-1]
    run_start = xp.maximum.accumulate(xp.where(start, pos, 0), axis=-1)
    length = pos - run_start + 1
    j = xp.argmax(length, axis=-1)[..., None]
    idx = xp.moveaxis(xp.take_along_axis(perm, j, axis=-1), -1, d)
    return _pick(x, idx, d, not keepdim, _mode_t, scalar)

register(sort, argsort, msort, topk, kthvalue, median, nanmedian, mode)
