r"""Recurrent layers: ``RNN`` (Elman, tanh or ReLU), ``LSTM`` (with optional projections), ``GRU``, and
their one-step cells ``RNNCell``, ``LSTMCell``, ``GRUCell`` — PyTorch's parameters, shapes and errors.

The notes' recurrent state :math:`h_{t+1} = \varphi(x_t, h_t; \theta)` in its three classic forms,
unrolled over the sequence; training differentiates the unrolled graph (backpropagation through
time). Gating (LSTM, GRU) gives the gradient additive paths through time, the cure for the
vanishing gradient of the plain RNN. Each layer and direction runs as one fused op
(``reograd.ops.nn.recurrent``): one GEMM for the input projection of all time steps, one GEMM and
the gate arithmetic per step, and a closed-form backward through time.
"""
from __future__ import annotations

import math
import numbers
import warnings

from ...autograd.tensor import Tensor
from ...ops.creation.factories import empty, zeros
from ...ops.nn.recurrent import GATES, recurrent_cell, recurrent_layers
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_NAMES = {"RNN_TANH": "RNN", "RNN_RELU": "RNN", "LSTM": "LSTM", "GRU": "GRU"}


def _check_int(name, v):
    if not isinstance(v, int) or isinstance(v, bool):
        raise TypeError(f"{name} should be of type int, got: {type(v).__name__}")


class RNNBase(Module):
    """What ``RNN``, ``LSTM`` and ``GRU`` share: the parameters of every layer and direction, their
    initialisation U(-1/√hidden_size, 1/√hidden_size), the argument checks and the forward.

    Parameters per layer k (``_reverse`` appended for the second direction), with G gates
    (1 for RNN, 4 for LSTM, 3 for GRU), H = hidden_size, H_out = proj_size or H, D = 2 if
    bidirectional else 1:
        weight_ih_l{k}: ``(G·H, input_size)`` for k = 0, else ``(G·H, D·H_out)``;
        weight_hh_l{k}: ``(G·H, H_out)``; bias_ih_l{k}, bias_hh_l{k}: ``(G·H,)`` (if bias);
        weight_hr_l{k}: ``(proj_size, H)`` (LSTM with proj_size > 0).
    """

    __constants__ = ["mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
                     "bidirectional", "proj_size"]

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        if mode not in GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an element "
                             f"being zeroed (got {dropout!r})")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                          stacklevel=3)
        for name, v in (("bias", bias), ("batch_first", batch_first)):
            if not isinstance(v, bool):
                raise TypeError(f"{name} should be of type bool, got: {type(v).__name__}")
        _check_int("input_size", input_size)
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        _check_int("hidden_size", hidden_size)
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        _check_int("num_layers", num_layers)
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        _check_int("proj_size", proj_size)
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError(f"proj_size has to be smaller than hidden_size (got proj_size={proj_size}, "
                             f"hidden_size={hidden_size})")
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        D = 2 if bidirectional else 1
        gate_size = GATES[mode] * hidden_size
        h_out = proj_size or hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(D):
                sfx = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes = [("weight_ih", (gate_size, input_size if layer == 0 else h_out * D)),
                          ("weight_hh", (gate_size, h_out))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                names = []
                for base, shape in shapes:
                    setattr(self, base + sfx, Parameter(empty(shape, device=device, dtype=dtype)))
                    names.append(base + sfx)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        """The parameters in PyTorch's flat order (layer, direction, then w_ih, w_hh, b_ih, b_hh, w_hr)."""
        return [getattr(self, n, None) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        """The parameters grouped per layer and direction: ``[[w_ih, w_hh, (b_ih, b_hh), (w_hr)], ...]``."""
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def flatten_parameters(self):
        """A no-op, as in PyTorch off cuDNN: the weights are used where they are."""

    def reset_parameters(self):
        """Draw every weight and bias from U(-1/√hidden_size, 1/√hidden_size), as PyTorch."""
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        for name, default in (("proj_size", 0), ("num_layers", 1), ("bias", True), ("batch_first", False),
                              ("dropout", 0), ("bidirectional", False)):
            if getattr(self, name) != default:  # (only what differs from the default, as PyTorch)
                s += f", {name}={getattr(self, name)}"
        return s

    # ---------------------------------------------------------------------------- argument checks
    def check_input(self, input, batch_sizes):
        """Dtype (the weights'), rank (3, or 2 for packed rows) and feature size of ``input``."""
        w = self._flat_weights[0]
        if input.dtype != w.dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({w.dtype}). Convert "
                             f"input: input.to({w.dtype}), or convert model: model.to({input.dtype})")
        expected = 2 if batch_sizes is not None else 3
        if input.dim() != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                               f"{input.size(-1)}")

    def get_expected_hidden_size(self, input, batch_sizes):
        """``(num_layers * D, N, proj_size or hidden_size)``."""
        if batch_sizes is not None:
            n = int(batch_sizes[0])
        else:
            n = input.size(0) if self.batch_first else input.size(1)
        D = 2 if self.bidirectional else 1
        return (self.num_layers * D, n, self.proj_size or self.hidden_size)

    def get_expected_cell_size(self, input, batch_sizes):
        """LSTM's c_0: ``(num_layers * D, N, hidden_size)``."""
        L, n, _ = self.get_expected_hidden_size(input, batch_sizes)
        return (L, n, self.hidden_size)

    def check_hidden_size(self, hx, expected_hidden_size, msg="Expected hidden size {}, got {}"):
        """Raise ``msg.format(expected, got)`` unless hx has the expected shape (and the input's dtype)."""
        if tuple(hx.shape) != tuple(expected_hidden_size):
            raise RuntimeError(msg.format(tuple(expected_hidden_size), list(hx.shape)))
        w = self._flat_weights[0]
        if hx.dtype != w.dtype:
            raise RuntimeError(f"{_NAMES[self.mode]}: the initial state's dtype {hx.dtype} does not match the weights'"
                               f" dtype {w.dtype}")

    def check_forward_args(self, input, hidden, batch_sizes):
        """The input and the initial state(s) against the module's sizes."""
        self.check_input(input, batch_sizes)
        if self.mode == "LSTM":
            self.check_hidden_size(hidden[0], self.get_expected_hidden_size(input, batch_sizes),
                                   "Expected hidden[0] size {}, got {}")
            self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                                   "Expected hidden[1] size {}, got {}")
        else:
            self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx, permutation):
        """The state(s) with the batch (dim 1) reordered by ``permutation`` (None: unchanged)."""
        if permutation is None:
            return hx
        if self.mode == "LSTM":
            return hx[0].index_select(1, permutation), hx[1].index_select(1, permutation)
        return hx.index_select(1, permutation)

    # ---------------------------------------------------------------------------- forward
    def _zero_state(self, n, like):
        """Zeros for h_0 (and c_0), with ``like``'s dtype and device."""
        D = 2 if self.bidirectional else 1
        h0 = zeros((self.num_layers * D, n, self.proj_size or self.hidden_size), dtype=like.dtype, device=like.device)
        if self.mode != "LSTM":
            return h0
        return h0, zeros((self.num_layers * D, n, self.hidden_size), dtype=like.dtype, device=like.device)

    def _check_state(self, hx, batched):
        """hx's type (a tensor; for LSTM a pair of tensors) and rank (3, or 2 for unbatched input)."""
        want = 3 if batched else 2
        kind = "batched 3-D" if batched else "unbatched 2-D"
        if self.mode == "LSTM":
            if not isinstance(hx, (tuple, list)) or len(hx) != 2 or not all(isinstance(t, Tensor) for t in hx):
                raise TypeError(f"LSTM: hx must be a tuple (h_0, c_0) of two tensors, got {type(hx).__name__}"
                                + (f" of length {len(hx)}" if isinstance(hx, (tuple, list)) else ""))
            if hx[0].dim() != want or hx[1].dim() != want:
                raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got ({hx[0].dim()}-D, "
                                   f"{hx[1].dim()}-D) tensors")
            return tuple(hx)
        if not isinstance(hx, Tensor):
            raise TypeError(f"{_NAMES[self.mode]}: hx must be a tensor, got {type(hx).__name__}")
        if hx.dim() != want:
            raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got {hx.dim()}-D tensor")
        return hx

    def forward(self, input, hx=None):
        """Run the layers over a sequence batch.

        Args:
            input: ``(L, N, input_size)`` (``(N, L, input_size)`` if batch_first), unbatched
                ``(L, input_size)``, or a :class:`~reograd.nn.utils.rnn.PackedSequence`.
            hx: initial state ``(num_layers * D, N, H_out)`` (unbatched: ``(num_layers * D, H_out)``);
                for LSTM the pair ``(h_0, c_0)``, c_0 with ``hidden_size`` features. Zeros if None.

        Returns ``(output, h_n)`` (LSTM: ``(output, (h_n, c_n))``): output ``(L, N, D * H_out)`` in
        input's layout (a PackedSequence for a packed input) holding the last layer's h_t for
        every t, the directions concatenated; h_n the final state of every layer and direction
        (index ``layer * D + direction``), for a packed input each sequence's own final state, in
        the batch's original order.
        """
        lstm = self.mode == "LSTM"
        if isinstance(input, PackedSequence):
            data, bs, sorted_indices, unsorted_indices = input
            batch_sizes = [int(b) for b in bs.tolist()]
            x, n = data, batch_sizes[0] if batch_sizes else 0
            if hx is not None:
                hx = self._check_state(hx, True)
        else:
            if not isinstance(input, Tensor):
                raise TypeError(f"{_NAMES[self.mode]}: input must be a Tensor or a PackedSequence, got "
                                f"{type(input).__name__}")
            if input.dim() not in (2, 3):
                raise ValueError(f"{_NAMES[self.mode]}: Expected input to be 2D or 3D, got {input.dim()}D tensor "
                                 f"instead (shape {tuple(input.shape)})")
            batch_sizes = sorted_indices = unsorted_indices = None
            batched = input.dim() == 3
            batch_dim = 0 if self.batch_first else 1
            if hx is not None:
                hx = self._check_state(hx, batched)
            if not batched:
                input = input.unsqueeze(batch_dim)
                if hx is not None:
                    hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1)) if lstm else hx.unsqueeze(1)
            if input.size(1 - batch_dim) == 0:
                raise RuntimeError(f"Expected sequence length to be larger than 0 in RNN (input shape "
                                   f"{tuple(input.shape)})")
            n = input.size(batch_dim)
            x = input.transpose(0, 1) if self.batch_first else input
        if hx is None:
            hx = self._zero_state(n, x)
        self.check_forward_args(input if batch_sizes is None else x, hx, batch_sizes)
        hx = self.permute_hidden(hx, sorted_indices)
        weights = [tuple(getattr(self, f"{base}{sfx}", None) for base in ("weight_ih", "weight_hh", "bias_ih",
                                                                          "bias_hh", "weight_hr"))
                   for sfx in self._suffixes()]
        output, hidden = recurrent_layers(self.mode, x, hx, weights, self.num_layers, self.dropout, self.training,
                                          self.bidirectional, batch_sizes)
        if batch_sizes is not None:
            return PackedSequence(output, bs, sorted_indices, unsorted_indices), \
                self.permute_hidden(hidden, unsorted_indices)
        if self.batch_first:
            output = output.transpose(0, 1)
        if not batched:
            output = output.squeeze(batch_dim)
            hidden = (hidden[0].squeeze(1), hidden[1].squeeze(1)) if lstm else hidden.squeeze(1)
        return output, hidden

    def _suffixes(self):
        D = 2 if self.bidirectional else 1
        return [f"_l{k}" + ("_reverse" if d else "") for k in range(self.num_layers) for d in range(D)]


class RNN(RNNBase):
    r"""A multi-layer Elman RNN: :math:`h_t = \tanh(x_t W_{ih}^T + b_{ih} + h_{t-1} W_{hh}^T + b_{hh})`
    (ReLU instead of tanh with ``nonlinearity='relu'``); layer k > 0 reads layer k-1's outputs.

    Args:
        input_size, hidden_size: features of x_t and of h_t.
        num_layers: stacked layers. nonlinearity: 'tanh' or 'relu'. bias: use b_ih, b_hh.
        batch_first: input/output as ``(N, L, H)``. dropout: on the outputs of every layer but the
            last, when training. bidirectional: a second layer runs the sequence backwards; the
            outputs of the two are concatenated.

    Shapes: see :meth:`RNNBase.forward`; parameters: see :class:`RNNBase`.

    >>> rnn = RNN(10, 20, 2)
    >>> output, h_n = rnn(reograd.randn(5, 3, 10), reograd.randn(2, 3, 20))
    >>> output.shape, h_n.shape
    (reograd.Size([5, 3, 20]), reograd.Size([2, 3, 20]))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if kwargs:
            raise TypeError(f"RNN.__init__() got an unexpected keyword argument '{next(iter(kwargs))}'")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, device=device, dtype=dtype)


class LSTM(RNNBase):
    r"""A multi-layer long short-term memory network. Per layer and time step, with σ the logistic function:

    .. math::
        i_t = σ(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi}),\quad
        f_t = σ(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf}),\\
        g_t = \tanh(W_{ig} x_t + b_{ig} + W_{hg} h_{t-1} + b_{hg}),\quad
        o_t = σ(W_{io} x_t + b_{io} + W_{ho} h_{t-1} + b_{ho}),\\
        c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t,\qquad h_t = o_t ⊙ \tanh(c_t)

    The cell state c is the internal memory, separate from the output h; the forget gate's
    additive path c_{t-1} -> c_t carries gradients over long spans. With ``proj_size`` > 0,
    :math:`h_t = W_{hr}(o_t ⊙ \tanh(c_t))` has proj_size features (and so h_n, the output, W_hh).

    Args: as :class:`RNN` (no nonlinearity), plus ``proj_size``.

    >>> lstm = LSTM(10, 20, 2)
    >>> output, (h_n, c_n) = lstm(reograd.randn(5, 3, 10))
    >>> output.shape, h_n.shape, c_n.shape
    (reograd.Size([5, 3, 20]), reograd.Size([2, 3, 20]), reograd.Size([2, 3, 20]))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device=device, dtype=dtype)


class GRU(RNNBase):
    r"""A multi-layer gated recurrent unit network. Per layer and time step:

    .. math::
        r_t = σ(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}),\quad
        z_t = σ(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}),\\
        n_t = \tanh(W_{in} x_t + b_{in} + r_t ⊙ (W_{hn} h_{t-1} + b_{hn})),\qquad
        h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}

    Args: as :class:`RNN` (no nonlinearity).

    >>> gru = GRU(10, 20, 2)
    >>> output, h_n = gru(reograd.randn(5, 3, 10))
    >>> output.shape, h_n.shape
    (reograd.Size([5, 3, 20]), reograd.Size([2, 3, 20]))
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if kwargs:
            raise TypeError(f"GRU.__init__() got an unexpected keyword argument '{next(iter(kwargs))}'")
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)


# ------------------------------------------------------------------------------------------------ cells
class RNNCellBase(Module):
    """What the cells share: ``weight_ih`` ``(G·H, input_size)``, ``weight_hh`` ``(G·H, H)``,
    ``bias_ih``, ``bias_hh`` ``(G·H,)`` (None without bias), all from U(-1/√H, 1/√H)."""

    __constants__ = ["input_size", "hidden_size", "bias"]
    _mode = None

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        _check_int("input_size", input_size)
        _check_int("hidden_size", hidden_size)
        if input_size <= 0 or hidden_size <= 0:
            raise ValueError(f"{type(self).__name__}: input_size and hidden_size must be greater than zero, got "
                             f"{input_size} and {hidden_size}")
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), device=device, dtype=dtype))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, device=device, dtype=dtype))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def reset_parameters(self):
        """Draw every weight and bias from U(-1/√hidden_size, 1/√hidden_size), as PyTorch."""
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    def _step(self, input, states):
        """Check ranks, batch an unbatched call, run one step; ``states``: the given state tensors or None."""
        name = type(self).__name__
        if not isinstance(input, Tensor) or input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got "
                             f"{input.dim() if isinstance(input, Tensor) else type(input).__name__}D instead")
        n_states = 2 if self._mode == "LSTM" else 1
        if states is not None:
            for k, s in enumerate(states):
                if not isinstance(s, Tensor) or s.dim() not in (1, 2):
                    what = "hidden" if n_states == 1 else f"hx[{k}]"
                    raise ValueError(f"{name}: Expected {what} to be 1D or 2D, got "
                                     f"{s.dim() if isinstance(s, Tensor) else type(s).__name__}D instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        if states is None:
            z = zeros((input.shape[0], self.hidden_size), dtype=input.dtype, device=input.device)
            states = (z,) * n_states
        elif not batched:
            states = tuple(s.unsqueeze(0) for s in states)
        out = recurrent_cell(name, self._mode, input, states if n_states == 2 else states[0], self.weight_ih,
                    self.weight_hh, self.bias_ih, self.bias_hh)
        if not batched:
            out = tuple(o.squeeze(0) for o in out) if n_states == 2 else out.squeeze(0)
        return out


class RNNCell(RNNCellBase):
    r"""One Elman step: :math:`h' = \tanh(x W_{ih}^T + b_{ih} + h W_{hh}^T + b_{hh})` (or ReLU).

    Input ``(N, input_size)`` or ``(input_size,)``, hidden ``(N, hidden_size)`` (zeros if None);
    returns h' of hidden's shape.

    >>> cell = RNNCell(10, 20)
    >>> h = reograd.zeros(3, 20)
    >>> for x in reograd.randn(6, 3, 10):
    ...     h = cell(x, h)
    """

    __constants__ = ["input_size", "hidden_size", "bias", "nonlinearity"]

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: Unknown nonlinearity: {nonlinearity} (select 'tanh' or 'relu')")
        super().__init__(input_size, hidden_size, bias, 1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    @property
    def _mode(self):
        return "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"

    def forward(self, input, hx=None):
        """h' from input and hx (zeros if None)."""
        return self._step(input, None if hx is None else (hx,))


class LSTMCell(RNNCellBase):
    r"""One LSTM step: gates :math:`i, f, g, o` = σ, σ, tanh, σ of :math:`x W_{ih}^T + b_{ih} + h W_{hh}^T + b_{hh}`,
    :math:`c' = f ⊙ c + i ⊙ g`, :math:`h' = o ⊙ \tanh(c')`.

    Input ``(N, input_size)`` or ``(input_size,)``; hx = ``(h, c)`` each ``(N, hidden_size)`` (zeros if
    None); returns ``(h', c')``. One graph node per step, closed-form backward.

    >>> cell = LSTMCell(10, 20)
    >>> h, c = cell(reograd.randn(3, 10))
    """

    _mode = "LSTM"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        """(h', c') from input and hx = (h, c) (zeros if None)."""
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise RuntimeError(f"LSTMCell: hx must be a pair (h, c) of tensors, got {type(hx).__name__}"
                               + (f" of length {len(hx)}" if isinstance(hx, (tuple, list)) else ""))
        return self._step(input, None if hx is None else tuple(hx))


class GRUCell(RNNCellBase):
    r"""One GRU step: :math:`r = σ(x W_{ir}^T + b_{ir} + h W_{hr}^T + b_{hr})`, z likewise,
    :math:`n = \tanh(x W_{in}^T + b_{in} + r ⊙ (h W_{hn}^T + b_{hn}))`, :math:`h' = (1 - z) ⊙ n + z ⊙ h`.

    Input ``(N, input_size)`` or ``(input_size,)``, hidden ``(N, hidden_size)`` (zeros if None);
    returns h'. (Used as the update function of message-passing graph networks.)

    >>> cell = GRUCell(10, 20)
    >>> h = cell(reograd.randn(3, 10), reograd.zeros(3, 20))
    """

    _mode = "GRU"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        """h' from input and hx (zeros if None)."""
        return self._step(input, None if hx is None else (hx,))
