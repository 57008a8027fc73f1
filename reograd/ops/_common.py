"""Shared pieces of the ops: type promotion of operands, broadcasting errors, and in-place ops."""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import views as _views
from ..autograd.grad_mode import track_tangent
from ..autograd.saved import SavedInput, SavedOther
from ..autograd.grad_mode import state as _state
from ..autograd.tensor import Tensor


def result_type(*operands):
    """The dtype PyTorch's promotion gives for these tensors and scalars (``torch.result_type``).

    Dimensioned tensors decide within a category; a 0-dim tensor or a Python number only matters
    when its category (bool < int < float < complex) is higher.
    """
    dim = zero = None
    scat = None
    for x in operands:
        if isinstance(x, Tensor):
            d = backend._BY_NP[x._data.dtype]
            if x._data.ndim:
                dim = d if dim is None else backend.promote_types(dim, d)
            else:
                zero = d if zero is None else backend.promote_types(zero, d)
        elif x is not None:
            c = backend.scalar_category(x)
            scat = c if scat is None else max(scat, c)
    return backend.result_type_from(dim, zero, scat)


def as_operand(x):
    """Tensors pass; NumPy scalars become Python numbers (weak, like PyTorch's wrapped numbers);
    arrays and lists become tensors."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.generic):  # before the Python types: np.float64 subclasses float
        return x.item()
    if isinstance(x, (int, float, complex, bool)):
        return x
    if backend.is_array(x):
        return Tensor._make(x)
    if isinstance(x, (list, tuple)):
        from .creation import tensor  # noqa: PLC0415

        return tensor(x)
    raise TypeError(f"unsupported operand type: {type(x).__name__} (expected a Tensor or a number)")


def promote(a, b, min_category=None):
    """Cast two operands to their common dtype (by differentiable ``.to``; no-op when equal).

    ``min_category``: lift the result to at least this category (e.g. FLOAT for true division).
    Returns (a, b, dtype).
    """
    if type(a) is not Tensor and not isinstance(a, Tensor):
        a = as_operand(a)
    if type(b) is not Tensor and not isinstance(b, Tensor):
        b = as_operand(b)
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._data.dtype == b._data.dtype:
        rt = backend._BY_NP[a._data.dtype]
    else:
        rt = result_type(a, b)
    if min_category is not None and rt.category < min_category:
        rt = backend.get_default_dtype()
    if isinstance(a, Tensor) and a._data.dtype != rt.np:
        a = a.to(rt)
    if isinstance(b, Tensor) and b._data.dtype != rt.np:
        b = b.to(rt)
    return a, b, rt


def shape_of(x):
    return x.shape if hasattr(x, "shape") else ()


def broadcast_error(op, a, b):
    sa, sb = tuple(shape_of(a)), tuple(shape_of(b))
    for i in range(1, max(len(sa), len(sb)) + 1):
        x = sa[-i] if i <= len(sa) else 1
        y = sb[-i] if i <= len(sb) else 1
        if x != y and x != 1 and y != 1:
            d = max(len(sa), len(sb)) - i
            return RuntimeError(f"{op}: the size of tensor a ({x}) must match the size of tensor b ({y}) at "
                                f"non-singleton dimension {d} (shapes {list(sa)} and {list(sb)})")
    return RuntimeError(f"{op}: shapes {list(sa)} and {list(sb)} cannot be broadcast together")


def apply_binary(fn_cls, op, a, b, *extra, **kw):
    """``fn_cls.apply(a, b, ...)`` with a broadcasting failure turned into an error naming the op."""
    try:
        return fn_cls.apply(a, b, *extra, **kw)
    except ValueError as e:
        if "broadcast" in str(e):
            raise broadcast_error(op, a, b) from None
        raise


def can_cast(src, dst):
    """PyTorch's rule for writing a result of dtype ``src`` into a tensor of dtype ``dst`` in place."""
    return src.category <= dst.category


def inplace(self, fn, *args, **kwargs):
    """Run the out-of-place op ``fn(self, *args)`` and write its result into ``self``.

    As in PyTorch: a leaf that requires grad can't be changed in place while grad mode is on; the
    result must have self's shape and a dtype castable to self's; self's version counter is bumped
    (so a backward that saved the old value raises) and self takes over the op's graph node. When
    self is a view, its base's graph learns of the write too (a ``CopySlices`` node; see
    ``reograd.autograd.views``).
    """
    if not isinstance(self, Tensor):
        raise TypeError(f"in-place op on a {type(self).__name__}")
    base = self._base
    record = _state.grad_enabled and (
        self._requires_grad or (base is not None and base._requires_grad)
        or any(isinstance(a, Tensor) and a._requires_grad for a in args))
    if record:
        if base is not None:
            _views.check_inplace(self)
        elif self._requires_grad and self._grad_fn is None:
            raise RuntimeError(f"a leaf Variable that requires grad (shape {list(self.shape)}) is being used in an "
                               "in-place operation.")
    fw = _state.fw_level >= 0 and (
        self._fw_grad is not None or (base is not None and base._fw_grad is not None)
        or any(isinstance(a, Tensor) and a._fw_grad is not None for a in args))
    if not record and not fw:
        prev = _state.grad_enabled
        _state.grad_enabled = False
        try:
            res = fn(self, *args, **kwargs)
        finally:
            _state.grad_enabled = prev
        _write(self, res, fn)
        self._version_counter[0] += 1
        return self
    if base is not None and not record and self._view_version != self._version_counter[0]:
        _views.sync_input(self)  # (a tangent to bring up to date)
    old = Tensor._make(self._data, self._requires_grad, self._grad_fn, self._output_nr)
    old._fw_grad = self._fw_grad
    res = fn(old, *args, **kwargs)
    node = res._grad_fn
    saved = node._saved if node is not None else None
    if isinstance(saved, list):
        for s in saved:
            if type(s) is SavedInput and s.tensor is old:
                old._data = old._data.copy()  # backward needs the value from before the write
    _write(self, res, fn)
    self._version_counter[0] += 1
    if isinstance(saved, list):
        for s in saved:  # a saved output now lives in self
            if type(s) is SavedOther and s.data is res._data:
                s.data, s.version_counter, s.version = self._data, self._version_counter, self._version_counter[0]
    if base is not None and _views.rebase(self, res, record):
        return self
    if record:
        prev = self._grad_fn, self._output_nr
        self._requires_grad = res._requires_grad
        self._grad_fn = res._grad_fn
        self._output_nr = res._output_nr
        _views.move_retain(self, *prev)
    if res._fw_grad is not None or self._fw_grad is not None:
        self._fw_grad = res._fw_grad
        if res._fw_grad is not None:
            track_tangent(self)
    return self


def _write(self, res, fn):
    rd, sd = backend._BY_NP[res._data.dtype], backend._BY_NP[self._data.dtype]
    if not can_cast(rd, sd):
        raise RuntimeError(f"{getattr(fn, '__name__', 'op')}_: result type {rd} can't be cast to the desired "
                           f"output type {sd}")
    if res._data.shape != self._data.shape:
        raise RuntimeError(f"{getattr(fn, '__name__', 'op')}_: output with shape {list(self.shape)} doesn't "
                           f"match the broadcast shape {list(res.shape)}")
    if not self._data.flags.writeable:
        raise RuntimeError(f"{getattr(fn, '__name__', 'op')}_: the tensor's memory is read-only (it is an "
                           "expanded view); clone() it before writing in place")
    backend.get_array_module(self._data).copyto(self._data, res._data, casting="unsafe")


def make_inplace(fn):
    """``add_`` from ``add``: ``self.add_(other)`` writes ``add(self, other)`` into self."""
    def method(self, *args, **kwargs):
        return inplace(self, fn, *args, **kwargs)
    method.__name__ = fn.__name__ + "_"
    method.__qualname__ = "Tensor." + method.__name__
    method.__doc__ = f"In-place version of :func:`{fn.__name__}`."
    return method
