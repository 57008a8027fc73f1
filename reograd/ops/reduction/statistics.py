"""Statistics and numerical calculus built from differentiable ops: diff, quantile/nanquantile,
cov, corrcoef, dist, pdist, renorm, trapezoid/trapz, cumulative_trapezoid, histogram, isin.

Most are compositions of existing Tensor ops (sort + gather for quantiles, matmul for cov, norms
for dist/pdist/renorm), so their backward, double backward and jvp come from those ops.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ... import backend
from ...autograd.tensor import Tensor, wrap_dim
from ..arguments import check_tensor
from ..creation.factories import tensor
from ..inplace import write_out
from ..promotion import float_input
from ..registry import register
from ..shape.joins import cat
from .base import Gather, return_type

_histogram_t = return_type("histogram", ("hist", "bin_edges"))
_INTERP = ("linear", "lower", "higher", "midpoint", "nearest")


def _host(a):
    """A NumPy copy of a backend array (the array itself on CPU)."""
    return a if type(a) is np.ndarray else a.get()


# ------------------------------------------------------------------------------------------------ diff
def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along ``dim``: out[i] = input[i + 1] - input[i], applied n times.

    ``prepend``/``append`` (tensors with input's shape except along ``dim``, or scalars / 0-d
    tensors, taken as size 1 along dim) are concatenated before/after input first. Bool tensors
    give ``input[i + 1] != input[i]``. The result has size max(len - n, 0) along dim.
    Example: ``torch.diff(torch.tensor([1, 3, 6, 10]))`` is ``[2, 3, 4]``; with ``n=2``, ``[1, 1]``.
    """
    check_tensor("diff", input)
    if input._data.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    n = int(n)
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = wrap_dim(dim, input._data.ndim, "diff")
    parts = []
    for name, extra in (("prepend", prepend), ("append", append)):
        if extra is None:
            parts.append(None)
            continue
        if not isinstance(extra, Tensor):
            extra = tensor(extra, dtype=input.dtype)
        if extra._data.ndim == 0:
            shape = list(input.shape)
            shape[d] = 1
            extra = extra.expand(*shape)
        elif extra._data.ndim != input._data.ndim:
            raise RuntimeError(f"diff expects prepend or append to be the same dimension as input ({name} shape "
                               f"{list(extra.shape)}, input shape {list(input.shape)})")
        parts.append(extra)
    x = input
    if parts[0] is not None or parts[1] is not None:
        x = cat([p for p in (parts[0], input, parts[1]) if p is not None], dim=d)
    if n == 0:
        return x
    is_bool = x._data.dtype == np.bool_
    for _ in range(n):
        m = x._data.shape[d]
        if m == 0:
            break
        hi, lo = x.narrow(d, 1, m - 1), x.narrow(d, 0, m - 1)
        x = hi != lo if is_bool else hi - lo
    return x


# ------------------------------------------------------------------------------------------------ quantile
def _quantile(op, input, q, dim, keepdim, interpolation, ignore_nan):
    check_tensor(op, input)
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"{op}() input tensor must be either float or double dtype (got {input.dtype})")
    if input._data.size == 0:
        raise RuntimeError(f"{op}() input tensor must be non-empty")
    if interpolation not in _INTERP:
        raise ValueError(f"{op}() interpolation must be one of linear, lower, higher, midpoint or nearest. "
                         f"Got {interpolation!r}")
    dt = input._data.dtype
    if isinstance(q, Tensor):
        if q._data.ndim > 1:
            raise RuntimeError(f"{op}() q must be a scalar or 1D tensor (got shape {list(q.shape)})")
        if q._data.dtype != dt:
            raise RuntimeError(f"{op}() q tensor must be same dtype as the input tensor (q {q.dtype}, input "
                               f"{input.dtype})")
        scalar = q._data.ndim == 0
        qs = np.asarray(_host(q._data), dtype=dt).reshape(-1)
    elif isinstance(q, (list, tuple)):
        qs, scalar = np.asarray(q, dtype=dt).reshape(-1), False
    else:
        qs, scalar = np.asarray([q], dtype=dt), True
    if qs.size and not ((qs >= 0) & (qs <= 1)).all():
        raise RuntimeError(f"{op}() q values must be in the range [0, 1] (got {qs.tolist()})")
    nd = input._data.ndim
    if dim is None:
        x = input.reshape(-1)
        out_keep = [1] * nd
    else:
        d = wrap_dim(dim, nd, op)
        x = input.movedim(d, -1) if nd else input.reshape(1)
        out_keep = list(input.shape)
        if nd:
            out_keep[d] = 1
    s = x.sort(dim=-1).values  # nan sorts last
    sa = _host(s._data)
    n = sa.shape[-1]
    nan = np.isnan(sa)
    batch = sa.shape[:-1]
    if ignore_nan:
        cnt = (~nan).sum(-1, keepdims=True).astype(dt)
        ranks = qs * (cnt - 1)
        ranks = np.where(cnt == 0, n - 1, ranks).astype(dt)
    else:
        ranks = np.broadcast_to(qs * dt.type(n - 1), batch + (qs.size,)).astype(dt)
        ranks = np.where(nan.any(-1, keepdims=True), n - 1, ranks).astype(dt)
    xp = backend.get_array_module(sa)

    def pick(r):
        idx = xp.asarray(np.clip(r, 0, n - 1).astype(np.int64))
        return Gather.apply(s, idx, s._data.ndim - 1, False, True)

    if interpolation == "lower":
        res = pick(np.floor(ranks))
    elif interpolation == "higher":
        res = pick(np.ceil(ranks))
    elif interpolation == "nearest":
        res = pick(np.round(ranks))  # half to even, as PyTorch
    else:
        below_r = np.floor(ranks)
        below, above = pick(below_r), pick(np.ceil(ranks))
        w = np.full_like(ranks, 0.5) if interpolation == "midpoint" else ranks - below_r
        res = below.lerp(above, Tensor._make(xp.asarray(w.astype(dt))))
    # res: (*batch, nq) -> (nq, *out)
    res = res.movedim(-1, 0)
    out_shape = out_keep if keepdim else ([] if dim is None else [s_ for i, s_ in enumerate(input.shape)
                                                                   if i != wrap_dim(dim, max(nd, 1), op)])
    if dim is not None and nd == 0:
        out_shape = []
    res = res.reshape([qs.size] + list(out_shape))
    return res.reshape(list(out_shape)) if scalar else res


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """The q-th quantiles of ``input`` along ``dim`` (all elements when dim is None).

    With the values sorted v_0 <= ... <= v_{n-1} and rank r = q (n - 1), the quantile is, by
    ``interpolation``: linear v_floor(r) + (r - floor r)(v_ceil(r) - v_floor(r)); lower v_floor(r);
    higher v_ceil(r); midpoint (v_floor(r) + v_ceil(r)) / 2; nearest v_round(r) (half to even).
    A slice holding a NaN gives NaN. ``q``: a float or a 0-d/1-D tensor (input's dtype) in [0, 1];
    a 1-D q adds a leading dim of size len(q). Differentiable: the gradient goes to the picked
    elements (weighted as in the interpolation).
    Example: ``torch.quantile(torch.tensor([1., 2., 3., 4.]), 0.5)`` is 2.5.
    """

    return write_out(_quantile("quantile", input, q, dim, keepdim, interpolation, False), out)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """:func:`quantile` ignoring NaN: the rank is q (m - 1) with m the count of non-NaN values in the
    slice; a slice of only NaN gives NaN. Example: ``torch.nanquantile(torch.tensor([1., nan, 3.]), 0.5)``
    is 2.0."""

    return write_out(_quantile("nanquantile", input, q, dim, keepdim, interpolation, True), out)


# ------------------------------------------------------------------------------------------------ cov
def cov(input, *, correction=1, fweights=None, aweights=None):
    """Covariance matrix of the variables in the rows of ``input`` (shape (vars, obs), or (obs,) for one
    variable, giving a 0-d result).

    With weights w = fweights * aweights (ones when absent) and mean mu_i = sum_k w_k x_ik / sum w:
    cov_ij = sum_k w_k (x_ik - mu_i)(x_jk - mu_j) / (sum w - correction * sum(w * aweights) / sum w)
    (the denominator is sum w - correction without aweights). ``correction=1``: the unbiased estimate.
    Example: ``torch.cov(torch.tensor([[0., 1., 2.], [2., 1., 0.]]))`` is ``[[1, -1], [-1, 1]]``.
    """
    check_tensor("cov", input)
    if input._data.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input._data.ndim} dimensions (shape {list(input.shape)})")
    if input._data.dtype.kind == "c":
        raise NotImplementedError("cov(): complex input is not supported")
    x = float_input(input)
    x = x.reshape(1, -1) if x._data.ndim < 2 else x
    n_obs = x._data.shape[1]
    w = None
    for name, wt in (("fweights", fweights), ("aweights", aweights)):
        if wt is None:
            continue
        check_tensor("cov", wt, name)
        if wt._data.ndim > 1:
            raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got {name} with "
                               f"{wt._data.ndim} dimensions")
        if wt.numel() != n_obs:
            raise RuntimeError(f"cov(): expected {name} to have the same numel as there are observations in the "
                               f"input but got {wt.numel()} != {n_obs}")
        if name == "fweights" and wt._data.dtype.kind not in "iu":
            raise RuntimeError(f"cov(): expected fweights to have integral dtype (got {wt.dtype})")
        if name == "aweights" and wt._data.dtype.kind != "f":
            raise RuntimeError(f"cov(): expected aweights to have floating point dtype (got {wt.dtype})")
        if bool((wt._data < 0).any()):
            raise RuntimeError(f"cov(): {name} cannot be negative")
        wt = wt.reshape(-1).to(x.dtype)
        w = wt if w is None else w * wt
    if w is None:
        avg = x.mean(1)
        w_sum = float(n_obs)
        norm = w_sum - correction
    else:
        w_sum = w.sum()
        avg = (x * w).sum(1) / w_sum
        if correction != 0 and aweights is not None:
            norm = w_sum - correction * (w * aweights.reshape(-1).to(x.dtype)).sum() / w_sum
        else:
            norm = w_sum - correction
    bad = float(norm) <= 0 if not isinstance(norm, Tensor) else bool(norm._data <= 0)
    if bad:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.", UserWarning, stacklevel=2)
        norm = 0.0 if not isinstance(norm, Tensor) else norm.clamp(min=0)
    xm = x - avg.unsqueeze(1)
    c = xm @ (xm if w is None else xm * w).mT
    with np.errstate(divide="ignore", invalid="ignore"):
        return (c / norm).squeeze()


def corrcoef(input):
    """Pearson correlation coefficients of the variables in the rows of ``input`` ((vars, obs) or (obs,)):
    R_ij = C_ij / sqrt(C_ii C_jj) with C = cov(input), clipped to [-1, 1].

    Example: ``torch.corrcoef(torch.tensor([[0., 1., 2.], [2., 1., 0.]]))`` is ``[[1, -1], [-1, 1]]``.
    """
    check_tensor("corrcoef", input)
    if input._data.ndim > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but got an input with "
                           f"{input._data.ndim} dimensions (shape {list(input.shape)})")
    c = cov(input)
    if c._data.ndim == 0:
        return c / c
    sd = c.diagonal().sqrt()
    c = c / sd.unsqueeze(1)
    c = c / sd.unsqueeze(0)
    return c.clip(-1, 1)


# ------------------------------------------------------------------------------------------------ integrals
def _trap_dx(op, y, x, dx, d):
    """The spacing as a tensor broadcastable against y's differences along d, or a number."""
    if x is None:
        return 1.0 if dx is None else dx
    if not isinstance(x, Tensor):
        return float(x)
    n = y._data.shape[d]
    if x._data.ndim == 1:
        if x._data.shape[0] != n:
            raise RuntimeError(f"{op}: There must be one `x` value for each sample point (x has {x.shape[0]} values, "
                               f"y has {n} along dim {d})")
        shape = [1] * y._data.ndim
        shape[d] = max(n - 1, 0)
        return diff(x).reshape(shape)
    if x._data.ndim != y._data.ndim:
        raise RuntimeError(f"{op}: x must be 1-D or have y's number of dims (x shape {list(x.shape)}, y shape "
                           f"{list(y.shape)})")
    return diff(x, dim=d)


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """Integral of ``y`` along ``dim`` by the trapezoidal rule: sum_i (x_{i+1} - x_i) (y_i + y_{i+1}) / 2.

    ``x``: sample points (1-D of y's size along dim, or y's shape); else a constant spacing ``dx``
    (default 1). ``trapezoid(y, x)`` or ``trapezoid(y, dx=...)``; a number as second argument is dx.
    Example: ``torch.trapezoid(torch.tensor([1., 2., 3.]))`` is 4.
    """
    if x is not None and dx is not None:
        raise TypeError("trapezoid: pass either x or dx, not both")
    y, d, areas = _trapezoids("trapezoid", y, x, dx, dim)
    return y.sum(d) * 0 if areas is None else areas.sum(d)


def trapz(y, x=None, *, dx=None, dim=-1):
    """Alias of :func:`trapezoid` (``trapz(y, x, dim=-1)`` or ``trapz(y, dx=1, dim=-1)``):
    sum_i (x_{i+1} - x_i) (y_i + y_{i+1}) / 2 along dim."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """Running trapezoidal integral of ``y`` along ``dim``: out_k = sum_{i<=k} (x_{i+1} - x_i)(y_i + y_{i+1}) / 2,
    one element fewer than y along dim. Arguments as in :func:`trapezoid`.
    Example: ``torch.cumulative_trapezoid(torch.tensor([1., 2., 3.]))`` is ``[1.5, 4.0]``.
    """
    y, d, areas = _trapezoids("cumulative_trapezoid", y, x, dx, dim)
    return y if areas is None else areas.cumsum(d)


def _trapezoids(op, y, x, dx, dim):
    """(y as float, dim, the areas (x_{i+1} - x_i)(y_i + y_{i+1}) / 2 along dim, or None when y is empty there)."""
    check_tensor(op, y, "y")
    if y._data.ndim == 0:
        raise IndexError(f"{op}: Dimension out of range (y is 0-dimensional)")
    d = wrap_dim(dim, y._data.ndim, op)
    y = float_input(y)
    n = y._data.shape[d]
    if n == 0:
        return y, d, None
    spacing = _trap_dx(op, y, x, dx, d)
    return y, d, (y.narrow(d, 1, n - 1) + y.narrow(d, 0, n - 1)) * 0.5 * spacing


# ------------------------------------------------------------------------------------------------ histogram, isin
def histogram(input, bins=100, *, range=None, weight=None, density=False, out=None):
    """Histogram of ``input``'s values: returns (hist, bin_edges).

    ``bins``: a number of equal-width bins over ``range`` (default: [min, max] of input), or a 1-D
    tensor of increasing edges. Every bin is half-open [e_i, e_{i+1}) except the last, which
    includes its right edge. ``weight``: per-element weights (input's shape); ``density``: divide
    by total weight * bin width so the histogram integrates to 1. Float input only; not
    differentiable. Example: ``torch.histogram(torch.tensor([1., 2., 1.]), bins=4, range=(0., 3.))``
    gives hist ``[0, 2, 1, 0]`` and edges ``[0, 0.75, 1.5, 2.25, 3]``.
    """
    check_tensor("histogram", input)
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"histogram: torch.histogram: input tensor and bins tensors should have the same "
                           f"floating-point dtype (got {input.dtype})")
    a = _host(input._data)
    dt = a.dtype
    w = None
    if weight is not None:
        check_tensor("histogram", weight, "weight")
        if tuple(weight.shape) != tuple(input.shape):
            raise RuntimeError(f"histogram: weight should have the same shape as input (weight {list(weight.shape)}, "
                               f"input {list(input.shape)})")
        w = _host(weight._data).reshape(-1)
    if isinstance(bins, Tensor):
        if bins._data.ndim != 1 or bins._data.shape[0] < 1:
            raise RuntimeError(f"histogram: bins tensor should have one dimension and at least 1 element (got shape "
                               f"{list(bins.shape)})")
        edges = _host(bins._data).astype(dt)
        if (np.diff(edges) < 0).any():
            raise ValueError("histogram: bin edges must increase monotonically")
    else:
        nb = int(bins)
        if nb <= 0:
            raise RuntimeError(f"histogram: bins must be > 0, but got {nb}")
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
        elif a.size:
            lo, hi = float(a.min()), float(a.max())
        else:
            lo, hi = 0.0, 0.0
        if lo > hi:
            raise RuntimeError(f"histogram: min should not exceed max, but got min {lo} max {hi}")
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise RuntimeError(f"histogram: range of [{lo}, {hi}] is not finite")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5  # as numpy; PyTorch widens by 1 as well
        edges = np.linspace(lo, hi, nb + 1).astype(dt)
    hist, _ = np.histogram(a.reshape(-1), bins=edges.astype(np.float64), weights=w)
    hist = hist.astype(dt)
    if density:
        widths = np.diff(edges).astype(dt)
        total = hist.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            hist = (hist / (total * widths)).astype(dt)
    xp = backend.get_array_module(input._data)
    res = _histogram_t((Tensor._make(xp.asarray(hist)), Tensor._make(xp.asarray(edges))))
    if out is not None:
        write_out(res[0], out[0])
        write_out(res[1], out[1])
        return _histogram_t(out)
    return res


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """A bool tensor of ``elements``' shape: True where the element is in ``test_elements`` (either
    argument may be a scalar). ``invert=True``: True where it is not.
    Example: ``torch.isin(torch.tensor([1, 2, 3, 4]), torch.tensor([2, 3]))`` is ``[False, True, True, False]``.
    """
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin(): at least one of elements and test_elements must be a Tensor")
    ref = elements if isinstance(elements, Tensor) else test_elements
    xp = backend.get_array_module(ref._data)
    e = elements._data if isinstance(elements, Tensor) else xp.asarray(elements)
    t = test_elements._data if isinstance(test_elements, Tensor) else xp.asarray(test_elements)
    res = xp.isin(e, t, assume_unique=assume_unique, invert=invert)
    return Tensor._make(xp.asarray(res, dtype=bool))


def _histogram_method(self, bins=100, *, range=None, weight=None, density=False):
    """``x.histogram(bins)``: :func:`histogram` of x's values, returning (hist, bin_edges)."""
    return histogram(self, bins, range=range, weight=weight, density=density)

register(diff, quantile, nanquantile, cov, corrcoef)
register(histogram=_histogram_method)
