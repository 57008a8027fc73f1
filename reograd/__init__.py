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
from .ops.creation.generator import (Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed,
                                     set_rng_state)
from . import ops  # noqa: E402  (imports every op module and attaches the Tensor methods)
# the torch-like namespace: each name imported from the module that defines it
from .ops.creation.conversion import clone, is_nonzero, is_same_size, is_signed, typename
from .ops.creation.factories import (arange, as_tensor, asarray, complex, empty, empty_like, empty_strided, eye,
                                     from_numpy, full, full_like, linspace, logspace, ones, ones_like, polar, range,
                                     scalar_tensor, tensor, zeros, zeros_like)
from .ops.creation.random import (bernoulli, multinomial, normal, poisson, rand, rand_like, randint, randint_like,
                                  randn, randn_like, randperm)
from .ops.indexing.counting import bincount, bucketize, histc, searchsorted, unique, unique_consecutive
from .ops.indexing.gather import gather, scatter, scatter_add, scatter_reduce, take_along_dim
from .ops.indexing.getitem import index_put
from .ops.indexing.index_ops import index_add, index_copy, index_fill, index_select
from .ops.indexing.masked import argwhere, masked_fill, masked_scatter, masked_select, nonzero, put, take
from .ops.linalg.decompositions import cholesky, det, inverse, logdet, slogdet
from .ops.linalg.distances import cdist, dist, pdist, renorm
from .ops.linalg.einsum import einsum
from .ops.linalg.products import (addbmm, addmm, addmv, addr, baddbmm, bmm, chain_matmul, cross, dot, ger,
                                  inner, kron, matmul, mm, mv, outer, tensordot, trace, vdot)
from .ops.linalg.spectral import matrix_power, pinverse, qr, svd
from .ops.nn.adaptive_pool import adaptive_avg_pool1d, adaptive_max_pool1d
from .ops.nn.conv import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d
from .ops.nn.dropout import alpha_dropout, dropout, feature_alpha_dropout, feature_dropout
from .ops.nn.normalization import group_norm, layer_norm, rms_norm
from .ops.nn.pooling import avg_pool1d, max_pool1d, max_pool1d_with_indices, max_pool2d, max_pool3d
from .ops.nn.upsample import pixel_shuffle, pixel_unshuffle
from .ops.pointwise.activation import (celu, celu_, hardshrink, prelu, rrelu, rrelu_, selu, selu_, threshold,
                                       threshold_)
from .ops.pointwise.arithmetic import (add, cos, div, divide, exp, log, mul, multiply, neg, negative, pow, relu,
                                       sigmoid, sin, sqrt, square, sub, subtract, tanh, true_divide)
from .ops.pointwise.binary import (arctan2, atan2, copysign, floor_divide, fmax, fmin, fmod, hypot, ldexp,
                                   logaddexp, logaddexp2, maximum, minimum, remainder, xlogy)
from .ops.pointwise.comparison import (allclose, bitwise_and, bitwise_left_shift, bitwise_not, bitwise_or,
                                       bitwise_right_shift, bitwise_xor, eq, equal, ge, greater, greater_equal, gt,
                                       isclose, isfinite, isinf, isnan, isneginf, isposinf, isreal, le, less,
                                       less_equal, logical_and, logical_not, logical_or, logical_xor, lt, ne,
                                       not_equal, signbit)
from .ops.pointwise.complex import (adjoint, angle, conj, conj_physical, imag, is_conj, is_neg, real, resolve_conj,
                                    resolve_neg)
from .ops.pointwise.numeric import float_power, frexp, gcd, heaviside, lcm, nextafter, rsub
from .ops.pointwise.softmax import log_softmax, softmax
from .ops.pointwise.special import digamma, i0, lgamma, mvlgamma, polygamma
from .ops.pointwise.ternary import addcdiv, addcmul, clamp, clamp_max, clamp_min, clip, lerp
from .ops.pointwise.unary import (abs, absolute, acos, acosh, arccos, arccosh, arcsin, arcsinh, arctan, arctanh,
                                  asin, asinh, atan, atanh, ceil, cosh, deg2rad, erf, erfc, erfinv, exp2, expm1,
                                  fix, floor, frac, log10, log1p, log2, logit, nan_to_num, positive, rad2deg,
                                  reciprocal, round, rsqrt, sgn, sign, sinc, sinh, tan, trunc)
from .ops.pointwise.where import where
from .ops.reduction.base import return_types
from .ops.reduction.cumulative import cummax, cummin, cumprod, cumsum, logcumsumexp
from .ops.reduction.extrema import amax, amin, aminmax, argmax, argmin, max, min, norm
from .ops.reduction.sorting import argsort, kthvalue, median, mode, msort, nanmedian, sort, topk
from .ops.reduction.statistics import (corrcoef, cov, cumulative_trapezoid, diff, histogram, isin, nanquantile,
                                       quantile, trapezoid, trapz)
from .ops.reduction.sums import (all, any, count_nonzero, logsumexp, mean, nanmean, nansum, prod, std, std_mean,
                                 sum, var, var_mean)
from .ops.shape.copies import (flip, fliplr, flipud, narrow_copy, repeat_interleave, roll, rot90, tile,
                               unsafe_chunk, unsafe_split)
from .ops.shape.diagonals import diag, diag_embed, diagonal, tril, triu
from .ops.shape.grids import (block_diag, cartesian_prod, combinations, diagflat, meshgrid, tril_indices,
                              triu_indices, vander)
from .ops.shape.joins import (cat, chunk, column_stack, concat, concatenate, dsplit, dstack, hsplit, hstack,
                              row_stack, split, stack, tensor_split, unbind, vsplit, vstack)
from .ops.shape.strided import as_strided, diagonal_scatter, select, select_scatter, slice_scatter
from .ops.shape.views import (atleast_1d, atleast_2d, atleast_3d, broadcast_shapes, broadcast_tensors, broadcast_to,
                              expand, expand_as, flatten, moveaxis, movedim, narrow, permute, ravel, reshape,
                              reshape_as, squeeze, swapaxes, swapdims, t, transpose, unflatten,
                              unsqueeze, view_as)
from .ops.promotion import result_type  # noqa: E402
from .autograd.broadcast import sum_to_shape  # noqa: E402,F401
from . import autograd  # noqa: E402
from . import linalg  # noqa: E402
from .serialization import load, save  # noqa: E402
from .threads import get_num_interop_threads, get_num_threads, set_num_interop_threads, set_num_threads  # noqa: E402,E501

# Subpackages load on first use (``reograd.nn``, ``import reograd.optim``...): ``import reograd`` stays fast.
_SUBPACKAGES = ("nn", "optim", "func", "viz", "cuda", "utils", "vision", "train", "compat", "special", "geometric",
                "distributed", "safetensors", "explain")


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
