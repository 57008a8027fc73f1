"""The differentiable operations, one module per kind. Importing this package attaches them to Tensor."""
from . import (activation, adaptive_pool, compare, conversion, conv, creation, dropout, elementwise, im2col, index, linalg, loss,  # noqa: F401
               norm, pad, pointwise, pool, reduce, shape, softmax, sorting, upsample)
from . import gamma, grids, misc, stats, strided  # noqa: F401,E402  (after the ops they compose)
