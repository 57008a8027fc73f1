"""The fused ``linear`` op (y = x Wᵀ + b in one GEMM) and ``bilinear`` (y = x1ᵀ A x2 + b).

``reograd.nn.functional.linear`` / ``bilinear`` are these functions.
"""
from __future__ import annotations

from ...autograd.function import NativeFunction
from ...autograd.tensor import Tensor

__all__ = ["linear", "bilinear"]


class Linear(NativeFunction):
    """y = x @ W.T + b over the last dimension of x (leading dimensions flattened into one GEMM).

    backward:  dX = G W,   dW = Gᵀ X  (G, X flattened to 2-D),   db = Σ G over the leading dims.
    jvp:       dy = dX Wᵀ + X dWᵀ + db.
    """

    node_name = "AddmmBackward0"

    @staticmethod
    def forward(ctx, x, w, b=None):
        ctx.save_for_backward(x, w)
        ctx.has_bias = b is not None
        ctx.bias_shape = None if b is None else b.shape
        if x.ndim == 2:
            y = x @ w.T
        elif x.ndim == 1:
            y = w @ x
        else:
            lead = x.shape[:-1]
            y = (x.reshape(-1, x.shape[-1]) @ w.T).reshape(*lead, w.shape[0])
        if b is not None:
            y += b
        return y

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        nx, nw = ctx.needs_input_grad[:2]
        nb = len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2]
        gx = gw = gb = None
        if nx:
            gx = g.matmul(w)          # (..., out) @ (out, in)
        if nw or nb:
            out = w.shape[0]
            g2 = g.reshape(-1, out) if g.ndim != 2 else g
            if nw:
                x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
                gw = g2.t().matmul(x2)  # (out, N) @ (N, in)
            if nb:
                gb = g2.sum(0)
        return gx, gw, gb

    @staticmethod
    def jvp(ctx, tx, tw, tb=None):
        x, w = ctx.saved_tensors
        out = None
        if tx is not None:
            out = linear(tx, w)
        if tw is not None:
            t = linear(x, tw)
            out = t if out is None else out + t
        if tb is not None:
            out = tb if out is None else out + tb
        return out


def linear(input, weight, bias=None):
    """Apply an affine map: ``y = input @ weight.T + bias`` (``torch.nn.functional.linear``).

    Args:
        input: ``(*, in_features)``.
        weight: ``(out_features, in_features)``.
        bias: ``(out_features,)`` or None.

    Returns: ``(*, out_features)``. One BLAS call for any number of leading dimensions.
    """
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(f"linear(): expected Tensors for input and weight, got {type(input).__name__} and "
                        f"{type(weight).__name__}")
    xs, ws = input._data.shape, weight._data.shape
    if weight._data.ndim not in (1, 2):
        raise RuntimeError(f"linear: weight must be 1-D or 2-D, got shape {tuple(ws)}")
    if input._data.ndim == 0:
        raise RuntimeError("linear: input must have at least 1 dimension, got a 0-d tensor")
    if weight._data.ndim == 1:  # torch allows a vector weight: y = input @ weight (+ bias)
        y = input.matmul(weight)
        return y if bias is None else y + bias
    if xs[-1] != ws[1]:
        raise RuntimeError(f"linear: input has {xs[-1]} features but weight expects {ws[1]} "
                           f"(input shape {tuple(xs)}, weight shape {tuple(ws)})")
    if input._data.dtype != weight._data.dtype or (bias is not None and bias._data.dtype != weight._data.dtype):
        raise RuntimeError(f"linear: expected input, weight and bias to have the same dtype, but got input "
                           f"{input.dtype}, weight {weight.dtype}" + ("" if bias is None else f", bias {bias.dtype}")
                           + " (cast with .to(dtype) or model.double())")
    if bias is not None:
        if bias._data.ndim > 1 or (bias._data.ndim == 1 and bias._data.shape[0] not in (1, ws[0])):
            raise RuntimeError(f"linear: bias of shape {tuple(bias.shape)} doesn't match out_features={ws[0]} "
                               f"(weight shape {tuple(ws)})")
        return Linear.apply(input, weight, bias)
    return Linear.apply(input, weight)


def bilinear(input1, input2, weight, bias=None):
    """``y_k = x1ᵀ A_k x2 + b_k`` (``torch.nn.functional.bilinear``).

    Args:
        input1: ``(*, in1_features)``; input2: ``(*, in2_features)`` (same leading dims).
        weight: ``(out_features, in1_features, in2_features)``; bias: ``(out_features,)`` or None.

    Returns: ``(*, out_features)``. Computed as (x1 ⊗ x2) flattened, times A flattened: one GEMM.
    """
    s1, s2, sw = tuple(input1.shape), tuple(input2.shape), tuple(weight.shape)
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear: weight must be 3-D (out, in1, in2), got shape {sw}")
    if s1[-1] != sw[1] or s2[-1] != sw[2]:
        raise RuntimeError(f"bilinear: input1 has {s1[-1]} and input2 has {s2[-1]} features but weight expects "
                           f"{sw[1]} and {sw[2]} (input1 shape {s1}, input2 shape {s2}, weight shape {sw})")
    if s1[:-1] != s2[:-1]:
        raise RuntimeError(f"bilinear: input1 and input2 must have the same leading dimensions, got {s1} and {s2}")
    outer = input1.unsqueeze(-1) * input2.unsqueeze(-2)          # (*, in1, in2)
    flat = outer.reshape(*s1[:-1], sw[1] * sw[2])
    return linear(flat, weight.reshape(sw[0], sw[1] * sw[2]), bias)
