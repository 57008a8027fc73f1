"""ResNet (He, Zhang, Ren & Sun, "Deep residual learning for image recognition", 2016).

``resnet18/34/50/101/152`` have torchvision's layers (v1.5: the stride of a Bottleneck is on its 3x3
convolution), names (``conv1``, ``bn1``, ``layer1``..``layer4``, ``fc``, ``downsample``) and parameter
counts (resnet18 11,689,512; resnet34 21,797,672; resnet50 25,557,032), so a torchvision state_dict loads.

``resnet_small`` is a CIFAR/MNIST-size ResNet (3x3 stem, no max pool, one stage per width) and
``plain_small`` its twin without skip connections: the pair for the degradation experiment (a deep
plain network trains worse than a shallower one; the residual one does not).
"""
from __future__ import annotations

from ... import nn
from ._weights import build

__all__ = ["BasicBlock", "Bottleneck", "ResNet", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
           "resnet_small", "plain_small", "conv3x3", "conv1x1"]


def conv3x3(in_planes, out_planes, stride=1, groups=1, dilation=1):
    """3x3 convolution with padding, no bias."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation, groups=groups, bias=False,
                     dilation=dilation)


def conv1x1(in_planes, out_planes, stride=1):
    """1x1 convolution, no bias."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions: ``relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))``.

    ``skip=False`` drops the shortcut (a plain block, for the degradation experiment).
    """

    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64, dilation=1,
                 norm_layer=None, skip=True):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        if groups != 1 or base_width != 64:
            raise ValueError("BasicBlock only supports groups=1 and base_width=64")
        if dilation > 1:
            raise NotImplementedError("Dilation > 1 not supported in BasicBlock")
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm_layer(planes)
        self.downsample = downsample
        self.stride = stride
        self.skip = skip

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.skip:
            identity = x if self.downsample is None else self.downsample(x)
            out = out + identity
        return self.relu(out)


class Bottleneck(nn.Module):
    """1x1 (reduce) -> 3x3 (stride) -> 1x1 (expand x4), plus the shortcut (``skip=False``: none)."""

    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64, dilation=1,
                 norm_layer=None, skip=True):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride
        self.skip = skip

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.skip:
            identity = x if self.downsample is None else self.downsample(x)
            out = out + identity
        return self.relu(out)


class ResNet(nn.Module):
    """A ResNet: stem, one stage per entry of ``layers`` (the first at stride 1, the rest at stride 2),
    global average pool, linear classifier.

    Args:
        block: ``BasicBlock`` or ``Bottleneck``.
        layers: blocks per stage, e.g. ``[2, 2, 2, 2]`` for resnet18.
        num_classes: outputs (1000).
        zero_init_residual: zero the last BN's weight in each block (each block starts as the identity).
        in_channels: image channels (3).
        widths: planes per stage ((64, 128, 256, 512)).
        small_input: a 3x3 stride-1 stem without max pool (CIFAR/MNIST-size images) instead of 7x7 stride 2 + pool.
        skip: residual connections (False: the plain network of the same depth).
    """

    def __init__(self, block, layers, num_classes=1000, zero_init_residual=False, groups=1, width_per_group=64,
                 replace_stride_with_dilation=None, norm_layer=None, in_channels=3, widths=(64, 128, 256, 512),
                 small_input=False, skip=True):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        self._norm_layer = norm_layer
        if len(widths) != len(layers):
            raise ValueError(f"ResNet: widths {tuple(widths)} and layers {tuple(layers)} must have the same length")
        self.inplanes = widths[0]
        self.dilation = 1
        if replace_stride_with_dilation is None:
            replace_stride_with_dilation = [False] * (len(layers) - 1)
        if len(replace_stride_with_dilation) != len(layers) - 1:
            raise ValueError("replace_stride_with_dilation should be None or a "
                             f"{len(layers) - 1}-element tuple, got {replace_stride_with_dilation}")
        self.groups = groups
        self.base_width = width_per_group
        self.skip = skip
        if small_input:
            self.conv1 = nn.Conv2d(in_channels, self.inplanes, kernel_size=3, stride=1, padding=1, bias=False)
        else:
            self.conv1 = nn.Conv2d(in_channels, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = norm_layer(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.Identity() if small_input else nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        for i, (w, n) in enumerate(zip(widths, layers)):
            stride, dilate = (1, False) if i == 0 else (2, replace_stride_with_dilation[i - 1])
            setattr(self, f"layer{i + 1}", self._make_layer(block, w, n, stride=stride, dilate=dilate))
        self.num_stages = len(layers)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(widths[-1] * block.expansion, num_classes)

        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck) and m.bn3.weight is not None:
                    nn.init.constant_(m.bn3.weight, 0)
                elif isinstance(m, BasicBlock) and m.bn2.weight is not None:
                    nn.init.constant_(m.bn2.weight, 0)

    def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
        norm_layer = self._norm_layer
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if self.skip and (stride != 1 or self.inplanes != planes * block.expansion):
            downsample = nn.Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
                                       norm_layer(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample, self.groups, self.base_width, previous_dilation,
                        norm_layer, skip=self.skip)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups=self.groups, base_width=self.base_width,
                                dilation=self.dilation, norm_layer=norm_layer, skip=self.skip))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for i in range(self.num_stages):
            x = getattr(self, f"layer{i + 1}")(x)
        x = self.avgpool(x)
        return self.fc(x.flatten(1))


def _resnet(arch, block, layers, weights, progress, kwargs):
    return build(arch, lambda **kw: ResNet(block, layers, **kw), weights, progress, kwargs, head="fc.weight")


def resnet18(*, weights=None, progress=True, **kwargs):
    """ResNet-18 (BasicBlock, [2, 2, 2, 2]): 11,689,512 parameters with 1000 classes.

    ``weights``: None, a local weight file (a torchvision ``.pth``, a reograd or safetensors file), or a
    torchvision weight name such as ``"IMAGENET1K_V1"`` (which needs a download: the error says which file).
    """
    return _resnet("resnet18", BasicBlock, [2, 2, 2, 2], weights, progress, kwargs)


def resnet34(*, weights=None, progress=True, **kwargs):
    """ResNet-34 (BasicBlock, [3, 4, 6, 3]): 21,797,672 parameters with 1000 classes.

    ``weights``: None, a local weight file (a torchvision ``.pth``, a reograd or safetensors file), or a
    torchvision weight name such as ``"IMAGENET1K_V1"`` (which needs a download: the error says which file).
    """
    return _resnet("resnet34", BasicBlock, [3, 4, 6, 3], weights, progress, kwargs)


def resnet50(*, weights=None, progress=True, **kwargs):
    """ResNet-50 (Bottleneck, [3, 4, 6, 3]): 25,557,032 parameters with 1000 classes.

    ``weights``: None, a local weight file (a torchvision ``.pth``, a reograd or safetensors file), or a
    torchvision weight name such as ``"IMAGENET1K_V1"`` (which needs a download: the error says which file).
    """
    return _resnet("resnet50", Bottleneck, [3, 4, 6, 3], weights, progress, kwargs)


def resnet101(*, weights=None, progress=True, **kwargs):
    """ResNet-101 (Bottleneck, [3, 4, 23, 3]): 44,549,160 parameters with 1000 classes.

    ``weights``: None, a local weight file (a torchvision ``.pth``, a reograd or safetensors file), or a
    torchvision weight name such as ``"IMAGENET1K_V1"`` (which needs a download: the error says which file).
    """
    return _resnet("resnet101", Bottleneck, [3, 4, 23, 3], weights, progress, kwargs)


def resnet152(*, weights=None, progress=True, **kwargs):
    """ResNet-152 (Bottleneck, [3, 8, 36, 3]): 60,192,808 parameters with 1000 classes.

    ``weights``: None, a local weight file (a torchvision ``.pth``, a reograd or safetensors file), or a
    torchvision weight name such as ``"IMAGENET1K_V1"`` (which needs a download: the error says which file).
    """
    return _resnet("resnet152", Bottleneck, [3, 8, 36, 3], weights, progress, kwargs)


def resnet_small(in_channels=1, num_classes=10, widths=(16, 32, 64), blocks=(2, 2, 2), skip=True, **kwargs):
    """A CIFAR/MNIST-size ResNet: 3x3 stem (no max pool), BasicBlock stages of ``widths`` channels with
    ``blocks`` blocks each (stride 2 from the second stage), global average pool, linear.

    Depth = 2 * sum(blocks) + 2 weighted layers (the defaults: 14; blocks=(9, 9, 9): the paper's ResNet-56).
    """
    return ResNet(BasicBlock, list(blocks), num_classes=num_classes, in_channels=in_channels, widths=tuple(widths),
                  small_input=True, skip=skip, **kwargs)


def plain_small(in_channels=1, num_classes=10, widths=(16, 32, 64), blocks=(2, 2, 2), **kwargs):
    """``resnet_small`` without the skip connections: the same layers, a plain deep CNN."""
    return resnet_small(in_channels=in_channels, num_classes=num_classes, widths=widths, blocks=blocks, skip=False,
                        **kwargs)
