"""Linear algebra: matrix products (``matmul``/``@`` and friends), decompositions and solvers.

The products are where the time goes: they call BLAS through NumPy's ``@`` on C-contiguous
arrays. Gradients of C = A B:  dA = G B^T,  dB = A^T G  (with batch dims broadcast and summed).
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import NativeFunction
from ..autograd.tensor import Tensor, attach_methods
from ._common import promote
from .shape import sum_to_shape

__all__ = ["matmul"]


class MatMul(NativeFunction):
    """C = A @ B for 1-D, 2-D and batched (broadcast) operands, as ``numpy.matmul``."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        a_vec, b_vec = a.ndim == 1, b.ndim == 1
        a2 = a.unsqueeze(0) if a_vec else a
        b2 = b.unsqueeze(-1) if b_vec else b
        g2 = g
        if a_vec or b_vec:
            batch = np.broadcast_shapes(tuple(a2.shape[:-2]), tuple(b2.shape[:-2]))
            g2 = g.reshape(batch + (a2.shape[-2], b2.shape[-1]))
        ga = gb = None
        if na:
            ga = sum_to_shape(g2 @ b2.mT, a2.shape)
            if a_vec:
                ga = ga.reshape(a.shape)
        if nb:
            gb = sum_to_shape(a2.mT @ g2, b2.shape)
            if b_vec:
                gb = gb.reshape(b.shape)
        return ga, gb

    @staticmethod
    def jvp(ctx, ta, tb):
        a, b = ctx.saved_tensors
        out = None if ta is None else ta @ b
        if tb is not None:
            out = a @ tb if out is None else out + a @ tb
        return out


def matmul(input, other, *, out=None):
    """Matrix product with NumPy/PyTorch semantics: 1-D operands are vectors, leading dims broadcast.

    Shapes: (n,) @ (n,) -> (); (m, n) @ (n,) -> (m,); (..., m, n) @ (..., n, p) -> (..., m, p).
    """
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(f"matmul: expected Tensors, got {type(input).__name__} and {type(other).__name__}")
    if input._data.ndim == 0 or other._data.ndim == 0:
        raise RuntimeError(f"matmul: both arguments to matmul need to be at least 1D, but they are "
                           f"{input._data.ndim}D and {other._data.ndim}D")
    ka = input._data.shape[-1]
    kb = other._data.shape[-2] if other._data.ndim > 1 else other._data.shape[0]
    if ka != kb:
        sa, sb = list(input.shape), list(other.shape)
        if input._data.ndim <= 2 and other._data.ndim <= 2:
            raise RuntimeError(f"matmul: mat1 and mat2 shapes cannot be multiplied ({'x'.join(map(str, sa))} and "
                               f"{'x'.join(map(str, sb))}): input has {ka} columns, other has {kb} rows")
        raise RuntimeError(f"matmul: inner dimensions differ: input shape {sa} (last dim {ka}) and other shape "
                           f"{sb} (dim -2 is {kb})")
    a, b, _ = promote(input, other)
    try:
        return MatMul.apply(a, b)
    except ValueError as e:
        raise RuntimeError(f"matmul: batch dimensions of {list(input.shape)} and {list(other.shape)} cannot be "
                           f"broadcast ({e})") from None


def _rmatmul(self, other):
    return matmul(other, self)


attach_methods(matmul=matmul, __matmul__=matmul, __rmatmul__=_rmatmul)
