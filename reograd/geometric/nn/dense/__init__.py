"""Dense layers of PyTorch Geometric (``torch_geometric.nn.dense``)."""
from .linear import Linear

__all__ = ["Linear"]
