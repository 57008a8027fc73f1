"""Resampling: ``interpolate`` (nearest, nearest-exact, linear/bilinear/trilinear, bicubic, area), ``pixel_shuffle``.

Every mode of ``interpolate`` except 'area' is separable: along one spatial dim of size S -> O it is
a fixed (O, S) matrix M (one-hot rows for nearest, two weights (1 - l, l) for linear, four cubic-convolution weights for bicubic), so the whole
op is a chain of small matrix products (M_h @ x @ M_w^T in 2-D), whose backward is the transposed
products (and whose second derivative is zero). Source coordinates follow PyTorch exactly:

- nearest:       src = min(floor(dst * scale), S - 1)
- nearest-exact: src = min(floor((dst + 0.5) * scale), S - 1)
- linear, align_corners=True:  src = dst * (S - 1)/(O - 1)
- linear, align_corners=False: src = max((dst + 0.5) * scale - 0.5, 0)
with scale = 1/scale_factor when a scale factor is given (and not recomputed), else S/O.
"""
from __future__ import annotations

import math

import numpy as np

from ... import backend
from ...autograd.tensor import Tensor
from .adaptive_pool import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

_LINEAR = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")


def _scale(S, O, sf):
    return (1.0 / sf) if sf is not None and sf > 0 else S / O


def _nearest_matrix(S, O, sf, exact, dtype, shortcuts=False):
    """One-hot rows; ``shortcuts`` (PyTorch's 2-D nearest kernel): O == S copies and O == 2*S repeats
    each source twice, whatever the scale factor says."""
    if shortcuts and O == S:
        src = np.arange(O)
    elif shortcuts and O == 2 * S:
        src = np.arange(O) >> 1
    else:
        scale = np.float32(_scale(S, O, sf))
        dst = np.arange(O, dtype=np.float32)
        src = np.floor((dst + np.float32(0.5)) * scale if exact else dst * scale).astype(np.int64)
        src = np.minimum(src, S - 1)
    M = np.zeros((O, S), dtype=dtype)
    M[np.arange(O), src] = 1
    return M


def _source_coords(S, O, sf, align_corners, ft):
    """Where each of the O output positions samples the S input positions, in precision ``ft`` as PyTorch:
    i (S-1)/(O-1) with align_corners, else the half-pixel rule (i + 1/2) scale - 1/2 (may be < 0)."""
    if align_corners:
        scale = ft((S - 1) / (O - 1)) if O > 1 else ft(0)
        return np.arange(O, dtype=ft) * scale
    scale = ft(_scale(S, O, sf))
    return scale * (np.arange(O, dtype=ft) + ft(0.5)) - ft(0.5)


def _linear_matrix(S, O, sf, align_corners, dtype):
    ft = np.float32 if dtype == np.float32 else np.float64
    src = _source_coords(S, O, sf, align_corners, ft)
    if not align_corners:
        src = np.maximum(src, ft(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), S - 1)
    lam = np.clip(src - i0, 0, 1).astype(ft)
    i1 = i0 + (i0 < S - 1)
    M = np.zeros((O, S), dtype=np.float64)
    rows = np.arange(O)
    np.add.at(M, (rows, i0), 1 - lam.astype(np.float64))   # tiny (O, S) matrix: built once per call
    np.add.at(M, (rows, i1), lam.astype(np.float64))
    return M.astype(dtype)


def _cubic_matrix(S, O, sf, align_corners, dtype):
    """Bicubic convolution (Keys, A = -0.75) along one dim, as PyTorch: four taps at floor(src) - 1 ..
    floor(src) + 2, clamped to the border; half-pixel src is not clamped at 0 (unlike linear)."""
    ft = np.float32 if dtype == np.float32 else np.float64
    src = _source_coords(S, O, sf, align_corners, ft)
    i0 = np.floor(src).astype(np.int64)
    t = (src - i0).astype(ft)
    A = ft(-0.75)

    def c1(v):  # |v| <= 1
        return ((A + 2) * v - (A + 3)) * v * v + 1

    def c2(v):  # 1 < |v| < 2
        return ((A * v - 5 * A) * v + 8 * A) * v - 4 * A

    w = (c2(t + 1), c1(t), c1(1 - t), c2(2 - t))
    M = np.zeros((O, S), dtype=np.float64)
    rows = np.arange(O)
    for k in range(4):
        np.add.at(M, (rows, np.clip(i0 - 1 + k, 0, S - 1)), w[k].astype(np.float64))
    return M.astype(dtype)


def _apply_separable(x, mats):
    """x (N, C, *S) with M_d (O_d, S_d) applied along every spatial dim d (None: identity)."""
    nd = len(mats)
    xp = backend.get_array_module(x._data)
    y = x
    for d in reversed(range(nd)):
        M = mats[d]
        if M is None:
            continue
        Mt = Tensor._make(xp.asarray(M))
        if d == nd - 1:
            y = y @ Mt.mT
        elif d == nd - 2:
            y = Mt @ y
        else:
            y = (y.movedim(2 + d, -1) @ Mt.mT).movedim(-1, 2 + d)
    if y is x:
        y = x * 1
    return y


def _seq(op, name, v, nd):
    if isinstance(v, (list, tuple)):
        if len(v) != nd:
            raise ValueError(f"{op}: Input and {name} must have the same number of spatial dimensions, but got "
                             f"input with spatial dimensions of {nd} and {name} of {list(v)}. Please provide "
                             f"input tensor in (N, C, d1, d2, ...,dK) format and {name} in (o1, o2, ...,oK) format.")
        return tuple(v)
    return (v,) * nd


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    r"""Resample (N, C, *spatial) to ``size`` or by ``scale_factor`` (output = floor(S * scale_factor)).

    Modes: 'nearest', 'nearest-exact', 'linear' (3-D input), 'bilinear' and 'bicubic' (4-D), 'trilinear' (5-D),
    'area' (adaptive average pooling). ``align_corners`` (linear modes only): True maps the corner
    pixel centres onto each other, src = dst*(S-1)/(O-1); False (default) uses half-pixel centres.
    ``recompute_scale_factor=True`` recomputes the scale from the output size (S/O).
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate(): argument 'input' must be Tensor, not {type(input).__name__}")
    if mode not in _MODES:
        raise NotImplementedError(f"interpolate: mode {mode!r} is not supported, expected one of {list(_MODES)}")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    nd = input.dim() - 2
    if nd < 1 or nd > 3:
        raise NotImplementedError(f"interpolate: input must be 3-D, 4-D or 5-D (N, C, *spatial), got shape "
                                  f"{list(input.shape)}")
    if mode in _LINEAR and _LINEAR[mode] != nd:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {_LINEAR[mode] + 2}D input")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: only one of size or scale_factor should be defined" if size is not None
                         else "interpolate: either size or scale_factor should be defined")
    S = tuple(input.shape[2:])
    if size is not None:
        O = tuple(int(s) for s in _seq("interpolate", "size", size, nd))
        sfs = (None,) * nd
    else:
        sfs = tuple(float(s) for s in _seq("interpolate", "scale_factor", scale_factor, nd))
        O = tuple(int(math.floor(s * f)) for s, f in zip(S, sfs))
        if recompute_scale_factor:
            sfs = (None,) * nd
    if any(o <= 0 for o in O):
        raise RuntimeError(f"interpolate: output size {O} must be positive (input shape {list(input.shape)})")
    if mode == "area":
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[nd - 1](input, O)
    if not input.is_floating_point():
        raise RuntimeError(f"interpolate: expected a floating point input, got dtype {input.dtype}")
    dt = input._data.dtype
    mats = []
    for s, o, f in zip(S, O, sfs):
        if mode in ("nearest", "nearest-exact"):
            # PyTorch's 2-D 'nearest' forward special-cases O == S and O == 2*S (its 1-D/3-D kernels and
            # 'nearest-exact' follow the formula with the given scale factor even then)
            short = mode == "nearest" and nd == 2
            M = None if o == s and (short or f in (None, 1.0)) else \
                _nearest_matrix(s, o, f, mode == "nearest-exact", dt, short)
        else:
            make = _cubic_matrix if mode == "bicubic" else _linear_matrix
            # PyTorch's linear kernels copy a dim whose size does not change, whatever the scale factor
            # says; its bicubic forward does not (only its backward does, when no dim changes).
            M = None if (o == s and (mode != "bicubic" or align_corners or f in (None, 1.0))) else \
                make(s, o, f, align_corners, dt)
        mats.append(M)
    return _apply_separable(input, mats)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of ``interpolate``."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='nearest')``."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)``."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def pixel_shuffle(input, upscale_factor):
    r"""(*, C*r^2, H, W) -> (*, C, H*r, W*r): y[c, h*r + i, w*r + j] = x[c*r^2 + i*r + j, h, w]."""
    r = int(upscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *b, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    nb = len(b)
    y = input.reshape(*b, c // (r * r), r, r, h, w)
    y = y.permute(*range(nb), nb, nb + 3, nb + 1, nb + 4, nb + 2)
    return y.reshape(*b, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    r"""(*, C, H*r, W*r) -> (*, C*r^2, H, W), the inverse of ``pixel_shuffle``."""
    r = int(downscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *b, c, h, w = input.shape
    if h % r or w % r:
        raise RuntimeError(f"pixel_unshuffle expects height and width to be divisible by downscale_factor, but "
                           f"input.size(-2)={h} or input.size(-1)={w} is not divisible by {r}")
    nb = len(b)
    y = input.reshape(*b, c, h // r, r, w // r, r)
    y = y.permute(*range(nb), nb, nb + 2, nb + 4, nb + 1, nb + 3)
    return y.reshape(*b, c * r * r, h // r, w // r)
