"""Array kernels of the gamma and Bessel function families (NumPy has none, and SciPy is not a
runtime dependency): lgamma, digamma, polygamma, i0, i1 (and the exponentially scaled i0e, i1e).

- lgamma: Cephes' ``lgam`` (S. L. Moshier): Stirling's series for x >= 13, a rational approximation
  on [2, 3] reached by the recurrence Gamma(x + 1) = x Gamma(x) below 13, and the reflection
  formula for x < -34. ~1e-15 relative in float64 away from the zeros at 1 and 2 (absolute there).
- digamma: psi(x) = psi(x + k) - sum_{j<k} 1/(x + j), shifted until x + k >= 10, then the asymptotic
  series log x - 1/(2x) - sum B_2j / (2j x^2j); reflection psi(1 - x) - pi / tan(pi x) for x < 0.
- polygamma(n, x), n >= 1: (-1)^(n+1) n! zeta(n + 1, x), the Hurwitz zeta by direct summation up to
  a shift then the Euler-Maclaurin tail with Bernoulli numbers (as Cephes' ``zeta``).
- i0, i1: the power series (all terms positive: no cancellation) for |x| <= 20 and Hankel's
  asymptotic expansion above.
All compute in float64 and return the input's float dtype.
"""
from __future__ import annotations

import math

import numpy as np

from ..arguments import xp_of

LOG_PI = math.log(math.pi)
_LS2PI = 0.91893853320467274178  # log(sqrt(2 pi))
_A = (8.11614167470508450300e-4, -5.95061904284301438324e-4, 7.93650340457716943945e-4,
      -2.77777777730099687205e-3, 8.33333333333331927722e-2)
_B = (-1.37825152569120859100e3, -3.88016315134637840924e4, -3.31612992738871184744e5,
      -1.16237097492762307383e6, -1.72173700820839662146e6, -8.53555664245765465627e5)
_C = (-3.51815701436523470549e2, -1.70642106651881159223e4, -2.20528590553854454839e5,
      -1.13933444367982507207e6, -2.53252307177582951285e6, -2.01889141433532773231e6)
# B_2k / (2k) for the digamma series, and B_2k / (2k)! for the Euler-Maclaurin tail (k = 1..12)
_BERN = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798, -174611 / 330,
         854513 / 138, -236364091 / 2730)
_BERN_FACT = tuple(b / math.factorial(2 * k + 2) for k, b in enumerate(_BERN))


def xp_of(a):
    from ... import backend

    return backend.get_array_module(a)


def _polevl(x, coef):
    out = coef[0]
    for c in coef[1:]:
        out = out * x + c
    return out


def _p1evl(x, coef):
    out = x + coef[0]
    for c in coef[1:]:
        out = out * x + c
    return out


def _f64(a):
    return a.astype(np.float64, copy=False)


# --------------------------------------------------------------------------------------------- lgamma
def _lgamma_pos_big(xp, x):
    """log Gamma(x) for x >= 13 (Stirling)."""
    q = (x - 0.5) * xp.log(x) - x + _LS2PI
    p = 1.0 / (x * x)
    return q + _polevl(p, _A) / x


def _lgamma_mid(xp, x):
    """log |Gamma(x)| for -34 <= x < 13, x not a non-positive integer: shift into [2, 3)."""
    z = xp.ones_like(x)
    u = x.copy()
    while True:  # u >= 3: Gamma(u) = (u - 1) Gamma(u - 1)
        m = u >= 3.0
        if not m.any():
            break
        u = xp.where(m, u - 1.0, u)
        z = xp.where(m, z * u, z)
    while True:  # u < 2: Gamma(u) = Gamma(u + 1) / u
        m = u < 2.0
        if not m.any():
            break
        z = xp.where(m, z / u, z)
        u = xp.where(m, u + 1.0, u)
    t = u - 2.0
    return xp.log(xp.abs(z)) + t * _polevl(t, _B) / _p1evl(t, _C)


def _lgamma_core(xp, x):
    """log |Gamma(x)| for finite x >= -34 not at a pole."""
    big = x >= 13.0
    out = _lgamma_pos_big(xp, xp.where(big, x, 13.0))
    mid = xp.where(big, 2.5, x)
    return xp.where(big, out, _lgamma_mid(xp, mid))


def lgamma(a):
    """log |Gamma(x)|, elementwise: +inf at 0 and the negative integers and at +-inf, nan at nan."""
    xp = xp_of(a)
    x = _f64(a)
    with np.errstate(all="ignore"):
        pole = (x <= 0) & (x == xp.floor(x))
        neg = x < -34.0
        fin = xp.isfinite(x) & ~pole
        xs = xp.where(fin, x, 2.5)
        q = xp.where(neg, -xs, 2.5)
        # reflection for x < -34: log|Gamma(x)| = log(pi) - log|q sin(pi z)| - lgamma(q), q = -x
        w = _lgamma_pos_big(xp, xp.maximum(q, 13.0))
        p = xp.floor(q)
        z = q - p
        z = xp.where(z > 0.5, p + 1.0 - q, z)
        refl = LOG_PI - xp.log(xp.abs(q * xp.sin(math.pi * z))) - w
        core = _lgamma_core(xp, xp.where(neg, 2.5, xs))
        out = xp.where(neg, refl, core)
        out = xp.where(fin, out, xp.where(xp.isnan(x), xp.nan, xp.inf))
    return out.astype(a.dtype, copy=False)


# --------------------------------------------------------------------------------------------- digamma
def _digamma_pos(xp, x):
    """psi(x) for x > 0."""
    acc = xp.zeros_like(x)
    for _ in range(10):
        m = x < 10.0
        if not m.any():
            break
        acc = acc + xp.where(m, 1.0 / x, 0.0)
        x = xp.where(m, x + 1.0, x)
    z = 1.0 / (x * x)
    # sum_k B_2k / (2k x^2k), evaluated by Horner in z = 1/x^2
    s = xp.zeros_like(x)
    for k in range(8, 0, -1):
        s = (s + _BERN[k - 1] / (2 * k)) * z
    return xp.log(x) - 0.5 / x - s - acc


def digamma(a):
    """psi(x) = d/dx log Gamma(x), elementwise. -inf at +0 (+inf at -0), nan at negative integers and -inf."""
    xp = xp_of(a)
    x = _f64(a)
    with np.errstate(all="ignore"):
        zero = x == 0
        pole = (x < 0) & (x == xp.floor(x))
        neg = x < 0
        safe = xp.where(zero | pole | xp.isnan(x), 1.0, x)
        pos = _digamma_pos(xp, xp.where(neg, 1.0 - safe, xp.where(xp.isinf(safe), 1.0, safe)))
        # reflection: psi(x) = psi(1 - x) - pi / tan(pi x); tan(pi x) via the fractional part (exact)
        frac = safe - xp.round(safe)  # exact (Sterbenz); keeps pi * frac in [-pi/2, pi/2]
        refl = pos - math.pi / xp.tan(math.pi * frac)
        out = xp.where(neg, refl, pos)
        out = xp.where(safe == xp.inf, xp.inf, out)
        out = xp.where(zero, xp.copysign(xp.inf, -x), out)
        out = xp.where(pole | (x == -xp.inf) | xp.isnan(x), xp.nan, out)
    return out.astype(a.dtype, copy=False)


# --------------------------------------------------------------------------------------------- polygamma
def _hurwitz_zeta(xp, s, q):
    """zeta(s, q) = sum_k (q + k)^-s for an integer s >= 2 and real q (not a non-positive integer)."""
    shift = 10.0 + s
    acc = xp.zeros_like(q)
    while True:
        m = q < shift
        if not m.any():
            break
        acc = acc + xp.where(m, q ** -s, 0.0)
        q = xp.where(m, q + 1.0, q)
    # Euler-Maclaurin tail at q: q^(1-s)/(s-1) + q^-s/2 + sum_k B_2k/(2k)! s(s+1)..(s+2k-2) q^(-s-2k+1)
    tail = q ** (1.0 - s) / (s - 1.0) + 0.5 * q ** -s
    term = q ** (-s - 1.0) * s  # s q^(-s-1): the k = 1 factor
    inv2 = 1.0 / (q * q)
    for k in range(12):
        tail = tail + _BERN_FACT[k] * term
        term = term * (s + 2 * k + 1) * (s + 2 * k + 2) * inv2
    return acc + tail


def polygamma(n, a):
    """psi^(n)(x), the n-th derivative of digamma, elementwise (n >= 0; n = 0 is digamma)."""
    if n == 0:
        return digamma(a)
    xp = xp_of(a)
    x = _f64(a)
    with np.errstate(all="ignore"):
        pole = (x <= 0) & (x == xp.floor(x))
        bad = pole | ~xp.isfinite(x)
        z = _hurwitz_zeta(xp, float(n + 1), xp.where(bad, 1.0, x))
        sign = 1.0 if n % 2 else -1.0
        out = sign * math.factorial(n) * z
        out = xp.where(pole, sign * xp.inf, out)
        out = xp.where(x == xp.inf, 0.0 if n % 2 else -0.0, out)
        out = xp.where((x == -xp.inf) | xp.isnan(x), xp.nan, out)
    return out.astype(a.dtype, copy=False)


# --------------------------------------------------------------------------------------------- Bessel I0/I1
_BIG = 20.0


def _bessel_series(xp, y, nu):
    """I_nu(y) for nu in {0, 1}, y >= 0 small: sum (y/2)^(2k+nu) / (k! (k+nu)!)."""
    h = 0.25 * y * y
    term = xp.ones_like(y)
    s = term
    for k in range(1, 60):
        term = term * h / (k * (k + nu))
        s = s + term
    return s if nu == 0 else s * 0.5 * y


def _bessel_asym_scaled(xp, y, nu):
    """e^-y I_nu(y) for y >= 20: Hankel's expansion 1/sqrt(2 pi y) sum_k (-1)^k a_k(nu) / y^k."""
    mu = 4.0 * nu * nu
    term = xp.ones_like(y)
    s = term
    for k in range(1, 30):
        term = term * -(mu - (2 * k - 1) ** 2) / (8.0 * k * y)
        s = s + term
    return s / (math.sqrt(2 * math.pi) * xp.sqrt(y))


def _bessel(a, nu, scaled):
    xp = xp_of(a)
    x = _f64(a)
    with np.errstate(all="ignore"):
        y = xp.abs(x)
        big = y > _BIG
        ys = xp.where(big, _BIG, y)
        small = _bessel_series(xp, ys, nu)
        if scaled:
            small = small * xp.exp(-ys)
        yb = xp.where(big, y, 2 * _BIG)
        asym = _bessel_asym_scaled(xp, yb, nu)
        if not scaled:
            e = xp.exp(0.5 * yb)  # e^y as (e^(y/2))^2 around the product: no early overflow of asym * e^y
            asym = asym * e * e
        out = xp.where(big, asym, small)
        if not scaled:
            out = xp.where(big & xp.isnan(out), xp.inf, out)  # past overflow: 0 * inf
        if nu == 1:
            out = xp.copysign(out, x)
        out = xp.where(xp.isnan(x), xp.nan, out)
        if not scaled:
            out = xp.where(xp.isinf(x), xp.copysign(xp.inf, x) if nu == 1 else xp.inf, out)
        else:
            out = xp.where(xp.isinf(x), xp.copysign(0.0, x), out)
    return out.astype(a.dtype, copy=False)


def i0(a):
    """Modified Bessel function of the first kind, order 0: I0(x) = sum_k (x/2)^(2k) / (k!)^2."""
    return _bessel(a, 0, False)


def i1(a):
    """Modified Bessel function of the first kind, order 1: I1(x) = sum_k (x/2)^(2k+1) / (k! (k+1)!)."""
    return _bessel(a, 1, False)


def i0e(a):
    """Exponentially scaled I0: exp(-|x|) I0(x)."""
    return _bessel(a, 0, True)


def i1e(a):
    """Exponentially scaled I1: exp(-|x|) I1(x)."""
    return _bessel(a, 1, True)
