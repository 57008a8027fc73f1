"""Quadrature rules for path integrals over alpha in [0, 1] (Integrated Gradients and its layer form).

Each rule gives points alpha_i and weights w_i with  integral_0^1 g(alpha) d alpha ~ sum_i w_i g(alpha_i):

- ``riemann_left``:  alpha_i = i / n (i = 0..n-1), w_i = 1/n
- ``riemann_right``: alpha_i = i / n (i = 1..n),   w_i = 1/n
- ``riemann_middle``: alpha_i = (i + 1/2) / n,     w_i = 1/n
- ``riemann_trapezoid``: n points from 0 to 1, w_i = 1/n with the two ends halved (so the weights sum
  to 1 - 1/n, as Captum's)
- ``gausslegendre``: the n-point Gauss-Legendre rule moved from [-1, 1] to [0, 1] (exact for
  polynomials of degree 2n - 1)
"""
from __future__ import annotations

import numpy as np

SUPPORTED_RIEMANN_METHODS = ["riemann_left", "riemann_right", "riemann_middle", "riemann_trapezoid"]
SUPPORTED_METHODS = SUPPORTED_RIEMANN_METHODS + ["gausslegendre"]


def check_method(n_steps, method, caller):
    """Raise a clear error for an unknown rule or too few steps."""
    if method not in SUPPORTED_METHODS:
        raise ValueError(f"{caller}: unknown integration method {method!r}; choose one of {SUPPORTED_METHODS}")
    least = 1 if method == "gausslegendre" else 2
    if isinstance(n_steps, bool) or not isinstance(n_steps, int) or n_steps < least:
        raise ValueError(f"{caller}: n_steps must be an int >= {least} for {method}, got {n_steps!r}")


def step_sizes_and_alphas(method, n):
    """``(weights, alphas)``: two lists of ``n`` floats for the rule ``method`` (see the module docstring)."""
    if method == "gausslegendre":
        nodes, weights = np.polynomial.legendre.leggauss(n)
        return (0.5 * weights).tolist(), (0.5 * (1 + nodes)).tolist()
    sizes = [1.0 / n] * n
    if method == "riemann_trapezoid":
        sizes[0] /= 2
        sizes[-1] /= 2
        alphas = np.linspace(0, 1, n)
    elif method == "riemann_left":
        alphas = np.linspace(0, 1 - 1 / n, n)
    elif method == "riemann_middle":
        alphas = np.linspace(1 / (2 * n), 1 - 1 / (2 * n), n)
    elif method == "riemann_right":
        alphas = np.linspace(1 / n, 1, n)
    else:
        raise ValueError(f"unknown integration method {method!r}; choose one of {SUPPORTED_METHODS}")
    return sizes, alphas.tolist()


def step_chunks(n_examples, n_steps, internal_batch_size, caller):
    """The ranges of steps evaluated together so that one forward pass holds at most
    ``internal_batch_size`` rows (at least one step per pass)."""
    if internal_batch_size is None:
        return [(0, n_steps)]
    if internal_batch_size < n_examples:
        import warnings

        warnings.warn(f"{caller}: internal_batch_size {internal_batch_size} is below the number of examples "
                      f"{n_examples}; evaluating one step ({n_examples} rows) at a time", stacklevel=3)
    per = max(1, internal_batch_size // n_examples)
    return [(s, min(s + per, n_steps)) for s in range(0, n_steps, per)]
