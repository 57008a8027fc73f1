"""``pad`` (PyTorch's ``nn.functional.pad``): constant, reflect, replicate and circular padding.

The pad tuple names the last dim first: ``(left, right)`` pads the last dim, ``(left, right, top,
bottom)`` the last two. Constant padding is its own adjoint with negated pads (its backward crops
the gradient, and negative pads crop the input). The other modes gather from the input along each
padded dim; their backward (``PadGrad``) adds each padded region's gradient back onto the
elements it was copied from, by slices (no scatter). ``Pad`` and ``PadGrad`` are each other's
adjoints, so every mode differentiates twice.
"""
from __future__ import annotations

from ... import backend
from ...autograd.function import NativeFunction
from ...autograd.tensor import Tensor
from ..arguments import xp_of

_MODES = ("constant", "reflect", "replicate", "circular")


def _sl(dim, s):
    return (slice(None),) * dim + (s,)


# --------------------------------------------------------------------------- constant
class ConstantPad(NativeFunction):
    """x inside a block of ``value``: pads[d] = (before, after) per dim, negative pads crop;
    backward: the gradient padded by the negated pads (which crops it back)"""

    node_name = "ConstantPadNdBackward0"

    @staticmethod
    def forward(ctx, a, pads, value):
        ctx.pads = pads
        shape = tuple(s + b + e for s, (b, e) in zip(a.shape, pads))
        if any(s < 0 for s in shape):
            raise RuntimeError(f"pad: the input size {list(a.shape)} with padding "
                               f"{[p for pe in pads for p in pe]} gives a negative output size {list(shape)}")
        out = xp_of(a).full(shape, value, dtype=a.dtype)
        src, dst = [], []
        for s, (b, e) in zip(a.shape, pads):
            src.append(slice(max(-b, 0), s - max(-e, 0)))
            dst.append(slice(max(b, 0), max(b, 0) + max(s - max(-b, 0) - max(-e, 0), 0)))
        out[tuple(dst)] = a[tuple(src)]
        return out

    @staticmethod
    def backward(ctx, g):
        return ConstantPad.apply(g, tuple((-b, -e) for b, e in ctx.pads), 0), None, None

    @staticmethod
    def jvp(ctx, t, *_):
        return ConstantPad.apply(t, ctx.pads, 0)


# --------------------------------------------------------------------------- reflect / replicate / circular
def _gather_index(mode, n, b, e):
    """The source positions of the padded dim: left part, then the input, then the right part."""
    np_ = backend.np
    if mode == "reflect":
        left, right = np_.arange(b, 0, -1), np_.arange(n - 2, n - 2 - e, -1)
    elif mode == "replicate":
        left, right = np_.zeros(b, dtype=np_.int64), np_.full(e, n - 1, dtype=np_.int64)
    else:  # circular
        left, right = np_.arange(n - b, n), np_.arange(0, e)
    return left.astype(np_.int64), right.astype(np_.int64)


class Pad(NativeFunction):
    """Non-constant padding of the dims ``dims`` by (before, after) >= 0 each: out[j] = x[idx(j)];
    backward: PadGrad (the gradient of each copied element added back onto its source)"""

    linear = True

    @staticmethod
    def forward(ctx, a, mode, dims, pads):
        ctx.mode, ctx.dims, ctx.pads, ctx.in_shape = mode, dims, pads, a.shape
        xp = xp_of(a)
        out = a
        for d, (b, e) in zip(dims, pads):
            n = out.shape[d]
            left, right = _gather_index(mode, n, b, e)
            idx = xp.concatenate([xp.asarray(left), xp.arange(n), xp.asarray(right)])
            out = xp.take(out, idx, axis=d)
        return out if out is not a else a.copy()

    @staticmethod
    def backward(ctx, g):
        return PadGrad.apply(g, ctx.mode, ctx.dims, ctx.pads), None, None, None


class PadGrad(NativeFunction):
    """The adjoint of Pad: the centre of g, plus each padded strip of g added onto its source elements"""

    node_name = "ReflectionPadBackwardBackward0"
    linear = True

    @staticmethod
    def forward(ctx, g, mode, dims, pads):
        ctx.mode, ctx.dims, ctx.pads = mode, dims, pads
        out = g
        for d, (b, e) in reversed(list(zip(dims, pads))):
            m = out.shape[d]
            n = m - b - e
            res = out[_sl(d, slice(b, b + n))].copy()
            lg, rg = out[_sl(d, slice(0, b))], out[_sl(d, slice(b + n, m))]
            if mode == "replicate":
                if b:
                    res[_sl(d, slice(0, 1))] += lg.sum(axis=d, keepdims=True)
                if e:
                    res[_sl(d, slice(n - 1, n))] += rg.sum(axis=d, keepdims=True)
            else:
                left, right = _gather_index(mode, n, b, e)
                if b:  # the indices of each part are distinct: a fancy-index add is exact
                    res[_sl(d, left)] += lg
                if e:
                    res[_sl(d, right)] += rg
            out = res
        return out

    @staticmethod
    def backward(ctx, gg):
        return Pad.apply(gg, ctx.mode, ctx.dims, ctx.pads), None, None, None


def _non_constant_check(mode, input, npad, pairs):
    nd = input._data.ndim
    ok = {2: (2, 3), 4: (3, 4), 6: (4, 5)}
    if npad not in ok or nd not in ok[npad]:
        raise NotImplementedError(
            f"Padding size {npad} is not supported for {nd}D input tensor.\nSupported combinations for "
            "non-constant padding:\n  - 2D or 3D input: padding size = 2 (pads last dimension)\n  - 3D or 4D "
            "input: padding size = 4 (pads last 2 dimensions)\n  - 4D or 5D input: padding size = 6 (pads last 3 "
            "dimensions)")
    shape = input._data.shape
    lead = nd - npad // 2
    if any(s == 0 for s in shape[1:]):
        raise RuntimeError(f"pad ({mode}): expected input with non-zero sizes in all dims but the batch dim, "
                           f"got shape {list(shape)}")
    for d, (b, e) in pairs:
        n = shape[d]
        if mode == "reflect" and (b >= n or e >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({b}, {e}) at dimension {d} of input {list(shape)}")
        if mode == "circular" and (b > n or e > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
    return lead


def pad(input, pad, mode="constant", value=None):  # noqa: A002
    """Pad ``input``. ``pad`` = (left, right) for the last dim, then (left, right) for the one before, ...

    ``mode``: ``'constant'`` (fill with ``value``, default 0; negative pads crop), ``'reflect'``
    (mirror without repeating the edge: pad < dim size), ``'replicate'`` (repeat the edge),
    ``'circular'`` (wrap around: pad <= dim size). The non-constant modes pad the last 1, 2 or 3
    dims of a (batched) 2-5-D input, as in PyTorch.

    >>> pad(ones(1, 2, 3), (1, 1), mode="replicate").shape
    reograd.Size([1, 2, 5])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"pad(): argument 'input' must be Tensor, not {type(input).__name__}")
    pads = [int(p) for p in pad]
    if len(pads) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    nd = input._data.ndim
    if len(pads) // 2 > nd:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pads)} and input of dimension {nd}")
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    pairs = [(nd - 1 - i, (pads[2 * i], pads[2 * i + 1])) for i in range(len(pads) // 2)]
    if mode == "constant":
        full = [(0, 0)] * nd
        for d, pe in pairs:
            full[d] = pe
        v = 0 if value is None else value
        if input._data.dtype.kind in "iub" and isinstance(v, float):
            v = int(v) if input._data.dtype.kind != "b" else bool(v)
        return ConstantPad.apply(input, tuple(full), v)
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if any(b < 0 or e < 0 for _, (b, e) in pairs):  # negative pads crop first
        crop = [(0, 0)] * nd
        for d, (b, e) in pairs:
            crop[d] = (min(b, 0), min(e, 0))
        input = ConstantPad.apply(input, tuple(crop), 0)
        pairs = [(d, (max(b, 0), max(e, 0))) for d, (b, e) in pairs]
    _non_constant_check(mode, input, len(pads), pairs)
    pairs = [(d, pe) for d, pe in pairs if pe != (0, 0)]
    if not pairs:
        return input.clone() if hasattr(input, "clone") else input
    dims = tuple(d for d, _ in pairs)
    return Pad.apply(input, mode, dims, tuple(pe for _, pe in pairs))
