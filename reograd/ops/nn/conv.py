"""Convolution (PyTorch's conv1d/2d/3d and conv_transpose1d/2d/3d), lowered to matrix products.

What PyTorch (and deep learning) calls convolution is cross-correlation: no kernel flip,

    y[n, o, i] = b[o] + sum_{c, k} w[o, c, k] * x_pad[n, g(o)*C/groups + c, i*stride + k*dilation]

Output size per spatial dim: floor((W - D*(F-1) - 1 + 2P) / S) + 1 (the notes' floor((W - F + 2P)/S) + 1
when D = 1). The forward is im2col (one strided copy, ``im2col.py``) followed by ONE batched GEMM per
call: W (groups, O/g, C/g * prod(K)) @ cols (N, groups, C/g * prod(K), L). Backward falls out of the
two differentiable pieces: the matmul's backward gives W^T @ g (then col2im = ``Fold``, i.e. the
transposed convolution) for the input and g @ cols^T (summed over the batch) for the weight; since
``Unfold``/``Fold`` are each other's backward and matmul differentiates with Tensor ops, double
backward and forward mode (jvp) work to any order.

Transposed convolution (``conv_transpose*``) is the adjoint map: cols = W^T @ x, then col2im into
an output of size (W_in - 1)*S - 2P + D*(F-1) + output_padding + 1.
"""
from __future__ import annotations

import math

from ...autograd.function import NativeFunction
from ...autograd.tensor import Tensor
from ..shape.pad import pad as _pad
from .im2col import Fold, Unfold, im2col_array, ntuple, out_size


def _check_inputs(op, nd, input, weight, bias, transposed=False):
    for name, t in (("input", input), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}: expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {op}, but got "
                           f"input of size: {list(input.shape)}")
    if weight.dim() != nd + 2:
        raise RuntimeError(f"{op}: expected weight to be {nd + 2}-dimensional (out_channels, in_channels/groups, "
                           f"*kernel_size), but got weight of size {list(weight.shape)}")
    if input.dtype != weight.dtype or (bias is not None and bias.dtype != input.dtype):
        raise RuntimeError(f"{op}: expected input ({input.dtype}), weight ({weight.dtype})"
                           + (f" and bias ({bias.dtype})" if bias is not None else "") + " to have the same dtype")
    if not input.is_floating_point():
        raise RuntimeError(f"{op}: expected a floating point input, got dtype {input.dtype}")
    if bias is not None:
        n_out = weight.shape[0] if not transposed else None
        if bias.dim() != 1 or (n_out is not None and bias.shape[0] != n_out):
            raise RuntimeError(f"{op}: expected bias to be 1-dimensional with {n_out} elements (weight shape "
                               f"{list(weight.shape)}), but got bias of size {list(bias.shape)}")


def _check_groups(op, groups, C, weight, input, transposed):
    if not isinstance(groups, int) or groups <= 0:
        raise RuntimeError(f"{op}: non-positive groups is not supported (groups={groups})")
    if transposed:
        if weight.shape[0] % groups:
            raise RuntimeError(f"{op}: groups={groups} must divide the number of input channels "
                               f"(weight shape {list(weight.shape)})")
        if C != weight.shape[0]:
            raise RuntimeError(f"{op}: expected input with {weight.shape[0]} channels (weight shape "
                               f"{list(weight.shape)}), got input of shape {list(input.shape)}")
        return
    if weight.shape[0] % groups:
        raise RuntimeError(f"{op}: given groups={groups}, expected weight to be divisible by {groups} at dimension 0 "
                           f"(out_channels), but got weight of size {list(weight.shape)}")
    if C % groups:
        raise RuntimeError(f"{op}: groups={groups} does not divide the {C} input channels (input shape "
                           f"{list(input.shape)})")
    if C != weight.shape[1] * groups:
        extra = f" and groups={groups}" if groups != 1 else ""
        raise RuntimeError(f"{op}: expected input with {weight.shape[1] * groups} channels (weight shape "
                           f"{list(weight.shape)}{extra}), got input of shape {list(input.shape)}")


def _gemm(w, cols, groups, N, kp, L):
    """W (O, C/g, *K) times columns (N, C*kp, L) -> (N, O, L): one batched matmul (per group).

    Works on arrays and on Tensors alike (only ``reshape`` and ``@``)."""
    O = w.shape[0]
    ckg = w.shape[1] * kp
    if groups == 1:
        return w.reshape(O, ckg) @ cols
    y = w.reshape(groups, O // groups, ckg) @ cols.reshape(N, groups, ckg, L)
    return y.reshape(N, O, L)


def _is_pointwise(K, pads, St):
    return math.prod(K) == 1 and all(s == 1 for s in St) and all(p == (0, 0) for p in pads)


class UnfoldCached(NativeFunction):
    """im2col of ``x`` whose columns were already computed (by the convolution's forward): returns them
    without recomputing. Same derivative as ``Unfold`` (backward: ``Fold``)."""

    node_name = "Im2ColBackward0"

    @staticmethod
    def forward(ctx, x, cols=None, geo=None):
        ctx.geo, ctx.S = geo, x.shape[2:]
        return cols

    @staticmethod
    def backward(ctx, g):
        return Fold.apply(g, S=ctx.S, geo=ctx.geo)

    @staticmethod
    def jvp(ctx, t, cols=None, geo=None):
        return Unfold.apply(t, geo=ctx.geo)


class ConvNd(NativeFunction):
    """y = conv(x, w) + b as ONE op: im2col (one strided copy) + one batched GEMM; bias added in place.

    Backward (Tensor ops / ops with their own backward, so any derivative order works):
    - input: for stride 1 (and padding <= dilated kernel extent) the full convolution of g with the
      flipped, in/out-transposed kernel (this same fast op, no col2im); otherwise col2im(W^T g);
    - weight: g @ cols^T summed over the batch, reusing the forward's columns;
    - bias: g summed over batch and space.
    """

    node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, w, b=None, geo=None, groups=1):
        K, D, pads, St = geo
        N, C = x.shape[:2]
        O = out_size(x.shape[2:], K, D, pads, St)
        kp, L = math.prod(K), math.prod(O)
        cols = x.reshape(N, C, L) if _is_pointwise(K, pads, St) else im2col_array(x, K, D, pads, St)
        y = _gemm(w, cols, groups, N, kp, L)
        if b is not None:
            y += b.reshape(-1, 1)
        ctx.save_for_backward(x, w)
        ctx.cols, ctx.geo, ctx.groups, ctx.yshape = cols, geo, groups, (N, w.shape[0]) + O
        return y.reshape(ctx.yshape)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        needs = ctx.needs_input_grad
        K, D, pads, St = ctx.geo
        G = ctx.groups
        nd = len(K)
        N, C = x.shape[0], x.shape[1]
        Oc = w.shape[0]
        kp, L = math.prod(K), math.prod(ctx.yshape[2:])
        gx = gw = gb = None
        if len(needs) > 2 and needs[2]:
            gb = g.sum(dim=(0,) + tuple(range(2, 2 + nd)))
        if needs[0]:
            ext = tuple(d * (k - 1) for d, k in zip(D, K))
            if all(s == 1 for s in St) and all(lo <= e and hi <= e for (lo, hi), e in zip(pads, ext)):
                wt = w.flip(tuple(range(2, 2 + nd))) if kp > 1 else w
                if G == 1:
                    wt = wt.transpose(0, 1)
                else:
                    wt = wt.reshape((G, Oc // G, C // G) + K).transpose(1, 2).reshape((C, Oc // G) + K)
                pads2 = tuple((e - lo, e - hi) for (lo, hi), e in zip(pads, ext))
                gx = ConvNd.apply(g, wt, None, geo=(K, D, pads2, St), groups=G)
            else:
                ckg = w.shape[1] * kp
                if G == 1:
                    cg = w.reshape(Oc, ckg).mT @ g.reshape(N, Oc, L)
                else:
                    cg = (w.reshape(G, Oc // G, ckg).mT @ g.reshape(N, G, Oc // G, L)).reshape(N, C * kp, L)
                gx = Fold.apply(cg, S=tuple(x.shape[2:]), geo=ctx.geo)
        if needs[1]:
            if _is_pointwise(K, pads, St):
                cols = x.reshape(N, C, L)
            else:
                cols = UnfoldCached.apply(x, cols=ctx.cols, geo=ctx.geo)
            if G == 1:
                gw = (g.reshape(N, Oc, L) @ cols.mT).sum(0).reshape(w.shape)
            else:
                ckg = w.shape[1] * kp
                gw = (g.reshape(N, G, Oc // G, L) @ cols.reshape(N, G, ckg, L).mT).sum(0).reshape(w.shape)
        return gx, gw, gb

    @staticmethod
    def jvp(ctx, tx, tw, tb=None, geo=None, groups=1):
        x, w = ctx.saved_tensors
        out = None
        if tx is not None:
            out = ConvNd.apply(tx, w, None, geo=ctx.geo, groups=ctx.groups)
        if tw is not None:
            t = ConvNd.apply(x, tw, None, geo=ctx.geo, groups=ctx.groups)
            out = t if out is None else out + t
        if tb is not None:
            t = tb.reshape((1, -1) + (1,) * (len(ctx.yshape) - 2))
            out = t.expand(ctx.yshape) if out is None else out + t
        return out


def _convnd(op, nd, input, weight, bias, stride, padding, dilation, groups):
    _check_inputs(op, nd, input, weight, bias)
    unbatched = input.dim() == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    C = x.shape[1]
    _check_groups(op, groups, C, weight, input, False)
    K = tuple(weight.shape[2:])
    St = ntuple(op, "stride", stride, nd)
    D = ntuple(op, "dilation", dilation, nd)
    if any(s <= 0 for s in St):
        raise RuntimeError(f"{op}: non-positive stride is not supported (stride={St})")
    if any(d <= 0 for d in D):
        raise RuntimeError(f"{op}: dilation should be greater than zero (dilation={D})")
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            if any(s != 1 for s in St):
                raise RuntimeError(f"{op}: padding='same' is not supported for strided convolutions (stride={St})")
            pads = tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for d, k in zip(D, K))
        else:
            raise ValueError(f"{op}: invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
    else:
        P = ntuple(op, "padding", padding, nd)
        if any(p < 0 for p in P):
            raise RuntimeError(f"{op}: negative padding is not supported (padding={P})")
        pads = tuple((p, p) for p in P)
    S = tuple(x.shape[2:])
    O = out_size(S, K, D, pads, St)
    if any(o <= 0 for o in O):
        padded = tuple(s + lo + hi for s, (lo, hi) in zip(S, pads))
        ext = tuple(d * (k - 1) + 1 for d, k in zip(D, K))
        raise RuntimeError(
            f"{op}: kernel size {K} (dilated extent {ext}) is larger than the padded input {padded} "
            f"(input shape {list(input.shape)}, weight shape {list(weight.shape)}, padding {pads}, stride {St}): "
            f"the output size floor((W - F + 2P)/S) + 1 would be {O}; it must be at least 1")
    y = ConvNd.apply(x, weight, bias, geo=(K, D, pads, St), groups=groups)
    return y.squeeze(0) if unbatched else y


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    r"""1-D convolution (cross-correlation): (N, C_in, L) * (C_out, C_in/groups, k) -> (N, C_out, L_out).

    ``padding``: int, tuple, 'valid' (= 0) or 'same' (output length = input length; stride 1 only).
    L_out = floor((L + 2*padding - dilation*(k-1) - 1) / stride) + 1. Unbatched (C_in, L) works too.
    """
    return _convnd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    r"""2-D convolution (cross-correlation, as in PyTorch):

    y[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q] * x_pad[n, c + g*C/groups, i*s_h + p*d_h, j*s_w + q*d_w]

    Shapes: input (N, C_in, H, W) (or unbatched (C_in, H, W)), weight (C_out, C_in/groups, kH, kW),
    bias (C_out,). H_out = floor((H + 2*pad_h - d_h*(kH-1) - 1)/s_h) + 1, likewise W_out.
    ``padding``: int, pair, 'valid' or 'same'. ``groups`` = C_in gives a depthwise convolution.

    >>> conv2d(reograd.randn(8, 3, 28, 28), reograd.randn(16, 3, 5, 5), padding=2).shape
    reograd.Size([8, 16, 28, 28])
    """
    return _convnd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    r"""3-D convolution: (N, C_in, D, H, W) * (C_out, C_in/groups, kD, kH, kW) -> (N, C_out, D_out, H_out, W_out)."""
    return _convnd("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def _conv_transposend(op, nd, input, weight, bias, stride, padding, output_padding, groups, dilation):
    _check_inputs(op, nd, input, weight, bias, transposed=True)
    unbatched = input.dim() == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    N, C = x.shape[0], x.shape[1]
    if isinstance(padding, str):
        raise RuntimeError(f"{op}: padding must be an int or a tuple of ints, got {padding!r}")
    _check_groups(op, groups, C, weight, input, True)
    K = tuple(weight.shape[2:])
    St = ntuple(op, "stride", stride, nd)
    P = ntuple(op, "padding", padding, nd)
    OP = ntuple(op, "output_padding", output_padding, nd)
    D = ntuple(op, "dilation", dilation, nd)
    if any(s <= 0 for s in St) or any(d <= 0 for d in D) or any(p < 0 for p in P):
        raise RuntimeError(f"{op}: stride and dilation must be positive and padding non-negative "
                           f"(stride={St}, dilation={D}, padding={P})")
    for o, s, d in zip(OP, St, D):
        if o < 0 or (o >= s and o >= d):
            raise RuntimeError(f"{op}: output padding must be smaller than either stride or dilation, but got "
                               f"output_padding={OP}, stride={St}, dilation={D}")
    Cout = weight.shape[1] * groups
    if bias is not None and bias.shape[0] != Cout:
        raise RuntimeError(f"{op}: expected bias of {Cout} elements (weight shape {list(weight.shape)}, groups="
                           f"{groups}), got bias of size {list(bias.shape)}")
    S = tuple(x.shape[2:])
    out = tuple((s - 1) * st - 2 * p + d * (k - 1) + o + 1 for s, st, p, d, k, o in zip(S, St, P, D, K, OP))
    if any(o <= 0 for o in out):
        raise RuntimeError(f"{op}: the output size (W_in - 1)*S - 2P + D*(F-1) + output_padding + 1 = {out} is too "
                           f"small (input shape {list(input.shape)}, weight shape {list(weight.shape)}, "
                           f"stride {St}, padding {P})")
    kp, L = math.prod(K), math.prod(S)
    cg, og = C // groups, weight.shape[1]
    if groups == 1:
        cols = weight.reshape(C, og * kp).mT @ x.reshape(N, C, L)          # (N, Cout*kp, L)
    else:
        cols = weight.reshape(groups, cg, og * kp).mT @ x.reshape(N, groups, cg, L)
        cols = cols.reshape(N, Cout * kp, L)
    pads = tuple((p, p) for p in P)
    if kp == 1 and all(s == 1 for s in St) and all(p == 0 for p in P) and not any(OP):
        y = cols.reshape((N, Cout) + out)
    elif out_size(out, K, D, pads, St) == S:
        y = Fold.apply(cols, S=out, geo=(K, D, pads, St))
    else:
        # output_padding >= stride (allowed when dilation > output_padding): the output is the full
        # transposed convolution cropped by ``padding`` at the low end and by ``padding - output_padding``
        # at the high end; where that is negative, zeros are appended.
        ext = tuple(max(op - p, 0) for op, p in zip(OP, P))
        pads2 = tuple((p, max(p - op, 0)) for op, p in zip(OP, P))
        out0 = tuple(o - e for o, e in zip(out, ext))
        y = Fold.apply(cols, S=out0, geo=(K, D, pads2, St))
        if any(ext):
            y = _pad(y, tuple(v for e in reversed(ext) for v in (0, e)))
    if bias is not None:
        y = y + bias.reshape((Cout,) + (1,) * nd)
    return y.squeeze(0) if unbatched else y


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    r"""1-D transposed convolution (the adjoint of conv1d; "deconvolution"):
    (N, C_in, L) * (C_in, C_out/groups, k) -> (N, C_out, (L-1)*stride - 2*padding + dilation*(k-1) + output_padding + 1).
    """
    return _conv_transposend("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    r"""2-D transposed convolution: each input pixel scatters ``weight``-scaled copies into the output
    (col2im of W^T x), the gradient of conv2d w.r.t. its input. weight: (C_in, C_out/groups, kH, kW);
    H_out = (H-1)*s - 2p + d*(kH-1) + output_padding + 1 (likewise W_out).
    """
    return _conv_transposend("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    r"""3-D transposed convolution: weight (C_in, C_out/groups, kD, kH, kW)."""
    return _conv_transposend("conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding, groups,
                             dilation)
