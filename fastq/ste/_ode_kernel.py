"""Kernel of the small-learning-rate limit of STE training: the deterministic ODE of each weight.

With time ``s = eta tau`` and ``eta -> 0`` the noise of the mean-field SDE vanishes and every
latent weight follows ``dw/ds = c2 (a - phi(w))``, ``a = (c1/c2) w*``: it moves at constant speed
through each bin towards ``a``.  Reaching the threshold between two levels that bracket ``a`` it
stays there (a sliding state: the drift points at the threshold from both sides) and, in the
limit, spends the fraction ``f = (a - d_lo) / (d_hi - d_lo)`` of its time on the upper level
(the mass split of the stationary law ``exp(-U/(eta Eg))`` as ``eta -> 0``, and the Filippov
solution, agree).  Beyond the outer levels it drifts off on the outer level.  Every path is
piecewise constant in ``phi``, so the averages are exact sums over the nodes.
"""
from __future__ import annotations

from .._jit import njit
from ..quantizers import _count_le


@njit
def _add_pure(k, wstar, wt, r0, r1, levels, m_out, q_out, bins_out):
    d = levels[k]
    for r in range(r0, r1):
        m_out[r] += wt * wstar * d
        q_out[r] += wt * d * d
        bins_out[r, k] += wt


@njit
def _ode_average(wstar, w_init, weights, c1, c2, levels, thresholds, s_rec, m_out, q_out, bins_out):
    """Accumulate ``E[w* phi]``, ``E[phi^2]`` and the level occupancies at the sorted times
    ``s_rec`` over the nodes ``(wstar[i], w_init[i])`` with weights ``weights[i]``.
    """
    n_th = thresholds.shape[0]
    n_rec = s_rec.shape[0]
    for i in range(wstar.shape[0]):
        ws = wstar[i]
        wt = weights[i]
        a = c1 / c2 * ws
        w = w_init[i]
        k = _count_le(thresholds, w)
        t = 0.0
        r = 0
        while r < n_rec:
            d = levels[k]
            if d == a or (d < a and k == n_th) or (d > a and k == 0):
                _add_pure(k, ws, wt, r, n_rec, levels, m_out, q_out, bins_out)
                break
            if d < a:
                end = t + (thresholds[k] - w) / (c2 * (a - d))
                nb = k + 1
                w_next = thresholds[k]
            else:
                end = t + (w - thresholds[k - 1]) / (c2 * (d - a))
                nb = k - 1
                w_next = thresholds[k - 1]
            r1 = r
            while r1 < n_rec and s_rec[r1] < end:
                r1 += 1
            _add_pure(k, ws, wt, r, r1, levels, m_out, q_out, bins_out)
            r = r1
            if r == n_rec:
                break
            dn = levels[nb]
            if (d < a and dn >= a) or (d > a and dn <= a):
                lo = min(k, nb)
                hi = max(k, nb)
                f = (a - levels[lo]) / (levels[hi] - levels[lo])
                for rr in range(r, n_rec):
                    m_out[rr] += wt * ws * (f * levels[hi] + (1.0 - f) * levels[lo])
                    q_out[rr] += wt * (f * levels[hi] ** 2 + (1.0 - f) * levels[lo] ** 2)
                    bins_out[rr, hi] += wt * f
                    bins_out[rr, lo] += wt * (1.0 - f)
                break
            k = nb
            w = w_next
            t = end
