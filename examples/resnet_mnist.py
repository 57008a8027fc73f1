"""A small ResNet on MNIST: >= 99.3% test accuracy.

``resnet_small(in_channels=1, num_classes=10)``: 3x3 stem, three stages of two BasicBlocks
(16, 32, 64 channels; stride 2 from the second), global average pooling, 175k parameters. Adam
with one-cycle schedule (max lr 3e-3), weight decay 1e-4, batch 128, random-crop augmentation,
8 epochs. Prints loss, test accuracy and wall time per epoch.

    python examples/resnet_mnist.py [--epochs 8] [--quick]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import reograd as torch  # noqa: E402
from lenet_mnist import load_mnist, train  # noqa: E402
from reograd.vision.models import resnet_small  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--widths", type=int, nargs=3, default=(16, 32, 64))
    p.add_argument("--blocks", type=int, nargs=3, default=(2, 2, 2))
    p.add_argument("--root", default=None)
    p.add_argument("--quick", action="store_true", help="1,000 training images, 1 epoch, narrow net (a smoke test)")
    a = p.parse_args(argv)
    torch.manual_seed(0)
    data = load_mnist(a.root, 1000 if a.quick else None, 500 if a.quick else None)
    widths, blocks = ((4, 8, 16), (1, 1, 1)) if a.quick else (tuple(a.widths), tuple(a.blocks))
    epochs = 1 if a.quick else a.epochs
    model = resnet_small(in_channels=1, num_classes=10, widths=widths, blocks=blocks)
    print(f"resnet_small widths={widths} blocks={blocks}: {sum(p.numel() for p in model.parameters()):,} "
          f"parameters, {len(data[0]):,} training images, {epochs} epochs")
    acc = train(model, data, epochs, lr=a.lr, batch=a.batch_size, weight_decay=1e-4)
    print(f"final test accuracy: {100 * acc:.2f}% (target >= 99.3%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
