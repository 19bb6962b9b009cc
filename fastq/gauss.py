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
def _pl_moments(breaks, c, s, m):
    """Gaussian moments of g(z) = c[j] + s[j] (z - m[j]) on [breaks[j], breaks[j+1]].

    Returns ``(int g Dz, int g^2 Dz, int z g Dz, int g'^2 Dz)``.  With ``u = z - m`` the
    centred moments are ``int u = D - m P`` and ``int u^2 = E - 2 m D + m^2 P``; constant pieces
    (s = 0) need only P and D.
    """
    i0 = 0.0
    i2 = 0.0
    iz = 0.0
    id2 = 0.0
    for j in range(c.shape[0]):
        a = breaks[j]
        b = breaks[j + 1]
        if not b > a:
            continue
        p, d, e = _interval(a, b)
        cj = c[j]
        sj = s[j]
        if sj == 0.0:
            i0 += cj * p
            i2 += cj * cj * p
            iz += cj * d
        else:
            mj = m[j]
            u1 = d - mj * p
            u2 = e - 2.0 * mj * d + mj * mj * p
            if u2 < 0.0:
                u2 = 0.0
            i0 += cj * p + sj * u1
            i2 += cj * cj * p + 2.0 * cj * sj * u1 + sj * sj * u2
            iz += cj * d + sj * (e - mj * d)
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
    br = np.ascontiguousarray(breaks, dtype=np.float64)
    c = np.ascontiguousarray(intercepts, dtype=np.float64)
    s = np.ascontiguousarray(slopes, dtype=np.float64)
    m = np.zeros_like(c) if centres is None else np.ascontiguousarray(centres, dtype=np.float64)
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
