"""AlexNet (Krizhevsky, Sutskever & Hinton, 2012), as torchvision's single-tower variant.

``alexnet()`` has torchvision's layers and its 61,100,840 parameters (224x224 RGB input, 1000
classes). Every width and the stem are arguments, so a small variant trains on a CPU:
``alexnet_small()`` is a 28x28, one-channel version for MNIST-size images.
"""
from __future__ import annotations

from ... import nn
from ._weights import build

__all__ = ["AlexNet", "alexnet", "alexnet_small"]


class AlexNet(nn.Module):
    """Five convolutions (ReLU, three max pools), adaptive average pool, three linear layers.

    Args:
        num_classes: outputs (1000).
        dropout: dropout probability before the first two linear layers (0.5).
        in_channels: image channels (3).
        widths: the five convolutions' output channels ((64, 192, 384, 256, 256)).
        hidden: width of the two hidden linear layers (4096).
        stem: ``(kernel, stride, padding)`` of the first convolution ((11, 4, 2)).
        pool_size: output size of the adaptive average pool (6).
    """

    def __init__(self, num_classes=1000, dropout=0.5, in_channels=3, widths=(64, 192, 384, 256, 256), hidden=4096,
                 stem=(11, 4, 2), pool_size=6):
        super().__init__()
        if len(widths) != 5:
            raise ValueError(f"AlexNet: widths must give 5 channel counts, got {widths}")
        w1, w2, w3, w4, w5 = widths
        k, s, p = stem
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, w1, kernel_size=k, stride=s, padding=p), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(w1, w2, kernel_size=5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(w2, w3, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(w3, w4, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(w4, w5, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((pool_size, pool_size))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout), nn.Linear(w5 * pool_size * pool_size, hidden), nn.ReLU(inplace=True),
            nn.Dropout(p=dropout), nn.Linear(hidden, hidden), nn.ReLU(inplace=True),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))


def alexnet(*, weights=None, progress=True, **kwargs):
    """torchvision's AlexNet: 61,100,840 parameters with 1000 classes.

    ``weights``: None, a local weight file (a torchvision ``.pth``, a reograd or safetensors file), or a
    torchvision weight name such as ``"IMAGENET1K_V1"`` (which needs a download: the error says which file).
    """
    return build("alexnet", AlexNet, weights, progress, kwargs, head="classifier.6.weight")


def alexnet_small(in_channels=1, num_classes=10, widths=(32, 64, 96, 64, 64), hidden=256, dropout=0.5, pool_size=2):
    """A CPU-size AlexNet for 28x28 (or 32x32) images: 3x3 stride-1 stem, narrow layers."""
    return AlexNet(num_classes=num_classes, dropout=dropout, in_channels=in_channels, widths=widths, hidden=hidden,
                   stem=(3, 1, 1), pool_size=pool_size)
