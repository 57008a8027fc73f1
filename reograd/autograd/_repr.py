"""Printing tensors the way PyTorch does: ``tensor([1.0000, 2.5000], requires_grad=True)``."""
from __future__ import annotations

import numpy as np

from .. import backend

_THRESHOLD = 1000  # elements beyond which the middle is summarised as "..."
_EDGE = 3


def _float_formatter(arr):
    vals = arr[np.isfinite(arr)].astype(np.float64)
    if vals.size == 0:
        return lambda v: str(v).replace("nan", "nan"), 0
    absv = np.abs(vals)
    nonzero = absv[absv > 0]
    if np.all(vals == np.round(vals)):  # integral values print as "3."
        if nonzero.size and (nonzero.max() > 1e8):
            fmt = "{:.4e}".format
        else:
            def fmt(v):
                return f"{v:.0f}."
    else:
        big, small = (nonzero.max(), nonzero.min()) if nonzero.size else (0.0, 0.0)
        if nonzero.size and (big / small > 1000.0 or big > 1e8 or small < 1e-4):
            fmt = "{:.4e}".format
        else:
            fmt = "{:.4f}".format
    return fmt


def _format_float(v, fmt):
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return fmt(float(v))


def tensor_repr(t):
    arr = t._host()
    kind = arr.dtype.kind
    summarize = arr.size > _THRESHOLD
    if kind == "f":
        fmt = _float_formatter(arr)
        strs = np.vectorize(lambda v: _format_float(v, fmt), otypes=[object])(arr) if arr.size else arr
    elif kind == "b":
        strs = np.where(arr, "True", "False").astype(object) if arr.size else arr
    elif kind == "c":
        strs = np.vectorize(lambda v: f"{v.real:.4f}{v.imag:+.4f}j", otypes=[object])(arr) if arr.size else arr
    else:
        strs = arr.astype(object) if arr.size else arr
    if arr.size:
        finite = strs[np.isfinite(arr)] if kind in "fc" else strs
        width = max((len(str(s)) for s in finite.reshape(-1)), default=0)  # nan/inf don't widen (as torch)
        body = np.array2string(strs, separator=", ", prefix="tensor(", max_line_width=80,
                               threshold=_THRESHOLD if summarize else arr.size + 1, edgeitems=_EDGE,
                               formatter={"all": lambda s: str(s).rjust(width)})
    else:
        body = "[]"
    extras = []
    if arr.size == 0 and arr.ndim != 1:
        extras.append(f"size={tuple(arr.shape)}")
    dt = t.dtype
    default_float = backend.get_default_dtype()
    if not (dt is default_float or dt is backend.int64 or dt is backend.bool) or \
            (arr.size == 0 and dt is not default_float and dt is not backend.bool):
        extras.append(f"dtype={dt!r}")
    if not t.is_cpu:
        extras.append(f"device='{t.device}'")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    if t._fw_grad is not None:
        extras.append(f"tangent={tensor_repr(t._fw_grad)}")
    text = "tensor(" + body
    for e in extras:  # on the last line while it fits in 80 columns, as PyTorch does
        last = text.rsplit("\n", 1)[-1]
        text += (", " if len(last) + len(e) + 3 <= 80 else ",\n       ") + e
    return text + ")"
