"""nn.RNN / LSTM / GRU and the cells against PyTorch with copied weights, in every configuration the
issue lists (layers 1-3, both directions, batch_first both ways, with and without bias, proj_size,
packed inputs with unsorted lengths, dropout in eval mode): outputs, final states, and the
gradients of the input, the initial states and every parameter; double backward (a gradient
penalty). Plus PyTorch's module surface: parameter names and shapes, init bounds, state_dict,
repr, _flat_weights / all_weights, flatten_parameters, the dropout warning, and the errors."""
import itertools
import math
import warnings

import numpy as np
import pytest

import reograd
import reograd.nn as nn
from reograd.nn.utils import rnn as rnn_utils


@pytest.fixture(scope="module")
def torch():
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # these inputs are tiny: torch's thread pool only adds latency on a busy machine
    yield torch
    torch.set_num_threads(threads)


# (class name, extra kwargs): the five kinds of recurrence
KINDS = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("LSTM", {"proj_size": 3}), ("GRU", {})]
KIND_IDS = ["rnn_tanh", "rnn_relu", "lstm", "lstm_proj", "gru"]
I_SIZE, H_SIZE, SEQ, BATCH = 4, 5, 6, 3


def copy_weights(ours, theirs):
    """Load torch module ``theirs``'s state_dict into reograd module ``ours`` (PyTorch's keys)."""
    ours.load_state_dict({k: reograd.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})


def make_pair(torch, kind, kw, **cfg):
    theirs = getattr(torch.nn, kind)(I_SIZE, H_SIZE, **kw, **cfg).double()
    ours = getattr(nn, kind)(I_SIZE, H_SIZE, **kw, **cfg).double()
    copy_weights(ours, theirs)
    return ours, theirs


def initial_states(kind, kw, layers, D, n, rng):
    h_out = kw.get("proj_size", 0) or H_SIZE
    states = [rng.standard_normal((layers * D, n, h_out))]
    if kind == "LSTM":
        states.append(rng.standard_normal((layers * D, n, H_SIZE)))
    return states


def loss_of(lib, out, hidden):
    """A loss touching every output with different weights (so each gradient path is tested)."""
    hs = hidden if isinstance(hidden, tuple) else (hidden,)
    data = out.data if isinstance(out, tuple) else out  # PackedSequence is a tuple
    total = (data * data).sum() * 0.5 + data.sum()
    for k, h in enumerate(hs):
        total = total + (h * (k + 2.0)).sin().sum()
    return total


def run(lib, module, x, states, kind, packed_lengths=None, batch_first=False):
    xt = lib.tensor(x, requires_grad=True)
    st = [lib.tensor(s, requires_grad=True) for s in states]
    hx = (st[0], st[1]) if kind == "LSTM" else st[0]
    inp = xt
    if packed_lengths is not None:
        inp = lib.nn.utils.rnn.pack_padded_sequence(xt, packed_lengths, batch_first=batch_first, enforce_sorted=False)
    out, hidden = module(inp, hx)
    loss_of(lib, out, hidden).backward()
    if packed_lengths is not None:
        out = lib.nn.utils.rnn.pad_packed_sequence(out, batch_first=batch_first)[0]
    hs = hidden if isinstance(hidden, tuple) else (hidden,)
    return ([out.detach().numpy()] + [h.detach().numpy() for h in hs],
            [xt.grad.numpy()] + [s.grad.numpy() for s in st] + [p.grad.numpy() for p in module.parameters()])


def assert_same(ours, theirs, what):
    for k, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10, err_msg=f"{what} #{k}")


CONFIGS = list(itertools.product(range(len(KINDS)), [1, 2, 3], [False, True], [False, True], [True, False]))


def config_id(kind_i, layers, bidirectional, batch_first, bias=True):
    return (f"{KIND_IDS[kind_i]}-L{layers}-{'bi' if bidirectional else 'uni'}-{'bf' if batch_first else 'tf'}"
            + ("" if bias else "-nobias"))


@pytest.mark.parity
@pytest.mark.parametrize("kind_i,layers,bidirectional,batch_first,bias", CONFIGS,
                         ids=[config_id(*c) for c in CONFIGS])
def test_module_matches_torch(torch, kind_i, layers, bidirectional, batch_first, bias):
    kind, kw = KINDS[kind_i]
    cfg = dict(num_layers=layers, bidirectional=bidirectional, batch_first=batch_first, bias=bias)
    ours, theirs = make_pair(torch, kind, kw, **cfg)
    rng = np.random.default_rng(layers * 7 + bidirectional)
    x = rng.standard_normal((BATCH, SEQ, I_SIZE) if batch_first else (SEQ, BATCH, I_SIZE))
    states = initial_states(kind, kw, layers, 2 if bidirectional else 1, BATCH, rng)
    o_ours, g_ours = run(reograd, ours, x, states, kind)
    o_theirs, g_theirs = run(torch, theirs, x, states, kind)
    assert_same(o_ours, o_theirs, "outputs")
    assert_same(g_ours, g_theirs, "gradients (input, initial states, parameters)")


PACKED = list(itertools.product(range(len(KINDS)), [1, 2], [False, True], [False, True]))


@pytest.mark.parity
@pytest.mark.parametrize("kind_i,layers,bidirectional,batch_first", PACKED, ids=[config_id(*c) for c in PACKED])
def test_packed_unsorted_matches_torch(torch, kind_i, layers, bidirectional, batch_first):
    kind, kw = KINDS[kind_i]
    ours, theirs = make_pair(torch, kind, kw, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first)
    rng = np.random.default_rng(3)
    n = 5
    lengths = [3, 6, 1, 6, 4]  # unsorted, with a tie and a length-1 sequence
    x = rng.standard_normal((n, SEQ, I_SIZE) if batch_first else (SEQ, n, I_SIZE))
    states = initial_states(kind, kw, layers, 2 if bidirectional else 1, n, rng)
    o_ours, g_ours = run(reograd, ours, x, states, kind, lengths, batch_first)
    o_theirs, g_theirs = run(torch, theirs, x, states, kind, lengths, batch_first)
    assert_same(o_ours, o_theirs, "outputs (padded back) and final states, in the original order")
    assert_same(g_ours, g_theirs, "gradients")


@pytest.mark.parity
@pytest.mark.parametrize("kind_i", range(len(KINDS)), ids=KIND_IDS)
def test_default_state_unbatched_and_eval_dropout(torch, kind_i):
    """No initial state (zeros), unbatched input (L, H_in), and dropout=0.5 in eval mode (no effect)."""
    kind, kw = KINDS[kind_i]
    ours, theirs = make_pair(torch, kind, kw, num_layers=2, dropout=0.5, bidirectional=True)
    ours.eval()
    theirs.eval()
    x = np.random.default_rng(1).standard_normal((SEQ, I_SIZE))
    for batch_first in (False, True):  # batch_first is ignored for unbatched input
        ours.batch_first = theirs.batch_first = batch_first
        a, b = reograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        (oa, ha), (ob, hb) = ours(a), theirs(b)
        ha, hb = (ha if isinstance(ha, tuple) else (ha,)), (hb if isinstance(hb, tuple) else (hb,))
        assert tuple(oa.shape) == tuple(ob.shape) and [tuple(h.shape) for h in ha] == [tuple(h.shape) for h in hb]
        np.testing.assert_allclose(oa.detach().numpy(), ob.detach().numpy(), rtol=1e-10, atol=1e-12)
        for p, q in zip(ha, hb):
            np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-10, atol=1e-12)
        (oa.sum() + ha[0].sum()).backward()
        (ob.sum() + hb[0].sum()).backward()
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parity
@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell", "RNNCell-relu"])
@pytest.mark.parametrize("bias", [True, False])
def test_cells_match_torch(torch, kind, bias):
    name, kw = (kind.split("-")[0], {"nonlinearity": "relu"} if kind.endswith("relu") else {})
    theirs = getattr(torch.nn, name)(I_SIZE, H_SIZE, bias=bias, **kw).double()
    ours = getattr(nn, name)(I_SIZE, H_SIZE, bias=bias, **kw).double()
    copy_weights(ours, theirs)
    rng = np.random.default_rng(2)
    lstm = name == "LSTMCell"
    for batched in (True, False):
        shape = (BATCH,) if batched else ()
        xs = rng.standard_normal((4,) + shape + (I_SIZE,))
        h0 = [rng.standard_normal(shape + (H_SIZE,)) for _ in range(2 if lstm else 1)]
        results = []
        for lib, m in ((reograd, ours), (torch, theirs)):
            m.zero_grad()
            x = lib.tensor(xs, requires_grad=True)
            hs = [lib.tensor(h, requires_grad=True) for h in h0]
            state = tuple(hs) if lstm else hs[0]
            total = 0
            for t in range(xs.shape[0]):  # a short loop: the cell's graph chained over steps
                state = m(x[t], state)
                total = total + (state[0] * state[1]).sum() if lstm else total + (state * state).sum()
            total.backward()
            results.append([x.grad.numpy()] + [h.grad.numpy() for h in hs] + [p.grad.numpy() for p in m.parameters()])
        assert_same(results[0], results[1], f"{kind} batched={batched}")
        # no state given: zeros
        a = ours(reograd.tensor(xs[0]))
        b = theirs(torch.tensor(xs[0]))
        for p, q in zip(a if lstm else (a,), b if lstm else (b,)):
            np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parity
def test_lstm_double_backward_gradient_penalty(torch):
    """d/dθ ‖∂(Σ out²)/∂x‖² through a 2-layer bidirectional LSTM with projections, against torch."""
    ours, theirs = make_pair(torch, "LSTM", {"proj_size": 2}, num_layers=2, bidirectional=True)
    x = np.random.default_rng(4).standard_normal((SEQ, 2, I_SIZE))
    res = []
    for lib, m in ((reograd, ours), (torch, theirs)):
        xt = lib.tensor(x, requires_grad=True)
        out, (h, c) = m(xt)
        (gx,) = lib.autograd.grad((out * out).sum() + c.sum(), xt, create_graph=True)
        penalty = (gx * gx).sum()
        penalty.backward()
        res.append([gx.detach().numpy(), xt.grad.numpy()] + [p.grad.numpy() for p in m.parameters()])
    assert_same(res[0], res[1], "gradient penalty")


# ------------------------------------------------------------------------------------------ module surface
@pytest.mark.parity
@pytest.mark.parametrize("kind_i", range(len(KINDS)), ids=KIND_IDS)
def test_parameter_names_shapes_and_state_dict(torch, kind_i):
    kind, kw = KINDS[kind_i]
    cfg = dict(num_layers=2, bidirectional=True, bias=True)
    ours, theirs = getattr(nn, kind)(I_SIZE, H_SIZE, **kw, **cfg), getattr(torch.nn, kind)(I_SIZE, H_SIZE, **kw, **cfg)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours._flat_weights_names == theirs._flat_weights_names
    assert [[tuple(w.shape) for w in ws] for ws in ours.all_weights] == \
        [[tuple(w.shape) for w in ws] for ws in theirs.all_weights]
    assert repr(ours) == repr(theirs)
    bound = 1 / math.sqrt(H_SIZE)
    for p in ours.parameters():  # U(-1/sqrt(H), 1/sqrt(H)), and not constant
        a = p.detach().numpy()
        assert a.min() >= -bound and a.max() <= bound and a.std() > bound / 4


@pytest.mark.parity
def test_reprs_match_torch(torch):
    for args, kw in [(("GRU", 3, 4, 2), dict(batch_first=True, dropout=0.1, bidirectional=True, bias=False)),
                     (("RNN", 3, 4), dict(nonlinearity="relu")), (("LSTM", 3, 4), dict(proj_size=2)),
                     (("LSTMCell", 3, 4), {}), (("GRUCell", 3, 4), dict(bias=False)),
                     (("RNNCell", 3, 4), dict(nonlinearity="relu"))]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert repr(getattr(nn, args[0])(*args[1:], **kw)) == repr(getattr(torch.nn, args[0])(*args[1:], **kw))


def test_flat_weights_follow_reassignment_and_flatten_is_noop():
    m = nn.LSTM(3, 4)
    new = nn.Parameter(reograd.zeros(16, 3))
    m.weight_ih_l0 = new
    assert m._flat_weights[0] is new and m.all_weights[0][0] is new
    assert m.flatten_parameters() is None
    out, _ = m(reograd.randn(2, 1, 3))
    assert out.shape == (2, 1, 4)


def test_positional_nonlinearity_and_double():
    m = nn.RNN(3, 4, 2, "relu", False)
    assert m.nonlinearity == "relu" and m.mode == "RNN_RELU" and m.bias is False and m.num_layers == 2
    m = nn.GRU(3, 4).double()
    out, h = m(reograd.randn(5, 2, 3, dtype=reograd.float64))
    assert out.dtype == reograd.float64 and h.dtype == reograd.float64


def test_dropout_warning_and_validation():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(3, 4, dropout=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    for bad in (-0.1, 1.5, True, "0.5"):
        with pytest.raises(ValueError, match="dropout should be a number in range"):
            nn.GRU(3, 4, num_layers=2, dropout=bad)


def test_dropout_applies_between_layers_only():
    """dropout=1 zeroes layer 0's output in training: layer 1 then sees zeros (and the last layer's
    output is not dropped); in eval mode nothing is dropped."""
    m = nn.GRU(3, 4, num_layers=2, dropout=1.0)
    x = reograd.randn(5, 2, 3)
    m.train()
    out, h = m(x)
    single = nn.GRU(4, 4)
    single.load_state_dict({k.replace("_l1", "_l0"): v for k, v in m.state_dict().items() if "_l1" in k})
    ref, _ = single(reograd.zeros(5, 2, 4), h[1:2] * 0)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), atol=1e-6)
    assert np.abs(out.detach().numpy()).max() > 0
    m.eval()
    out_eval, _ = m(x)
    assert np.abs(out_eval.detach().numpy() - ref.detach().numpy()).max() > 1e-3


@pytest.mark.parametrize("call,exc,match", [
    (lambda: nn.RNN(4, 5, nonlinearity="sigmoid"), ValueError, "Unknown nonlinearity 'sigmoid'"),
    (lambda: nn.LSTM(4, 5, proj_size=5), ValueError, "proj_size has to be smaller than hidden_size"),
    (lambda: nn.LSTM(4, 5, proj_size=-1), ValueError, "proj_size should be a positive integer"),
    (lambda: nn.GRU(4, 5, proj_size=2), ValueError, "proj_size argument is only supported for LSTM"),
    (lambda: nn.RNN(4, 5, proj_size=2), ValueError, "proj_size argument is only supported for LSTM"),
    (lambda: nn.RNN(4, 0), ValueError, "hidden_size must be greater than zero"),
    (lambda: nn.RNN(0, 4), ValueError, "input_size must be greater than zero"),
    (lambda: nn.RNN(4, 5, num_layers=0), ValueError, "num_layers must be greater than zero"),
    (lambda: nn.RNN(4.0, 5), TypeError, "input_size should be of type int, got: float"),
    (lambda: nn.RNN(4, 5, 1.5), TypeError, "num_layers should be of type int"),
    (lambda: nn.LSTM(4, 5, bias=1), TypeError, "bias should be of type bool"),
    (lambda: nn.GRU(4, 5, batch_first=None), TypeError, "batch_first should be of type bool"),
    (lambda: nn.RNNCell(4, 5, nonlinearity="gelu"), ValueError, "Unknown nonlinearity"),
])
def test_constructor_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


X3 = (7, 2, 4)  # (L, N, H_in) for the forward-error table


@pytest.mark.parametrize("make,args,exc,match", [
    (lambda: nn.LSTM(4, 5, 2, bidirectional=True), lambda: (reograd.randn(*X3), (reograd.zeros(4, 2, 3),
                                                             reograd.zeros(4, 2, 5))),
     RuntimeError, r"Expected hidden\[0\] size \(4, 2, 5\), got \[4, 2, 3\]"),
    (lambda: nn.LSTM(4, 5, 2, bidirectional=True, proj_size=3),
     lambda: (reograd.randn(*X3), (reograd.zeros(4, 2, 3), reograd.zeros(4, 2, 3))),
     RuntimeError, r"Expected hidden\[1\] size \(4, 2, 5\), got \[4, 2, 3\]"),
    (lambda: nn.GRU(4, 5), lambda: (reograd.randn(*X3), reograd.zeros(1, 3, 5)),
     RuntimeError, r"Expected hidden size \(1, 2, 5\), got \[1, 3, 5\]"),
    (lambda: nn.GRU(4, 5), lambda: (reograd.randn(7, 2, 3),), RuntimeError,
     "input.size\\(-1\\) must be equal to input_size. Expected 4, got 3"),
    (lambda: nn.LSTM(4, 5), lambda: (reograd.randn(2, 7, 2, 4),), ValueError,
     "LSTM: Expected input to be 2D or 3D, got 4D"),
    (lambda: nn.RNN(4, 5), lambda: (reograd.randn(4),), ValueError, "RNN: Expected input to be 2D or 3D, got 1D"),
    (lambda: nn.GRU(4, 5), lambda: (reograd.randn(7, 4), reograd.zeros(1, 2, 5)), RuntimeError,
     "For unbatched 2-D input, hx should also be 2-D but got 3-D tensor"),
    (lambda: nn.GRU(4, 5), lambda: (reograd.randn(*X3), reograd.zeros(2, 5)), RuntimeError,
     "For batched 3-D input, hx should also be 3-D but got 2-D tensor"),
    (lambda: nn.LSTM(4, 5), lambda: (reograd.randn(7, 4), (reograd.zeros(1, 2, 5), reograd.zeros(1, 2, 5))),
     RuntimeError, r"For unbatched 2-D input, hx and cx should also be 2-D but got \(3-D, 3-D\) tensors"),
    (lambda: nn.LSTM(4, 5), lambda: (reograd.randn(*X3), reograd.zeros(1, 2, 5)), TypeError,
     r"LSTM: hx must be a tuple \(h_0, c_0\)"),
    (lambda: nn.GRU(4, 5), lambda: (reograd.randn(*X3, dtype=reograd.float64),), ValueError,
     r"RNN input dtype \(reograd.float64\) does not match weight dtype \(reograd.float32\)"),
    (lambda: nn.GRU(4, 5), lambda: (reograd.randn(*X3), reograd.zeros(1, 2, 5, dtype=reograd.float64)),
     RuntimeError, "initial state's dtype"),
    (lambda: nn.LSTM(4, 5), lambda: (reograd.randn(0, 2, 4),), RuntimeError,
     "Expected sequence length to be larger than 0"),
    (lambda: nn.GRU(4, 5), lambda: (rnn_utils.pack_sequence([reograd.randn(3, 4), reograd.randn(2, 4)]),
                                    reograd.zeros(1, 3, 5)),
     RuntimeError, r"Expected hidden size \(1, 2, 5\), got \[1, 3, 5\]"),
    (lambda: nn.GRU(4, 5), lambda: (rnn_utils.pack_sequence([reograd.randn(3, 4), reograd.randn(2, 4)]),
                                    reograd.zeros(2, 5)),
     RuntimeError, "For batched 3-D input, hx should also be 3-D"),
    (lambda: nn.GRU(4, 5), lambda: ([[1.0] * 4] * 7,), TypeError, "input must be a Tensor or a PackedSequence"),
    (lambda: nn.LSTMCell(4, 5), lambda: (reograd.randn(3, 4), (reograd.zeros(3, 5), reograd.zeros(3, 4))),
     RuntimeError, "hidden1 has inconsistent hidden_size: got 4, expected 5"),
    (lambda: nn.LSTMCell(4, 5), lambda: (reograd.randn(3, 4), (reograd.zeros(3, 5), reograd.zeros(2, 5))),
     RuntimeError, "Input batch size 3 doesn't match hidden1 batch size 2"),
    (lambda: nn.LSTMCell(4, 5), lambda: (reograd.randn(3, 4), (reograd.zeros(3, 5),)), RuntimeError,
     r"LSTMCell: hx must be a pair \(h, c\)"),
    (lambda: nn.LSTMCell(4, 5), lambda: (reograd.randn(3, 3),), RuntimeError,
     "input has inconsistent input_size: got 3 expected 4"),
    (lambda: nn.LSTMCell(4, 5), lambda: (reograd.randn(3, 4, 1),), ValueError,
     "LSTMCell: Expected input to be 1D or 2D, got 3D"),
    (lambda: nn.GRUCell(4, 5), lambda: (reograd.randn(3, 4), reograd.zeros(3, 5, 1)), ValueError,
     "GRUCell: Expected hidden to be 1D or 2D, got 3D"),
    (lambda: nn.RNNCell(4, 5), lambda: (reograd.randn(3, 4), reograd.zeros(3, 4)), RuntimeError,
     "hidden0 has inconsistent hidden_size: got 4, expected 5"),
    (lambda: nn.GRUCell(4, 5), lambda: (reograd.randn(3, 4), reograd.zeros(2, 5)), RuntimeError,
     "Input batch size 3 doesn't match hidden0 batch size 2"),
    (lambda: nn.GRUCell(4, 5), lambda: (reograd.randn(3, 4, dtype=reograd.float64),), RuntimeError,
     "expected weight_ih to have the input's dtype"),
])
def test_forward_errors(make, args, exc, match):
    with pytest.raises(exc, match=match):
        make()(*args())


def test_empty_batch_and_cells_with_zero_rows():
    m = nn.LSTM(4, 5, bidirectional=True, proj_size=2)
    out, (h, c) = m(reograd.randn(3, 0, 4, requires_grad=True))
    assert out.shape == (3, 0, 4) and h.shape == (2, 0, 2) and c.shape == (2, 0, 5)
    (out.sum() + c.sum()).backward()
    assert all(p.grad is not None and not p.grad.numpy().any() for p in m.parameters())  # zeros, as PyTorch
    assert nn.GRUCell(4, 5)(reograd.randn(0, 4)).shape == (0, 5)


def test_module_grad_flows_to_parameters_only_when_asked():
    """Input without grad, frozen W_ih: only the other parameters get gradients."""
    m = nn.LSTM(4, 5, proj_size=2)
    m.weight_ih_l0.requires_grad_(False)
    out, (h, c) = m(reograd.randn(6, 2, 4))
    (out.sum() + c.sum()).backward()
    assert m.weight_ih_l0.grad is None
    assert all(p.grad is not None for n, p in m.named_parameters() if n != "weight_ih_l0")
