"""Parameter initialisation (``torch.nn.init``): fill a tensor in place, without recording a graph,
and return it. Every function takes an optional ``generator`` (a ``reograd.Generator``).

Fan-in/fan-out of a weight of shape ``(out, in, *kernel)``: fan_in = in * prod(kernel),
fan_out = out * prod(kernel).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import backend
from ..autograd.tensor import Tensor
from ..ops.creation.generator import rng

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_",
           "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_",
           "sparse_", "uniform", "normal", "constant", "xavier_uniform", "xavier_normal", "kaiming_uniform",
           "kaiming_normal", "orthogonal", "sparse"]


def _write(tensor, values):
    """Copy host array ``values`` into ``tensor`` in place (any device), bumping its version."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"nn.init: expected a Tensor, got {type(tensor).__name__}")
    arr = tensor._data
    values = np.asarray(values)
    if type(arr) is not np.ndarray:
        values = backend.to_device_array(values, tensor.device)
    backend.get_array_module(arr).copyto(arr, values.reshape(arr.shape), casting="unsafe")
    tensor._bump_version()
    return tensor


def _rng(generator):
    return rng(generator)


_TORCH_SCALAR_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                       "bool": "Bool"}


def _check_float(op, kernel, tensor):
    """Random fills need a floating point tensor: PyTorch's NotImplementedError, naming the op."""
    if isinstance(tensor, Tensor) and not (tensor.is_floating_point() or tensor.is_complex()):
        name = _TORCH_SCALAR_NAMES.get(str(tensor.dtype).split(".")[-1], str(tensor.dtype))
        raise NotImplementedError(f'"{kernel}" not implemented for \'{name}\' (nn.init.{op}: expected a floating '
                                  f"point tensor, got {tensor.dtype} of shape {list(tensor.shape)})")


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for an activation (scales the std of ``xavier_*``/``kaiming_*``).

    ====================  ==========================
    linear / conv / sigmoid   1
    tanh                      5/3
    relu                      √2
    leaky_relu                √(2 / (1 + slope²))  (slope = param, default 0.01)
    selu                      3/4
    ====================  ==========================
    """
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    dimensions = tensor.dim()
    if dimensions < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    num_input_fmaps = tensor.size(1)
    num_output_fmaps = tensor.size(0)
    receptive_field_size = 1
    for s in tensor.shape[2:]:
        receptive_field_size *= s
    return num_input_fmaps * receptive_field_size, num_output_fmaps * receptive_field_size


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of {['fan_in', 'fan_out']}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _draw_dtype(tensor):
    """Draw float32 samples for float32 (and half) tensors: twice as fast as float64 for big layers."""
    return np.float64 if tensor._data.dtype == np.float64 else np.float32


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with U(a, b)."""
    _check_float("uniform_", "check_uniform_bounds", tensor)
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a:g} > to={b:g}")
    u = _rng(generator).random(tuple(tensor.shape), dtype=_draw_dtype(tensor))
    u *= (b - a)
    u += a
    return _write(tensor, u)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with N(mean, std²)."""
    _check_float("normal_", "normal_kernel_cpu", tensor)
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    z = _rng(generator).standard_normal(tuple(tensor.shape), dtype=_draw_dtype(tensor))
    z *= std
    z += mean
    return _write(tensor, z)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill with N(mean, std²) truncated to [a, b] (values outside are redrawn)."""
    if (mean < a - 2 * std) or (mean > b + 2 * std):
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values "
                      "may be incorrect.", stacklevel=2)
    _check_float("trunc_normal_", "normal_kernel_cpu", tensor)
    rng = _rng(generator)
    n = tensor.numel()
    out = rng.normal(mean, std, size=n)
    bad = (out < a) | (out > b)
    for _ in range(100):  # rejection sampling: each round redraws only the rejected values
        k = int(bad.sum())
        if not k:
            break
        out[bad] = rng.normal(mean, std, size=k)
        bad = (out < a) | (out > b)
    else:
        out[bad] = rng.uniform(a, b, size=int(bad.sum()))  # [a, b] far in a tail: fall back to uniform
    return _write(tensor, out)


def constant_(tensor, val):
    """Fill with the value ``val``."""
    return _write(tensor, np.full(tuple(tensor.shape), val))


def ones_(tensor):
    """Fill ``tensor`` with 1 in place (no gradient recorded); returns it."""
    return constant_(tensor, 1.0)


def zeros_(tensor):
    """Fill ``tensor`` with 0 in place (no gradient recorded); returns it."""
    return constant_(tensor, 0.0)


def eye_(tensor):
    """Fill a 2-D tensor with the identity (ones on the diagonal of a possibly non-square matrix)."""
    if tensor.ndimension() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _write(tensor, np.eye(*tuple(tensor.shape)))


def dirac_(tensor, groups=1):
    """Fill a {3,4,5}-D conv weight with the Dirac delta (identity convolution), per group."""
    dimensions = tensor.ndimension()
    if dimensions not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tuple(tensor.shape)
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_chans_per_grp = sizes[0] // groups
    min_dim = min(out_chans_per_grp, sizes[1])
    arr = np.zeros(sizes)
    centre = tuple(s // 2 for s in sizes[2:])
    for g in range(groups):
        for d in range(min_dim):
            arr[(g * out_chans_per_grp + d, d) + centre] = 1
    return _write(tensor, arr)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot uniform: U(-a, a) with a = gain · √(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot normal: N(0, std²) with std = gain · √(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He uniform: U(-bound, bound), bound = gain · √(3 / fan), gain = calculate_gain(nonlinearity, a)."""
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He normal: N(0, std²), std = gain / √fan."""
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor, gain=1, generator=None):
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian matrix, times ``gain``;
    tensors of more than 2 dims are flattened to (size(0), -1)."""
    if tensor.ndimension() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    _check_float("orthogonal_", "normal_kernel_cpu", tensor)
    rows = tensor.size(0)
    cols = tensor.numel() // rows
    flat = _rng(generator).normal(0.0, 1.0, size=(rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _write(tensor, gain * q)


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """A 2-D tensor with N(0, std²) entries and a fraction ``sparsity`` of each column set to zero."""
    if tensor.ndimension() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    _check_float("sparse_", "normal_kernel_cpu", tensor)
    rows, cols = tuple(tensor.shape)
    num_zeros = int(math.ceil(sparsity * rows))
    rng = _rng(generator)
    arr = rng.normal(0.0, std, size=(rows, cols))
    for col in range(cols):
        arr[rng.permutation(rows)[:num_zeros], col] = 0
    return _write(tensor, arr)


def _deprecated(fn):
    def f(*args, **kwargs):
        warnings.warn(f"nn.init.{fn.__name__[:-1]} is now deprecated in favor of nn.init.{fn.__name__}.",
                      FutureWarning, stacklevel=2)
        return fn(*args, **kwargs)
    f.__name__ = fn.__name__[:-1]
    f.__doc__ = fn.__doc__
    return f


uniform = _deprecated(uniform_)
normal = _deprecated(normal_)
constant = _deprecated(constant_)
xavier_uniform = _deprecated(xavier_uniform_)
xavier_normal = _deprecated(xavier_normal_)
kaiming_uniform = _deprecated(kaiming_uniform_)
kaiming_normal = _deprecated(kaiming_normal_)
orthogonal = _deprecated(orthogonal_)
sparse = _deprecated(sparse_)
