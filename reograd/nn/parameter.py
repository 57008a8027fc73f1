"""``Parameter`` (a tensor a Module learns), ``Buffer`` (module state that is not learned) and
``UninitializedParameter`` (a parameter whose shape is known only at the first forward, for lazy modules).

As in PyTorch: ``Parameter(t)`` shares ``t``'s data and requires grad by default; assigning a
Parameter to a Module attribute registers it, and ``Buffer(t)`` does the same for buffers.
"""
from __future__ import annotations

from .. import backend
from ..autograd.tensor import Tensor

__all__ = ["Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer", "is_lazy"]


class Parameter(Tensor):
    """A tensor that is a module parameter (``torch.nn.Parameter``).

    Args:
        data: the tensor to wrap (its data is shared, not copied). Default: an empty tensor.
        requires_grad: whether the parameter requires gradient. Default: True.

    >>> p = Parameter(reograd.zeros(3))
    >>> p.requires_grad
    True
    """

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = Tensor._make(backend.get_array_module(None).empty((0,), dtype=backend.get_default_dtype().np))
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): expected a Tensor as data, got {type(data).__name__}")
        return Tensor._make_subclass(cls, data, requires_grad)

    def __init__(self, data=None, requires_grad=True):  # everything happens in __new__
        pass

    def __repr__(self):
        return "Parameter containing:\n" + Tensor.__repr__(self)

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        new = type(self).__new__(type(self), Tensor._make(self._data.copy()), self._requires_grad)
        if self._grad is not None:
            new._grad = Tensor._make(self._grad._data.copy())
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self._host(), self._requires_grad, type(self)))


def _rebuild_parameter(arr, requires_grad, cls=Parameter):
    import numpy as np  # noqa: PLC0415

    return cls(Tensor._make(np.array(arr)), requires_grad)


class _BufferMeta(type):
    """``isinstance(t, Buffer)`` is true for tensors made by ``Buffer(...)``, as in PyTorch."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and getattr(obj, "_is_buffer", False)


class Buffer(metaclass=_BufferMeta):
    """Marks a tensor as a module buffer: ``self.running_mean = Buffer(reograd.zeros(3))`` registers it
    (like ``register_buffer``). ``persistent=False`` keeps it out of ``state_dict``.

    ``Buffer(data)`` returns a detached tensor sharing ``data``'s memory, flagged as a buffer.
    """

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = Tensor._make(backend.get_array_module(None).empty((0,), dtype=backend.get_default_dtype().np))
        t = data.detach()
        t._is_buffer = True
        t.persistent = persistent
        return t


class UninitializedTensorMixin:
    """Shared by the uninitialized parameter/buffer of lazy modules: most ops are refused until
    ``materialize(shape)`` gives it real data."""

    cls_to_become = Parameter

    def materialize(self, shape, device=None, dtype=None):
        """Allocate uninitialised data of ``shape`` and turn into a normal Parameter (or tensor)."""
        if isinstance(shape, int):
            shape = (shape,)
        dt = backend.as_dtype(dtype) or self.dtype
        xp = backend.xp_for_device(backend.as_device(device) or self.device)
        self._data = xp.empty(tuple(shape), dtype=dt.np)
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. This error usually "
                           "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
                           "initialized one. Call `forward` to initialize the parameters before accessing their "
                           "attributes.")

    def share_memory_(self):
        raise RuntimeError("Can't share memory on an uninitialized parameter or buffer.")

    def __repr__(self):
        return f"<{type(self).__name__}>"

    __str__ = __repr__


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A parameter not yet initialized (its shape is unknown); lazy modules materialize it at the first call."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        dt = backend.as_dtype(dtype) or backend.get_default_dtype()
        xp = backend.xp_for_device(backend.as_device(device) or backend.device("cpu"))
        return Parameter.__new__(cls, Tensor._make(xp.empty((0,), dtype=dt.np)), requires_grad)

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self._requires_grad, self.device, self.dtype)
        return memo[id(self)]


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer not yet initialized (lazy modules)."""

    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None):
        dt = backend.as_dtype(dtype) or backend.get_default_dtype()
        t = object.__new__(cls)
        Tensor._init(t, backend.xp_for_device(backend.as_device(device) or backend.device("cpu")).empty(
            (0,), dtype=dt.np), requires_grad)
        return t

    def __init__(self, requires_grad=False, device=None, dtype=None):
        pass


def is_lazy(param):
    """True for an uninitialized parameter/buffer."""
    return isinstance(param, UninitializedTensorMixin)
