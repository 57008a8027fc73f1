"""Dropout family: random masks from reograd's global generator (``reograd.manual_seed``).

dropout: each element is zeroed with probability p, survivors are scaled by 1 / (1 - p), so the
expectation is unchanged; the op is ``x * mask`` with a constant mask (its gradient is the mask).
dropout1d/2d/3d zero whole channels; alpha_dropout keeps SELU's mean and variance.
"""
from __future__ import annotations

import numpy as np

from ...autograd.tensor import Tensor
from ..creation.generator import rng
from ..inplace import inplace as _inplace


def _check_p(op, p):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")


def _keep(shape, p, dtype):
    return (rng().random(shape) >= p).astype(dtype)


def _apply(input, fn, inplace):
    return _inplace(input, fn) if inplace else fn(input)


def dropout_f(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (identity when not training)."""
    _check_p("dropout", p)
    if not training or p == 0:
        return input
    d = input._data
    if p == 1:
        mask = np.zeros(d.shape, d.dtype)
    else:
        mask = _keep(d.shape, p, d.dtype) * np.asarray(1.0 / (1.0 - p), dtype=d.dtype)
    return _apply(input, lambda t: t * Tensor._make(mask), inplace)


def _feature_dropout(op, input, p, training, inplace, batched_dims):
    _check_p(op, p)
    if not training or p == 0:
        return input
    d = input._data
    if d.ndim not in batched_dims:
        raise RuntimeError(f"{op}: Expected {batched_dims[0]}D or {batched_dims[1]}D input, but received a "
                           f"{d.ndim}D input (shape {tuple(d.shape)})")
    unbatched = d.ndim == batched_dims[0]
    nlead = 1 if unbatched else 2
    mshape = d.shape[:nlead] + (1,) * (d.ndim - nlead)
    if p == 1:
        mask = np.zeros(mshape, d.dtype)
    else:
        mask = _keep(mshape, p, d.dtype) * np.asarray(1.0 / (1.0 - p), dtype=d.dtype)
    return _apply(input, lambda t: t * Tensor._make(mask), inplace)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) / (C, L) input with probability p."""
    return _feature_dropout("dropout1d", input, p, training, inplace, (2, 3))


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W) / (C, H, W) input with probability p."""
    return _feature_dropout("dropout2d", input, p, training, inplace, (3, 4))


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, D, H, W) / (C, D, H, W) input with probability p."""
    return _feature_dropout("dropout3d", input, p, training, inplace, (4, 5))


_ALPHA_P = -1.7580993408473766  # -scale * alpha of SELU


def _alpha(op, input, p, training, inplace, feature):
    _check_p(op, p)
    if not training or p == 0:
        return input
    d = input._data
    if p == 1:
        return _apply(input, lambda t: t * Tensor._make(np.zeros((), d.dtype)), inplace)
    shape = d.shape if not feature else d.shape[:2] + (1,) * (d.ndim - 2)
    keep = _keep(shape, p, d.dtype)
    a = (1.0 / np.sqrt((_ALPHA_P ** 2 * p + 1) * (1 - p)))
    # y = a * (x * keep + alpha' * (1 - keep)) + b'  with  b' = -a * alpha' * p   (torch's formula)
    mul = (keep * a).astype(d.dtype)
    add = ((1 - keep) * (a * _ALPHA_P) + a * (-_ALPHA_P) * p).astype(d.dtype)
    return _apply(input, lambda t: t * Tensor._make(mul) + Tensor._make(add), inplace)


def alpha_dropout_f(input, p=0.5, training=False, inplace=False):
    """Dropout for SELU networks: dropped units are set to SELU's negative saturation and an affine
    map restores zero mean and unit variance."""
    return _alpha("alpha_dropout", input, p, training, inplace, False)


def feature_alpha_dropout_f(input, p=0.5, training=False, inplace=False):
    """alpha_dropout of whole channels: each channel of (N, C, *) is dropped as a unit, with probability ``p``."""
    return _alpha("feature_alpha_dropout", input, p, training, inplace, True)


# torch's top-level spellings: torch.dropout(input, p, train)
def dropout(input, p, train):
    """``torch.dropout(input, p, train)``; see ``nn.functional.dropout``."""
    return dropout_f(input, p, train)


def alpha_dropout(input, p, train):
    """``torch.alpha_dropout(input, p, train)``: dropout for SELU networks that keeps mean and variance;
    see ``nn.functional.alpha_dropout``."""
    return alpha_dropout_f(input, p, train)


def feature_alpha_dropout(input, p, train):
    """``torch.feature_alpha_dropout(input, p, train)``: alpha dropout of whole channels (dim 1 of (N, C, *));
    see ``nn.functional.feature_alpha_dropout``."""
    return feature_alpha_dropout_f(input, p, train)


def feature_dropout(input, p, train):
    """``torch.feature_dropout(input, p, train)``: zero whole channels (dim 1 of (N, C, *)) with probability
    ``p`` and scale the rest by 1/(1-p); identity when ``train`` is False."""
    return _feature_dropout("feature_dropout", input, p, train, False, (-1, input.dim()))
