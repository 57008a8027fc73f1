"""Graph data loaders with PyTorch Geometric's names (``torch_geometric.loader``)."""
from .dataloader import DataLoader

__all__ = ["DataLoader"]
