"""LeNet-5 (LeCun, Bottou, Bengio & Haffner, "Gradient-based learning applied to document recognition", 1998).

The layers, as in the paper and the notes (input 32x32, one channel)::

    C1: conv 5x5, 6 maps   -> 6 x 28 x 28      156 params
    S2: pool 2x2           -> 6 x 14 x 14
    C3: conv 5x5, 16 maps  -> 16 x 10 x 10   2,416 params
    S4: pool 2x2           -> 16 x 5 x 5
    C5: conv 5x5, 120 maps -> 120 x 1 x 1   48,120 params
    F6: linear 120 -> 84                    10,164 params
    output: linear 84 -> 10                    850 params     total 61,706

``variant="classic"`` uses tanh and average pooling (the paper's subsampling without its trainable
coefficients, and a plain linear output instead of the RBF units); ``variant="modern"`` uses ReLU and
max pooling. For MNIST's 28x28 images pass ``input_size=28``: C1 then pads by 2 (the paper padded
the digits to 32x32), so the parameter count is unchanged.
"""
from __future__ import annotations

from ... import nn

__all__ = ["LeNet5", "lenet5"]


class LeNet5(nn.Module):
    """LeNet-5: ``features`` (C1-S2-C3-S4-C5) then ``classifier`` (F6 and the output layer).

    Args:
        num_classes: outputs of the last layer (10).
        in_channels: image channels (1).
        input_size: 32 (the paper) or 28 (MNIST, C1 zero-pads by 2).
        variant: ``"classic"`` (tanh, average pooling) or ``"modern"`` (ReLU, max pooling).

    Input ``(N, in_channels, input_size, input_size)``, output ``(N, num_classes)`` logits.
    """

    def __init__(self, num_classes=10, in_channels=1, input_size=32, variant="classic"):
        super().__init__()
        if input_size not in (28, 32):
            raise ValueError(f"LeNet5: input_size must be 32 (the paper) or 28 (MNIST, padded by 2), got {input_size}")
        if variant not in ("classic", "modern"):
            raise ValueError(f"LeNet5: variant must be 'classic' or 'modern', got {variant!r}")
        self.variant = variant
        act = nn.Tanh if variant == "classic" else nn.ReLU
        pool = (lambda: nn.AvgPool2d(2, 2)) if variant == "classic" else (lambda: nn.MaxPool2d(2, 2))
        pad = (32 - input_size) // 2
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5, padding=pad), act(), pool(),   # C1, S2
            nn.Conv2d(6, 16, 5), act(), pool(),                          # C3, S4
            nn.Conv2d(16, 120, 5), act(),                                # C5
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(120, 84), act(), nn.Linear(84, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))


def lenet5(**kwargs):
    """LeNet-5 (61,706 parameters): ``LeNet5(**kwargs)``, see ``LeNet5`` for the arguments."""
    return LeNet5(**kwargs)
