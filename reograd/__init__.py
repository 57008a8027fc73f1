"""reograd: a deep learning framework on NumPy that speaks PyTorch's API.

    import reograd as torch
    x = torch.tensor([2.0, 1.0], requires_grad=True)
    ((x[0] + x[1]) * (x[1] + 1)).backward()
"""
import warnings as _warnings

from . import backend

# NumPy's floating-point warnings (x / 0, inf * 0, overflow, the mean of nothing) from inside reograd's
# ops: PyTorch returns the inf/nan quietly, and so does reograd. Only NumPy's messages, and only where
# reograd's own code triggered them; the user's NumPy code and reograd's own warnings are untouched.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"reograd\.",
                         message=r"(divide by zero|invalid value|overflow|underflow) encountered|Mean of empty slice|"
                                 r"Degrees of freedom <= 0")
from .autograd import grad_mode as _grad_mode
from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                                 set_grad_enabled)
from .autograd.tensor import (BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor,
                              IntTensor, LongTensor, ShortTensor, Size, Tensor)
from .backend import (bool, cdouble, cfloat, complex64, complex128, device, double, dtype, float, float16, float32,
                      float64, get_default_dtype, half, int, int8, int16, int32, int64, long, promote_types,
                      set_default_dtype, short, uint8)
from .ops.generator import (Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed,  # noqa: E402
                            set_rng_state)
from . import ops  # noqa: E402  (attaches the Tensor methods)
from .ops._common import result_type  # noqa: E402
from .ops.activation import *  # noqa: E402,F401,F403
from .ops.compare import *  # noqa: E402,F401,F403
from .ops.adaptive_pool import *  # noqa: E402,F401,F403
from .ops.conv import *  # noqa: E402,F401,F403
from .ops.conversion import *  # noqa: E402,F401,F403
from .ops.dropout import *  # noqa: E402,F401,F403
from .ops.creation import *  # noqa: E402,F401,F403
from .ops.elementwise import *  # noqa: E402,F401,F403
from .ops.index import *  # noqa: E402,F401,F403
from .ops.linalg import *  # noqa: E402,F401,F403
from .ops.norm import *  # noqa: E402,F401,F403
from .ops.pointwise import *  # noqa: E402,F401,F403
from .ops.pool import *  # noqa: E402,F401,F403
from .ops.reduce import *  # noqa: E402,F401,F403
from .ops.shape import *  # noqa: E402,F401,F403
from .ops.sorting import *  # noqa: E402,F401,F403
from .ops.upsample import *  # noqa: E402,F401,F403
from .ops.gamma import *  # noqa: E402,F401,F403
from .ops.misc import *  # noqa: E402,F401,F403
from .ops.strided import *  # noqa: E402,F401,F403
from .ops.grids import *  # noqa: E402,F401,F403
from .ops.stats import *  # noqa: E402,F401,F403
from . import autograd  # noqa: E402
from . import linalg  # noqa: E402
from .serialization import load, save  # noqa: E402
from .threads import get_num_interop_threads, get_num_threads, set_num_interop_threads, set_num_threads  # noqa: E402,E501

# Subpackages load on first use (``reograd.nn``, ``import reograd.optim``...): ``import reograd`` stays fast.
_SUBPACKAGES = ("nn", "optim", "func", "viz", "cuda", "utils", "vision", "train", "compat", "special")


def __getattr__(name):
    if name in _SUBPACKAGES:
        import importlib

        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'reograd' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBPACKAGES))

__version__ = "0.1.0"


def is_tensor(obj):
    """True if ``obj`` is a reograd Tensor."""
    return isinstance(obj, Tensor)


def is_floating_point(input):
    """True if ``input``'s dtype is a floating-point dtype (float16, float32, float64)."""
    return input.is_floating_point()


def numel(input):
    """The number of elements of ``input``: the product of its shape (1 for a 0-d tensor).

    Example: ``torch.numel(torch.zeros(2, 3))`` is 6.
    """
    return input.numel()


def get_default_device():
    """The device new tensors are created on: always ``device('cpu')`` here."""
    return device("cpu")
