"""Graph data with PyTorch Geometric's names (``torch_geometric.data``): ``Data``, ``Batch``, ``Dataset``,
``InMemoryDataset``, and ``DataLoader`` (the same class as ``loader.DataLoader``, which the older PyG code and the
notes import from here)."""
from ..loader.dataloader import DataLoader
from .batch import Batch
from .collate import collate, separate
from .data import Data
from .dataset import Dataset, InMemoryDataset

__all__ = ["Data", "Batch", "Dataset", "InMemoryDataset", "DataLoader", "collate", "separate"]
