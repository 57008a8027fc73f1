"""Grids and combinatorics: ``meshgrid``, ``cartesian_prod``, ``combinations``, ``vander``, ``diagflat``,
``tril_indices``/``triu_indices``, ``block_diag``. Built from existing differentiable ops where the
result depends on tensor values, so gradients (of every order) come with them.
"""
from __future__ import annotations

import itertools

import numpy as np

from ... import backend
from ..arguments import check_tensor, const, xp_of
from ..creation.factories import zeros
from ..promotion import result_type
from ..registry import register
from .diagonals import diag_embed
from .joins import cat, stack


# ============================================================================================ grids
def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D tensors: with sizes n_1..n_k, each output has shape (n_1, ..., n_k)
    (``indexing='ij'``, the default) and out_i[j_1, ..., j_k] = tensors[i][j_i]; ``indexing='xy'``
    swaps the first two dims (shape (n_2, n_1, ...)), as NumPy's default. Outputs are views (expanded).
    Example: ``x, y = torch.meshgrid(torch.arange(2), torch.arange(3), indexing='ij')`` gives 2x3 grids.
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    if not tensors:
        raise RuntimeError("torch.meshgrid: Expected at least one tensor as input")
    for i, t in enumerate(tensors):
        check_tensor("meshgrid", t, f"tensors[{i}]")
        if t._data.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t._data.ndim}D"
                               f" (shape {list(t.shape)})")
    ts = [t.reshape(-1) for t in tensors]
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    sizes = [t._data.shape[0] for t in ts]
    k = len(ts)
    outs = []
    for i, t in enumerate(ts):
        shape = [1] * k
        shape[i] = sizes[i]
        outs.append(t.reshape(shape).expand(*sizes))
    if swap:
        outs[0], outs[1] = outs[1], outs[0]
    return tuple(outs)


def cartesian_prod(*tensors):
    """Cartesian product of 1-D tensors: a (prod n_i, k) tensor of all tuples, first tensor varying slowest
    (as itertools.product); one tensor: itself. Example: ``torch.cartesian_prod(torch.tensor([1, 2]),
    torch.tensor([3, 4]))`` is ``[[1, 3], [1, 4], [2, 3], [2, 4]]``.
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for t in tensors:
        check_tensor("cartesian_prod", t, "tensors")
        if t._data.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], dim=1)


def combinations(input, r=2, with_replacement=False):
    """All length-``r`` combinations of the elements of a 1-D tensor, as rows of a (count, r) tensor in
    lexicographic order of positions (as itertools.combinations, or combinations_with_replacement).
    Differentiable (the rows are gathered). Example: ``torch.combinations(torch.tensor([1, 2, 3]))`` is
    ``[[1, 2], [1, 3], [2, 3]]``.
    """
    check_tensor("combinations", input)
    if input._data.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    r = int(r)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return zeros(0, dtype=input.dtype) + input.sum() * 0 if input.requires_grad else \
            const(xp_of(input._data).zeros((0,), dtype=input._data.dtype))
    n = input._data.shape[0]
    gen = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(gen(range(n), r)), dtype=np.int64).reshape(-1, r)
    flat = input.index_select(0, const(xp_of(input._data).asarray(idx.reshape(-1))))
    return flat.reshape(idx.shape[0], r)


def vander(x, N=None, increasing=False):
    """Vandermonde matrix of a 1-D tensor: out[i, j] = x_i^(N-1-j) (``increasing=True``: x_i^j), N columns
    (default len(x)). Integer and bool inputs give int64. Built by a cumulative product, so it is
    differentiable. Example: ``torch.vander(torch.tensor([1, 2, 3]), N=3)`` is ``[[1, 1, 1], [4, 2, 1], [9, 3, 1]]``.
    """
    check_tensor("vander", x, "x")
    if x._data.ndim != 1:
        raise RuntimeError(f"x must be a one-dimensional tensor (got shape {list(x.shape)})")
    n = x._data.shape[0] if N is None else int(N)
    if n < 0:
        raise RuntimeError(f"N must be non-negative (got {n})")
    if x._data.dtype.kind in "biu":
        x = x.to(backend.int64)
    m = x._data.shape[0]
    ones = const(xp_of(x._data).ones((m, min(n, 1)), dtype=x._data.dtype))
    if n > 1:
        powers = x.unsqueeze(1).expand(m, n - 1).cumprod(dim=1)
        res = cat([ones, powers], dim=1)
    else:
        res = ones
    return res if increasing else res.flip(1)


def diagflat(input, offset=0):
    """A 2-D matrix with the flattened ``input`` on its diagonal at ``offset`` (above the main one if > 0),
    zero elsewhere. Example: ``torch.diagflat(torch.tensor([[1, 2], [3, 4]]))`` is the 4x4 diag(1, 2, 3, 4).
    """
    check_tensor("diagflat", input)

    return diag_embed(input.reshape(-1), int(offset), 0, 1)


def _tri_indices(op, fn, row, col, offset, dtype, device):
    from ..creation.factories import tensor  # noqa: PLC0415

    row, col, offset = int(row), int(col), int(offset)
    if row < 0 or col < 0:
        raise RuntimeError(f"{op}: row and col must be non-negative (got {row}, {col})")
    i, j = fn(row, offset, col)
    return tensor(np.stack([i, j]).astype(np.int64).reshape(2, -1), dtype=dtype or backend.int64, device=device)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, N) coordinates of the lower triangle of a row x col matrix (elements with j - i <= offset),
    row by row. Example: ``torch.tril_indices(3, 3)`` is ``[[0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 1, 2]]``."""
    return _tri_indices("tril_indices", np.tril_indices, row, col, offset, dtype, device)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, N) coordinates of the upper triangle of a row x col matrix (elements with j - i >= offset),
    row by row. Example: ``torch.triu_indices(3, 3, 1)`` is ``[[0, 0, 1], [1, 2, 2]]``."""
    return _tri_indices("triu_indices", np.triu_indices, row, col, offset, dtype, device)


def block_diag(*tensors):
    """A block-diagonal matrix with the given tensors (0-d: 1x1, 1-D: a row, 2-D) along its diagonal,
    zeros elsewhere; dtype by promotion. Differentiable. Example: ``torch.block_diag(torch.ones(1, 1),
    2 * torch.ones(2, 2))`` is a 3x3 matrix with blocks [1] and [[2, 2], [2, 2]]."""
    mats = []
    for t in tensors:
        check_tensor("block_diag", t, "tensors")
        if t._data.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input has "
                               f"{t._data.ndim} dimensions (shape {list(t.shape)})")
        mats.append(t.reshape(1, 1) if t._data.ndim == 0 else t.reshape(1, -1) if t._data.ndim == 1 else t)
    if not mats:
        return zeros(1, 0)
    dt = result_type(*mats) if len(mats) > 1 else mats[0].dtype
    mats = [m.to(dt) for m in mats]
    total = sum(m._data.shape[1] for m in mats)
    rows, c = [], 0
    xp = xp_of(mats[0]._data)
    for m in mats:
        h, w = m._data.shape
        left = const(xp.zeros((h, c), dtype=m._data.dtype))
        right = const(xp.zeros((h, total - c - w), dtype=m._data.dtype))
        rows.append(cat([left, m, right], dim=1))
        c += w
    return cat(rows, dim=0)

register(diagflat)
