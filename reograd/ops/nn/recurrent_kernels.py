"""The recurrent cells' arithmetic on raw arrays: a whole sequence forward, and backward through time.

One function pair per cell kind. Each runs the time loop of one layer and one direction over
*packed rows*: the input projection ``P = X W_ihᵀ + b`` of every time step is one GEMM done by the
caller, step ``t`` owns rows ``[start_t, start_t + b_t)`` of ``P`` (``b_t`` sequences still running at
that step, the longest first, as in a ``PackedSequence``), and only the first ``b_t`` rows of the
running state take part in it. A padded batch is the special case ``b_t = N`` for every step. The
running state starts as the initial state ``h_0``; when a sequence ends its row simply stops being
updated, so after the loop the running state holds every sequence's final state.

Per step the work is one GEMM with ``W_hh`` (the recurrence, which cannot be batched over time) and
the gate arithmetic in place on the step's rows of ``P``. The forward keeps what backward needs
(activated gates in ``P`` itself, the previous states, tanh(c)) when ``keep`` is set. Backward walks
the steps in the opposite order and fills the gradient of the pre-activations of every step into
one ``(T, gates)`` array, so the caller gets ``dW_ih``, ``dW_hh``, the biases and ``dX`` with one GEMM
(or sum) each over all steps.

Formulas (PyTorch's gate order; σ the logistic function; ⊙ elementwise):

    RNN   h' = tanh(a) or relu(a),  a = P + h W_hhᵀ                    da = dh ⊙ (1 - h'²)  or dh ⊙ [h' > 0]
    LSTM  i, f, g, o = σ(·), σ(·), tanh(·), σ(·) of P + h W_hhᵀ        (columns [i | f | g | o])
          c' = f ⊙ c + i ⊙ g,  m = o ⊙ tanh(c'),  h' = m (or m W_hrᵀ with a projection)
          do = dm ⊙ tanh(c'),  dc' += dm ⊙ o ⊙ (1 - tanh²(c')),  di = dc' ⊙ g,  df = dc' ⊙ c,
          dg = dc' ⊙ i,  dc = dc' ⊙ f;  each times its activation's derivative
    GRU   r, z = σ(P_rz + (h W_hhᵀ + b_hh)_rz),  n = tanh(P_n + r ⊙ (h W_hnᵀ + b_hn)),
          h' = (1 - z) ⊙ n + z ⊙ h
          dn = dh' ⊙ (1 - z) ⊙ (1 - n²),  dz = dh' ⊙ (h - n) ⊙ z(1 - z),
          dr = dn ⊙ (h W_hnᵀ + b_hn) ⊙ r(1 - r),  dh = dh' ⊙ z + [dr | dz | dn ⊙ r] W_hh
"""
from __future__ import annotations

from ... import backend


def sigmoid_(a, xp):
    """a <- 1 / (1 + exp(-a)), in place (exact for large |a|: exp overflow gives 0)."""
    xp.negative(a, out=a)
    xp.exp(a, out=a)
    a += 1
    xp.reciprocal(a, out=a)
    return a


def _state_buffers(xp, T, h0, keep, *extra_widths):
    """The running state (a copy of h0), the output rows, and what backward needs (None unless keep)."""
    out = xp.empty((T, h0.shape[1]), dtype=h0.dtype)
    if not keep:
        return h0.copy(), out, None, [None] * len(extra_widths)
    return h0.copy(), out, xp.empty_like(out), [xp.empty((T, w), dtype=h0.dtype) for w in extra_widths]


def _batch(steps):
    """The batch size N: the largest number of rows of a step."""
    return max((b for _, b in steps), default=0)


# ------------------------------------------------------------------------------------------ RNN
def rnn_forward(P, h0, w_hh, steps, relu, keep):
    """Elman RNN over ``steps`` (``(start, b)`` row blocks in processing order); P: (T, H) with both biases.

    Returns (Y (T, H), h_n (N, H), saved) where saved = (H_prev,) for backward.
    """
    xp = backend.get_array_module(P)
    h_run, Y, Hprev, _ = _state_buffers(xp, P.shape[0], h0, keep)
    w_t = w_hh.T
    for s, b in steps:
        a = P[s:s + b]
        hp = h_run[:b]
        if keep:
            Hprev[s:s + b] = hp
        a += hp @ w_t
        if relu:
            xp.maximum(a, 0, out=a)
        else:
            xp.tanh(a, out=a)
        h_run[:b] = a
        Y[s:s + b] = a
    return Y, h_run, (Hprev,)


def rnn_backward(dY, dh_n, P, w_hh, steps, relu):
    """Backward of ``rnn_forward`` (P holds h' of every step). Returns (dA (T, H), dh_0)."""
    xp = backend.get_array_module(P)
    dA = xp.empty_like(P)
    dh_run = xp.zeros((_batch(steps), P.shape[1]), P.dtype) if dh_n is None else dh_n.copy()
    for s, b in reversed(steps):
        dh = dh_run[:b] if dY is None else dh_run[:b] + dY[s:s + b]
        h = P[s:s + b]
        da = dA[s:s + b]
        if relu:
            xp.multiply(dh, h > 0, out=da)
        else:
            xp.multiply(h, h, out=da)
            xp.subtract(1, da, out=da)
            da *= dh
        dh_run[:b] = da @ w_hh
    return dA, dh_run


# ------------------------------------------------------------------------------------------ LSTM
def lstm_forward(P, h0, c0, w_hh, w_hr, steps, keep):
    """LSTM over ``steps``; P: (T, 4H) with both biases, activated in place (holds i, f, g, o after).

    Returns (Y (T, H_out), h_n, c_n, saved) with saved = (H_prev, C_prev, tanh C, M or None),
    M = o ⊙ tanh(c) the unprojected output (only with a projection ``w_hr``).
    """
    xp = backend.get_array_module(P)
    H = c0.shape[1]
    T = P.shape[0]
    h_run, Y, Hprev, (Cprev, TC) = _state_buffers(xp, T, h0, keep, H, H)
    M = xp.empty((T, H), dtype=P.dtype) if keep and w_hr is not None else None
    c_run = c0.copy()
    w_t = w_hh.T
    for s, b in steps:
        g = P[s:s + b]
        hp, cp = h_run[:b], c_run[:b]
        if keep:
            Hprev[s:s + b] = hp
            Cprev[s:s + b] = cp
        g += hp @ w_t
        sigmoid_(g[:, :2 * H], xp)
        xp.tanh(g[:, 2 * H:3 * H], out=g[:, 2 * H:3 * H])
        sigmoid_(g[:, 3 * H:], xp)
        c = g[:, H:2 * H] * cp
        c += g[:, :H] * g[:, 2 * H:3 * H]
        c_run[:b] = c
        tc = xp.tanh(c, out=c)
        m = g[:, 3 * H:] * tc
        if keep:
            TC[s:s + b] = tc
            if M is not None:
                M[s:s + b] = m
        h = m if w_hr is None else m @ w_hr.T
        h_run[:b] = h
        Y[s:s + b] = h
    return Y, h_run, c_run, (Hprev, Cprev, TC, M)


def lstm_backward(dY, dh_n, dc_n, P, saved, w_hh, w_hr, steps):
    """Backward of ``lstm_forward``. Returns (dG (T, 4H), dh_0, dc_0, dH (T, H_out) or None).

    dH (the gradient reaching each step's projected output) is kept only with a projection, for
    ``dW_hr = dHᵀ M``.
    """
    xp = backend.get_array_module(P)
    _, Cprev, TC, _ = saved
    H = TC.shape[1]
    N = _batch(steps)
    Hout = w_hh.shape[1]
    dG = xp.empty_like(P)
    dH = xp.empty((P.shape[0], Hout), P.dtype) if w_hr is not None else None
    dh_run = xp.zeros((N, Hout), P.dtype) if dh_n is None else dh_n.copy()
    dc_run = xp.zeros((N, H), P.dtype) if dc_n is None else dc_n.copy()
    for s, b in reversed(steps):
        dh = dh_run[:b] if dY is None else dh_run[:b] + dY[s:s + b]
        if w_hr is not None:
            dH[s:s + b] = dh
            dh = dh @ w_hr
        g = P[s:s + b]
        i, f, gg, o = g[:, :H], g[:, H:2 * H], g[:, 2 * H:3 * H], g[:, 3 * H:]
        tc = TC[s:s + b]
        d = dG[s:s + b]
        # output gate: do * o(1 - o), do = dh * tanh(c)
        xp.multiply(dh, tc, out=d[:, 3 * H:])
        d[:, 3 * H:] *= o * (1 - o)
        # cell: dc = dc_next + dh * o * (1 - tanh(c)^2)
        dc = tc * tc
        xp.subtract(1, dc, out=dc)
        dc *= o
        dc *= dh
        dc += dc_run[:b]
        xp.multiply(dc, gg, out=d[:, :H])
        d[:, :H] *= i * (1 - i)
        xp.multiply(dc, Cprev[s:s + b], out=d[:, H:2 * H])
        d[:, H:2 * H] *= f * (1 - f)
        xp.multiply(dc, i, out=d[:, 2 * H:3 * H])
        d[:, 2 * H:3 * H] *= 1 - gg * gg
        dc *= f
        dc_run[:b] = dc
        dh_run[:b] = d @ w_hh
    return dG, dh_run, dc_run, dH


# ------------------------------------------------------------------------------------------ GRU
def gru_forward(P, h0, w_hh, b_hh, steps, keep):
    """GRU over ``steps``; P: (T, 3H) = X W_ihᵀ + b_ih, turned in place into [r | z | n].

    Returns (Y (T, H), h_n, saved) with saved = (H_prev, Gn) where Gn = h W_hnᵀ + b_hn per step.
    """
    xp = backend.get_array_module(P)
    H = h0.shape[1]
    h_run, Y, Hprev, (Gn,) = _state_buffers(xp, P.shape[0], h0, keep, H)
    w_t = w_hh.T
    for s, b in steps:
        p = P[s:s + b]
        hp = h_run[:b]
        gh = hp @ w_t
        if b_hh is not None:
            gh += b_hh
        if keep:
            Hprev[s:s + b] = hp
            Gn[s:s + b] = gh[:, 2 * H:]
        rz = p[:, :2 * H]
        rz += gh[:, :2 * H]
        sigmoid_(rz, xp)
        n = p[:, 2 * H:]
        n += p[:, :H] * gh[:, 2 * H:]
        xp.tanh(n, out=n)
        h = hp - n          # h' = n + z (h - n)
        h *= p[:, H:2 * H]
        h += n
        h_run[:b] = h
        Y[s:s + b] = h
    return Y, h_run, (Hprev, Gn)


def gru_backward(dY, dh_n, P, saved, w_hh, steps):
    """Backward of ``gru_forward``. Returns (dGi (T, 3H), dGh (T, 3H), dh_0): the gradients of the
    input-side pre-activations ``X W_ihᵀ + b_ih`` and the hidden-side ``h W_hhᵀ + b_hh``."""
    xp = backend.get_array_module(P)
    Hprev, Gn = saved
    H = Gn.shape[1]
    N = _batch(steps)
    dGi = xp.empty_like(P)
    dGh = xp.empty_like(P)
    dh_run = xp.zeros((N, H), P.dtype) if dh_n is None else dh_n.copy()
    for s, b in reversed(steps):
        dh = dh_run[:b] if dY is None else dh_run[:b] + dY[s:s + b]
        p = P[s:s + b]
        r, z, n = p[:, :H], p[:, H:2 * H], p[:, 2 * H:]
        hp = Hprev[s:s + b]
        di, dg = dGi[s:s + b], dGh[s:s + b]
        dn = di[:, 2 * H:]
        xp.multiply(n, n, out=dn)          # dn_pre = dh (1 - z)(1 - n^2)
        xp.subtract(1, dn, out=dn)
        dn *= 1 - z
        dn *= dh
        dz = dg[:, H:2 * H]
        xp.subtract(hp, n, out=dz)         # dz_pre = dh (h - n) z (1 - z)
        dz *= dh
        dz *= z * (1 - z)
        dr = dg[:, :H]
        xp.multiply(dn, Gn[s:s + b], out=dr)
        dr *= r * (1 - r)
        xp.multiply(dn, r, out=dg[:, 2 * H:])
        di[:, :2 * H] = dg[:, :2 * H]
        dhp = dg @ w_hh
        dhp += dh * z
        dh_run[:b] = dhp
    return dGi, dGh, dh_run
