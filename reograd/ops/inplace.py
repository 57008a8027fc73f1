"""In-place ops and ``out=``: ``inplace`` runs an op and writes its result into a tensor, as PyTorch."""
from __future__ import annotations

from .. import backend
from ..autograd import views as _views
from ..autograd.grad_mode import state as _state, track_tangent
from ..autograd.saved import SavedInput, SavedOther
from ..autograd.tensor import Tensor
from .arguments import xp_of
from .promotion import can_cast


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


def write_out(res, out):
    """The ``out=`` argument: copy the result into ``out`` (resized like PyTorch when the shape differs)."""
    if out is None:
        return res
    if not isinstance(out, Tensor):
        raise TypeError(f"out must be a Tensor, got {type(out).__name__}")
    if out._requires_grad and res._requires_grad:
        raise RuntimeError("functions with out=... arguments don't support automatic differentiation, but one "
                           "of the arguments requires grad.")
    if out._data.shape == res._data.shape:
        xp_of(out._data).copyto(out._data, res._data, casting="unsafe")
    else:
        out._data = res._data.astype(out._data.dtype)
    out._version_counter[0] += 1
    return out
