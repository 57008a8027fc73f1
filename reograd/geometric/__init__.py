"""``reograd.geometric``: PyTorch Geometric's API on reograd — graphs (``data``), batching loaders (``loader``),
message passing and graph layers (``nn``), graph utilities (``utils``).

    from reograd.geometric.data import Data
    from reograd.geometric.nn import GCNConv, global_mean_pool

``reograd.compat.install()`` makes ``import torch_geometric`` (and its submodules) resolve here.
"""
from . import data, loader, nn, typing, utils  # noqa: F401
from .data import Batch, Data, Dataset, InMemoryDataset

__all__ = ["data", "loader", "nn", "utils", "typing", "Data", "Batch", "Dataset", "InMemoryDataset"]
__version__ = "2.8.1"  # the PyTorch Geometric release whose API this follows
