"""Array kernels of the error function family (NumPy has none): erf, erfc, erfinv.

erf/erfc: W. J. Cody's rational Chebyshev approximations (CALERF, SPECFUN; Math. Comp. 23, 1969),
accurate to ~1e-16 relative in float64, in three intervals of |x|: [0, 0.46875], (0.46875, 4],
(4, inf). erfinv: M. Giles' approximation ("Approximating the erfinv function", 2010) refined by
three Newton steps, with the residual taken through erfc near |y| = 1 so it stays accurate there.
All three compute in float64 and return the input's float dtype.
"""
from __future__ import annotations

import numpy as np

from ..arguments import xp_of

_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03,
      1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03)
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
      8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
      2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
      3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03)
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2,
      6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1, 6.05183413124413191e-2,
      2.33520497626869185e-3)
_SQRPI = 5.6418958354775628695e-1  # 1 / sqrt(pi)
_BREAK = 0.46875


def xp_of(a):
    from ... import backend  # noqa: PLC0415

    return backend.get_array_module(a)


def _small(xp, x):
    """erf(x) for |x| <= 0.46875."""
    z = x * x
    num = _A[4] * z
    den = z
    for i in range(3):
        num = (num + _A[i]) * z
        den = (den + _B[i]) * z
    return x * (num + _A[3]) / (den + _B[3])


def _erfc_pos(xp, y):
    """erfc(y) for y > 0.46875 (any y > 0 is accepted; only that range is accurate)."""
    mid = y <= 4.0
    # (0.46875, 4]
    num = _C[8] * y
    den = y
    for i in range(7):
        num = (num + _C[i]) * y
        den = (den + _D[i]) * y
    r_mid = (num + _C[7]) / (den + _D[7])
    # (4, inf)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = 1.0 / (y * y)
        num = _P[5] * z
        den = z
        for i in range(4):
            num = (num + _P[i]) * z
            den = (den + _Q[i]) * z
        r_big = (_SQRPI - z * (num + _P[4]) / (den + _Q[4])) / y
        r = xp.where(mid, r_mid, r_big)
        # exp(-y^2) as exp(-ysq^2) exp(-(y - ysq)(y + ysq)) with ysq = y rounded to 1/16: no cancellation
        ysq = xp.trunc(y * 16.0) / 16.0
        e = xp.exp(-ysq * ysq) * xp.exp(-(y - ysq) * (y + ysq))
        out = e * r
    return xp.where(xp.isinf(y), 0.0, out)


def erf(a):
    """erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt, elementwise."""
    xp = xp_of(a)
    x = a.astype(np.float64, copy=False)
    y = xp.abs(x)
    small = y <= _BREAK
    with np.errstate(invalid="ignore"):
        big = 1.0 - _erfc_pos(xp, xp.where(small, 1.0, y))
        out = xp.where(small, _small(xp, xp.where(small, x, 0.0)), xp.copysign(big, x))
    return out.astype(a.dtype, copy=False)


def erfc(a):
    """erfc(x) = 1 - erf(x), accurate for large x (where 1 - erf(x) would cancel)."""
    xp = xp_of(a)
    x = a.astype(np.float64, copy=False)
    y = xp.abs(x)
    small = y <= _BREAK
    with np.errstate(invalid="ignore"):
        tail = _erfc_pos(xp, xp.where(small, 1.0, y))
        out = xp.where(small, 1.0 - _small(xp, xp.where(small, x, 0.0)), xp.where(x < 0, 2.0 - tail, tail))
    return out.astype(a.dtype, copy=False)


def _giles(xp, y):
    """Initial guess for erfinv(y), |y| < 1 (Giles 2010, single precision coefficients)."""
    w = -xp.log((1.0 - y) * (1.0 + y))
    lo = w < 5.0
    w1 = w - 2.5
    p1 = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
              -0.00417768164, 0.246640727, 1.50140941):
        p1 = c + p1 * w1
    w2 = xp.sqrt(w) - 3.0
    p2 = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
              0.00943887047, 1.00167406, 2.83297682):
        p2 = c + p2 * w2
    return xp.where(lo, p1, p2) * y


def erfinv(a):
    """The inverse of erf on (-1, 1); +-inf at +-1, nan outside [-1, 1]."""
    xp = xp_of(a)
    y = a.astype(np.float64, copy=False)
    with np.errstate(all="ignore"):
        z = xp.abs(y)
        inside = z < 1.0
        zi = xp.where(inside, z, 0.5)
        x = _giles(xp, zi)
        tail = zi > 0.5
        one_minus = 1.0 - zi  # exact for zi in [0.5, 1] (Sterbenz)
        log_om = xp.log(one_minus)
        for _ in range(3):
            # Newton steps. Centre: on erf(x) - z. Tail: on log erfc(x) - log(1 - z), nearly quadratic
            # in x there (erfc ~ exp(-x^2) / (x sqrt(pi))), so it converges from a rough guess.
            d = 1.1283791670955126 * xp.exp(-x * x)  # erf'(x)
            ec = erfc(x)
            x_c = x - (erf(x) - zi) / d
            x_t = x + (xp.log(ec) - log_om) * ec / d
            x = xp.where(tail, x_t, x_c)
        out = xp.where(inside, x, xp.where(z == 1.0, xp.inf, xp.nan))
        out = xp.copysign(out, y)
    return out.astype(a.dtype, copy=False)
