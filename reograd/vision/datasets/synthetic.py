"""Small synthetic data sets for toy problems: XOR, two moons, circles, spirals, blobs, 1-D regression.

Each ``make_*`` returns ``(X, y)``: ``X`` a float32 tensor (n_samples x 2, or n x 1 for regression),
``y`` an int64 tensor of class labels (a float32 n x 1 tensor of targets for regression). Randomness
comes from ``generator`` (a ``reograd.Generator``), or ``seed`` (an int), or else reograd's global RNG.
``SyntheticDataset`` wraps any of them as a ``TensorDataset``.
"""
from __future__ import annotations

import numpy as np

from ...autograd.tensor import Tensor
from ...utils.data import TensorDataset
from ...ops.creation.generator import rng

__all__ = ["make_xor", "make_moons", "make_circles", "make_spirals", "make_blobs", "make_regression_1d",
           "SyntheticDataset"]


def _rng(generator, seed):
    if generator is not None and seed is not None:
        raise ValueError("pass either generator= or seed=, not both")
    if seed is not None:
        return np.random.Generator(np.random.PCG64(int(seed)))
    return rng(generator)


def _check_n(name, n_samples, minimum=1):
    if not isinstance(n_samples, (int, np.integer)) or isinstance(n_samples, bool) or n_samples < minimum:
        raise ValueError(f"{name}: n_samples should be an integer >= {minimum}, got {n_samples!r}")


def _finish(X, y, noise, rng, shuffle):
    if noise:
        X = X + rng.normal(0.0, noise, size=X.shape)
    if shuffle:
        p = rng.permutation(len(X))
        X, y = X[p], y[p]
    return Tensor._make(np.ascontiguousarray(X, dtype=np.float32)), Tensor._make(np.asarray(y, dtype=np.int64))


def make_xor(n_samples=200, noise=0.0, shuffle=False, generator=None, seed=None):
    """The XOR problem: points at the corners (0,0), (0,1), (1,0), (1,1) (cycled in that order), label
    ``x0 XOR x1``, plus Gaussian noise of std ``noise``. ``make_xor(4)`` is the truth table."""
    _check_n("make_xor", n_samples)
    rng = _rng(generator, seed)
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    X = corners[np.arange(n_samples) % 4]
    y = (X[:, 0] != X[:, 1]).astype(np.int64)
    return _finish(X, y, noise, rng, shuffle)


def make_moons(n_samples=100, noise=0.0, shuffle=True, generator=None, seed=None):
    """Two interleaving half circles (scikit-learn's ``make_moons``): class 0 is the upper arc
    ``(cos t, sin t)``, class 1 the lower arc ``(1 - cos t, 0.5 - sin t)``, t in [0, pi]."""
    _check_n("make_moons", n_samples, 2)
    rng = _rng(generator, seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        np.stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5], 1)])
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    return _finish(X, y, noise, rng, shuffle)


def make_circles(n_samples=100, noise=0.0, factor=0.8, shuffle=True, generator=None, seed=None):
    """Two concentric circles (scikit-learn's ``make_circles``): class 0 on the unit circle, class 1 on
    the circle of radius ``factor`` (0 <= factor < 1)."""
    _check_n("make_circles", n_samples, 2)
    if not 0 <= factor < 1:
        raise ValueError(f"make_circles: 'factor' has to be between 0 and 1, got {factor}")
    rng = _rng(generator, seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        factor * np.stack([np.cos(t_in), np.sin(t_in)], 1)])
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    return _finish(X, y, noise, rng, shuffle)


def make_spirals(n_samples=300, n_classes=2, turns=1.0, noise=0.0, shuffle=True, generator=None, seed=None):
    """Interleaved spiral arms, one per class: arm k has points ``r (cos a, sin a)`` with r = t in [0, 1]
    and ``a = 2 pi (turns t + k / n_classes)``. ``n_samples`` is the total (split evenly, the first
    classes taking the remainder)."""
    _check_n("make_spirals", n_samples, n_classes)
    if n_classes < 1:
        raise ValueError(f"make_spirals: n_classes should be >= 1, got {n_classes}")
    rng = _rng(generator, seed)
    counts = [n_samples // n_classes + (k < n_samples % n_classes) for k in range(n_classes)]
    Xs, ys = [], []
    for k, n in enumerate(counts):
        t = np.linspace(0.0, 1.0, n)
        a = 2 * np.pi * (turns * t + k / n_classes)
        Xs.append(np.stack([t * np.cos(a), t * np.sin(a)], 1))
        ys.append(np.full(n, k, np.int64))
    return _finish(np.concatenate(Xs), np.concatenate(ys), noise, rng, shuffle)


def make_blobs(n_samples=100, centers=3, cluster_std=1.0, n_features=2, center_box=(-10.0, 10.0), shuffle=True,
               generator=None, seed=None):
    """Isotropic Gaussian blobs (scikit-learn's ``make_blobs``).

    Args:
        centers: a number of centers (drawn uniformly in ``center_box``) or an array (k x n_features).
        cluster_std: the standard deviation, one for all or one per center.
    """
    _check_n("make_blobs", n_samples)
    rng = _rng(generator, seed)
    if np.isscalar(centers):
        c = rng.uniform(center_box[0], center_box[1], size=(int(centers), n_features))
    else:
        c = np.asarray(centers.numpy() if isinstance(centers, Tensor) else centers, dtype=np.float64)
        if c.ndim != 2:
            raise ValueError(f"make_blobs: centers should be an int or a k x n_features array, got shape {c.shape}")
    k = len(c)
    std = np.broadcast_to(np.asarray(cluster_std, dtype=np.float64), (k,))
    counts = [n_samples // k + (i < n_samples % k) for i in range(k)]
    X = np.concatenate([rng.normal(c[i], std[i], size=(counts[i], c.shape[1])) for i in range(k)])
    y = np.concatenate([np.full(counts[i], i, np.int64) for i in range(k)])
    return _finish(X, y, 0.0, rng, shuffle)


def make_regression_1d(fn=np.sin, n=100, noise=0.0, x_range=(-3.0, 3.0), grid=False, generator=None, seed=None):
    """A 1-D regression problem ``y = fn(x) + noise * N(0, 1)``.

    Args:
        fn: a function of a NumPy array (default ``np.sin``).
        n: number of points; x is drawn uniformly in ``x_range`` and sorted (``grid=True``: evenly spaced).
    Returns ``(X, y)``, both float32 tensors of shape n x 1.
    """
    _check_n("make_regression_1d", n)
    rng = _rng(generator, seed)
    lo, hi = x_range
    x = np.linspace(lo, hi, n) if grid else np.sort(rng.uniform(lo, hi, size=n))
    y = np.asarray(fn(x), dtype=np.float64).reshape(n)
    if noise:
        y = y + rng.normal(0.0, noise, size=n)
    return Tensor._make(x.astype(np.float32)[:, None]), Tensor._make(y.astype(np.float32)[:, None])


_MAKERS = {"xor": make_xor, "moons": make_moons, "circles": make_circles, "spirals": make_spirals,
           "blobs": make_blobs, "regression_1d": make_regression_1d}


class SyntheticDataset(TensorDataset):
    """A ``TensorDataset`` of a synthetic problem: ``SyntheticDataset('moons', n_samples=200, noise=0.1)``.

    ``kind`` is one of 'xor', 'moons', 'circles', 'spirals', 'blobs', 'regression_1d' (or a
    ``make_*`` function); keyword arguments go to the maker. Attributes ``X`` and ``y``.
    """

    def __init__(self, kind, **kwargs):
        maker = _MAKERS.get(kind) if isinstance(kind, str) else kind
        if maker is None:
            raise ValueError(f"SyntheticDataset: unknown kind {kind!r}; expected one of {sorted(_MAKERS)}")
        self.X, self.y = maker(**kwargs)
        super().__init__(self.X, self.y)
