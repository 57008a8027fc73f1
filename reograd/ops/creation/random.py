"""Random tensors (``rand``, ``randn``, ``randint``, ``normal``, ``bernoulli``...) and random in-place fills."""
from __future__ import annotations

import numpy as np

from ... import backend
from ...autograd.tensor import Tensor
from ..inplace import inplace
from ..registry import register
from .factories import _finish, _like, _on, _shape
from .generator import rng


# ------------------------------------------------------------------------ random
def _float_dt(dtype, name):
    dt = backend.as_dtype(dtype) or backend.get_default_dtype()
    if not dt.is_floating_point:  # (NotImplementedError, as PyTorch: a RuntimeError subclass)
        raise NotImplementedError(f"{name}: expected a floating point dtype, got {dt}")
    return dt


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
        from ..inplace import inplace  # noqa: PLC0415

        arr = backend.get_array_module(self._data).asarray(sample(self, *args, generator=generator, **kwargs)).astype(
            self._data.dtype, copy=False)
        return inplace(self, lambda t: Tensor._make(arr) + t * 0 if t.requires_grad else Tensor._make(arr))
    fill.__name__ = sample.__name__.strip("_") + "_"
    fill.__qualname__ = "Tensor." + fill.__name__
    return fill


def _bernoulli_method(self, p=None, *, generator=None):
    """Samples 1 with probability given by this tensor's values (or by ``p``), 0 otherwise; same shape and dtype."""
    return bernoulli(self, p, generator=generator)

register(multinomial)
register(uniform_=_random_fill(_uniform_), normal_=_random_fill(_normal_), bernoulli_=_random_fill(_bernoulli_),
         exponential_=_random_fill(_exponential_), random_=_random_fill(_random_), bernoulli=_bernoulli_method)


# ============================================================================================ random fills, apply_
def _log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Samples exp(N(mean, std^2)): the log-normal distribution, shaped like self."""
    if std <= 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    return rng(generator).lognormal(mean, std, self._data.shape)


def _cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Samples median + sigma * tan(pi (U - 1/2)): the Cauchy distribution, shaped like self."""
    if sigma <= 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    return median + sigma * rng(generator).standard_cauchy(self._data.shape)


def _geometric_(self, p, *, generator=None):
    """Samples the number of Bernoulli(p) trials up to the first success (1, 2, ...), shaped like self."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    return rng(generator).geometric(p, self._data.shape)


def _make_fills():
    pass  # noqa: PLC0415

    out = {}
    for name, sample, doc in (
            ("log_normal_", _log_normal_, "``x.log_normal_(mean=1, std=2)``: fills x in place with samples of "
             "exp(N(mean, std^2)) (mean and std of the underlying normal); returns x."),
            ("cauchy_", _cauchy_, "``x.cauchy_(median=0, sigma=1)``: fills x in place with Cauchy samples, density "
             "1 / (pi sigma (1 + ((x - median) / sigma)^2)); returns x."),
            ("geometric_", _geometric_, "``x.geometric_(p)``: fills x in place with geometric samples, P(k) = "
             "(1 - p)^(k - 1) p for k = 1, 2, ...; returns x.")):
        fill = _random_fill(sample)
        fill.__doc__ = doc
        out[name] = fill
    return out

register(**_make_fills())
