"""Hyper-parameter advisor: the optimal clipping range omega, bit budgets and the Eg-bits frontier.

For a quantizer family (scheme and ``n_p``) the RS generalization error is a function of the
clipping range alone, ``Eg(omega)``, once the model ``(alpha, sigma, lam, rho)`` and the edge
width eps are fixed.  :func:`optimal_omega` minimizes it on a documented search interval:

1. **Coarse bracketing scan** on ``n_scan`` geometrically spaced omegas.  Each point is solved
   twice with :func:`fastq.solve_rs`: warm-started from its left neighbour's ``(chi, eg)``
   (continuation along omega) and from the uninformed start ``chi = 1, eg = (rho + sigma^2)/2``.
   The two agree except where several RS fixed points coexist; there the *uninformed-start*
   fixed point (the one ``solve_rs`` and ``fastq rs`` report by default) defines ``Eg(omega)``
   and the other one is listed in ``coexisting``.
2. **Refinement**: every coarse local minimum within a screening margin of the best one is
   refined with a bounded Brent minimizer (``scipy.optimize.minimize_scalar(method="bounded")``)
   on the bracket formed by its two coarse neighbours, to a relative accuracy ``rtol`` (1e-6) in
   omega.  Each evaluation is warm-started from the nearest omega solved so far and the final
   optimum is re-checked from the uninformed start.  Eg(omega) may have kinks and several local
   minima at small bits; the global one on the interval is returned and the others within the
   relative ``margin`` are reported in ``other_minima``.
3. **Stable optimum**: the same search restricted to the RS-stable set ``{omega : at(omega) < 1}``
   at the given edge width.  Where Eg keeps decreasing into the unstable region the constrained
   optimum sits on the stability boundary, found by bisection on ``at(omega) = 1`` (keeping the
   stable end) to the same ``rtol``.  When no scanned omega is stable the result says so
   (``omega_star_stable = None`` and a "none: ..." message).  For the hard quantizer
   (``edge_width = 0``) the AT quantity is infinite, so no omega is ever stable.

:func:`bit_budget` runs :func:`optimal_omega` for every bits value and scheme (in parallel via
:func:`fastq.parallel.parallel_map`), compares the frontier ``Eg*(b)`` with ridge regression
(:func:`fastq.ridge`) or a target Eg, and reports the smallest sufficient number of bits;
:func:`plot_frontier` writes the frontier as CSV + JSON metadata + PNG via :mod:`fastq.store`.
"""
from __future__ import annotations

import bisect
import functools
import io
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from . import _validate as V
from .quantizers import MAX_N_P_LOG, MAX_N_P_UNIFORM, SCHEMES, Quantizer, n_p_from_bits
from .replica import NoFiniteSolution, RSResult, default_start, ridge, solve_rs

#: Default search interval for omega, in units of the teacher scale sqrt(rho).
DEFAULT_OMEGA_RANGE = (0.01, 12.0)
#: Default number of coarse scan points (geometric spacing; ~7.8% steps on the default range).
DEFAULT_N_SCAN = 96
#: Two fixed points are "the same" when their Eg agree to this relative accuracy.
_SAME_FP_RTOL = 1e-7


# ----------------------------------------------------------------------------- records
@dataclass
class OmegaOptimum:
    """Result of :func:`optimal_omega`.

    Attributes
    ----------
    scheme, n_p, bits, edge_width : the quantizer family searched (omega is the unknown)
    alpha, sigma, lam, rho : model
    omega_range : (lo, hi) search interval
    omega_star, eg_star : global minimizer of the RS Eg on the interval and its Eg
    at_star, kappa_star : AT quantity and jump coefficient at ``omega_star``
    stable : whether the RS solution at ``omega_star`` is locally stable (``at < 1``)
    omega_star_stable, eg_star_stable : best omega among RS-stable points (None if there is none)
    stable_on_boundary : the stable optimum sits on the stability boundary ``at = 1``
    stable_message : human-readable verdict on the stable optimum ("none: ..." when no stable
        omega exists in the interval)
    at_boundary : ``omega_star`` is at an end of the search interval (widen ``omega_range``)
    other_minima : other local minima ``{omega, eg, at, stable}`` with
        ``eg <= eg_star * (1 + margin)``
    coexisting : omegas where continuation found a second fixed point ``{omega, eg, eg_other}``
    converged : the solve at ``omega_star`` converged (from the uninformed start or warm)
    status : "ok", "interval_edge" (optimum at an end of the interval), "no_converged_point"
    ramp_fraction : fraction of ``[-omega_star, omega_star]`` covered by the ramps of phi_eps
        (0 for hard rounding; 1 when the ramps touch everywhere and phi_eps is the identity on
        ``[-omega, omega]``).  A large value means Eg describes the smoothed map, not hard
        rounding, and is close to ridge: reduce ``edge_width`` to model hard rounding.
    n_solves : number of :func:`fastq.solve_rs` calls used
    n_not_converged : scan/refinement solves that did not converge
    scan_omega, scan_eg, scan_at : the coarse scan (Eg = NaN where no solve converged)
    """

    scheme: str
    n_p: int
    bits: float
    edge_width: float
    alpha: float
    sigma: float
    lam: float
    rho: float
    omega_range: tuple
    omega_star: float | None
    eg_star: float | None
    at_star: float | None
    kappa_star: float | None
    stable: bool
    omega_star_stable: float | None
    eg_star_stable: float | None
    stable_on_boundary: bool
    stable_message: str
    at_boundary: bool
    other_minima: list = field(default_factory=list)
    coexisting: list = field(default_factory=list)
    converged: bool = True
    status: str = "ok"
    n_solves: int = 0
    n_not_converged: int = 0
    ramp_fraction: float | None = None
    scan_omega: np.ndarray | None = None
    scan_eg: np.ndarray | None = None
    scan_at: np.ndarray | None = None

    def summary(self) -> dict:
        """The headline numbers (what ``fastq optimize --json`` prints for one quantizer)."""
        return {
            "scheme": self.scheme, "n_p": self.n_p, "bits": self.bits, "edge_width": self.edge_width,
            "omega_star": self.omega_star, "eg_star": self.eg_star, "stable": self.stable,
            "at_star": self.at_star,
            "omega_star_stable": self.omega_star_stable, "eg_star_stable": self.eg_star_stable,
            "stable_message": self.stable_message,
            "at_boundary": self.at_boundary, "other_minima": self.other_minima,
            "coexisting": self.coexisting, "ramp_fraction": self.ramp_fraction,
            "status": self.status, "n_solves": self.n_solves,
        }

    def to_dict(self, scan: bool = False) -> dict:
        d = asdict(self)
        if not scan:
            for k in ("scan_omega", "scan_eg", "scan_at"):
                d.pop(k)
        return d


@dataclass
class BitBudget:
    """Result of :func:`bit_budget`.

    Attributes
    ----------
    bits : list of bits values searched
    schemes : schemes searched
    optima : ``{scheme: [OmegaOptimum per bits]}``
    ridge_eg : Eg of ridge regression (None when it has no finite solution)
    ridge_message : why ``ridge_eg`` is None (else "")
    reference : "ridge" or "target"; ``threshold``: the Eg a quantizer must reach
        (``(1 + tolerance) * ridge_eg`` or ``target_eg``; None if undefined)
    min_bits, min_bits_stable : ``{scheme: smallest bits whose eg_star (eg_star_stable) is
        <= threshold, or None}``
    """

    alpha: float
    sigma: float
    lam: float
    rho: float
    edge_width: float
    bits: list
    schemes: list
    optima: dict
    ridge_eg: float | None
    ridge_message: str
    tolerance: float
    target_eg: float | None
    reference: str
    threshold: float | None
    min_bits: dict
    min_bits_stable: dict

    def rows(self) -> list[dict]:
        """One flat dict per (scheme, bits), in order."""
        out = []
        for s in self.schemes:
            for o in self.optima[s]:
                r = o.summary()
                r["meets_threshold"] = _meets(o.eg_star, self.threshold)
                r["meets_threshold_stable"] = _meets(o.eg_star_stable, self.threshold)
                r["reference_eg"] = self.threshold
                out.append(r)
        return out

    def frontier(self, scheme: str, stable: bool = False) -> np.ndarray:
        """``Eg*(b)`` (or the stable one) for ``scheme`` as an array aligned with :attr:`bits`
        (NaN where undefined)."""
        key = "eg_star_stable" if stable else "eg_star"
        return np.array([np.nan if getattr(o, key) is None else getattr(o, key)
                         for o in self.optima[scheme]], dtype=float)

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in ("alpha", "sigma", "lam", "rho", "edge_width", "bits",
                                           "schemes", "ridge_eg", "ridge_message", "tolerance",
                                           "target_eg", "reference", "threshold", "min_bits",
                                           "min_bits_stable")}
        d["rows"] = self.rows()
        return d


def _meets(eg, threshold):
    return bool(eg is not None and threshold is not None and eg <= threshold)


# ----------------------------------------------------------------------------- validation
def _spec(quantizer_spec, edge_width):
    """-> (scheme, n_p, edge_width).  Accepts a Quantizer (its omega is ignored) or a mapping
    ``{"scheme": ..., "n_p": ...}`` / ``{"scheme": ..., "bits": ...}``."""
    if isinstance(quantizer_spec, Quantizer):
        scheme, n_p = quantizer_spec.scheme, quantizer_spec.n_p
        eps = quantizer_spec.edge_width if edge_width is None else edge_width
    elif isinstance(quantizer_spec, Mapping):
        keys = set(quantizer_spec)
        unknown = keys - {"scheme", "n_p", "bits"}
        if unknown:
            raise V.FastqInputError(f"quantizer_spec has unknown keys {sorted(unknown)}; "
                                    "use scheme and one of n_p, bits")
        scheme = quantizer_spec.get("scheme", "uniform")
        if scheme not in SCHEMES:
            raise V.FastqInputError(f"scheme must be one of {', '.join(SCHEMES)} (got {scheme!r})")
        if ("n_p" in keys) == ("bits" in keys):
            raise V.FastqInputError("quantizer_spec needs exactly one of n_p, bits")
        if "n_p" in keys:
            max_np = MAX_N_P_UNIFORM if scheme == "uniform" else MAX_N_P_LOG
            n_p = V.integer("n_p", quantizer_spec["n_p"], 1, max_np)
        else:
            n_p = n_p_from_bits(quantizer_spec["bits"])
        if edge_width is None:
            from . import defaults  # read at call time: the default may be retuned

            edge_width = defaults.DEFAULT_EDGE_WIDTH
        eps = edge_width
    else:
        raise V.FastqInputError("quantizer_spec must be a fastq.Quantizer (omega ignored) or a mapping "
                                f"with scheme and n_p or bits (got {type(quantizer_spec).__name__})")
    eps = V.nonnegative("edge_width", eps)
    Quantizer(scheme, n_p, 1.0, eps)  # validates n_p against the scheme's limit
    return scheme, n_p, eps


def _omega_range(omega_range, rho):
    if omega_range is None:
        s = math.sqrt(rho)
        return DEFAULT_OMEGA_RANGE[0] * s, DEFAULT_OMEGA_RANGE[1] * s
    try:
        lo, hi = omega_range
    except (TypeError, ValueError):
        raise V.FastqInputError(f"omega_range must be a pair (lo, hi) (got {omega_range!r})") from None
    lo = V.positive("omega_range lo", lo)
    hi = V.positive("omega_range hi", hi)
    if not hi > lo * (1.0 + 1e-6):
        raise V.FastqInputError(f"omega_range must have lo < hi (got ({lo!r}, {hi!r}))")
    return lo, hi


# ----------------------------------------------------------------------------- objective
class _Objective:
    """Eg(omega) for one quantizer family, with a record of every solve (for warm starts)."""

    def __init__(self, scheme, n_p, eps, alpha, sigma, lam, rho):
        self.scheme, self.n_p, self.eps = scheme, n_p, eps
        self.model = (alpha, sigma, lam, rho)
        self.cold = default_start(sigma, rho)
        self.n_solves = 0
        self.n_not_converged = 0
        self._om: list[float] = []  # sorted omegas solved canonically
        self._res: list[RSResult] = []
        self.coexisting: list[dict] = []

    def _solve(self, omega, start):
        self.n_solves += 1
        r = solve_rs(Quantizer(self.scheme, self.n_p, omega, self.eps), *self.model, start=start)
        if not r.converged:
            self.n_not_converged += 1
        return r

    def _record(self, omega, r):
        i = bisect.bisect_left(self._om, omega)
        if i < len(self._om) and self._om[i] == omega:
            self._res[i] = r
        else:
            self._om.insert(i, omega)
            self._res.insert(i, r)

    def lookup(self, omega):
        i = bisect.bisect_left(self._om, omega)
        if i < len(self._om) and self._om[i] == omega:
            return self._res[i]
        return None

    def nearest_start(self, omega):
        """(chi, eg) of the converged solution nearest to omega in log scale, else the cold start."""
        i = bisect.bisect_left(self._om, omega)
        best, dist = None, math.inf
        for j in (i - 2, i - 1, i, i + 1):
            if 0 <= j < len(self._om) and self._res[j].converged:
                d = abs(math.log(self._om[j] / omega))
                if d < dist:
                    best, dist = self._res[j], d
        return (best.chi, best.eg) if best is not None else self.cold

    def dual(self, omega, warm):
        """Solve from ``warm`` and from the uninformed start; the uninformed one is canonical."""
        rc = self._solve(omega, None)
        rw = self._solve(omega, warm) if warm is not None else None
        r = rc
        if rw is not None and rw.converged:
            if not rc.converged:
                r = rw
            elif abs(rw.eg - rc.eg) > _SAME_FP_RTOL * max(abs(rc.eg), 1e-300):
                self.coexisting.append({"omega": omega, "eg": rc.eg, "eg_other": rw.eg})
        self._record(omega, r)
        return r

    def warm(self, omega):
        """Solve warm-started from the nearest solved omega (refinement evaluations)."""
        omega = float(omega)
        r = self.lookup(omega)
        if r is not None:
            return r
        r = self._solve(omega, self.nearest_start(omega))
        if not r.converged:
            r2 = self._solve(omega, None)
            if r2.converged:
                r = r2
        self._record(omega, r)
        return r

    def verify(self, omega):
        """Re-solve ``omega`` from the uninformed start; adopt it if it is another fixed point."""
        omega = float(omega)
        r = self.lookup(omega)
        rc = self._solve(omega, None)
        if rc.converged and (r is None or not r.converged
                             or abs(rc.eg - r.eg) > _SAME_FP_RTOL * max(abs(rc.eg), 1e-300)):
            if r is not None and r.converged:
                self.coexisting.append({"omega": omega, "eg": rc.eg, "eg_other": r.eg})
            self._record(omega, rc)
            return rc, False
        return (r if r is not None else rc), True

    def points(self, lo, hi):
        """All canonical solutions with lo <= omega <= hi."""
        i = bisect.bisect_left(self._om, lo)
        j = bisect.bisect_right(self._om, hi)
        return list(zip(self._om[i:j], self._res[i:j]))


def _eg(r):
    return r.eg if r.converged and math.isfinite(r.eg) else math.inf


def _is_stable(r):
    return bool(r.converged and r.at < 1.0)


def _brent(obj, lo, hi, rtol, stable_only):
    """Bounded Brent on [lo, hi]; returns the best (omega, result) among all evaluated points in
    the bracket (stable ones only if ``stable_only``)."""
    from scipy.optimize import minimize_scalar

    big = [None]

    def f(w):
        r = obj.warm(w)
        v = _eg(r)
        if stable_only and not _is_stable(r):
            v = math.inf
        if not math.isfinite(v):
            # finite stand-in above every seen value keeps Brent's parabola arithmetic finite
            if big[0] is None:
                fin = [_eg(x) for _, x in obj.points(lo, hi) if math.isfinite(_eg(x))]
                big[0] = 10.0 * (max(fin) if fin else 1.0) + 1.0
            return big[0]
        return v

    # fminbound stops when the bracket half-width is below ~ 2 (sqrt(eps)|x| + xatol/3)
    minimize_scalar(f, bounds=(lo, hi), method="bounded", options={"xatol": rtol * lo, "maxiter": 500})
    best = None
    for w, r in obj.points(lo, hi):
        if stable_only and not _is_stable(r):
            continue
        if math.isfinite(_eg(r)) and (best is None or _eg(r) < _eg(best[1])):
            best = (w, r)
    return best


def _stability_edge(obj, w_stable, w_unstable, rtol):
    """Bisection (in log omega) between a stable and an unstable omega; returns the stable end
    once the two are within ``rtol`` relative."""
    a, b = w_stable, w_unstable
    while abs(b - a) > rtol * min(a, b):
        mid = math.sqrt(a * b)
        if _is_stable(obj.warm(mid)):
            a = mid
        else:
            b = mid
    return a, obj.warm(a)


def _local_minima(vals):
    """Indices of local minima of a 1-D array (inf = excluded); plateaus give their first index."""
    n = len(vals)
    idx = []
    for k in range(n):
        v = vals[k]
        if not math.isfinite(v):
            continue
        left = vals[k - 1] if k > 0 else math.inf
        right = vals[k + 1] if k < n - 1 else math.inf
        if v < left and v <= right:
            idx.append(k)
    return idx


# ----------------------------------------------------------------------------- public API
def optimal_omega(quantizer_spec, alpha: float, sigma: float, lam: float, rho: float = 1.0, *,
                  edge_width: float | None = None, omega_range: tuple | None = None,
                  n_scan: int = DEFAULT_N_SCAN, rtol: float = 1e-6, margin: float = 0.02) -> OmegaOptimum:
    """The clipping range omega minimizing the RS generalization error (kernels: ``solve_rs``).

    Parameters
    ----------
    quantizer_spec : Quantizer or mapping
        The quantizer family: a :class:`fastq.Quantizer` whose ``omega`` is ignored (its scheme,
        ``n_p`` and, unless ``edge_width`` is given, its edge width are used), or a mapping
        ``{"scheme": "uniform"|"log", "n_p": N}`` or ``{"scheme": ..., "bits": B}``.
    alpha, sigma, lam, rho : float
        Model (alpha > 0, sigma >= 0, lam >= 0, rho > 0).
    edge_width : float >= 0, optional
        Edge width eps at which Eg and the AT stability are evaluated.  Default: the Quantizer's
        own, or :data:`fastq.DEFAULT_EDGE_WIDTH` for a mapping spec.
    omega_range : (lo, hi), optional
        Search interval; default ``(0.01, 12) * sqrt(rho)``.  An optimum on its edge is flagged
        (``at_boundary``, status "interval_edge").
    n_scan : int >= 8
        Coarse scan points, geometrically spaced over ``omega_range``.
    rtol : float
        Relative accuracy of the refined omegas (default 1e-6).
    margin : float >= 0
        Other local minima with ``eg <= eg_star * (1 + margin)`` are reported in ``other_minima``.

    Returns
    -------
    OmegaOptimum
        ``omega_star, eg_star, stable, omega_star_stable, eg_star_stable`` and diagnostics.

    Notes
    -----
    ``Eg(omega)`` is the RS fixed point reached from the uninformed start (as in
    :func:`fastq.solve_rs`); the scan also continues the solution along omega and lists any
    second fixed point it meets in ``coexisting``.  The stable optimum minimizes Eg over omegas
    with ``at < 1`` at ``edge_width``.
    """
    alpha, sigma, lam, rho = V.model(alpha, sigma, lam, rho)
    scheme, n_p, eps = _spec(quantizer_spec, edge_width)
    lo, hi = _omega_range(omega_range, rho)
    n_scan = V.integer("n_scan", n_scan, 8, 100_000)
    rtol = V.in_range("rtol", rtol, 1e-12, 1e-2)
    margin = V.nonnegative("margin", margin)

    obj = _Objective(scheme, n_p, eps, alpha, sigma, lam, rho)
    grid = np.geomspace(lo, hi, n_scan)
    grid[0], grid[-1] = lo, hi
    scan = []
    prev = None
    for w in grid:
        r = obj.dual(float(w), prev)
        scan.append(r)
        prev = (r.chi, r.eg) if r.converged else None
    egs = np.array([_eg(r) for r in scan])
    ats = np.array([r.at if r.converged else math.nan for r in scan])
    q = Quantizer(scheme, n_p, 1.0, eps)
    base = dict(scheme=scheme, n_p=n_p, bits=q.bits, edge_width=eps, alpha=alpha, sigma=sigma,
                lam=lam, rho=rho, omega_range=(lo, hi), scan_omega=grid,
                scan_eg=np.where(np.isfinite(egs), egs, np.nan), scan_at=ats)

    if not np.isfinite(egs).any():
        return OmegaOptimum(**base, omega_star=None, eg_star=None, at_star=None, kappa_star=None,
                            stable=False, omega_star_stable=None, eg_star_stable=None,
                            stable_on_boundary=False,
                            stable_message="none: no RS solve converged on the interval",
                            at_boundary=False, converged=False, status="no_converged_point",
                            n_solves=obj.n_solves, n_not_converged=obj.n_not_converged,
                            coexisting=obj.coexisting)

    def bracket(k):
        return float(grid[max(k - 1, 0)]), float(grid[min(k + 1, n_scan - 1)])

    # ---- unconstrained: refine the promising coarse local minima
    gmin = float(np.min(egs))
    screen = gmin * (1.0 + max(3.0 * margin, 0.05))
    cand = [k for k in _local_minima(list(egs)) if egs[k] <= screen]
    cand = sorted(cand, key=lambda k: egs[k])[:6]
    minima = []
    for k in cand:
        a, b = bracket(k)
        best = _brent(obj, a, b, rtol, stable_only=False)
        w, r = best
        r, _ = obj.verify(w)
        minima.append((w, r))
    minima.sort(key=lambda x: _eg(x[1]))
    w_star, r_star = minima[0]
    edge_tol = 10 * rtol
    at_boundary = bool(w_star <= lo * (1 + edge_tol) or w_star >= hi * (1 - edge_tol))
    others = [{"omega": w, "eg": r.eg, "at": r.at, "stable": _is_stable(r)}
              for w, r in minima[1:]
              if math.isfinite(_eg(r)) and r.eg <= r_star.eg * (1.0 + margin)
              and abs(math.log(w / w_star)) > 10 * rtol]

    # ---- stable optimum
    stab = np.array([_is_stable(r) for r in scan])
    omega_s = eg_s = None
    on_edge = False
    if eps == 0.0:
        message = (f"none: the hard quantizer (edge_width = 0) has at = inf, so no omega in "
                   f"[{lo:g}, {hi:g}] gives a stable RS solution")
    elif not stab.any():
        message = (f"none: no omega in [{lo:g}, {hi:g}] gives a stable RS solution (at < 1) at "
                   f"edge_width = {eps:g}")
    else:
        seg_vals = [egs[k] if stab[k] else math.inf for k in range(n_scan)]
        smin = min(v for v in seg_vals if math.isfinite(v))
        s_screen = smin * (1.0 + max(3.0 * margin, 0.05))
        s_cand = [k for k in _local_minima(seg_vals) if seg_vals[k] <= s_screen]
        s_cand = sorted(s_cand, key=lambda k: seg_vals[k])[:6]
        found = []
        for k in s_cand:
            a, b = bracket(k)
            edges = []
            if k > 0 and not stab[k - 1]:
                a, ra = _stability_edge(obj, float(grid[k]), float(grid[k - 1]), rtol)
                edges.append((a, ra))
            if k < n_scan - 1 and not stab[k + 1]:
                b, rb = _stability_edge(obj, float(grid[k]), float(grid[k + 1]), rtol)
                edges.append((b, rb))
            best = _brent(obj, a, b, rtol, stable_only=True) if b > a * (1 + rtol) else None
            is_edge = False
            for e in edges:
                if _is_stable(e[1]) and (best is None or _eg(e[1]) <= _eg(best[1])):
                    best, is_edge = e, True
            if best is not None:
                w, r = best
                r, _ = obj.verify(w)
                if _is_stable(r):
                    found.append((w, r, is_edge))
        if found:
            found.sort(key=lambda x: x[1].eg)
            omega_s, rs_, on_edge = found[0]
            eg_s = rs_.eg
            where = "on the stability boundary at = 1" if on_edge else "an interior minimum"
            message = f"best stable omega = {omega_s:.6g} ({where}), Eg = {eg_s:.6g}"
        else:
            message = (f"none: no stable omega survived refinement in [{lo:g}, {hi:g}] at "
                       f"edge_width = {eps:g}")

    status = "interval_edge" if at_boundary else "ok"
    ramps = _ramp_fraction(Quantizer(scheme, n_p, w_star, eps))
    return OmegaOptimum(**base, omega_star=w_star, eg_star=r_star.eg, at_star=r_star.at,
                        kappa_star=r_star.kappa, stable=_is_stable(r_star),
                        omega_star_stable=omega_s, eg_star_stable=eg_s, stable_on_boundary=on_edge,
                        stable_message=message, at_boundary=at_boundary, other_minima=others,
                        coexisting=obj.coexisting, converged=r_star.converged, status=status,
                        n_solves=obj.n_solves, n_not_converged=obj.n_not_converged,
                        ramp_fraction=ramps)


def _ramp_fraction(q: Quantizer) -> float:
    """Length of the union of the ramps ``[t_k - eps/2, t_k + eps/2]`` inside ``[-omega, omega]``,
    divided by ``2 omega``."""
    if q.edge_width == 0.0:
        return 0.0
    a = np.clip(q.thresholds - 0.5 * q.edge_width, -q.omega, q.omega)
    b = np.clip(q.thresholds + 0.5 * q.edge_width, -q.omega, q.omega)
    total, end = 0.0, -math.inf
    for lo, hi in zip(a, b):  # thresholds are sorted, so are the ramps
        lo = max(lo, end)
        if hi > lo:
            total += hi - lo
            end = hi
    return float(min(1.0, total / (2.0 * q.omega)))


def _budget_item(item, alpha, sigma, lam, rho, edge_width, omega_range, n_scan, rtol, margin):
    scheme, bits = item
    return optimal_omega({"scheme": scheme, "bits": bits}, alpha, sigma, lam, rho,
                         edge_width=edge_width, omega_range=omega_range, n_scan=n_scan, rtol=rtol,
                         margin=margin)


def bit_budget(alpha: float, sigma: float, lam: float, rho: float = 1.0, *,
               bits: Sequence[int] = range(2, 9), schemes: Sequence[str] = SCHEMES,
               edge_width: float | None = None, omega_range: tuple | None = None,
               tolerance: float = 0.05, target_eg: float | None = None,
               n_scan: int = DEFAULT_N_SCAN, rtol: float = 1e-6, margin: float = 0.02,
               jobs: int = 1, backend: str = "loky", progress: bool = False) -> BitBudget:
    """Optimal omega and Eg for every bits value and scheme; the smallest sufficient bits.

    Each ``(scheme, bits)`` is an independent :func:`optimal_omega` call, run through
    :func:`fastq.parallel.parallel_map` (results do not depend on ``jobs``).

    Parameters
    ----------
    alpha, sigma, lam, rho : model
    bits : integers >= 2 (``n_p = 2**bits - 2``)
    schemes : subset of ("uniform", "log")
    edge_width : eps (default :data:`fastq.DEFAULT_EDGE_WIDTH`)
    tolerance : float >= 0
        A quantizer is "as good as ridge" when ``eg_star <= (1 + tolerance) * ridge_eg``.
    target_eg : float > 0, optional
        Use ``eg_star <= target_eg`` instead of the ridge criterion.  Needed when ridge has no
        finite solution (``lam = 0``, ``alpha <= 1``).
    jobs, backend, progress : parallel execution (see :func:`fastq.parallel.parallel_map`)

    Returns
    -------
    BitBudget
    """
    from . import defaults
    from .parallel import parallel_map, validate_backend, effective_n_jobs

    alpha, sigma, lam, rho = V.model(alpha, sigma, lam, rho)
    bits = [V.integer("bits", b, 2, 16) for b in bits]
    if not bits:
        raise V.FastqInputError("bits must contain at least one value")
    if len(set(bits)) != len(bits):
        raise V.FastqInputError(f"bits must not repeat values (got {bits})")
    bits = sorted(bits)
    schemes = list(schemes)
    if not schemes or any(s not in SCHEMES for s in schemes):
        raise V.FastqInputError(f"schemes must be a non-empty subset of {', '.join(SCHEMES)} (got {schemes!r})")
    eps = V.nonnegative("edge_width", defaults.DEFAULT_EDGE_WIDTH if edge_width is None else edge_width)
    omega_range = _omega_range(omega_range, rho)
    tolerance = V.nonnegative("tolerance", tolerance)
    if target_eg is not None:
        target_eg = V.positive("target_eg", target_eg)
    n_scan = V.integer("n_scan", n_scan, 8, 100_000)
    rtol = V.in_range("rtol", rtol, 1e-12, 1e-2)
    margin = V.nonnegative("margin", margin)
    effective_n_jobs(jobs)
    validate_backend(backend)
    if "log" in schemes and max(bits) > 9:
        # n_p = 2**bits - 2 must stay <= MAX_N_P_LOG for the log scheme
        raise V.FastqInputError(f"bits must be <= 9 for the log scheme (n_p <= {MAX_N_P_LOG}); got {max(bits)}")

    try:
        ridge_eg, ridge_message = ridge(alpha, sigma, lam, rho).eg, ""
    except NoFiniteSolution as exc:
        ridge_eg, ridge_message = None, str(exc)
    if target_eg is not None:
        reference, threshold = "target", target_eg
    elif ridge_eg is not None:
        reference, threshold = "ridge", (1.0 + tolerance) * ridge_eg
    else:
        reference, threshold = "ridge", None

    items = [(s, b) for s in schemes for b in bits]
    fn = functools.partial(_budget_item, alpha=alpha, sigma=sigma, lam=lam, rho=rho, edge_width=eps,
                           omega_range=omega_range, n_scan=n_scan, rtol=rtol, margin=margin)
    res = parallel_map(fn, items, n_jobs=jobs, backend=backend, progress=progress,
                       desc="optimal omega")
    optima = {s: [] for s in schemes}
    for (s, _), o in zip(items, res):
        optima[s].append(o)

    def first(s, key):
        for b, o in zip(bits, optima[s]):
            if _meets(getattr(o, key), threshold):
                return b
        return None

    return BitBudget(alpha=alpha, sigma=sigma, lam=lam, rho=rho, edge_width=eps, bits=bits,
                     schemes=schemes, optima=optima, ridge_eg=ridge_eg, ridge_message=ridge_message,
                     tolerance=tolerance, target_eg=target_eg, reference=reference,
                     threshold=threshold, min_bits={s: first(s, "eg_star") for s in schemes},
                     min_bits_stable={s: first(s, "eg_star_stable") for s in schemes})


def plot_frontier(budget: BitBudget, out_dir, *, stem: str = "frontier") -> list[Path]:
    """Write the frontier ``Eg*(b)`` of ``budget`` as ``<stem>.csv``, ``<stem>.json`` (metadata
    and the full result) and ``<stem>.png`` in ``out_dir``; returns the written paths.

    The plot shows, per scheme, the optimum Eg (solid, filled markers where that optimum is RS
    stable) and the best stable Eg (dashed), with ridge (or the target) as a horizontal line.
    """
    from matplotlib.figure import Figure  # no pyplot: leaves the caller's backend alone

    from .store import atomic_write_bytes, metadata, write_csv, write_json

    if not isinstance(budget, BitBudget):
        raise V.FastqInputError(f"budget must be a BitBudget from fastq.bit_budget (got {type(budget).__name__})")
    out_dir = Path(out_dir)
    header = ["scheme", "bits", "n_p", "omega_star", "eg_star", "stable", "at_star",
              "omega_star_stable", "eg_star_stable", "ridge_eg", "threshold"]
    rows = []
    for s in budget.schemes:
        for o in budget.optima[s]:
            rows.append([s, o.bits, o.n_p, _nan(o.omega_star), _nan(o.eg_star), o.stable, _nan(o.at_star),
                         _nan(o.omega_star_stable), _nan(o.eg_star_stable), _nan(budget.ridge_eg),
                         _nan(budget.threshold)])
    params = {k: getattr(budget, k) for k in ("alpha", "sigma", "lam", "rho", "edge_width", "bits",
                                              "schemes", "tolerance", "target_eg")}
    paths = [write_csv(out_dir / f"{stem}.csv", header, rows),
             write_json(out_dir / f"{stem}.json", {"metadata": metadata("bit_budget", params),
                                                   "result": budget.to_dict()})]

    fig = Figure(figsize=(5.5, 4.0))
    ax = fig.subplots()
    colors = {"uniform": "C0", "log": "C3"}
    b = np.asarray(budget.bits, dtype=float)
    for s in budget.schemes:
        eg = budget.frontier(s)
        eg_s = budget.frontier(s, stable=True)
        st = np.array([o.stable for o in budget.optima[s]])
        c = colors.get(s, None)
        ax.plot(b, eg, "-", color=c, label=f"{s}: optimal omega")
        ax.plot(b[st], eg[st], "o", color=c)
        ax.plot(b[~st], eg[~st], "o", mfc="white", color=c)
        if np.isfinite(eg_s).any():
            ax.plot(b, eg_s, "--", color=c, label=f"{s}: best RS-stable omega")
    if budget.ridge_eg is not None:
        ax.axhline(budget.ridge_eg, color="k", lw=1, label="ridge")
    if budget.target_eg is not None:
        ax.axhline(budget.target_eg, color="0.5", lw=1, ls=":", label="target")
    ax.set_yscale("log")
    ax.set_xlabel("bits b")
    ax.set_ylabel("Eg")
    ax.set_title(f"alpha={budget.alpha:g}, sigma={budget.sigma:g}, lam={budget.lam:g}, "
                 f"eps={budget.edge_width:g}\n(open markers: optimum is RSB)", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120)
    paths.append(atomic_write_bytes(out_dir / f"{stem}.png", buf.getvalue()))
    return paths


def _nan(v):
    return math.nan if v is None else v
