"""Diagonals and triangles: ``diagonal`` (a view), ``diag``, ``diag_embed``, ``tril``, ``triu``."""
from __future__ import annotations

from ...autograd.function import NativeFunction
from ...autograd.tensor import wrap_dim
from ..arguments import xp_of
from ..registry import register


# =========================================================================== diagonals
def _diag_view(a, offset, d1, d2):
    """A writable view of a's diagonal (dims d1, d2, offset), as the last dim of the result."""
    n1, n2 = a.shape[d1], a.shape[d2]
    if offset >= 0:
        k, s1, s2 = max(min(n1, n2 - offset), 0), 0, offset
    else:
        k, s1, s2 = max(min(n1 + offset, n2), 0), -offset, 0
    idx = [slice(None)] * a.ndim
    if k:
        idx[d1], idx[d2] = slice(s1, None), slice(s2, None)
    sub = a[tuple(idx)]
    shape = [s for i, s in enumerate(a.shape) if i not in (d1, d2)] + [k]
    strides = [st for i, st in enumerate(sub.strides) if i not in (d1, d2)] + [sub.strides[d1] + sub.strides[d2]]
    return xp_of(a).lib.stride_tricks.as_strided(sub, shape, strides)


class Diagonal(NativeFunction):
    """The diagonal of dims (d1, d2) as a view; backward writes g back onto a zero matrix's diagonal."""

    is_view = True
    linear = True

    @staticmethod
    def forward(ctx, a, offset, d1, d2):
        ctx.in_shape, ctx.args = a.shape, (offset, d1, d2)
        return _diag_view(a, offset, d1, d2)

    @staticmethod
    def backward(ctx, g):
        return DiagScatter.apply(g, ctx.in_shape, *ctx.args), None, None, None


class DiagScatter(NativeFunction):
    """zeros(shape) with its (d1, d2, offset) diagonal set to g (the adjoint of ``Diagonal``)."""

    linear = True

    @staticmethod
    def forward(ctx, g, shape, offset, d1, d2):
        ctx.args = (offset, d1, d2)
        out = xp_of(g).zeros(shape, dtype=g.dtype)
        _diag_view(out, offset, d1, d2)[...] = g
        return out

    @staticmethod
    def backward(ctx, gg):
        return Diagonal.apply(gg, *ctx.args), None, None, None, None


def diagonal(input, offset=0, dim1=0, dim2=1):
    """View of the diagonal of dims (dim1, dim2): out[..., i] = input[.., i, .., i + offset, ..].

    The two dims are removed and the diagonal appended as the last dim. offset > 0: above the main
    diagonal, < 0: below.
    """
    n = input._data.ndim
    d1, d2 = wrap_dim(dim1, n, "diagonal"), wrap_dim(dim2, n, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(input, int(offset), d1, d2)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matrices whose (dim1, dim2) diagonal (at ``offset``) is the last dim of input, zero elsewhere.

    input (..., k) -> output with two new dims of size k + |offset| at dim1 and dim2.
    """
    n = input._data.ndim + 1
    d1, d2 = wrap_dim(dim1, n, "diag_embed"), wrap_dim(dim2, n, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diag_embed: diagonal dimensions cannot be identical {dim1}, {dim2}")
    m = input._data.shape[-1] + abs(int(offset)) if input._data.ndim else 1 + abs(int(offset))
    rest = list(input._data.shape[:-1])
    shape = []
    for i in range(n):
        shape.append(m if i in (d1, d2) else rest.pop(0))
    src = input if input._data.ndim else input.reshape(1)
    return DiagScatter.apply(src, tuple(shape), int(offset), d1, d2)


def diag(input, diagonal=0, *, out=None):
    """1-D input: a square matrix with input on its ``diagonal``; 2-D input: that diagonal, as 1-D."""
    if input._data.ndim == 1:
        return diag_embed(input, diagonal, 0, 1)
    if input._data.ndim == 2:
        return Diagonal.apply(input, int(diagonal), 0, 1).clone()
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input._data.ndim}D (shape {list(input.shape)})")


# =========================================================================== triangles
class Tril(NativeFunction):
    """Lower (or with upper=True, upper) triangle; the gradient is the same triangle of g."""

    linear = True

    @staticmethod
    def forward(ctx, a, k, upper):
        ctx.k, ctx.upper = k, upper
        return xp_of(a).triu(a, k) if upper else xp_of(a).tril(a, k)

    @staticmethod
    def backward(ctx, g):
        return Tril.apply(g, ctx.k, ctx.upper), None, None


def tril(input, diagonal=0, *, out=None):
    """Lower triangle of the last two dims: elements with j - i <= diagonal kept, others set to 0."""
    if input._data.ndim < 2:
        raise RuntimeError(f"tril: input tensor must have at least 2 dimensions (got shape {list(input.shape)})")
    return Tril.apply(input, int(diagonal), False)


def triu(input, diagonal=0, *, out=None):
    """Upper triangle of the last two dims: elements with j - i >= diagonal kept, others set to 0."""
    if input._data.ndim < 2:
        raise RuntimeError(f"triu: input tensor must have at least 2 dimensions (got shape {list(input.shape)})")
    return Tril.apply(input, int(diagonal), True)


def linalg_diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """Diagonal of the matrices in the last two dims (a view)."""
    return diagonal(A, offset, dim1, dim2)


register(tril, triu, inplace=True)
register(diag, diagonal, diag_embed)
