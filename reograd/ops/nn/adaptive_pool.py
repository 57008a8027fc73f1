"""Adaptive pooling: the window grid is chosen to give a requested output size (PyTorch's rule).

Output cell i of a dim of size S -> O covers input [floor(i*S/O), ceil((i+1)*S/O)). Average pooling
over these windows is a linear map per spatial dim, y = A_h x A_w^T with A[i, j] = 1/len_i on the
window, so it is a pair of small matrix products (whose backward is the transposed products).
Max pooling gathers each window (padded to the longest by repeating its last index, which keeps
the first-max tie rule), takes the argmax and gathers the values (backward: scatter-add).
"""
from __future__ import annotations

import math

import numpy as np

from ...autograd.tensor import Tensor
from ..arguments import xp_of
from .pooling import Gather, _batched, window_argmax


def _out_size(op, nd, output_size, S):
    if isinstance(output_size, (list, tuple)):
        if len(output_size) != nd:
            raise ValueError(f"{op}: output_size must have {nd} elements, got {list(output_size)}")
        out = tuple(s if o is None else int(o) for o, s in zip(output_size, S))
    else:
        out = (int(output_size),) * nd
    if any(o < 0 for o in out):
        raise RuntimeError(f"{op}: elements of output_size must be greater than or equal to 0, got {out}")
    return out


def _bounds(S, O):
    i = np.arange(O)
    return (i * S) // O, -((-(i + 1) * S) // O)


def _avg_matrix(S, O, dtype, xp):
    start, end = _bounds(S, O)
    j = np.arange(S)
    A = ((j >= start[:, None]) & (j < end[:, None])) / (end - start)[:, None]
    return Tensor._make(xp.asarray(A.astype(dtype)))


def _adaptive_avg(op, nd, input, output_size):
    x, unbatched = _batched(op, nd, input)
    if not x.is_floating_point():
        raise RuntimeError(f"{op}: expected a floating point input, got dtype {x.dtype}")
    S = tuple(x.shape[2:])
    if any(s == 0 for s in S):
        raise RuntimeError(f"{op}: expected input to have non-zero size for non-batch dimensions, but input has "
                           f"sizes {list(input.shape)}")
    O = _out_size(op, nd, output_size, S)
    xp, dt = xp_of(x._data), x._data.dtype
    y = x
    if nd == 1 or nd == 2:
        if O[-1] != S[-1]:
            y = y @ _avg_matrix(S[-1], O[-1], dt, xp).mT
        if nd == 2 and O[0] != S[0]:
            y = _avg_matrix(S[0], O[0], dt, xp) @ y
    else:  # move each spatial dim last in turn
        for d in range(nd):
            if O[d] != S[d]:
                y = (y.movedim(2 + d, -1) @ _avg_matrix(S[d], O[d], dt, xp).mT).movedim(-1, 2 + d)
    if y is x:
        y = x * 1.0  # a new tensor, as PyTorch returns one
    return y.squeeze(0) if unbatched else y


def adaptive_avg_pool1d(input, output_size):
    r"""Average pooling to a fixed output length: y[..., i] = mean(x[..., floor(iL/O) : ceil((i+1)L/O)])."""
    return _adaptive_avg("adaptive_avg_pool1d", 1, input, output_size)


def adaptive_avg_pool2d(input, output_size):
    r"""Average pooling to a fixed (H_out, W_out) (an int for a square; None keeps that input size).

    >>> adaptive_avg_pool2d(reograd.randn(2, 8, 7, 5), 1).shape   # global average pooling
    reograd.Size([2, 8, 1, 1])
    """
    return _adaptive_avg("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool3d(input, output_size):
    r"""Average pooling to a fixed (D_out, H_out, W_out)."""
    return _adaptive_avg("adaptive_avg_pool3d", 3, input, output_size)


def _adaptive_max(op, nd, input, output_size, return_indices):
    x, unbatched = _batched(op, nd, input)
    S = tuple(x.shape[2:])
    if any(s == 0 for s in S):
        raise RuntimeError(f"{op}: expected input to have non-zero size for non-batch dimensions, but input has "
                           f"sizes {list(input.shape)}")
    O = _out_size(op, nd, output_size, S)
    xa = x._data
    xp = xp_of(xa)
    N, C = xa.shape[:2]
    idxs, Ks = [], []
    for d in range(nd):
        start, end = _bounds(S[d], O[d])
        k = int((end - start).max()) if O[d] else 1
        ix = np.minimum(start[:, None] + np.arange(k), (end - 1)[:, None])  # (O_d, K_d), repeats the last index
        idxs.append(ix)
        Ks.append(k)
    index = []
    for d, ix in enumerate(idxs):
        shape = [1] * (2 * nd)
        shape[2 * d], shape[2 * d + 1] = ix.shape
        index.append(xp.asarray(ix.reshape(shape)))
    win = xa[(slice(None), slice(None)) + tuple(index)]  # (N, C, O0, K0, O1, K1, ...)
    perm = (0, 1) + tuple(2 + 2 * d for d in range(nd)) + tuple(3 + 2 * d for d in range(nd))
    win = win.transpose(perm).reshape((N, C) + O + (-1,))
    arg = window_argmax(win, xa) if win.shape[-1] else xp.zeros((N, C) + O, dtype=np.int64)
    ks = xp.unravel_index(arg, tuple(Ks)) if nd > 1 else (arg,)
    flat = None
    for d in range(nd):
        o = xp.arange(O[d]).reshape((-1,) + (1,) * (nd - 1 - d))
        pos = xp.asarray(idxs[d])[o, ks[d]]
        flat = pos if flat is None else flat * S[d] + pos
    flat = flat.astype(np.int64, copy=False)
    out = Gather.apply(x.reshape(N, C, math.prod(S)), flat.reshape(N, C, -1)).reshape((N, C) + O)
    ind = Tensor._make(flat)
    if unbatched:
        out, ind = out.squeeze(0), ind.squeeze(0)
    return (out, ind) if return_indices else out


def adaptive_max_pool1d(input, output_size, return_indices=False):
    r"""Max pooling to a fixed output length (windows [floor(iL/O), ceil((i+1)L/O)))."""
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    r"""Max pooling to a fixed (H_out, W_out); ``return_indices`` gives flat h*W + w indices."""
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    r"""Max pooling to a fixed (D_out, H_out, W_out)."""
    return _adaptive_max("adaptive_max_pool3d", 3, input, output_size, return_indices)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    r"""Adaptive max pooling over a length, returning ``(values, indices)`` (``adaptive_max_pool1d`` with indices).

    ``input``: (N, C, L) or (C, L); ``output_size``: the output length O. Output cell i is the max of
    x[..., floor(i L / O) : ceil((i + 1) L / O)]; ``indices`` (int64, same shape (N, C, O) or (C, O))
    are the positions of the maxima along L (the first one on ties). ``return_indices`` is ignored
    (the indices are always returned), as in PyTorch.

    Example::

        >>> y, i = F.adaptive_max_pool1d_with_indices(reograd.tensor([[[1.0, 3.0, 2.0, 5.0, 4.0]]]), 2)
        >>> y, i
        (tensor([[[3., 5.]]]), tensor([[[1, 3]]]))
    """
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    r"""Adaptive max pooling over (H, W), returning ``(values, indices)`` (``adaptive_max_pool2d`` with indices).

    ``input``: (N, C, H, W) or (C, H, W); ``output_size``: (H_out, W_out), or an int for a square
    (None in the pair keeps that input size). Output cell (i, j) is the max over rows
    [floor(i H / H_out), ceil((i + 1) H / H_out)) and the matching columns; ``indices`` (int64, shape
    (N, C, H_out, W_out) or (C, H_out, W_out)) are the flat positions h * W + w of the maxima (the
    first one on ties), usable with ``max_unpool2d``. ``return_indices`` is ignored (the indices are
    always returned), as in PyTorch.
    """
    return adaptive_max_pool2d(input, output_size, True)
