"""The array module, the dtype table, devices and type promotion.

Everything above this module talks to arrays through ``xp`` = ``get_array_module(array)``:
NumPy for ``device('cpu')``, CuPy for ``device('cuda')`` where CuPy and a GPU are present.
"""
from __future__ import annotations

import builtins as _builtins

import numpy as np

_pyfloat, _pyint, _pybool = _builtins.float, _builtins.int, _builtins.bool

# --------------------------------------------------------------------------------------
# array modules
# --------------------------------------------------------------------------------------
_cupy = None
_cupy_checked = False


def cupy_module():
    """CuPy if it imports and sees a GPU, else None (checked once, lazily: importing CuPy is slow)."""
    global _cupy, _cupy_checked
    if not _cupy_checked:
        _cupy_checked = True
        try:
            import cupy  # noqa: F401

            if cupy.cuda.runtime.getDeviceCount() > 0:
                _cupy = cupy
        except Exception:  # no CuPy, no driver, no device: CPU only
            _cupy = None
    return _cupy


def get_array_module(arr):
    """``numpy`` for NumPy arrays and scalars, ``cupy`` for CuPy arrays (Chainer's ``xp``)."""
    if type(arr) is np.ndarray:
        return np
    if _cupy is not None and isinstance(arr, _cupy.ndarray):
        return _cupy
    return np


ARRAY_TYPES = (np.ndarray,)


def is_array(x):
    return type(x) is np.ndarray or (_cupy is not None and isinstance(x, _cupy.ndarray))


# --------------------------------------------------------------------------------------
# dtypes
# --------------------------------------------------------------------------------------
BOOL, INT, FLOAT, COMPLEX = 0, 1, 2, 3  # promotion categories, lowest first


class dtype:
    """A tensor element type, printed and compared like ``torch.dtype`` (``reograd.float32``)."""

    __slots__ = ("name", "np", "category", "itemsize", "is_floating_point", "is_signed", "is_complex")

    def __init__(self, name, np_dtype, category):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category
        self.itemsize = self.np.itemsize
        self.is_floating_point = category == FLOAT
        self.is_complex = category == COMPLEX
        self.is_signed = self.np.kind in "fic"

    def __repr__(self):
        return "reograd." + self.name

    def __reduce__(self):  # pickles as the module-level singleton
        return (_dtype_by_name, (self.name,))

    def to_real(self):
        return {"complex64": float32, "complex128": float64}.get(self.name, self)

    def to_complex(self):
        return {"float32": complex64, "float64": complex128, "float16": complex64}.get(self.name, self)


float16 = half = dtype("float16", np.float16, FLOAT)
float32 = float = dtype("float32", np.float32, FLOAT)
float64 = double = dtype("float64", np.float64, FLOAT)
complex64 = cfloat = dtype("complex64", np.complex64, COMPLEX)
complex128 = cdouble = dtype("complex128", np.complex128, COMPLEX)
uint8 = dtype("uint8", np.uint8, INT)
int8 = dtype("int8", np.int8, INT)
int16 = short = dtype("int16", np.int16, INT)
int32 = int = dtype("int32", np.int32, INT)
int64 = long = dtype("int64", np.int64, INT)
bool = dtype("bool", np.bool_, BOOL)  # noqa: A001 (torch.bool)

ALL_DTYPES = (float16, float32, float64, complex64, complex128, uint8, int8, int16, int32, int64, bool)
_BY_NAME = {d.name: d for d in ALL_DTYPES}
_BY_NP = {d.np: d for d in ALL_DTYPES}
_BY_NP.update({d.np.type: d for d in ALL_DTYPES})


def _dtype_by_name(name):
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype):
    """The reograd dtype of a NumPy dtype; a clear error for types reograd does not have."""
    try:
        return _BY_NP[np_dtype]
    except (KeyError, TypeError):
        pass
    nd = np.dtype(np_dtype)
    if nd in _BY_NP:
        return _BY_NP[nd]
    if nd.kind == "u":  # uint16/32/64: widen to the signed type that holds them, as torch.from_numpy refuses
        raise TypeError(f"can't convert np.ndarray of type numpy.{nd.name}. The only supported types are: "
                        "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint8, and bool.")
    raise TypeError(f"reograd has no dtype for numpy.{nd.name}")


_default_dtype = float32


def get_default_dtype():
    """The dtype of tensors made from Python floats (float32 unless changed)."""
    return _default_dtype


def set_default_dtype(d):
    """Set the dtype of tensors made from Python floats; ``d`` must be a floating point dtype."""
    global _default_dtype
    d = as_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype: only floating-point dtypes are allowed, got {d}")
    _default_dtype = d


def as_dtype(d):
    """Accept a reograd dtype, a NumPy dtype/type, a name ('float32') or Python ``float``/``int``/``bool``."""
    if d is None or type(d) is dtype:
        return d
    if d is _pyfloat:
        return _default_dtype
    if d is _pyint:
        return int64
    if d is _pybool:
        return bool
    if isinstance(d, str):
        name = d.replace("torch.", "").replace("reograd.", "")
        aliases = {"float": "float32", "double": "float64", "half": "float16", "long": "int64",
                   "int": "int32", "short": "int16", "cfloat": "complex64", "cdouble": "complex128"}
        name = aliases.get(name, name)
        if name in _BY_NAME:
            return _BY_NAME[name]
        raise TypeError(f"unknown dtype name {d!r}")
    if type(d).__name__ == "dtype" and type(d).__module__ == "torch":
        return as_dtype(str(d))
    return from_numpy_dtype(d)


# --------------------------------------------------------------------------------------
# type promotion (PyTorch's rules, not NumPy's)
# --------------------------------------------------------------------------------------
_promote_cache = {}


def promote_types(a, b):
    """The smallest dtype both ``a`` and ``b`` convert to, by PyTorch's table.

    Unlike NumPy, a higher category wins outright: int64 with float16 gives float16.
    """
    key = (a, b)
    r = _promote_cache.get(key)
    if r is None:
        if a.category != b.category:
            r = a if a.category > b.category else b
            if r.category == COMPLEX:
                other = b if r is a else a
                if other is float64:
                    r = complex128
        else:
            r = _BY_NP[np.promote_types(a.np, b.np)]
        _promote_cache[key] = r
    return r


def scalar_category(x):
    """Category of a Python/NumPy scalar operand."""
    if isinstance(x, (_pybool, np.bool_)):
        return BOOL
    if isinstance(x, (_pyint, np.integer)):
        return INT
    if isinstance(x, complex):
        return COMPLEX
    return FLOAT


def result_type_from(dim_dtype, zero_dtype, scalar_cat):
    """Combine PyTorch's three promotion states: dimensioned tensors, 0-dim tensors, Python scalars.

    A 0-dim tensor or a scalar changes the result only when its category is higher than what the
    dimensioned tensors give; a scalar then contributes its category's default dtype.
    """
    r = dim_dtype
    if zero_dtype is not None:
        if r is None:
            r = zero_dtype
        elif zero_dtype.category > r.category:  # float tensors keep their width: float64 * 0-dim complex64 -> complex128
            r = r.to_complex() if zero_dtype.category == COMPLEX and r.category == FLOAT else zero_dtype
    if scalar_cat is not None:
        if r is not None and scalar_cat == COMPLEX and r.category == FLOAT:
            r = r.to_complex()  # float64 tensor * 1j gives complex128, as in PyTorch
        elif r is None or scalar_cat > r.category:
            r = (bool, int64, _default_dtype, _default_dtype.to_complex())[scalar_cat]
    return r


# --------------------------------------------------------------------------------------
# devices
# --------------------------------------------------------------------------------------
class device:
    """Where a tensor lives: ``device('cpu')`` (NumPy) or ``device('cuda', 0)`` (CuPy)."""

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):  # noqa: A002 (torch's argument name)
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, str) and ":" in type:
            type, idx = type.split(":", 1)
            index = _pyint(idx)
        elif isinstance(type, _pyint):
            type, index = "cuda", type
        if type not in ("cpu", "cuda", "meta"):
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {type}")
        self.type = type
        self.index = index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))


CPU = device("cpu")


def as_device(d):
    if d is None or type(d) is device:
        return d
    return device(d)


def xp_for_device(d):
    """Array module of a device; a clear error where CUDA was asked for but is absent."""
    if d is None or d.type == "cpu":
        return np
    if d.type == "cuda":
        cp = cupy_module()
        if cp is None:
            raise RuntimeError("device 'cuda' requested, but CuPy with a CUDA GPU is not available "
                               "(pip install cupy-cuda12x on a machine with an NVIDIA GPU)")
        return cp
    raise RuntimeError(f"unsupported device {d}")


def device_of(arr):
    if type(arr) is np.ndarray:
        return CPU
    return device("cuda", _pyint(arr.device.id))


def to_device_array(arr, d):
    """Copy ``arr`` to device ``d`` (no copy when already there)."""
    if d.type == "cpu":
        if type(arr) is np.ndarray:
            return arr
        return arr.get()
    cp = xp_for_device(d)
    with cp.cuda.Device(d.index or 0):
        return cp.asarray(arr)
