r"""Exact finite-N minimizer of the quantized ridge loss by sphere decoding: :func:`exact_erm`.

The replica analysis (THEORY section 1) predicts the generalization error of the *global*
minimizer

.. math::

    \hat d = \operatorname*{argmin}_{d \in \Omega^N} \;
    \tfrac12 \lVert y - X d \rVert^2 + \tfrac{\lambda}{2} \lVert d \rVert^2 ,

with ``Omega`` the (hard) level set of a quantizer.  For small N it can be found exactly:

1. **Least squares form.**  The ridge term becomes ``N`` extra rows, ``A = [X; sqrt(lam) I]``,
   ``b = [y; 0]`` (:func:`stacked_system`).
2. **Ordering and QR.**  Columns in V-BLAST order (:func:`fastq.exact.ordering._column_order`),
   then ``A P = Q R``: ``||b - A d||^2 = ||c - R d'||^2 + const``, ``c = Q^T b``.
3. **Schnorr-Euchner enumeration** (kernel :func:`fastq.exact._search._sphere_decode`), from an
   incumbent (rounded ridge improved by coordinate descent, :func:`_incumbent`).

With ``lam = 0`` and ``M < N`` (or exactly dependent columns) the coordinates without a row of
their own are enumerated in full (no regularization), so the result stays exact at a cost
exponential in ``N - M``; see ``docs/exact.md``.  The search is exact up to floating-point
rounding of the QR factor (relative ~1e-15); the objective reported is recomputed from ``X``,
``y`` in the original coordinates.
"""
from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np

from .. import _validate as V
from ..quantizers import Quantizer
from ._search import _coordinate_descent, _sphere_decode
from .ordering import _column_order

#: Default search budget of :func:`exact_erm` (tree nodes; one node = one coordinate assigned).
DEFAULT_NODE_LIMIT = 200_000_000


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


def stacked_system(X, y, lam):
    """The ridge loss as plain least squares: ``A = [X; sqrt(lam) I]``, ``b = [y; 0]`` (lam > 0),
    or ``(X, y)`` for lam = 0, so that ``||b - A d||^2 = ||y - X d||^2 + lam ||d||^2``.
    """
    n = X.shape[1]
    if lam > 0.0:
        return np.vstack([X, math.sqrt(lam) * np.eye(n)]), np.concatenate([y, np.zeros(n)])
    return X, y


def ridge_solution(X, y, lam) -> np.ndarray:
    """Unquantized ridge estimate ``argmin ||y - X w||^2 + lam ||w||^2``.

    A least-squares solve of the stacked system (:func:`stacked_system`), never a solve of the
    normal equations: it is well defined for rank-deficient X with tiny lam (minimum-norm
    solution for lam = 0).
    """
    A, b = stacked_system(np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64), lam)
    return np.linalg.lstsq(A, b, rcond=None)[0]


def round_to_levels(w, levels) -> np.ndarray:
    """Nearest level for each entry (the hard quantizer phi on an arbitrary sorted level set)."""
    lv = np.asarray(levels, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    t = 0.5 * (lv[1:] + lv[:-1])
    return lv[np.searchsorted(t, w, side="right")]


def _check_instance(X, y):
    """``X`` (M, N) and ``y`` (M,) as finite float64 arrays, or a one-line input error."""
    X = V.float_array("X", X, finite=False)
    y = V.float_array("y", y, finite=False)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise V.FastqInputError(f"X must be a 2-D array with M >= 1 rows and N >= 1 columns (got shape {X.shape})")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise V.FastqInputError(f"y must be 1-D with M = {X.shape[0]} entries (got shape {y.shape})")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise V.FastqInputError("X and y must be finite")
    return X, y


def _incumbent(A, b, levels, max_sweeps):
    """Start of the search: the rounded ridge solution improved by coordinate descent over the
    levels (kernel ``_coordinate_descent``).  Returns ``(w_rounded_ridge, w_incumbent, idx)``.
    """
    w_ridge = np.linalg.lstsq(A, b, rcond=None)[0]
    idx = np.searchsorted(0.5 * (levels[1:] + levels[:-1]), w_ridge, side="right").astype(np.int64)
    w_rr = levels[idx]
    _coordinate_descent(A.T @ A, A.T @ b, levels, idx, max_sweeps)
    return w_rr, levels[idx], idx


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
        """The record as a plain dict (JSON-ready through :func:`fastq.store.to_json`)."""
        return dataclasses.asdict(self)


def exact_erm(X, y, quantizer, lam, *, node_limit: int = DEFAULT_NODE_LIMIT,
              order: str = "vblast", box_bound: bool = True, max_sweeps: int = 1000) -> ExactResult:
    r"""Exact minimizer over ``d in Omega^N`` of the quantized ridge loss (sphere decoding).

    .. math::

        \min_{d \in \Omega^N} \tfrac12 \lVert y - X d \rVert^2 + \tfrac{\lambda}{2} \lVert d \rVert^2

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
    X, y = _check_instance(X, y)
    levels = _levels_of(quantizer)
    lam = V.nonnegative("lam", lam)
    node_limit = V.integer("node_limit", node_limit, 1)
    max_sweeps = V.integer("max_sweeps", max_sweeps, 1)
    if order not in ("vblast", "natural"):
        raise V.FastqInputError(f"order must be 'vblast' or 'natural' (got {order!r})")
    n = X.shape[1]
    A, b = stacked_system(X, y, lam)
    w_rr, w_inc, idx = _incumbent(A, b, levels, max_sweeps)
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
