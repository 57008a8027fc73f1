"""Vision: data sets (MNIST, Fashion-MNIST, synthetic problems) and transforms, as ``torchvision``."""
from . import datasets, transforms  # noqa: F401

__all__ = ["datasets", "transforms"]
