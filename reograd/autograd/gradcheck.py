"""Checking analytic gradients against numeric ones (central finite differences), as PyTorch's.

    df/dx_i  ~  (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)

``gradcheck`` compares, for every input element and output element, the Jacobian entry from
backward with the one from finite differences; use float64 inputs (float32 is too coarse).
"""
from __future__ import annotations

import numpy as np

from .engine import grad as _grad
from .grad_mode import no_grad
from .tensor import Tensor

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck when an analytic and a numeric derivative disagree."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(fn, inputs):
    out = _as_tuple(fn(*inputs))
    return [o for o in out if isinstance(o, Tensor) and (o.is_floating_point() or o.is_complex())]


def _numeric_jacobian(fn, inputs, idx, eps):
    """J[k][j] = d out_k (flattened) / d inputs[idx] element j, by central differences."""
    x = inputs[idx]
    flat = x._data.reshape(-1)  # a view: perturb in place
    cols = []
    # evaluated with grad mode as it is: gradgradcheck's function calls autograd.grad itself
    for j in range(flat.size):
        orig = flat[j]
        flat[j] = orig + eps
        plus = [o._data.astype(np.float64).reshape(-1).copy() for o in _outputs(fn, inputs)]
        flat[j] = orig - eps
        minus = [o._data.astype(np.float64).reshape(-1).copy() for o in _outputs(fn, inputs)]
        flat[j] = orig
        cols.append([(p - m) / (2 * eps) for p, m in zip(plus, minus)])
    if cols:
        return [np.stack([c[k] for c in cols], axis=1) for k in range(len(cols[0]))]
    return [np.zeros((o.numel(), 0)) for o in _outputs(fn, inputs)]  # an empty input


def _analytic_jacobian(fn, inputs, diff_idx):
    """Rows of the Jacobian by one backward pass per output element (vector-Jacobian products)."""
    outs = _outputs(fn, inputs)
    diff_inputs = [inputs[i] for i in diff_idx]
    jacs = {}
    for k, o in enumerate(outs):
        n = o.numel()
        rows = {i: np.zeros((n, inputs[i].numel())) for i in diff_idx}
        for r in range(n):
            u = np.zeros(n, dtype=o._data.dtype)
            u[r] = 1
            if not o.requires_grad:
                continue
            gs = _grad(o, diff_inputs, Tensor._make(u.reshape(o._data.shape)), retain_graph=True,
                       allow_unused=True)
            for i, g in zip(diff_idx, gs):
                if g is not None:
                    rows[i][r] = g._data.reshape(-1)
        jacs[k] = rows
    return outs, jacs


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_backward_ad=True, check_forward_ad=False, fast_mode=False, masked=None):
    """True if backward's gradients of ``func`` at ``inputs`` match central finite differences.

    Compares every Jacobian entry: |analytic - numeric| <= atol + rtol * |numeric|. On a mismatch it
    raises (or returns False with ``raise_exception=False``) naming the input, the output, the element,
    and both values. ``check_forward_ad`` also compares forward-mode tangents with the same numbers.
    """
    inputs = _as_tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the them "
                         "have requires_grad=True.")
    for i in diff_idx:
        if inputs[i].dtype.name != "float64":
            import warnings  # noqa: PLC0415

            warnings.warn(f"gradcheck: input {i} is {inputs[i].dtype}, not float64: the check is likely to fail "
                          "from rounding", stacklevel=2)
    try:
        if fast_mode:
            _fast_check(func, inputs, diff_idx, eps, atol, rtol, check_backward_ad, check_forward_ad)
            return True
        outs, analytic = _analytic_jacobian(func, inputs, diff_idx)
        for i in diff_idx:
            numeric = _numeric_jacobian(func, inputs, i, eps)
            for k in range(len(outs)):
                a = analytic[k][i]
                n = numeric[k]
                _compare(a, n, atol, rtol, f"input {i} (shape {list(inputs[i].shape)})", k, "backward",
                         tuple(inputs[i].shape), tuple(outs[k].shape))
        if check_forward_ad:
            _check_forward(func, inputs, diff_idx, eps, atol, rtol)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _fast_check(func, inputs, diff_idx, eps, atol, rtol, backward, forward):
    """fast_mode: compare u^T J v (random u, v) from backward / forward mode with finite differences."""
    rng = np.random.default_rng(0)
    outs = _outputs(func, inputs)
    us = [rng.standard_normal(o._data.shape).astype(o._data.dtype) for o in outs]
    for i in diff_idx:
        x = inputs[i]
        v = rng.standard_normal(x._data.shape).astype(x._data.dtype)
        flat, vflat = x._data.reshape(-1), v.reshape(-1)
        orig = flat.copy()
        flat += eps * vflat
        plus = [o._data.astype(np.float64) for o in _outputs(func, inputs)]
        flat[:] = orig - eps * vflat
        minus = [o._data.astype(np.float64) for o in _outputs(func, inputs)]
        flat[:] = orig
        numeric = sum(float(np.sum(u * (p - m) / (2 * eps))) for u, p, m in zip(us, plus, minus))
        what = f"input {i} (shape {list(x.shape)})"
        if backward:
            outs = _outputs(func, inputs)
            pairs = [(o, Tensor._make(u)) for o, u in zip(outs, us) if o.requires_grad]
            analytic = 0.0
            if pairs:
                (g,) = _grad([p[0] for p in pairs], [x], [p[1] for p in pairs], allow_unused=True)
                analytic = 0.0 if g is None else float(np.sum(g._data * v))
            _compare(np.array([[analytic]]), np.array([[numeric]]), atol, rtol, what, "(all, projected)",
                     "backward, fast mode: u^T J v with random u, v")
        if forward:
            from . import forward_ad as fwad  # noqa: PLC0415

            with fwad.dual_level():
                args = list(inputs)
                args[i] = fwad.make_dual(x.detach(), Tensor._make(v))
                with no_grad():
                    fouts = _outputs(func, args)
                analytic = 0.0
                for o, u in zip(fouts, us):
                    t = fwad.unpack_dual(o).tangent
                    if t is not None:
                        analytic += float(np.sum(u * t._data))
            _compare(np.array([[analytic]]), np.array([[numeric]]), atol, rtol, what, "(all, projected)",
                     "forward, fast mode: u^T J v with random u, v")


def _compare(a, n, atol, rtol, what, k, mode, in_shape=None, out_shape=None):
    if a.shape != n.shape:
        raise GradcheckError(f"Jacobian shape mismatch for output {k} with respect to {what}: analytic "
                             f"{a.shape}, numeric {n.shape}")
    bad = ~np.isclose(a, n, rtol=rtol, atol=atol, equal_nan=True)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        ri = tuple(int(v) for v in np.unravel_index(r, out_shape)) if out_shape else int(r)
        ci = tuple(int(v) for v in np.unravel_index(c, in_shape)) if in_shape else int(c)
        raise GradcheckError(
            f"Jacobian mismatch for output {k} with respect to {what} ({mode} mode): at output element {ri}, "
            f"input element {ci}: analytic {float(a[r, c])!r}, numeric {float(n[r, c])!r} ({int(bad.sum())} of "
            f"{bad.size} entries differ).\nnumerical:{n}\nanalytical:{a}")


def _check_forward(func, inputs, diff_idx, eps, atol, rtol):
    from . import forward_ad as fwad  # noqa: PLC0415

    for i in diff_idx:
        x = inputs[i]
        numeric = _numeric_jacobian(func, inputs, i, eps)
        cols = {k: np.zeros_like(numeric[k]) for k in range(len(numeric))}
        for j in range(x.numel()):
            t = np.zeros(x.numel())
            t[j] = 1
            with fwad.dual_level():
                dual = fwad.make_dual(x.detach(), Tensor._make(t.reshape(x._data.shape).astype(x._data.dtype)))
                args = list(inputs)
                args[i] = dual
                with no_grad():
                    outs = _outputs(func, args)
                for k, o in enumerate(outs):
                    tan = fwad.unpack_dual(o).tangent
                    cols[k][:, j] = 0 if tan is None else tan._data.reshape(-1)
        for k in cols:
            _compare(cols[k], numeric[k], atol, rtol, f"input {i} (shape {list(x.shape)})", k, "forward",
                     tuple(x.shape), None)


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, gen_non_contig_grad_outputs=False,
                  raise_exception=True, nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
                  check_batched_grad=False, check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """Second derivatives: gradcheck of x -> vjp(func, x, u), with ``create_graph=True``.

    ``grad_outputs`` (the u) default to random tensors shaped like the outputs.
    """
    inputs = _as_tuple(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [Tensor._make(rng.standard_normal(o._data.shape).astype(o._data.dtype), True) for o in outs]
    grad_outputs = list(_as_tuple(grad_outputs))
    n_in = len(inputs)

    def first_grads(*args):
        xs, us = args[:n_in], args[n_in:]
        o = [x for x in _outputs(func, xs) if x.requires_grad]
        diff = [xs[i] for i in diff_idx]
        gs = _grad(o, diff, list(us)[:len(o)], create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_grads, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, fast_mode=fast_mode)
