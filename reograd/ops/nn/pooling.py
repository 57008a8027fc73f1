"""Pooling: max / average / Lp pooling over sliding windows, max unpooling (PyTorch semantics).

Windows are strided views of the padded input (``im2col.windows``): no Python loop over the batch.
Output size per spatial dim: floor((W + 2P - D*(F-1) - 1)/S) + 1, or with ``ceil_mode`` the ceiling,
dropping a last window that would start in the right padding.

- max: the argmax of each window (the FIRST maximum on ties, NaN propagates, as PyTorch) gives
  flat indices into the input's spatial dims (PyTorch's ``return_indices`` convention: h*W + w per
  (n, c)); the values are a gather at those indices, whose backward is a scatter-add (overlapping
  windows accumulate), whose backward is the gather again: every derivative order works.
- avg: window sums (a strided view summed over the kernel axes) divided by the window size
  (``count_include_pad``, ``divisor_override``); its adjoint adds g/divisor back over the windows
  by a loop over kernel offsets (strided slices).
- Adaptive pooling, interpolation and pixel shuffle live in ``adaptive_pool.py`` and ``upsample.py``.
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from ...autograd.function import NativeFunction
from ...autograd.tensor import Tensor
from ..arguments import xp_of
from .im2col import ntuple, pad_array, windows


# --------------------------------------------------------------------------- gather / scatter-add
class Gather(NativeFunction):
    """y[..., j] = x[..., idx[..., j]] along the last axis (idx a raw int array); backward: ScatterAdd."""

    node_name = "GatherBackward0"
    linear = True

    @staticmethod
    def forward(ctx, x, idx):
        ctx.idx, ctx.M = idx, x.shape[-1]
        return xp_of(x).take_along_axis(x, idx, -1)

    @staticmethod
    def backward(ctx, g):
        return ScatterAdd.apply(g, ctx.idx, M=ctx.M), None


class ScatterAdd(NativeFunction):
    """y[..., m] = sum_{j: idx[..., j] = m} x[..., j]  (y's last axis has size M); backward: Gather."""

    node_name = "ScatterAddBackward0"
    linear = True

    @staticmethod
    def forward(ctx, x, idx, M=None):
        ctx.idx, ctx.M = idx, M
        xp = xp_of(x)
        lead = x.shape[:-1]
        B = math.prod(lead)
        flat = (idx.reshape(B, -1) + (xp.arange(B, dtype=idx.dtype) * M)[:, None]).ravel()
        if x.dtype.kind == "c":
            out = (xp.bincount(flat, weights=x.real.ravel(), minlength=B * M)
                   + 1j * xp.bincount(flat, weights=x.imag.ravel(), minlength=B * M))
        else:
            out = xp.bincount(flat, weights=x.ravel(), minlength=B * M)
        return out.astype(x.dtype, copy=False).reshape(lead + (M,))

    @staticmethod
    def backward(ctx, g):
        return Gather.apply(g, ctx.idx), None


# --------------------------------------------------------------------------- geometry
def _pool_out(S, k, s, p, d, ceil):
    num = S + 2 * p - d * (k - 1) - 1
    o = (num + (s - 1 if ceil else 0)) // s + 1
    if ceil and (o - 1) * s >= S + p:
        o -= 1
    return o


def _batched(op, nd, input):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}: expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input, but got input of "
                           f"size: {list(input.shape)}")
    if input.dim() == nd + 1:
        return input.unsqueeze(0), True
    return input, False


def _geometry(op, nd, x, kernel_size, stride, padding, dilation, ceil_mode, input, avg=False):
    K = ntuple(op, "kernel_size", kernel_size, nd)
    St = K if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) \
        else ntuple(op, "stride", stride, nd)
    P = ntuple(op, "padding", padding, nd)
    D = ntuple(op, "dilation", dilation, nd)
    if any(k <= 0 for k in K) or any(s <= 0 for s in St) or any(d <= 0 for d in D):
        raise RuntimeError(f"{op}: kernel_size, stride and dilation must be greater than zero, but got "
                           f"kernel_size={K}, stride={St}, dilation={D}")
    for p, k in zip(P, K):
        if p < 0 or p > k // 2:
            raise RuntimeError(f"{op}: pad should be at most half of {'' if avg else 'effective '}kernel size, "
                               f"but got pad={p}, kernel_size={k}" + ("" if avg else f" and dilation={D}"))
    S = tuple(x.shape[2:])
    O = tuple(_pool_out(s, k, st, p, d, ceil_mode) for s, k, st, p, d in zip(S, K, St, P, D))
    if any(o <= 0 for o in O):
        raise RuntimeError(f"{op}: given input size {list(input.shape)}, kernel_size={K}, stride={St}, padding={P}, "
                           f"dilation={D}: calculated output size {O} is too small (rule floor((W - F + 2P)/S) + 1; "
                           "the kernel must fit in the padded input)")
    pads = tuple((p, max(p, (o - 1) * st + d * (k - 1) + 1 - s - p))
                 for p, o, st, d, k, s in zip(P, O, St, D, K, S))
    return K, St, P, D, O, pads


# --------------------------------------------------------------------------- max pooling
def window_argmax(flat_win, xa):
    """Argmax over the last axis of windows ``flat_win`` (..., K) taken from ``xa``, with PyTorch's max
    pooling rules: the first maximum wins a tie; a window holding NaN yields its LAST NaN (PyTorch's
    scan takes a NaN over anything, while ``argmax`` stops at the first)."""
    xp = xp_of(flat_win)
    arg = flat_win.argmax(-1)
    if xa.dtype.kind == "f" and bool(xp.isnan(xa).any()):
        isn = xp.isnan(flat_win)
        last = flat_win.shape[-1] - 1 - isn[..., ::-1].argmax(-1)
        arg = xp.where(isn.any(-1), last, arg)
    return arg


def _window_argmax(xa, K, St, D, O, pads):
    """Flat input indices (N, C, *O) of the first maximum of every window."""
    xp = xp_of(xa)
    nd = len(K)
    fill = -np.inf if xa.dtype.kind == "f" else np.iinfo(xa.dtype).min
    win = windows(pad_array(xa, pads, fill), K, D, St, O)           # (N, C, *O, *K)
    arg = window_argmax(win.reshape(win.shape[:2 + nd] + (-1,)), xa)
    ks = xp.unravel_index(arg, K) if nd > 1 else (arg,)
    S = xa.shape[2:]
    flat = None
    for d in range(nd):
        o = xp.arange(O[d]).reshape((-1,) + (1,) * (nd - 1 - d))
        pos = o * St[d] - pads[d][0] + ks[d] * D[d]
        flat = pos if flat is None else flat * S[d] + pos
    return flat.astype(np.int64, copy=False)


def _blocks(K, St, D, pads, O, S):
    """True when the windows tile the input without overlap or padding: kernel == stride, dilation 1,
    no padding (a right remainder that no window reaches is allowed)."""
    return (tuple(K) == tuple(St) and all(d == 1 for d in D) and all(lo == 0 for lo, _ in pads)
            and all(o * k <= s for o, k, s in zip(O, K, S)))


def _block_view(a, K, O):
    """(N, C, *S) -> view (N, C, O1, k1, O2, k2, ...) of the part covered by the non-overlapping windows."""
    nd = len(K)
    a = a[(slice(None), slice(None)) + tuple(slice(0, o * k) for o, k in zip(O, K))]
    shape = a.shape[:2]
    for o, k in zip(O, K):
        shape += (o, k)
    return a.reshape(shape) if a.flags.c_contiguous else _as_blocks(a, K, O, nd)


def _as_blocks(a, K, O, nd):
    st = a.strides
    shape, strides = a.shape[:2], st[:2]
    for i in range(nd):
        shape += (O[i], K[i])
        strides += (st[2 + i] * K[i], st[2 + i])
    return xp_of(a).lib.stride_tricks.as_strided(a, shape=shape, strides=strides, writeable=False)


def _offset(nd, kidx):
    """Index selecting window offset ``kidx`` in a block view (N, C, O1, k1, O2, k2, ...)."""
    idx = (slice(None), slice(None))
    for k in kidx:
        idx += (slice(None), k)
    return idx


class BlockMax(NativeFunction):
    """Max over non-overlapping windows (kernel == stride, no padding): (N, C, *S) -> (N, C, *O).

    The first maximum in row-major window order wins (NaN propagates, the last NaN wins), as PyTorch;
    ``ctx.arg`` holds its window offset (flat over the kernel). Backward: BlockMaxT (route g to it)."""

    node_name = "MaxPool2DWithIndicesBackward0"

    @staticmethod
    def forward(ctx, x, K=None, O=None):
        xp = xp_of(x)
        nd = len(K)
        v = _block_view(x, K, O)
        offs = [v[_offset(nd, kidx)] for kidx in itertools.product(*(range(k) for k in K))]
        best = offs[0].copy()
        for c in offs[1:]:
            xp.maximum(best, c, out=best)  # NaN propagates
        small = len(offs) < 128
        arg = xp.zeros(best.shape, dtype=np.int8 if small else np.int64)
        nan = x.dtype.kind == "f" and bool(xp.isnan(best).any())
        # the first offset equal to the max wins (NaN windows are settled below); built with
        # plain arithmetic on booleans, which is ~8x faster in NumPy than copyto(..., where=)
        found = offs[0] == best
        for j in range(1, len(offs)):
            hit = offs[j] == best
            hit &= ~found
            found |= hit
            arg += hit.view(np.int8) * np.int8(j) if small else hit * j
        if nan:  # a window holding NaN yields NaN at its LAST NaN, as PyTorch's scan (NaN beats anything)
            for j, o in enumerate(offs):
                xp.copyto(arg, j, where=xp.isnan(o))
        ctx.K, ctx.O, ctx.S, ctx.arg = K, O, x.shape[2:], arg
        return best

    @staticmethod
    def backward(ctx, g):
        return BlockMaxT.apply(g, ctx.arg, K=ctx.K, S=ctx.S)

    @staticmethod
    def jvp(ctx, t, K=None, O=None):
        return BlockGather.apply(t, ctx.arg, K=ctx.K)


class BlockGather(NativeFunction):
    """y[n, c, o] = x[n, c, window o at offset arg[n, c, o]] (non-overlapping windows); backward: BlockMaxT."""

    node_name = "MaxPool2DWithIndicesBackward0"
    linear = True

    @staticmethod
    def forward(ctx, x, arg, K=None):
        nd = len(K)
        O = arg.shape[2:]
        ctx.K, ctx.S, ctx.arg = K, x.shape[2:], arg
        v = _block_view(x, K, O)
        out = None
        for j, kidx in enumerate(itertools.product(*(range(k) for k in K))):
            c = v[_offset(nd, kidx)]
            if out is None:
                out = c.copy()
            else:
                xp_of(x).copyto(out, c, where=arg == j)
        return out

    @staticmethod
    def backward(ctx, g):
        return BlockMaxT.apply(g, ctx.arg, K=ctx.K, S=ctx.S), None


class BlockMaxT(NativeFunction):
    """Adjoint of BlockGather: (N, C, *O) -> (N, C, *S), g placed at each window's arg offset, 0 elsewhere."""

    node_name = "MaxPool2DWithIndicesBackwardBackward0"
    linear = True

    @staticmethod
    def forward(ctx, g, arg, K=None, S=None):
        xp = xp_of(g)
        nd = len(K)
        O = g.shape[2:]
        ctx.K, ctx.arg = K, arg
        out = xp.zeros(g.shape[:2] + tuple(S), dtype=g.dtype)
        v = out[(slice(None), slice(None)) + tuple(slice(0, o * k) for o, k in zip(O, K))]
        shape = g.shape[:2]
        for o, k in zip(O, K):
            shape += (o, k)
        if not v.flags.c_contiguous:
            blk = xp.zeros(shape, dtype=g.dtype)
        else:
            blk = v.reshape(shape)
        # g * (arg == j) is ~6x faster than copyto(..., where=) but would turn a non-finite g into NaN
        # at the other offsets (inf * 0): only for finite g
        finite = g.dtype.kind != "f" or bool(xp.isfinite(g).all())
        for j, kidx in enumerate(itertools.product(*(range(k) for k in K))):
            if finite:
                xp.multiply(g, arg == j, out=blk[_offset(nd, kidx)])
            else:
                xp.copyto(blk[_offset(nd, kidx)], g, where=arg == j)
        if not v.flags.c_contiguous:
            v[...] = blk.reshape(v.shape)
        return out

    @staticmethod
    def backward(ctx, gg):
        return BlockGather.apply(gg, ctx.arg, K=ctx.K), None


def _block_indices(arg, K, S):
    """Flat input indices (PyTorch's return_indices convention) from per-window offsets."""
    xp = xp_of(arg)
    nd = len(K)
    O = arg.shape[2:]
    ks = xp.unravel_index(arg.astype(np.int64), K) if nd > 1 else (arg.astype(np.int64),)
    flat = None
    for d in range(nd):
        o = xp.arange(O[d]).reshape((-1,) + (1,) * (nd - 1 - d))
        pos = o * K[d] + ks[d]
        flat = pos if flat is None else flat * S[d] + pos
    return flat.astype(np.int64, copy=False)


def _block_arg(xa, K, O):
    class _Ctx:
        pass
    ctx = _Ctx()
    BlockMax.forward(ctx, xa, K=K, O=O)
    return ctx.arg


def _max_pool(op, nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    x, unbatched = _batched(op, nd, input)
    K, St, P, D, O, pads = _geometry(op, nd, x, kernel_size, stride, padding, dilation, ceil_mode, input)
    N, C = x.shape[:2]
    if _blocks(K, St, D, pads, O, x.shape[2:]) and x._data.dtype.kind == "f" and x.numel() > 0:
        out = BlockMax.apply(x, K=K, O=O)
        if not return_indices:
            return out.squeeze(0) if unbatched else out
        ind = Tensor._make(_block_indices(out.grad_fn.arg if out.grad_fn is not None else
                                          _block_arg(x._data, K, O), K, x.shape[2:]))
        if unbatched:
            out, ind = out.squeeze(0), ind.squeeze(0)
        return out, ind
    idx = _window_argmax(x._data, K, St, D, O, pads)
    L, M = math.prod(O), math.prod(x.shape[2:])
    out = Gather.apply(x.reshape(N, C, M), idx.reshape(N, C, L)).reshape((N, C) + O)
    ind = Tensor._make(idx)
    if unbatched:
        out, ind = out.squeeze(0), ind.squeeze(0)
    return (out, ind) if return_indices else out


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    r"""1-D max pooling: y[n, c, i] = max_k x_pad[n, c, i*stride + k*dilation] (padding is -inf).

    ``stride`` defaults to ``kernel_size``; ``return_indices`` also returns the flat input index of
    each maximum (for ``max_unpool1d``). L_out = floor((L + 2p - d(k-1) - 1)/s) + 1 (ceil with ceil_mode).
    """
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    r"""2-D max pooling over (kH, kW) windows of (N, C, H, W) (or (C, H, W)).

    Indices (``return_indices=True``) are h*W + w in the unpadded input, per (n, c), as PyTorch;
    on ties the first maximum in row-major window order wins, and gets the whole gradient.

    >>> max_pool2d(reograd.randn(1, 1, 4, 4), 2).shape
    reograd.Size([1, 1, 2, 2])
    """
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    r"""3-D max pooling over (kD, kH, kW) windows of (N, C, D, H, W)."""
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """``max_pool1d`` returning (values, indices)."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """``max_pool2d`` returning (values, indices)."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """``max_pool3d`` returning (values, indices)."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


# --------------------------------------------------------------------------- average pooling
def _window_sum_t(g, S, K, St, pads):
    """Adjoint of the window sum: add every output value to each input position of its window."""
    xp = xp_of(g)
    O = g.shape[2:]
    full = tuple(max(s + lo + hi, (o - 1) * st + k) for s, (lo, hi), o, st, k in zip(S, pads, O, St, K))
    head = (slice(None), slice(None))
    if tuple(K) == tuple(St) and all(lo == 0 for lo, _ in pads):
        # non-overlapping windows: each input position gets the value of its (single) window
        bshape, rshape = g.shape[:2], g.shape[:2]
        for o, k in zip(O, K):
            bshape += (o, k)
            rshape += (o, 1)
        blk = xp.broadcast_to(g.reshape(rshape), bshape).reshape(g.shape[:2] + tuple(o * k for o, k in zip(O, K)))
        if all(o * k == s for o, k, s in zip(O, K, S)):
            return blk
        out = xp.zeros(g.shape[:2] + tuple(S), dtype=g.dtype)
        cover = tuple(slice(0, min(o * k, s)) for o, k, s in zip(O, K, S))
        out[head + cover] = blk[head + cover]
        return out
    out = xp.zeros(g.shape[:2] + full, dtype=g.dtype)
    for kidx in itertools.product(*(range(k) for k in K)):
        sl = tuple(slice(kk, kk + st * (o - 1) + 1, st) for kk, st, o in zip(kidx, St, O))
        out[head + sl] += g
    return xp.ascontiguousarray(out[head + tuple(slice(lo, lo + s) for (lo, _), s in zip(pads, S))])


class WindowSum(NativeFunction):
    """y[n, c, o] = sum over the window of o of x (zero padded); backward: WindowSumT."""

    node_name = "AvgPoolBackward0"
    linear = True

    @staticmethod
    def forward(ctx, x, geo=None):
        K, St, pads, O = geo
        ctx.geo, ctx.S = geo, x.shape[2:]
        xpad = pad_array(x, pads)
        head = (slice(None), slice(None))
        out = None
        for kidx in itertools.product(*(range(k) for k in K)):  # prod(K) strided adds
            sl = xpad[head + tuple(slice(kk, kk + st * (o - 1) + 1, st) for kk, st, o in zip(kidx, St, O))]
            if out is None:
                out = sl.copy()
            else:
                out += sl
        return out

    @staticmethod
    def backward(ctx, g):
        return WindowSumT.apply(g, S=ctx.S, geo=ctx.geo)


class WindowSumT(NativeFunction):
    """The adjoint of WindowSum: (N, C, *O) -> (N, C, *S)."""

    node_name = "AvgPoolBackwardBackward0"
    linear = True

    @staticmethod
    def forward(ctx, g, S=None, geo=None):
        K, St, pads, O = geo
        ctx.geo, ctx.S = geo, S
        return _window_sum_t(g, S, K, St, pads)

    @staticmethod
    def backward(ctx, gg):
        return WindowSum.apply(gg, geo=ctx.geo)


def _avg_divisor(S, K, St, P, O, count_include_pad):
    """Per-output-position divisor (product of per-dim window sizes), as PyTorch computes it."""
    div = None
    for s, k, st, p, o in zip(S, K, St, P, O):
        start = np.arange(o) * st - p
        end = np.minimum(start + k, s + p)
        size = end - start if count_include_pad else np.minimum(end, s) - np.maximum(start, 0)
        div = size if div is None else div[..., None] * size
    return div


def _avg_pool(op, nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    x, unbatched = _batched(op, nd, input)
    K, St, P, _, O, pads = _geometry(op, nd, x, kernel_size, stride, padding, 1, ceil_mode, input, avg=True)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError(f"{op}: divisor must be not zero")
    if not x.is_floating_point():
        raise RuntimeError(f"{op}: expected a floating point input, got dtype {x.dtype}")
    s = WindowSum.apply(x, geo=(K, St, pads, O))
    if divisor_override is not None:
        y = s * (1.0 / divisor_override)
    else:
        div = _avg_divisor(x.shape[2:], K, St, P, O, count_include_pad)
        if np.all(div == div.flat[0]):
            y = s * (1.0 / float(div.flat[0]))
        else:
            xp = xp_of(x._data)
            y = s * Tensor._make(xp.asarray((1.0 / div).astype(x._data.dtype)))
    return y.squeeze(0) if unbatched else y


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    r"""1-D average pooling: y[n, c, i] = (1/k) sum_j x_pad[n, c, i*stride + j] (zero padding).

    With ``count_include_pad=False`` the padded zeros are not counted in the divisor.
    """
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    r"""2-D average pooling over (kH, kW) windows; ``divisor_override`` replaces the window size as divisor."""
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    r"""3-D average pooling over (kD, kH, kW) windows."""
    return _avg_pool("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


# --------------------------------------------------------------------------- Lp pooling
def _lp_pool(op, nd, input, norm_type, kernel_size, stride, ceil_mode):
    from ..pointwise.arithmetic import relu  # noqa: PLC0415

    K = ntuple(op, "kernel_size", kernel_size, nd)
    avg = (avg_pool1d, avg_pool2d, avg_pool3d)[nd - 1]
    out = avg(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * relu(out.abs())).mul(math.prod(K)).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    r"""Power-average pooling: y = (sum_window x^p)^(1/p); p = inf is max pooling, p = 1 sum pooling."""
    return _lp_pool("lp_pool1d", 1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    r"""2-D power-average pooling: y = (sum_{(kH, kW) window} x^p)^(1/p)."""
    return _lp_pool("lp_pool2d", 2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    r"""3-D power-average pooling."""
    return _lp_pool("lp_pool3d", 3, input, norm_type, kernel_size, stride, ceil_mode)


# --------------------------------------------------------------------------- max unpooling
def _max_unpool(op, nd, input, indices, kernel_size, stride, padding, output_size):
    x, unbatched = _batched(op, nd, input)
    if not isinstance(indices, Tensor) or indices.dtype.is_floating_point:
        raise RuntimeError(f"{op}: expected indices to be an int64 Tensor (as returned by max_pool with "
                           "return_indices=True)")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"{op}: expected indices to have the same shape as input, got indices of shape "
                           f"{list(indices.shape)} and input of shape {list(input.shape)}")
    K = ntuple(op, "kernel_size", kernel_size, nd)
    St = K if stride is None else ntuple(op, "stride", stride, nd)
    P = ntuple(op, "padding", padding, nd)
    S = tuple(x.shape[2:])
    default = tuple((s - 1) * st - 2 * p + k for s, st, p, k in zip(S, St, P, K))
    if output_size is None:
        out = default
    else:
        out = tuple(int(v) for v in output_size)
        if len(out) == nd + 2:
            out = out[2:]
        if len(out) == nd + 1:
            out = out[1:]
        if len(out) != nd:
            raise ValueError(f"{op}: output_size should be a sequence containing {nd} or {nd + 2} elements, but "
                             f"it has a length of {len(out)}")
        for o, dflt, st in zip(out, default, St):
            if not dflt - st < o < dflt + st:
                raise ValueError(f"{op}: invalid output_size {out} (dim size must be between "
                                 f"{tuple(d - s for d, s in zip(default, St))} and "
                                 f"{tuple(d + s for d, s in zip(default, St))})")
    N, C = x.shape[:2]
    M = math.prod(out)
    idx = indices._data.reshape(N, C, -1).astype(np.int64, copy=False)
    if idx.size and (idx.min() < 0 or idx.max() >= M):
        raise RuntimeError(f"{op}: found an invalid max index {int(idx.max() if idx.max() >= M else idx.min())} "
                           f"(output volume of size {'x'.join(map(str, out))})")
    y = ScatterAdd.apply(x.reshape(N, C, -1), idx, M=M).reshape((N, C) + out)
    return y.squeeze(0) if unbatched else y


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    r"""Partial inverse of max_pool1d: puts each value at its index, zeros elsewhere.
    L_out = (L - 1)*stride - 2*padding + kernel_size unless ``output_size`` is given."""
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    r"""Partial inverse of max_pool2d (indices h*W + w per (n, c)); non-max positions are zero."""
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    r"""Partial inverse of max_pool3d."""
    return _max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)
