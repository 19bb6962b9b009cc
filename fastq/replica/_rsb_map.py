"""Kernels of the zero-temperature 1RSB saddle point (docs/rsb.md): the two-level site averages.

For a hard quantizer with levels ``d_k`` and thresholds ``t_k`` the site energy
``e(x) = min_d (theta d^2 / 2 - x d)`` is piecewise linear in the field ``x``.  At fixed outer
field ``c = H0 z0`` and inner field ``x = c + h1 z1`` the inner (within-block) average with weight
``exp(-mu e(x))`` is, per piece, a Gaussian integral of ``exp(a z1)`` over an interval:
``int_lo^hi Dz exp(a z) = exp(a^2 / 2) (Phi(hi - a) - Phi(lo - a))`` -- exact with erfc
(:func:`fastq.gauss._mass`).  Everything is summed in log space (the largest piece factored out).
The outer ``z0`` average is a quadrature rule handed in by the caller.
"""
from __future__ import annotations

import math

import numpy as np

from .._jit import njit
from ..gauss import _mass, _npdf

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


@njit
def _site(c, h1, mu, theta, levels, thresholds, logw):
    """Inner average at outer field ``c``.  Fills ``logw[k]`` (log of the unnormalized weight of
    level k) and returns ``(log Z, <d>, <d^2>, <e>)``, ``Z = E_z1 exp(-mu e(c + h1 z1))`` and
    ``<.>`` the tilted inner average.  Requires ``h1 > 0``.
    """
    K = levels.size
    big = -np.inf
    for k in range(K):
        d = levels[k]
        a = mu * d * h1
        lo = -np.inf if k == 0 else (theta * thresholds[k - 1] - c) / h1
        hi = np.inf if k == K - 1 else (theta * thresholds[k] - c) / h1
        p = _mass(lo - a, hi - a)
        if p > 0.0:
            logw[k] = -mu * (0.5 * theta * d * d - c * d) + 0.5 * a * a + math.log(p)
        else:
            logw[k] = -np.inf
        if logw[k] > big:
            big = logw[k]
    s = 0.0
    s1 = 0.0
    s2 = 0.0
    se = 0.0
    for k in range(K):
        if logw[k] == -np.inf:
            continue
        d = levels[k]
        a = mu * d * h1
        lo = -np.inf if k == 0 else (theta * thresholds[k - 1] - c) / h1
        hi = np.inf if k == K - 1 else (theta * thresholds[k] - c) / h1
        p = _mass(lo - a, hi - a)
        zmean = a + (_npdf(lo - a) - _npdf(hi - a)) / p
        w = math.exp(logw[k] - big)
        s += w
        s1 += w * d
        s2 += w * d * d
        se += w * (0.5 * theta * d * d - c * d - h1 * d * zmean)
    return big + math.log(s), s1 / s, s2 / s, se / s


@njit
def _rsb_moments(h0_total, h1, mu, theta, levels, thresholds, nodes, weights, dens):
    """Outer average over ``z0`` (rule ``nodes, weights``) of the site quantities.

    Returns ``(Q, q0, S, F)`` with ``Q = E <d^2>``, ``q0 = E <d>^2``, ``S = E z0 <d>``,
    ``F = -(1/mu) E log Z`` (``E <e>`` at ``mu = 0``); fills ``dens[j]``, the tilted density of the
    field at the threshold ``theta t_j`` (its jump coefficient; docs/rsb.md).
    """
    K = levels.size
    logw = np.empty(K)
    Q = 0.0
    q0 = 0.0
    S = 0.0
    F = 0.0
    for j in range(K - 1):
        dens[j] = 0.0
    for i in range(nodes.size):
        z0 = nodes[i]
        wq = weights[i] * _npdf(z0)
        if wq == 0.0:
            continue
        c = h0_total * z0
        logz, m1, m2, me = _site(c, h1, mu, theta, levels, thresholds, logw)
        Q += wq * m2
        q0 += wq * m1 * m1
        S += wq * z0 * m1
        if mu > 0.0:
            F -= wq * logz / mu
        else:
            F += wq * me
        for j in range(K - 1):
            x = theta * thresholds[j]
            d = levels[j]
            u = (x - c) / h1
            lg = -mu * (0.5 * theta * d * d - x * d) - 0.5 * u * u - _LOG_SQRT_2PI - math.log(h1) - logz
            dens[j] += wq * math.exp(lg)
    return Q, q0, S, F
