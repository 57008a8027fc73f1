"""Indexing: ``x[idx]``, ``x[idx] = v``, ``index_put``, ``index_select/add/copy/fill``, ``masked_*``,
``take``, ``put`` and ``nonzero``. (gather/scatter and the counting/searching ops are in ``scatter.py``.)

``x[idx]`` follows PyTorch: ints, slices (step > 0), ``None`` and ``...`` are *basic* indices and
give a view; integer tensors/lists/arrays and boolean masks are *advanced* indices and give a copy.
Ints are applied first (as ``select``), then the advanced indices, with NumPy's placement rule for
the dims they produce (adjacent advanced indices: in place; separated: in front).

Every op's backward is written with ops of this module, each of which has a backward too, so
gradients of any order work: getitem <-> "index_put into zeros", index_select <-> index_add, ...
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd.function import NativeFunction
from ..autograd.grad_mode import state as _state
from ..autograd.tensor import Tensor, attach_methods
from ._common import inplace, make_inplace
from .shape import sum_to_shape

__all__ = ["index_put", "index_select", "index_add", "index_copy", "index_fill", "masked_fill", "masked_select",
           "masked_scatter", "nonzero", "argwhere", "take", "put"]

_INT_KINDS = "iu"


def _xp(a):
    return backend.get_array_module(a)


def _const(arr):
    return Tensor._make(arr)


# ============================================================================ parsing an index
class _Index:
    """A compiled index: ``arr[basic][adv]``. ``basic`` (a tuple of ints/slices/None/Ellipsis, or None)
    gives a view; ``adv`` (a tuple of slices and integer/bool arrays, or None) a copy."""

    __slots__ = ("basic", "adv", "unique", "select_kind")

    def __init__(self, basic, adv, unique=False, select_kind="Slice"):
        self.basic, self.adv, self.unique, self.select_kind = basic, adv, unique, select_kind

    def region(self, arr):
        """The indexed region of ``arr``: a view for basic indices (writes go through)."""
        v = arr[self.basic] if self.basic is not None else arr
        return v if self.adv is None else v[self.adv]

    def write(self, arr, value, accumulate=False):
        v = arr[self.basic] if self.basic is not None else arr
        if self.adv is None:
            if accumulate:
                v += value
            else:
                v[...] = value
        elif accumulate and not self.unique:
            _xp(arr).add.at(v, self.adv, value)
        elif accumulate:
            v[self.adv] += value
        else:
            v[self.adv] = value


def _is_int(x):
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _seq_as_tuple(idx):
    """PyTorch's legacy rule: a short list holding sequences, slices, tensors, None or ... is a tuple."""
    if isinstance(idx, tuple):
        return True
    if not isinstance(idx, list) or len(idx) >= 32:
        return False
    for o in idx:
        if isinstance(o, (Tensor, list, tuple, slice, np.ndarray)) or o is None or o is Ellipsis:
            return True
    return False


def _as_index_array(x):
    """Tensor / ndarray / list as an integer or bool array (0-d integers come back as a Python int)."""
    if isinstance(x, Tensor):
        arr = x._data
    elif isinstance(x, list):
        arr = np.asarray(x)
        if arr.size == 0:
            arr = arr.astype(np.int64)
    else:
        arr = x
    k = arr.dtype.kind
    if k == "b":
        return arr
    if arr.dtype == np.uint8:  # deprecated byte masks
        return arr.astype(bool)
    if k not in _INT_KINDS or (isinstance(x, Tensor) and arr.dtype.itemsize < 4):
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors (got an index of dtype "
                         f"{backend._BY_NP[arr.dtype] if arr.dtype in backend._BY_NP else arr.dtype})")
    if arr.ndim == 0 and not isinstance(x, list):
        return int(arr)
    return arr


def _slice_part(v):
    return None if v is None else (v if _is_int(v) else v.__index__())


def _compile(shape, idx, all_advanced=False):
    """Turn a user index into an ``_Index`` for an array of ``shape`` (with PyTorch's errors)."""
    if not (isinstance(idx, tuple) or _seq_as_tuple(idx)):
        idx = (idx,)
    items = []
    for o in idx:
        if isinstance(o, (Tensor, np.ndarray)) or (isinstance(o, list)):
            o = _as_index_array(o)
            if all_advanced and _is_int(o):
                o = np.asarray(o, dtype=np.int64)
        elif isinstance(o, (bool, np.bool_)):
            o = bool(o)
        elif _is_int(o):
            o = int(o)
        elif isinstance(o, slice):
            if o.step is not None and _slice_part(o.step) <= 0:
                raise ValueError("step must be greater than zero")
            o = slice(_slice_part(o.start), _slice_part(o.stop), _slice_part(o.step))
        elif o is None or o is Ellipsis:
            pass
        elif hasattr(o, "__index__") and not isinstance(o, float):
            o = int(o.__index__())
        else:
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
                             f"valid indices (got {type(o).__name__})")
        items.append(o)
    ndim = len(shape)
    consumed = 0
    n_ell = 0
    for o in items:
        if o is Ellipsis:
            n_ell += 1
        elif o is None or isinstance(o, bool):
            pass
        elif isinstance(o, np.ndarray) or backend.is_array(o):
            consumed += o.ndim if o.dtype.kind == "b" else 1
        else:
            consumed += 1
    if n_ell > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if consumed > ndim:
        if ndim == 0 and any(_is_int(o) for o in items):
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` "
                             "in C++ to convert a 0-dim tensor to a number")
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    basic, adv = [], {}
    d = 0      # input dim
    pos = 0    # dim of the basic view
    trivial = True
    kind = "Slice"
    for o in items:
        if o is Ellipsis:
            n = ndim - consumed
            basic.extend([slice(None)] * n)
            d += n
            pos += n
        elif o is None:
            basic.append(None)
            trivial = False
            kind = "Unsqueeze"
            pos += 1
        elif isinstance(o, bool):
            basic.append(None)
            trivial = False
            adv[pos] = np.zeros(1, np.int64) if o else np.zeros(0, np.int64)
            pos += 1
        elif isinstance(o, int):
            size = shape[d]
            if not -size <= o < size:
                raise IndexError(f"index {o} is out of bounds for dimension {d} with size {size}")
            basic.append(o)
            trivial = False
            kind = "Select"
            d += 1
        elif isinstance(o, slice):
            basic.append(o)
            if o != slice(None):
                trivial = False
                kind = "Slice"
            d += 1
            pos += 1
        else:  # array
            if o.dtype.kind == "b":
                k = o.ndim
                if tuple(o.shape) != tuple(shape[d:d + k]):
                    bad = next((j for j in range(k) if o.shape[j] != shape[d + j]), 0)
                    raise IndexError(f"The shape of the mask {list(o.shape)} at index {bad} does not match the shape "
                                     f"of the indexed tensor {list(shape)} at index {d + bad}")
                if k == 0:  # a 0-d bool tensor: like a Python bool
                    basic.append(None)
                    trivial = False
                    adv[pos] = np.zeros(1 if bool(o) else 0, np.int64)
                    pos += 1
                    continue
                basic.extend([slice(None)] * k)
                adv[pos] = o
                d += k
                pos += k
            else:
                size = shape[d]
                if o.size:
                    bad = (o >= size) | (o < -size)
                    if bool(bad.any()):
                        v = int(o[bad].reshape(-1)[0])
                        raise IndexError(f"index {v} is out of bounds for dimension {d} with size {size}")
                basic.append(slice(None))
                adv[pos] = o if o.dtype == np.int64 else o.astype(np.int64)
                d += 1
                pos += 1
    basic_t = None if trivial else tuple(basic) + ((Ellipsis,) if n_ell == 0 else ())
    adv_t = None
    unique = False
    if adv:
        shapes = [tuple(a.shape) if a.dtype.kind != "b" else (int(a.sum()),) for a in adv.values()]
        try:
            np.broadcast_shapes(*shapes)
        except ValueError:
            raise IndexError("shape mismatch: indexing tensors could not be broadcast together with shapes "
                             + ", ".join(str(list(s)) for s in shapes)) from None
        last = max(adv)
        adv_t = tuple(adv.get(i, slice(None)) for i in range(last + 1))
        unique = len(adv) == 1 and next(iter(adv.values())).dtype.kind == "b"
    return _Index(basic_t, adv_t, unique, kind)


# ============================================================================ getitem
class _GetItemView(NativeFunction):
    """x[basic]: a view;  backward: the gradient written into zeros of x's shape"""

    is_view = True

    @staticmethod
    def forward(ctx, a, index):
        ctx.shape, ctx._idx_basic = a.shape, index.basic
        ctx.node_name = index.select_kind + "Backward0"
        return a[index.basic]

    @staticmethod
    def backward(ctx, g):
        return _IndexPutZeros.apply(g, ctx.shape, _Index(ctx._idx_basic, None)), None

    @staticmethod
    def jvp(ctx, t, _i):
        return _GetItemView.apply(t, _Index(ctx._idx_basic, None))


class Index(NativeFunction):
    """x[adv] (advanced indexing, a copy);  backward: gradient accumulated into zeros (duplicates add up)"""

    @staticmethod
    def forward(ctx, a, index):
        ctx.shape, ctx._idx_adv = a.shape, _Index(None, index.adv, index.unique)
        return a[index.adv]

    @staticmethod
    def backward(ctx, g):
        return _IndexPutZeros.apply(g, ctx.shape, ctx._idx_adv), None

    @staticmethod
    def jvp(ctx, t, _i):
        return Index.apply(t, ctx._idx_adv)


class _IndexPutZeros(NativeFunction):
    """zeros(shape)[index] (+)= g: the backward of getitem; its own backward is getitem"""

    node_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, g, shape, index):
        ctx.index = index
        z = _xp(g).zeros(shape, dtype=g.dtype)
        index.write(z, g, accumulate=index.adv is not None)
        return z

    @staticmethod
    def backward(ctx, gg):
        return _take_index(gg, ctx.index), None, None

    @staticmethod
    def jvp(ctx, t, _s, _i):
        return _IndexPutZeros.apply(t, ctx._fw_out_meta[0][0], ctx.index)


def _take_index(t, index):
    """t[index] with the Functions above (basic part as a view, then the advanced part)."""
    if index.basic is not None:
        t = _GetItemView.apply(t, index)
    if index.adv is not None:
        t = Index.apply(t, index)
    return t


def _getitem(self, idx):
    """``self[idx]``: basic indices give a view, advanced ones a copy (PyTorch/NumPy semantics)."""
    if isinstance(idx, int) and not isinstance(idx, bool) and self._data.ndim:  # fast path: x[i]
        size = self._data.shape[0]
        if not -size <= idx < size:
            raise IndexError(f"index {idx} is out of bounds for dimension 0 with size {size}")
        return _GetItemView.apply(self, _Index((idx, Ellipsis), None, select_kind="Select"))
    return _take_index(self, _compile(self._data.shape, idx))


# ============================================================================ index_put / setitem
class IndexPut(NativeFunction):
    """out = a with out[index] = v (or += v with accumulate).
    d/da = g with the region zeroed (g when accumulating); d/dv = g[index] summed to v's shape"""

    @staticmethod
    def forward(ctx, a, v, index, accumulate=False):
        ctx.index, ctx.accumulate = index, accumulate
        ctx.v_shape = v.shape if backend.is_array(v) else None
        out = a.copy()
        index.write(out, v, accumulate)
        return out

    @staticmethod
    def backward(ctx, g):
        na, nv = ctx.needs_input_grad[:2]
        ga = gv = None
        if na:
            ga = g if ctx.accumulate else IndexPut.apply(g, 0, ctx.index, False)
        if nv:
            gv = sum_to_shape(_take_index(g, ctx.index), ctx.v_shape)
        return ga, gv, None, None

    @staticmethod
    def jvp(ctx, ta, tv, _i, _acc):
        if ta is None:
            shape, dt = ctx._fw_out_meta[0]
            ta = _const(_xp(None).zeros(shape, dtype=dt))
        return IndexPut.apply(ta, 0 if tv is None and not ctx.accumulate else tv if tv is not None else 0,
                              ctx.index, ctx.accumulate)


def _prepare_value(self, value, op):
    """A value to write into self: a number, or a Tensor cast to self's dtype (differentiably)."""
    if isinstance(value, Tensor):
        if value._data.dtype != self._data.dtype:
            value = value.to(self.dtype)
        return value
    if isinstance(value, (np.ndarray, list, tuple)):
        from .creation import tensor  # noqa: PLC0415

        return tensor(value, dtype=self.dtype)
    if isinstance(value, np.generic):
        value = value.item()
    if not isinstance(value, (int, float, complex, bool)):
        raise TypeError(f"{op}: can't assign a {type(value).__name__} to a {self.dtype} tensor")
    return value


def _strip_ones(value, region_ndim):
    """Drop leading size-1 dims of a value that has more dims than the region (PyTorch allows them)."""
    if isinstance(value, Tensor) and value._data.ndim > region_ndim:
        extra = value._data.shape[:value._data.ndim - region_ndim]
        if all(s == 1 for s in extra):
            value = value.reshape(value._data.shape[value._data.ndim - region_ndim:])
    return value


def _check_fits(value, region_shape, op):
    if isinstance(value, Tensor):
        try:
            # one-way: the value broadcasts to the region, not both to a bigger shape
            ok = np.broadcast_shapes(value._data.shape, tuple(region_shape)) == tuple(region_shape)
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(f"{op}: shape mismatch: value tensor of shape {list(value.shape)} cannot be broadcast "
                               f"to indexing result of shape {list(region_shape)}")


def _put_compiled(self, index, value, accumulate, op):
    region_shape = index.region(self._data).shape
    value = _strip_ones(_prepare_value(self, value, op), len(region_shape))
    _check_fits(value, region_shape, op)
    base = self._base  # (a view of a base that requires grad: inplace() checks and records it)
    record = _state.grad_enabled and (self._requires_grad or (base is not None and base._requires_grad)
                                      or (isinstance(value, Tensor) and value._requires_grad))
    if not record and self._fw_grad is None and not (isinstance(value, Tensor) and value._fw_grad is not None) \
            and (base is None or base._fw_grad is None):
        if not self._data.flags.writeable:
            raise RuntimeError(f"{op}: the tensor's memory is read-only (it is an expanded view); clone() it first")
        index.write(self._data, value._data if isinstance(value, Tensor) else value, accumulate)
        self._version_counter[0] += 1
        return self
    if index.basic is not None:
        # As PyTorch: write through the view the basic part selects, so that self's base gets a
        # CopySlices node (and a leaf's error names the view); then the advanced part, if any, on it.
        view = _GetItemView.apply(self, index)
        if index.adv is not None:
            _put_compiled(view, _Index(None, index.adv, index.unique, index.select_kind), value, accumulate, op)
        elif accumulate:
            from .elementwise import add  # noqa: PLC0415

            inplace(view, add, value)
        else:
            from .conversion import _copy_from  # noqa: PLC0415

            inplace(view, _copy_from, value)
        return self
    return inplace(self, lambda s, v: IndexPut.apply(s, v, index, accumulate), value)


def _setitem(self, idx, value):
    """``self[idx] = value``: an in-place, differentiable write (value broadcast to the indexed region)."""
    _put_compiled(self, _compile(self._data.shape, idx), value, False, "setitem")


def _compile_indices(shape, indices, op):
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"{op}(): indices must be a tuple of tensors, got {type(indices).__name__}")
    items = tuple(slice(None) if i is None else i for i in indices)
    for i in items:
        if not isinstance(i, (Tensor, np.ndarray, slice)):
            raise TypeError(f"{op}(): indices must be tensors (or None), got {type(i).__name__}")
    return _compile(shape, items, all_advanced=True)


def _check_put_dtype(input, indices, values, op):
    """index_put's values must have self's dtype (PyTorch's documented rule), except a 0-d value under one
    bool mask (PyTorch routes that to masked_fill, which casts)."""
    if not isinstance(values, Tensor) or values._data.dtype == input._data.dtype:
        return
    if values._data.ndim == 0 and len(indices) == 1 and isinstance(indices[0], Tensor) \
            and indices[0]._data.dtype == np.bool_:
        return
    raise RuntimeError(f"{op}: Index put requires the source and destination dtypes match, got {input.dtype} for the "
                       f"destination and {values.dtype} for the source (self shape {list(input.shape)}, values shape "
                       f"{list(values.shape)})")


def index_put(input, indices, values, accumulate=False):
    """A copy of ``input`` with ``out[indices] = values`` (``+=`` when ``accumulate``; duplicates add up).

    ``indices``: a tuple of integer/bool tensors, one per leading dim, broadcast together.
    """
    index = _compile_indices(input._data.shape, indices, "index_put")
    _check_put_dtype(input, indices, values, "index_put")
    region_shape = index.region(input._data).shape
    values = _strip_ones(_prepare_value(input, values, "index_put"), len(region_shape))
    _check_fits(values, region_shape, "index_put")
    return IndexPut.apply(input, values, index, bool(accumulate))


def index_put_(self, indices, values, accumulate=False):
    """In-place :func:`index_put`: ``self[indices] = values`` (``+=`` when ``accumulate``); returns self."""
    index = _compile_indices(self._data.shape, indices, "index_put_")
    _check_put_dtype(self, indices, values, "index_put_")
    return _put_compiled(self, index, values, bool(accumulate), "index_put_")


# ============================================================================ index_select / add / copy / fill
def _dim(dim, ndim, op):
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

    @staticmethod
    def forward(ctx, a, dim, idx):
        ctx.shape, ctx.dim, ctx.idx = a.shape, dim, idx
        return _xp(a).take(a, idx, axis=dim) if a.ndim else a.reshape(1)[idx].reshape(idx.shape if idx.size != 1
                                                                                      else ())

    @staticmethod
    def backward(ctx, g):
        z = _const(_xp(None).zeros(ctx.shape, dtype=g._data.dtype))
        return IndexAdd.apply(z, g, ctx.dim, ctx.idx, 1), None, None

    @staticmethod
    def jvp(ctx, t, *_):
        return IndexSelect.apply(t, ctx.dim, ctx.idx)


class IndexAdd(NativeFunction):
    """out = a; out[..., idx[i], ...] += alpha * src[..., i, ...];  d/da = g, d/dsrc = alpha g.index_select"""

    @staticmethod
    def forward(ctx, a, src, dim, idx, alpha):
        ctx.dim, ctx.idx, ctx.alpha, ctx.src_shape = dim, idx, alpha, src.shape
        out = a.copy()
        if a.ndim == 0:
            out = out.reshape(1)
        _xp(a).add.at(out, _along(dim, idx), src.reshape(out.shape[:dim] + (idx.size,) + out.shape[dim + 1:])
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
            ta = _const(_xp(None).zeros(shape, dtype=dt))
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
            ta = _const(_xp(None).zeros(shape, dtype=dt))
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
            ta = _const(_xp(None).zeros(shape, dtype=dt))
        if ts is None:
            ts = _const(_xp(None).zeros(ctx.src_shape, dtype=ta._data.dtype))
        return IndexCopy.apply(ta, ts, ctx.dim, ctx.idx)


def index_select(input, dim, index, *, out=None):
    """out = input indexed along ``dim`` by the 1-D integer tensor ``index``: ``out.size(dim) = len(index)``."""
    d = _dim(dim, input._data.ndim, "index_select")
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
    d = _dim(dim, input._data.ndim, "index_add")
    size = input._data.shape[d] if input._data.ndim else 1
    idx = _vector_index(index, "index_add", size, d, oob_error=RuntimeError)
    _check_source("index_add", input, d, idx, source)
    return IndexAdd.apply(input, source, d, idx, alpha)


def index_copy(input, dim, index, source, *, out=None):
    """out = input;  out[..., index[i], ...] = source[..., i, ...] along ``dim``."""
    d = _dim(dim, input._data.ndim, "index_copy")
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
    d = _dim(dim, input._data.ndim, "index_fill")
    size = input._data.shape[d] if input._data.ndim else 1
    idx = _vector_index(index, "index_fill", size, d, negative=True, long_only=IndexError)
    return IndexFill.apply(input, _scalar_value(value, input, "index_fill_"), d, idx)


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
        xp = _xp(a)
        shape = np.broadcast_shapes(a.shape, mask.shape)
        out = xp.array(xp.broadcast_to(a, shape))
        out[xp.broadcast_to(mask, shape)] = value
        return out

    @staticmethod
    def backward(ctx, g):
        na, nv = ctx.needs_input_grad[:2]
        ga = sum_to_shape(MaskedFill.apply(g, 0, ctx.mask), ctx.a_shape) if na else None
        gv = MaskedFill.apply(g, 0, ~ctx.mask).sum() if nv else None
        return ga, gv, None

    @staticmethod
    def jvp(ctx, ta, tv, _m):
        if ta is None:
            ta = _const(_xp(None).zeros(ctx.a_shape, dtype=tv._data.dtype))
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
        xp = _xp(a)
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
        ga = sum_to_shape(MaskedFill.apply(g, 0, ctx.mask), ctx.a_shape) if na else None
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
            ta = _const(_xp(None).zeros(ctx.a_shape, dtype=ts._data.dtype))
        if ts is None:
            ts = _const(_xp(None).zeros(ctx.src_shape, dtype=ta._data.dtype))
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
    xp = _xp(a)
    if as_tuple:
        return tuple(_const(i.astype(np.int64)) for i in xp.nonzero(a.reshape(1) if a.ndim == 0 else a))
    if a.ndim == 0:
        return _const(xp.zeros((1 if bool(a) else 0, 0), dtype=np.int64))
    return _const(xp.argwhere(a).astype(np.int64, copy=False))


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


# ============================================================================ methods
def _index_put_method(self, indices, values, accumulate=False):
    """``self.index_put(indices, values, accumulate=False)``: a copy with ``out[indices] = values`` (see index_put)."""
    return index_put(self, indices, values, accumulate)


attach_methods(
    __getitem__=_getitem, __setitem__=_setitem, index_put=_index_put_method, index_put_=index_put_,
    index_select=index_select, index_add=index_add, index_copy=index_copy, index_fill=index_fill,
    masked_fill=masked_fill, masked_select=masked_select, masked_scatter=masked_scatter, nonzero=nonzero,
    argwhere=argwhere, take=take, put=put,
    index_add_=make_inplace(index_add), index_copy_=make_inplace(index_copy), index_fill_=make_inplace(index_fill),
    masked_fill_=make_inplace(masked_fill), masked_scatter_=make_inplace(masked_scatter), put_=make_inplace(put),
)

from .scatter import *  # noqa: E402,F401,F403
from .scatter import __all__ as _scatter_all  # noqa: E402
from .scatter import one_hot  # noqa: E402,F401  (nn.functional.one_hot; not a top-level name)

__all__ = __all__ + list(_scatter_all)
