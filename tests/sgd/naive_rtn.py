"""Slow NumPy references for the real quantizers' grids and their Gaussian moments.

* :func:`int_levels`, :func:`fp_levels`: every representable value of a format, enumerated
  directly (INT: ``k Delta``, ``|k| <= K``; FP: subnormals and every normal binade up to the
  largest finite value) -- no rounding formula involved.
* :func:`nearest`: round-to-nearest by exhaustive search over those values (ties away from zero).
* :func:`sr_conditional`: ``E[Q(v)^p | v]`` of stochastic rounding between the two enclosing levels.
* :func:`moment_quad`: ``E[Q(x)^p x^q]`` for ``x ~ N(0, s^2)`` by adaptive quadrature (SciPy) with
  the level midpoints / levels as break points.
"""
import math

import numpy as np
from scipy import integrate


def int_levels(bits, R):
    K = 2 ** (bits - 1) - 1
    return np.arange(-K, K + 1) * (R / K)


def fp_levels(m, e_bits):
    bias = 2 ** (e_bits - 1) - 1
    emin, emax = 1 - bias, bias
    pos = [j * 2.0 ** (emin - m) for j in range(2 ** m)]
    for e in range(emin, emax + 1):
        pos += [2.0 ** e + j * 2.0 ** (e - m) for j in range(2 ** m)]
    pos = np.unique(np.array(pos))
    return np.concatenate([-pos[:0:-1], pos])


def nearest(v, levels):
    """Nearest level to each v; ties away from zero; beyond the extreme levels: the extreme level."""
    v = np.asarray(v, dtype=float)
    dist = np.abs(v[:, None] - levels[None, :])
    best = dist.min(axis=1, keepdims=True)
    cand = np.where(dist <= best * (1 + 1e-15) + 1e-300, np.abs(levels)[None, :], -np.inf)
    pick = np.argmax(cand, axis=1)              # among ties the larger magnitude
    return levels[pick]


def sr_conditional(v, levels, p):
    """E[Q(v)^p | v] for stochastic rounding (clipped beyond the extreme levels)."""
    v = min(max(v, levels[0]), levels[-1])
    j = min(np.searchsorted(levels, v, side="right") - 1, levels.size - 2)
    a, b = levels[j], levels[j + 1]
    t = (v - a) / (b - a)
    return (1 - t) * a ** p + t * b ** p


def moment_quad(levels, s, p, q, nearest_rounding):
    """E[Q(x)^p x^q], x ~ N(0, s^2), by quadrature over +-12 s between break points."""
    lo, hi = -12 * s, 12 * s
    if nearest_rounding:
        brk = 0.5 * (levels[1:] + levels[:-1])

        def f(x):
            return nearest(np.array([x]), levels)[0] ** p * x ** q
    else:
        brk = levels

        def f(x):
            return sr_conditional(x, levels, p) * x ** q
    brk = brk[(brk > lo) & (brk < hi)]
    edges = np.concatenate([[lo], brk, [hi]])
    tot = 0.0
    for a, b in zip(edges[:-1], edges[1:]):
        tot += integrate.quad(lambda x: f(x) * math.exp(-0.5 * (x / s) ** 2) / (s * math.sqrt(2 * math.pi)),
                              a, b, epsabs=0, epsrel=1e-12, limit=200)[0]
    return tot
