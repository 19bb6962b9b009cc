"""``@njit`` kernel of the exact expected-risk recursion (coefficients from :mod:`.moments`).

One fused pass over the coordinates per step: update ``(E_i, delta_i)`` with the previous step's
global sum ``G`` and accumulate the next one, so a step costs O(d) with no second pass; the
risk sums are accumulated only on steps that are recorded.
"""
from __future__ import annotations

import math

from .._jit import njit
from .._status import CONVERGED, DIVERGED

#: |G| above this (or non-finite) stops the recursion: the second moments have blown up
BLOWUP = 1e200


@njit
def _sums(lam, lampi, E, dl, gE, gd, out, j):
    """Record sums of one state into row ``j`` of ``out``; return ``G`` without its constant."""
    G = 0.0
    le = 0.0
    lpd = 0.0
    lpd2 = 0.0
    lv = 0.0
    for i in range(E.shape[0]):
        e = E[i]
        d = dl[i]
        G += gE[i] * e + gd[i] * d
        le += lam[i] * e
        lpd += lampi[i] * d
        lpd2 += lampi[i] * d * d
        lv += lam[i] * e - lampi[i] * d * d
    out[j, 0] = le
    out[j, 1] = lpd2
    out[j, 2] = lpd
    out[j, 3] = lv
    return G


@njit
def _risk_recursion(aE, ad, a0, h, gE, gd, g0, q, r, lam, lampi, E, dl, steps, rec, out):
    """Iterate the one-step map ``steps`` times from the state ``(E, dl)`` (updated in place).

    ``rec``: increasing steps to record; ``out[j] = (sum lam E, sum lam pi delta^2,
    sum lam pi delta, sum lam (E - pi delta^2))`` at step ``rec[j]``.  Returns
    ``(status, last_step)``: ``DIVERGED`` when ``G`` becomes non-finite or exceeds ``BLOWUP``
    (rows not reached are filled with +inf), else ``CONVERGED`` (all steps done).
    """
    n = E.shape[0]
    n_rec = rec.shape[0]
    j = 0
    G = 0.0
    if n_rec > 0 and rec[0] == 0:
        G = _sums(lam, lampi, E, dl, gE, gd, out, 0)
        j = 1
    else:
        for i in range(n):
            G += gE[i] * E[i] + gd[i] * dl[i]
    for t in range(steps):
        if not (math.fabs(G) < BLOWUP):
            for k in range(j, n_rec):
                for c in range(4):
                    out[k, c] = math.inf
            return DIVERGED, t
        Gt = G + g0
        G = 0.0
        if j < n_rec and rec[j] == t + 1:
            for i in range(n):
                e = aE[i] * E[i] + ad[i] * dl[i] + a0[i] + h[i] * Gt
                dl[i] = q[i] * dl[i] + r[i]
                E[i] = e
            G = _sums(lam, lampi, E, dl, gE, gd, out, j)
            j += 1
        else:
            for i in range(n):
                e = aE[i] * E[i] + ad[i] * dl[i] + a0[i] + h[i] * Gt
                d = q[i] * dl[i] + r[i]
                E[i] = e
                dl[i] = d
                G += gE[i] * e + gd[i] * d
    if not (math.fabs(G) < BLOWUP):
        for k in range(j, n_rec):
            for c in range(4):
                out[k, c] = math.inf
        return DIVERGED, steps
    return CONVERGED, steps
