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
def _add_span(r0, r1, wt, m_val, q_val, k, f_k, m_out, q_out, bins_out):
    """Add a state held over the records ``[r0, r1)`` as differences (summed by the caller)."""
    m_out[r0] += wt * m_val
    m_out[r1] -= wt * m_val
    q_out[r0] += wt * q_val
    q_out[r1] -= wt * q_val
    bins_out[r0, k] += wt * f_k
    bins_out[r1, k] -= wt * f_k


@njit
def _ode_average(wstar, w_init, weights, c1, c2, levels, thresholds, s_rec, m_out, q_out, bins_out):
    """Accumulate ``E[w* phi]``, ``E[phi^2]`` and the level occupancies at the sorted times
    ``s_rec`` over the nodes ``(wstar[i], w_init[i])`` with weights ``weights[i]``, as
    *differences*: ``m_out``, ``q_out`` have ``len(s_rec) + 1`` entries and ``bins_out`` as many
    rows; their cumulative sums over records are the averages (cost: nodes x events, not x records).
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
                _add_span(r, n_rec, wt, ws * d, d * d, k, 1.0, m_out, q_out, bins_out)
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
            if r1 > r:
                _add_span(r, r1, wt, ws * d, d * d, k, 1.0, m_out, q_out, bins_out)
            r = r1
            if r == n_rec:
                break
            dn = levels[nb]
            if (d < a and dn >= a) or (d > a and dn <= a):
                lo = min(k, nb)
                hi = max(k, nb)
                f = (a - levels[lo]) / (levels[hi] - levels[lo])
                m_val = ws * (f * levels[hi] + (1.0 - f) * levels[lo])
                q_val = f * levels[hi] ** 2 + (1.0 - f) * levels[lo] ** 2
                _add_span(r, n_rec, wt, m_val, q_val, hi, f, m_out, q_out, bins_out)
                bins_out[r, lo] += wt * (1.0 - f)
                bins_out[n_rec, lo] -= wt * (1.0 - f)
                break
            k = nb
            w = w_next
            t = end
