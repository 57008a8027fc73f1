"""The basic transforms (``torchvision.transforms``): ``Compose``, ``ToTensor``, ``PILToTensor``,
``Normalize``, ``Lambda``, ``ConvertImageDtype``, ``ToDtype``. Augmentations live in ``augment.py``."""
from __future__ import annotations

from . import functional as F

__all__ = ["Compose", "ToTensor", "PILToTensor", "Normalize", "Lambda", "ConvertImageDtype", "ToDtype"]


class Compose:
    """Apply transforms one after the other: ``Compose([ToTensor(), Normalize((0.1307,), (0.3081,))])``."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{self.__class__.__name__}({body}\n)"


class ToTensor:
    """NumPy image H x W (x C) -> tensor C x H x W; uint8 is scaled to float in [0, 1]."""

    def __call__(self, pic):
        return F.to_tensor(pic)

    def __repr__(self):
        return f"{self.__class__.__name__}()"


class PILToTensor:
    """NumPy (or PIL) image H x W (x C) -> tensor C x H x W of the same dtype, not scaled."""

    def __call__(self, pic):
        return F.pil_to_tensor(pic)

    def __repr__(self):
        return f"{self.__class__.__name__}()"


class Normalize:
    """``(x - mean[c]) / std[c]`` per channel of a float tensor image (..., C, H, W).

    Args:
        mean, std: one value per channel (or one for all); no std may be zero.
        inplace: change the input tensor.
    """

    def __init__(self, mean, std, inplace=False):
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def __call__(self, tensor):
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    def __repr__(self):
        return f"{self.__class__.__name__}(mean={self.mean}, std={self.std})"


class Lambda:
    """Wrap a function as a transform: ``Lambda(lambda x: x.flatten())``."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {repr(type(lambd).__name__)}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return f"{self.__class__.__name__}()"


class ConvertImageDtype:
    """Convert a tensor image to ``dtype``, rescaling its values (see ``functional.convert_image_dtype``)."""

    def __init__(self, dtype):
        self.dtype = dtype

    def __call__(self, image):
        return F.convert_image_dtype(image, self.dtype)

    def __repr__(self):
        return f"{self.__class__.__name__}(dtype={self.dtype})"


class ToDtype:
    """Cast to ``dtype`` (``transforms.v2.ToDtype``); ``scale=True`` rescales like ConvertImageDtype."""

    def __init__(self, dtype, scale=False):
        self.dtype = dtype
        self.scale = scale

    def __call__(self, inpt):
        return F.to_dtype(inpt, self.dtype, self.scale)

    def __repr__(self):
        return f"{self.__class__.__name__}(dtype={self.dtype}, scale={self.scale})"
