"""Exact finite-N minimizer of the quantized ridge loss by sphere decoding.

The replica analysis (THEORY section 1) predicts the generalization error of the *global*
minimizer

.. math::

    \\hat d = \\operatorname*{argmin}_{d \\in \\Omega^N} \\;
    \\tfrac12 \\lVert y - X d \\rVert^2 + \\tfrac{\\lambda}{2} \\lVert d \\rVert^2 ,

with ``Omega`` the (hard) level set of a quantizer.  For small N this minimizer can be found
exactly.  :func:`exact_erm` does it in three steps:

1. **Least squares form.**  The ridge term becomes ``N`` extra rows:
   ``A = [X; sqrt(lam) I]``, ``b = [y; 0]``, so the loss is ``||b - A d||^2 / 2``.
2. **Ordering and QR.**  The columns are permuted (V-BLAST order: the column placed at the root
   of the search tree is the one with the largest conditional diagonal ``R_ii``; see
   :func:`_column_order`) and ``A P = Q R`` is triangularized with NumPy.  Then
   ``||b - A d||^2 = ||c - R d'||^2 + const`` with ``c = Q^T b`` and ``d' = P^T d``.
3. **Schnorr-Euchner enumeration** (kernel :func:`_sphere_decode`).  Depth-first from the last
   coordinate to the first; at coordinate ``i`` the partial cost
   ``sum_{k >= i} (c_k - sum_{j >= k} R_kj d_j)^2`` is known, the levels are visited in
   increasing order of their added cost (nearest-first around the conditional centre), and a
   branch is cut as soon as its partial cost reaches the best complete cost found so far.
   The search starts from an incumbent: the rounded ridge solution improved by coordinate-wise
   descent over the levels (kernel :func:`_coordinate_descent`).

**Singular systems.**  With ``lam = 0`` and ``M < N`` (alpha < 1), ``R`` has only ``M`` rows: the
last ``N - M`` coordinates of the tree have no row of their own and add no cost.  They are not
regularized away: the kernel enumerates *every* level for them (ordered around the incumbent's
value, which only affects how fast the bound tightens) and prunes on the rows that become active
below them.  No factorization can do better: a row of ``R`` can only become active once at
least ``N - M + 1`` coordinates are fixed.  A row whose diagonal entry is exactly zero is handled
the same way (its cost does not depend on its own coordinate).  The result is exact in both
cases, at a cost exponential in ``N - M``.

The search is exact up to floating-point rounding of the QR factor (relative ~1e-15);
the objective reported is recomputed from ``X``, ``y`` in the original coordinates.

The study driver :func:`exact_study` runs many teacher instances per N (in parallel, seeds from
:func:`fastq.teacher.spawn_seeds`), compares the exact minimizer with AMP and the rounded-ridge
heuristic on the same instances, fits ``Eg(N) = a + b / N`` and puts the RS prediction beside
the extrapolated ``a``.  :func:`plot_study` draws Eg against 1/N.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import _validate as V
from ._jit import njit
from .quantizers import Quantizer

#: Default search budget of :func:`exact_erm` (tree nodes; one node = one coordinate assigned).
DEFAULT_NODE_LIMIT = 200_000_000


# ============================================================================ kernels
@njit
def _nearest_index(levels, x):
    """Index of the level nearest to ``x`` (ties go up); ``levels`` sorted."""
    lo = 0
    hi = levels.shape[0]
    while lo < hi:  # first index with levels[idx] > x
        mid = (lo + hi) >> 1
        if levels[mid] <= x:
            lo = mid + 1
        else:
            hi = mid
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
def _sphere_decode(R, c, levels, hint, start_idx, radius, node_limit):
    """Depth-first Schnorr-Euchner search for ``min_{d in levels^N} ||c - R d||^2``.

    Parameters
    ----------
    R : (m, N) upper-trapezoidal factor (m <= N allowed: rows m..N-1 are absent and cost 0)
    c : (m,) rotated target
    levels : sorted level values
    hint : (N,) values used to order the levels of a coordinate whose cost does not depend on it
        (no row, or a zero diagonal); the incumbent's values
    start_idx : (N,) level indices of the incumbent (returned if nothing better exists)
    radius : the incumbent's cost ``||c - R d_inc||^2``; only strictly better points are accepted
    node_limit : maximum number of tree nodes (coordinate assignments)

    Returns
    -------
    best_idx : (N,) level indices of the best point found
    best : its cost
    nodes : nodes visited
    finished : True if the tree was exhausted (the result is the exact minimum)
    improvements : how many times the incumbent was improved
    """
    m = R.shape[0]
    n = R.shape[1]
    nl = levels.shape[0]
    best_idx = start_idx.copy()
    best = radius
    cur = np.zeros(n, dtype=np.int64)
    dval = np.zeros(n)
    lo = np.zeros(n, dtype=np.int64)   # next candidate on the left (index, -1 = none)
    hi = np.zeros(n, dtype=np.int64)   # next candidate on the right (index, nl = none)
    tgt = np.zeros(n)                  # r_i = c_i - sum_{j>i} R_ij d_j
    partial = np.zeros(n + 1)          # partial[i] = cost of rows i..N-1 (partial[n] = 0)
    nodes = 0
    improvements = 0
    finished = True

    i = n - 1
    # ---- set up coordinate i
    setup = True
    while True:
        if setup:
            if i < m:
                s = c[i]
                for j in range(i + 1, n):
                    s -= R[i, j] * dval[j]
                tgt[i] = s
                rii = R[i, i]
                if rii != 0.0:
                    centre = s / rii
                else:
                    centre = hint[i]
            else:
                tgt[i] = 0.0
                centre = hint[i]
            # first index with level > centre
            a = 0
            b = nl
            while a < b:
                mid = (a + b) >> 1
                if levels[mid] <= centre:
                    a = mid + 1
                else:
                    b = mid
            hi[i] = a
            lo[i] = a - 1
            setup = False
        # ---- next candidate at coordinate i: the cheaper of the two sides
        l = lo[i]
        h = hi[i]
        if i < m:
            rii = R[i, i]
            t = tgt[i]
            if l >= 0:
                e = t - rii * levels[l]
                cl = e * e
            else:
                cl = np.inf
            if h < nl:
                e = t - rii * levels[h]
                ch = e * e
            else:
                ch = np.inf
        else:
            cl = 0.0 if l >= 0 else np.inf
            ch = 0.0 if h < nl else np.inf
        if cl == ch and cl < np.inf:
            # tie (zero diagonal, no row, or exact symmetry): nearer to the hint first
            if abs(levels[l] - hint[i]) <= abs(levels[h] - hint[i]):
                take = l
            else:
                take = h
            cost = cl
        elif cl < ch:
            take = l
            cost = cl
        else:
            take = h
            cost = ch
        total = partial[i + 1] + cost
        if cost == np.inf or not (total < best):
            # both sides exhausted or beyond the radius: back up
            i += 1
            if i >= n:
                break
            continue
        if take == l:
            lo[i] = l - 1
        else:
            hi[i] = h + 1
        nodes += 1
        cur[i] = take
        dval[i] = levels[take]
        partial[i] = total
        if i == 0:
            best = total
            improvements += 1
            for j in range(n):
                best_idx[j] = cur[j]
            # every remaining candidate at this coordinate costs more: back up
            i = 1
            if i >= n:
                break
        else:
            i -= 1
            setup = True
        if nodes >= node_limit:
            finished = False
            break
    return best_idx, best, nodes, finished, improvements


# ============================================================================ helpers
def _column_order(A: np.ndarray, rank: int) -> np.ndarray:
    """Column permutation for the search (position N-1 = root of the tree).

    * If ``rank < N`` (``lam = 0`` and ``M < N``), ``rank`` well-conditioned basis columns are
      chosen by QR with column pivoting; the other ``N - rank`` columns are placed at the top of
      the tree (positions ``rank..N-1``), where they have no row and are enumerated in full.
    * The basis columns are ordered V-BLAST style: for positions ``rank-1`` down to 0 pick the
      remaining column with the largest conditional diagonal
      ``R_ii^2 = 1 / [G_S^{-1}]_{kk}`` (``G_S`` the Gram matrix of the columns still unplaced),
      so the strongest constraints sit near the root and prune early.
    """
    import scipy.linalg

    n = A.shape[1]
    if rank < n:
        _, _, piv = scipy.linalg.qr(A, mode="economic", pivoting=True)
        basis = np.sort(piv[:rank])
        free = np.sort(piv[rank:])
    else:
        basis = np.arange(n)
        free = np.arange(0)
    if basis.size == 0:
        return free
    B = A[:, basis]
    Ginv = np.linalg.inv(B.T @ B)
    remaining = list(range(basis.size))
    placed = []
    while remaining:
        diag = np.array([Ginv[k, k] for k in remaining])
        j = int(np.argmin(diag))  # largest 1 / Ginv_kk
        k = remaining.pop(j)
        placed.append(k)
        if remaining:
            # inverse of the Gram matrix with column k removed (Schur complement)
            col = Ginv[:, k].copy()
            Ginv = Ginv - np.outer(col, col) / col[k]
    order_basis = basis[np.array(placed[::-1], dtype=np.int64)]
    return np.concatenate([order_basis, free]).astype(np.int64)


def _levels_of(quantizer) -> np.ndarray:
    if isinstance(quantizer, Quantizer):
        return np.asarray(quantizer.levels, dtype=np.float64)
    lv = np.asarray(quantizer, dtype=np.float64)
    if lv.ndim != 1 or lv.size < 2:
        raise V.FastqInputError("quantizer must be a Quantizer or a 1-D array of >= 2 levels")
    if not np.all(np.isfinite(lv)):
        raise V.FastqInputError("quantizer levels must be finite")
    if not np.all(np.diff(lv) > 0):
        raise V.FastqInputError("quantizer levels must be strictly increasing")
    return lv


def objective(X, y, w, lam) -> float:
    """``||y - X w||^2 / 2 + lam ||w||^2 / 2`` (plain NumPy, original coordinates)."""
    X = np.asarray(X, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    r = np.asarray(y, dtype=np.float64) - X @ w
    return 0.5 * float(r @ r) + 0.5 * float(lam) * float(w @ w)


def ridge_solution(X, y, lam) -> np.ndarray:
    """Unquantized ridge estimate ``(X^T X + lam I)^{-1} X^T y`` (minimum-norm least squares if singular)."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = X.shape[1]
    if lam > 0.0:
        return np.linalg.solve(X.T @ X + lam * np.eye(n), X.T @ y)
    return np.linalg.lstsq(X, y, rcond=None)[0]


def round_to_levels(w, levels) -> np.ndarray:
    """Nearest level for each entry (the hard quantizer phi on an arbitrary sorted level set)."""
    lv = np.asarray(levels, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    t = 0.5 * (lv[1:] + lv[:-1])
    return lv[np.searchsorted(t, w, side="right")]


# ============================================================================ public API
@dataclass(frozen=True)
class ExactResult:
    """Result of :func:`exact_erm`.

    Attributes
    ----------
    w : (N,) quantized weights (levels), the exact minimizer when ``optimal``
    objective : ``||y - X w||^2 / 2 + lam ||w||^2 / 2`` of ``w``
    optimal : True when the search tree was exhausted (``w`` is a global minimizer);
        False when ``node_limit`` stopped it (``w`` is then the best point found)
    nodes : search-tree nodes visited (coordinate assignments)
    incumbent_objective : objective of the starting point (rounded ridge + coordinate descent)
    rounded_ridge_objective : objective of the plain rounded ridge solution
    w_incumbent, w_rounded_ridge : those two starting points
    improvements : how often the search improved on the incumbent
    free_coordinates : coordinates without a row of R (``N - M`` for ``lam = 0``, ``M < N``)
    seconds : wall time of the whole call
    status : "optimal" or "node_limit"
    """

    w: np.ndarray
    objective: float
    optimal: bool
    nodes: int
    incumbent_objective: float
    rounded_ridge_objective: float
    w_incumbent: np.ndarray
    w_rounded_ridge: np.ndarray
    improvements: int
    free_coordinates: int
    seconds: float
    status: str

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def exact_erm(X, y, quantizer, lam, *, node_limit: int = DEFAULT_NODE_LIMIT,
              order: str = "vblast", max_sweeps: int = 1000) -> ExactResult:
    """Exact minimizer over ``d in Omega^N`` of the quantized ridge loss (sphere decoding).

    .. math::

        \\min_{d \\in \\Omega^N} \\tfrac12 \\lVert y - X d \\rVert^2 + \\tfrac{\\lambda}{2} \\lVert d \\rVert^2

    Parameters
    ----------
    X : (M, N) array
    y : (M,) array
    quantizer : Quantizer or 1-D array
        ``Omega`` is its (hard) level set ``quantizer.levels`` whatever its edge width; a strictly
        increasing array of levels is accepted too.
    lam : float >= 0
        Ridge penalty on the quantized weights.
    node_limit : int >= 1
        Search budget in tree nodes; when reached, ``optimal`` is False and the best point found
        is returned.
    order : {"vblast", "natural"}
        Column ordering before the QR ("natural" keeps X's order; for comparisons).
    max_sweeps : int >= 1
        Sweeps of the incumbent's coordinate descent.

    Returns
    -------
    ExactResult

    Notes
    -----
    Kernels: :func:`_sphere_decode` (Schnorr-Euchner enumeration) and :func:`_coordinate_descent`
    (incumbent).  The method and the treatment of singular systems (``lam = 0``, ``M < N``) are
    described in the module docstring and in ``docs/exact.md``.
    """
    t0 = time.perf_counter()
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise V.FastqInputError(f"X must be a 2-D array with M >= 1 rows and N >= 1 columns (got shape {X.shape})")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise V.FastqInputError(f"y must be 1-D with M = {X.shape[0]} entries (got shape {y.shape})")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise V.FastqInputError("X and y must be finite")
    levels = _levels_of(quantizer)
    lam = V.nonnegative("lam", lam)
    node_limit = V.integer("node_limit", node_limit, 1)
    max_sweeps = V.integer("max_sweeps", max_sweeps, 1)
    if order not in ("vblast", "natural"):
        raise V.FastqInputError(f"order must be 'vblast' or 'natural' (got {order!r})")
    m, n = X.shape

    # least-squares form with the ridge rows
    if lam > 0.0:
        A = np.vstack([X, math.sqrt(lam) * np.eye(n)])
        b = np.concatenate([y, np.zeros(n)])
    else:
        A, b = X, y
    rank = min(A.shape[0], n)

    # incumbent: rounded ridge, then coordinate descent over the levels
    w_rr = round_to_levels(ridge_solution(X, y, lam), levels)
    G = A.T @ A
    g = A.T @ b
    idx = np.searchsorted(0.5 * (levels[1:] + levels[:-1]), ridge_solution(X, y, lam), side="right").astype(np.int64)
    _coordinate_descent(G, g, levels, idx, max_sweeps)
    w_inc = levels[idx]

    # ordering + QR
    perm = _column_order(A, rank) if order == "vblast" else np.arange(n, dtype=np.int64)
    Q, R = np.linalg.qr(A[:, perm], mode="reduced")
    R = np.ascontiguousarray(R)
    c = np.ascontiguousarray(Q.T @ b)
    idx_p = np.ascontiguousarray(idx[perm])
    hint = np.ascontiguousarray(w_inc[perm])
    r0 = c - R @ hint
    radius = float(r0 @ r0)
    best_idx, _, nodes, finished, improvements = _sphere_decode(R, c, levels, hint, idx_p, radius,
                                                                np.int64(node_limit))
    w = np.empty(n)
    w[perm] = levels[best_idx]
    obj = objective(X, y, w, lam)
    obj_inc = objective(X, y, w_inc, lam)
    if obj > obj_inc:  # rounding in the rotated frame can only matter at the last ulp
        w, obj = w_inc.copy(), obj_inc
    return ExactResult(w=w, objective=obj, optimal=bool(finished), nodes=int(nodes),
                       incumbent_objective=obj_inc,
                       rounded_ridge_objective=objective(X, y, w_rr, lam),
                       w_incumbent=w_inc, w_rounded_ridge=w_rr, improvements=int(improvements),
                       free_coordinates=int(n - min(R.shape[0], n)),
                       seconds=time.perf_counter() - t0,
                       status="optimal" if finished else "node_limit")
