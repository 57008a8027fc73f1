"""Learn a 3x3 convolution filter from an image and its filtered version (the notes' "learn_filters").

The notes (seeds/000, "Let's try to learn a 3x3 filter") filter an image with the Laplacian
K = [[0, 1, 0], [1, -4, 1], [0, 1, 0]], then recover K by minimising E(K) = sum (I * K - T)^2 over a
Conv2d(1, 1, 3) with Adam. Here the image is synthetic (smooth blobs plus noise: no scikit-image
needed) and the layer is linear (the notes add a tanh), so the optimum is exactly the Laplacian:
the script prints the learned kernel and its max error (< 1e-3).

    python examples/learn_filter.py            # 64x64 image, 600 Adam steps
    python examples/learn_filter.py --quick    # 32x32 image
"""
import argparse
import sys
import time

import numpy as np

import reograd as torch
import reograd.nn as nn
import reograd.nn.functional as F

LAPLACIAN = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=np.float32)


def synthetic_image(size, seed=0):
    """Smooth random blobs plus pixel noise, scaled to a unit range and centred."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    img = np.zeros((size, size))
    for _ in range(6):
        cx, cy, s = rng.random(), rng.random(), 0.05 + 0.2 * rng.random()
        img += rng.random() * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * s * s))
    img += 0.5 * rng.random((size, size))
    img = (img - img.min()) / (img.max() - img.min())
    return (img - img.mean()).astype(np.float32)  # zero mean: the kernel sum is as well determined as the rest


def learn_filter(size=64, steps=600, lr=0.05, seed=0, verbose=True):
    """Returns (learned 3x3 kernel, max abs error vs the Laplacian, loss history)."""
    torch.manual_seed(seed)
    X = torch.from_numpy(synthetic_image(size, seed))[None, None]            # N C H W
    T = F.conv2d(X, torch.from_numpy(LAPLACIAN)[None, None])                 # target: valid correlation
    f = nn.Conv2d(1, 1, 3, bias=False)
    opt = torch.optim.Adam(f.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    losses = []
    for step in range(steps):
        opt.zero_grad()
        loss = ((f(X) - T) ** 2).mean()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
        if verbose and (step % max(1, steps // 6) == 0 or step == steps - 1):
            print(f"step {step:4d}  loss {losses[-1]:.3e}")
    K = f.weight.detach().numpy()[0, 0]
    return K, float(np.abs(K - LAPLACIAN).max()), losses


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--steps", type=int, default=600)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--quick", action="store_true", help="32x32 image (a smoke test)")
    a = p.parse_args(argv)
    if a.quick:
        a.size = 32
    t0 = time.time()
    K, err, _ = learn_filter(a.size, a.steps, a.lr)
    np.set_printoptions(precision=4, suppress=True)
    print("target kernel (Laplacian):\n", LAPLACIAN)
    print("learned kernel:\n", K)
    print(f"max |K - Laplacian| = {err:.2e}   ({time.time() - t0:.1f} s)")
    return 0 if err < 1e-3 else 1


if __name__ == "__main__":
    sys.exit(main())
