"""The model zoo (as ``torchvision.models``, without pretrained weights): LeNet-5, AlexNet, VGG, ResNet,
small CPU-size variants of each, and ``summary`` (a torchinfo-like table of any Module)."""
from .alexnet import *  # noqa: F401,F403
from .alexnet import __all__ as _a
from .lenet import *  # noqa: F401,F403
from .lenet import __all__ as _l
from .resnet import *  # noqa: F401,F403
from .resnet import __all__ as _r
from .summary import LayerSummary, ModelSummary, summary  # noqa: F401
from .vgg import *  # noqa: F401,F403
from .vgg import __all__ as _v

__all__ = list(_l) + list(_a) + list(_v) + list(_r) + ["summary", "ModelSummary", "LayerSummary"]
