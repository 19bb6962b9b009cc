"""The advisor beside an omega optimum: the other theory's optimum and ridge-then-round (PTQ).

:func:`fastq.optimal_omega` with ``also=("1rsb", "ptq")`` (``fastq optimize`` does this by
default) reports, beside the optimum of its own theory:

* **1RSB** -- the omega minimizing the zero-temperature 1RSB Eg of the hard quantizer
  (:func:`fastq.solve_rsb`; the same search with ``theory="1rsb"``, edge width 0, a coarser scan
  of :data:`RSB_SCAN` points then Brent), and the 1RSB Eg at the main optimum's omega (what
  following the main advice gives under 1RSB).  ``"rs"`` is the RS optimum when the main theory
  is 1RSB.
* **PTQ** -- ridge regression at the same ``lam``, its weights rounded to the same levels (hard)
  at their own best omega.  With ridge's effective field ``x = m_hat w0 + sqrt(chi_hat) z``
  (``fastq.ridge``) the rounded weights are ``phi(x / Theta)`` and, since
  ``E[w0 | x] = (m_hat rho / h^2) x``, ``Eg_PTQ = (E phi^2 - 2 (m_hat rho / h) E[z phi(h z / Theta)]
  + rho + sigma^2) / 2``: Gaussian moments of a piecewise-constant function, exact with erf
  (the formula of ``fastq.qat.compare``'s ``eg_ptq``, evaluated here with the same kernel
  ``fastq.gauss._pl_moments``, because ``qat`` and ``studies`` are separate systems).  PTQ
  needs a finite ridge: ``lam = 0`` with ``alpha <= 1`` gives status ``no_finite_ridge``.
  PTQ's Eg is exact for any N -> infinity instance (no replica assumption beyond ridge's, which
  is convex), so it needs no stability caveat.
"""
from __future__ import annotations

import math
import time

import numpy as np

from ..gauss import _pl_moments
from ..replica import NoFiniteSolution, ridge, solve_rsb
from .omega_search import _local_minima

#: coarse scan points of the 1RSB search beside an RS optimum (the 1RSB Eg(omega) is smooth;
#: 24 points on the default interval reproduce the 48-point optima of docs/replica_claims.md)
RSB_SCAN = 24
#: what ``also`` may hold
ALSO = ("rs", "1rsb", "ptq")


def check_also(also, theory) -> tuple:
    """``also`` as a tuple of :data:`ALSO` names, without the main ``theory`` itself."""
    from .. import _validate as V

    if also is None:
        return ()
    if isinstance(also, str):
        also = (also,)
    out = []
    for a in also:
        if a not in ALSO:
            raise V.FastqInputError(f"also must hold names among {', '.join(ALSO)} (got {a!r})")
        main = "1rsb" if theory in ("1rsb", "auto") else "rs"
        if a != main and a not in out:
            out.append(a)
    return tuple(out)


def ptq_eg(quantizer, alpha, sigma, lam, rho=1.0, *, ridge_result=None) -> float:
    """Eg of ridge (penalty ``lam``) rounded to the levels of ``quantizer`` (hard), exactly
    (module docstring); raises :class:`fastq.NoFiniteSolution` when ridge has none.
    """
    rr = ridge(alpha, sigma, lam, rho) if ridge_result is None else ridge_result
    opc = 1.0 + rr.chi
    mhat = alpha / opc
    chihat = 2.0 * alpha * rr.eg / (opc * opc)
    h = math.sqrt(mhat * mhat * rho + chihat)
    breaks, value, slope, centre = quantizer.hard().pieces
    sc = h / rr.theta
    _, i2, iz, _ = _pl_moments(breaks / sc, value, slope * sc, centre / sc)
    return 0.5 * (i2 - 2.0 * mhat * rho * iz / h + rho + sigma * sigma)


def ptq_optimum(proto, alpha, sigma, lam, rho, omega_range, *, n_scan=96, rtol=1e-6,
                omega_main=None) -> dict:
    """The omega minimizing PTQ's Eg for the level family ``proto`` (scan + bounded Brent on the
    three best local minima); ``eg_at_omega_main`` is PTQ's Eg at ``omega_main``.
    """
    from scipy.optimize import minimize_scalar

    t0 = time.perf_counter()
    try:
        rr = ridge(alpha, sigma, lam, rho)
    except NoFiniteSolution as e:
        return {"status": "no_finite_ridge", "omega_star": None, "eg_star": None, "ridge_eg": None,
                "eg_at_omega_main": None, "message": str(e)}

    def f(w):
        return ptq_eg(proto.with_omega(float(w)), alpha, sigma, lam, rho, ridge_result=rr)

    lo, hi = omega_range
    grid = np.geomspace(lo, hi, n_scan)
    vals = [f(w) for w in grid]
    best = (math.inf, None)
    for k in sorted(_local_minima(vals), key=lambda k: vals[k])[:3]:
        a, b = float(grid[max(k - 1, 0)]), float(grid[min(k + 1, n_scan - 1)])
        r = minimize_scalar(f, bounds=(a, b), method="bounded", options={"xatol": rtol * a})
        for w, v in ((float(r.x), float(r.fun)), (float(grid[k]), vals[k])):
            if v < best[0]:
                best = (v, w)
    eg, w = best
    edge = w <= lo * (1 + 10 * rtol) or w >= hi * (1 - 10 * rtol)
    return {"status": "interval_edge" if edge else "ok", "omega_star": w, "eg_star": eg,
            "ridge_eg": rr.eg, "eg_at_omega_main": None if omega_main is None else f(omega_main),
            "seconds": time.perf_counter() - t0}


def other_optimum(theory, proto, model, *, edge_width, edge_convention, omega_range, rtol,
                  margin, omega_main, n_scan=RSB_SCAN) -> dict:
    """The optimum of the other ``theory`` ("1rsb": hard quantizer, at most :data:`RSB_SCAN` of the
    ``n_scan`` scan points;
    "rs": the main run's edge width) and its theory's Eg at ``omega_main``; ``proto`` is the
    level family (a Quantizer, omega ignored).
    """
    from .optimum import optimal_omega

    t0 = time.perf_counter()
    if theory == "1rsb":
        o = optimal_omega(proto, *model, edge_width=0.0, edge_convention="absolute",
                          omega_range=omega_range, n_scan=min(RSB_SCAN, n_scan), rtol=rtol, margin=margin,
                          theory="1rsb")
    else:
        o = optimal_omega(proto, *model, edge_width=edge_width, edge_convention=edge_convention,
                          omega_range=omega_range, n_scan=n_scan, rtol=rtol, margin=margin, theory="rs")
    at_main = None
    if omega_main is not None:
        q = proto.with_omega(float(omega_main)).with_edge_width(o.edge_width, o.edge_convention)
        if theory == "1rsb":
            r = solve_rsb(q, *model)
        else:
            from ..replica import solve_rs

            r = solve_rs(q, *model)
        at_main = r.eg if r.converged else None
    return {"status": o.status, "omega_star": o.omega_star, "eg_star": o.eg_star,
            "edge_width": o.edge_width, "eg_at_omega_main": at_main, "n_solves": o.n_solves,
            "n_not_converged": o.n_not_converged, "seconds": time.perf_counter() - t0}

