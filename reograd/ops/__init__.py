"""The differentiable operations, in subpackages by kind; importing this package attaches them to Tensor.

- ``creation``: making tensors (from data, filled, ranges, random), the random generator, casts and copies
- ``pointwise``: elementwise math, comparisons, activations, softmax, special functions
- ``reduction``: sums and means, extrema, cumulative ops, sorting, statistics
- ``shape``: views, copies, joins and splits, strided views, diagonals, padding, grids
- ``indexing``: ``x[i]`` and ``x[i] = v``, index_* ops, masked ops, gather/scatter, counting
- ``linalg``: products, einsum, decompositions, norms, distances
- ``nn``: the ops of neural network layers (linear, convolution, pooling, normalisation, dropout, losses)

Each module declares its Tensor methods with ``registry.register``; ``registry.attach`` (below) sets
them all, once. Shared pieces: ``arguments`` (checks), ``promotion`` (dtypes), ``inplace`` (in-place
ops and ``out=``), ``pointwise/factory`` (the unary/binary op factories).
"""
from . import registry
from .creation import conversion, factories, generator, random  # noqa: F401
from .indexing import counting, gather, getitem, index_ops, masked  # noqa: F401
from .linalg import decompositions, distances, einsum, norms, products, spectral  # noqa: F401
from .nn import adaptive_pool, conv, dropout, im2col, linear, loss, normalization, pooling, upsample  # noqa: F401
from .pointwise import (activation, arithmetic, binary, comparison, complex, numeric, softmax, special, ternary,
                        unary, where)
from .reduction import cumulative, extrema, sorting, statistics, sums  # noqa: F401
from .shape import copies, diagonals, grids, joins, pad, strided, views  # noqa: F401

registry.attach()
