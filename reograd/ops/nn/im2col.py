"""im2col / col2im: the lowering of convolution and pooling to matrix products.

A convolution window of kernel size K, dilation D, stride S over a (zero-)padded input visits, for
output position o and kernel offset k, the input position ``o*S + k*D - pad_lo``. ``im2col`` copies
every window into a column: (N, C, *spatial) -> (N, C*prod(K), L), L = prod(out spatial), with one
strided view (``as_strided``) and one copy. ``col2im`` is its adjoint: it adds each column entry
back to the input position it came from, by a loop over the prod(K) kernel offsets adding strided
slices (overlapping windows accumulate). ``Unfold`` and ``Fold`` are the two as ops, each the
other's backward, so any order of derivative works.

Output size per spatial dim (the lecture notes' rule, with dilation):
    out = floor((W + pad_lo + pad_hi - D*(K-1) - 1) / S) + 1     (= floor((W - F + 2P)/S) + 1)
"""
from __future__ import annotations

import itertools
import math

from ...autograd.function import NativeFunction
from ...autograd.tensor import Tensor
from ..arguments import xp_of


def ntuple(op, name, value, n):
    """An int or a sequence of n ints as an n-tuple (PyTorch's _single/_pair/_triple), with a clear error."""
    if isinstance(value, (list, tuple)):
        if len(value) == 1 and n > 1:
            value = tuple(value) * n
        if len(value) != n:
            raise RuntimeError(f"{op}: expected {name} to be a single integer value or a list of {n} values "
                               f"to match the convolution dimensions, but got {name}={list(value)}")
        return tuple(int(v) for v in value)
    if hasattr(value, "item"):
        value = value.item()
    return (int(value),) * n


def out_size(S, K, D, pads, St):
    """Output spatial size: floor((S + lo + hi - D*(K-1) - 1) / St) + 1 per dim."""
    return tuple((s + lo + hi - d * (k - 1) - 1) // st + 1 for s, k, d, (lo, hi), st in zip(S, K, D, pads, St))


def pad_array(x, pads, value=0):
    """x (N, C, *spatial) with ``pads`` [(lo, hi)] per spatial dim filled with ``value``; x itself if no padding."""
    if all(lo == 0 and hi == 0 for lo, hi in pads):
        return x
    xp = xp_of(x)
    shape = x.shape[:2] + tuple(s + lo + hi for s, (lo, hi) in zip(x.shape[2:], pads))
    out = xp.full(shape, value, dtype=x.dtype)
    out[(slice(None), slice(None)) + tuple(slice(lo, lo + s) for s, (lo, _) in zip(x.shape[2:], pads))] = x
    return out


def windows(xpad, K, D, St, O):
    """A strided view (N, C, *O, *K) of the windows of an already padded array (no copy)."""
    xp = xp_of(xpad)
    nd = len(K)
    st = xpad.strides
    sp = st[2:]
    shape = xpad.shape[:2] + tuple(O) + tuple(K)
    strides = st[:2] + tuple(sp[i] * St[i] for i in range(nd)) + tuple(sp[i] * D[i] for i in range(nd))
    return xp.lib.stride_tricks.as_strided(xpad, shape=shape, strides=strides, writeable=False)


def im2col_array(x, K, D, pads, St):
    """(N, C, *S) -> contiguous columns (N, C*prod(K), L): row c*prod(K) + k holds x at offset k of every window."""
    xp = xp_of(x)
    N, C = x.shape[:2]
    nd = len(K)
    O = out_size(x.shape[2:], K, D, pads, St)
    xpad = pad_array(x, pads)
    w = windows(xpad, K, D, St, O)  # (N, C, *O, *K)
    perm = (0, 1) + tuple(range(2 + nd, 2 + 2 * nd)) + tuple(range(2, 2 + nd))
    cols = xp.ascontiguousarray(w.transpose(perm))  # (N, C, *K, *O): the one copy
    return cols.reshape(N, C * math.prod(K), math.prod(O))


def col2im_array(cols, S, K, D, pads, St):
    """Adjoint of im2col: (N, C*prod(K), L) -> (N, C, *S), adding every column entry at its input position."""
    xp = xp_of(cols)
    N = cols.shape[0]
    C = cols.shape[1] // math.prod(K)
    O = out_size(S, K, D, pads, St)
    c = cols.reshape((N, C) + tuple(K) + tuple(O))
    full = tuple(max(s + lo + hi, (o - 1) * st + d * (k - 1) + 1)
                 for s, (lo, hi), o, st, d, k in zip(S, pads, O, St, D, K))
    out = xp.zeros((N, C) + full, dtype=cols.dtype)
    head = (slice(None), slice(None))
    for kidx in itertools.product(*(range(k) for k in K)):  # prod(K) strided adds, no np.add.at
        sl = tuple(slice(kk * d, kk * d + st * (o - 1) + 1, st) for kk, d, st, o in zip(kidx, D, St, O))
        out[head + sl] += c[head + kidx]
    if all(lo == 0 and f == s for (lo, _), f, s in zip(pads, full, S)):
        return out
    crop = tuple(slice(lo, lo + s) for (lo, _), s in zip(pads, S))
    return xp.ascontiguousarray(out[head + crop])


class Unfold(NativeFunction):
    """im2col as an op: (N, C, *S) -> (N, C*prod(K), L); backward is Fold (col2im)."""

    node_name = "Im2ColBackward0"
    linear = True

    @staticmethod
    def forward(ctx, x, geo=None):
        ctx.geo = geo
        ctx.S = x.shape[2:]
        return im2col_array(x, *geo)

    @staticmethod
    def backward(ctx, g):
        return Fold.apply(g, S=ctx.S, geo=ctx.geo)


class Fold(NativeFunction):
    """col2im as an op: (N, C*prod(K), L) -> (N, C, *S); backward is Unfold (im2col)."""

    node_name = "Col2ImBackward0"
    linear = True

    @staticmethod
    def forward(ctx, cols, S=None, geo=None):
        ctx.geo, ctx.S = geo, S
        return col2im_array(cols, S, *geo)

    @staticmethod
    def backward(ctx, g):
        return Unfold.apply(g, geo=ctx.geo)


def unfold_nd(x, K, D, pads, St):
    """Differentiable im2col on a Tensor; ``pads`` is [(lo, hi)] per spatial dim."""
    return Unfold.apply(x, geo=(tuple(K), tuple(D), tuple(pads), tuple(St)))


def fold_nd(cols, S, K, D, pads, St):
    """Differentiable col2im on a Tensor."""
    return Fold.apply(cols, S=tuple(S), geo=(tuple(K), tuple(D), tuple(pads), tuple(St)))


def _check_tensor(op, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    r"""Extract sliding local blocks (im2col): (N, C, H, W) -> (N, C*kh*kw, L), L = number of blocks.

    Block (i, j) of the output's last dim is the window at rows i*stride - padding + r*dilation,
    r < kh (and likewise for columns); L = prod_d floor((S_d + 2p_d - d_d(k_d-1) - 1)/s_d) + 1.
    An unbatched (C, H, W) input gives (C*kh*kw, L).

    >>> unfold(reograd.randn(1, 3, 10, 12), kernel_size=(2, 3)).shape
    reograd.Size([1, 18, 99])
    """
    _check_tensor("unfold", input)
    if input.dim() not in (3, 4):
        raise NotImplementedError(f"unfold: input must be a 3-D (unbatched) or 4-D (batched) tensor, got shape "
                                  f"{list(input.shape)}: only 4-D input tensors (batched image-like tensors) "
                                  "are supported")
    unbatched = input.dim() == 3
    x = input.unsqueeze(0) if unbatched else input
    K = ntuple("unfold", "kernel_size", kernel_size, 2)
    D = ntuple("unfold", "dilation", dilation, 2)
    P = ntuple("unfold", "padding", padding, 2)
    St = ntuple("unfold", "stride", stride, 2)
    pads = tuple((p, p) for p in P)
    O = out_size(x.shape[2:], K, D, pads, St)
    if any(o <= 0 for o in O):
        raise RuntimeError(f"unfold: the kernel {K} (dilation {D}) does not fit in the padded input "
                           f"(input shape {list(input.shape)}, padding {P}, stride {St}): the number of "
                           f"blocks per dim, floor((W - F + 2P)/S) + 1, is {O}, must be > 0")
    y = unfold_nd(x, K, D, pads, St)
    return y.squeeze(0) if unbatched else y


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    r"""Combine sliding local blocks into a tensor (col2im, summing overlaps): (N, C*kh*kw, L) -> (N, C, *output_size).

    The adjoint of ``unfold``: ``fold(unfold(x))`` multiplies each pixel by the number of blocks
    that cover it. An unbatched (C*kh*kw, L) input gives (C, *output_size).
    """
    _check_tensor("fold", input)
    if input.dim() not in (2, 3):
        raise NotImplementedError(f"fold: input must be a 2-D (unbatched) or 3-D (batched) tensor, got shape "
                                  f"{list(input.shape)}")
    unbatched = input.dim() == 2
    x = input.unsqueeze(0) if unbatched else input
    S = ntuple("fold", "output_size", output_size, 2)
    K = ntuple("fold", "kernel_size", kernel_size, 2)
    D = ntuple("fold", "dilation", dilation, 2)
    P = ntuple("fold", "padding", padding, 2)
    St = ntuple("fold", "stride", stride, 2)
    pads = tuple((p, p) for p in P)
    kp = math.prod(K)
    if x.shape[1] % kp:
        raise RuntimeError(f"fold: expected size of input's dimension 1 to be divisible by the product of "
                           f"kernel_size, but got input.size(1)={x.shape[1]} and kernel_size={K}")
    O = out_size(S, K, D, pads, St)
    if any(o <= 0 for o in O) or math.prod(O) != x.shape[2]:
        raise RuntimeError(f"fold: given output_size={S}, kernel_size={K}, dilation={D}, padding={P}, "
                           f"stride={St}, expected size of input's dimension 2 to match the calculated number "
                           f"of sliding blocks {' * '.join(map(str, O))} = {math.prod(O)}, but got "
                           f"input.size(2)={x.shape[2]} (input shape {list(input.shape)})")
    y = fold_nd(x, S, K, D, pads, St)
    return y.squeeze(0) if unbatched else y
