"""Gradient clipping: ``clip_grad_norm_`` (rescale all gradients so their joint norm is at most
``max_norm``) and ``clip_grad_value_`` (clamp each gradient entry to [-clip_value, clip_value])."""
from __future__ import annotations

import math
import warnings

import numpy as np

from ... import backend
from ...autograd.grad_mode import no_grad
from ...autograd.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm"]


def _as_list(tensors):
    if isinstance(tensors, Tensor):
        return [tensors]
    return list(tensors)


def _norm_of(arr, norm_type):
    xp = backend.get_array_module(arr)
    a = xp.abs(arr.astype(xp.float64, copy=False)) if arr.dtype.kind != "c" else xp.abs(arr)
    if norm_type == math.inf:
        return a.max() if a.size else 0.0
    if norm_type == -math.inf:
        return a.min() if a.size else math.inf
    if norm_type == 0:
        return (a != 0).sum()
    if norm_type == 2:
        return xp.sqrt((a * a).sum())
    return (a ** norm_type).sum() ** (1.0 / norm_type)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of all the tensors together (as if concatenated into one vector)."""
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return Tensor._make(backend.get_array_module(None).asarray(0.0, dtype=backend.get_default_dtype().np))
    norms = [float(_norm_of(t._data, norm_type)) for t in tensors]
    if norm_type == math.inf:
        total = max(norms)
    elif norm_type == -math.inf:
        total = min(norms)
    elif norm_type == 0:
        # as PyTorch: the 0-"norm" of the vector of per-tensor norms (tensors with a nonzero entry), not
        # the count of nonzero entries over all the tensors
        total = float(sum(n != 0 for n in norms))
    else:
        total = sum(n ** norm_type for n in norms) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           "norm anyway, set `error_if_nonfinite=False`")
    dt = tensors[0]._data.dtype
    if dt.kind == "c":
        dt = tensors[0]._data.real.dtype
    xp = backend.get_array_module(tensors[0]._data)
    return Tensor._make(xp.asarray(total, dtype=dt))


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    r"""Rescale the gradients of ``parameters`` in place so that their joint norm is at most ``max_norm``.

    total = ‖(g_1, ..., g_n)‖_p;  every g_i is multiplied by min(1, max_norm / (total + 1e-6)).

    Args:
        parameters: a tensor or an iterable of tensors (those with ``.grad`` None are skipped).
        max_norm: the largest allowed norm. norm_type: p (``'inf'`` for the max norm). Default: 2.
        error_if_nonfinite: raise if the total norm is nan or inf. Default: False.
        foreach: ignored (accepted for compatibility).

    Returns: the total norm before clipping, as a 0-d tensor.
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        parameters = list(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    if isinstance(norm_type, str):
        norm_type = float(norm_type)
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    if not grads:
        return total
    clip_coef = float(max_norm) / (float(total.item()) + 1e-6)
    if clip_coef < 1 or math.isnan(clip_coef):
        with no_grad(), np.errstate(invalid="ignore", over="ignore"):  # inf * 0 -> nan, silently as torch
            for g in grads:
                g._data *= g._data.dtype.type(clip_coef) if g._data.dtype.kind == "f" else clip_coef
                g._bump_version()
    return total


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Deprecated spelling of :func:`clip_grad_norm_`."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient entry of ``parameters`` to ``[-clip_value, clip_value]``, in place."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    clip_value = float(clip_value)
    for p in parameters:
        if p.grad is not None:
            g = p.grad
            backend.get_array_module(g._data).clip(g._data, -clip_value, clip_value, out=g._data)
            g._bump_version()
