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
   A *box bound* cuts more: each row still open costs at least the squared distance of its
   target to the range reachable with weights in ``[d_0, d_np]`` (``box_bound=True``).
   The search starts from an incumbent: the rounded ridge solution improved by coordinate-wise
   descent over the levels (kernel :func:`_coordinate_descent`).

**Singular systems.**  With ``lam = 0`` and ``M < N`` (alpha < 1), ``R`` has only ``M`` rows: the
last ``N - M`` coordinates of the tree (chosen by QR with column pivoting, which also detects
exactly dependent columns) have no row of their own and add no cost.  They are not
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
def _sphere_decode(R, c, levels, hint, start_idx, radius, node_limit, box_bound):
    """Depth-first Schnorr-Euchner search for ``min_{d in levels^N} ||c - R d||^2``.

    The tree is walked from coordinate N-1 (root) to 0.  At coordinate ``i`` the rows ``>= i``
    are fully determined; ``T[i+1, k] = c_k - sum_{j > i} R_kj d_j`` (kept incrementally, O(N)
    per node) gives the target of row ``i`` and the levels are visited in increasing order of
    their row cost ``(T[i+1, i] - R_ii d_i)^2`` (two pointers moving outwards from the
    conditional centre; that cost is convex in ``d_i``).  The first candidate whose partial cost
    reaches the incumbent's cost ends the coordinate.  With ``box_bound`` a candidate is also
    skipped when its partial cost plus a lower bound on the rows still open reaches the incumbent:
    each open row ``k < i`` costs at least the squared distance of its target to the interval
    ``sum_{k <= j < i} R_kj [d_min, d_max]`` (tables from :func:`_box_tables`).

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
    """
    m = R.shape[0]
    n = R.shape[1]
    nl = levels.shape[0]
    LO, HI = _box_tables(R, levels[0], levels[nl - 1])
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
            if i < m:
                rii = R[i, i]
                if rii != 0.0:
                    centre = T[i + 1, i] / rii
            a = 0
            b = nl
            while a < b:  # first index with level > centre
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
        v = levels[take]
        cur[i] = take
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
            if total + bound < best:
                i -= 1
                setup = True
            # else: this candidate cannot beat the incumbent; the next one at i is tried
        if nodes >= node_limit:
            finished = False
            break
    return best_idx, best, nodes, finished, improvements


# ============================================================================ helpers
def _column_order(A: np.ndarray) -> np.ndarray:
    """Column permutation for the search (position N-1 = root of the tree).

    * QR with column pivoting gives the numerical rank ``r`` of ``A`` (diagonal entries above
      ``max(shape) * eps * |R_00|``) and ``r`` well-conditioned basis columns.  The other
      ``N - r`` columns (``r = M < N`` when ``lam = 0`` and alpha < 1, or exactly dependent
      columns) are placed at the top of the tree (positions ``r..N-1``), where their rows are
      absent or have a (near-)zero diagonal, and are enumerated in full.  The rank only decides
      the *order*; the search itself uses every row of ``R`` and stays exact.
    * The basis columns are ordered V-BLAST style: for positions ``r-1`` down to 0 pick the
      remaining column with the largest conditional diagonal
      ``R_ii^2 = 1 / [G_S^{-1}]_{kk}`` (``G_S`` the Gram matrix of the columns still unplaced),
      so the strongest constraints sit near the root and prune early.
    """
    import scipy.linalg

    _, Rp, piv = scipy.linalg.qr(A, mode="economic", pivoting=True)
    dg = np.abs(np.diag(Rp))
    tol = max(A.shape) * np.finfo(np.float64).eps * (dg[0] if dg.size else 0.0)
    rank = int(np.sum(dg > tol))
    basis = np.sort(piv[:rank])
    free = np.sort(piv[rank:])
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
    try:
        lv = np.asarray(quantizer, dtype=np.float64)
    except (TypeError, ValueError):
        raise V.FastqInputError("quantizer must be a Quantizer or a 1-D array of >= 2 levels") from None
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
              order: str = "vblast", box_bound: bool = True, max_sweeps: int = 1000) -> ExactResult:
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
    box_bound : bool
        Also prune with a lower bound on the rows not yet determined (each open row costs at
        least the squared distance of its target to the range reachable with weights in
        ``[d_0, d_np]``).  Exact either way; the bound cuts the tree when the levels are small
        compared with the weights (small omega).
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

    # incumbent: rounded ridge, then coordinate descent over the levels
    w_rr = round_to_levels(ridge_solution(X, y, lam), levels)
    G = A.T @ A
    g = A.T @ b
    idx = np.searchsorted(0.5 * (levels[1:] + levels[:-1]), ridge_solution(X, y, lam), side="right").astype(np.int64)
    _coordinate_descent(G, g, levels, idx, max_sweeps)
    w_inc = levels[idx]

    # ordering + QR
    perm = _column_order(A) if order == "vblast" else np.arange(n, dtype=np.int64)
    Q, R = np.linalg.qr(A[:, perm], mode="reduced")
    R = np.ascontiguousarray(R)
    c = np.ascontiguousarray(Q.T @ b)
    idx_p = np.ascontiguousarray(idx[perm])
    hint = np.ascontiguousarray(w_inc[perm])
    r0 = c - R @ hint
    radius = float(r0 @ r0)
    best_idx, _, nodes, finished, improvements = _sphere_decode(R, c, levels, hint, idx_p, radius,
                                                                np.int64(node_limit), bool(box_bound))
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


# ============================================================================ study driver
def _amp_module():
    """``fastq.amp`` if it is importable, else None (the study then reports AMP as unavailable)."""
    try:
        from . import amp as amp_mod
    except ImportError:
        return None
    return amp_mod if hasattr(amp_mod, "amp") else None


def _instance_seed(seed, n: int, k: int) -> np.random.SeedSequence:
    """Seed of instance ``k`` at size ``n``: depends on (seed, n, k) only, not on the other sizes."""
    from .teacher import as_seed_sequence, spawn_seeds

    root = as_seed_sequence(seed)
    per_n = np.random.SeedSequence(root.entropy, spawn_key=root.spawn_key + (int(n),))
    return spawn_seeds(per_n, k + 1)[k]


def _study_instance(task, *, quantizer, alpha, sigma, lam, rho, node_limit, amp_quantizer,
                    amp_max_iter, amp_tol):
    """One teacher instance: exact minimizer, rounded ridge, incumbent and (if available) AMP."""
    from .teacher import generalization_error, teacher

    n, seed_seq = task
    X, y, w0 = teacher(n, alpha, sigma, rho, seed=seed_seq)
    r = exact_erm(X, y, quantizer, lam, node_limit=node_limit)
    out = {
        "eg_exact": generalization_error(r.w, w0, sigma),
        "eg_rounded_ridge": generalization_error(r.w_rounded_ridge, w0, sigma),
        "eg_incumbent": generalization_error(r.w_incumbent, w0, sigma),
        "objective": r.objective,
        "incumbent_objective": r.incumbent_objective,
        "optimal": r.optimal,
        "nodes": r.nodes,
        "seconds": r.seconds,
        "eg_amp": math.nan,
        "eg_amp_requantized": math.nan,
        "amp_converged": False,
    }
    amp_mod = _amp_module() if amp_quantizer is not None else None
    if amp_mod is not None:
        amp_seed = int(seed_seq.generate_state(1)[0])
        a = amp_mod.amp(X, y, amp_quantizer, lam, max_iter=amp_max_iter, tol=amp_tol, seed=amp_seed,
                        w0=w0, sigma=sigma)
        out["eg_amp"] = float(a.eg)
        out["eg_amp_requantized"] = float(a.eg_requantized)
        out["amp_converged"] = bool(a.converged)
    return out


def fit_inverse_n(sizes, mean, se):
    """Weighted least-squares fit ``Eg(N) = a + b / N`` (weights ``1 / se^2``).

    Returns a dict with ``a, a_err, b, b_err, chi2_dof``.  The parameter errors are the usual
    covariance ``(J^T W J)^{-1}`` scaled by ``sqrt(chi2_dof)`` when ``chi2_dof > 1`` (the
    1/N form not fitting the points within their error bars widens the uncertainty rather than
    being hidden).  Needs at least 3 sizes for ``chi2_dof`` (2 sizes: exact fit, no scaling).
    """
    x = 1.0 / np.asarray(sizes, dtype=np.float64)
    yv = np.asarray(mean, dtype=np.float64)
    s = np.asarray(se, dtype=np.float64)
    if x.size < 2:
        raise V.FastqInputError("the 1/N fit needs at least 2 sizes")
    if not np.all(s > 0):
        raise V.FastqInputError("the 1/N fit needs positive standard errors (use >= 2 instances per size)")
    J = np.column_stack([np.ones_like(x), x])
    w = 1.0 / s**2
    JW = J * w[:, None]
    cov = np.linalg.inv(J.T @ JW)
    coef = cov @ (JW.T @ yv)
    resid = yv - J @ coef
    dof = x.size - 2
    chi2 = float(np.sum(w * resid**2))
    chi2_dof = chi2 / dof if dof > 0 else math.nan
    scale = math.sqrt(chi2_dof) if dof > 0 and chi2_dof > 1.0 else 1.0
    return {"a": float(coef[0]), "a_err": float(math.sqrt(cov[0, 0]) * scale),
            "b": float(coef[1]), "b_err": float(math.sqrt(cov[1, 1]) * scale),
            "chi2_dof": chi2_dof, "dof": dof}


@dataclass
class StudyResult:
    """Output of :func:`exact_study`.

    ``per_instance`` holds arrays of shape ``(len(sizes), instances)`` (keys as in
    :func:`_study_instance`); ``summary`` one row per size (means, standard errors, counts);
    ``fit`` the extrapolation of the exact Eg; ``rs`` the replica predictions.
    """

    params: dict
    sizes: list
    per_instance: dict
    summary: list
    fit: dict
    rs: dict
    amp_available: bool

    def to_dict(self) -> dict:
        return {"params": self.params, "sizes": self.sizes, "summary": self.summary, "fit": self.fit,
                "rs": self.rs, "amp_available": self.amp_available}


def _mean_se(v):
    v = np.asarray(v, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return math.nan, math.nan, 0
    se = float(np.std(v, ddof=1) / math.sqrt(v.size)) if v.size > 1 else math.nan
    return float(np.mean(v)), se, int(v.size)


def exact_study(quantizer: Quantizer, alpha, sigma, lam, rho=1.0, *, sizes, instances: int, seed,
                node_limit: int = DEFAULT_NODE_LIMIT, amp: bool = True, amp_edge_width=None,
                amp_max_iter: int = 500, amp_tol: float = 1e-10, n_jobs: int = 1,
                backend: str = "loky", progress: bool = False) -> StudyResult:
    """Exact minimizer vs AMP vs rounded ridge on many instances per N, extrapolated to N -> inf.

    For every size ``n`` in ``sizes`` and ``k < instances`` the teacher instance with seed
    ``(seed, n, k)`` (:func:`_instance_seed`; identical for any ``n_jobs``) is solved by
    :func:`exact_erm`, by the rounded ridge heuristic and, when ``fastq.amp`` is available and
    ``amp`` is True, by AMP with the edge-smoothed quantizer (``amp_edge_width``, default
    :data:`fastq.defaults.DEFAULT_EDGE_WIDTH`).  Per size: mean and standard error of each Eg,
    the number of instances not proven optimal (node limit), nodes and time.  The exact Eg is
    fitted as ``a + b / N`` (:func:`fit_inverse_n`) and compared with the RS Eg of the hard
    quantizer (``solve_rs`` at edge width 0); the RS solution at AMP's edge width and its AT
    value (phase) are given too.

    Parameters
    ----------
    quantizer : Quantizer (its levels define Omega; its edge width is ignored for the exact part)
    alpha, sigma, lam, rho : model (THEORY section 1)
    sizes : sequence of int >= 1 (at least 2 distinct)
    instances : int >= 2 per size
    seed : int >= 0
    node_limit : search budget per instance (see :func:`exact_erm`)
    n_jobs, backend, progress : passed to :func:`fastq.parallel.parallel_map`
    """
    from .defaults import DEFAULT_EDGE_WIDTH
    from .parallel import effective_n_jobs, parallel_map, validate_backend
    from .replica import solve_rs

    if not isinstance(quantizer, Quantizer):
        raise V.FastqInputError("quantizer must be a fastq.Quantizer")
    alpha, sigma, lam, rho = V.model(alpha, sigma, lam, rho)
    sizes = sorted({V.integer("sizes", s, 1) for s in sizes})
    if len(sizes) < 2:
        raise V.FastqInputError("sizes must hold at least 2 distinct values of N (for the 1/N fit)")
    if sizes[-1] > 200:
        raise V.FastqInputError(f"sizes must be <= 200 (exact search is exponential in N; got {sizes[-1]})")
    instances = V.integer("instances", instances, 2)
    V.integer("seed", seed, 0)
    node_limit = V.integer("node_limit", node_limit, 1)
    amp_eps = DEFAULT_EDGE_WIDTH if amp_edge_width is None else V.positive("amp_edge_width", amp_edge_width)
    amp_max_iter = V.integer("amp_max_iter", amp_max_iter, 1)
    amp_tol = V.positive("amp_tol", amp_tol)
    effective_n_jobs(n_jobs)
    validate_backend(backend)

    amp_available = bool(amp) and _amp_module() is not None
    amp_q = quantizer.with_edge_width(amp_eps) if amp_available else None
    tasks = [(n, _instance_seed(seed, n, k)) for n in sizes for k in range(instances)]
    fn = functools.partial(_study_instance, quantizer=quantizer.hard(), alpha=alpha, sigma=sigma,
                           lam=lam, rho=rho, node_limit=node_limit, amp_quantizer=amp_q,
                           amp_max_iter=amp_max_iter, amp_tol=amp_tol)
    # large N last in the list: put them first so the slowest tasks start early
    order = sorted(range(len(tasks)), key=lambda j: -tasks[j][0])
    res_sorted = parallel_map(fn, [tasks[j] for j in order], n_jobs=n_jobs, backend=backend,
                              progress=progress, desc="exact", chunk_size=1)
    results = [None] * len(tasks)
    for j, r in zip(order, res_sorted):
        results[j] = r

    keys = list(results[0].keys())
    per = {k: np.array([r[k] for r in results]).reshape(len(sizes), instances) for k in keys}
    summary = []
    for a, n in enumerate(sizes):
        row = {"n": n}
        for k in ("eg_exact", "eg_rounded_ridge", "eg_incumbent", "eg_amp", "eg_amp_requantized"):
            mu, se, cnt = _mean_se(per[k][a])
            row[k] = mu
            row[k + "_se"] = se
        row["not_optimal"] = int(np.sum(~per["optimal"][a]))
        row["amp_not_converged"] = int(np.sum(~per["amp_converged"][a])) if amp_available else None
        row["incumbent_improved"] = int(np.sum(per["objective"][a] < per["incumbent_objective"][a]
                                               * (1 - 1e-12)))
        row["nodes_mean"] = float(np.mean(per["nodes"][a]))
        row["nodes_max"] = int(np.max(per["nodes"][a]))
        row["seconds_mean"] = float(np.mean(per["seconds"][a]))
        row["seconds_max"] = float(np.max(per["seconds"][a]))
        summary.append(row)
    fit = fit_inverse_n(sizes, [r["eg_exact"] for r in summary], [r["eg_exact_se"] for r in summary])
    rs0 = solve_rs(quantizer.hard(), alpha, sigma, lam, rho)
    rse = solve_rs(quantizer.with_edge_width(amp_eps), alpha, sigma, lam, rho)
    rs = {"eg": rs0.eg, "converged": rs0.converged, "status": rs0.status,
          "edge_width": amp_eps, "eg_edge": rse.eg, "at_edge": rse.at, "rs_phase_edge": rse.rs,
          "kappa": rse.kappa}
    if rs0.converged:
        rs["deviation_sigmas"] = (fit["a"] - rs0.eg) / fit["a_err"] if fit["a_err"] > 0 else math.nan
    params = {"quantizer": quantizer.hard().to_dict(), "alpha": alpha, "sigma": sigma, "lam": lam,
              "rho": rho, "instances": instances, "seed": seed, "node_limit": node_limit,
              "amp": amp_available, "amp_edge_width": amp_eps, "amp_max_iter": amp_max_iter,
              "amp_tol": amp_tol}
    return StudyResult(params=params, sizes=sizes, per_instance=per, summary=summary, fit=fit, rs=rs,
                       amp_available=amp_available)


def plot_study(result: StudyResult, path, *, title: str | None = None) -> Path:
    """Eg against 1/N: exact (with the a + b/N fit extrapolated to 1/N = 0), AMP, rounded ridge, RS."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from .store import atomic_write_bytes
    import io

    s = result.summary
    x = np.array([1.0 / r["n"] for r in s])
    fig, ax = plt.subplots(figsize=(5.6, 4.8))

    def series(key, label, fmt, **kw):
        y = np.array([r[key] for r in s], dtype=float)
        e = np.array([r[key + "_se"] for r in s], dtype=float)
        if np.all(np.isnan(y)):
            return
        ax.errorbar(x, y, yerr=e, fmt=fmt, capsize=2, label=label, **kw)

    series("eg_exact", "exact minimizer", "o", color="C0")
    if result.amp_available:
        series("eg_amp_requantized", f"AMP, phi(mbar) (eps={result.rs['edge_width']:g})", "s", color="C2", ms=4)
    series("eg_rounded_ridge", "rounded ridge", "^", color="C1", ms=4)
    f = result.fit
    xx = np.linspace(0.0, x.max() * 1.05, 50)
    ax.plot(xx, f["a"] + f["b"] * xx, "-", color="C0", lw=1,
            label=f"fit a + b/N: a = {f['a']:.4f} ± {f['a_err']:.4f}")
    ax.errorbar([0.0], [f["a"]], yerr=[f["a_err"]], fmt="o", mfc="white", color="C0", capsize=3)
    if result.rs["converged"]:
        ax.axhline(result.rs["eg"], color="k", ls="--", lw=1, label=f"RS, eps=0: {result.rs['eg']:.4f}")
    ax.set_xlabel("1 / N")
    ax.set_ylabel("Eg")
    p = result.params
    q = p["quantizer"]
    phase = "RS" if result.rs["rs_phase_edge"] else "RSB"
    ax.set_title(title or (f"{q['scheme']} n_p={q['n_p']} omega={q['omega']:g}, alpha={p['alpha']:g} "
                           f"sigma={p['sigma']:g} lam={p['lam']:g}\n({phase} at eps={result.rs['edge_width']:g}, "
                           f"AT={result.rs['at_edge']:.2f}; {p['instances']} instances per N)"), fontsize=8)
    ax.set_xlim(left=-0.002)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120)
    plt.close(fig)
    return atomic_write_bytes(path, buf.getvalue())


def save_study(result: StudyResult, out_dir, stem: str = "exact", *, plot: bool = True) -> list[Path]:
    """Write ``stem.json`` (metadata + summary + fit + RS), ``stem.csv`` (one row per N),
    ``stem.npz`` (per-instance arrays) and ``stem.png`` (:func:`plot_study`) to ``out_dir``."""
    from .store import metadata, write_csv, write_json, write_npz

    out = Path(out_dir)
    paths = []
    doc = metadata("exact_study", result.params)
    doc.update(result.to_dict())
    paths.append(write_json(out / f"{stem}.json", doc))
    header = list(result.summary[0].keys())
    paths.append(write_csv(out / f"{stem}.csv", header, [[r[h] for h in header] for r in result.summary]))
    arrays = {k: np.asarray(v) for k, v in result.per_instance.items()}
    paths.append(write_npz(out / f"{stem}.npz", sizes=np.asarray(result.sizes), **arrays))
    if plot:
        paths.append(plot_study(result, out / f"{stem}.png"))
    return paths


def load_study(out_dir, stem: str = "exact") -> StudyResult:
    """Read back what :func:`save_study` wrote (``stem.json`` + ``stem.npz``), e.g. to redraw the plot."""
    from .store import read_json

    out = Path(out_dir)
    doc = read_json(out / f"{stem}.json")
    with np.load(out / f"{stem}.npz") as z:
        per = {k: z[k] for k in z.files if k != "sizes"}

    def num(v):  # undo store.to_json's NaN -> null and inf -> "inf"
        return math.nan if v is None else (math.inf if v == "inf" else -math.inf if v == "-inf" else v)

    summary = [{k: (num(v) if k.startswith("eg") else v) for k, v in row.items()} for row in doc["summary"]]
    fit = {k: num(v) for k, v in doc["fit"].items()}
    rs = {k: (num(v) if k not in ("converged", "status", "rs_phase_edge") else v) for k, v in doc["rs"].items()}
    return StudyResult(params=doc["params"], sizes=doc["sizes"], per_instance=per, summary=summary,
                       fit=fit, rs=rs, amp_available=doc["amp_available"])
