"""Copies and casts: ``to`` (dtype/device), ``clone``, ``contiguous``, ``copy_``, and the type shortcuts."""
from __future__ import annotations

from ... import backend
from ...autograd.function import NativeFunction
from ...autograd.tensor import Tensor
from ..arguments import check_tensor
from ..inplace import inplace
from ..registry import register


class ToCopy(NativeFunction):
    """A cast and/or device move; the gradient is cast/moved back."""

    @staticmethod
    def forward(ctx, a, np_dtype, dev):
        ctx.src = (a.dtype, backend.device_of(a))
        out = a
        if dev is not None:
            out = backend.to_device_array(out, dev)
        if np_dtype is not None and out.dtype != np_dtype:
            out = out.astype(np_dtype)
        return out

    @staticmethod
    def backward(ctx, g):
        dt, dev = ctx.src
        if dt.kind not in "fc":
            return None, None, None
        return _to(g, backend._BY_NP[dt], dev), None, None

    @staticmethod
    def jvp(ctx, t, *_):
        meta = ctx._fw_out_meta[0]
        return t.to(backend._BY_NP[meta[1]])


def _to(t, dt, dev):
    same_dt = dt is None or t._data.dtype == dt.np
    same_dev = dev is None or t.device == dev
    if same_dt and same_dev:
        return t
    return ToCopy.apply(t, None if dt is None else dt.np, None if same_dev else dev)


def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False, memory_format=None):
    """Cast and/or move: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other_tensor)``.

    Returns self when nothing changes (unless ``copy=True``).
    """
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, (str, backend.device)) and not (isinstance(a, str) and a.replace("torch.", "")
                                                           .replace("reograd.", "") in backend._BY_NAME):
            device = a
        elif isinstance(a, int) and not isinstance(a, bool):
            device = backend.device("cuda", a)
        else:
            dtype = a
    dt = backend.as_dtype(dtype)
    dev = backend.as_device(device)
    if dev is not None:
        backend.xp_for_device(dev)  # a clear error when CUDA is absent
    out = _to(self, dt, dev)
    if copy and out is self:
        out = clone(self)
    return out


class Clone(NativeFunction):
    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, g):
        return g

    @staticmethod
    def jvp(ctx, t):
        return t


def clone(input, *, memory_format=None):
    """A copy of ``input`` that stays in the graph (gradients flow back to input)."""
    return Clone.apply(input)


def contiguous(self, memory_format=None):
    """Self if C-contiguous, else a contiguous copy (in the graph)."""
    if self._data.flags.c_contiguous:
        return self
    return Clone.apply(self)


def _copy_from(self, src):
    return _Copy.apply(self, src)


class _Copy(NativeFunction):
    """Result of ``self.copy_(src)``: src broadcast to self's shape and cast to self's dtype."""

    @staticmethod
    def forward(ctx, a, src):
        ctx.src_meta = (src.shape, src.dtype) if hasattr(src, "shape") else ((), None)
        xp = backend.get_array_module(a)
        if backend.is_array(src) and type(src) is not type(a):
            src = backend.to_device_array(src, backend.device_of(a))
        return xp.broadcast_to(xp.asarray(src), a.shape).astype(a.dtype, copy=True)

    @staticmethod
    def backward(ctx, g):

        shape, dt = ctx.src_meta
        gs = None
        if ctx.needs_input_grad[1] and dt is not None and dt.kind in "fc":
            gs = g.to(backend._BY_NP[dt])
        return g * 0 if ctx.needs_input_grad[0] else None, gs

    @staticmethod
    def jvp(ctx, ta, ts):
        return ts.expand(ctx._fw_out_meta[0][0]) if ts is not None else ta * 0


def copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast, cast) into self, in place; gradients flow to src."""
    if not isinstance(src, Tensor):
        from .factories import tensor  # noqa: PLC0415

        src = tensor(src)
    return inplace(self, _copy_from, src)


def _caster(dt):
    def cast(self, memory_format=None):
        return _to(self, dt, None)
    cast.__doc__ = f"Cast to {dt}."
    return cast


def type_as(self, other):
    """``self`` cast to ``other``'s dtype: ``self.to(other.dtype)`` (self itself when the dtype already matches)."""
    return _to(self, other.dtype, None)

register(to, clone, contiguous, copy_, type_as)
register(float=_caster(backend.float32), double=_caster(backend.float64), half=_caster(backend.float16),
         long=_caster(backend.int64), int=_caster(backend.int32), short=_caster(backend.int16),
         char=_caster(backend.int8), byte=_caster(backend.uint8), bool=_caster(backend.bool),
         cfloat=_caster(backend.complex64), cdouble=_caster(backend.complex128))


# ============================================================================================ predicates
def typename(obj):
    """The type name of ``obj``: a tensor's ``x.type()`` (e.g. 'reograd.FloatTensor'), else the
    qualified name of obj (or of its class), as ``torch.typename``."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = obj.__class__.__module__ or ""
        qualname = obj.__class__.__qualname__
    if module in ("", "builtins"):
        return qualname
    return f"{module}.{qualname}"


def is_signed(input):
    """True if input's dtype is signed (int8..int64, floats, complex); False for uint8 and bool."""
    check_tensor("is_signed", input)
    return input._data.dtype.kind in "ifc"


def is_nonzero(input):
    """True if the single element of ``input`` is nonzero (a one-element tensor only; else RuntimeError)."""
    check_tensor("is_nonzero", input)
    n = input._data.size
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous (shape "
                           f"{list(input.shape)})")
    return bool(input._data.reshape(-1)[0] != 0)


def is_same_size(input, other):
    """True if the two tensors have the same shape."""
    check_tensor("is_same_size", input)
    check_tensor("is_same_size", other, "other")
    return tuple(input._data.shape) == tuple(other._data.shape)

register(is_signed, is_nonzero, is_same_size)
