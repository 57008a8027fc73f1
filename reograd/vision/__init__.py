"""Vision: data sets (MNIST, Fashion-MNIST, synthetic problems), transforms and augmentation, and a model
zoo (LeNet-5, AlexNet, VGG, ResNet) with ``summary``, as ``torchvision``."""
from . import datasets, models, transforms  # noqa: F401

__all__ = ["datasets", "models", "transforms"]
