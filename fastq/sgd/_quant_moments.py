"""``@njit`` kernel: exact moments of a real quantizer applied to a Gaussian ``x ~ N(0, sigma^2)``.

For one scalar ``x`` and ``x~ = Q(x)`` (INT or FP grid; stochastic rounding or round-to-nearest),
the moments ``E[x~^p x^q]`` for ``(p, q)`` in ``(2, 0), (1, 1), (4, 0), (3, 1), (2, 2)`` are sums
over the pieces of the positive half-line (the quantizer is odd, the law symmetric):

* round-to-nearest: ``x~`` is constant on each piece (the level whose cell holds ``x``);
* stochastic rounding inside the grid cell ``[a, b]``: ``E[x~^p | x] = a^p + (b^p - a^p)(x - a)/(b - a)``,
  linear in ``x``;
* beyond the last grid point (the INT range or the largest finite FP value): ``x~`` is that point;
* below ``pts[start]`` when it is above 0 (FP binades far below ``sigma``): ``x~ = x`` (their share of
  the noise is below 1e-9 of the total; see :func:`fastq.sgd.moments.real_data_moments`).

so each term is a Gaussian partial moment ``int_a^b x^k phi_sigma(x) dx``, exact from the tail
functions ``T_k(u) = int_u^inf t^k phi(t) dt``: ``T_0 = erfc(u / sqrt 2) / 2``, ``T_1 = phi(u)``,
``T_k = u^(k-1) phi(u) + (k - 1) T_(k-2)``.  Pieces beyond ``CUT`` standard deviations are dropped
(Gaussian mass below 1e-23).
"""
from __future__ import annotations

import math

from .._jit import njit

#: pieces starting beyond this many standard deviations are dropped
CUT = 10.0
_SQRT2 = math.sqrt(2.0)
_INV_SQRT2PI = 1.0 / math.sqrt(2.0 * math.pi)


@njit(inline="always")
def _tails(u):
    """``(T_0, ..., T_4)(u)`` for ``u >= 0`` (``u = inf``: all zero)."""
    if u == math.inf:
        return 0.0, 0.0, 0.0, 0.0, 0.0
    ph = math.exp(-0.5 * u * u) * _INV_SQRT2PI
    t0 = 0.5 * math.erfc(u / _SQRT2)
    t1 = ph
    t2 = u * ph + t0
    t3 = u * u * ph + 2.0 * t1
    t4 = u * u * u * ph + 3.0 * t2
    return t0, t1, t2, t3, t4


@njit
def _coord(sig, pts, start, nearest, out):
    """Moments ``(E x~^2, E x~ x, E x~^4, E x~^3 x, E x~^2 x^2)`` of one coordinate into ``out``.

    ``pts``: the quantizer's grid points on ``[0, inf)`` ascending (``pts[-1]``: the clip value);
    ``start``: first point used (identity below it when ``pts[start] > 0``); ``nearest``: 1 for
    round-to-nearest, 0 for stochastic rounding.
    """
    m20 = m11 = m40 = m31 = m22 = 0.0
    s2, s3, s4 = sig * sig, sig * sig * sig, sig * sig * sig * sig
    n = pts.shape[0]
    lo = pts[start]
    # identity piece [0, lo)
    a0 = _tails(0.0)
    if lo > 0.0:
        b0 = _tails(lo / sig)
        j2 = s2 * (a0[2] - b0[2])
        j4 = s4 * (a0[4] - b0[4])
        m20 += j2
        m11 += j2
        m40 += j4
        m31 += j4
        m22 += j4
    cut = CUT * sig
    prev, prev_at = a0, -1.0          # tails at the last right end (reused as the next left end)
    for k in range(start, n):
        a = pts[k]
        if a > cut:
            break
        if nearest == 1:
            left = a if k == start else 0.5 * (pts[k - 1] + a)
            right = 0.5 * (a + pts[k + 1]) if k + 1 < n else math.inf
            ta = prev if left == prev_at else _tails(left / sig)
            tb = _tails(right / sig)
            prev, prev_at = tb, right
            j0, j1, j2 = ta[0] - tb[0], sig * (ta[1] - tb[1]), s2 * (ta[2] - tb[2])
            v2 = a * a
            m20 += v2 * j0
            m11 += a * j1
            m40 += v2 * v2 * j0
            m31 += v2 * a * j1
            m22 += v2 * j2
        else:
            b = pts[k + 1] if k + 1 < n else math.inf
            ta = prev if a == prev_at else _tails(a / sig)
            tb = _tails(b / sig)
            prev, prev_at = tb, b
            j0, j1, j2 = ta[0] - tb[0], sig * (ta[1] - tb[1]), s2 * (ta[2] - tb[2])
            if b == math.inf:   # clipped: x~ = a
                v2 = a * a
                m20 += v2 * j0
                m11 += a * j1
                m40 += v2 * v2 * j0
                m31 += v2 * a * j1
                m22 += v2 * j2
                continue
            j3 = s3 * (ta[3] - tb[3])
            w = b - a
            # E[x~^p | x] = al_p + be_p x on [a, b]
            be1 = 1.0
            be2 = (b * b - a * a) / w
            be3 = (b * b * b - a * a * a) / w
            be4 = (b * b * b * b - a * a * a * a) / w
            al2 = a * a - be2 * a
            al3 = a * a * a - be3 * a
            al4 = a * a * a * a - be4 * a
            m20 += al2 * j0 + be2 * j1
            m11 += be1 * j2 + (a - be1 * a) * j1
            m40 += al4 * j0 + be4 * j1
            m31 += al3 * j1 + be3 * j2
            m22 += al2 * j2 + be2 * j3
    out[0] = 2.0 * m20
    out[1] = 2.0 * m11
    out[2] = 2.0 * m40
    out[3] = 2.0 * m31
    out[4] = 2.0 * m22


@njit
def _all_coords(sig, pts, starts, nearest, out):
    """:func:`_coord` for every ``sig[i]`` into ``out[i]`` (``starts[i]``: its first point)."""
    for i in range(sig.shape[0]):
        _coord(sig[i], pts, starts[i], nearest, out[i])
