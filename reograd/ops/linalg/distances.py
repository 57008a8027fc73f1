"""Distances and norm-based rescaling: ``dist``, ``pdist``, ``renorm``."""
from __future__ import annotations

import numpy as np

from ... import backend
from ...autograd.tensor import Tensor, wrap_dim
from ..arguments import check_tensor
from ..pointwise.where import where
from ..registry import register
from .norms import vector_norm


# ------------------------------------------------------------------------------------------------ distances
def dist(input, other, p=2):
    """The p-norm of ``input - other`` (broadcast) over all elements: (sum |a - b|^p)^(1/p); p may be
    0 (count of nonzeros), inf or -inf (max / min of |a - b|). Returns a 0-d tensor.

    Example: ``torch.dist(torch.tensor([0., 0.]), torch.tensor([3., 4.]))`` is 5.
    """
    check_tensor("dist", input)
    check_tensor("dist", other, "other")
    if isinstance(p, Tensor):
        p = p.item()
    return vector_norm(input - other, float(p))


def pdist(input, p=2):
    """Pairwise p-norm distances between the rows of a (N, M) ``input``: the N (N - 1) / 2 values
    ||x_i - x_j||_p for i < j, in row-major order (the upper triangle of ``cdist(x, x)``).

    Example: ``torch.pdist(torch.tensor([[0., 0.], [3., 4.], [6., 8.]]))`` is ``[5., 10., 5.]``.
    """
    check_tensor("pdist", input)
    if input._data.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input._data.ndim}D (shape {list(input.shape)})")
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"pdist only supports floating-point dtypes (got {input.dtype})")
    if p < 0:
        raise RuntimeError(f"pdist only supports non-negative p values (got p = {p})")
    n = input._data.shape[0]
    i, j = np.triu_indices(n, 1)
    if i.size == 0:
        return Tensor._make(backend.get_array_module(input._data).zeros((0,), dtype=input._data.dtype)) \
            + input.sum() * 0
    xp = backend.get_array_module(input._data)
    a = input.index_select(0, Tensor._make(xp.asarray(i)))
    b = input.index_select(0, Tensor._make(xp.asarray(j)))
    return vector_norm(a - b, float(p), dim=-1)


def renorm(input, p, dim, maxnorm):
    """Each sub-tensor ``input.select(dim, i)`` whose p-norm exceeds ``maxnorm`` is scaled to norm
    maxnorm: out = input * (maxnorm / (norm + 1e-7) where norm > maxnorm, else 1).

    Example: rows of norm 5 with ``torch.renorm(x, 2, 0, 1.0)`` come out with norm ~1.
    """
    check_tensor("renorm", input)
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"renorm: expected a floating-point input (got {input.dtype})")
    if p <= 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported (p = {p})")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    nd = input._data.ndim
    if nd <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {nd} dimensions")
    d = wrap_dim(dim, nd, "renorm")
    norm = vector_norm(input, float(p), dim=tuple(i for i in range(nd) if i != d), keepdim=True)
    factor = where(norm > maxnorm, maxnorm / (norm + 1e-7), Tensor._make(np.ones((), dtype=input._data.dtype)))
    return input * factor


def _dist_method(self, other, p=2):
    """``x.dist(other, p=2)``: :func:`dist`, the p-norm of x - other over all elements."""
    return dist(self, other, p)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """Pairwise p-norm distances: out[..., i, j] = ||x1[..., i, :] - x2[..., j, :]||_p.

    x1 (B.., P, M), x2 (B.., R, M) -> (B.., P, R). The gradient at a zero distance is 0.
    """
    if x1._data.ndim < 2 or x2._data.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1._data.ndim}D, X2 got: "
                           f"{x2._data.ndim}D")
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise RuntimeError(f"cdist: X1 and X2 must have the same number of columns. X1: {x1._data.shape[-1]} X2: "
                           f"{x2._data.shape[-1]} (shapes {list(x1.shape)} and {list(x2.shape)})")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values (got p={p})")
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return vector_norm(diff, p, dim=-1)


register(renorm, inplace=True)
register(dist=_dist_method)
