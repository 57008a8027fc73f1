"""Demos run from the command line: ``reograd demo`` (MNIST MLP) and ``reograd autodiff``."""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
MNIST_MIRRORS = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/"]
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


def autodiff_example():
    """The notes' reverse-mode example: e = (a + b) * (b + 1) at a = 2, b = 1 gives de/da = 2, de/db = 5."""
    import reograd

    a = reograd.tensor(2.0, requires_grad=True)
    b = reograd.tensor(1.0, requires_grad=True)
    c = a + b
    d = b + 1
    e = c * d
    e.backward()
    print(f"e = (a + b) * (b + 1) at a = 2, b = 1: e = {e.item():g}")
    print(f"a.grad = {a.grad.item():g}")
    print(f"b.grad = {b.grad.item():g}")


# --------------------------------------------------------------------------------------
# the data: reograd.vision.datasets.MNIST finds (root, $REOGRAD_DATA, cache), checks and downloads it
# --------------------------------------------------------------------------------------
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


def load_mnist(root=None, download=True):
    """``(x_train, y_train, x_test, y_test, folder)``: images as float32 ``(N, 784)`` normalized with MNIST's
    mean and std (0.1307, 0.3081), labels as int64. Raises RuntimeError saying where to put the files."""
    from .vision.datasets import MNIST

    train = MNIST(root, train=True, download=download)
    test = MNIST(root, train=False, download=download)
    lut = ((np.arange(256) / 255.0 - MNIST_MEAN) / MNIST_STD).astype(np.float32)  # one pass, no temporaries

    def prep(ds):
        images = ds.data.numpy()
        return lut[images.reshape(len(images), -1)], ds.targets.numpy()

    return (*prep(train), *prep(test), train.raw_folder)


# --------------------------------------------------------------------------------------
# the flagship demo
# --------------------------------------------------------------------------------------
def build_mlp(hidden=(512, 256), dropout=0.2):
    """784 -> hidden... -> 10 with ReLU and dropout after each hidden layer."""
    from . import nn

    layers, width = [], 28 * 28
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(dropout)]
        width = h
    layers.append(nn.Linear(width, 10))
    return nn.Sequential(*layers)


def build_lenet():
    """LeNet-5 for 28x28 MNIST (C1 pads by 2), ReLU and max pooling."""
    from .vision.models import LeNet5

    return LeNet5(input_size=28, variant="modern")


def mnist_parser(cnn=False):
    if cnn:
        p = argparse.ArgumentParser(prog="reograd demo cnn",
                                    description="Train LeNet-5 on MNIST (ReLU, max pooling, Adam with a cosine "
                                                "schedule), print the test accuracy, save the convergence plot.")
    else:
        p = argparse.ArgumentParser(prog="reograd demo",
                                    description="Train an MLP on MNIST (784-512-256-10, ReLU, dropout, Adam with a "
                                                "cosine schedule), print the test accuracy, save the convergence "
                                                "plot. `reograd demo cnn` trains LeNet-5 instead.")
    p.add_argument("--epochs", type=int, default=4 if cnn else 8, help="training epochs")
    p.add_argument("--batch-size", type=int, default=64 if cnn else 128, help="mini-batch size")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam's initial learning rate (default 1e-3)")
    p.add_argument("--hidden", type=int, nargs="+", default=[512, 256], help="hidden layer widths (default 512 256)")
    p.add_argument("--dropout", type=float, default=0.2, help="dropout probability (default 0.2)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--root", default=None, help="data root holding mnist/ (else $REOGRAD_DATA, then the cache, "
                                                "then a download)")
    default_plot = "mnist_cnn_convergence.png" if cnn else "mnist_convergence.png"
    p.add_argument("--plot", default=default_plot, metavar="PATH",
                   help=f"where to save the convergence plot (default {default_plot}; '' for none)")
    p.add_argument("--val-size", type=int, default=5000, help="training images held out for validation")
    p.add_argument("--quick", action="store_true", help="smoke test: 1 epoch on 10,000 training images")
    p.add_argument("--no-download", action="store_true", help="never try to download MNIST")
    p.add_argument("--no-progress", action="store_true", help="one line per epoch instead of a progress bar")
    return p


def mnist_demo(argv=None, cnn=False):
    """``reograd demo`` (MLP) or ``reograd demo cnn`` (LeNet-5): returns the exit status (0 on success, 1 where
    MNIST is absent)."""
    import reograd
    from .train import Trainer, ProgressBar
    from .utils.data import DataLoader, TensorDataset

    args = mnist_parser(cnn).parse_args(argv)
    t_start = time.perf_counter()
    try:
        x_train, y_train, x_test, y_test, folder = load_mnist(args.root, download=not args.no_download)
    except (RuntimeError, OSError) as e:  # not found (the message says where to put it), unreadable, no network
        print(f"MNIST was not found or could not be read.\n{e}", file=sys.stderr)
        return 1

    reograd.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    perm = rng.permutation(len(x_train))
    n_val = min(max(args.val_size, 0), len(x_train) - 1)
    val_idx, train_idx = perm[:n_val], perm[n_val:]
    epochs = args.epochs
    if args.quick:
        train_idx, val_idx, epochs = train_idx[:10000], val_idx[:2000], 1
    if cnn:  # images as (N, 1, 28, 28) for the convolutions
        x_train, x_test = x_train.reshape(-1, 1, 28, 28), x_test.reshape(-1, 1, 28, 28)
    t = reograd.from_numpy
    train_ds = TensorDataset(t(x_train[train_idx]), t(y_train[train_idx]))
    gen = reograd.Generator().manual_seed(args.seed)
    train_loader = DataLoader(train_ds, batch_size=args.batch_size, shuffle=True, generator=gen)
    val_loader = (DataLoader(TensorDataset(t(x_train[val_idx]), t(y_train[val_idx])), batch_size=1000)
                  if len(val_idx) else None)
    test_loader = DataLoader(TensorDataset(t(x_test), t(y_test)), batch_size=1000)

    model = build_lenet() if cnn else build_mlp(args.hidden, args.dropout)
    optimizer = reograd.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = reograd.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs * len(train_loader),
                                                             eta_min=args.lr * 0.01)
    if cnn:
        arch = "LeNet-5"
        described = "LeNet-5 (conv 5x5 x6, pool, conv 5x5 x16, pool, conv 5x5 x120, 84, 10; ReLU, max pooling)"
    else:
        arch = "MLP " + "-".join(str(w) for w in [784, *args.hidden, 10])
        described = f"{arch} (ReLU, dropout {args.dropout})"
    print(f"MNIST from {folder}: {len(train_idx)} training, {len(val_idx)} validation, {len(x_test)} test images")
    print(f"{described}, Adam lr {args.lr:g} with cosine decay, batch {args.batch_size}, {epochs} "
          f"epoch{'s' if epochs != 1 else ''}")
    trainer = Trainer(model, optimizer, reograd.nn.CrossEntropyLoss(), metrics=["accuracy"],
                      scheduler=scheduler, scheduler_interval="batch",
                      callbacks=[ProgressBar(use_tqdm=False if args.no_progress else None)])
    history = trainer.fit(train_loader, val_data=val_loader, epochs=epochs)
    test = trainer.evaluate(test_loader)
    elapsed = time.perf_counter() - t_start

    if args.plot:
        try:
            path = history.plot(args.plot, title=f"MNIST {arch}")
            print(f"convergence plot saved to {path}")
        except ImportError:
            print("matplotlib is not installed: skipping the convergence plot (pip install matplotlib)")
    reference = ("LeCun et al. 1998: LeNet-5 0.95% test error" if cnn else
                 "the notes' reference: scikit-learn MLPClassifier, 50 hidden units, 10 epochs: 97.0%")
    print(f"test loss: {test['loss']:.4f}  ({reference})")
    print(f"test accuracy: {100 * test['accuracy']:.2f}% after {len(history)} epoch{'s' if len(history) != 1 else ''}"
          f" ({elapsed:.1f} s)")
    return 0
