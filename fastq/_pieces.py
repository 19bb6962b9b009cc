"""phi_eps as an explicit piecewise-linear function of w: the table of pieces the Gaussian-moment
kernels of :mod:`fastq.gauss` integrate over (used by the RS map and the sweep kernels).

Kept apart from :mod:`fastq.quantizers`, which owns the levels; the binary searches over sorted
thresholds and the pointwise phi_eps kernels (``_phi_dphi`` and its array forms) live here and are
re-exported by :mod:`fastq.quantizers`.  The per-jump edge convention has its own table in
:mod:`fastq._jump`.
"""
from __future__ import annotations

import numpy as np

from ._jit import njit


@njit
def _count_le(t, x):
    """Number of entries of the sorted array ``t`` that are <= x (binary search)."""
    lo = 0
    hi = t.shape[0]
    while lo < hi:
        mid = (lo + hi) >> 1
        if t[mid] <= x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit
def _count_lt(t, x):
    """Number of entries of the sorted array ``t`` that are < x (binary search)."""
    lo = 0
    hi = t.shape[0]
    while lo < hi:
        mid = (lo + hi) >> 1
        if t[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit
def _ramp_ends(thresholds, eps):
    """The sorted, distinct ends ``t_k -+ eps/2`` of the ramps (a linear merge of the two sorted
    sequences; ends of neighbouring ramps that touch are kept once).
    """
    n = thresholds.shape[0]
    half = 0.5 * eps
    out = np.empty(2 * n)
    i = 0  # next left end t_i - eps/2
    j = 0  # next right end t_j + eps/2
    m = 0
    while i < n or j < n:
        if j >= n or (i < n and thresholds[i] - half <= thresholds[j] + half):
            v = thresholds[i] - half
            i += 1
        else:
            v = thresholds[j] + half
            j += 1
        if m == 0 or v > out[m - 1]:
            out[m] = v
            m += 1
    return out[:m].copy()


@njit
def _ramp_sum(w, lo, hi, levels, thresholds, eps):
    """``(phi_eps(w), phi_eps'(w))`` given the ramps ``k < lo`` fully on and ``lo <= k < hi``
    partly on: ``levels[lo] + sum_k D_k clip((w - t_k)/eps + 1/2, 0, 1)`` and ``sum_k D_k / eps``.
    Used by the piece table; the per-weight kernel ``_phi_dphi`` writes the same sum out (measured
    faster there).
    """
    val = levels[lo]
    s = 0.0
    for k in range(lo, hi):
        u = (w - thresholds[k]) / eps + 0.5
        if u > 1.0:
            u = 1.0
        elif u < 0.0:
            u = 0.0
        dk = levels[k + 1] - levels[k]
        val += dk * u
        s += dk
    return val, s / eps


@njit
def _piece_table(levels, thresholds, eps):
    """phi_eps as an explicit piecewise-linear function of w.

    Returns ``(breaks, value, slope, centre)``: on ``[breaks[j], breaks[j+1]]`` (the first and
    last breaks are -inf and +inf) ``phi_eps(w) = value[j] + slope[j] * (w - centre[j])``.
    For eps = 0 the breaks are the thresholds and every piece is constant.
    """
    n = thresholds.shape[0]
    if eps == 0.0:
        inner = thresholds.copy()
    else:
        inner = _ramp_ends(thresholds, eps)
    nb = inner.shape[0]
    breaks = np.empty(nb + 2)
    breaks[0] = -np.inf
    breaks[nb + 1] = np.inf
    breaks[1 : nb + 1] = inner
    npieces = nb + 1
    value = np.empty(npieces)
    slope = np.empty(npieces)
    centre = np.empty(npieces)
    value[0] = levels[0]
    slope[0] = 0.0
    centre[0] = 0.0
    value[npieces - 1] = levels[levels.shape[0] - 1]
    slope[npieces - 1] = 0.0
    centre[npieces - 1] = 0.0
    # the centres increase, so the counts of ramps fully on (lo) and at least partly on (hi) only
    # grow: one pass instead of a binary search per piece (same arithmetic as _phi_dphi)
    half = 0.5 * eps
    lo = 0
    hi = 0
    for j in range(1, npieces - 1):
        c = 0.5 * (breaks[j] + breaks[j + 1])
        centre[j] = c
        if eps == 0.0:
            while lo < n and thresholds[lo] <= c:
                lo += 1
            value[j] = levels[lo]
            slope[j] = 0.0
            continue
        while lo < n and thresholds[lo] <= c - half:
            lo += 1
        while hi < n and thresholds[hi] < c + half:
            hi += 1
        value[j], slope[j] = _ramp_sum(c, lo, hi, levels, thresholds, eps)
    return breaks, value, slope, centre


# ----------------------------------------------------------------------------- pointwise phi_eps
@njit
def _shift_bin(k, w, thresholds):
    """Bin index of ``w`` (number of thresholds <= w) found by walking from a nearby index ``k``:
    O(distance) instead of a binary search, for weights that move by a few bins per step.
    """
    n_th = thresholds.shape[0]
    while k > 0 and w < thresholds[k - 1]:
        k -= 1
    while k < n_th and w >= thresholds[k]:
        k += 1
    return k


@njit
def _phi_dphi(w, levels, thresholds, eps):
    """(phi_eps(w), phi_eps'(w)) for one weight from one binary search.

    eps = 0: nearest level (ties at a threshold go up) and derivative 0.  Otherwise the ramps
    with ``t_k <= w - eps/2`` are fully on, those with ``t_k >= w + eps/2`` off, and the few in
    between contribute ``D_k * clip((w - t_k)/eps + 1/2, 0, 1)`` and ``D_k / eps``.
    """
    if eps == 0.0:
        return levels[_count_le(thresholds, w)], 0.0
    half = 0.5 * eps
    lo = _count_le(thresholds, w - half)  # ramps fully switched on
    hi = _count_lt(thresholds, w + half)  # ramps at least partly on
    # the ramp sum of _pieces._ramp_sum, written out: the call (inlined or not) measured 10-14%
    # slower on this per-weight kernel, which AMP and the STE solvers call millions of times
    val = levels[lo]
    s = 0.0
    for k in range(lo, hi):
        u = (w - thresholds[k]) / eps + 0.5
        if u > 1.0:
            u = 1.0
        elif u < 0.0:
            u = 0.0
        dk = levels[k + 1] - levels[k]
        val += dk * u
        s += dk
    return val, s / eps


@njit
def _phi(w, levels, thresholds, eps):
    """phi_eps(w) for one weight (see ``_phi_dphi``)."""
    return _phi_dphi(w, levels, thresholds, eps)[0]


@njit
def _dphi(w, levels, thresholds, eps):
    """D phi_eps / dw for one weight (0 for the hard quantizer away from thresholds)."""
    return _phi_dphi(w, levels, thresholds, eps)[1]


@njit
def _phi_array(w, levels, thresholds, eps, out):
    for i in range(w.shape[0]):
        out[i] = _phi(w[i], levels, thresholds, eps)
    return out


@njit
def _dphi_array(w, levels, thresholds, eps, out):
    for i in range(w.shape[0]):
        out[i] = _dphi(w[i], levels, thresholds, eps)
    return out
