r"""Exact Gaussian moments of piecewise-linear functions.

For a function that is linear on each interval of a partition of the real line,

.. math::

    g(z) = c_j + s_j (z - m_j), \qquad z \in [a_j, a_{j+1}],

the integrals against the standard Gaussian measure ``Dz`` reduce, interval by interval, to
three closed-form quantities

.. math::

    P = \Phi(b) - \Phi(a), \quad D = N(a) - N(b), \quad E = P + a N(a) - b N(b)

(N the standard normal density, Phi its distribution function; terms at +-inf vanish), i.e.
``int Dz = P``, ``int z Dz = D``, ``int z^2 Dz = E``.  fastq evaluates ``P`` with ``erfc`` of the
side that is far out, so intervals 40 standard deviations away give exactly 0 (never negative
mass or 0/0).  No quadrature is involved anywhere.

Kernels: ``_interval(a, b)`` -> (P, D, E) and ``_pl_moments`` for a whole function.
"""
from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

from . import _validate as V
from ._jit import njit

_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


@njit
def _npdf(z):
    """Standard normal density; 0 at +-inf."""
    if math.isinf(z):
        return 0.0
    return _INV_SQRT_2PI * math.exp(-0.5 * z * z)


@njit
def _zpdf(z):
    """Z N(z); 0 at +-inf."""
    if math.isinf(z):
        return 0.0
    return z * _INV_SQRT_2PI * math.exp(-0.5 * z * z)


@njit
def _mass(a, b):
    """Phi(b) - Phi(a) for a <= b without cancellation in either tail."""
    if a >= 0.0:
        p = 0.5 * (math.erfc(a / _SQRT2) - math.erfc(b / _SQRT2))
    elif b <= 0.0:
        p = 0.5 * (math.erfc(-b / _SQRT2) - math.erfc(-a / _SQRT2))
    else:
        p = 1.0 - 0.5 * math.erfc(-a / _SQRT2) - 0.5 * math.erfc(b / _SQRT2)
    if p < 0.0:
        p = 0.0
    return p


@njit
def _interval(a, b):
    """(P, D, E) = (int_a^b Dz, int_a^b z Dz, int_a^b z^2 Dz) for a <= b (either may be infinite)."""
    p = _mass(a, b)
    d = _npdf(a) - _npdf(b)
    e = p + _zpdf(a) - _zpdf(b)
    if e < 0.0:
        e = 0.0
    return p, d, e


@njit
def _at_break(x):
    """What every interval ending at ``x`` needs: ``(erfc(|x|/sqrt 2), N(x), x N(x))``."""
    return math.erfc(abs(x) / _SQRT2), _npdf(x), _zpdf(x)


@njit
def _interval_from(a, b, ea, na, za, eb, nb, zb):
    """:func:`_interval` from the values of :func:`_at_break` at both ends (same arithmetic, so the
    same numbers; a break shared by two intervals is evaluated once).
    """
    if a >= 0.0:
        p = 0.5 * (ea - eb)
    elif b <= 0.0:
        p = 0.5 * (eb - ea)
    else:
        p = 1.0 - 0.5 * ea - 0.5 * eb
    if p < 0.0:
        p = 0.0
    d = na - nb
    e = p + za - zb
    if e < 0.0:
        e = 0.0
    return p, d, e


#: 1 / k for k = 0..209 (entry 0 unused): the series multiplies instead of dividing
_INV = np.concatenate((np.zeros(1), 1.0 / np.arange(1.0, 210.0)))
#: beyond this |z| the density and the tail mass underflow to exactly 0 in double precision
_Z_ZERO = 40.0
#: half-width (z units) below which a sloped interval's moments come from the series about its centre
_H_SERIES = 0.125


@njit
def _narrow(mid, h):
    r"""Centred moments ``int Dz (z - mid)^k``, k = 0, 1, 2, over ``[mid - h, mid + h]``.

    No cancellation: they come from the Taylor series of the density about the centre,

    .. math::

        N(m + u) = N(m) \sum_k (-1)^k \mathrm{He}_k(m) u^k / k!, \qquad
        \int_{-h}^{h} u^n du = 2 h^{n+1} / (n + 1) \ (n \text{ even}).

    The terms decay like ``(|m| h)^k / k!``; for ``h <= _H_SERIES`` and every ``m`` where
    ``N(m)`` is representable (``|m| < 39``) the sums converge to full precision in < 60 terms.
    """
    base = _npdf(mid)
    if base == 0.0:
        return 0.0, 0.0, 0.0
    h2 = h * h
    he_prev = 1.0  # He_{k-1}
    he = mid       # He_k, starting at k = 1
    c = 2.0 * h    # 2 h^(k+1) / k!, starting at k = 0
    p = c
    u1 = 0.0
    u2 = c * h2 / 3.0
    k_min = 2.0 * abs(mid) * h + 2.0  # past the largest term, near k = |mid| h
    k = 1
    while k < 200:
        c *= h * _INV[k]
        if k % 2 == 1:
            u1 -= he * c * h * _INV[k + 2]
        else:
            p += he * c * _INV[k + 1]
            u2 += he * c * h2 * _INV[k + 3]
        # |He_k| + |He_(k-1)| bounds the next terms' size (consecutive Hermite polynomials have
        # no common root, so a term that vanishes at a root cannot stop the sum early)
        if k > k_min and (abs(he) + abs(he_prev)) * c <= 1e-17 * p:
            break
        he_prev, he = he, mid * he - k * he_prev
        k += 1
    return base * p, base * u1, base * u2


@njit
def _pl_moments(breaks, c, s, m):
    """Gaussian moments of g(z) = c[j] + s[j] (z - m[j]) on [breaks[j], breaks[j+1]].

    Returns ``(int g Dz, int g^2 Dz, int z g Dz, int g'^2 Dz)``.  Wide or infinite intervals use
    ``(P, D, E)`` of :func:`_interval` with ``int (z - m) = D - m P`` and
    ``int (z - m)^2 = E - 2 m D + m^2 P``; a sloped finite interval of half-width at most
    ``_H_SERIES`` uses the moments about its own centre from :func:`_narrow`, because there the
    uncentred terms cancel (a steep ramp of width 1e-6 would otherwise lose every digit of its
    second moment).  Constant pieces (s = 0) need only P and D, which do not cancel.  A break
    shared by two wide intervals is evaluated once; intervals beyond ``|z| = 40`` contribute
    exactly 0 and are skipped.
    """
    i0 = 0.0
    i2 = 0.0
    iz = 0.0
    id2 = 0.0
    have = False  # values of _at_break at breaks[j] are known (from the previous wide piece)
    e_l = n_l = z_l = 0.0
    for j in range(c.shape[0]):
        a = breaks[j]
        b = breaks[j + 1]
        if not b > a:
            continue
        if a >= _Z_ZERO or b <= -_Z_ZERO:  # every term underflows to exactly 0 there
            have = False
            continue
        cj = c[j]
        sj = s[j]
        mj = m[j]
        if sj != 0.0 and math.isfinite(a) and math.isfinite(b) and b - a <= 2.0 * _H_SERIES:
            mid = 0.5 * (a + b)
            p, v1, v2 = _narrow(mid, 0.5 * (b - a))
            d = mid * p + v1
            dm = mid - mj
            u1 = v1 + dm * p
            u2 = v2 + 2.0 * dm * v1 + dm * dm * p
            zu = v2 + (mid + dm) * v1 + mid * dm * p  # int z (z - m_j)
            have = False
        else:
            if not have:
                e_l, n_l, z_l = _at_break(a)
            e_r, n_r, z_r = _at_break(b)
            p, d, e = _interval_from(a, b, e_l, n_l, z_l, e_r, n_r, z_r)
            e_l, n_l, z_l = e_r, n_r, z_r
            have = True
            u1 = d - mj * p
            u2 = e - 2.0 * mj * d + mj * mj * p
            zu = e - mj * d
        if sj == 0.0:
            i0 += cj * p
            i2 += cj * cj * p
            iz += cj * d
        else:
            if u2 < 0.0:
                u2 = 0.0
            i0 += cj * p + sj * u1
            i2 += cj * cj * p + 2.0 * cj * sj * u1 + sj * sj * u2
            iz += cj * d + sj * zu
            id2 += sj * sj * p
    return i0, i2, iz, id2


GaussianMoments = namedtuple("GaussianMoments", "mean second z_moment slope_square")
GaussianMoments.__doc__ = """Gaussian moments of a piecewise-linear g: ``int g Dz``, ``int g^2 Dz``,
``int z g Dz`` and ``int g'^2 Dz``."""


def gaussian_moments(breaks, intercepts, slopes, centres=None) -> GaussianMoments:
    """Exact Gaussian moments of a piecewise-linear function (wraps kernel ``_pl_moments``).

    Parameters
    ----------
    breaks : array of K + 1 increasing values (may start at -inf and end at +inf)
    intercepts, slopes : arrays of K values: on piece j, ``g(z) = intercepts[j] + slopes[j] (z - centres[j])``
    centres : array of K values, optional (default 0, i.e. ``g = intercept + slope z``)

    Returns
    -------
    GaussianMoments(mean, second, z_moment, slope_square)
        ``int g Dz``, ``int g^2 Dz``, ``int z g Dz`` and ``int (g')^2 Dz`` under the standard
        Gaussian measure Dz.  ``z_moment`` equals ``int g' Dz`` plus the jumps of g weighted by N
        (Stein's identity), which is how the susceptibility of a discontinuous function is obtained.
    """
    br = np.ascontiguousarray(V.float_array("breaks", breaks, finite=False))
    c = np.ascontiguousarray(V.float_array("intercepts", intercepts))
    s = np.ascontiguousarray(V.float_array("slopes", slopes))
    m = np.zeros_like(c) if centres is None else np.ascontiguousarray(V.float_array("centres", centres))
    if br.ndim != 1 or br.shape[0] < 2:
        raise V.FastqInputError("breaks must be a 1-D array with at least 2 entries")
    if not (c.shape == s.shape == m.shape == (br.shape[0] - 1,)):
        raise V.FastqInputError("intercepts, slopes and centres must have len(breaks) - 1 entries")
    if np.any(np.isnan(br)) or np.any(np.diff(br) < 0):
        raise V.FastqInputError("breaks must be non-decreasing and not NaN")
    for name, arr in (("intercepts", c), ("slopes", s), ("centres", m)):
        if not np.all(np.isfinite(arr)):
            raise V.FastqInputError(f"{name} must be finite")
    return GaussianMoments(*_pl_moments(br, c, s, m))


def gauss_legendre(a, b, n: int):
    """Gauss-Legendre nodes and weights of order ``n`` on each interval ``[a_j, b_j]``.

    ``a`` and ``b`` are scalars or equal-length 1-D arrays (a composite rule); returns flat
    arrays ``nodes, weights`` (intervals in order, ``n`` nodes each) such that
    ``sum(weights * f(nodes))`` approximates ``sum_j int_{a_j}^{b_j} f``.  The one place fastq
    builds a Gauss-Legendre rule (``numpy.polynomial.legendre.leggauss`` on [-1, 1], mapped).
    """
    x, wq = np.polynomial.legendre.leggauss(int(n))
    a = np.atleast_1d(np.asarray(a, dtype=np.float64))
    b = np.atleast_1d(np.asarray(b, dtype=np.float64))
    half = 0.5 * (b - a)
    nodes = (half[:, None] * x[None, :] + 0.5 * (a + b)[:, None]).ravel()
    weights = (half[:, None] * wq[None, :]).ravel()
    return nodes, weights
