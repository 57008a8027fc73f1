"""MobileNetV2 (Sandler, Howard, Zhu, Zhmoginov & Chen, "MobileNetV2: Inverted residuals and linear
bottlenecks", 2018), with torchvision's layers and ``state_dict`` keys (3,504,872 parameters).

The building block is the inverted residual: a 1x1 convolution expanding the channels ``t`` times
(ReLU6), a 3x3 depthwise convolution (``groups`` = channels, ReLU6, carrying the stride), and a 1x1
*linear* projection back down (no activation: a ReLU on the narrow output would destroy information);
the input is added when the stride is 1 and the widths match::

    y = x + BN(W_proj * ReLU6(BN(W_dw (*) ReLU6(BN(W_exp * x)))))
"""
from __future__ import annotations

from ... import nn
from ._weights import build

__all__ = ["MobileNetV2", "InvertedResidual", "Conv2dNormActivation", "mobilenet_v2"]


def _make_divisible(v, divisor, min_value=None):
    """``v`` rounded to the nearest multiple of ``divisor`` (at least ``min_value``), never more than 10% down."""
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


class Conv2dNormActivation(nn.Sequential):
    """``Conv2d`` (padding ``(kernel_size - 1) // 2 * dilation``, no bias when a norm follows), a norm layer and an
    activation, as torchvision's ``ops.Conv2dNormActivation`` (children ``0``, ``1``, ``2``)."""

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, padding=None, groups=1,
                 norm_layer=nn.BatchNorm2d, activation_layer=nn.ReLU, dilation=1, inplace=True, bias=None):
        if padding is None:
            padding = (kernel_size - 1) // 2 * dilation
        if bias is None:
            bias = norm_layer is None
        layers = [nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation=dilation, groups=groups,
                            bias=bias)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            layers.append(activation_layer(inplace=inplace))
        super().__init__(*layers)
        self.out_channels = out_channels


class InvertedResidual(nn.Module):
    """Expand (1x1, ReLU6; skipped when ``expand_ratio`` is 1), depthwise 3x3 (ReLU6), project (1x1, linear),
    plus the input when ``stride == 1`` and ``inp == oup`` (``use_res_connect``)."""

    def __init__(self, inp, oup, stride, expand_ratio, norm_layer=None):
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"InvertedResidual: stride should be 1 or 2, got {stride}")
        norm_layer = nn.BatchNorm2d if norm_layer is None else norm_layer
        self.stride = stride
        hidden = int(round(inp * expand_ratio))
        self.use_res_connect = stride == 1 and inp == oup
        layers = []
        if expand_ratio != 1:
            layers.append(Conv2dNormActivation(inp, hidden, kernel_size=1, norm_layer=norm_layer,
                                               activation_layer=nn.ReLU6))
        layers += [Conv2dNormActivation(hidden, hidden, stride=stride, groups=hidden, norm_layer=norm_layer,
                                        activation_layer=nn.ReLU6),
                   nn.Conv2d(hidden, oup, 1, 1, 0, bias=False), norm_layer(oup)]
        self.conv = nn.Sequential(*layers)
        self.out_channels = oup

    def forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(nn.Module):
    """MobileNetV2: a stride-2 3x3 stem (32 channels), 17 inverted residual blocks, a 1x1 convolution to 1280
    channels, global average pooling, dropout and a linear classifier.

    Args:
        num_classes: outputs (1000).
        width_mult: scales every width (rounded to multiples of ``round_nearest``).
        inverted_residual_setting: the stages as ``[t, c, n, s]`` rows (expansion, channels, blocks, first stride).
        round_nearest: the channel rounding (8; 1 turns it off).
        block, norm_layer: the block class (``InvertedResidual``) and the norm layer (``BatchNorm2d``).
        dropout: before the classifier (0.2).
        in_channels: image channels (3; not a torchvision argument, for grey images).
    """

    def __init__(self, num_classes=1000, width_mult=1.0, inverted_residual_setting=None, round_nearest=8, block=None,
                 norm_layer=None, dropout=0.2, in_channels=3):
        super().__init__()
        block = InvertedResidual if block is None else block
        norm_layer = nn.BatchNorm2d if norm_layer is None else norm_layer
        if inverted_residual_setting is None:
            inverted_residual_setting = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1],
                                         [6, 160, 3, 2], [6, 320, 1, 1]]
        if not inverted_residual_setting or any(len(row) != 4 for row in inverted_residual_setting):
            raise ValueError("MobileNetV2: inverted_residual_setting should be a non-empty list of [t, c, n, s] rows, "
                             f"got {inverted_residual_setting}")
        input_channel = _make_divisible(32 * width_mult, round_nearest)
        self.last_channel = _make_divisible(1280 * max(1.0, width_mult), round_nearest)
        features = [Conv2dNormActivation(in_channels, input_channel, stride=2, norm_layer=norm_layer,
                                         activation_layer=nn.ReLU6)]
        for t, c, n, s in inverted_residual_setting:
            output_channel = _make_divisible(c * width_mult, round_nearest)
            for i in range(n):
                features.append(block(input_channel, output_channel, s if i == 0 else 1, expand_ratio=t,
                                      norm_layer=norm_layer))
                input_channel = output_channel
        features.append(Conv2dNormActivation(input_channel, self.last_channel, kernel_size=1, norm_layer=norm_layer,
                                             activation_layer=nn.ReLU6))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout), nn.Linear(self.last_channel, num_classes))

        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = nn.functional.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(x.flatten(1))


def mobilenet_v2(*, weights=None, progress=True, **kwargs):
    """torchvision's MobileNetV2 (3,504,872 parameters with 1000 classes).

    ``weights``: None, a local weight file (e.g. torchvision's ``mobilenet_v2-7ebf99e0.pth``), or a torchvision
    weight name (which needs a download: a clear error says which file to fetch).
    """
    return build("mobilenet_v2", MobileNetV2, weights, progress, kwargs, head="classifier.1.weight")
