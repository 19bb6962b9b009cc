"""Kernel of the fast 1RSB solver: one fused evaluation of the residuals, the energy and de/dmu.

At a state ``x = (chi, Delta, Q, m)`` and Parisi parameter ``mu`` (docs/rsb.md, THEORY 13/13b)
:func:`_rsb_eval` computes, in one pass over a *fixed* outer rule (nodes in z0, Gaussian density
not included in the weights):

* the conjugates (``mhat, h0^2, h1^2, theta, H0``) from the energetic stationarity conditions;
* the site averages ``E<d^2>, E<d>^2, E z0 <d>, E log Z, E<e>`` and the tilted threshold
  densities, with one ``_mass`` (erfc) per level and node shared by the weights, the mean energy
  and the derivative in mu (the inner sums are computed once and used for everything);
* the residuals of the map ``new - x`` for (chi, Delta, Q, m);
* ``df/dmu`` at fixed order parameters and conjugates: at a fixed point of the map the functional
  is stationary in all eight other arguments, so this partial derivative is the total derivative
  of the energy e(mu) along the fixed points (envelope theorem) and its zero is the 1RSB
  stationarity condition in mu.  With ``Phi = -(1/mu) E log Z`` and ``d log Z / d mu = -<e>``,
  ``dPhi/dmu = (E<e> - Phi) / mu``;
* the functional itself (the energy) at the state with its conjugates.

The output slots are named below (``OUT_*``); the kernel returns False outside the domain
(chi <= -1, Delta < 0, Q <= 0, g0 <= 0, non-finite, or a run-away above 1e10).
"""
from __future__ import annotations

import functools
import math

import numpy as np

from .._jit import njit
from ..gauss import _mass, _npdf

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)

#: half-width of the outer z0 range (Gaussian mass beyond it ~1e-23)
Z_MAX = 10.0

#: the field-independent breakpoints of the outer rule
_BASE = np.unique(np.concatenate([np.arange(-4.0, 4.0 + 1e-12, 0.5), np.arange(-Z_MAX, -3.5, 1.0),
                                  np.arange(5.0, Z_MAX + 1e-12, 1.0)]))

# output slots of _rsb_eval
OUT_R_CHI, OUT_R_DELTA, OUT_R_Q, OUT_R_M, OUT_DE_DMU = 0, 1, 2, 3, 4
OUT_ENERGY, OUT_THETA, OUT_H0, OUT_H1SQ, OUT_MHAT, OUT_H0SQ = 5, 6, 7, 8, 9, 10
N_OUT = 11


#: levels whose log weight is provably below the largest one minus CUT are skipped: each would add
#: less than exp(-CUT) ~ 2e-22 of the sum (63 levels: < 2e-20, far below a double's rounding)
CUT = 50.0


@njit
def _site_shared(c, h1, mu, theta, levels, thresholds, lw, zm, ub):
    """Inner (z1) average at outer field ``c``: ``(log Z, <d>, <d^2>, <e>)``.  One erfc mass per
    level, shared by the log weight ``lw[k]`` and the tilted mean of z1 on the piece ``zm[k]``.

    Only the levels within reach of ``c`` are evaluated.  The log weight of level k is
    ``lw_k = mu d (c - theta0 d / 2) + log P_k`` (``theta0 = theta - mu h1^2``, ``P_k`` the mass of
    N(mu d h1, 1) on the piece), and ``P_k <= exp(-g^2 / 2)`` with ``g`` the distance of the mean
    from the piece; that bound ``ub[k]`` costs no transcendental call.  With ``ref`` the exact log
    weight of the level of largest bound (a lower bound of the largest weight), a level with
    ``ub[k] < ref - CUT`` has a relative weight below exp(-CUT) and is skipped (``lw[k] = -inf``).
    """
    K = levels.size
    th0 = theta - mu * h1 * h1
    inv = 1.0 / h1
    kb = 0
    for k in range(K):
        d = levels[k]
        a = mu * d * h1
        g = 0.0
        if k > 0 and (theta * thresholds[k - 1] - c) * inv > a:
            g = (theta * thresholds[k - 1] - c) * inv - a
        elif k < K - 1 and (theta * thresholds[k] - c) * inv < a:
            g = a - (theta * thresholds[k] - c) * inv
        ub[k] = mu * d * (c - 0.5 * th0 * d) - 0.5 * g * g
        if ub[k] > ub[kb]:
            kb = k
    ref = _piece(c, h1, mu, theta, levels, thresholds, kb, lw, zm)
    floor = ref - CUT if ref > -np.inf else -np.inf
    big = ref
    for k in range(K):
        if k == kb:
            continue
        if ub[k] < floor:
            lw[k] = -np.inf
            continue
        v = _piece(c, h1, mu, theta, levels, thresholds, k, lw, zm)
        if v > big:
            big = v
    s = 0.0
    s1 = 0.0
    s2 = 0.0
    se = 0.0
    for k in range(K):
        if lw[k] == -np.inf:
            continue
        d = levels[k]
        w = math.exp(lw[k] - big)
        s += w
        s1 += w * d
        s2 += w * d * d
        se += w * (0.5 * theta * d * d - c * d - h1 * d * zm[k])
    return big + math.log(s), s1 / s, s2 / s, se / s


@njit
def _piece(c, h1, mu, theta, levels, thresholds, k, lw, zm):
    """Log weight ``lw[k]`` and tilted mean of z1 ``zm[k]`` of level k (exact, one erfc mass)."""
    K = levels.size
    d = levels[k]
    a = mu * d * h1
    lo = -np.inf if k == 0 else (theta * thresholds[k - 1] - c) / h1
    hi = np.inf if k == K - 1 else (theta * thresholds[k] - c) / h1
    p = _mass(lo - a, hi - a)
    if p > 0.0:
        lw[k] = -mu * (0.5 * theta * d * d - c * d) + 0.5 * a * a + math.log(p)
        zm[k] = a + (_npdf(lo - a) - _npdf(hi - a)) / p
    else:
        lw[k] = -np.inf
    return lw[k]


@njit
def _rsb_eval(x, mu, alpha, sigma, lam, rho, levels, thresholds, nodes, weights, out, dens, want_dens):
    """Residuals, de/dmu, energy and conjugates at ``x = (chi, Delta, Q, m)`` and ``mu > 0`` into
    ``out`` (slots ``OUT_*``); threshold densities into ``dens`` when ``want_dens`` (only the
    result needs them).  False outside the domain.
    """
    chi = x[0]
    delta = x[1]
    q = x[2]
    m = x[3]
    g0 = rho - 2.0 * m + q - delta + sigma * sigma
    if not (math.isfinite(chi) and math.isfinite(delta) and math.isfinite(q) and math.isfinite(m)):
        return False
    if not (-1.0 < chi < 1e10 and 0.0 <= delta < 1e10 and q > 0.0 and g0 > 0.0 and mu > 0.0):
        return False
    L = 1.0 + chi + mu * delta
    mhat = alpha / L
    h0sq = alpha * g0 / (L * L)
    h1sq = alpha * delta / ((1.0 + chi) * L)
    theta = alpha / L + mu * h1sq + lam
    H0 = math.sqrt(mhat * mhat * rho + h0sq)
    h1 = math.sqrt(h1sq)
    if h1 < 1e-12 * H0:
        h1 = 1e-12 * H0
    K = levels.size
    lw = np.empty(K)
    zm = np.empty(K)
    ub = np.empty(K)
    for j in range(K - 1):
        dens[j] = 0.0
    Qs = 0.0
    q0s = 0.0
    S = 0.0
    El = 0.0
    Ee = 0.0
    for i in range(nodes.size):
        z0 = nodes[i]
        wq = weights[i] * _npdf(z0)
        if wq == 0.0:
            continue
        c = H0 * z0
        logz, m1, m2, me = _site_shared(c, h1, mu, theta, levels, thresholds, lw, zm, ub)
        Qs += wq * m2
        q0s += wq * m1 * m1
        S += wq * z0 * m1
        El += wq * logz
        Ee += wq * me
        if not want_dens:
            continue
        for j in range(K - 1):
            xt = theta * thresholds[j]
            d = levels[j]
            u = (xt - c) / h1
            lg = -mu * (0.5 * theta * d * d - xt * d) - 0.5 * u * u - _LOG_SQRT_2PI - math.log(h1) - logz
            dens[j] += wq * math.exp(lg)
    F = -El / mu
    new_delta = Qs - q0s
    if new_delta < 0.0:
        new_delta = 0.0
    out[OUT_R_CHI] = S / H0 - mu * new_delta - chi
    out[OUT_R_DELTA] = new_delta - delta
    out[OUT_R_Q] = Qs - q
    out[OUT_R_M] = mhat * rho * S / H0 - m
    lg1 = math.log1p(mu * delta / (1.0 + chi))
    out[OUT_DE_DMU] = (alpha * (-lg1 / (2.0 * mu * mu) + delta / (2.0 * mu * L) - g0 * delta / (2.0 * L * L))
                       + 0.5 * (h1sq * q + h0sq * delta) + (Ee - F) / mu)
    ener = alpha * (lg1 / (2.0 * mu) + g0 / (2.0 * L))
    out[OUT_ENERGY] = (ener - (theta - lam) * q / 2.0 + mhat * m + (h0sq + h1sq) * chi / 2.0
                       + mu / 2.0 * (h1sq * q + h0sq * delta) + F)
    out[OUT_THETA] = theta
    out[OUT_H0] = H0
    out[OUT_H1SQ] = h1sq
    out[OUT_MHAT] = mhat
    out[OUT_H0SQ] = h0sq
    for v in range(N_OUT):
        if not math.isfinite(out[v]):
            return False
    return True


def outer_rule(theta, h0_total, h1, thresholds, n_nodes):
    """Composite Gauss-Legendre rule on [-Z_MAX, Z_MAX], split at each threshold's outer field
    ``theta t_j / H0`` and at ``+-{0.5, 1.5, 4} h1 / H0`` around it (where the inner average
    changes fast), and every 0.5 for |z0| <= 4, every 1 beyond (Gaussian tails, smooth).
    """
    br = [_BASE]
    for t in thresholds:
        z = theta * t / h0_total
        br.append(z + np.array([-4, -1.5, -0.5, 0.0, 0.5, 1.5, 4]) * h1 / h0_total)
    b = np.unique(np.clip(np.concatenate(br), -Z_MAX, Z_MAX))
    b = b[np.concatenate([[True], np.diff(b) > 1e-13])]
    x, w = _legendre(int(n_nodes))
    half = 0.5 * (b[1:] - b[:-1])
    mid = 0.5 * (b[1:] + b[:-1])
    return (half[:, None] * x[None, :] + mid[:, None]).ravel(), (half[:, None] * w[None, :]).ravel()


@functools.lru_cache(maxsize=16)
def _legendre(n):
    """Gauss-Legendre nodes and weights on [-1, 1] (cached: the rule is rebuilt at every point)."""
    x, w = np.polynomial.legendre.leggauss(n)
    x.setflags(write=False)
    w.setflags(write=False)
    return x, w
