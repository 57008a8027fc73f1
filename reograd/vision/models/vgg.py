"""VGG (Simonyan & Zisserman, "Very deep convolutional networks for large-scale image recognition", 2014).

Configurations A, B, D, E of the paper are ``vgg11``, ``vgg13``, ``vgg16``, ``vgg19`` (``_bn`` variants
add batch norm after each convolution), with torchvision's layer layout, so ``vgg16()`` has
138,357,544 parameters. ``width_mult`` scales every convolution's channels, ``hidden`` the two hidden
linear layers, and ``input_size`` sets the classifier's input (the spatial size after the five
poolings: 7 for 224, 1 for 32), so small variants train on a CPU.
"""
from __future__ import annotations

from ... import nn
from ._weights import build

__all__ = ["VGG", "cfgs", "make_layers", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19",
           "vgg19_bn"]

cfgs = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


def _scale(c, width_mult):
    return max(1, int(round(c * width_mult)))


def make_layers(cfg, batch_norm=False, in_channels=3, width_mult=1.0):
    """The ``features`` Sequential of a VGG config: ints are 3x3 conv widths (padding 1, ReLU), "M" a 2x2 max pool."""
    layers = []
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            c = _scale(v, width_mult)
            layers.append(nn.Conv2d(in_channels, c, kernel_size=3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(c))
            layers.append(nn.ReLU(inplace=True))
            in_channels = c
    return nn.Sequential(*layers)


class VGG(nn.Module):
    """``features`` -> ``avgpool`` (adaptive, to the post-pooling size) -> ``classifier`` (3 linear layers).

    Args:
        features: the convolutional Sequential (see ``make_layers``).
        num_classes: outputs (1000).
        init_weights: torchvision's initialisation (kaiming-normal convs, N(0, 0.01) linears, zero biases).
        dropout: dropout probability in the classifier (0.5).
        hidden: width of the hidden linear layers (4096).
        pool_size: spatial size the adaptive average pool outputs (7).
    """

    def __init__(self, features, num_classes=1000, init_weights=True, dropout=0.5, hidden=4096, pool_size=7):
        super().__init__()
        self.features = features
        channels = [m.out_channels for m in features.modules() if isinstance(m, nn.Conv2d)][-1]
        self.avgpool = nn.AdaptiveAvgPool2d((pool_size, pool_size))
        self.classifier = nn.Sequential(
            nn.Linear(channels * pool_size * pool_size, hidden), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(hidden, hidden), nn.ReLU(True), nn.Dropout(p=dropout),
            nn.Linear(hidden, num_classes),
        )
        if init_weights:
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    if m.bias is not None:
                        nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)
                elif isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, 0, 0.01)
                    nn.init.constant_(m.bias, 0)

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))


def _vgg(cfg, batch_norm, num_classes=1000, in_channels=3, width_mult=1.0, input_size=224, hidden=4096,
         dropout=0.5, init_weights=True):
    pools = sum(1 for v in cfgs[cfg] if v == "M")
    size = input_size
    for _ in range(pools):
        size //= 2
    if size < 1:
        raise ValueError(f"vgg: input_size {input_size} is too small for {pools} 2x2 poolings (need >= {2 ** pools}); "
                         f"pad the images (e.g. 28 -> 32) or build VGG(make_layers(cfg)) with fewer 'M' entries")
    features = make_layers(cfgs[cfg], batch_norm=batch_norm, in_channels=in_channels, width_mult=width_mult)
    return VGG(features, num_classes=num_classes, init_weights=init_weights, dropout=dropout, hidden=hidden,
               pool_size=size)


def _doc(name, cfg, bn):
    return (f"VGG {name} (configuration {cfg}{', batch norm' if bn else ''}).\n\n    Args: num_classes (1000), "
            "in_channels (3), width_mult (1.0: the paper's widths), input_size (224), hidden (4096), dropout (0.5),\n"
            "    init_weights (True).\n\n    ``weights``: None, a local weight file (a torchvision ``.pth``, a reograd "
            "or safetensors file),\n    or a torchvision weight name such as ``'IMAGENET1K_V1'`` (which needs a "
            "download: the error says which file).")


def _factory(name, cfg, bn):
    def f(*, weights=None, progress=True, **kwargs):
        return build(name, lambda **kw: _vgg(cfg, bn, **kw), weights, progress, kwargs, head="classifier.6.weight",
                     skip_init={"init_weights": False})
    f.__name__ = f.__qualname__ = name
    f.__doc__ = _doc(name, cfg, bn)
    return f


vgg11, vgg11_bn = _factory("vgg11", "A", False), _factory("vgg11_bn", "A", True)
vgg13, vgg13_bn = _factory("vgg13", "B", False), _factory("vgg13_bn", "B", True)
vgg16, vgg16_bn = _factory("vgg16", "D", False), _factory("vgg16_bn", "D", True)
vgg19, vgg19_bn = _factory("vgg19", "E", False), _factory("vgg19_bn", "E", True)
