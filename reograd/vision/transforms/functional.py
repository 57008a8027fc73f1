"""Functional forms of the basic transforms (``torchvision.transforms.functional``): ``to_tensor``,
``pil_to_tensor``, ``normalize``, ``convert_image_dtype``. Images are NumPy arrays (H x W or
H x W x C, as PIL images would be) or tensors (..., C, H, W)."""
from __future__ import annotations

import numpy as np

from ... import backend
from ...autograd.tensor import Tensor

__all__ = ["to_tensor", "pil_to_tensor", "normalize", "convert_image_dtype", "to_dtype"]


def _is_pil(pic):
    return type(pic).__module__.startswith("PIL.")


def _to_hwc_array(pic, fname):
    if _is_pil(pic):  # PIL is optional: accept its images when it is there
        arr = np.asarray(pic)
    elif isinstance(pic, np.ndarray):
        arr = pic
    else:
        raise TypeError(f"{fname}: pic should be PIL Image or ndarray. Got {type(pic)}")
    if arr.ndim not in (2, 3):
        raise ValueError(f"{fname}: pic should be 2/3 dimensional. Got {arr.ndim} dimensions.")
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return arr


def to_tensor(pic):
    """An image (NumPy H x W or H x W x C) as a C x H x W tensor; uint8 images are scaled to float32
    in [0, 1] (``x / 255``), other dtypes keep their values and dtype (as torchvision)."""
    arr = _to_hwc_array(pic, "to_tensor")
    if arr.dtype == np.bool_:
        arr = arr.astype(np.uint8)
    out = np.ascontiguousarray(arr.transpose(2, 0, 1))
    if out.dtype == np.uint8:
        dt = backend.get_default_dtype().np
        return Tensor._make(out.astype(dt) / dt.type(255))
    backend.from_numpy_dtype(out.dtype)
    return Tensor._make(out)


def pil_to_tensor(pic):
    """An image (NumPy H x W or H x W x C) as a C x H x W tensor of the same dtype, unscaled."""
    arr = _to_hwc_array(pic, "pil_to_tensor")
    out = np.ascontiguousarray(arr.transpose(2, 0, 1))
    backend.from_numpy_dtype(out.dtype)
    return Tensor._make(out)


def normalize(tensor, mean, std, inplace=False):
    """``(tensor - mean[c]) / std[c]`` for each channel c of a float tensor image (..., C, H, W).

    Differentiable (built from tensor ops) unless ``inplace=True``. ``mean`` and ``std`` have one
    value, or one per channel.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"normalize: img should be Tensor Image. Got {type(tensor)}")
    if not tensor.is_floating_point():
        raise TypeError(f"normalize: Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.dim() < 3:
        raise ValueError(f"normalize: Expected tensor to be a tensor image of size (..., C, H, W). Got "
                         f"tensor.size() = {tuple(tensor.shape)}")
    dt = tensor._data.dtype
    m = np.asarray(mean.numpy() if isinstance(mean, Tensor) else mean, dtype=dt).reshape(-1)
    s = np.asarray(std.numpy() if isinstance(std, Tensor) else std, dtype=dt).reshape(-1)
    c = tensor.shape[-3]
    for name, v in (("mean", m), ("std", s)):
        if v.size not in (1, c):
            raise ValueError(f"normalize: {name} has {v.size} values but the image has {c} channel(s) "
                             f"(shape {tuple(tensor.shape)}); give one value or one per channel")
    if np.any(s == 0):
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
    m, s = m.reshape(-1, 1, 1), s.reshape(-1, 1, 1)
    if inplace:
        xp = backend.get_array_module(tensor._data)
        xp.subtract(tensor._data, m, out=tensor._data)
        xp.divide(tensor._data, s, out=tensor._data)
        tensor._bump_version()
        return tensor
    return (tensor - Tensor._make(m)) / Tensor._make(s)


_INT_MAX = {np.dtype(np.uint8): 255, np.dtype(np.int8): 127, np.dtype(np.int16): 32767,
            np.dtype(np.int32): 2 ** 31 - 1, np.dtype(np.int64): 2 ** 63 - 1}


def convert_image_dtype(image, dtype=None):
    """Convert a tensor image to ``dtype``, rescaling values (torchvision's ``convert_image_dtype``):
    integer images to float are divided by the type's maximum; float to integer multiplies by
    ``max + 1 - eps``; integer to integer rescales by the ratio of the ranges."""
    if not isinstance(image, Tensor):
        raise TypeError(f"convert_image_dtype: Input img should be Tensor Image, got {type(image)}")
    dt = backend.as_dtype(dtype) or backend.float32
    src = image._data.dtype
    if src == dt.np:
        return image
    if src.kind == "f":
        if dt.is_floating_point:
            return image.to(dt)
        if (src == np.float32 and dt.np in (np.int32, np.int64)) or (src == np.float64 and dt.np == np.int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dt} cannot be performed safely.")
        eps = 1e-3
        mx = _INT_MAX[dt.np]
        return Tensor._make((image._data * (mx + 1.0 - eps)).astype(dt.np))
    src_max = _INT_MAX.get(src, 1)
    if dt.is_floating_point:
        return Tensor._make(image._data.astype(dt.np) / dt.np.type(src_max))
    dst_max = _INT_MAX[dt.np]
    data = image._data.astype(np.int64)
    if src_max > dst_max:
        factor = (src_max + 1) // (dst_max + 1)
        return Tensor._make((data // factor).astype(dt.np))
    factor = (dst_max + 1) // (src_max + 1)
    return Tensor._make((data * factor).astype(dt.np))


def to_dtype(inpt, dtype=None, scale=False):
    """Cast to ``dtype``; with ``scale=True`` rescale values as ``convert_image_dtype`` does."""
    if scale:
        return convert_image_dtype(inpt, dtype)
    return inpt.to(backend.as_dtype(dtype) or backend.float32)
