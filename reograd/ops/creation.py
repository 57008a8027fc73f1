"""Making tensors: from data (``tensor``, ``as_tensor``, ``from_numpy``), filled (``zeros``, ``full``...),
ranges (``arange``, ``linspace``...), and random (``rand``, ``randn``, ``randint``, ``normal``...)."""
from __future__ import annotations

import builtins
import itertools
import math

import numpy as np

from .. import backend
from ..autograd.tensor import Tensor, array_from as _to_array

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty", "zeros_like",
           "ones_like", "full_like", "empty_like", "rand", "randn", "randint", "randperm", "rand_like",
           "randn_like", "randint_like", "normal", "bernoulli", "multinomial", "poisson", "arange", "range",
           "linspace", "logspace", "eye", "empty_strided", "scalar_tensor", "complex", "polar"]


def _finish(arr, requires_grad):
    t = Tensor._make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of ``data`` (number, nested lists, NumPy array, tensor).

    The dtype is inferred unless given: float32 for Python floats, int64 for ints, bool for bools.

    >>> reograd.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    """
    return _finish(_to_array(data, backend.as_dtype(dtype), backend.as_device(device)), requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor``, but shares memory with a NumPy array or tensor when dtype and device allow."""
    dt = backend.as_dtype(dtype)
    if isinstance(data, Tensor):
        if (dt is None or data.dtype is dt) and (device is None or data.device == backend.as_device(device)):
            return data
        return data.to(dtype=dt, device=device)
    return Tensor._make(_to_array(data, dt, backend.as_device(device), copy=False))


asarray = as_tensor


def from_numpy(ndarray):
    """A tensor sharing memory with ``ndarray`` (changes to one show in the other)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    backend.from_numpy_dtype(ndarray.dtype)  # raises for unsupported dtypes
    return Tensor._make(ndarray)


def _shape(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    elif len(size) == 1 and isinstance(size[0], Tensor):
        size = tuple(size[0].tolist())
    out = []
    for s in size:
        s = int(s)
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
        out.append(s)
    return tuple(out)


def _xp_dt(dtype, device, default=None):
    dt = backend.as_dtype(dtype) or default or backend.get_default_dtype()
    dev = backend.as_device(device)
    return backend.xp_for_device(dev), dt


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None, pin_memory=False):
    """A tensor of zeros of shape ``size`` (``zeros(2, 3)`` or ``zeros((2, 3))``)."""
    xp, dt = _xp_dt(dtype, device)
    return _finish(xp.zeros(_shape(size), dtype=dt.np), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None, pin_memory=False):
    """A tensor of ones of shape ``size``."""
    xp, dt = _xp_dt(dtype, device)
    return _finish(xp.ones(_shape(size), dtype=dt.np), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None, pin_memory=False,
          memory_format=None):
    """An uninitialised tensor of shape ``size``."""
    xp, dt = _xp_dt(dtype, device)
    return _finish(xp.empty(_shape(size), dtype=dt.np), requires_grad)


def empty_strided(size, stride, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    """An uninitialised tensor of shape ``size``; ``stride`` is accepted for PyTorch compatibility and ignored
    (the result is C-contiguous)."""
    return empty(tuple(size), dtype=dtype, device=device, requires_grad=requires_grad)


def _check_fill(op, value, dt):
    """``value`` as ``full`` writes it into ``dt``; PyTorch refuses values ``dt`` can't hold: complex into a real
    dtype, NaN/inf or out-of-range numbers into an integer dtype, finite numbers beyond a float dtype's range."""
    if isinstance(value, (bool, np.bool_)) or dt is backend.bool:
        return value
    kind = np.dtype(dt.np).kind
    bad = False
    if isinstance(value, (builtins.complex, np.complexfloating)):
        bad = kind != "c"
    elif kind in "iu":
        info = np.iinfo(dt.np)
        # PyTorch lets negative ints (not floats) wrap into unsigned dtypes (-1 -> 255)
        low = -info.max if kind == "u" and isinstance(value, (int, np.integer)) else info.min
        bad = not math.isfinite(value) or not low <= value <= info.max
        if not bad and value < 0 and kind == "u":
            return int(value) % (int(info.max) + 1)
    elif kind == "f":
        bad = math.isfinite(value) and abs(value) > float(np.finfo(dt.np).max)
    if bad:
        raise RuntimeError(f"{op}: value {value!r} cannot be converted to type {dt} without overflow")
    return value


def _fill_dtype(fill_value):
    if isinstance(fill_value, Tensor):
        return fill_value.dtype
    if isinstance(fill_value, (bool, np.bool_)):
        return backend.bool
    if isinstance(fill_value, (int, np.integer)):
        return backend.int64
    if isinstance(fill_value, builtins.complex):
        return backend.get_default_dtype().to_complex()
    return backend.get_default_dtype()


def full(size, fill_value, dtype=None, device=None, requires_grad=False, out=None, layout=None,
         pin_memory=False):
    """A tensor of shape ``size`` filled with ``fill_value`` (dtype inferred from the value)."""
    xp, dt = _xp_dt(dtype, device, _fill_dtype(fill_value))
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    fill_value = _check_fill("full", fill_value, dt)
    return _finish(xp.full(_shape((size,) if isinstance(size, int) else (tuple(size),)), fill_value,
                           dtype=dt.np), requires_grad)


def scalar_tensor(s, dtype=None, device=None, requires_grad=False):
    """A 0-d tensor holding the number ``s``, of the default float dtype unless ``dtype`` is given.

    Example: ``torch.scalar_tensor(3)`` is ``tensor(3.)`` (shape ``()``).
    """
    return full((), s, dtype=dtype or backend.get_default_dtype(), device=device, requires_grad=requires_grad)


def _like(input, dtype, device):
    dt = backend.as_dtype(dtype) or input.dtype
    dev = backend.as_device(device) or input.device
    return dt, dev


def zeros_like(input, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    """Zeros with ``input``'s shape, dtype and device (unless ``dtype`` / ``device`` are given)."""
    dt, dev = _like(input, dtype, device)
    return zeros(input.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    """Ones with ``input``'s shape, dtype and device (unless ``dtype`` / ``device`` are given)."""
    dt, dev = _like(input, dtype, device)
    return ones(input.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def empty_like(input, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    """An uninitialised tensor with ``input``'s shape, dtype and device (unless given)."""
    dt, dev = _like(input, dtype, device)
    return empty(input.shape, dtype=dt, device=dev, requires_grad=requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    """``fill_value`` everywhere, with ``input``'s shape, dtype and device (unless given).

    Example: ``torch.full_like(torch.zeros(2, 2), 7.0)`` is a (2, 2) float tensor of sevens.
    """
    dt, dev = _like(input, dtype, device)
    return full(input.shape, fill_value, dtype=dt, device=dev, requires_grad=requires_grad)


# ------------------------------------------------------------------------ random
def _float_dt(dtype, name):
    dt = backend.as_dtype(dtype) or backend.get_default_dtype()
    if not dt.is_floating_point:  # (NotImplementedError, as PyTorch: a RuntimeError subclass)
        raise NotImplementedError(f"{name}: expected a floating point dtype, got {dt}")
    return dt


def _on(arr, device):
    dev = backend.as_device(device)
    return arr if dev is None or dev.type == "cpu" else backend.to_device_array(arr, dev)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None, layout=None,
         pin_memory=False):
    """Uniform samples on [0, 1)."""
    dt = _float_dt(dtype, "rand")
    arr = rng(generator).random(_shape(size), dtype=np.float64).astype(dt.np)
    return _finish(_on(arr, device), requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None, layout=None,
          pin_memory=False):
    """Standard normal samples N(0, 1)."""
    dt = _float_dt(dtype, "randn")
    g = rng(generator)
    arr = g.standard_normal(_shape(size), dtype=np.float32 if dt is backend.float32 else np.float64)
    return _finish(_on(arr.astype(dt.np, copy=False), device), requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False,
            out=None, layout=None, pin_memory=False):
    """Integers drawn uniformly from [low, high): ``randint(high, size)`` or ``randint(low, high, size)``."""
    if size is None:  # randint(high, size)
        if isinstance(high, (tuple, list)):
            low, high, size = 0, low, high
        else:
            raise TypeError("randint() missing required argument 'size'")
    if high is None:
        raise TypeError("randint() missing required argument 'high'")
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    dt = backend.as_dtype(dtype) or backend.int64
    arr = rng(generator).integers(low, high, size=_shape((tuple(size),))).astype(dt.np)
    return _finish(_on(arr, device), requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False, out=None, layout=None,
             pin_memory=False):
    """A random permutation of 0..n-1."""
    dt = backend.as_dtype(dtype) or backend.int64
    return _finish(_on(rng(generator).permutation(int(n)).astype(dt.np), device), requires_grad)


def rand_like(input, dtype=None, device=None, requires_grad=False, memory_format=None, generator=None):
    """Uniform samples on [0, 1) with ``input``'s shape, dtype and device (unless given); float dtypes only."""
    dt, dev = _like(input, dtype, device)
    return rand(input.shape, dtype=dt, device=dev, requires_grad=requires_grad, generator=generator)


def randn_like(input, dtype=None, device=None, requires_grad=False, memory_format=None, generator=None):
    """Standard normal samples N(0, 1) with ``input``'s shape, dtype and device (unless given); float dtypes only."""
    dt, dev = _like(input, dtype, device)
    return randn(input.shape, dtype=dt, device=dev, requires_grad=requires_grad, generator=generator)


def randint_like(input, low=0, high=None, dtype=None, device=None, requires_grad=False, memory_format=None):
    """Random integers uniform on [low, high) with ``input``'s shape, dtype and device (unless given).

    As in PyTorch, ``randint_like(x, 10)`` means low=0, high=10.
    """
    if high is None:
        low, high = 0, low
    dt, dev = _like(input, dtype, device)
    return randint(low, high, tuple(input.shape), dtype=dt, device=dev, requires_grad=requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, device=None,
           requires_grad=False):
    """Normal samples with the given mean(s) and std(s) (numbers or tensors, broadcast)."""
    g = rng(generator)
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        if np.any(np.asarray(s) < 0):
            raise RuntimeError("normal expects all elements of std >= 0.0")
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        ref = mean if isinstance(mean, Tensor) else std
        arr = (m + s * g.standard_normal(shape)).astype(ref._data.dtype if ref.is_floating_point()
                                                         else backend.get_default_dtype().np)
        return Tensor._make(arr)
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    dt = _float_dt(dtype, "normal")
    arr = g.normal(mean, std, size=_shape((tuple(size) if size is not None else (),))).astype(dt.np)
    return _finish(_on(arr, device), requires_grad)


def bernoulli(input, p=None, *, generator=None, out=None):
    """Samples 1 with probability ``input`` (or ``p``), elementwise; same shape and dtype as input."""
    probs = input._data if p is None else np.broadcast_to(np.asarray(p, dtype=np.float64), input.shape)
    if np.any((probs < 0) | (probs > 1)):
        raise RuntimeError("bernoulli: all probabilities must be in [0, 1]")
    arr = (rng(generator).random(input.shape) < probs).astype(input._data.dtype)
    return Tensor._make(arr)


def poisson(input, generator=None):
    """Poisson samples, elementwise: out[i] ~ Poisson(rate = input[i]); same shape and dtype as ``input``."""
    return Tensor._make(rng(generator).poisson(input._data).astype(input._data.dtype))


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Draw ``num_samples`` category indices per row from the (unnormalised) weights ``input``."""
    w = np.asarray(input._host(), dtype=np.float64)
    if w.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape {tuple(w.shape)}")
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or element < 0")
    rows = w.reshape(-1, w.shape[-1])
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError(f"multinomial: cannot sample n_sample ({num_samples}) > prob_dist.size(-1) "
                           f"({rows.shape[1]}) samples without replacement")
    g = rng(generator)
    out_rows = []
    for r in rows:
        tot = r.sum()
        if tot <= 0:
            raise RuntimeError("multinomial: invalid multinomial distribution (sum of probabilities <= 0)")
        if replacement:
            out_rows.append(g.choice(r.size, size=num_samples, replace=True, p=r / tot))
        else:
            # Gumbel top-k: sampling without replacement in proportion to the weights
            keys = np.where(r > 0, np.log(np.where(r > 0, r, 1)) - np.log(-np.log(g.random(r.size))), -np.inf)
            if num_samples > np.count_nonzero(r):
                raise RuntimeError("multinomial: invalid multinomial distribution (with replacement=False, "
                                   "not enough non-negative category to sample)")
            out_rows.append(np.argsort(-keys, kind="stable")[:num_samples])
    res = np.stack(out_rows).astype(np.int64)
    return Tensor._make(res.reshape(w.shape[:-1] + (num_samples,)))


# ------------------------------------------------------------------------ ranges
def _num(x):
    return x.item() if isinstance(x, Tensor) else x


def arange(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False, out=None, layout=None,
           pin_memory=False):
    """Values from ``start`` to ``end`` (exclusive) spaced by ``step``; int64 if all are ints."""
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    if not all(math.isfinite(v) for v in (start, end, step)):
        raise RuntimeError(f"arange: unsupported range: start={start}, end={end}, step={step} (must be finite)")
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange: upper bound and larger bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    all_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))  # (bools count as ints)
    dt = backend.as_dtype(dtype) or (backend.int64 if all_int else backend.get_default_dtype())
    n = max(0, math.ceil((end - start) / step))
    arr = (start + np.arange(n, dtype=np.float64 if not all_int else np.int64) * step).astype(dt.np)
    return _finish(_on(arr, device), requires_grad)


def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):  # noqa: A001
    """Deprecated in PyTorch: like arange but includes ``end``; float by default."""
    if end is None:
        start, end = 0, start
    n = int(math.floor((end - start) / step)) + 1
    dt = backend.as_dtype(dtype) or backend.get_default_dtype()
    return _finish(_on((start + np.arange(n) * step).astype(dt.np), device), requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    dt = backend.as_dtype(dtype) or backend.get_default_dtype()
    if int(steps) < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative (got steps={steps})")
    arr = np.linspace(_num(start), _num(end), int(steps), dtype=np.float64).astype(dt.np)
    return _finish(_on(arr, device), requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False, out=None,
             layout=None):
    """``steps`` values base**linspace(start, end)."""
    dt = backend.as_dtype(dtype) or backend.get_default_dtype()
    if int(steps) < 0:
        raise RuntimeError(f"logspace: number of steps must be non-negative (got steps={steps})")
    arr = (base ** np.linspace(_num(start), _num(end), int(steps), dtype=np.float64)).astype(dt.np)
    return _finish(_on(arr, device), requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, out=None, layout=None, pin_memory=False):
    """The n x m identity matrix."""
    dt = backend.as_dtype(dtype) or backend.get_default_dtype()
    if int(n) < 0 or (m is not None and int(m) < 0):
        raise RuntimeError(f"eye: n and m must be greater or equal to 0, got n={n}, m={m}")
    return _finish(_on(np.eye(int(n), int(n if m is None else m), dtype=dt.np), device), requires_grad)


def complex(real, imag):  # noqa: A001
    """A complex tensor from real and imaginary parts (no gradient)."""
    return Tensor._make(real._data + 1j * imag._data)


def polar(abs, angle):  # noqa: A002
    """A complex tensor from polar coordinates: abs * (cos(angle) + i sin(angle)) (no gradient)."""
    return Tensor._make(abs._data * np.exp(1j * angle._data))


# ------------------------------------------------------------------------ Tensor.new_*
def _new_kw(self, dtype, device):
    return {"dtype": backend.as_dtype(dtype) or self.dtype, "device": backend.as_device(device) or self.device}


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    """Zeros of ``size`` with this tensor's dtype and device (unless given)."""
    return zeros(*size, requires_grad=requires_grad, **_new_kw(self, dtype, device))


def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    """Ones of ``size`` with this tensor's dtype and device (unless given)."""
    return ones(*size, requires_grad=requires_grad, **_new_kw(self, dtype, device))


def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor of ``size`` with this tensor's dtype and device (unless given)."""
    return empty(*size, requires_grad=requires_grad, **_new_kw(self, dtype, device))


def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    """``fill_value`` everywhere, in ``size``, with this tensor's dtype and device (unless given)."""
    return full(size, fill_value, requires_grad=requires_grad, **_new_kw(self, dtype, device))


def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    """A copy of ``data`` as a tensor with this tensor's dtype and device (unless given)."""
    return tensor(data, requires_grad=requires_grad, **_new_kw(self, dtype, device))


def _fill_(self, value):
    """``self.fill_(value)``: every element of self set to ``value`` (a number or a 0-d tensor); returns self."""
    from ._common import inplace  # noqa: PLC0415

    v = value.item() if isinstance(value, Tensor) else value
    return inplace(self, lambda t: full_like(t, v) + t * 0 if t.requires_grad else full_like(t, v))


def _zero_(self):
    """``self.zero_()``: every element of self set to 0; returns self."""
    return _fill_(self, 0)


def _uniform_(self, a=0.0, b=1.0, *, generator=None):
    """Samples of the uniform distribution on [a, b), shaped like self."""
    return rng(generator).uniform(a, b, self._data.shape)


def _normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Samples of the normal distribution N(mean, std^2), shaped like self."""
    return rng(generator).normal(mean, std, self._data.shape)


def _bernoulli_(self, p=0.5, *, generator=None):
    """1 with probability ``p`` (a number or a tensor of probabilities), else 0, shaped like self."""
    pr = p._data if isinstance(p, Tensor) else p
    return rng(generator).random(self._data.shape) < pr


def _exponential_(self, lambd=1.0, *, generator=None):
    """Samples of the exponential distribution with rate ``lambd`` (density lambd e^(-lambd x)), shaped like self."""
    return rng(generator).exponential(1.0 / lambd, self._data.shape)


def _random_(self, low=0, high=None, *, generator=None):
    """Integers drawn uniformly from [low, high) (``random_(high)``: from [0, high)), shaped like self."""
    if high is None:
        low, high = 0, low
    return rng(generator).integers(low, high, self._data.shape)


def _random_fill(sample):
    def fill(self, *args, generator=None, **kwargs):
        """Fill self in place with random samples; returns self.

        uniform_(a=0, b=1): U(a, b);  normal_(mean=0, std=1): N(mean, std^2);  bernoulli_(p=0.5): 1 with
        probability p, else 0;  exponential_(lambd=1): density lambd * exp(-lambd x);  random_(low, high):
        integers uniform on [low, high) (``random_(n)``: [0, n)). A leaf that requires grad can't be filled
        while grad mode is on; on a tensor in a graph (a view of one included) the new values are constants
        (zero gradient to what self held before), as in PyTorch.
        """
        from ._common import inplace  # noqa: PLC0415

        arr = backend.get_array_module(self._data).asarray(sample(self, *args, generator=generator, **kwargs)).astype(
            self._data.dtype, copy=False)
        return inplace(self, lambda t: Tensor._make(arr) + t * 0 if t.requires_grad else Tensor._make(arr))
    fill.__name__ = sample.__name__.strip("_") + "_"
    fill.__qualname__ = "Tensor." + fill.__name__
    return fill


def _bernoulli_method(self, p=None, *, generator=None):
    """Samples 1 with probability given by this tensor's values (or by ``p``), 0 otherwise; same shape and dtype."""
    return bernoulli(self, p, generator=generator)


from ..autograd.tensor import attach_methods  # noqa: E402
from .generator import rng

attach_methods(new_zeros=new_zeros, new_ones=new_ones, new_empty=new_empty, new_full=new_full, new_tensor=new_tensor,
               fill_=_fill_, zero_=_zero_, uniform_=_random_fill(_uniform_), normal_=_random_fill(_normal_),
               bernoulli_=_random_fill(_bernoulli_), exponential_=_random_fill(_exponential_),
               random_=_random_fill(_random_), bernoulli=_bernoulli_method,
               multinomial=multinomial)
