"""The fused recurrent op (reograd.ops.nn.recurrent): the closed-form backward through time against
finite differences and against the Tensor-op form it replaces, in every mode, direction and layout
(padded, packed with uneven lengths), with and without biases, projections and initial-state
gradients; gradcheck / gradgradcheck on small cells and on a 2-layer bidirectional LSTM; forward
mode; a second backward (retain_graph); in-place changes of saved inputs and outputs detected;
the graph holding one node per layer and direction."""
import itertools

import numpy as np
import pytest

import reograd
from reograd.autograd import forward_ad as fwAD
from reograd.autograd import gradcheck, gradgradcheck
from reograd.ops.nn.recurrent import (Recurrence, composite, gru_cell, lstm_cell, recurrent_layers, rnn_relu_cell,
                                      rnn_tanh_cell)

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}
I, H, P = 3, 4, 2


def make_inputs(mode, batch_sizes, proj, bias, rng, scale=0.6):
    """Float64 inputs of the op: x (packed rows (T, I), or padded (L, N, I) when batch_sizes is an int pair)."""
    if isinstance(batch_sizes, tuple) and len(batch_sizes) == 2 and batch_sizes[0] < 0:
        L, N = -batch_sizes[0], batch_sizes[1]
        x = rng.standard_normal((L, N, I))
        bs = None
    else:
        N = batch_sizes[0]
        x = rng.standard_normal((sum(batch_sizes), I))
        bs = batch_sizes
    G = GATES[mode] * H
    h_out = P if proj else H
    arrs = [x, rng.standard_normal((N, h_out)) * 0.5, rng.standard_normal((N, H)) * 0.5 if mode == "LSTM" else None,
            rng.standard_normal((G, I)) * scale, rng.standard_normal((G, h_out)) * scale,
            rng.standard_normal(G) * 0.3 if bias else None, rng.standard_normal(G) * 0.3 if bias else None,
            rng.standard_normal((P, H)) * scale if proj else None]
    return [None if a is None else reograd.tensor(a, requires_grad=True) for a in arrs], bs


def outputs_loss(outs, ws):
    return sum((o * w).sum() for o, w in zip(outs, ws) if o is not None)


LAYOUTS = {"padded": (-5, 3), "packed": (4, 4, 3, 1, 1), "one-step": (3,)}
OP_CASES = [(m, lay, rev, proj, bias) for m, lay, rev, proj, bias in
            itertools.product(["RNN_TANH", "RNN_RELU", "LSTM", "GRU"], LAYOUTS, [False, True], [False, True],
                              [True, False]) if not (proj and m != "LSTM")]


@pytest.mark.parametrize("mode,layout,reverse,proj,bias", OP_CASES,
                         ids=[f"{m}-{lay}-{'rev' if r else 'fwd'}{'-proj' if p else ''}{'' if b else '-nobias'}"
                              for m, lay, r, p, b in OP_CASES])
def test_closed_form_backward(mode, layout, reverse, proj, bias):
    """One backward (the closed form) equals the Tensor-op form's gradients and a central difference
    along a random direction."""
    rng = np.random.default_rng(hash((mode, layout, reverse, proj, bias)) % 2**32)
    inputs, bs = make_inputs(mode, LAYOUTS[layout], proj, bias, rng)
    outs = Recurrence.apply(*inputs, mode, reverse, bs)
    ws = [reograd.tensor(rng.standard_normal(tuple(o.shape))) for o in outs]
    outputs_loss(outs, ws).backward()
    ours = [None if t is None else t.grad.numpy().copy() for t in inputs]
    for t in inputs:
        if t is not None:
            t.grad = None
    outputs_loss(composite(mode, *inputs, reverse, bs), ws).backward()
    for k, t in enumerate(inputs):
        if t is not None:
            np.testing.assert_allclose(ours[k], t.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=f"input {k}")
    # central difference of the loss along a random direction v: <grad, v>
    vs = [None if t is None else rng.standard_normal(tuple(t.shape)) for t in inputs]
    eps = 1e-6

    def loss_at(sign):
        with reograd.no_grad():
            moved = [None if t is None else reograd.tensor(t.detach().numpy() + sign * eps * v)
                     for t, v in zip(inputs, vs)]
            return outputs_loss(Recurrence.apply(*moved, mode, reverse, bs), ws).item()
    numeric = (loss_at(1) - loss_at(-1)) / (2 * eps)
    analytic = sum(float((g * v).sum()) for g, v in zip(ours, vs) if g is not None)
    assert abs(numeric - analytic) <= 1e-6 * max(1.0, abs(numeric))


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH"])
def test_closed_form_with_some_grads_absent(mode):
    """Only h_n used (the output y gets no gradient), input and biases frozen: the same gradients as
    the Tensor-op form, and None for what needs none."""
    rng = np.random.default_rng(1)
    inputs, bs = make_inputs(mode, (3, 3, 2), False, True, rng)
    for k in (0, 5, 6):
        inputs[k].requires_grad_(False)
    res = Recurrence.apply(*inputs, mode, True, bs)
    res[1].sum().backward()
    got = [None if t is None or t.grad is None else t.grad.numpy().copy() for t in inputs]
    assert got[0] is None and got[5] is None and got[6] is None
    for t in inputs:
        if t is not None:
            t.grad = None
    composite(mode, *inputs, True, bs)[1].sum().backward()
    for k, t in enumerate(inputs):
        if t is not None and t.requires_grad:
            np.testing.assert_allclose(got[k], t.grad.numpy(), rtol=1e-10, atol=1e-12)


CELLS = [(lstm_cell, 4, True), (gru_cell, 3, False), (rnn_tanh_cell, 1, False), (rnn_relu_cell, 1, False)]


@pytest.mark.parametrize("cell,gates,two", CELLS, ids=["lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell"])
def test_cells_gradcheck_and_gradgradcheck(cell, gates, two):
    rng = np.random.default_rng(2)

    def t(*shape):
        return reograd.tensor(rng.standard_normal(shape) * 0.7, requires_grad=True)
    x, h, c = t(2, I), t(2, H), t(2, H)
    w_ih, w_hh, b_ih, b_hh = t(gates * H, I), t(gates * H, H), t(gates * H), t(gates * H)

    def f(x, h, c, w_ih, w_hh, b_ih, b_hh):
        return cell(x, (h, c) if two else h, w_ih, w_hh, b_ih, b_hh)
    args = (x, h, c, w_ih, w_hh, b_ih, b_hh)
    assert gradcheck(f, args)
    assert gradgradcheck(f, args)
    assert gradcheck(f, args, check_forward_ad=True)


def test_two_layer_bidirectional_lstm_gradcheck_and_gradgradcheck():
    """Every Jacobian entry (gradcheck) of a tiny 2-layer bidirectional LSTM; the second derivatives
    along random directions (gradgradcheck's fast mode: a full one takes minutes)."""
    m = reograd.nn.LSTM(1, 2, num_layers=2, bidirectional=True).double()
    names = [n for n, _ in m.named_parameters()]
    params = [p.detach().clone().requires_grad_(True) for p in m.parameters()]
    rng = np.random.default_rng(3)
    x = reograd.tensor(rng.standard_normal((3, 1, 1)), requires_grad=True)
    h0 = reograd.tensor(rng.standard_normal((4, 1, 2)), requires_grad=True)

    def f(x, h0, *ps):
        out, (h, c) = reograd.func.functional_call(m, dict(zip(names, ps)), (x, (h0, h0 * 0.5)))
        return out, h, c
    assert gradcheck(f, (x, h0, *params))
    assert gradgradcheck(f, (x, h0, *params), fast_mode=True)


def test_forward_mode_matches_backward():
    """jvp (forward mode) of the op equals <vjp, tangent> pairs: J v checked against Jᵀ u."""
    rng = np.random.default_rng(5)
    inputs, bs = make_inputs("LSTM", (3, 2, 2), True, True, rng)
    tangents = [None if t is None else rng.standard_normal(tuple(t.shape)) for t in inputs]
    with fwAD.dual_level():
        duals = [None if t is None else fwAD.make_dual(t.detach(), reograd.tensor(v)) for t, v in zip(inputs, tangents)]
        outs = Recurrence.apply(*duals, "LSTM", False, bs)
        jv = [fwAD.unpack_dual(o).tangent.numpy() for o in outs]
    us = [rng.standard_normal(a.shape) for a in jv]
    outs = Recurrence.apply(*inputs, "LSTM", False, bs)
    outputs_loss(outs, [reograd.tensor(u) for u in us]).backward()
    lhs = sum(float((u * a).sum()) for u, a in zip(us, jv))
    rhs = sum(float((t.grad.numpy() * v).sum()) for t, v in zip(inputs, tangents) if t is not None)
    assert abs(lhs - rhs) < 1e-9 * max(1.0, abs(lhs))


def test_second_backward_with_retain_graph():
    m = reograd.nn.GRU(3, 4, bidirectional=True).double()
    x = reograd.tensor(np.random.default_rng(6).standard_normal((5, 2, 3)), requires_grad=True)
    out, h = m(x)
    loss = (out * out).sum() + h.sum()
    loss.backward(retain_graph=True)
    first = [x.grad.numpy().copy()] + [p.grad.numpy().copy() for p in m.parameters()]
    loss.backward()  # the closed form has used up its saved gates: this one goes through the Tensor-op form
    second = [x.grad.numpy()] + [p.grad.numpy() for p in m.parameters()]
    for a, b in zip(first, second):
        np.testing.assert_allclose(b, 2 * a, rtol=1e-10, atol=1e-12)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()


def test_in_place_changes_are_detected():
    m = reograd.nn.LSTM(3, 4)
    x = reograd.randn(5, 2, 3, requires_grad=True)
    out, _ = m(x)
    out.mul_(2)  # the output holds the previous hidden states backward reads
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()
    out, _ = m(x)
    with reograd.no_grad():
        m.weight_hh_l0.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_no_grad_forward_equals_recorded_forward_and_keeps_nothing():
    m = reograd.nn.LSTM(3, 4, num_layers=2, proj_size=2)
    x = reograd.randn(6, 2, 3)
    with reograd.no_grad():
        a, (ha, ca) = m(x)
    b, (hb, cb) = m(x)
    for p, q in ((a, b), (ha, hb), (ca, cb)):
        np.testing.assert_array_equal(p.numpy(), q.detach().numpy())
    assert a.grad_fn is None and b.grad_fn is not None


def test_one_node_per_layer_and_direction():
    """The recurrence of a layer and direction is one graph node, not one (or a dozen) per step."""
    m = reograd.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    out, (h, c) = m(reograd.randn(30, 2, 3))
    seen, stack, names = set(), [out.grad_fn, h.grad_fn, c.grad_fn], []
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        names.append(node.name())
        stack.extend(e[0] for e in node.next_functions if e is not None)
    assert names.count("RecurrenceBackward0") == 4
    assert len(names) < 40  # 30 steps: a per-step graph would hold hundreds of nodes


def test_recurrent_layers_is_the_module_computation():
    m = reograd.nn.GRU(3, 4, num_layers=2)
    x = reograd.randn(4, 2, 3)
    h0 = reograd.randn(2, 2, 4)
    weights = [tuple(getattr(m, f"{b}_l{k}", None) for b in ("weight_ih", "weight_hh", "bias_ih", "bias_hh",
                                                            "weight_hr")) for k in range(2)]
    out, h = recurrent_layers("GRU", x, h0, weights, 2)
    ref, href = m(x, h0)
    np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
    np.testing.assert_array_equal(h.detach().numpy(), href.detach().numpy())


def test_cell_function_errors():
    x, h = reograd.randn(2, 3), reograd.zeros(2, 4)
    w_ih, w_hh = reograd.randn(16, 3), reograd.randn(16, 4)
    with pytest.raises(RuntimeError, match="lstm_cell expects two hidden states"):
        lstm_cell(x, h, w_ih, w_hh)
    with pytest.raises(RuntimeError, match="do not fit 3 gates"):
        gru_cell(x, h, w_ih, w_hh)
    with pytest.raises(RuntimeError, match="expected 2-D input"):
        gru_cell(x[0], h, w_ih[:12], w_hh[:12])
