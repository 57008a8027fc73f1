"""The recurrent cells' arithmetic on raw arrays: a whole sequence forward, and backward through time.

One ``*_forward`` / ``*_backward`` pair per cell kind, each for one layer and one direction over
*packed rows*: ``x`` is ``(T, H_in)``, and step t owns rows ``[start_t, start_t + b_t)`` (the ``b_t``
sequences still running at that step, the longest first, as in a ``PackedSequence``); ``steps`` lists
``(start_t, b_t)`` in processing order (last step first for the reverse direction). A padded
batch is the case ``b_t = N`` for every step. The running state starts as h_0; only its first b_t
rows take part in step t, so a finished sequence's row keeps its final state, and after the loop
the running state is every sequence's final state.

Forward: the input projection of all steps, ``P = x W_ihᵀ + b``, is one GEMM; then per step one GEMM
with ``W_hh`` (the recurrence: it cannot be batched over time) and the gate arithmetic, in place on
the step's rows of P. With ``keep`` it also keeps what backward needs (activated gates in P itself,
previous states, tanh(c)). Backward walks the steps in the opposite order, writes the gradient of
every step's pre-activations into one ``(T, gates)`` array, and then gets dx, dW_ih, dW_hh and the
biases with one GEMM (or sum) each over all steps.

Formulas (σ the logistic function, ⊙ elementwise; PyTorch's gate order in the weights):

    RNN   h' = tanh(a) or relu(a),  a = P + h W_hhᵀ;          da = dh' ⊙ (1 - h'²)  or dh' ⊙ [h' > 0]
    LSTM  i, f, g, o = σ, σ, tanh, σ of P + h W_hhᵀ;  c' = f ⊙ c + i ⊙ g;  m = o ⊙ tanh(c');  h' = m or m W_hrᵀ
          dc' = dc'_next + dm ⊙ o ⊙ (1 - tanh²c');  d(i, f, g, o) = (dc' ⊙ g, dc' ⊙ c, dc' ⊙ i, dm ⊙ tanh c')
          times σ' = σ(1 - σ) or tanh' = 1 - tanh²;  dc = dc' ⊙ f;  dh = dG W_hh
    GRU   r, z = σ(P_rz + (h W_hhᵀ + b_hh)_rz);  n = tanh(P_n + r ⊙ (h W_hnᵀ + b_hn));  h' = n + z ⊙ (h - n)
          dn = dh' ⊙ (1 - z) ⊙ (1 - n²);  dz = dh' ⊙ (h - n) ⊙ σ'(z);  dr = dn ⊙ (h W_hnᵀ + b_hn) ⊙ σ'(r);
          dh = dh' ⊙ z + [dr | dz | dn ⊙ r] W_hh

Each ``*_backward`` returns the gradients of (x, h_0, c_0, w_ih, w_hh, b_ih, b_hh, w_hr), None where
``needs`` (the op's ``needs_input_grad``) says none is wanted.
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


def _batch(steps):
    """The batch size N: the largest number of rows of a step."""
    return max((b for _, b in steps), default=0)


def _running(grad_n, steps, width, like, xp):
    """The running gradient of the state: a copy of the final state's gradient, or zeros."""
    return xp.zeros((_batch(steps), width), like.dtype) if grad_n is None else grad_n.copy()


def _projection(x, w_ih, bias):
    """P = x W_ihᵀ + bias: the input side of every step, one GEMM."""
    P = x @ backend.get_array_module(x).ascontiguousarray(w_ih.T)
    if bias is not None:
        P += bias
    return P


def _both_biases(b_ih, b_hh):
    if b_ih is None:
        return b_hh
    return b_ih if b_hh is None else b_ih + b_hh


def prev_state(out, init, steps, k):
    """The state step k (processing order) started from: rows of the previous step's output ``out``
    (for the rows that ran then) and of the initial state ``init`` (rows that start at step k)."""
    s, b = steps[k]
    if k == 0:
        return init[:b]
    sp, bp = steps[k - 1]
    if bp >= b:
        return out[sp:sp + b]
    return backend.get_array_module(out).concatenate([out[sp:sp + bp], init[bp:b]])


def prev_state_blocks(steps):
    """``prev_state`` for all steps at once, as blocks ``(rows, from_init, source rows)``: row range
    ``rows`` of the packed rows started from rows ``source rows`` of the output (or of the initial
    state), merged where both are contiguous — a padded batch gives two blocks."""
    blocks = []
    for k, (s, b) in enumerate(steps):
        if k == 0:
            blocks.append((s, s + b, True, 0, b))
            continue
        sp, bp = steps[k - 1]
        m = min(b, bp)
        blocks.append((s, s + m, False, sp, sp + m))
        if b > bp:
            blocks.append((s + m, s + b, True, bp, b))
    blocks.sort()
    merged = []
    for blk in blocks:
        if blk[0] == blk[1]:
            continue
        if merged:
            lo, hi, init, slo, shi = merged[-1]
            if init == blk[2] and hi == blk[0] and shi == blk[3]:
                merged[-1] = (lo, blk[1], init, slo, blk[4])
                continue
        merged.append(blk)
    return merged


def hidden_weight_grad(dGh, Y, h0, steps):
    """dW_hh = Σ_t dGh_tᵀ h_{t-1}: one GEMM per block of ``prev_state_blocks`` (the previous states are
    rows of the output Y or of h0, so they are never copied)."""
    gw = None
    for lo, hi, from_init, slo, shi in prev_state_blocks(steps):
        part = (h0 if from_init else Y)[slo:shi].T @ dGh[lo:hi]  # (dW_hhᵀ: BLAS is faster this way round)
        gw = part if gw is None else gw.__iadd__(part)
    if gw is None:  # (an empty batch)
        return backend.get_array_module(dGh).zeros((dGh.shape[1], Y.shape[1]), dtype=dGh.dtype)
    return gw.T


def _weight_grads(needs, dG, x, Y, h0, w_ih, steps):
    """dx, dW_ih, dW_hh, db_ih, db_hh from the pre-activation gradients of all steps (one GEMM each;
    dW_hh one per block of ``prev_state_blocks``).

    dG: (T, gates), the gradient of both x W_ihᵀ + b_ih and h W_hhᵀ + b_hh.
    """
    gx = dG @ w_ih if needs[0] else None
    gw_ih = (x.T @ dG).T if needs[3] else None
    gw_hh = hidden_weight_grad(dG, Y, h0, steps) if needs[4] else None
    gb_ih = gb_hh = None
    if needs[5] or needs[6]:  # both biases enter every pre-activation alike: one sum serves both
        gb = dG.sum(axis=0)
        gb_ih = gb if needs[5] else None
        gb_hh = (gb.copy() if needs[5] else gb) if needs[6] else None
    return gx, gw_ih, gw_hh, gb_ih, gb_hh


# ------------------------------------------------------------------------------------------ RNN
def rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh, steps, relu, keep):
    """Elman RNN. Returns (Y (T, H), h_n, saved): Y is h' of every step; saved is None (backward
    reads h' and the previous states from Y itself)."""
    xp = backend.get_array_module(x)
    Y = _projection(x, w_ih, _both_biases(b_ih, b_hh))
    h_run = h0.copy()
    w_t = xp.ascontiguousarray(w_hh.T)
    for s, b in steps:
        a = Y[s:s + b]
        a += h_run[:b] @ w_t
        if relu:
            xp.maximum(a, 0, out=a)
        else:
            xp.tanh(a, out=a)
        h_run[:b] = a
    return Y, h_run, None


def rnn_backward(saved, Y, dY, dh_n, x, h0, w_ih, w_hh, steps, relu, needs):
    """Backward of ``rnn_forward``."""
    xp = backend.get_array_module(Y)
    dA = xp.empty_like(Y)
    dh_run = _running(dh_n, steps, Y.shape[1], Y, xp)
    for s, b in reversed(steps):
        dh = dh_run[:b] if dY is None else dh_run[:b] + dY[s:s + b]
        h = Y[s:s + b]
        da = dA[s:s + b]
        if relu:
            xp.multiply(dh, h > 0, out=da)
        else:
            xp.multiply(h, h, out=da)
            xp.subtract(1, da, out=da)
            da *= dh
        xp.matmul(da, w_hh, out=dh_run[:b])
    gx, gw_ih, gw_hh, gb_ih, gb_hh = _weight_grads(needs, dA, x, Y, h0, w_ih, steps)
    return gx, dh_run, None, gw_ih, gw_hh, gb_ih, gb_hh, None


# ------------------------------------------------------------------------------------------ LSTM
# All four gates in one pass of tanh: σ(x) = 1/2 + 1/2 tanh(x/2) and tanh(x) = 0 + 1 tanh(1 x), so with
# a = (1/2, 1/2, 1, 1/2) and c = (1/2, 1/2, 0, 1/2) per gate block [i | f | g | o], every gate is
# c + a tanh(a x): four whole-row ops instead of an exp-based sigmoid on three strided blocks. Its
# derivative is a² (1 - tanh²(a x)) = a² - (act - c)².
def _gate_rows(H, dtype, xp):
    a = xp.full(4 * H, 0.5, dtype=dtype)
    a[2 * H:3 * H] = 1
    c = a.copy()
    c[2 * H:3 * H] = 0
    return a, c


def lstm_forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, steps, keep):
    """LSTM (optionally with projection w_hr). Returns (Y (T, H_out), h_n, c_n, saved).

    saved = (P (T, 4H): the activated gates [i | f | g | o], C (T, H): c' of every step,
    M (T, H): o ⊙ tanh c', kept only with a projection), or None unless ``keep``.
    """
    xp = backend.get_array_module(x)
    H = c0.shape[1]
    T = x.shape[0]
    a, c_off = _gate_rows(H, x.dtype, xp)
    P = _projection(x, w_ih, _both_biases(b_ih, b_hh))
    w_t = xp.ascontiguousarray(w_hh.T)
    w_hr_t = None if w_hr is None else xp.ascontiguousarray(w_hr.T)
    h_run, c_run = h0.copy(), c0.copy()
    Y = xp.empty((T, h0.shape[1]), dtype=x.dtype)
    C = xp.empty((T, H), x.dtype) if keep else None
    M = xp.empty((T, H), x.dtype) if keep and w_hr is not None else None
    for s, b in steps:
        g = P[s:s + b]
        g += h_run[:b] @ w_t
        g *= a
        xp.tanh(g, out=g)
        g *= a
        g += c_off
        c = g[:, H:2 * H] * c_run[:b]
        c += g[:, :H] * g[:, 2 * H:3 * H]
        c_run[:b] = c
        if keep:
            C[s:s + b] = c
        tc = xp.tanh(c, out=c)
        m = g[:, 3 * H:] * tc
        if M is not None:
            M[s:s + b] = m
        h = m if w_hr is None else m @ w_hr_t
        h_run[:b] = h
        Y[s:s + b] = h
    return Y, h_run, c_run, ((P, C, M) if keep else None)


def lstm_backward(saved, Y, dY, dh_n, dc_n, x, h0, c0, w_ih, w_hh, w_hr, steps, needs):
    """Backward of ``lstm_forward``. The gate gradients overwrite the saved gates P (no new (T, 4H)
    array), so the saved state is used up: the caller must not run this twice on it."""
    P, C, M = saved
    xp = backend.get_array_module(P)
    H = C.shape[1]
    a, c_off = _gate_rows(H, P.dtype, xp)
    a2 = a * a
    dH = xp.empty_like(Y) if w_hr is not None and needs[7] else None
    dh_run = _running(dh_n, steps, w_hh.shape[1], P, xp)
    dc_run = _running(dc_n, steps, H, P, xp)
    for k in range(len(steps) - 1, -1, -1):
        s, b = steps[k]
        dm = dh_run[:b] if dY is None else dh_run[:b] + dY[s:s + b]
        if w_hr is not None:
            if dH is not None:
                dH[s:s + b] = dm
            dm = dm @ w_hr
        g = P[s:s + b]
        i, f, gg, o = g[:, :H], g[:, H:2 * H], g[:, 2 * H:3 * H], g[:, 3 * H:]
        tc = xp.tanh(C[s:s + b])
        dact = g - c_off                   # every gate's derivative: a² - (act - c)²
        dact *= dact
        xp.subtract(a2, dact, out=dact)
        dc = tc * tc                       # dc' = dc'_next + dm o (1 - tanh² c')
        xp.subtract(1, dc, out=dc)
        dc *= o
        dc *= dm
        dc += dc_run[:b]
        xp.multiply(dc, f, out=dc_run[:b])
        # the gates' upstream gradients replace the gates: (dc' g, dc' c, dc' i, dm tanh c')
        di = dc * gg
        xp.multiply(dc, i, out=gg)
        i[...] = di
        xp.multiply(dc, prev_state(C, c0, steps, k), out=f)
        xp.multiply(dm, tc, out=o)
        g *= dact
        xp.matmul(g, w_hh, out=dh_run[:b])
    gx, gw_ih, gw_hh, gb_ih, gb_hh = _weight_grads(needs, P, x, Y, h0, w_ih, steps)
    gw_hr = dH.T @ M if dH is not None else None
    return gx, dh_run, dc_run, gw_ih, gw_hh, gb_ih, gb_hh, gw_hr


# ------------------------------------------------------------------------------------------ GRU
def gru_forward(x, h0, w_ih, w_hh, b_ih, b_hh, steps, keep):
    """GRU. Returns (Y (T, H), h_n, saved); saved = (P turned into [r | z | n], Gn = h W_hnᵀ + b_hn
    of every step) or None unless ``keep``."""
    xp = backend.get_array_module(x)
    H = h0.shape[1]
    P = _projection(x, w_ih, b_ih)
    h_run = h0.copy()
    Y = xp.empty((x.shape[0], H), x.dtype)
    Gn = xp.empty_like(Y) if keep else None
    w_t = xp.ascontiguousarray(w_hh.T)
    for s, b in steps:
        p = P[s:s + b]
        hp = h_run[:b]
        gh = hp @ w_t
        if b_hh is not None:
            gh += b_hh
        if keep:
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
    return Y, h_run, ((P, Gn) if keep else None)


def gru_backward(saved, Y, dY, dh_n, x, h0, w_ih, w_hh, steps, needs):
    """Backward of ``gru_forward``. The gradient of x W_ihᵀ + b_ih overwrites the saved gates P, and
    that of h W_hnᵀ + b_hn (which differs from it only in the n block, by the factor r) overwrites
    Gn: the saved state is used up."""
    P, Gn = saved
    xp = backend.get_array_module(P)
    H = Gn.shape[1]
    dh_run = _running(dh_n, steps, H, P, xp)
    for k in range(len(steps) - 1, -1, -1):
        s, b = steps[k]
        dh = dh_run[:b] if dY is None else dh_run[:b] + dY[s:s + b]
        p = P[s:s + b]
        r, z, n = p[:, :H], p[:, H:2 * H], p[:, 2 * H:]
        hp = prev_state(Y, h0, steps, k)
        dn = n * n                         # dn_pre = dh (1 - z)(1 - n^2)
        xp.subtract(1, dn, out=dn)
        dn *= 1 - z
        dn *= dh
        dz = hp - n                        # dz_pre = dh (h - n) z (1 - z)
        dz *= dh
        dz *= z * (1 - z)
        dhp = dh * z
        dr = dn * Gn[s:s + b]              # dr_pre = dn_pre (h W_hn + b_hn) r (1 - r)
        dr *= r * (1 - r)
        xp.multiply(dn, r, out=Gn[s:s + b])
        p[:, :H] = dr
        p[:, H:2 * H] = dz
        p[:, 2 * H:] = dn
        dhp += p[:, :2 * H] @ w_hh[:2 * H]
        dhp += Gn[s:s + b] @ w_hh[2 * H:]
        dh_run[:b] = dhp
    gx, gw_ih, _, gb_ih, _ = _weight_grads(needs[:4] + (False,) + needs[5:6] + (False,), P, x, Y, h0, w_ih, steps)
    gw_hh = gb_hh = None
    if needs[4]:
        gw_hh = xp.concatenate([hidden_weight_grad(P[:, :2 * H], Y, h0, steps), hidden_weight_grad(Gn, Y, h0, steps)])
    if needs[6]:
        gb_hh = xp.concatenate([P[:, :2 * H].sum(axis=0), Gn.sum(axis=0)])
    return gx, dh_run, None, gw_ih, gw_hh, gb_ih, gb_hh, None
