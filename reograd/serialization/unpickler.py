"""The restricted unpickler that reads PyTorch checkpoints, as ``torch.load(weights_only=True)``.

A pickle is a small program: it may name any importable function (``GLOBAL os system``) and call it
(``REDUCE``). This unpickler resolves names only from an allow-list -- PyTorch's tensor and storage
rebuild functions (reograd's own implementations, see ``storages.py``), ``OrderedDict``/``Counter``,
dtypes, ``torch.Size``, ``torch.device``, ``set``/``frozenset``/``bytearray``/``complex``, latin-1
``_codecs.encode`` (how protocol 2 stores bytes) -- plus what the caller allowed with
``reograd.serialization.add_safe_globals``. Any other name raises ``Refused`` naming it, before anything
is called: no ``__reduce__`` of the file's choosing ever runs.

It is Python's own pure-Python ``pickle._Unpickler`` (so that every opcode can be checked) with the
opcodes that act on objects narrowed: ``REDUCE``/``NEWOBJ``/``OBJ``/``INST`` call only
allowed callables, ``BUILD`` sets state only on the containers and tensors a checkpoint holds (or the
caller's allowed classes), ``APPEND(S)``/``SETITEM(S)``/``ADDITEMS`` act only on lists, dicts and sets.
"""
from __future__ import annotations

import _compat_pickle
import io
import pickle
from collections import Counter, OrderedDict

from .. import backend
from ..autograd.tensor import Size, Tensor
from . import allowlist
from ._errors import Corrupt, Refused, Unsupported
from .dtypes import QUANTIZED_STORAGES, TORCH_DTYPES, TORCH_STORAGES
from .storages import PARAMETER, TENSOR, StorageType, TorchDtype

__all__ = ["RestrictedUnpickler", "MAGIC_NUMBER", "PROTOCOL_VERSION"]

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C  # the first pickle of PyTorch's legacy (pre-1.6) format
PROTOCOL_VERSION = 1001

# Globals that are valid in a PyTorch file but stand for something reograd has no counterpart for.
_UNSUPPORTED = {
    "torch._utils._rebuild_qtensor": "a quantized tensor",
    "torch._utils._rebuild_sparse_tensor": "a sparse tensor",
    "torch._utils._rebuild_sparse_csr": "a sparse CSR tensor",
    "torch._utils._rebuild_nested_tensor": "a nested tensor",
    "torch._utils._rebuild_meta_tensor_no_storage": "a meta tensor (a tensor without data)",
    "torch._utils._rebuild_wrapper_subclass": "a tensor subclass without storage (DTensor, FakeTensor...)",
    "torch._utils._rebuild_device_tensor_from_numpy": "a tensor of a device saved through NumPy (XLA, MPS...)",
    "torch._utils._rebuild_xla_tensor": "an XLA tensor",
    "torch._utils._rebuild_mtia_tensor": "an MTIA tensor",
    "torch.serialization._get_layout": "a sparse tensor layout",
    "torch.float4_e2m1fn_x2": "a torch.float4_e2m1fn_x2 tensor (packed 4-bit floats)",
}
for _q in ("qint8", "quint8", "qint32", "quint4x2", "quint2x4", "bits1x8", "bits2x4", "bits4x2", "bits8", "bits16"):
    _UNSUPPORTED[f"torch.{_q}"] = f"a torch.{_q} tensor"
for _s in QUANTIZED_STORAGES:
    _UNSUPPORTED[f"torch.{_s}"] = f"a quantized storage (torch.{_s})"


def _encode(obj, encoding="latin1"):
    """``_codecs.encode`` as protocol 2 uses it for bytes: a str, latin-1 only."""
    if not isinstance(obj, str) or str(encoding).lower().replace("_", "-") not in ("latin1", "latin-1", "iso-8859-1"):
        raise Corrupt(f"_codecs.encode is allowed for latin-1 text only, got {type(obj).__name__}, {encoding!r}")
    return obj.encode("latin1")


def _bytearray(source=b"", *args):
    if isinstance(source, int):  # bytearray(n) would allocate n bytes of the file's choosing
        raise Corrupt("bytearray of a size (not of bytes) in the pickle")
    return bytearray(source, *args)


def _size(dims=()):
    dims = tuple(dims)
    if not all(type(d) is int for d in dims):
        raise Corrupt(f"torch.Size of {dims!r}")
    return Size(dims)


def _device(type="cpu", index=None):  # noqa: A002 (torch's argument name)
    if isinstance(type, str) and type.split(":", 1)[0] not in ("cpu", "cuda", "meta"):
        raise Unsupported(f"it holds the device {type!r}, which reograd has no counterpart for")
    if index is not None and not isinstance(index, int):
        raise Corrupt(f"torch.device index {index!r}")
    return backend.device(type, index)


def _allowed(rebuilder):
    """``{dotted name: object}`` of the built-in allow-list, with rebuild functions bound to ``rebuilder``."""
    table = {
        "collections.OrderedDict": OrderedDict, "collections.Counter": Counter,
        "builtins.set": set, "builtins.frozenset": frozenset, "builtins.bytearray": _bytearray,
        "builtins.complex": complex, "_codecs.encode": _encode,
        "torch.Size": _size, "torch.device": _device, "torch.Tensor": TENSOR,
        "torch.nn.parameter.Parameter": PARAMETER,
        "torch._utils._rebuild_tensor": rebuilder.rebuild_tensor,
        "torch._utils._rebuild_tensor_v2": rebuilder.rebuild_tensor_v2,
        "torch._utils._rebuild_tensor_v3": rebuilder.rebuild_tensor_v3,
        "torch._utils._rebuild_parameter": rebuilder.rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": rebuilder.rebuild_parameter_with_state,
        "torch._utils._rebuild_device_tensor_from_cpu_tensor": rebuilder.rebuild_device_tensor_from_cpu_tensor,
    }
    for name, etype in TORCH_DTYPES.items():
        try:
            table[f"torch.{name}"] = backend._dtype_by_name(etype.name)
        except KeyError:
            table[f"torch.{name}"] = TorchDtype(etype.name)
    for cls, dtype_name in TORCH_STORAGES.items():
        table[f"torch.{cls}"] = table[f"torch.cuda.{cls}"] = StorageType(cls, TORCH_DTYPES[dtype_name])
    table["torch.storage.UntypedStorage"] = table["torch.UntypedStorage"] = StorageType("UntypedStorage",
                                                                                       TORCH_DTYPES["uint8"])
    return table


def _hint(full):
    module = full.rsplit(".", 1)[0]
    if module.startswith(("torch.nn.modules", "torch.jit", "torch.optim")) or module == "__main__":
        return (" The file holds a pickled Python object (a whole model, an optimizer or a class of the script that "
                "saved it), not only tensors: reograd loads tensors and state dicts; in PyTorch, save "
                "model.state_dict() (and optimizer.state_dict()) instead.")
    if module.split(".")[0] == "numpy":
        return (" NumPy arrays and scalars inside a PyTorch checkpoint are refused, as torch.load(weights_only=True) "
                "refuses them; save tensors instead.")
    return ""


class RestrictedUnpickler(pickle._Unpickler):
    """Unpickle ``data`` (bytes or a binary file) resolving globals from the allow-list only.

    ``rebuilder``: the ``storages.Rebuilder`` whose functions build tensors; ``persistent_load``: the
    container's function for persistent ids (storages), or None when the pickle may hold none.
    """

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, data, rebuilder, persistent_load=None, encoding="ASCII"):
        file = io.BytesIO(data) if isinstance(data, (bytes, bytearray, memoryview)) else data
        super().__init__(file, encoding=encoding)
        self.rebuilder = rebuilder
        self._pload = persistent_load
        self.globals = _allowed(rebuilder)
        user = allowlist.lookup()
        self.globals.update(user)
        self._user = {id(v) for v in user.values()}
        self._user_types = {id(v) for v in user.values() if isinstance(v, type)}
        self._callables = {id(v) for v in self.globals.values() if callable(v) and not isinstance(v, type)} | {
            id(OrderedDict), id(Counter), id(set), id(frozenset), id(complex)} | self._user
        self._classes = {id(OrderedDict), id(Counter), id(set), id(frozenset), id(complex)} | self._user_types

    def persistent_load(self, pid):
        if self._pload is None:
            raise Corrupt(f"unexpected persistent id {pid!r} in the pickle")
        return self._pload(pid)

    def find_class(self, module, name):
        if (module, name) in _compat_pickle.NAME_MAPPING:  # Python 2 names, as pickle itself maps them
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        full = f"{module}.{name}"
        obj = self.globals.get(full)
        if obj is not None:
            return obj
        if full in _UNSUPPORTED:
            raise Unsupported(f"it holds {_UNSUPPORTED[full]} ({full}), which reograd does not support")
        raise Refused(f"its pickle asks for the global {full!r}, which is not on reograd's allow-list, so the file "
                      f"was not loaded (nothing from it was run).{_hint(full)} If you trust this file, allow the "
                      "global with reograd.serialization.add_safe_globals([...]) or inside "
                      "`with reograd.serialization.safe_globals([...]):`.", name=full)

    # ----------------------------------------------------------------- opcodes that act on objects
    def _call(self, func, args):
        if id(func) not in self._callables:
            raise Corrupt(f"the pickle calls {type(func).__name__} object {func!r:.80}, which is not an allowed "
                          "function")
        if not isinstance(args, tuple):
            raise Corrupt("the pickle calls a function with arguments that are not a tuple")
        return func(*args)

    def load_reduce(self):
        args = self.stack.pop()
        self.stack[-1] = self._call(self.stack[-1], args)

    def load_newobj(self):
        args = self.stack.pop()
        cls = self.stack.pop()
        self.append(self._new(cls, args, {}))

    def load_newobj_ex(self):
        kwargs = self.stack.pop()
        args = self.stack.pop()
        cls = self.stack.pop()
        self.append(self._new(cls, args, kwargs))

    def _new(self, cls, args, kwargs):
        if id(cls) not in self._classes or not isinstance(args, tuple) or not isinstance(kwargs, dict):
            raise Corrupt(f"the pickle creates an object of {cls!r:.80}, which is not an allowed class")
        return cls.__new__(cls, *args, **kwargs)

    def load_obj(self):
        args = self.pop_mark()
        cls = args.pop(0)
        self.append(self._call(cls, tuple(args)))

    def load_inst(self):
        module = self.readline()[:-1].decode("ascii")
        name = self.readline()[:-1].decode("ascii")
        cls = self.find_class(module, name)
        self.append(self._call(cls, tuple(self.pop_mark())))

    def load_build(self):
        state = self.stack.pop()
        inst = self.stack[-1]
        if inst is None and self.rebuilder.collecting:
            return
        if id(type(inst)) in self._user_types:
            self.stack.append(state)
            return super().load_build()
        if isinstance(inst, Tensor):
            return self.rebuilder.set_state(inst, state)
        if type(inst) not in (OrderedDict, Counter):
            raise Corrupt(f"the pickle sets the state of a {type(inst).__name__}, which checkpoints never do")
        if isinstance(state, tuple) and len(state) == 2 and not state[1]:
            state = state[0]
        if state is None:
            return
        if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
            raise Corrupt(f"the pickle sets the state of an {type(inst).__name__} to a {type(state).__name__}")
        inst.__dict__.update(state)  # e.g. a state dict's _metadata

    def _top(self, kind):
        target = self.stack[-1]
        if not isinstance(target, kind):
            raise Corrupt(f"the pickle adds items to a {type(target).__name__}, not a {kind.__name__}")
        return target

    def load_append(self):
        value = self.stack.pop()
        self._top(list).append(value)

    def load_appends(self):
        items = self.pop_mark()
        self._top(list).extend(items)

    def load_setitem(self):
        value = self.stack.pop()
        key = self.stack.pop()
        self._top(dict)[key] = value

    def load_setitems(self):
        items = self.pop_mark()
        target = self._top(dict)
        if len(items) % 2:
            raise Corrupt("SETITEMS with an odd number of items")
        for i in range(0, len(items), 2):
            target[items[i]] = items[i + 1]

    def load_additems(self):
        items = self.pop_mark()
        self._top(set).update(items)

    def load_from_type_v2(self, func, new_type, args, state):
        """``torch._tensor._rebuild_from_type_v2``: ``func(*args)``, as a tensor (subclass types are dropped)."""
        t = self._call(func, tuple(args) if isinstance(args, (tuple, list)) else args)
        if t is None and self.rebuilder.collecting:
            return None
        if not isinstance(t, Tensor):
            raise Corrupt(f"_rebuild_from_type_v2 built a {type(t).__name__}, not a tensor")
        self.rebuilder.set_state(t, state)
        return t


for _op, _method in [(pickle.REDUCE, "load_reduce"), (pickle.NEWOBJ, "load_newobj"),
                     (pickle.NEWOBJ_EX, "load_newobj_ex"), (pickle.OBJ, "load_obj"), (pickle.INST, "load_inst"),
                     (pickle.BUILD, "load_build"), (pickle.APPEND, "load_append"), (pickle.APPENDS, "load_appends"),
                     (pickle.SETITEM, "load_setitem"), (pickle.SETITEMS, "load_setitems"),
                     (pickle.ADDITEMS, "load_additems")]:
    RestrictedUnpickler.dispatch[_op[0]] = getattr(RestrictedUnpickler, _method)


def unpickle(data, rebuilder, persistent_load=None, encoding="ASCII"):
    """One object from ``data`` (bytes or a binary file positioned at a pickle) through the restricted unpickler."""
    up = RestrictedUnpickler(data, rebuilder, persistent_load, encoding)
    up.globals["torch._tensor._rebuild_from_type_v2"] = up.load_from_type_v2
    up._callables.add(id(up.globals["torch._tensor._rebuild_from_type_v2"]))
    return up.load()
