"""Views and scatters at arbitrary places: ``select`` and ``as_strided`` (views), and ``slice_scatter``,
``select_scatter``, ``diagonal_scatter`` (a copy of ``input`` with ``src`` written into a slice, a
selected index or a diagonal), ``fill_diagonal_``.

Differentiable ops are compositions of existing ones or small NativeFunctions whose backward is
written with Tensor ops, so double backward and jvp work.
"""
from __future__ import annotations

import numpy as np

from ...autograd import views as _views
from ...autograd.function import NativeFunction
from ...autograd.tensor import Tensor, wrap_dim
from ..arguments import check_tensor, const, xp_of
from ..creation.factories import full_like
from ..inplace import inplace
from ..pointwise.where import where
from ..registry import register
from .diagonals import DiagScatter, _diag_view
from .views import Embed


# ============================================================================================ views
def select(input, dim, index):
    """input[..., index, ...] along ``dim``: a view with that dim removed (``x.select(0, i)`` is ``x[i]``).

    ``index`` may be negative. Example: ``torch.arange(6).reshape(2, 3).select(1, -1)`` is ``[2, 5]``.
    """
    d, i = _dim_and_index("select", input, dim, index, IndexError("select() cannot be applied to a 0-dim tensor."))
    return input[(slice(None),) * d + (i,)]


def _dim_and_index(op, input, dim, index, zero_dim_error):
    """(dim, index) of ``op(input, dim, index)`` wrapped to non-negative, or the error PyTorch raises."""
    check_tensor(op, input)
    nd = input._data.ndim
    if nd == 0:
        raise zero_dim_error
    d = wrap_dim(dim, nd, op)
    n = input._data.shape[d]
    i = int(index)
    if not -n <= i < n:
        raise IndexError(f"{op}(): index {i} out of range for tensor of size {list(input.shape)} at dimension {d}")
    return d, i % n


class _StridedPositions:
    """Flat positions in the input of an ``as_strided`` view's elements (what PutFlat/TakeFlat read)."""

    def __init__(self, in_shape, size, stride, offset, itemsize):
        self.bshape = tuple(in_shape)
        self.numel = int(np.prod(in_shape, dtype=np.int64))
        self.size, self.stride, self.offset = tuple(size), tuple(stride), offset
        self.unique = _views._non_overlapping(self.size, [s * itemsize for s in stride], itemsize)
        self._idx = None

    def idx(self, xp=np):
        if self._idx is None:
            pos = np.int64(self.offset)
            for n, s in zip(self.size, self.stride):
                pos = np.add.outer(pos, np.arange(n, dtype=np.int64) * s)
            self._idx = np.asarray(pos, dtype=np.int64).reshape(self.size)
        return self._idx if xp is np else xp.asarray(self._idx)


class AsStrided(NativeFunction):
    """A view of the (contiguous) input's elements with the given size, strides and offset (in elements);
    backward: the gradient added at those positions into zeros of the input's shape (PutFlat)."""

    is_view = True
    node_name = "AsStridedBackward0"

    @staticmethod
    def forward(ctx, a, size, stride, offset):
        pos = _StridedPositions(a.shape, size, stride, offset, a.itemsize)
        ctx.pos = pos
        xp = xp_of(a)
        flat = a.reshape(-1)[offset:] if a.size else a.reshape(-1)
        return xp.lib.stride_tricks.as_strided(flat, size, tuple(s * a.itemsize for s in stride))

    @staticmethod
    def backward(ctx, g):
        return _views.PutFlat.apply(g, ctx.pos, ctx.pos.bshape), None, None, None

    @staticmethod
    def jvp(ctx, t, *_):
        return _views.TakeFlat.apply(t, ctx.pos)


def as_strided(input, size, stride, storage_offset=None):
    """A view of ``input``'s elements laid out with ``size`` and ``stride`` (in elements), starting at
    ``storage_offset``: out[i_0, ..., i_k] = input.flatten()[offset + sum_j i_j * stride_j].

    Differentiable: the backward adds the gradient at those positions into zeros of input's shape
    (positions read twice get the sum). reograd's tensors have no separate storage offset
    (``storage_offset()`` is 0), so offsets count from input's first element, and input must be
    contiguous (PyTorch's semantics over a non-contiguous tensor's storage have no counterpart here).
    Example: ``torch.arange(6.).as_strided((2, 2), (1, 2))`` is ``[[0, 2], [1, 3]]``.
    """
    check_tensor("as_strided", input)
    if not input._data.flags.c_contiguous:
        raise RuntimeError(f"as_strided: input must be contiguous (shape {list(input.shape)}, strides "
                           f"{list(input.stride())}); call .contiguous() first")
    size = tuple(int(s) for s in size)
    stride = tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(f"as_strided: mismatch in length of strides and shape (size {list(size)}, stride "
                           f"{list(stride)})")
    if any(s < 0 for s in size):
        raise RuntimeError(f"as_strided: negative size in {list(size)}")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: negative strides are not supported (stride {list(stride)})")
    off = 0 if storage_offset is None else int(storage_offset)
    if off < 0:
        raise RuntimeError(f"as_strided: negative storage offset {off}")
    numel = input._data.size
    if all(s > 0 for s in size):
        last = off + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= numel:
            raise RuntimeError(f"as_strided: setStorage: sizes {list(size)}, strides {list(stride)}, storage offset "
                               f"{off} reach element {last}, out of bounds for the input's {numel} elements (shape "
                               f"{list(input.shape)})")
    return AsStrided.apply(input, size, stride, off)


# ============================================================================================ scatters
def _mask_like(a):
    return xp_of(a).zeros(a.shape, dtype=bool)


def _cast_src(op, input, src):
    check_tensor(op, input)
    check_tensor(op, src, "src")
    if src._data.dtype != input._data.dtype:
        raise RuntimeError(f"{op}(): expected src to have the dtype of input ({input.dtype}), got {src.dtype}")
    return src


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """A copy of ``input`` with input[..., start:end:step, ...] (along ``dim``) replaced by ``src``,
    which must have that slice's shape. Differentiable in both (input's gradient is zero on the slice).
    Example: ``torch.slice_scatter(torch.zeros(4), torch.ones(2), start=2)`` is ``[0, 0, 1, 1]``.
    """
    src = _cast_src("slice_scatter", input, src)
    nd = input._data.ndim
    if nd == 0:
        raise RuntimeError("slice_scatter(): input must have at least one dimension")
    d = wrap_dim(dim, nd, "slice_scatter")
    step = int(step)
    if step <= 0:
        raise RuntimeError(f"slice_scatter(): slice step must be positive (got {step})")
    n = input._data.shape[d]
    sl = slice(None if start is None else int(start), None if end is None else int(end), step)
    b, e, s = sl.indices(n)
    idx = (slice(None),) * d + (slice(b, e, s),)
    want = input._data[idx].shape
    if tuple(src.shape) != tuple(want):
        raise RuntimeError(f"slice_scatter(): expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(want)}")
    mask = _mask_like(input._data)
    mask[idx] = True
    placed = Embed.apply(src, input._data.shape, d, b, e, s)
    return where(const(mask), placed, input)


def select_scatter(input, src, dim, index):
    """A copy of ``input`` with ``input.select(dim, index)`` replaced by ``src`` (input's shape without dim).
    Differentiable in both. Example: ``torch.select_scatter(torch.zeros(2, 2), torch.ones(2), 0, 0)`` is
    ``[[1, 1], [0, 0]]``.
    """
    d, i = _dim_and_index("select_scatter", input, dim, index,
                          RuntimeError("select_scatter(): input must have at least one dimension"))
    want = tuple(s for k, s in enumerate(input.shape) if k != d)
    check_tensor("select_scatter", src, "src")
    if tuple(src.shape) != want:
        raise RuntimeError(f"select_scatter(): expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(want)}")
    return slice_scatter(input, src.unsqueeze(d), d, i, i + 1)


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """A copy of ``input`` with its (dim1, dim2) diagonal at ``offset`` replaced by ``src`` (the shape
    of ``input.diagonal(offset, dim1, dim2)``). Differentiable in both.
    Example: ``torch.diagonal_scatter(torch.zeros(2, 2), torch.ones(2))`` is the 2x2 identity.
    """
    src = _cast_src("diagonal_scatter", input, src)
    nd = input._data.ndim
    if nd < 2:
        raise RuntimeError(f"diagonal_scatter(): input must have at least 2 dimensions (shape {list(input.shape)})")
    d1, d2 = wrap_dim(dim1, nd, "diagonal_scatter"), wrap_dim(dim2, nd, "diagonal_scatter")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    mask = _mask_like(input._data)
    view = _diag_view(mask, int(offset), d1, d2)
    if tuple(src.shape) != view.shape:
        raise RuntimeError(f"diagonal_scatter(): expected src to have a size equal to the diagonal of self. src size "
                           f"= {list(src.shape)}, diagonal size = {list(view.shape)}")
    view[...] = True
    placed = DiagScatter.apply(src, input._data.shape, int(offset), d1, d2)
    return where(const(mask), placed, input)


def _fill_diagonal_(self, fill_value, wrap=False):
    """``x.fill_diagonal_(value, wrap=False)``: writes value on the main diagonal of x in place (x[i, i, ..., i]);
    x must be 2-D, or have equal sizes in all dims. For a tall 2-D matrix, ``wrap=True`` starts the diagonal
    again every N + 1 rows (as NumPy's fill_diagonal). Returns x; the written elements get zero gradient."""
    check_tensor("fill_diagonal_", self)
    nd = self._data.ndim
    if nd < 2:
        raise RuntimeError(f"fill_diagonal_: dimensions must larger than 1 (shape {list(self.shape)})")
    if nd > 2 and len(set(self._data.shape)) != 1:
        raise RuntimeError(f"fill_diagonal_: all dimensions of input must be of equal length (shape "
                           f"{list(self.shape)})")
    mask = np.zeros(self._data.shape, dtype=bool)
    np.fill_diagonal(mask, True, wrap=bool(wrap))
    m = const(xp_of(self._data).asarray(mask))
    value = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    return inplace(self, lambda t: where(m, full_like(t, value), t))


def _select_method(self, dim, index):
    """``x.select(dim, index)``: :func:`select`, the slice at ``index`` along ``dim`` (a view, dim removed)."""
    return select(self, dim, index)

register(as_strided, slice_scatter, select_scatter, diagonal_scatter)
register(select=_select_method, fill_diagonal_=_fill_diagonal_)
