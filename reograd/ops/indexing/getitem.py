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

from ... import backend
from ...autograd.function import NativeFunction
from ...autograd.grad_mode import state as _state
from ...autograd.tensor import Tensor
from ..arguments import const, xp_of
from ..inplace import inplace
from ..registry import register

_INT_KINDS = "iu"


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
            xp_of(arr).add.at(v, self.adv, value)
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
    linear = True

    @staticmethod
    def forward(ctx, a, index):
        ctx.shape, ctx._idx_basic = a.shape, index.basic
        ctx.node_name = index.select_kind + "Backward0"
        return a[index.basic]

    @staticmethod
    def backward(ctx, g):
        return _IndexPutZeros.apply(g, ctx.shape, _Index(ctx._idx_basic, None)), None


class Index(NativeFunction):
    """x[adv] (advanced indexing, a copy);  backward: gradient accumulated into zeros (duplicates add up)"""

    linear = True

    @staticmethod
    def forward(ctx, a, index):
        ctx.shape, ctx._idx_adv = a.shape, _Index(None, index.adv, index.unique)
        return a[index.adv]

    @staticmethod
    def backward(ctx, g):
        return _IndexPutZeros.apply(g, ctx.shape, ctx._idx_adv), None


class _IndexPutZeros(NativeFunction):
    """zeros(shape)[index] (+)= g: the backward of getitem; its own backward is getitem"""

    node_name = "IndexPutBackward0"
    linear = True

    @staticmethod
    def forward(ctx, g, shape, index):
        ctx.index = index
        z = xp_of(g).zeros(shape, dtype=g.dtype)
        index.write(z, g, accumulate=index.adv is not None)
        return z

    @staticmethod
    def backward(ctx, gg):
        return _take_index(gg, ctx.index), None, None


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
            gv = _take_index(g, ctx.index)
        return ga, gv, None, None

    @staticmethod
    def jvp(ctx, ta, tv, _i, _acc):
        if ta is None:
            shape, dt = ctx._fw_out_meta[0]
            ta = const(xp_of(None).zeros(shape, dtype=dt))
        return IndexPut.apply(ta, 0 if tv is None and not ctx.accumulate else tv if tv is not None else 0,
                              ctx.index, ctx.accumulate)


def _prepare_value(self, value, op):
    """A value to write into self: a number, or a Tensor cast to self's dtype (differentiably)."""
    if isinstance(value, Tensor):
        if value._data.dtype != self._data.dtype:
            value = value.to(self.dtype)
        return value
    if isinstance(value, (np.ndarray, list, tuple)):
        from ..creation.factories import tensor  # noqa: PLC0415

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
            from ..pointwise.arithmetic import add  # noqa: PLC0415

            inplace(view, add, value)
        else:
            from ..creation.conversion import _copy_from  # noqa: PLC0415

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


# ============================================================================ methods
def _index_put_method(self, indices, values, accumulate=False):
    """``self.index_put(indices, values, accumulate=False)``: a copy with ``out[indices] = values`` (see index_put)."""
    return index_put(self, indices, values, accumulate)

register(index_put_)
register(__getitem__=_getitem, __setitem__=_setitem, index_put=_index_put_method)
