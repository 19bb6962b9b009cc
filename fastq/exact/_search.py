"""Kernels of the exact minimizer: incumbent by coordinate descent, Schnorr-Euchner search.

The search problem is ``min_{d in levels^N} ||c - R d||^2`` for an upper-trapezoidal ``R`` (see
:mod:`fastq.exact.solver` for how the quantized ridge loss is brought to this form).
"""
from __future__ import annotations

import numpy as np

from .._jit import njit
from ..quantizers import _count_le


@njit
def _nearest_index(levels, x):
    """Index of the level nearest to ``x`` (ties go up); ``levels`` sorted."""
    lo = _count_le(levels, x)  # first index with levels[idx] > x
    if lo == 0:
        return 0
    if lo == levels.shape[0]:
        return lo - 1
    if x - levels[lo - 1] < levels[lo] - x:
        return lo - 1
    return lo


@njit
def _coordinate_descent(G, g, levels, idx, max_sweeps):
    """Coordinate-wise descent over the levels for ``f(d) = d^T G d / 2 - g^T d``.

    ``idx`` (level index per coordinate, modified in place) is the start.  Each step moves one
    coordinate to its best level with the others fixed (the level nearest to the 1-D minimizer
    ``d_i - grad_i / G_ii``; every level is scanned when ``G_ii = 0``) and keeps the move only if
    it lowers ``f``.  Stops after a sweep without a move or ``max_sweeps`` sweeps.
    Returns the number of sweeps.
    """
    n = G.shape[0]
    nl = levels.shape[0]
    d = np.empty(n)
    for i in range(n):
        d[i] = levels[idx[i]]
    grad = np.empty(n)
    for i in range(n):
        s = -g[i]
        for j in range(n):
            s += G[i, j] * d[j]
        grad[i] = s
    sweeps = 0
    while sweeps < max_sweeps:
        sweeps += 1
        moved = False
        for i in range(n):
            gii = G[i, i]
            u = d[i]
            best_k = idx[i]
            best_delta = 0.0
            if gii > 0.0:
                # the level nearest the 1-D minimizer is optimal for a convex 1-D quadratic
                k = _nearest_index(levels, u - grad[i] / gii)
                dv = levels[k] - u
                delta = dv * grad[i] + 0.5 * gii * dv * dv
                if delta < best_delta:
                    best_delta = delta
                    best_k = k
            else:
                for k in range(nl):
                    dv = levels[k] - u
                    delta = dv * grad[i]
                    if delta < best_delta:
                        best_delta = delta
                        best_k = k
            if best_k != idx[i] and best_delta < -1e-15 * (1.0 + abs(u * grad[i])):
                dv = levels[best_k] - u
                for j in range(n):
                    grad[j] += G[j, i] * dv
                d[i] = levels[best_k]
                idx[i] = best_k
                moved = True
        if not moved:
            break
    return sweeps


@njit
def _box_tables(R, dmin, dmax):
    """``LO[k, i], HI[k, i]``: range of ``sum_{k <= j < i} R_kj d_j`` over ``d_j in [dmin, dmax]``.

    Used by the box bound of :func:`_sphere_decode` (rows k < i, i = 0..N).
    """
    m = R.shape[0]
    n = R.shape[1]
    LO = np.zeros((m, n + 1))
    HI = np.zeros((m, n + 1))
    for k in range(m):
        lo = 0.0
        hi = 0.0
        for i in range(k + 1, n + 1):
            r = R[k, i - 1]
            if r >= 0.0:
                lo += r * dmin
                hi += r * dmax
            else:
                lo += r * dmax
                hi += r * dmin
            LO[k, i] = lo
            HI[k, i] = hi
    return LO, HI


@njit
def _next_candidate(i, m, R, T, levels, hint, l, h):
    """The cheaper of the two next candidates at coordinate ``i`` (left index ``l``, right ``h``).

    Returns ``(take, cost)``: the level index and its row cost ``(T[i+1, i] - R_ii d)^2`` (0 for a
    coordinate without a row); ``cost = inf`` when both sides are exhausted.  Ties (zero diagonal,
    no row, exact symmetry) go to the level nearer the hint.
    """
    nl = levels.shape[0]
    if i < m:
        rii = R[i, i]
        t = T[i + 1, i]
        cl = np.inf
        ch = np.inf
        if l >= 0:
            e = t - rii * levels[l]
            cl = e * e
        if h < nl:
            e = t - rii * levels[h]
            ch = e * e
    else:
        cl = 0.0 if l >= 0 else np.inf
        ch = 0.0 if h < nl else np.inf
    if cl == ch and cl < np.inf:
        if abs(levels[l] - hint[i]) <= abs(levels[h] - hint[i]):
            return l, cl
        return h, cl
    if cl < ch:
        return l, cl
    return h, ch


@njit
def _descend(i, v, m, R, T, LO, HI, box_bound):
    """Fix coordinate ``i`` to ``v``: update the targets ``T[i, k]`` of the rows still open and
    return the box lower bound on their cost (0 without ``box_bound``).
    """
    kmax = i if i < m else m
    bound = 0.0
    for k in range(kmax):
        tk = T[i + 1, k] - R[k, i] * v
        T[i, k] = tk
        if box_bound:
            if tk < LO[k, i]:
                dd = LO[k, i] - tk
                bound += dd * dd
            elif tk > HI[k, i]:
                dd = tk - HI[k, i]
                bound += dd * dd
    return bound


@njit
def _sphere_decode(R, c, levels, hint, start_idx, radius, node_limit, box_bound):
    """Depth-first Schnorr-Euchner search for ``min_{d in levels^N} ||c - R d||^2``.

    The tree is walked from coordinate N-1 (root) to 0.  At coordinate ``i`` the rows ``>= i``
    are fully determined; ``T[i+1, k] = c_k - sum_{j > i} R_kj d_j`` (kept incrementally, O(N)
    per node, :func:`_descend`) gives the target of row ``i`` and the levels are visited in
    increasing order of their row cost (two pointers moving outwards from the conditional
    centre, :func:`_next_candidate`; the cost is convex in ``d_i``).  The first candidate whose
    partial cost reaches the incumbent's cost ends the coordinate.  With ``box_bound`` a
    candidate is also skipped when its partial cost plus a lower bound on the rows still open
    reaches the incumbent: each open row ``k < i`` costs at least the squared distance of its
    target to the interval ``sum_{k <= j < i} R_kj [d_min, d_max]`` (:func:`_box_tables`).

    Parameters
    ----------
    R : (m, N) upper-trapezoidal factor (m <= N allowed: rows m..N-1 are absent and cost 0)
    c : (m,) rotated target
    levels : sorted level values
    hint : (N,) values used to order the levels of a coordinate whose cost does not depend on it
        (no row, or a zero diagonal); the incumbent's values
    start_idx : (N,) level indices of the incumbent (returned if nothing better exists)
    radius : the incumbent's cost ``||c - R d_inc||^2``; only strictly better points are accepted
    node_limit : maximum number of tree nodes (candidate assignments, pruned or not)
    box_bound : use the box lower bound on the open rows

    Returns
    -------
    best_idx : (N,) level indices of the best point found
    best : its cost
    nodes : nodes visited
    finished : True if the tree was exhausted (the result is the exact minimum)
    improvements : how many times the incumbent was improved

    The depth-first walk stays in one function (about 90 lines, half of it this docstring and
    the state set-up): the pointers, targets and partial costs per depth are its shared state.
    """
    m = R.shape[0]
    n = R.shape[1]
    LO, HI = _box_tables(R, levels[0], levels[levels.shape[0] - 1])
    best_idx = start_idx.copy()
    best = radius
    cur = np.zeros(n, dtype=np.int64)
    lo = np.zeros(n, dtype=np.int64)   # next candidate on the left (index, -1 = none)
    hi = np.zeros(n, dtype=np.int64)   # next candidate on the right (index, nl = none)
    T = np.zeros((n + 1, m))           # T[i, k] = c_k - sum_{j >= i} R_kj d_j, k < min(i, m)
    for k in range(m):
        T[n, k] = c[k]
    partial = np.zeros(n + 1)          # partial[i] = cost of rows i..N-1 (partial[n] = 0)
    nodes = 0
    improvements = 0
    finished = True
    i = n - 1
    setup = True
    while True:
        if setup:
            centre = hint[i]
            if i < m and R[i, i] != 0.0:
                centre = T[i + 1, i] / R[i, i]
            hi[i] = _count_le(levels, centre)  # first level strictly above the centre
            lo[i] = hi[i] - 1
            setup = False
        take, cost = _next_candidate(i, m, R, T, levels, hint, lo[i], hi[i])
        total = partial[i + 1] + cost
        if cost == np.inf or not (total < best):
            # both sides exhausted or beyond the radius: back up
            i += 1
            if i >= n:
                break
            continue
        if take == lo[i]:
            lo[i] -= 1
        else:
            hi[i] += 1
        nodes += 1
        cur[i] = take
        partial[i] = total
        if i == 0:
            best = total
            improvements += 1
            best_idx[:] = cur
            # every remaining candidate at this coordinate costs more: back up
            i = 1
            if i >= n:
                break
        elif total + _descend(i, levels[take], m, R, T, LO, HI, box_bound) < best:
            i -= 1
            setup = True
        # else: this candidate cannot beat the incumbent; the next one at i is tried
        if nodes >= node_limit:
            finished = False
            break
    return best_idx, best, nodes, finished, improvements
