"""Image transforms, as ``torchvision.transforms``: the basic ones (``transforms.py``), augmentations
(``augment.py``) and the functional forms (``transforms.functional``)."""
from . import functional  # noqa: F401
from .augment import *  # noqa: F401,F403
from .augment import __all__ as _augment_all
from .transforms import *  # noqa: F401,F403
from .transforms import __all__ as _basic_all

__all__ = list(_basic_all) + list(_augment_all) + ["functional"]
