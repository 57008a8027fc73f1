"""Array kernels of the augmentations (``augment.py``): layout conversion, affine warps with nearest or
bilinear sampling, bilinear resize, separable Gaussian blur, RGB <-> HSV. They work on NumPy arrays of
shape (..., C, H, W), vectorised over every pixel (no Python loops over pixels or images)."""
from __future__ import annotations

import math

import numpy as np

from ...autograd.tensor import Tensor

# ----------------------------------------------------------------------------- layouts


def unpack(img, name):
    """``img`` -> ``(arr, kind, orig_dtype, device)`` with ``arr`` a NumPy array (..., C, H, W).

    NumPy images are H x W or H x W x C (as PIL/torchvision), tensors (..., C, H, W)."""
    if isinstance(img, Tensor):
        if img.dim() < 2:
            raise ValueError(f"{name}: a tensor image needs at least 2 dimensions (..., C, H, W), got shape "
                             f"{tuple(img.shape)}")
        arr = img.detach().cpu().numpy()
        if arr.ndim == 2:
            return arr[None], "tensor2d", arr.dtype, img.device
        return arr, "tensor", arr.dtype, img.device
    if isinstance(img, np.ndarray):
        if img.ndim == 2:
            return img[None], "hw", img.dtype, None
        if img.ndim == 3:
            return img.transpose(2, 0, 1), "hwc", img.dtype, None
        raise ValueError(f"{name}: a NumPy image must be H x W or H x W x C, got shape {img.shape}")
    raise TypeError(f"{name}: expected a NumPy array (H x W or H x W x C) or a tensor (..., C, H, W), "
                    f"got {type(img).__name__}")


def pack(arr, kind, dtype, device):
    """Inverse of ``unpack``: back to the input's layout, dtype (integers rounded and clipped) and type."""
    if arr.dtype != dtype:
        if np.issubdtype(dtype, np.integer):
            info = np.iinfo(dtype)
            arr = np.clip(np.rint(arr), info.min, info.max)
        elif dtype == np.bool_:
            arr = arr > 0.5
        arr = arr.astype(dtype)
    if kind == "hw":
        return np.ascontiguousarray(arr[0])
    if kind == "hwc":
        return np.ascontiguousarray(arr.transpose(1, 2, 0))
    if kind == "tensor2d":
        arr = arr[0]
    out = Tensor._make(np.ascontiguousarray(arr))
    if device is not None and str(device) != "cpu":
        out = out.to(device)
    return out


def work_dtype(arr):
    """Floating dtype for arithmetic on ``arr`` (its own when floating, float32 otherwise)."""
    return arr.dtype if np.issubdtype(arr.dtype, np.floating) else np.float32


def max_value(dtype):
    """The largest intensity: 1.0 for float images, the type's max for integers (255 for uint8)."""
    if np.issubdtype(dtype, np.integer):
        return float(np.iinfo(dtype).max)
    return 1.0


def fill_array(fill, channels, dtype):
    """A fill value broadcastable to (C, H, W): a number, or one per channel."""
    if fill is None:
        fill = 0
    f = np.asarray(fill, dtype=dtype).reshape(-1)
    if f.size == 1:
        return f.reshape(1, 1, 1)
    if f.size != channels:
        raise ValueError(f"fill has {f.size} values but the image has {channels} channels")
    return f.reshape(channels, 1, 1)


# ----------------------------------------------------------------------------- sampling


def sample(arr, ys, xs, interpolation="bilinear", fill=0):
    """Sample ``arr`` (..., C, H, W) at source pixel coordinates ``ys, xs`` (each Ho x Wo, pixel-index units).

    Points outside the image take ``fill``; bilinear weights blend in- and out-of-image corners (as
    torchvision's grid_sample with a fill mask)."""
    H, W = arr.shape[-2:]
    dt = work_dtype(arr)
    src = arr.astype(dt, copy=False)
    f = fill_array(fill, arr.shape[-3], dt)
    if interpolation == "nearest":
        yi = np.floor(ys + 0.5).astype(np.intp)
        xi = np.floor(xs + 0.5).astype(np.intp)
        valid = (yi >= 0) & (yi < H) & (xi >= 0) & (xi < W)
        out = src[..., np.clip(yi, 0, H - 1), np.clip(xi, 0, W - 1)]
        return np.where(valid, out, f)
    if interpolation != "bilinear":
        raise ValueError(f"interpolation must be 'nearest' or 'bilinear', got {interpolation!r}")
    y0 = np.floor(ys).astype(np.intp)
    x0 = np.floor(xs).astype(np.intp)
    wy = (ys - y0).astype(dt)
    wx = (xs - x0).astype(dt)
    out = 0
    for dy, wgt_y in ((0, 1 - wy), (1, wy)):
        for dx, wgt_x in ((0, 1 - wx), (1, wx)):
            yy, xx = y0 + dy, x0 + dx
            valid = (yy >= 0) & (yy < H) & (xx >= 0) & (xx < W)
            v = np.where(valid, src[..., np.clip(yy, 0, H - 1), np.clip(xx, 0, W - 1)], f)
            out = out + (wgt_y * wgt_x) * v
    return out


def affine_forward_matrix(angle, translate, scale, shear):
    """2x3 forward map about the image centre, in (x, y) pixel coordinates with y pointing down.

    ``angle`` degrees counter-clockwise (as seen), ``translate`` (tx, ty) pixels, ``scale``, ``shear`` (sx, sy)
    degrees: x' = x + tan(sx) y, y' = y + tan(sy) x (applied after scaling, before rotation)."""
    a = math.radians(angle)
    rot = np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]])
    sh = np.array([[1.0, math.tan(math.radians(shear[0]))], [math.tan(math.radians(shear[1])), 1.0]])
    A = rot @ sh * scale
    return A, np.asarray(translate, dtype=np.float64)


def warp_affine(arr, angle=0.0, translate=(0.0, 0.0), scale=1.0, shear=(0.0, 0.0), interpolation="nearest",
                fill=0, center=None):
    """Apply the affine map of ``affine_forward_matrix`` to ``arr`` (..., C, H, W) by inverse sampling."""
    H, W = arr.shape[-2:]
    A, t = affine_forward_matrix(angle, translate, scale, shear)
    if np.allclose(A, np.eye(2)) and not np.any(t):
        return arr.astype(work_dtype(arr))
    cx, cy = ((W - 1) / 2.0, (H - 1) / 2.0) if center is None else center
    Ainv = np.linalg.inv(A)
    yo, xo = np.mgrid[0:H, 0:W].astype(np.float64)
    u, v = xo - cx - t[0], yo - cy - t[1]
    xs = Ainv[0, 0] * u + Ainv[0, 1] * v + cx
    ys = Ainv[1, 0] * u + Ainv[1, 1] * v + cy
    return sample(arr, ys, xs, interpolation, fill)


def resize(arr, size, interpolation="bilinear"):
    """Resize (..., C, H, W) to ``size`` = (h, w) (half-pixel centres, as align_corners=False, no antialias)."""
    H, W = arr.shape[-2:]
    h, w = size
    ys = (np.arange(h) + 0.5) * (H / h) - 0.5
    xs = (np.arange(w) + 0.5) * (W / w) - 0.5
    if interpolation == "nearest":
        yi = np.minimum(np.floor(np.arange(h) * (H / h)).astype(np.intp), H - 1)
        xi = np.minimum(np.floor(np.arange(w) * (W / w)).astype(np.intp), W - 1)
        return arr[..., yi[:, None], xi[None, :]]
    ys, xs = np.clip(ys, 0, H - 1), np.clip(xs, 0, W - 1)
    dt = work_dtype(arr)
    src = arr.astype(dt, copy=False)
    y0 = np.floor(ys).astype(np.intp)
    x0 = np.floor(xs).astype(np.intp)
    y1, x1 = np.minimum(y0 + 1, H - 1), np.minimum(x0 + 1, W - 1)
    wy = (ys - y0).astype(dt)[:, None]
    wx = (xs - x0).astype(dt)
    rows = src[..., y0, :] * (1 - wy) + src[..., y1, :] * wy          # (..., C, h, W)
    return rows[..., x0] * (1 - wx) + rows[..., x1] * wx


# ----------------------------------------------------------------------------- blur


def gaussian_kernel1d(ksize, sigma):
    half = (ksize - 1) * 0.5
    x = np.linspace(-half, half, ksize)
    k = np.exp(-0.5 * (x / sigma) ** 2)
    return k / k.sum()


def gaussian_blur(arr, kernel_size, sigma):
    """Separable Gaussian blur of (..., C, H, W) with reflect padding (as torchvision). kernel_size, sigma: (x, y)."""
    kx, ky = kernel_size
    sx, sy = sigma
    dt = work_dtype(arr)
    out = arr.astype(dt, copy=True)
    for axis, k, s in ((-1, kx, sx), (-2, ky, sy)):
        if k == 1:
            continue
        kern = gaussian_kernel1d(k, s).astype(dt)
        r = k // 2
        pad = [(0, 0)] * out.ndim
        pad[axis] = (r, r)
        mode = "reflect" if out.shape[axis] > r else "symmetric"
        p = np.pad(out, pad, mode=mode)
        n = out.shape[axis]
        acc = np.zeros_like(out)
        for i in range(k):  # k kernel offsets, each a whole-image slice
            sl = [slice(None)] * out.ndim
            sl[axis] = slice(i, i + n)
            acc += kern[i] * p[tuple(sl)]
        out = acc
    return out


# ----------------------------------------------------------------------------- colour

GRAY_WEIGHTS = (0.2989, 0.587, 0.114)


def grayscale(arr):
    """Luma of RGB (..., 3, H, W) -> (..., 1, H, W); one-channel images are returned as they are."""
    if arr.shape[-3] == 1:
        return arr
    r, g, b = arr[..., 0:1, :, :], arr[..., 1:2, :, :], arr[..., 2:3, :, :]
    return GRAY_WEIGHTS[0] * r + GRAY_WEIGHTS[1] * g + GRAY_WEIGHTS[2] * b


def rgb_to_hsv(img):
    """RGB in [0, 1] (..., 3, H, W) -> HSV, each in [0, 1]."""
    r, g, b = img[..., 0, :, :], img[..., 1, :, :], img[..., 2, :, :]
    maxc = img.max(axis=-3)
    minc = img.min(axis=-3)
    eqc = maxc == minc
    cr = maxc - minc
    ones = np.ones_like(maxc)
    s = cr / np.where(eqc, ones, maxc)
    cr_div = np.where(eqc, ones, cr)
    rc, gc, bc = (maxc - r) / cr_div, (maxc - g) / cr_div, (maxc - b) / cr_div
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = np.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return np.stack([h, s, maxc], axis=-3)


def hsv_to_rgb(img):
    h, s, v = img[..., 0, :, :], img[..., 1, :, :], img[..., 2, :, :]
    i = np.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(np.int64) % 6
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    choices_r = [v, q, p, p, t, v]
    choices_g = [t, v, v, q, p, p]
    choices_b = [p, p, t, v, v, q]
    r = np.choose(i, choices_r)
    g = np.choose(i, choices_g)
    b = np.choose(i, choices_b)
    return np.stack([r, g, b], axis=-3)
