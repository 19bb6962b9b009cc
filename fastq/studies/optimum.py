"""Hyper-parameter advisor: the clipping range omega that minimizes the RS Eg, :func:`optimal_omega`.

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

The search machinery is in :mod:`fastq.studies.omega_search`; :func:`fastq.bit_budget`
(module :mod:`fastq.studies.budget`) runs this search for every number of bits.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from .. import _validate as V
from .advisor import check_also, other_optimum, ptq_optimum
from .omega_search import (
    DEFAULT_N_SCAN,
    _brent,
    _eg,
    _is_stable,
    _local_minima,
    _omega_range,
    _ramp_fraction,
    _spec,
    _stability_edge,
)
from .rsb_grid import check_theory
from .rsb_objective import make_objective


@dataclass(frozen=True)
class OmegaOptimumResult:
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
    theory : "rs", "1rsb" or "auto": which theory's Eg was minimized (stability fields are RS)
    alternatives : the advisor (``also``; :mod:`fastq.studies.advisor`): ``{"1rsb": {...},
        "rs": {...}, "ptq": {...}}`` with each ``omega_star, eg_star, status`` and the Eg of
        that estimator/theory at this result's ``omega_star`` (``eg_at_omega_main``)
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
    edge_convention: str = "absolute"
    theory: str = "rs"
    alternatives: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """The headline numbers (what ``fastq optimize --json`` prints for one quantizer)."""
        return {
            "scheme": self.scheme, "n_p": self.n_p, "bits": self.bits, "edge_width": self.edge_width,
            "edge_convention": self.edge_convention,
            "omega_star": self.omega_star, "eg_star": self.eg_star, "stable": self.stable,
            "at_star": self.at_star,
            "omega_star_stable": self.omega_star_stable, "eg_star_stable": self.eg_star_stable,
            "stable_message": self.stable_message,
            "at_boundary": self.at_boundary, "other_minima": self.other_minima,
            "coexisting": self.coexisting, "ramp_fraction": self.ramp_fraction,
            "status": self.status, "n_solves": self.n_solves, "theory": self.theory,
            **{f"optimum_{k}" if k != "ptq" else "ptq": v for k, v in self.alternatives.items()},
        }

    def to_dict(self, scan: bool = False) -> dict:
        """The record as a plain dict (JSON-ready through :func:`fastq.store.to_json`)."""
        d = asdict(self)
        if not scan:
            for k in ("scan_omega", "scan_eg", "scan_at"):
                d.pop(k)
        return d


def optimal_omega(quantizer_spec, alpha: float, sigma: float, lam: float, rho: float = 1.0, *,
                  edge_width: float | None = None, edge_convention: str | None = None,
                  omega_range: tuple | None = None, n_scan: int = DEFAULT_N_SCAN, rtol: float = 1e-6,
                  margin: float = 0.02, theory: str = "rs", also=()) -> OmegaOptimumResult:
    """The omega minimizing Eg of ``theory`` "rs" (``solve_rs``), "1rsb" or "auto" (``solve_rsb``).

    Parameters
    ----------
    quantizer_spec : Quantizer or mapping
        A :class:`fastq.Quantizer` (any level set, rescaled; omega ignored; its edge width unless
        given) or ``{"scheme": "uniform"|"log", "n_p": N | "bits": B}`` or ``{"scheme": FORMAT}``.
    alpha, sigma, lam, rho : float
        Model (alpha > 0, sigma >= 0, lam >= 0, rho > 0).
    edge_width, edge_convention : float >= 0, optional; "absolute"/"jump", optional
        Edge width eps (and how it is read) at which Eg and the AT stability are evaluated.
        Default: the Quantizer's own, else :data:`fastq.DEFAULT_EDGE_WIDTH` and absolute.
    omega_range : (lo, hi), optional
        Search interval; default ``(0.01, 12) * sqrt(rho)``.  An optimum on its edge is flagged
        (``at_boundary``, status "interval_edge").
    n_scan : int >= 8
        Coarse scan points, geometrically spaced over ``omega_range``.
    rtol : float
        Relative accuracy of the refined omegas (default 1e-6).
    margin : float >= 0
        Other local minima with ``eg <= eg_star * (1 + margin)`` are reported in ``other_minima``.
    theory : "rs", "1rsb" or "auto"
        Whose Eg is minimized (1RSB: the hard quantizer, :func:`fastq.solve_rsb`).
    also : names among "rs", "1rsb", "ptq"
        The advisor (``alternatives``): the optimum under the other theory (1RSB of the hard
        quantizer, a 24-point scan then Brent; seconds at b <= 3, 10-20 s at b = 4) and the best
        ridge-then-round (PTQ) at the same levels and lam (exact, milliseconds); see
        :mod:`fastq.studies.advisor`.

    Returns
    -------
    OmegaOptimumResult
        ``omega_star, eg_star, stable, omega_star_stable, eg_star_stable`` and diagnostics.

    Notes
    -----
    ``Eg(omega)`` is the RS fixed point reached from the uninformed start (as in
    :func:`fastq.solve_rs`); the scan also continues the solution along omega and lists any
    second fixed point it meets in ``coexisting``.  The stable optimum minimizes Eg over omegas
    with ``at < 1`` at ``edge_width``.
    """
    alpha, sigma, lam, rho = V.model(alpha, sigma, lam, rho)
    scheme, n_p, eps, conv, proto = _spec(quantizer_spec, edge_width, edge_convention)
    lo, hi = _omega_range(omega_range, rho)
    n_scan = V.integer("n_scan", n_scan, 8, 100_000)
    rtol = V.in_range("rtol", rtol, 1e-12, 1e-2)
    margin = V.nonnegative("margin", margin)
    also = check_also(also, check_theory(theory))
    res = _optimal_omega(proto, scheme, n_p, eps, conv, alpha, sigma, lam, rho, lo, hi, n_scan, rtol,
                         margin, theory)
    if not also:
        return res
    alt = {}
    for name in also:
        if name == "ptq":
            alt["ptq"] = ptq_optimum(proto, alpha, sigma, lam, rho, (lo, hi), n_scan=max(n_scan, 48), rtol=rtol,
                                     omega_main=res.omega_star)
        else:
            alt[name] = other_optimum(name, proto, (alpha, sigma, lam, rho), edge_width=eps,
                                      edge_convention=conv, omega_range=(lo, hi), rtol=rtol, margin=margin,
                                      omega_main=res.omega_star, n_scan=n_scan)
    return replace(res, alternatives=alt)


def _optimal_omega(proto, scheme, n_p, eps, conv, alpha, sigma, lam, rho, lo, hi, n_scan, rtol, margin,
                   theory):
    """The search of :func:`optimal_omega` on validated inputs."""
    obj = make_objective(theory, proto, alpha, sigma, lam, rho)
    grid, scan = _scan(obj, lo, hi, n_scan)
    egs = np.array([_eg(r) for r in scan])
    ats = np.array([r.at if r.converged else math.nan for r in scan])
    q = proto
    base = dict(scheme=scheme, n_p=n_p, bits=q.bits, edge_width=eps, edge_convention=conv, alpha=alpha, sigma=sigma,
                lam=lam, rho=rho, omega_range=(lo, hi), scan_omega=grid,
                scan_eg=np.where(np.isfinite(egs), egs, np.nan), scan_at=ats, theory=theory)
    if not np.isfinite(egs).any():
        return OmegaOptimumResult(**base, omega_star=None, eg_star=None, at_star=None,
                                  kappa_star=None, stable=False, omega_star_stable=None,
                                  eg_star_stable=None, stable_on_boundary=False,
                                  stable_message="none: no RS solve converged on the interval",
                                  at_boundary=False, converged=False, status="no_converged_point",
                                  n_solves=obj.n_solves, n_not_converged=obj.n_not_converged,
                                  coexisting=obj.coexisting)
    minima = _refine_minima(obj, grid, list(egs), rtol, margin, stable_only=False, stab=None)
    w_star, r_star, _ = minima[0]
    edge_tol = 10 * rtol
    at_boundary = bool(w_star <= lo * (1 + edge_tol) or w_star >= hi * (1 - edge_tol))
    others = [{"omega": w, "eg": r.eg, "at": r.at, "stable": _is_stable(r)}
              for w, r, _ in minima[1:]
              if math.isfinite(_eg(r)) and r.eg <= r_star.eg * (1.0 + margin)
              and abs(math.log(w / w_star)) > 10 * rtol]
    omega_s, eg_s, on_edge, message = _stable_optimum(obj, grid, scan, egs, eps, lo, hi, rtol, margin)
    return OmegaOptimumResult(**base, omega_star=w_star, eg_star=r_star.eg, at_star=r_star.at,
                              kappa_star=r_star.kappa, stable=_is_stable(r_star),
                              omega_star_stable=omega_s, eg_star_stable=eg_s,
                              stable_on_boundary=on_edge, stable_message=message,
                              at_boundary=at_boundary, other_minima=others,
                              coexisting=obj.coexisting, converged=r_star.converged,
                              status="interval_edge" if at_boundary else "ok",
                              n_solves=obj.n_solves, n_not_converged=obj.n_not_converged,
                              ramp_fraction=_ramp_fraction(proto.with_omega(w_star)))


def _scan(obj, lo, hi, n_scan):
    """Coarse geometric scan of ``[lo, hi]``, continuation plus uninformed start at each point."""
    grid = np.geomspace(lo, hi, n_scan)
    grid[0], grid[-1] = lo, hi
    scan = []
    prev = None
    for w in grid:
        r = obj.dual(float(w), prev)
        scan.append(r)
        prev = (r.chi, r.eg) if r.converged else None
    return grid, scan


def _refine_minima(obj, grid, vals, rtol, margin, *, stable_only, stab):
    """Refine the promising coarse local minima of ``vals`` (inf = excluded) by bounded Brent;
    with ``stable_only`` the brackets stop at the stability boundary (bisection on ``at = 1``).

    Returns ``[(omega, result, on_stability_edge)]`` sorted by Eg (verified from the uninformed
    start; unstable results dropped when ``stable_only``).
    """
    n_scan = len(vals)
    best_val = min(v for v in vals if math.isfinite(v))
    screen = best_val * (1.0 + max(3.0 * margin, 0.05))
    cand = [k for k in _local_minima(vals) if vals[k] <= screen]
    cand = sorted(cand, key=lambda k: vals[k])[:6]
    found = []
    for k in cand:
        a, b = float(grid[max(k - 1, 0)]), float(grid[min(k + 1, n_scan - 1)])
        edges = []
        if stable_only and k > 0 and not stab[k - 1]:
            a, ra = _stability_edge(obj, float(grid[k]), float(grid[k - 1]), rtol)
            edges.append((a, ra))
        if stable_only and k < n_scan - 1 and not stab[k + 1]:
            b, rb = _stability_edge(obj, float(grid[k]), float(grid[k + 1]), rtol)
            edges.append((b, rb))
        if stable_only:
            best = _brent(obj, a, b, rtol, stable_only=True) if b > a * (1 + rtol) else None
        else:
            best = _brent(obj, a, b, rtol, stable_only=False)
        is_edge = False
        for e in edges:
            if _is_stable(e[1]) and (best is None or _eg(e[1]) <= _eg(best[1])):
                best, is_edge = e, True
        if best is None:
            continue
        w, r = best
        r, _ = obj.verify(w)
        if not stable_only or _is_stable(r):
            found.append((w, r, is_edge))
    found.sort(key=lambda x: _eg(x[1]))
    return found


def _stable_optimum(obj, grid, scan, egs, eps, lo, hi, rtol, margin):
    """The best RS-stable omega: ``(omega, eg, on_stability_edge, message)`` (None, None, False,
    "none: ...") when there is none.
    """
    stab = np.array([_is_stable(r) for r in scan])
    if eps == 0.0:
        return None, None, False, (f"none: the hard quantizer (edge_width = 0) has at = inf, so no "
                                   f"omega in [{lo:g}, {hi:g}] gives a stable RS solution")
    if not stab.any():
        return None, None, False, (f"none: no omega in [{lo:g}, {hi:g}] gives a stable RS solution "
                                   f"(at < 1) at edge_width = {eps:g}")
    seg_vals = [egs[k] if stab[k] else math.inf for k in range(len(grid))]
    found = _refine_minima(obj, grid, seg_vals, rtol, margin, stable_only=True, stab=stab)
    if not found:
        return None, None, False, (f"none: no stable omega survived refinement in [{lo:g}, {hi:g}] "
                                   f"at edge_width = {eps:g}")
    omega_s, rs_, on_edge = found[0]
    if min(abs(omega_s - lo), abs(omega_s - hi)) <= 2 * rtol * max(abs(omega_s), 1e-300):
        where = "at an end of the search interval, not a minimum: widen the omega range"
    elif on_edge:
        where = "on the stability boundary at = 1"
    else:
        where = "an interior minimum"
    return omega_s, rs_.eg, on_edge, f"best stable omega = {omega_s:.6g} ({where}), Eg = {rs_.eg:.6g}"
