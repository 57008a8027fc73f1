"""``LBFGS``: limited-memory BFGS with an optional strong-Wolfe line search (``torch.optim.LBFGS``).

The parameters are handled as one flat vector ``x``. Each iteration:

1. update the curvature history with ``s = x_k - x_{k-1}``, ``y = g_k - g_{k-1}`` (kept only if
   ``y.s > 1e-10``, so the inverse-Hessian estimate stays positive definite; at most ``history_size``
   pairs, oldest dropped first);
2. the search direction ``d = -H_k g_k`` by the two-loop recursion (Nocedal & Wright, *Numerical
   Optimization*, Algorithm 7.4) with the initial scaling ``H_0 = (s.y / y.y) I`` (their eq. 7.20);
3. a step ``t``: fixed (``lr``; the very first one is ``min(1, 1/||g||_1) * lr``) or found by a line
   search satisfying the strong Wolfe conditions (Algorithms 3.5 and 3.6: bracketing, then zoom with
   safeguarded cubic interpolation, eq. 3.59);
4. stop on a small gradient, a small step / loss change, or the iteration / evaluation budgets.
"""
from __future__ import annotations

import numpy as np

from ..autograd.grad_mode import enable_grad
from ..autograd.tensor import Tensor
from .optimizer import Optimizer, _bump, _check_lr, _float, _r

__all__ = ["LBFGS"]


# ----------------------------------------------------------------------------- line search
def _cubic_minimizer(a, fa, ga, b, fb, gb, lo=None, hi=None):
    """Minimizer of the cubic with values ``fa, fb`` and slopes ``ga, gb`` at ``a, b`` (N&W eq. 3.59),
    clipped to ``[lo, hi]`` (default: the interval between the points); the interval's midpoint when
    the cubic has no minimum."""
    if b < a:  # the formula below is written for a <= b
        a, fa, ga, b, fb, gb = b, fb, gb, a, fa, ga
    if lo is None:
        lo, hi = a, b
    d1 = ga + gb - 3 * (fa - fb) / (a - b)
    disc = d1 * d1 - ga * gb
    if disc < 0:
        return (lo + hi) / 2.0
    d2 = np.sqrt(disc)
    x = b - (b - a) * ((gb + d2 - d1) / (gb - ga + 2 * d2))
    return min(max(x, lo), hi)


class _Trial:
    """One point of the line search: step ``t``, loss ``f``, flat gradient ``g``, slope ``dg = g.d``."""

    __slots__ = ("t", "f", "g", "dg")

    def __init__(self, t, f, g, dg):
        self.t, self.f, self.g, self.dg = t, f, g, dg


def _strong_wolfe(phi, t, f0, g0, dg0, d_max, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """Find a step ``t`` along the direction with

        f(t) <= f0 + c1 t dg0           (sufficient decrease)
        |f'(t)| <= -c2 dg0              (strong curvature condition)

    ``phi(t)`` evaluates the loss and returns ``_Trial``; ``dg0 < 0`` is the initial slope. ``d_max``
    is ``max|d|``: the search stops when the bracket is narrower than ``tolerance_change / d_max``.
    Returns ``(loss, grad, t, evaluations)`` of the best point found."""
    origin = _Trial(0, f0, g0, dg0)

    def armijo_fails(p):
        return p.f > f0 + c1 * p.t * dg0

    def curvature_ok(p):
        return abs(p.dg) <= -c2 * dg0

    # ---- phase 1 (Alg. 3.5): grow the step until a bracket [prev, cur] holds an acceptable point
    prev, cur = origin, phi(t)
    evals, it = 1, 0
    bracket = None
    while it < max_ls:
        if armijo_fails(cur) or (it > 1 and cur.f >= prev.f):
            bracket = [prev, cur]  # the loss went up: a minimizer lies between
            break
        if curvature_ok(cur):
            return cur.f, cur.g, cur.t, evals
        if cur.dg >= 0:
            bracket = [prev, cur]  # the slope changed sign
            break
        # extrapolate: cubic step, at least 1% beyond the current one, at most 10x it
        t_next = _cubic_minimizer(prev.t, prev.f, prev.dg, cur.t, cur.f, cur.dg,
                                  cur.t + 0.01 * (cur.t - prev.t), cur.t * 10)
        prev, cur = cur, phi(t_next)
        evals += 1
        it += 1
    if bracket is None:  # budget used up while extrapolating: the better of the origin and the last trial
        best = origin if origin.f <= cur.f else cur
        return best.f, best.g, best.t, evals

    # ---- phase 2 (Alg. 3.6): shrink the bracket; lo is the end with the lower loss
    lo_i = 0 if bracket[0].f <= bracket[1].f else 1
    stalled = False
    while it < max_ls:
        lo, hi = bracket[lo_i], bracket[1 - lo_i]
        left, right = min(lo.t, hi.t), max(lo.t, hi.t)
        if (right - left) * d_max < tolerance_change:
            break
        t = _cubic_minimizer(bracket[0].t, bracket[0].f, bracket[0].dg, bracket[1].t, bracket[1].f, bracket[1].dg)
        # safeguard: a trial too close to an end (within 10% of the width) is pushed inside, at once if it
        # lies on or beyond an end or if the previous trial was already too close
        margin = 0.1 * (right - left)
        if min(right - t, t - left) < margin:
            if stalled or t >= right or t <= left:
                t = right - margin if abs(t - right) < abs(t - left) else left + margin
                stalled = False
            else:
                stalled = True
        else:
            stalled = False
        p = phi(t)
        evals += 1
        it += 1
        if armijo_fails(p) or p.f >= lo.f:
            bracket[1 - lo_i] = p
            lo_i = 0 if bracket[0].f <= bracket[1].f else 1
            continue
        if curvature_ok(p):
            bracket[lo_i] = p
            break
        if p.dg * (hi.t - lo.t) >= 0:
            bracket[1 - lo_i] = lo
        bracket[lo_i] = p
    best = bracket[lo_i]
    return best.f, best.g, best.t, evals


# ----------------------------------------------------------------------------- state packing
def _wrap(x):
    """Arrays and NumPy scalars in the state become Tensors (so state_dict looks like torch's)."""
    if isinstance(x, (np.ndarray, np.generic)):
        return Tensor._make(np.array(x))
    if isinstance(x, list):
        return [_wrap(v) for v in x]
    return x


def _unwrap(x):
    if isinstance(x, Tensor):
        return x._data[()] if x._data.ndim == 0 else x._data
    if isinstance(x, list):
        return [_unwrap(v) for v in x]
    return x


_STATE_KEYS = ("d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad", "prev_loss", "al")


class LBFGS(Optimizer):
    r"""L-BFGS (``torch.optim.LBFGS``): quasi-Newton steps from the last ``history_size`` curvature pairs.

    ``step(closure)`` needs a closure that zeroes the grads, recomputes the loss, calls backward and
    returns the loss; it runs up to ``max_iter`` iterations (``max_eval`` function evaluations).

    Args:
        lr (float): step size (default 1). max_iter (int): iterations per step (20).
        max_eval (int): evaluations per step (default ``max_iter * 5 // 4``).
        tolerance_grad (float): stop when ``max|grad| <= tolerance_grad`` (1e-7).
        tolerance_change (float): stop when the step or the loss change is below it (1e-9).
        history_size (int): number of curvature pairs kept (100).
        line_search_fn (str): None (fixed step ``lr``) or ``'strong_wolfe'``.

    Only one parameter group is supported; all parameters are treated as one flat vector. The state
    (``d``, ``t``, ``old_dirs``, ``old_stps``, ``ro``, ``H_diag``, ``prev_flat_grad``, ``prev_loss``,
    ``al``, ``n_iter``, ``func_evals``) sits under the first parameter, as in torch.
    """

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        _check_lr(lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    # ---- the parameters as one flat vector
    def _flat_grad(self):
        # complex parameters count as (real, imag) pairs, as in torch
        return np.concatenate([_r(np.zeros(p._data.size, p._data.dtype) if p._grad is None else p._grad._data)
                               .reshape(-1) for p in self._params])

    def _move(self, t, d):
        """x += t * d, in place."""
        start = 0
        for p in self._params:
            flat = _r(p._data)
            stop = start + flat.size
            flat += t * d[start:stop].reshape(flat.shape)
            _bump(p)
            start = stop

    def _evaluate_at(self, closure, x0, t, d):
        """Loss and gradient at ``x0 + t d``; the parameters are put back to ``x0`` afterwards."""
        self._move(t, d)
        f = float(closure())
        g = self._flat_grad()
        for p, saved in zip(self._params, x0):
            p._data[...] = saved
            _bump(p)
        return _Trial(t, f, g, g.dot(d))

    # ---- one call
    def step(self, closure):
        """Run up to ``max_iter`` L-BFGS iterations; returns the loss of the first closure evaluation."""
        if closure is None:
            raise RuntimeError("LBFGS.step requires a closure that re-evaluates the model and returns the loss")
        user_closure = closure

        def closure():
            with enable_grad():
                return user_closure()

        opts = self.param_groups[0]
        lr = _float(opts["lr"])
        max_iter, max_eval = opts["max_iter"], opts["max_eval"]
        tol_grad, tol_change = opts["tolerance_grad"], opts["tolerance_change"]
        history_size = opts["history_size"]
        if opts["line_search_fn"] not in (None, "strong_wolfe"):
            raise RuntimeError("only 'strong_wolfe' is supported")

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        first_loss = closure()
        loss = float(first_loss)
        evals = 1
        state["func_evals"] += 1
        g = self._flat_grad()
        if np.abs(g).max() <= tol_grad:
            return first_loss

        mem = {k: _unwrap(state.get(k)) for k in _STATE_KEYS}
        d, t = mem["d"], mem["t"]
        S, Y, rho, gamma = mem["old_stps"], mem["old_dirs"], mem["ro"], mem["H_diag"]
        g_prev, alpha, prev_loss = mem["prev_flat_grad"], mem["al"], mem["prev_loss"]

        for k in range(1, max_iter + 1):
            state["n_iter"] += 1
            if state["n_iter"] == 1:  # very first iteration: steepest descent, empty memory
                d = -g
                S, Y, rho, gamma = [], [], [], 1
            else:
                y, s = g - g_prev, d * t
                ys = y.dot(s)
                if ys > 1e-10:
                    if len(S) == history_size:
                        del S[0], Y[0], rho[0]
                    S.append(s)
                    Y.append(y)
                    rho.append(1.0 / ys)
                    gamma = ys / y.dot(y)
                if alpha is None:
                    alpha = [None] * history_size
                d, alpha = self._two_loop(g, S, Y, rho, gamma, alpha)
            g_prev = g.copy()
            prev_loss = loss
            t = min(1.0, 1.0 / np.abs(g).sum()) * lr if state["n_iter"] == 1 else lr
            slope = g.dot(d)
            if slope > -tol_change:  # not a descent direction (to tolerance)
                break

            used = 0
            if opts["line_search_fn"] == "strong_wolfe":
                x0 = [p._data.copy() for p in self._params]
                # (the line search keeps its own tolerance_change=1e-9, as torch does)
                loss, g, t, used = _strong_wolfe(lambda tt: self._evaluate_at(closure, x0, tt, d), t, loss, g,
                                                 slope, np.abs(d).max(), max_ls=max_eval - evals)
                self._move(t, d)
                converged = np.abs(g).max() <= tol_grad
            else:
                self._move(t, d)
                converged = False
                if k != max_iter:  # the last iteration's loss is not needed
                    loss = float(closure())
                    g = self._flat_grad()
                    converged = np.abs(g).max() <= tol_grad
                    used = 1
            evals += used
            state["func_evals"] += used

            if k == max_iter or evals >= max_eval or converged:
                break
            if np.abs(d * t).max() <= tol_change or abs(loss - prev_loss) < tol_change:
                break

        state.update(d=_wrap(d), t=_wrap(t), old_dirs=_wrap(Y), old_stps=_wrap(S), ro=_wrap(rho),
                     H_diag=_wrap(gamma), prev_flat_grad=_wrap(g_prev), prev_loss=prev_loss)
        if alpha is not None:
            state["al"] = _wrap(alpha)
        return first_loss

    @staticmethod
    def _two_loop(g, S, Y, rho, gamma, alpha):
        """``-H g`` for the L-BFGS inverse Hessian ``H`` of pairs ``(S[i], Y[i])``, ``rho[i] = 1/(y.s)``
        and ``H_0 = gamma I`` (N&W Algorithm 7.4)."""
        q = -g
        for i in reversed(range(len(S))):  # newest to oldest
            alpha[i] = S[i].dot(q) * rho[i]
            q -= alpha[i] * Y[i]
        r = q * gamma
        for i in range(len(S)):  # oldest to newest
            beta = Y[i].dot(r) * rho[i]
            r += (alpha[i] - beta) * S[i]
        return r, alpha
