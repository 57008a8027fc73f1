"""Type promotion of operands, as PyTorch's: ``result_type``, ``promote``, ``tensors_of``, ``wrap_int``."""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd.tensor import Tensor, array_from
from .arguments import xp_of


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
        return Tensor._make(array_from(x))
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


def can_cast(src, dst):
    """PyTorch's rule for writing a result of dtype ``src`` into a tensor of dtype ``dst`` in place."""
    return src.category <= dst.category


def float_input(x):
    """Integer/bool inputs of float functions (exp, sin, ...) compute in the default float dtype."""
    if x._data.dtype.kind not in "fc":
        return x.to(backend.get_default_dtype())
    return x


def wrap_int(x, rt):
    """A Python int operand of an integer op, wrapped into the dtype's range as PyTorch does (uint8 - 300)."""
    if type(x) is int and rt.category == backend.INT:
        info = np.iinfo(rt.np)
        if not info.min <= x <= info.max:
            if not -2 ** 63 <= x < 2 ** 64:  # what a C long can't hold: PyTorch refuses it too
                raise OverflowError(f"int {x} is too big to convert to {rt}")
            return int(np.asarray(x & 0xFFFFFFFFFFFFFFFF, dtype=np.uint64).astype(rt.np))
    return x


def tensors_of(op, *xs, min_category=None):
    """Promote operands (tensors and numbers) to their common dtype; numbers become 0-d tensors.

    Returns (tensors, dtype). ``None`` entries stay None.
    """
    ops = [None if x is None else as_operand(x) for x in xs]
    rt = result_type(*ops)
    if min_category is not None and rt.category < min_category:
        rt = backend.get_default_dtype()
    like = next((o._data for o in ops if isinstance(o, Tensor)), None)
    xp = xp_of(like)
    out = []
    for o in ops:
        if o is None:
            out.append(None)
        elif isinstance(o, Tensor):
            out.append(o if o._data.dtype == rt.np else o.to(rt))
        else:
            out.append(Tensor._make(xp.asarray(o).astype(rt.np)))  # an out-of-range int wraps, as in PyTorch
    return out, rt
