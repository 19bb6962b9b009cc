"""The per-jump edge convention: ramp k has width ``eps_k = r D_k`` (THEORY section 14).

Under the absolute convention every ramp of phi_eps has the same width eps (weight units).
Under the *per-jump* convention the ramp at threshold ``t_k`` has width ``r D_k``, a fixed
fraction ``r`` of its own jump ``D_k = d_k - d_{k-1}``, so every ramp has slope ``1 / r`` and
the shape of phi_eps relative to its level set is the same at every number of bits:

    phi_eps(w) = d_0 + sum_k D_k clip((w - t_k) / (r D_k) + 1/2, 0, 1).

``0 <= r <= 1``.  With ``r <= 1`` neighbouring ramps never overlap (the right end of ramp k,
``t_k + r D_k / 2``, is at most ``d_k``, and the left end of ramp k + 1 at least ``d_k``), so a
weight lies on at most one ramp; ``r = 1`` makes the ramps meet at the levels, i.e. phi_eps is
the identity clipped to ``[-omega, omega]``; ``r = 0`` is the hard quantizer.

Kernels: :func:`_phi_dphi_jump` (one weight, one binary search), the array versions, and
:func:`_piece_table_jump` (the piece table of :mod:`fastq._pieces` for this convention).
"""
from __future__ import annotations

import numpy as np

from ._jit import njit
from ._pieces import _count_le, _piece_table

#: the edge-width conventions a Quantizer accepts
EDGE_CONVENTIONS = ("absolute", "jump")


@njit
def _phi_dphi_jump(w, levels, thresholds, r):
    """(phi_eps(w), phi_eps'(w)) under the per-jump convention with ratio ``r`` (0 <= r <= 1).

    ``r = 0``: nearest level (ties go up), derivative 0.  Otherwise the hard bin ``i`` (number of
    thresholds <= w) leaves only ramps ``i - 1`` and ``i`` possibly partly on (ramps do not
    overlap); the loops below count the ramps fully on (``lo``) and at least partly on (``hi``)
    with the same open-interval convention as the absolute kernel (derivative 0 at ramp ends).
    """
    if r == 0.0:
        return levels[_count_le(thresholds, w)], 0.0
    n = thresholds.shape[0]
    i = _count_le(thresholds, w)
    lo = i - 1 if i >= 1 else 0
    while lo < n and thresholds[lo] + 0.5 * r * (levels[lo + 1] - levels[lo]) <= w:
        lo += 1
    hi = lo
    while hi < n and thresholds[hi] - 0.5 * r * (levels[hi + 1] - levels[hi]) < w:
        hi += 1
    val = levels[lo]
    s = 0.0
    for k in range(lo, hi):
        dk = levels[k + 1] - levels[k]
        u = (w - thresholds[k]) / (r * dk) + 0.5
        if u > 1.0:
            u = 1.0
        elif u < 0.0:
            u = 0.0
        val += dk * u
        s += 1.0
    return val, s / r


@njit
def _phi_array_jump(w, levels, thresholds, r, out):
    for i in range(w.shape[0]):
        out[i] = _phi_dphi_jump(w[i], levels, thresholds, r)[0]
    return out


@njit
def _dphi_array_jump(w, levels, thresholds, r, out):
    for i in range(w.shape[0]):
        out[i] = _phi_dphi_jump(w[i], levels, thresholds, r)[1]
    return out


@njit
def _piece_table_jump(levels, thresholds, r):
    """``(breaks, value, slope, centre)`` of phi_eps under the per-jump convention (same layout
    as :func:`fastq._pieces._piece_table`; ``r = 0`` gives exactly its hard-quantizer table).

    The breaks are the ramp ends ``t_k -+ r D_k / 2`` in their natural order (ramps do not
    overlap); ends that touch (``r = 1``), or cross by a rounding error, are kept once.  Each
    piece is evaluated at its centre by :func:`_phi_dphi_jump`.
    """
    if r == 0.0:
        return _piece_table(levels, thresholds, 0.0)
    n = thresholds.shape[0]
    inner = np.empty(2 * n)
    m = 0
    for k in range(n):
        half = 0.5 * r * (levels[k + 1] - levels[k])
        for v in (thresholds[k] - half, thresholds[k] + half):
            if m == 0 or v > inner[m - 1]:
                inner[m] = v
                m += 1
    npieces = m + 1
    breaks = np.empty(m + 2)
    breaks[0] = -np.inf
    breaks[m + 1] = np.inf
    breaks[1 : m + 1] = inner[:m]
    value = np.empty(npieces)
    slope = np.empty(npieces)
    centre = np.zeros(npieces)
    value[0] = levels[0]
    slope[0] = 0.0
    value[npieces - 1] = levels[levels.shape[0] - 1]
    slope[npieces - 1] = 0.0
    for j in range(1, npieces - 1):
        c = 0.5 * (breaks[j] + breaks[j + 1])
        centre[j] = c
        value[j], slope[j] = _phi_dphi_jump(c, levels, thresholds, r)
    return breaks, value, slope, centre
