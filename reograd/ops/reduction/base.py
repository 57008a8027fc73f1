"""Shared pieces of the reductions: dim handling, PyTorch's named-tuple return types, and the
index-routing functions (gather along a dim, scatter into zeros, flip, shift) whose backwards are
each other, so that gradients routed through indices differentiate any number of times.
"""
from __future__ import annotations

import numpy as np

from ...autograd.function import NativeFunction
from ...autograd.tensor import wrap_dim
from ..arguments import xp_of


# --------------------------------------------------------------------------- dims
def normalize_dims(dim, ndim, op="reduce"):
    """``dim`` (None, int, or sequence) as a sorted tuple of non-negative dims (empty sequence = all)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        dims = dim
        if len(dims) == 0:
            return tuple(range(ndim))
    else:
        dims = (dim,)
    out = []
    for d in dims:
        d = wrap_dim(d, ndim, op)
        if d in out:
            raise RuntimeError(f"{op}: dim {d} appears multiple times in the list of dims")
        out.append(d)
    return tuple(sorted(out)) if ndim else ()


def reduction_dim(dim, ndim, op="op"):
    """The one dim of a reduction along a dim (``dim=[1]`` is taken as ``dim=1``, as PyTorch does)."""
    if isinstance(dim, (list, tuple)):
        if len(dim) != 1:
            raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
        dim = dim[0]
    return wrap_dim(dim, ndim, op)


def keepdim_shape(shape, dims):
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def expand_back(g, in_shape, dims, keepdim):
    """Gradient of a reduction: g (reduced shape) broadcast back to ``in_shape``."""
    if not keepdim and dims and g._data.ndim:  # (a 0-d g broadcasts to any shape as it is)
        g = g.reshape(keepdim_shape(in_shape, dims))
    if tuple(g._data.shape) == tuple(in_shape) and not g._requires_grad:
        return g
    return g.expand(in_shape)


def check_nonempty(input, op, dims=None):
    """Reductions without identity (max, amax, argmax...) refuse to reduce over a zero-size dim."""
    shape = input._data.shape
    if dims is None:
        if input._data.size == 0:
            raise RuntimeError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                               f"reduction dim with the 'dim' argument.")
        return
    for d in dims:
        if shape and shape[d] == 0:
            raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size (input shape {list(shape)}).")


# --------------------------------------------------------------------------- return types
class _ReturnTypes:
    """``torch.return_types``: named tuples returned by max(dim), sort, topk, ..."""


return_types = _ReturnTypes()


def return_type(name, fields=("values", "indices")):
    """A tuple subclass with named fields, printed like ``torch.return_types.<name>``."""
    if hasattr(return_types, name):
        return getattr(return_types, name)

    def __new__(cls, seq):
        seq = tuple(seq)
        if len(seq) != len(fields):
            raise TypeError(f"torch.return_types.{name} takes a {len(fields)}-sequence ({len(seq)}-sequence given)")
        return tuple.__new__(cls, seq)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{name}(\n{body})"

    def __reduce__(self):
        return (cls, (tuple(self),))

    ns = {"__new__": __new__, "__repr__": __repr__, "__reduce__": __reduce__, "__slots__": (),
          "n_fields": len(fields), "n_sequence_fields": len(fields), "_fields": tuple(fields),
          "__module__": "reograd.return_types"}
    for i, f in enumerate(fields):
        ns[f] = property(lambda self, i=i: tuple.__getitem__(self, i))
    cls = type(name, (tuple,), ns)
    cls.__qualname__ = name
    setattr(return_types, name, cls)
    return cls


# --------------------------------------------------------------------------- gather / scatter
def _linear_index(idx, dim, shape):
    """Flat positions in an array of ``shape`` of the elements ``idx`` picks along ``dim``."""
    xp = xp_of(idx)
    grids = list(xp.ogrid[tuple(slice(0, s) for s in idx.shape)]) if idx.ndim else []
    grids[dim] = idx
    strides = [1] * len(shape)
    for i in range(len(shape) - 2, -1, -1):
        strides[i] = strides[i + 1] * shape[i + 1]
    lin = 0
    for gr, st in zip(grids, strides):
        lin = lin + gr * st
    return xp.broadcast_to(lin, idx.shape)


class Gather(NativeFunction):
    """values = input picked along ``dim`` at ``idx`` (``take_along_axis``); optionally drop ``dim``.

    Backward scatters the gradient into zeros at ``idx`` (adding where an index repeats when
    ``accumulate``); the scatter's backward is this gather again.
    """

    node_name = "GatherBackward0"
    linear = True

    @staticmethod
    def forward(ctx, a, idx, dim, squeeze=False, accumulate=False):
        ctx.in_shape, ctx.idx, ctx.dim, ctx.squeeze, ctx.accumulate = a.shape, idx, dim, squeeze, accumulate
        out = xp_of(a).take_along_axis(a, idx, axis=dim)
        return out.reshape(out.shape[:dim] + out.shape[dim + 1:]) if squeeze else out

    @staticmethod
    def backward(ctx, g):
        if ctx.squeeze:
            g = g.reshape(ctx.idx.shape)
        return Scatter.apply(g, ctx.idx, ctx.dim, ctx.in_shape, ctx.accumulate), None, None, None, None


class Scatter(NativeFunction):
    """zeros(shape) with ``src`` written (or added, when ``accumulate``) at ``idx`` along ``dim``."""

    node_name = "ScatterBackward0"
    linear = True

    @staticmethod
    def forward(ctx, src, idx, dim, shape, accumulate=False):
        ctx.idx, ctx.dim, ctx.accumulate = idx, dim, accumulate
        xp = xp_of(src)
        if accumulate:
            lin = _linear_index(idx, dim, shape).reshape(-1)
            size = int(np.prod(shape))
            if src.dtype.kind == "c":
                out = (xp.bincount(lin, src.real.reshape(-1), size)
                       + 1j * xp.bincount(lin, src.imag.reshape(-1), size))
            else:
                out = xp.bincount(lin, src.reshape(-1), size)
            return out.astype(src.dtype, copy=False).reshape(shape)
        out = xp.zeros(shape, dtype=src.dtype)
        xp.put_along_axis(out, idx, src, axis=dim)
        return out

    @staticmethod
    def backward(ctx, g):
        return Gather.apply(g, ctx.idx, ctx.dim, False, ctx.accumulate), None, None, None, None


def gather_along(input, idx, dim, squeeze=False, accumulate=False):
    """``input`` picked at the index array ``idx`` along ``dim`` (gradient routed back to those places)."""
    return Gather.apply(input, idx, dim, squeeze, accumulate)


class Flip(NativeFunction):
    """input reversed along ``dim`` (a copy)."""

    linear = True

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        return xp_of(a).flip(a, dim).copy()

    @staticmethod
    def backward(ctx, g):
        return Flip.apply(g, ctx.dim), None


class Shift(NativeFunction):
    """Shift along ``dim`` by one place (``step`` = +1: towards the end, -1: towards the start),
    filling the vacated place with ``fill``: ``shift([a, b, c], +1, 1) = [1, a, b]``."""

    @staticmethod
    def forward(ctx, a, dim, step, fill):
        ctx.dim, ctx.step = dim, step
        out = xp_of(a).full(a.shape, fill, dtype=a.dtype)
        n = a.shape[dim]
        src = [slice(None)] * a.ndim
        dst = [slice(None)] * a.ndim
        if step > 0:
            src[dim], dst[dim] = slice(0, n - 1), slice(1, n)
        else:
            src[dim], dst[dim] = slice(1, n), slice(0, n - 1)
        out[tuple(dst)] = a[tuple(src)]
        return out

    @staticmethod
    def backward(ctx, g):
        return Shift.apply(g, ctx.dim, -ctx.step, 0), None, None, None

    @staticmethod
    def jvp(ctx, t, *_):
        return Shift.apply(t, ctx.dim, ctx.step, 0)


class ZeroGrad(NativeFunction):
    """``value`` (an array computed from ``a``, e.g. sign(a)) as a function of ``a`` with zero derivative.

    Like PyTorch's ``sgn(x)`` in a backward formula: the result is part of the graph (so a gradient
    built from it is differentiable), but contributes nothing to higher derivatives.
    """

    @staticmethod
    def forward(ctx, a, value):
        return value

    @staticmethod
    def backward(ctx, g):
        return None, None

    @staticmethod
    def jvp(ctx, *_):
        return None


def move_dims_last(input, dims):
    """``input`` with ``dims`` moved to the end and flattened into one; returns (x, undo)."""
    n = input._data.ndim
    rest = [d for d in range(n) if d not in dims]
    perm = rest + list(dims)
    shape = input._data.shape
    x = input.permute(perm) if perm != list(range(n)) else input
    x = x.reshape(tuple(shape[d] for d in rest) + (-1,)) if len(dims) != 1 else x
    inv = [0] * n
    for i, p in enumerate(perm):
        inv[p] = i

    def undo(y):
        if len(dims) != 1:
            y = y.reshape(tuple(shape[d] for d in perm))
        return y.permute(inv) if perm != list(range(n)) else y
    return x, undo
