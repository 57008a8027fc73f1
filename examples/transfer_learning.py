"""Transfer learning: freeze a trained feature extractor, replace and train the head (the notes' VGG
example: ``for param in vgg.features.parameters(): param.requires_grad = False``).

A small VGG-style network (``vgg11`` with width 1/16 on 32x32-padded digits) is trained on task A
(digits 0-4). Its ``features`` are frozen with ``requires_grad_(False)``, its classifier is replaced
by a new head for task B (digits 5-9), and only the head is trained. The script prints task-B
accuracy before (the new, untrained head) and after, how many parameters were trained, and checks
that the frozen parameters did not change.

Given a torchvision checkpoint (``--weights resnet18-f37072fd.pth``, downloaded beforehand from
https://download.pytorch.org/models/; any of reograd's torchvision constructors with ``--arch``), the
frozen features are the ImageNet-trained network instead: the digits are resized to ``--size`` pixels,
given three channels and ImageNet's normalisation, the network's last linear layer is replaced by a new
10-way head, and only that head is trained, on features computed once (the frozen part is fixed).

    python examples/transfer_learning.py [--quick]
    python examples/transfer_learning.py --weights resnet18-f37072fd.pth [--arch resnet18] [--quick]
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import reograd as torch  # noqa: E402
import reograd.nn as nn  # noqa: E402
import reograd.nn.functional as F  # noqa: E402
from reograd.vision import models  # noqa: E402
from reograd.vision.models import vgg11  # noqa: E402

IMAGENET_MEAN, IMAGENET_STD = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])


def split(x, y, classes):
    m = np.isin(y, classes)
    return np.pad(x[m], ((0, 0), (0, 0), (2, 2), (2, 2)), mode="edge"), (y[m] - classes[0]).astype(np.int64)


def fit(model, params, x, y, steps, lr, batch, seed=0):
    rng = np.random.default_rng(seed)
    opt = torch.optim.Adam(params, lr=lr)
    model.train()
    for _ in range(steps):
        idx = rng.integers(0, len(x), batch)
        loss = F.cross_entropy(model(torch.from_numpy(x[idx])), torch.from_numpy(y[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        acc = float((model(torch.from_numpy(x)).argmax(1).numpy() == y).mean())
    model.train()
    return acc


def last_linear(model):
    """The dotted name of the model's last ``nn.Linear`` (the classifier head to replace)."""
    return [name for name, m in model.named_modules() if isinstance(m, nn.Linear)][-1]


def set_module(model, name, module):
    parent, _, leaf = name.rpartition(".")
    setattr(model.get_submodule(parent) if parent else model, leaf, module)


def imagenet_inputs(x, size):
    """MNIST batches (N, 1, 28, 28), normalised for MNIST, as ImageNet-style inputs (N, 3, size, size)."""
    from lenet_mnist import MEAN, STD

    x = torch.from_numpy(x * STD + MEAN)                               # back to [0, 1]
    x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False).repeat(1, 3, 1, 1)
    mean = torch.from_numpy(IMAGENET_MEAN.astype(np.float32)).reshape(1, 3, 1, 1)
    return (x - mean) / torch.from_numpy(IMAGENET_STD.astype(np.float32)).reshape(1, 3, 1, 1)


def features(backbone, x, size, batch=100):
    backbone.eval()
    with torch.no_grad():
        return np.concatenate([backbone(imagenet_inputs(x[i:i + batch], size)).numpy()
                               for i in range(0, len(x), batch)])


def from_torchvision(a, xtr, ytr, xte, yte):
    """Train a new 10-way head on the frozen features of a torchvision checkpoint."""
    t0 = time.time()
    model = getattr(models, a.arch)(weights=a.weights)                 # torchvision's keys, strict load
    model.requires_grad_(False)
    head_name = last_linear(model)
    frozen = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    set_module(model, head_name, nn.Identity())                        # the frozen backbone
    ftr, fte = features(model, xtr, a.size), features(model, xte, a.size)
    print(f"{a.arch} from {a.weights}: {sum(p.numel() for p in model.parameters()):,} frozen parameters, "
          f"{ftr.shape[1]} features per image at {a.size}x{a.size} ({time.time() - t0:.1f} s)")
    head = nn.Linear(ftr.shape[1], 10)
    before = float((head(torch.from_numpy(fte)).argmax(1).numpy() == yte).mean())
    fit(head, head.parameters(), ftr, ytr, a.head_steps, 1e-3, 64, seed=1)
    after = float((head(torch.from_numpy(fte)).argmax(1).numpy() == yte).mean())
    set_module(model, head_name, head)
    unchanged = all(np.array_equal(frozen[k], v.detach().numpy()) for k, v in model.state_dict().items()
                    if not k.startswith(head_name + "."))
    print(f"MNIST digits 0-9, head only: trained {sum(p.numel() for p in head.parameters()):,} parameters")
    print(f"{'':<28}{'test accuracy':>22}")
    print(f"{'before (new, untrained head)':<28}{100 * before:21.2f}%")
    print(f"{'after (head trained)':<28}{100 * after:21.2f}%")
    print(f"frozen {a.arch} parameters unchanged: {unchanged}")
    return 0 if unchanged else 1


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--head-steps", type=int, default=200)
    p.add_argument("--n", type=int, default=12000)
    p.add_argument("--root", default=None)
    p.add_argument("--weights", default=None, help="a torchvision weight file (.pth) to start from")
    p.add_argument("--arch", default="resnet18", help="the torchvision architecture of --weights")
    p.add_argument("--size", type=int, default=64, help="image size for --weights (224 is ImageNet's)")
    p.add_argument("--quick", action="store_true")
    a = p.parse_args(argv)
    if a.quick:
        a.steps, a.head_steps, a.n = 30, 30, 1500
    torch.manual_seed(0)
    from lenet_mnist import load_mnist
    if a.weights is not None:
        n = min(a.n, 600) if a.quick else min(a.n, 3000)  # features through a full-size network: fewer images
        xtr, ytr, xte, yte = load_mnist(a.root, n, n // 2)
        return from_torchvision(a, xtr, ytr, xte, yte)
    xtr, ytr, xte, yte = load_mnist(a.root, a.n, a.n // 4)
    xa, ya = split(xtr, ytr, [0, 1, 2, 3, 4])
    xb, yb = split(xtr, ytr, [5, 6, 7, 8, 9])
    xbt, ybt = split(xte, yte, [5, 6, 7, 8, 9])
    xat, yat = split(xte, yte, [0, 1, 2, 3, 4])

    t0 = time.time()
    model = vgg11(in_channels=1, num_classes=5, width_mult=1 / 16, input_size=32, hidden=64, dropout=0.2)
    fit(model, model.parameters(), xa, ya, a.steps, 2e-3, 64)
    print(f"task A (digits 0-4): trained the whole network, test accuracy {100 * accuracy(model, xat, yat):.2f}% "
          f"({time.time() - t0:.1f} s)")

    model.features.requires_grad_(False)                      # freeze the convolutional layers
    frozen = {k: v.detach().numpy().copy() for k, v in model.features.state_dict().items()}
    model.classifier[-1] = nn.Linear(model.classifier[-1].in_features, 5)   # new head for task B
    before = accuracy(model, xbt, ybt)
    trainable = [p for p in model.parameters() if p.requires_grad]
    n_train = sum(p.numel() for p in trainable)
    n_all = sum(p.numel() for p in model.parameters())
    t0 = time.time()
    fit(model, trainable, xb, yb, a.head_steps, 2e-3, 64, seed=1)
    after = accuracy(model, xbt, ybt)
    unchanged = all(np.array_equal(frozen[k], v.detach().numpy()) for k, v in model.features.state_dict().items())
    print(f"task B (digits 5-9): trained {n_train:,} of {n_all:,} parameters (classifier only), "
          f"{time.time() - t0:.1f} s")
    print(f"{'':<28}{'task B test accuracy':>22}")
    print(f"{'before (new, untrained head)':<28}{100 * before:21.2f}%")
    print(f"{'after (head trained)':<28}{100 * after:21.2f}%")
    print(f"frozen feature parameters unchanged: {unchanged}")
    return 0 if unchanged else 1


if __name__ == "__main__":
    sys.exit(main())
