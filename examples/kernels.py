"""Classic image kernels with F.conv2d, checked against SciPy; correlation vs convolution.

The notes apply hand-made filters (edge, blur, sharpen; the Laplacian with scipy.ndimage.convolve)
before learning them. Deep-learning "convolution" (F.conv2d) is cross-correlation:
H[i, j] = sum_kl I[i + k, j + l] K[k, l]. True convolution flips the kernel, so
F.conv2d(I, flip(K)) == scipy.ndimage.convolve(I, K). This script applies each kernel with
F.conv2d (padding=1, zero padding == SciPy's mode="constant"), prints a small response summary
(the figure's panels as numbers) and, where SciPy is installed, the max difference to
scipy.ndimage.correlate and (flipped) to scipy.ndimage.convolve.

    python examples/kernels.py [--quick]
"""
import argparse
import sys

import numpy as np

import reograd as torch
import reograd.nn.functional as F

KERNELS = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "sobel_x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "sobel_y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "box_blur": [[1 / 9] * 3] * 3,
    "gaussian_blur": [[1 / 16, 2 / 16, 1 / 16], [2 / 16, 4 / 16, 2 / 16], [1 / 16, 2 / 16, 1 / 16]],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "asymmetric": [[1, 2, 0], [0, -1, 3], [-2, 0, 1]],   # shows correlation != convolution
}


def test_image(size=32):
    """A bright square on a dark background with a diagonal line: edges in every direction."""
    img = np.zeros((size, size))
    q = size // 4
    img[q:3 * q, q:3 * q] = 1.0
    idx = np.arange(size)
    img[idx, idx] = 0.5
    return img


def apply(img, kernel, flip=False):
    """``F.conv2d`` of a 2-D image with a 2-D kernel, same-size output (zero padding)."""
    k = np.asarray(kernel, dtype=np.float64)
    if flip:
        k = k[::-1, ::-1].copy()
    x = torch.tensor(img, dtype=torch.float64)[None, None]
    w = torch.tensor(k, dtype=torch.float64)[None, None]
    return F.conv2d(x, w, padding=k.shape[0] // 2).numpy()[0, 0]


def compare_with_scipy(img):
    """{name: (max |conv2d - correlate|, max |conv2d(flipped) - convolve|)}, or None without SciPy."""
    try:
        from scipy import ndimage
    except ImportError:
        return None
    out = {}
    for name, k in KERNELS.items():
        k = np.asarray(k, dtype=np.float64)
        corr = ndimage.correlate(img, k, mode="constant", cval=0.0)
        conv = ndimage.convolve(img, k, mode="constant", cval=0.0)
        out[name] = (float(np.abs(apply(img, k) - corr).max()), float(np.abs(apply(img, k, flip=True) - conv).max()))
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--quick", action="store_true")
    a = p.parse_args(argv)
    img = test_image(16 if a.quick else a.size)
    print(f"{'kernel':<14} {'min':>8} {'max':>8} {'mean |r|':>9}")
    for name, k in KERNELS.items():
        r = apply(img, k)
        print(f"{name:<14} {r.min():8.3f} {r.max():8.3f} {np.abs(r).mean():9.4f}")
    k = np.asarray(KERNELS["asymmetric"], dtype=np.float64)
    print(f"\ncorrelation vs convolution (asymmetric kernel): max difference "
          f"{np.abs(apply(img, k) - apply(img, k, flip=True)).max():.3f} (0 only for symmetric kernels)")
    cmp = compare_with_scipy(img)
    if cmp is None:
        print("SciPy is not installed: skipped the comparison with scipy.ndimage")
        return 0
    print(f"\n{'kernel':<14} {'|conv2d - correlate|':>21} {'|conv2d(flip K) - convolve|':>28}")
    for name, (e1, e2) in cmp.items():
        print(f"{name:<14} {e1:21.2e} {e2:28.2e}")
    worst = max(max(v) for v in cmp.values())
    print(f"F.conv2d is scipy.ndimage.correlate; with a flipped kernel it is scipy.ndimage.convolve (max error {worst:.1e})")
    return 0 if worst < 1e-10 else 1


if __name__ == "__main__":
    sys.exit(main())
