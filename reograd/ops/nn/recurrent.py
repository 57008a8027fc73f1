"""Recurrent layers and cells as fused ops: Elman RNN (tanh / relu), LSTM (with projections) and GRU.

The notes' recurrence ``h_{t+1} = φ(x_t, h_t; θ)`` unrolled in time. One layer and one direction of
one sequence batch is one graph node, ``Recurrence``: its forward does the input projection of
every time step as one GEMM (``X W_ihᵀ + b``), then per step one GEMM with ``W_hh`` and the gate
arithmetic on arrays (``recurrent_kernels``); its backward runs backpropagation through time in
closed form (one GEMM with ``W_hh`` per step) and then gets ``dW_ih``, ``dW_hh``, the biases and
``dX`` with one GEMM each over all steps. Under ``create_graph`` (double backward, a gradient
penalty), for a second backward of a retained graph, and in forward mode, the op instead
differentiates ``composite``, the same computation written with Tensor ops (a node per step), so
derivatives of every order are exact.

Layout: the input is either padded, ``(L, N, H_in)`` time-major, or the packed rows of a
``PackedSequence`` (``(T, H_in)`` with ``batch_sizes``: at step t the first ``batch_sizes[t]``
sequences, the longest first). The cells (``lstm_cell`` ...) are the one-step case.
Gate order in the weights, as PyTorch: LSTM ``[i | f | g | o]``, GRU ``[r | z | n]``.
"""
from __future__ import annotations

from ...autograd import engine
from ...autograd.function import NativeFunction
from ...autograd.grad_mode import enable_grad
from ...autograd.grad_mode import state as _gstate
from ...autograd.tensor import Tensor
from ..creation.factories import zeros
from ..shape.joins import cat, stack
from . import recurrent_kernels as K
from .dropout import dropout_f

__all__ = ["lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell"]

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}  # the modes, and their gates per hidden unit


def steps_of(batch_sizes, reverse):
    """The ``(first row, rows)`` block of every time step in processing order (last step first if reverse)."""
    out = []
    s = 0
    for b in batch_sizes:
        out.append((s, b))
        s += b
    return out[::-1] if reverse else out


class Recurrence(NativeFunction):
    """One recurrent layer in one direction over a whole (padded or packed) batch of sequences.

    apply(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, mode, reverse, batch_sizes) returns
    ``(y, h_n)`` (``(y, h_n, c_n)`` for LSTM): y has x's layout with H_out features, h_n/c_n are
    each sequence's final state (N, H_out) / (N, H). ``c0``, the biases and ``w_hr`` may be None.
    """

    node_name = "RecurrenceBackward0"

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, mode, reverse, batch_sizes):
        padded = batch_sizes is None
        x_in = x
        if padded:
            L, N = x.shape[0], x.shape[1]
            batch_sizes = (N,) * L
            x = x.reshape(L * N, x.shape[2])
        steps = steps_of(batch_sizes, reverse)
        keep = any(ctx.needs_input_grad)
        c_n = None
        if mode == "LSTM":
            y, h_n, c_n, saved = K.lstm_forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, steps, keep)
        elif mode == "GRU":
            y, h_n, saved = K.gru_forward(x, h0, w_ih, w_hh, b_ih, b_hh, steps, keep)
        else:
            y, h_n, saved = K.rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh, steps, mode == "RNN_RELU", keep)
        if padded:
            y = y.reshape(L, N, y.shape[1])
        ctx.mode, ctx.reverse, ctx.batch_sizes = mode, reverse, None if padded else batch_sizes
        ctx.steps, ctx.kernel_saved, ctx.fresh = steps, saved, keep
        # (saved only when a graph or a tangent needs it) the output too: backward reads the previous
        # states from it, and sees in-place changes of it
        ctx.save_for_backward(x_in, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, y)
        ctx.set_materialize_grads(False)
        return (y, h_n, c_n) if mode == "LSTM" else (y, h_n)

    @staticmethod
    def backward(ctx, gy, gh_n, gc_n=None):
        # The closed form uses up the forward's saved gates (it writes the gradients over them). A
        # second backward (retain_graph) and create_graph (double backward, jvp) differentiate the
        # Tensor-op form instead, which needs only the inputs.
        if _gstate.grad_enabled or not ctx.fresh:
            return _backward_by_composite(ctx, (gy, gh_n, gc_n))
        ctx.fresh = False
        grads = _backward_closed_form(ctx, gy, gh_n, gc_n)
        ctx.kernel_saved = None
        return grads

    @staticmethod
    def jvp(ctx, *tangents):
        # forward mode by the double-vjp trick on the Tensor-op form, from detached copies of the
        # inputs (they need not require grad): J t = d/du <vjpᵀ(u), t>
        inputs = [None if t is None else t.detach().requires_grad_(True) for t in ctx.saved_tensors[:8]]
        with enable_grad():
            outs = [o for o in composite(ctx.mode, *inputs, ctx.reverse, ctx.batch_sizes) if o is not None]
            us = [zeros(tuple(o.shape), dtype=o.dtype).requires_grad_(True) for o in outs]
            pairs = [(x, t) for x, t in zip(inputs, tangents[:8]) if x is not None and t is not None]
            gin = engine.grad(outs, [x for x, _ in pairs], us, create_graph=True, allow_unused=True,
                              materialize_grads=True)
            total = sum((g * t).sum() for g, (_, t) in zip(gin, pairs))
            res = engine.grad(total, us, allow_unused=True, materialize_grads=True)
        return tuple(res)


def _backward_closed_form(ctx, gy, gh_n, gc_n):
    x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, y = ctx.saved_tensors  # (checks none was changed in place)
    needs = ctx.needs_input_grad
    xd = x._data
    x2 = xd.reshape(-1, xd.shape[-1])
    Y = y._data.reshape(x2.shape[0], y._data.shape[-1])
    mode, steps, saved = ctx.mode, ctx.steps, ctx.kernel_saved
    dY = None if gy is None else gy._data.reshape(Y.shape)
    dh_n = None if gh_n is None else gh_n._data
    if mode == "LSTM":
        grads = K.lstm_backward(saved, Y, dY, dh_n, None if gc_n is None else gc_n._data, x2, h0._data, c0._data,
                                w_ih._data, w_hh._data, None if w_hr is None else w_hr._data, steps, needs)
    elif mode == "GRU":
        grads = K.gru_backward(saved, Y, dY, dh_n, x2, h0._data, w_ih._data, w_hh._data, steps, needs)
    else:
        grads = K.rnn_backward(saved, Y, dY, dh_n, x2, h0._data, w_ih._data, w_hh._data, steps,
                               mode == "RNN_RELU", needs)
    gx = grads[0]
    if gx is not None:
        gx = gx.reshape(xd.shape)
    return tuple(None if g is None or not n else Tensor._make(g) for g, n in zip((gx,) + grads[1:], needs))


def _backward_by_composite(ctx, grads):
    """The vjp of ``composite`` (recomputed from the saved inputs); with a graph when grad mode is on."""
    inputs = ctx.saved_tensors[:8]
    needs = ctx.needs_input_grad[:8]
    wrt = [t for t, n in zip(inputs, needs) if n]
    create = _gstate.grad_enabled
    with enable_grad():
        outs = composite(ctx.mode, *inputs, ctx.reverse, ctx.batch_sizes)
    pairs = [(o, g) for o, g in zip(outs, grads) if g is not None]
    # (retain_graph: the walk must not free the saved tensors of the graph behind our inputs)
    res = iter(engine.grad([o for o, _ in pairs], wrt, [g for _, g in pairs], retain_graph=True,
                           create_graph=create, allow_unused=True, materialize_grads=True))
    return tuple(next(res) if n else None for n in needs)


# ------------------------------------------------------------------------------------------------
# the same computation with Tensor ops (the reference form; differentiated under create_graph)
# ------------------------------------------------------------------------------------------------
def _affine(x, w, b):
    y = x.matmul(w.t())
    return y if b is None else y + b


def cell_step(mode, p, h, c, w_hh, b_hh, w_hr):
    """One step of ``mode`` in Tensor ops from the input projection ``p`` (incl. b_ih) and the state.

    Returns (h', c') (c' None except for LSTM).
    """
    if mode == "GRU":
        gh = _affine(h, w_hh, b_hh)
        H = h.shape[-1]
        r = (p[:, :H] + gh[:, :H]).sigmoid()
        z = (p[:, H:2 * H] + gh[:, H:2 * H]).sigmoid()
        n = (p[:, 2 * H:] + r * gh[:, 2 * H:]).tanh()
        return n + z * (h - n), None
    a = _affine(h, w_hh, b_hh) + p
    if mode == "LSTM":
        i, f, g, o = a.chunk(4, 1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        m = o.sigmoid() * c.tanh()
        return (m if w_hr is None else m.matmul(w_hr.t())), c
    return (a.relu() if mode == "RNN_RELU" else a.tanh()), None


def composite(mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, reverse, batch_sizes):
    """``Recurrence`` written with Tensor ops: one projection, then a loop of ``cell_step`` over the
    step blocks, a finished sequence's state carried along untouched. Same arguments and outputs."""
    padded = batch_sizes is None
    shape = tuple(x.shape)
    if padded:
        batch_sizes = (shape[1],) * shape[0]
        x = x.reshape(shape[0] * shape[1], shape[2])
    P = _affine(x, w_ih, b_ih)
    h, c = h0, c0
    ys = {}
    for s, b in steps_of(batch_sizes, reverse):
        hb, cb = cell_step(mode, P[s:s + b], h[:b], None if c is None else c[:b], w_hh, b_hh, w_hr)
        ys[s] = hb
        full = b == h.shape[0]
        h = hb if full else cat([hb, h[b:]])
        if cb is not None:
            c = cb if full else cat([cb, c[b:]])
    y = cat([ys[s] for s in sorted(ys)]) if ys else P[:, :0]
    if padded:
        y = y.reshape(shape[0], shape[1], -1)
    return (y, h, c) if mode == "LSTM" else (y, h)


# ------------------------------------------------------------------------------------------------
# entry points: a stack of layers (what nn.RNN / LSTM / GRU run) and the one-step cells
# ------------------------------------------------------------------------------------------------
def recurrent_layers(mode, input, hx, weights, num_layers, dropout=0.0, training=False, bidirectional=False,
                     batch_sizes=None):
    """Run ``num_layers`` stacked recurrent layers (each in one or two directions) over ``input``.

    Args:
        mode: "RNN_TANH", "RNN_RELU", "LSTM" or "GRU".
        input: ``(L, N, H_in)`` (time first), or the packed rows ``(T, H_in)`` when ``batch_sizes`` (a
            sequence of ints, non-increasing) is given.
        hx: ``h_0`` of shape ``(num_layers * D, N, H_out)``; for LSTM the pair ``(h_0, c_0)``, c_0 of
            shape ``(num_layers * D, N, H)``. D = 2 if bidirectional else 1.
        weights: for each layer and direction (layer-major, forward direction first) the tuple
            ``(w_ih, w_hh, b_ih, b_hh, w_hr)``, any of the last three None.
        dropout, training: dropout on the outputs of every layer but the last, when training.

    Returns ``(output, h_n)`` or, for LSTM, ``(output, (h_n, c_n))``; output has input's layout with
    ``D * H_out`` features (the directions concatenated), h_n stacks the final states layer-major.
    The layer's input for layer k > 0 is the previous layer's output.
    """
    D = 2 if bidirectional else 1
    lstm = mode == "LSTM"
    h0, c0 = hx if lstm else (hx, None)
    layer_in = input
    hs, cs = [], []
    for layer in range(num_layers):
        outs = []
        for d in range(D):
            k = layer * D + d
            res = Recurrence.apply(layer_in, h0[k], None if c0 is None else c0[k], *weights[k], mode, d == 1,
                                   None if batch_sizes is None else tuple(batch_sizes))
            outs.append(res[0])
            hs.append(res[1])
            if lstm:
                cs.append(res[2])
        layer_in = outs[0] if D == 1 else cat(outs, -1)
        if dropout and training and layer < num_layers - 1:
            layer_in = dropout_f(layer_in, dropout, True)
    h_n = stack(hs)
    return (layer_in, (h_n, stack(cs))) if lstm else (layer_in, h_n)


def recurrent_cell(op, mode, input, hx, w_ih, w_hh, b_ih, b_hh):
    """One step of ``mode`` over a batch (N, H_in), checked (``op`` names the caller in errors): the layer
    op with a single time step of N rows. hx: h (N, H), or (h, c) for LSTM. Returns h' or (h', c')."""
    h, c = (hx if mode == "LSTM" else (hx, None))
    if input.ndim != 2 or h.ndim != 2 or (c is not None and c.ndim != 2):
        raise RuntimeError(f"{op}: expected 2-D input (N, input_size) and 2-D hidden state(s) (N, hidden_size), "
                           f"got input of shape {tuple(input.shape)} and hidden of shape {tuple(h.shape)}")
    n, gates = input.shape[0], w_ih.shape[0]
    hid = w_hh.shape[1]
    if input.shape[1] != w_ih.shape[1]:
        raise RuntimeError(f"{op}: input has inconsistent input_size: got {input.shape[1]} expected "
                           f"{w_ih.shape[1]} (input shape {tuple(input.shape)}, weight_ih shape {tuple(w_ih.shape)})")
    if gates != GATES[mode] * hid or tuple(w_hh.shape) != (gates, hid):
        raise RuntimeError(f"{op}: weight_ih {tuple(w_ih.shape)} and weight_hh {tuple(w_hh.shape)} do not fit "
                           f"{GATES[mode]} gates of hidden size {hid}")
    for k, s in enumerate((h,) if c is None else (h, c)):
        if s.shape[0] != n:
            raise RuntimeError(f"{op}: Input batch size {n} doesn't match hidden{k} batch size {s.shape[0]}")
        if s.shape[1] != hid:
            raise RuntimeError(f"{op}: hidden{k} has inconsistent hidden_size: got {s.shape[1]}, expected {hid}")
    dt = input.dtype
    for name, t in (("hidden", h), ("cell state", c), ("weight_ih", w_ih), ("weight_hh", w_hh), ("bias_ih", b_ih),
                    ("bias_hh", b_hh)):
        if t is not None and t.dtype != dt:
            raise RuntimeError(f"{op}: expected {name} to have the input's dtype {dt}, got {t.dtype}")
    res = Recurrence.apply(input, h, c, w_ih, w_hh, b_ih, b_hh, None, mode, False, (n,))
    return (res[1], res[2]) if mode == "LSTM" else res[1]


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step (``torch.lstm_cell``): ``(h', c')`` from input (N, H_in) and ``hx = (h, c)``, each (N, H).

    i, f, g, o = σ, σ, tanh, σ of ``x W_ihᵀ + b_ih + h W_hhᵀ + b_hh`` (4H columns in that order);
    c' = f ⊙ c + i ⊙ g; h' = o ⊙ tanh(c'). One graph node, closed-form backward.
    """
    if not isinstance(hx, (tuple, list)) or len(hx) != 2:
        raise RuntimeError("lstm_cell expects two hidden states (h, c)")
    return recurrent_cell("lstm_cell", "LSTM", input, tuple(hx), w_ih, w_hh, b_ih, b_hh)


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step (``torch.gru_cell``): h' from input (N, H_in) and h (N, H).

    r = σ(x W_irᵀ + b_ir + h W_hrᵀ + b_hr), z likewise, n = tanh(x W_inᵀ + b_in + r ⊙ (h W_hnᵀ + b_hn)),
    h' = (1 - z) ⊙ n + z ⊙ h (3H columns in the order r, z, n).
    """
    return recurrent_cell("gru_cell", "GRU", input, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One Elman step (``torch.rnn_tanh_cell``): h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)."""
    return recurrent_cell("rnn_tanh_cell", "RNN_TANH", input, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One Elman step with ReLU (``torch.rnn_relu_cell``): h' = relu(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)."""
    return recurrent_cell("rnn_relu_cell", "RNN_RELU", input, hx, w_ih, w_hh, b_ih, b_hh)
