"""The differentiable operations, one module per kind. Importing this package attaches them to Tensor."""
from . import conversion, creation, elementwise, linalg, reduce, shape  # noqa: F401
