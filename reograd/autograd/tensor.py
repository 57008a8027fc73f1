"""``Tensor``: an n-dimensional array that records how it was computed, for automatic differentiation.

This file holds the data model (storage, dtype, device, autograd metadata, conversions, printing)
and the metadata of views. The operations are written in ``reograd/ops``, each op's forward and
backward side by side, and become Tensor methods through one registry (``reograd/ops/registry.py``).

Two parts of the data model need the machinery built on top of Tensor, and import it when they
run (not at import time): ``backward()`` calls the engine, and reading ``grad_fn`` of a view whose
base changed in place remakes its node (``views.py``).
"""
from __future__ import annotations

import operator
import weakref

import numpy as np

from .. import backend
from ._repr import tensor_repr
from .convert import as_array
from .graph import AccumulateGrad, add_hook
from .grad_mode import state as _state


class Size(tuple):
    """The shape of a tensor: a tuple that prints as ``reograd.Size([2, 3])``."""

    __slots__ = ()

    def __repr__(self):
        return f"reograd.Size({list(self)})"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, item):
        r = tuple.__getitem__(self, item)
        return Size(r) if isinstance(item, slice) else r


class Tensor:
    """A multi-dimensional array with autograd, like ``torch.Tensor``.

    ``Tensor(data)`` makes a float tensor from data (as ``torch.Tensor`` does); ``Tensor(2, 3)`` an
    uninitialised 2x3 float tensor. Prefer ``reograd.tensor(data)``, which infers the dtype.
    """

    # A dict, so slots can carry docstrings (shown by ``help()``); the slot layout and attribute
    # access are the same as with a tuple. Internal hot paths read and write ``_grad_fn``; the
    # public ``grad_fn`` property first brings a view whose base changed in place up to date.
    __slots__ = {
        "_data": "The backend (NumPy/CuPy) array; layers above ``ops`` read it through ``_array()``.",
        "_requires_grad": None, "_grad": None,
        "_grad_fn": "The graph node as stored (``grad_fn`` reads it after bringing a view up to date).",
        "_output_nr": None,
        "_version_counter": "``[n]``, shared by a tensor and its views: bumped by every in-place change.",
        "_base": "The tensor a view shares memory with (always a non-view), or None.",
        "_hooks": "``{id: hook}`` of ``register_hook`` on a leaf (a non-leaf keeps them on its node).",
        "_post_accumulate_hooks": "``{id: hook}`` of ``register_post_accumulate_grad_hook``.",
        "_retains_grad": None,
        "_accumulator": "A weak reference to the leaf's AccumulateGrad node, while one exists.",
        "_fw_grad": "The forward-mode tangent, inside a ``forward_ad.dual_level``.",
        # set only on views (where ``_base`` is set), so plain tensors pay nothing for them
        "_view_version": "A view's version counter value when its ``_grad_fn`` was last made to match its base.",
        "_view_creation": "How a view was created: DEFAULT, NO_GRAD, MULTI_OUTPUT or INFERENCE (below).",
        # user attributes, as on PyTorch tensors (``nn.Buffer`` marks tensors this way)
        "__weakref__": None, "__dict__": None,
    }

    __array_priority__ = 1000  # numpy scalars/arrays defer to our reflected operators

    def __init__(self, *args, dtype=None, device=None, requires_grad=False):
        dt = backend.as_dtype(dtype) or backend.get_default_dtype()
        if len(args) == 0:
            arr = np.empty((0,), dtype=dt.np)
        elif all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
            arr = np.empty(tuple(int(a) for a in args), dtype=dt.np)
        elif len(args) == 1:
            arr = array_from(args[0], dt, backend.as_device(device))
        else:
            raise TypeError(f"Tensor(): expected data or sizes, got {args!r}")
        self._init(arr, requires_grad)

    @staticmethod
    def _make(arr, requires_grad=False, grad_fn=None, output_nr=0, version_counter=None):
        """Internal constructor: wraps an array as is (no copy, no checks). The one place that lists
        the fields every tensor starts with (``_init`` copies them)."""
        t = object.__new__(Tensor)
        if type(arr) is not np.ndarray and not backend.is_array(arr):
            arr = np.asarray(arr)
        t._data = arr
        t._requires_grad = requires_grad
        t._grad = None
        t._grad_fn = grad_fn
        t._output_nr = output_nr
        t._version_counter = [0] if version_counter is None else version_counter
        t._base = None
        t._hooks = None
        t._post_accumulate_hooks = None
        t._retains_grad = False
        t._accumulator = None
        t._fw_grad = None
        return t

    @staticmethod
    def _make_subclass(cls, data, require_grad=False):
        """A new ``cls`` (a Tensor subclass) sharing ``data``'s array and version counter, outside the graph
        (as PyTorch's ``Tensor._make_subclass``, which ``Parameter`` uses)."""
        t = object.__new__(cls)
        t._init(data._data, False, None, 0, data._version_counter)
        if require_grad:
            t.requires_grad_(True)
        return t

    def _init(self, arr, requires_grad=False, grad_fn=None, output_nr=0, version_counter=None):
        """Give ``self`` (a new instance of a subclass, e.g. a Parameter) the fields ``_make`` sets."""
        made = Tensor._make(arr, requires_grad, grad_fn, output_nr, version_counter)
        for name in _MADE_FIELDS:
            object.__setattr__(self, name, getattr(made, name))

    # ----------------------------------------------------------------- autograd metadata
    @property
    def requires_grad(self):
        """True if gradients need to be computed for this tensor, False otherwise.

        Settable on leaves (``t.requires_grad = True``, as ``requires_grad_``); only floating point
        and complex tensors can require gradients. A result of an op requires grad when any of its
        inputs does (outside ``no_grad``). A view also requires grad when its base does (even one
        taken under ``no_grad``, as in PyTorch).
        """
        if self._requires_grad:
            return True
        base = self._base
        return base is not None and base._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        """Set whether autograd records operations on this (leaf) tensor; returns self."""
        requires_grad = bool(requires_grad)
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError(
                f"only Tensors of floating point and complex dtype can require gradients "
                f"(got a tensor of dtype {self.dtype}, shape {tuple(self.shape)})")
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        self._requires_grad = requires_grad
        return self

    @property
    def grad_fn(self):
        """The autograd node (backward Function) that produced this tensor, or None.

        None for leaves (tensors made by the user, parameters) and for tensors computed without
        recording a graph; otherwise the node whose backward receives this tensor's gradient, e.g.
        ``(a * b).grad_fn`` is a ``MulBackward0``. For a view whose base (or another view of that
        base) has since been modified in place, the node is first remade as a view of the base's
        current graph (an ``AsStridedBackward0``), as in PyTorch.
        """
        if self._base is not None and self._view_version != self._version_counter[0]:
            self._sync_view()
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, node):
        # (PyTorch's grad_fn is read-only; internal code that sets it directly keeps working)
        self._grad_fn = node

    @property
    def is_leaf(self):
        """True for tensors not produced by a recorded op (user-made tensors, parameters)."""
        return self.grad_fn is None

    @property
    def grad(self):
        """The gradient accumulated by ``backward`` (leaves, and tensors that called ``retain_grad``)."""
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(f"assigned grad has data of a different size: grad shape "
                                   f"{tuple(value.shape)}, tensor shape {tuple(self.shape)}")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(f"assigned grad has data of a different type: grad {value.dtype}, "
                                   f"tensor {self.dtype}")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def output_nr(self):
        """Which output of its ``grad_fn`` this tensor is (0 for single-output ops and for leaves)."""
        return self._output_nr

    @property
    def _version(self):
        """How many times this tensor (or a view of its memory) was changed in place, as PyTorch's."""
        return self._version_counter[0]

    # The small internal API that layers above ``ops`` (nn, optim, train, vision, ...) use instead of
    # reaching into the slots: the backend array itself (no copy), and "this was changed in place".
    def _array(self):
        """The backend (NumPy/CuPy) array holding this tensor's data, without a copy."""
        return self._data

    def _bump_version(self):
        """Record an in-place change made directly on ``_array()`` (saved-tensor checks see it)."""
        self._version_counter[0] += 1

    def _sync_view(self):
        """This view's base (or another view of it) changed in place since its node was made: remake
        the node as a view of the base's current graph (``views.sync_view``)."""
        from .views import sync_view  # noqa: PLC0415  (views.py builds on Tensor and Function)

        sync_view(self)

    def _edge(self):
        """Where a gradient for this tensor goes: ``(grad_fn, output_nr)``, or its AccumulateGrad."""
        if self._base is not None and self._view_version != self._version_counter[0]:
            self._sync_view()
        if self._grad_fn is not None:
            return (self._grad_fn, self._output_nr)
        acc = self._accumulator() if self._accumulator is not None else None
        if acc is None:
            acc = AccumulateGrad(self)
            self._accumulator = weakref.ref(acc)
        return (acc, 0)

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self._retains_grad = True
            node = self.grad_fn
            if node.__dict__.get("_retain") is None:
                node._retain = {}
            node._retain[self._output_nr] = weakref.ref(self)

    @property
    def retains_grad(self):
        """True if this is a non-leaf tensor whose ``.grad`` is kept by ``backward`` (see ``retain_grad``)."""
        return self._retains_grad

    def register_hook(self, hook):
        """``hook(grad) -> Tensor or None`` runs when this tensor's gradient is computed.

        Returning a tensor replaces the gradient. Returns a handle with ``remove()``.
        """
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            node = self.grad_fn
            if node.__dict__.get("_tensor_hooks") is None:
                node._tensor_hooks = {}
            hooks = node._tensor_hooks.setdefault(self._output_nr, {})
        else:
            if self._hooks is None:
                self._hooks = {}
            hooks = self._hooks
        return add_hook(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """``hook(tensor)`` runs after a leaf's ``.grad`` has been accumulated."""
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = {}
        return add_hook(self._post_accumulate_hooks, hook)

    def detach(self):
        """A new tensor sharing this one's data (and version counter), cut from the graph."""
        return Tensor._make(self._data, False, None, 0, self._version_counter)

    def detach_(self):
        """Cut this tensor from the graph, in place (it becomes a leaf)."""
        if self._base is not None and self.grad_fn is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self._grad_fn = None
        self._requires_grad = False
        self._output_nr = 0
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

        ``gradient`` (same shape as self) is required unless self has one element; it is the
        vector of the vector-Jacobian product. See ``reograd.autograd.backward``.
        """
        from .engine import backward as _backward  # noqa: PLC0415  (the engine builds on Tensor)

        _backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # ----------------------------------------------------------------- data and metadata
    @property
    def data(self):
        """This tensor's data as a tensor outside the graph (changes to it are not tracked)."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self._data = value._data

    @property
    def shape(self):
        """The size of each dimension as a ``reograd.Size`` (a tuple), the same as ``size()``.

        Example::

            >>> reograd.zeros(2, 3).shape
            reograd.Size([2, 3])
        """
        return Size(self._data.shape)

    def size(self, dim=None):
        """The shape as a ``Size``, or the length of dimension ``dim``."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[self._wrap_dim(dim)]

    def dim(self):
        """The number of dimensions of this tensor (0 for a scalar tensor); ``ndimension`` is an alias."""
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self):
        """The number of dimensions of this tensor, as ``dim()``."""
        return self._data.ndim

    def numel(self):
        """The total number of elements, the product of the shape (1 for a 0-dim tensor); ``nelement`` is an alias."""
        return int(self._data.size)

    nelement = numel

    def element_size(self):
        """The size in bytes of one element (4 for float32, 8 for int64, 1 for bool)."""
        return self._data.itemsize

    @property
    def nbytes(self):
        """The number of bytes the elements take: ``numel() * element_size()``."""
        return self._data.nbytes

    @property
    def itemsize(self):
        """The size in bytes of one element, as ``element_size()``."""
        return self._data.itemsize

    @property
    def dtype(self):
        """The data type of the elements, a ``reograd.dtype`` such as ``reograd.float32`` or ``reograd.int64``."""
        return backend._BY_NP[self._data.dtype]

    @property
    def device(self):
        """The ``reograd.device`` where this tensor's data is: ``device('cpu')`` or ``device('cuda', i)``."""
        return backend.device_of(self._data)

    @property
    def is_cuda(self):
        """True if the tensor is stored on the GPU (a CuPy array), False otherwise."""
        return type(self._data) is not np.ndarray

    @property
    def is_cpu(self):
        """True if the tensor is stored in host memory (a NumPy array), False otherwise."""
        return type(self._data) is np.ndarray

    @property
    def layout(self):
        """The memory layout: always ``"strided"`` (dense tensors only; torch's ``torch.strided``)."""
        return "strided"

    def is_floating_point(self):
        """True if the data type is a floating point type (float16, float32, float64)."""
        return self._data.dtype.kind == "f"

    def is_complex(self):
        """True if the data type is a complex type (complex64, complex128)."""
        return self._data.dtype.kind == "c"

    @property
    def is_sparse(self):
        """True if the tensor uses a sparse layout: always False (reograd tensors are dense)."""
        return False

    @property
    def is_quantized(self):
        """True if the tensor is quantized: always False (reograd has no quantized tensors)."""
        return False

    @property
    def is_meta(self):
        """True if the tensor is a meta tensor (shape and dtype only, no data): always False."""
        return False

    def get_device(self):
        """The index of the GPU holding this tensor; -1 for a CPU tensor."""
        return -1 if self.is_cpu else self.device.index

    def stride(self, dim=None):
        """Strides in elements (NumPy's are in bytes)."""
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[self._wrap_dim(dim)]

    def storage_offset(self):
        """The offset of the first element in the underlying storage, in elements: always 0 here.

        A view's data already starts at its first element (NumPy views carry no separate offset),
        so ``data_ptr()`` rather than this tells where a view begins.
        """
        return 0

    def data_ptr(self):
        """The memory address of the first element, as an int (views of one tensor share its memory)."""
        return self._data.__array_interface__["data"][0] if self.is_cpu else self._data.data.ptr

    def is_contiguous(self, memory_format=None):
        """True if the elements are laid out in memory in row-major (C) order with no gaps.

        A transpose or a strided slice is a non-contiguous view; ``contiguous()`` makes a copy that
        is. ``memory_format`` is accepted for PyTorch compatibility and ignored.
        """
        return bool(self._data.flags.c_contiguous)

    def _wrap_dim(self, dim, ndim=None):
        return wrap_dim(dim, self._data.ndim if ndim is None else ndim)

    # ----------------------------------------------------------------- conversions
    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item() if self.is_cpu else self._data.reshape(()).get().item()

    def tolist(self):
        """Nested Python lists of Python numbers (a number for a 0-dim tensor)."""
        return self._host().tolist()

    def numpy(self, force=False):
        """The data as a NumPy array sharing memory (CPU tensors not requiring grad, unless ``force``)."""
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        if not self.is_cpu:
            if not force:
                raise TypeError("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy "
                                "the tensor to host memory first.")
            return self._data.get()
        return self._data

    def _host(self):
        return self._data if self.is_cpu else self._data.get()

    def __array__(self, dtype=None, copy=None):
        arr = self._host()
        if dtype is not None:
            arr = arr.astype(dtype, copy=False)
        return arr

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self._data.size} values is ambiguous")
        return bool(self._data.reshape(()))

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __complex__(self):
        return complex(self.item())

    def __hash__(self):
        return id(self)

    def __reduce_ex__(self, protocol):
        # pickling (used by DataLoader workers): data, requires_grad; no graph
        return (_rebuild_tensor, (self._host(), self._requires_grad, type(self)))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the "
                               "deepcopy protocol at the moment.")
        new = type(self).__new__(type(self))
        Tensor._init(new, self._data.copy(), self._requires_grad)
        if type(self) is not Tensor and hasattr(self, "__dict__"):
            for k, v in self.__dict__.items():
                new.__dict__[k] = v
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = new
        return new

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __repr__(self):
        return tensor_repr(self)

    __str__ = __repr__

    def type(self, dtype=None, non_blocking=False):
        """With no argument, the type name ('reograd.FloatTensor'); else a cast to ``dtype``."""
        if dtype is None:
            return "reograd." + _TYPE_NAMES[self.dtype.name]
        if isinstance(dtype, str):
            for k, v in _TYPE_NAMES.items():
                if dtype.endswith(v):
                    dtype = k
                    break
        elif isinstance(dtype, type) and issubclass(dtype, Tensor) and hasattr(dtype, "_dtype"):
            dtype = dtype._dtype
        return self.to(backend.as_dtype(dtype))

    def cpu(self):
        """This tensor in CPU memory: self if it is already there, else a copy (differentiable)."""
        return self.to("cpu")

    def cuda(self, device=None, non_blocking=False):
        """This tensor in GPU memory (needs CuPy): self if it is already on that GPU, else a copy.

        ``device``: a GPU index, a device string or a ``reograd.device`` (None: the current GPU).
        ``non_blocking`` is accepted for PyTorch compatibility and ignored.
        """
        return self.to(backend.device("cuda", device if isinstance(device, int) else None)
                       if not isinstance(device, (str, backend.device)) else device)

    def pin_memory(self):
        """Copy to page-locked host memory in PyTorch; here it returns self (nothing to pin on NumPy)."""
        return self

    def is_pinned(self):
        """True if the tensor is in pinned (page-locked) host memory: always False (see ``pin_memory``)."""
        return False

    def share_memory_(self):
        """Move the storage to shared memory in PyTorch; here a no-op that returns self.

        DataLoader workers send tensors back by pickling, so no shared storage is needed.
        """
        return self

    def is_shared(self):
        """True if the storage is in shared memory: always False (see ``share_memory_``)."""
        return False

    def is_inference(self):
        """True if this is an inference tensor (made under ``inference_mode``): always False here, as a
        method (``t.is_inference()``), as in PyTorch."""
        return False

    def __setstate__(self, state):
        raise RuntimeError("use reograd.load to restore tensors")


_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
               "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor",
               "uint8": "ByteTensor", "bool": "BoolTensor", "complex64": "ComplexFloatTensor",
               "complex128": "ComplexDoubleTensor"}


def _rebuild_tensor(arr, requires_grad, cls=None):
    t = Tensor._make(np.array(arr))
    if cls is not None and cls is not Tensor:
        t2 = cls.__new__(cls)
        Tensor._init(t2, t._data, requires_grad)
        return t2
    t._requires_grad = requires_grad
    return t


def _typed_tensor_class(name, dt):
    """``FloatTensor``, ``LongTensor``...: constructors of a fixed dtype; ``isinstance`` checks the dtype."""

    class _Meta(type):
        def __instancecheck__(cls, obj):
            return isinstance(obj, Tensor) and obj.dtype is dt

    def __new__(cls, *args, **kwargs):
        kwargs["dtype"] = dt
        return Tensor(*args, **kwargs)

    return _Meta(name, (), {"__new__": __new__, "_dtype": dt, "__doc__": f"Tensor of dtype {dt}."})


FloatTensor = _typed_tensor_class("FloatTensor", backend.float32)
DoubleTensor = _typed_tensor_class("DoubleTensor", backend.float64)
HalfTensor = _typed_tensor_class("HalfTensor", backend.float16)
LongTensor = _typed_tensor_class("LongTensor", backend.int64)
IntTensor = _typed_tensor_class("IntTensor", backend.int32)
ShortTensor = _typed_tensor_class("ShortTensor", backend.int16)
CharTensor = _typed_tensor_class("CharTensor", backend.int8)
ByteTensor = _typed_tensor_class("ByteTensor", backend.uint8)
BoolTensor = _typed_tensor_class("BoolTensor", backend.bool)


def wrap_dim(dim, ndim, op=None):
    """``dim`` as an index into the dims of an ``ndim``-dim tensor: negative dims count from the end, and a
    0-d tensor takes 0 and -1, as in PyTorch. Out of range: PyTorch's IndexError, prefixed by ``op``."""
    m = max(ndim, 1)
    if type(dim) is not int:
        try:
            dim = operator.index(dim)
        except TypeError:
            raise TypeError(f"{op + ': ' if op else ''}dim must be an int, got {type(dim).__name__}") from None
    if not -m <= dim < m:
        raise IndexError(f"{op + ': ' if op else ''}Dimension out of range (expected to be in range of [{-m}, "
                         f"{m - 1}], but got {dim})")
    return dim % m


_MADE_FIELDS = ("_data", "_requires_grad", "_grad", "_grad_fn", "_output_nr", "_version_counter", "_base", "_hooks",
                "_post_accumulate_hooks", "_retains_grad", "_accumulator", "_fw_grad")


def array_from(data, dt=None, device=None, copy=True):
    """``data`` (a Tensor, an array, numbers, nested lists) as a backend array of dtype ``dt`` (see
    ``convert.as_array``); a tensor's array is copied (or cast), unless ``copy=False`` and no cast is needed."""
    if isinstance(data, Tensor):
        arr = data._data
        if dt is not None and arr.dtype != dt.np:
            arr = arr.astype(dt.np)
        elif copy:
            arr = arr.copy()
        return backend.to_device_array(arr, device) if device is not None else arr
    return as_array(data, dt, device, copy)


# --------------------------------------------------------------------------------------
# views: a view shares its base's memory and version counter (PyTorch's view metadata)
# --------------------------------------------------------------------------------------
# how a view was made (PyTorch's CreationMeta): in-place changes through it are refused unless DEFAULT
DEFAULT, NO_GRAD, MULTI_OUTPUT, INFERENCE = 0, 1, 2, 3


def creation_meta(multi):
    """How a view made now is marked: under no_grad / inference_mode, or as one of several outputs."""
    if _state.inference:
        return INFERENCE
    if not _state.grad_enabled:
        return NO_GRAD
    return MULTI_OUTPUT if multi else DEFAULT


def mark_view(t, src, cm):
    """Make ``t`` a view of ``src`` (of src's base when src is itself a view), made in way ``cm``."""
    t._version_counter = src._version_counter
    t._view_version = src._version_counter[0]
    if src._base is None:
        t._base = src
        t._view_creation = cm
    else:
        t._base = src._base
        # a view of a view keeps the inner view's restriction (an inference-mode one above all)
        t._view_creation = cm if cm and src._view_creation != INFERENCE else src._view_creation
