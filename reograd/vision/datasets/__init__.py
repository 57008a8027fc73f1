"""Data sets: MNIST, Fashion-MNIST (as ``torchvision.datasets``) and synthetic toy problems."""
from .mnist import MNIST, FashionMNIST, read_idx
from .synthetic import (SyntheticDataset, make_blobs, make_circles, make_moons, make_regression_1d, make_spirals,
                        make_xor)

__all__ = ["MNIST", "FashionMNIST", "read_idx", "SyntheticDataset", "make_xor", "make_moons", "make_circles",
           "make_spirals", "make_blobs", "make_regression_1d"]
