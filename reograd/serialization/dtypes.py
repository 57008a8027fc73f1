"""Element types of PyTorch and safetensors files, and how each becomes a reograd array.

reograd's dtypes (float16/32/64, complex64/128, int8/16/32/64, uint8, bool) load as they are. The types it
has no counterpart for are widened exactly: bfloat16 and the 8-bit and 4-bit floats to float32, complex32
to complex64, uint16 to int32, uint32 and uint64 to int64 (uint64 only when every value fits). ``decode``
does the conversion from the raw bytes, ``ElementType`` describes one type.

The 8-bit float formats (exponent bias, no infinities in the ``fn`` variants, NaN encodings, ``fnuz``:
no negative zero, 0x80 is NaN) follow the OCP 8-bit floating point specification and the "FP8 formats
for deep learning" paper; float8_e8m0fnu is a bare exponent 2**(e - 127), 0xFF NaN; float4_e2m1 (F4)
holds two values per byte, the first in the low nibble.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = ["ElementType", "TORCH_DTYPES", "TORCH_STORAGES", "SAFETENSORS", "decode"]


class ElementType:
    """One element type: ``name`` (PyTorch's), ``raw`` (the NumPy dtype of its bytes, little-endian),
    ``target`` (the reograd dtype name it loads as), ``exact`` (True when no conversion is needed)."""

    __slots__ = ("name", "raw", "target")

    def __init__(self, name, raw, target):
        self.name, self.raw, self.target = name, raw, target

    def __repr__(self):
        return f"ElementType({self.name!r}, {self.raw!r}, {self.target!r})"

    @property
    def exact(self):
        return np.dtype(self.raw) == np.dtype(_NP_OF[self.target])

    @property
    def itemsize(self):
        return np.dtype(self.raw).itemsize


_NP_OF = {"float16": "<f2", "float32": "<f4", "float64": "<f8", "complex64": "<c8", "complex128": "<c16",
          "int8": "i1", "int16": "<i2", "int32": "<i4", "int64": "<i8", "uint8": "u1", "bool": "?"}

TORCH_DTYPES = {name: ElementType(name, raw, target) for name, raw, target in [
    ("float16", "<f2", "float16"), ("float32", "<f4", "float32"), ("float64", "<f8", "float64"),
    ("complex64", "<c8", "complex64"), ("complex128", "<c16", "complex128"), ("int8", "i1", "int8"),
    ("int16", "<i2", "int16"), ("int32", "<i4", "int32"), ("int64", "<i8", "int64"), ("uint8", "u1", "uint8"),
    ("bool", "?", "bool"),
    ("bfloat16", "<u2", "float32"), ("complex32", "<u4", "complex64"), ("uint16", "<u2", "int32"),
    ("uint32", "<u4", "int64"), ("uint64", "<u8", "int64"),
    ("float8_e4m3fn", "u1", "float32"), ("float8_e5m2", "u1", "float32"), ("float8_e4m3fnuz", "u1", "float32"),
    ("float8_e5m2fnuz", "u1", "float32"), ("float8_e8m0fnu", "u1", "float32"),
]}
# PyTorch's aliases for the same types (``torch.half`` pickles as ``torch.float16``, but be lenient).
for _alias, _name in [("half", "float16"), ("float", "float32"), ("double", "float64"), ("cfloat", "complex64"),
                      ("cdouble", "complex128"), ("short", "int16"), ("int", "int32"), ("long", "int64"),
                      ("chalf", "complex32")]:
    TORCH_DTYPES[_alias] = TORCH_DTYPES[_name]

# The legacy typed storage classes (``torch.FloatStorage``...) that name a storage's element type.
TORCH_STORAGES = {"DoubleStorage": "float64", "FloatStorage": "float32", "HalfStorage": "float16",
                  "BFloat16Storage": "bfloat16", "LongStorage": "int64", "IntStorage": "int32",
                  "ShortStorage": "int16", "CharStorage": "int8", "ByteStorage": "uint8", "BoolStorage": "bool",
                  "ComplexFloatStorage": "complex64", "ComplexDoubleStorage": "complex128"}
QUANTIZED_STORAGES = ("QInt8Storage", "QInt32Storage", "QUInt8Storage", "QUInt4x2Storage", "QUInt2x4Storage")

# safetensors' dtype codes. F4 holds two values per byte (the header's shape counts values).
SAFETENSORS = {"BOOL": "bool", "U8": "uint8", "I8": "int8", "I16": "int16", "U16": "uint16", "I32": "int32",
               "U32": "uint32", "I64": "int64", "U64": "uint64", "F16": "float16", "BF16": "bfloat16",
               "F32": "float32", "F64": "float64", "C64": "complex64", "F8_E4M3": "float8_e4m3fn",
               "F8_E5M2": "float8_e5m2", "F8_E4M3FNUZ": "float8_e4m3fnuz", "F8_E5M2FNUZ": "float8_e5m2fnuz",
               "F8_E8M0": "float8_e8m0fnu", "F4": "float4_e2m1fn_x2"}
SAFETENSORS_OF_NUMPY = {"bool": "BOOL", "uint8": "U8", "int8": "I8", "int16": "I16", "uint16": "U16", "int32": "I32",
                        "uint32": "U32", "int64": "I64", "uint64": "U64", "float16": "F16", "float32": "F32",
                        "float64": "F64", "complex64": "C64"}
TORCH_DTYPES["float4_e2m1fn_x2"] = ElementType("float4_e2m1fn_x2", "u1", "float32")


def _minifloat_table(exp_bits, man_bits, bias, *, inf=True, nan_codes=(), signed=True):
    """The float32 value of every 8-bit code of a small float format (NaN codes given explicitly)."""
    codes = np.arange(1 << (exp_bits + man_bits + (1 if signed else 0)), dtype=np.int64)
    sign = np.where((codes >> (exp_bits + man_bits)) & 1 if signed else 0, -1.0, 1.0)
    e = (codes >> man_bits) & ((1 << exp_bits) - 1)
    m = codes & ((1 << man_bits) - 1)
    normal = (1.0 + m / (1 << man_bits)) * np.exp2(e.astype(np.float64) - bias)
    subnormal = (m / (1 << man_bits)) * np.exp2(1.0 - bias)
    values = sign * np.where(e == 0, subnormal, normal)
    top = (1 << exp_bits) - 1
    if inf:  # IEEE-like: the top exponent holds infinities (mantissa 0) and NaNs
        values = np.where((e == top) & (m == 0), sign * np.inf, values)
        values = np.where((e == top) & (m != 0), np.nan, values)
    for c in nan_codes:
        values[c] = np.nan
    return values.astype(np.float32)


_F8_FORMATS = {  # (exponent bits, mantissa bits, bias, keyword arguments)
    "float8_e4m3fn": (4, 3, 7, {"inf": False, "nan_codes": (0x7F, 0xFF)}),
    "float8_e5m2": (5, 2, 15, {}),
    "float8_e4m3fnuz": (4, 3, 8, {"inf": False, "nan_codes": (0x80,)}),
    "float8_e5m2fnuz": (5, 2, 16, {"inf": False, "nan_codes": (0x80,)}),
    "float4_e2m1fn_x2": (2, 1, 1, {"inf": False}),  # 16 codes: 0, 0.5, 1, 1.5, 2, 3, 4, 6 and their negatives
}


@lru_cache(maxsize=None)
def value_table(name):
    """The float32 value of every code of the small float format ``name`` (built on first use)."""
    if name == "float8_e8m0fnu":
        return np.where(np.arange(256) == 255, np.nan, np.exp2(np.arange(256, dtype=np.float64) - 127)).astype(
            np.float32)
    e, m, bias, kw = _F8_FORMATS[name]
    return _minifloat_table(e, m, bias, **kw)


def decode(raw, etype):
    """The reograd-dtype array holding the values of ``raw`` (an array of ``etype.raw`` elements, native byte
    order). Exact types come back as they are (no copy); the others are converted (a new array)."""
    name = etype.name
    if etype.exact:
        return raw
    if name == "bfloat16":
        return (raw.astype(np.uint32) << 16).view(np.float32)
    if name == "float4_e2m1fn_x2":  # one byte -> two values, the first in the low nibble
        table = value_table(name)
        pairs = np.stack([table[raw & 0x0F], table[raw >> 4]], axis=-1)
        return pairs.reshape(raw.shape[:-1] + (raw.shape[-1] * 2,))
    if name.startswith("float8"):
        return value_table(name)[raw]
    if name == "complex32":  # each element: two float16 (real, imaginary)
        return np.ascontiguousarray(raw).view(np.float16).astype(np.float32).view(np.complex64)
    if name == "uint64":
        if raw.size and raw.max() > np.iinfo(np.int64).max:
            raise ValueError("uint64 values above 2**63 - 1 have no reograd dtype (the widest is int64)")
        return raw.astype(np.int64)
    return raw.astype(_NP_OF[etype.target])
