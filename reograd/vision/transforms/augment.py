"""Data augmentation (as ``torchvision.transforms`` / ``transforms.v2``).

Every transform takes a NumPy image (H x W or H x W x C, like a PIL image) or a tensor (..., C, H, W),
and returns the same kind, layout and dtype (integer images are rounded and clipped). For a batch
tensor the same random parameters apply to every image (as torchvision). Randomness comes from
reograd's generator (``reograd.manual_seed`` makes runs repeatable) or from the ``generator=`` given
to a transform. Float images are taken to lie in [0, 1], integer ones in [0, max] (255 for uint8).

Batch-level mixing (``mixup``, ``cutmix``; ``MixUp`` / ``CutMix``) returns mixed inputs and soft targets,
as in the notes' mixup loop: ``x = lam*x1 + (1-lam)*x2``, ``y = lam*y1 + (1-lam)*y2`` with one-hot ``y``.
"""
from __future__ import annotations

import math
import numbers
from enum import Enum

import numpy as np

from ... import backend
from ...autograd.tensor import Tensor
from . import _augment_ops as ops
from ...ops.creation.generator import rng as _rng

__all__ = ["InterpolationMode", "RandomHorizontalFlip", "RandomVerticalFlip", "RandomCrop", "RandomResizedCrop",
           "RandomRotation", "RandomAffine", "ColorJitter", "GaussianBlur", "RandomErasing", "GaussianNoise",
           "ElasticTransform", "RandomApply", "mixup", "cutmix", "MixUp", "CutMix"]


class InterpolationMode(Enum):
    """Interpolation for geometric transforms (torchvision's names; strings "nearest"/"bilinear" work too)."""
    NEAREST = "nearest"
    BILINEAR = "bilinear"


def _interp(mode, name):
    v = mode.value if isinstance(mode, InterpolationMode) else str(mode).lower()
    if v not in ("nearest", "bilinear"):
        raise ValueError(f"{name}: interpolation must be NEAREST or BILINEAR, got {mode!r}")
    return v


def _pair(v, name, what="size"):
    if isinstance(v, numbers.Number):
        return (int(v), int(v))
    v = tuple(v)
    if len(v) == 1:
        return (int(v[0]), int(v[0]))
    if len(v) != 2:
        raise ValueError(f"{name}: {what} must be an int or a pair, got {v}")
    return (int(v[0]), int(v[1]))


def _range(v, name, what, center=0.0, bound=None, min_value=None):
    """A number x -> (center - x, center + x); a pair -> itself; checks bounds."""
    if isinstance(v, numbers.Number):
        if v < 0:
            raise ValueError(f"{name}: if {what} is a single number, it must be non negative, got {v}")
        lo, hi = center - float(v), center + float(v)
        if min_value is not None:
            lo = max(lo, min_value)
    else:
        v = tuple(float(x) for x in v)
        if len(v) != 2:
            raise ValueError(f"{name}: {what} must be a number or a pair (min, max), got {v}")
        lo, hi = v
    if lo > hi or (bound is not None and not (bound[0] <= lo <= hi <= bound[1])):
        raise ValueError(f"{name}: {what} values should be between {bound}, got ({lo}, {hi})")
    return (lo, hi)


class _Transform:
    """Base: ``p``, ``generator``, and the unpack -> ``_apply(arr)`` -> pack round trip."""

    def __init__(self, generator=None):
        self.generator = generator

    @property
    def rng(self):
        return _rng(self.generator)

    def __call__(self, img):
        arr, kind, dtype, device = ops.unpack(img, type(self).__name__)
        out = self._apply(arr, dtype)
        if out is arr:
            return img
        return ops.pack(out, kind, dtype, device)

    def _apply(self, arr, dtype):
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items() if k != "generator" and not k.startswith("_"))
        return f"{type(self).__name__}({args})"


class RandomHorizontalFlip(_Transform):
    """Mirror left-right with probability ``p`` (0.5)."""

    def __init__(self, p=0.5, *, generator=None):
        super().__init__(generator)
        self.p = p

    def _apply(self, arr, dtype):
        return arr[..., ::-1] if self.rng.random() < self.p else arr


class RandomVerticalFlip(RandomHorizontalFlip):
    """Mirror top-bottom with probability ``p`` (0.5)."""

    def _apply(self, arr, dtype):
        return arr[..., ::-1, :] if self.rng.random() < self.p else arr


class RandomCrop(_Transform):
    """Crop a random ``size`` (h, w) window, after optional padding.

    Args:
        size: int or (h, w).
        padding: int (all sides), (left/right, top/bottom) or (left, top, right, bottom).
        pad_if_needed: pad a too-small image up to ``size``.
        fill: value (or one per channel) of constant padding.
        padding_mode: "constant", "edge", "reflect" or "symmetric".
    """

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant", *, generator=None):
        super().__init__(generator)
        self.size = _pair(size, "RandomCrop")
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError(f"RandomCrop: padding_mode must be constant, edge, reflect or symmetric, got {padding_mode!r}")
        self.padding_mode = padding_mode

    def _pad(self, arr, left, top, right, bottom):
        if not (left or top or right or bottom):
            return arr
        pw = [(0, 0)] * (arr.ndim - 2) + [(top, bottom), (left, right)]
        if self.padding_mode != "constant":
            return np.pad(arr, pw, mode=self.padding_mode)
        f = ops.fill_array(self.fill, arr.shape[-3], arr.dtype)
        out = np.empty(arr.shape[:-2] + (arr.shape[-2] + top + bottom, arr.shape[-1] + left + right), arr.dtype)
        out[...] = f
        out[..., top:top + arr.shape[-2], left:left + arr.shape[-1]] = arr
        return out

    def _apply(self, arr, dtype):
        if self.padding is not None:
            p = self.padding
            if isinstance(p, numbers.Number):
                p = (p, p, p, p)
            elif len(p) == 2:
                p = (p[0], p[1], p[0], p[1])
            elif len(p) != 4:
                raise ValueError(f"RandomCrop: padding must be an int or 2 or 4 values, got {p}")
            arr = self._pad(arr, *(int(v) for v in p))
        th, tw = self.size
        if self.pad_if_needed:
            dh, dw = max(th - arr.shape[-2], 0), max(tw - arr.shape[-1], 0)
            arr = self._pad(arr, dw, dh, dw, dh)
        H, W = arr.shape[-2:]
        if H < th or W < tw:
            raise ValueError(f"RandomCrop: required crop size {(th, tw)} is larger than the input image size {(H, W)}")
        i = int(self.rng.integers(0, H - th + 1))
        j = int(self.rng.integers(0, W - tw + 1))
        return arr[..., i:i + th, j:j + tw]


class RandomResizedCrop(_Transform):
    """Crop a random area (fraction in ``scale``) of random aspect ratio (in ``ratio``), resize to ``size``.

    Inception-style, torchvision's sampling (10 tries, then a central crop). Bilinear resize with
    half-pixel centres and no antialiasing.
    """

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0), interpolation=InterpolationMode.BILINEAR,
                 antialias=True, *, generator=None):
        super().__init__(generator)
        self.size = _pair(size, "RandomResizedCrop")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            raise ValueError(f"RandomResizedCrop: scale and ratio should be of kind (min, max), got {scale}, {ratio}")
        self.scale, self.ratio = tuple(scale), tuple(ratio)
        self.interpolation = _interp(interpolation, "RandomResizedCrop")
        self.antialias = antialias

    def get_params(self, height, width):
        """``(i, j, h, w)``: top, left, height, width of the crop."""
        area = height * width
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        rng = self.rng
        for _ in range(10):
            target_area = area * rng.uniform(self.scale[0], self.scale[1])
            aspect = math.exp(rng.uniform(*log_ratio))
            w = int(round(math.sqrt(target_area * aspect)))
            h = int(round(math.sqrt(target_area / aspect)))
            if 0 < w <= width and 0 < h <= height:
                return int(rng.integers(0, height - h + 1)), int(rng.integers(0, width - w + 1)), h, w
        in_ratio = width / height
        if in_ratio < min(self.ratio):
            w, h = width, int(round(width / min(self.ratio)))
        elif in_ratio > max(self.ratio):
            h, w = height, int(round(height * max(self.ratio)))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def _apply(self, arr, dtype):
        i, j, h, w = self.get_params(*arr.shape[-2:])
        return ops.resize(arr[..., i:i + h, j:j + w], self.size, self.interpolation)


class RandomAffine(_Transform):
    """Random rotation, translation, scale and shear about the image centre, by inverse sampling.

    Args:
        degrees: angle range (d -> (-d, d)), counter-clockwise as seen.
        translate: (a, b): |tx| <= a * W, |ty| <= b * H pixels (rounded).
        scale: (lo, hi) range of the scale factor.
        shear: s -> x shear in (-s, s); (a, b) -> x shear in (a, b); (a, b, c, d) -> x in (a, b), y in (c, d); degrees.
        interpolation: NEAREST (default, as torchvision) or BILINEAR.
        fill: value (or one per channel) for pixels from outside the image.
        center: (x, y) pixel centre of the map (default: the image centre).
    """

    def __init__(self, degrees, translate=None, scale=None, shear=None, interpolation=InterpolationMode.NEAREST,
                 fill=0, center=None, *, generator=None):
        super().__init__(generator)
        name = type(self).__name__
        self.degrees = _range(degrees, name, "degrees")
        if translate is not None and (len(translate) != 2 or not all(0.0 <= t <= 1.0 for t in translate)):
            raise ValueError(f"{name}: translate should be a pair of values between 0 and 1, got {translate}")
        self.translate = translate
        if scale is not None and (len(scale) != 2 or any(s <= 0 for s in scale)):
            raise ValueError(f"{name}: scale should be a pair of positive values, got {scale}")
        self.scale = scale
        if shear is None:
            self.shear = None
        elif isinstance(shear, numbers.Number):
            self.shear = _range(shear, name, "shear") + (0.0, 0.0)
        elif len(shear) == 2:
            self.shear = tuple(float(s) for s in shear) + (0.0, 0.0)
        elif len(shear) == 4:
            self.shear = tuple(float(s) for s in shear)
        else:
            raise ValueError(f"{name}: shear should be a number or a sequence of 2 or 4 values, got {shear}")
        self.interpolation = _interp(interpolation, name)
        self.fill = fill
        self.center = center

    def get_params(self, height, width):
        """``(angle, (tx, ty), scale, (shear_x, shear_y))``."""
        rng = self.rng
        angle = float(rng.uniform(*self.degrees))
        tx = ty = 0
        if self.translate is not None:
            max_dx, max_dy = self.translate[0] * width, self.translate[1] * height
            tx, ty = int(round(rng.uniform(-max_dx, max_dx))), int(round(rng.uniform(-max_dy, max_dy)))
        scale = float(rng.uniform(*self.scale)) if self.scale is not None else 1.0
        sx = sy = 0.0
        if self.shear is not None:
            sx = float(rng.uniform(self.shear[0], self.shear[1]))
            if self.shear[2:] != (0.0, 0.0):
                sy = float(rng.uniform(self.shear[2], self.shear[3]))
        return angle, (tx, ty), scale, (sx, sy)

    def _apply(self, arr, dtype):
        angle, t, s, sh = self.get_params(*arr.shape[-2:])
        return ops.warp_affine(arr, angle, t, s, sh, self.interpolation, self.fill, self.center)


class RandomRotation(RandomAffine):
    """Rotate by a random angle in ``degrees`` (d -> (-d, d)), counter-clockwise as seen.

    ``expand=True`` is not supported (the output keeps the input's size)."""

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=0, *,
                 generator=None):
        if expand:
            raise NotImplementedError("RandomRotation: expand=True is not supported")
        super().__init__(degrees, interpolation=interpolation, fill=fill, center=center, generator=generator)


class ColorJitter(_Transform):
    """Random brightness, contrast, saturation and hue changes, in a random order.

    Args: brightness, contrast, saturation (b -> factor in [max(0, 1-b), 1+b], or a (min, max) pair), hue
    (h -> shift in [-h, h], h <= 0.5). One-channel images get brightness and contrast only (saturation and
    hue leave them unchanged, as torchvision)."""

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0, *, generator=None):
        super().__init__(generator)
        self.brightness = self._check(brightness, "brightness")
        self.contrast = self._check(contrast, "contrast")
        self.saturation = self._check(saturation, "saturation")
        self.hue = self._check(hue, "hue", center=0.0, bound=(-0.5, 0.5), clip_first=False)

    @staticmethod
    def _check(value, what, center=1.0, bound=(0, float("inf")), clip_first=True):
        r = _range(value, "ColorJitter", what, center=center, bound=bound, min_value=0.0 if clip_first else None)
        return None if r[0] == r[1] == center else r

    def _apply(self, arr, dtype):
        rng = self.rng
        order = rng.permutation(4)
        factors = [None if r is None else float(rng.uniform(*r))
                   for r in (self.brightness, self.contrast, self.saturation, self.hue)]
        if all(f is None for f in factors):
            return arr
        bound = ops.max_value(dtype)
        img = arr.astype(ops.work_dtype(arr))
        color = img.shape[-3] == 3
        for k in order:
            f = factors[k]
            if f is None:
                continue
            if k == 0:
                img = np.clip(img * f, 0, bound)
            elif k == 1:
                mean = ops.grayscale(img).mean(axis=(-3, -2, -1), keepdims=True)
                img = np.clip(f * img + (1 - f) * mean, 0, bound)
            elif k == 2 and color:
                img = np.clip(f * img + (1 - f) * ops.grayscale(img), 0, bound)
            elif k == 3 and color:
                hsv = ops.rgb_to_hsv(img / bound)
                hsv[..., 0, :, :] = np.mod(hsv[..., 0, :, :] + f, 1.0)
                img = (ops.hsv_to_rgb(hsv) * bound).astype(img.dtype)
        return img


class GaussianBlur(_Transform):
    """Blur with a Gaussian of ``kernel_size`` (odd; int or (kx, ky)) and sigma drawn uniformly from ``sigma``
    (a number s -> exactly s, or a (min, max) range). Reflect padding, as torchvision."""

    def __init__(self, kernel_size, sigma=(0.1, 2.0), *, generator=None):
        super().__init__(generator)
        self.kernel_size = _pair(kernel_size, "GaussianBlur", "kernel_size")
        if any(k <= 0 or k % 2 == 0 for k in self.kernel_size):
            raise ValueError(f"GaussianBlur: kernel size values should be odd and positive, got {kernel_size}")
        if isinstance(sigma, numbers.Number):
            if sigma <= 0:
                raise ValueError(f"GaussianBlur: if sigma is a single number, it must be positive, got {sigma}")
            sigma = (float(sigma), float(sigma))
        elif len(sigma) != 2 or not 0 < sigma[0] <= sigma[1]:
            raise ValueError(f"GaussianBlur: sigma values should be positive and of the form (min, max), got {sigma}")
        self.sigma = tuple(float(s) for s in sigma)

    def _apply(self, arr, dtype):
        s = float(self.rng.uniform(*self.sigma))
        return ops.gaussian_blur(arr, self.kernel_size, (s, s))


class RandomErasing(_Transform):
    """Erase a random rectangle with probability ``p`` (Zhong et al., 2017), torchvision's sampling.

    Args:
        p: probability of erasing (0.5).
        scale: range of the erased area's fraction of the image ((0.02, 0.33)).
        ratio: range of its aspect ratio ((0.3, 3.3)).
        value: the fill: a number, one per channel, or "random" (standard normal noise).
        inplace: accepted for torchvision compatibility (a new image is always returned).
    """

    def __init__(self, p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, inplace=False, *, generator=None):
        super().__init__(generator)
        if not 0 <= p <= 1:
            raise ValueError(f"RandomErasing: probability p should be between 0 and 1, got {p}")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            raise ValueError(f"RandomErasing: scale and ratio should be of kind (min, max), got {scale}, {ratio}")
        if scale[0] < 0 or scale[1] > 1:
            raise ValueError(f"RandomErasing: scale should be between 0 and 1, got {scale}")
        if not (isinstance(value, (numbers.Number, str, tuple, list))) or (isinstance(value, str) and value != "random"):
            raise ValueError(f"RandomErasing: value must be a number, a sequence or 'random', got {value!r}")
        self.p, self.scale, self.ratio, self.value, self.inplace = p, tuple(scale), tuple(ratio), value, inplace
        self.last_params = None  # (i, j, h, w) of the last erased box, for inspection

    def get_params(self, channels, height, width):
        """``(i, j, h, w, value)``: the box and its fill (an array broadcastable to (C, h, w)); None: no box found."""
        rng = self.rng
        area = height * width
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(10):
            erase_area = area * rng.uniform(self.scale[0], self.scale[1])
            aspect = math.exp(rng.uniform(*log_ratio))
            h = int(round(math.sqrt(erase_area * aspect)))
            w = int(round(math.sqrt(erase_area / aspect)))
            if not (h < height and w < width):
                continue
            if self.value == "random":
                v = rng.standard_normal((channels, h, w))
            else:
                v = np.asarray(self.value, dtype=np.float64).reshape(-1)
                if v.size not in (1, channels):
                    raise ValueError(f"RandomErasing: value has {v.size} values but the image has {channels} channels")
                v = v.reshape(-1, 1, 1)
            return int(rng.integers(0, height - h + 1)), int(rng.integers(0, width - w + 1)), h, w, v
        return None

    def _apply(self, arr, dtype):
        self.last_params = None
        if self.rng.random() >= self.p:
            return arr
        params = self.get_params(*arr.shape[-3:])
        if params is None:
            return arr
        i, j, h, w, v = params
        out = arr.copy()
        out[..., i:i + h, j:j + w] = v.astype(arr.dtype) if np.issubdtype(arr.dtype, np.floating) else v
        self.last_params = (i, j, h, w)
        return out


class GaussianNoise(_Transform):
    """Add Gaussian noise N(mean, sigma^2) to a float image, clipping to [0, 1] when ``clip`` (torchvision v2).

    ``std=`` is accepted as an alias of ``sigma``."""

    def __init__(self, mean=0.0, sigma=0.1, clip=True, *, std=None, generator=None):
        super().__init__(generator)
        self.mean = float(mean)
        self.sigma = float(sigma if std is None else std)
        if self.sigma < 0:
            raise ValueError(f"GaussianNoise: sigma shouldn't be negative, got {self.sigma}")
        self.clip = clip

    def _apply(self, arr, dtype):
        if not np.issubdtype(arr.dtype, np.floating):
            raise ValueError(f"GaussianNoise: input must be a float image, got {arr.dtype}; convert it first "
                             "(e.g. ToTensor() or ToDtype(float32, scale=True))")
        out = arr + (self.mean + self.sigma * self.rng.standard_normal(arr.shape)).astype(arr.dtype)
        return np.clip(out, 0, 1) if self.clip else out


class ElasticTransform(_Transform):
    """Elastic distortion (Simard et al., 2003), as torchvision v2: a random displacement field
    U(-1, 1) per pixel, smoothed by a Gaussian of ``sigma`` (kernel int(8 sigma) + 1), scaled by ``alpha``
    (in torchvision's normalised units: pixel shift = field * alpha / 2 for square images)."""

    def __init__(self, alpha=50.0, sigma=5.0, interpolation=InterpolationMode.BILINEAR, fill=0, *, generator=None):
        super().__init__(generator)
        a = (float(alpha),) * 2 if isinstance(alpha, numbers.Number) else tuple(float(x) for x in alpha)
        s = (float(sigma),) * 2 if isinstance(sigma, numbers.Number) else tuple(float(x) for x in sigma)
        self.alpha, self.sigma = a, s
        self.interpolation = _interp(interpolation, "ElasticTransform")
        self.fill = fill

    def _apply(self, arr, dtype):
        H, W = arr.shape[-2:]
        field = self.rng.uniform(-1.0, 1.0, size=(2, 1, H, W))
        if self.sigma[0] > 0:
            k = int(8 * self.sigma[0] + 1)
            k += 1 - k % 2
            field = ops.gaussian_blur(field, (k, k), self.sigma)
        dx = field[0, 0] * self.alpha[0] / H * (W / 2.0)
        dy = field[1, 0] * self.alpha[1] / W * (H / 2.0)
        yo, xo = np.mgrid[0:H, 0:W].astype(np.float64)
        return ops.sample(arr, yo + dy, xo + dx, self.interpolation, self.fill)


class RandomApply:
    """Apply a list of transforms with probability ``p`` (0.5)."""

    def __init__(self, transforms, p=0.5, *, generator=None):
        self.transforms, self.p, self.generator = list(transforms), p, generator

    def __call__(self, img):
        if _rng(self.generator).random() >= self.p:
            return img
        for t in self.transforms:
            img = t(img)
        return img


# ----------------------------------------------------------------------------- batch mixing


def _soft_targets(y, num_classes, like):
    if isinstance(y, Tensor):
        y = y.detach().cpu().numpy()
    y = np.asarray(y)
    if y.ndim == 1 and np.issubdtype(y.dtype, np.integer):
        if num_classes is None:
            raise ValueError("mixup/cutmix: num_classes is needed for integer labels")
        if y.size and (y.min() < 0 or y.max() >= num_classes):
            raise ValueError(f"mixup/cutmix: labels must be in [0, {num_classes}), got [{y.min()}, {y.max()}]")
        oh = np.zeros((y.shape[0], num_classes), dtype=np.float64)
        oh[np.arange(y.shape[0]), y] = 1.0
        return oh
    if y.ndim == 2:
        return y.astype(np.float64)
    raise ValueError(f"mixup/cutmix: targets must be integer labels (N,) or soft targets (N, K), got shape {y.shape}")


def _mix_setup(x, y, alpha, num_classes, generator, name):
    if alpha <= 0:
        raise ValueError(f"{name}: alpha must be positive, got {alpha}")
    n = x.shape[0]
    if len(y) != n:
        raise ValueError(f"{name}: {n} inputs but {len(y)} targets")
    rng = _rng(generator)
    lam = float(rng.beta(alpha, alpha))
    perm = rng.permutation(n)
    return lam, perm, _soft_targets(y, num_classes, x)


def _out_targets(soft, x):
    if isinstance(x, Tensor):
        dt = x.dtype if x.dtype.is_floating_point else backend.get_default_dtype()
        return Tensor._make(soft.astype(dt.np if hasattr(dt, "np") else np.float32)).to(x.device)
    return soft.astype(x.dtype if np.issubdtype(x.dtype, np.floating) else np.float32)


def mixup(x, y, alpha=1.0, num_classes=None, generator=None, return_lambda=False):
    """Mixup (Zhang et al., 2018) of a batch with a shuffled copy of itself.

    ``lam ~ Beta(alpha, alpha)``, ``x_mix = lam * x + (1 - lam) * x[perm]``, ``y_mix = lam * onehot(y) +
    (1 - lam) * onehot(y[perm])``.

    Args:
        x: batch (N, ...) tensor or array; y: integer labels (N,) or soft targets (N, K).
        alpha: Beta parameter (small: mostly one image; 1: uniform mixing weight).
        num_classes: K, for integer labels.
        return_lambda: also return ``lam``.

    Returns: ``(x_mix, y_soft)`` (rows of ``y_soft`` sum to 1), plus ``lam`` if asked. Train with a soft-target
    loss: ``F.cross_entropy(net(x_mix), y_soft)``.
    """
    lam, perm, soft = _mix_setup(x, y, alpha, num_classes, generator, "mixup")
    xm = x * lam + x[perm] * (1.0 - lam)
    ym = _out_targets(lam * soft + (1.0 - lam) * soft[perm], x)
    return (xm, ym, lam) if return_lambda else (xm, ym)


def cutmix(x, y, alpha=1.0, num_classes=None, generator=None, return_lambda=False):
    """CutMix (Yun et al., 2019): paste a random box of a shuffled copy of the batch into each image.

    ``lam ~ Beta(alpha, alpha)``; a box of area ~(1 - lam) H W (centre uniform, clipped at the border) is
    copied from ``x[perm]``; the targets mix with the box's actual fraction: ``lam' = 1 - box_area / (H W)``.
    ``x``: (N, C, H, W) tensor or array. Returns ``(x_mix, y_soft)`` (plus ``lam'`` if ``return_lambda``).
    """
    if x.ndim < 3:
        raise ValueError(f"cutmix: x must be a batch of images (N, ..., H, W), got shape {tuple(x.shape)}")
    lam, perm, soft = _mix_setup(x, y, alpha, num_classes, generator, "cutmix")
    rng = _rng(generator)
    H, W = x.shape[-2], x.shape[-1]
    r = math.sqrt(1.0 - lam)
    ch, cw = int(H * r), int(W * r)
    cy, cx = int(rng.integers(0, H)), int(rng.integers(0, W))
    y1, y2 = max(cy - ch // 2, 0), min(cy + ch // 2, H)
    x1, x2 = max(cx - cw // 2, 0), min(cx + cw // 2, W)
    if isinstance(x, Tensor):
        arr = x.detach().cpu().numpy().copy()
    else:
        arr = np.array(x, copy=True)
    arr[..., y1:y2, x1:x2] = arr[perm][..., y1:y2, x1:x2]
    xm = Tensor._make(arr).to(x.device) if isinstance(x, Tensor) else arr
    lam = 1.0 - (y2 - y1) * (x2 - x1) / float(H * W)
    ym = _out_targets(lam * soft + (1.0 - lam) * soft[perm], x)
    return (xm, ym, lam) if return_lambda else (xm, ym)


class MixUp:
    """``MixUp(alpha=1.0, num_classes=...)``: a batch transform, ``x, y = MixUp(...)(x, y)`` (transforms.v2 style)."""

    def __init__(self, *, alpha=1.0, num_classes=None, generator=None):
        self.alpha, self.num_classes, self.generator = alpha, num_classes, generator

    def __call__(self, x, y):
        return mixup(x, y, self.alpha, self.num_classes, self.generator)


class CutMix(MixUp):
    """``CutMix(alpha=1.0, num_classes=...)``: a batch transform, ``x, y = CutMix(...)(x, y)``."""

    def __call__(self, x, y):
        return cutmix(x, y, self.alpha, self.num_classes, self.generator)
