"""Cold and warm 1RSB solves on top of :mod:`._rsb_newton` (the logic behind :func:`solve_rsb`).

Cold (no neighbour): the RS point of the hard quantizer, then fixed-mu fixed points on the mu grid
(each Broyden-solved, warm from the previous mu; the grid extended beyond an end while the best
point sits there, within [MU_LO, MU_HI]), the best valid grid point, then the joint solve in
(chi, Delta, Q, m, log mu) from it.  Warm (a neighbour's unknowns and Jacobian): the joint solve
directly; if it does not give a valid maximum (converged, chi >= 0, d2e/dmu2 < 0, not below the RS
energy) the point is solved cold (unless ``cold`` is False).  A maximum at mu outside
[MU_LO, MU_HI] is returned with status ``mu_at_edge`` and its warm token, so a grid line does not
rescan every such point.  Either way the result is a plain dict of the :class:`RSBResult`
fields and a warm token ``(v, J)`` for the next point (None when there is no valid solution).
"""
from __future__ import annotations

import math

import numpy as np

from ._rsb_fast import OUT_ENERGY, OUT_THETA
from ._rsb_newton import QUAD_TOL, fixed_mu, point
from .saddle import solve_rs

NAN = math.nan
#: hard limits of mu: a maximum of e(mu) outside the scan grid is followed (warm start, or the cold
#: scan extended geometrically beyond an end of the grid) up to these; beyond them: ``mu_at_edge``.
#: Above ~1.2e5 the outer rule no longer resolves the tilted integrand: on the Fig. 2(a) map such
#: "maxima" had energies up to 3e-6 below RS, which a maximum over mu cannot have (docs/rsb.md)
MU_LO, MU_HI = 1e-4, 1e5


def _rs_part(q, model):
    alpha, sigma, lam, rho = model
    rs = solve_rs(q, *model)
    if not rs.converged:
        return rs, {"energy_rs": NAN, "eg_rs": NAN, "kappa_rs": NAN}
    return rs, {"energy_rs": alpha * rs.eg / (1.0 + rs.chi) ** 2 + 0.5 * lam * rs.Q, "eg_rs": rs.eg,
                "kappa_rs": rs.kappa}


def _record(res, q, model, rs_part, status):
    alpha, sigma, lam, rho = model
    chi, delta, Q, m = (float(t) for t in res["v"][:4])
    out = res["out"]
    jumps = np.asarray(q.jumps, dtype=np.float64)
    kappa1 = alpha / (1.0 + chi) ** 2 * float(np.sum(jumps**2 * res["dens"][: jumps.size])) / out[OUT_THETA]
    return dict(energy=float(out[OUT_ENERGY]), eg=0.5 * (Q - 2.0 * m + rho + sigma**2), Q=Q, m=m, chi=chi,
                delta=delta, q0=Q - delta, mu=float(res["mu"]), d2e_dmu2=float(res["d2e_dmu2"]),
                kappa1=kappa1, quad_error=float(res["quad_error"]), collapsed=bool(delta < 1e-8),
                converged=status == "converged", status=status, iterations=int(res["n_eval"]), **rs_part)


def failed(rs_part, status):
    """The record of a point without a valid 1RSB solution (numbers nan)."""
    return dict(energy=NAN, eg=NAN, Q=NAN, m=NAN, chi=NAN, delta=NAN, q0=NAN, mu=NAN, d2e_dmu2=NAN,
                kappa1=NAN, quad_error=NAN, collapsed=False, converged=False, status=status, iterations=0,
                **rs_part)


def _good(res, lo, hi, e_rs):
    return _maximum(res, e_rs) and lo <= res["mu"] <= hi


def _maximum(res, e_rs):
    """A converged stationary point with chi >= 0 that is a maximum of e(mu) and not below the RS
    energy ``e_rs`` (e(mu) tends to it as mu -> 0, so the maximum over mu cannot lie below it; the
    tolerance is the quadrature tolerance).
    """
    return (res is not None and res["v"][0] >= 0.0 and res["d2e_dmu2"] < 0.0
            and not res["out"][OUT_ENERGY] < e_rs - QUAD_TOL)


def _scan(args, start, grid, n_nodes):
    """Fixed-mu solves along the grid, each from the previous valid one (the first from ``start``
    after 40 damped map steps; an invalid root is retried after 200 damped steps, which find the
    attracting fixed point the damped iteration of the reference finds).  Returns a list of
    ``(x, energy, valid)``.
    """
    x, J, pre, scan = np.asarray(start, dtype=np.float64), None, 40, []
    for mu in grid:
        x1, J1, e, st = fixed_mu(args, x, mu, n_nodes, J, pre=pre)
        valid = st == "converged" and math.isfinite(e) and x1[0] >= 0.0
        if not valid and pre < 200:  # near chi = 0 roots coexist: let the damped map pick (as before)
            x2, J2, e2, st2 = fixed_mu(args, x, mu, n_nodes, None, pre=200)
            if st2 == "converged" and math.isfinite(e2) and x2[0] >= 0.0:
                x1, J1, e, st, valid = x2, J2, e2, st2, True
        scan.append((x1, e, valid))
        if valid and x1[1] > 1e-9:
            x, J, pre = x1, J1, 0
    return scan


def _extend(args, scan, grid, n_nodes):
    """While the best valid point of the scan is at an end of the grid, add grid points beyond that
    end (same ratio, warm from the end point) until e(mu) falls, a point is invalid or mu leaves
    [MU_LO, MU_HI].  Returns the extended ``(scan, grid)``.
    """
    grid = list(grid)
    ratio = grid[1] / grid[0]
    while True:
        good = [i for i, s in enumerate(scan) if s[2]]
        if not good:
            return scan, grid
        best = max(good, key=lambda i: scan[i][1])
        if best == len(grid) - 1 and grid[-1] * ratio <= MU_HI:
            mu, end = grid[-1] * ratio, -1
        elif best == 0 and grid[0] / ratio >= MU_LO:
            mu, end = grid[0] / ratio, 0
        else:
            return scan, grid
        x1, _, e, st = fixed_mu(args, scan[end][0], mu, n_nodes, None)
        item = (x1, e, st == "converged" and math.isfinite(e) and x1[0] >= 0.0)
        if end == 0:
            scan, grid = [item] + scan, [mu] + grid
        else:
            scan, grid = scan + [item], grid + [mu]
        if not item[2]:
            return scan, grid


def solve(q, model, grid, n_nodes, warm=None, cold=True):
    """One 1RSB point of the hard quantizer ``q``: ``(record dict, warm token)``.  With ``cold``
    False a failed warm start is not followed by a cold solve (status ``max_iter``, numbers nan).
    """
    rs, rs_part = _rs_part(q, model)
    args = (np.asarray(q.levels, dtype=np.float64), np.asarray(q.thresholds, dtype=np.float64), model)
    if warm is not None:
        res = point(args, warm[0], warm[1], n_nodes)
        if _maximum(res, rs_part["energy_rs"]):  # a maximum beyond [MU_LO, MU_HI]: the stationary point, flagged
            status = res["status"] if MU_LO <= res["mu"] <= MU_HI else "mu_at_edge"
            return _record(res, q, model, rs_part, status), (res["v"], res["J"])
        if not cold:
            return failed(rs_part, "max_iter"), None
    if not rs.converged:
        return failed(rs_part, "diverged"), None
    start = (rs.chi, 0.3 * min(rs.Q, 2.0 * rs.eg), rs.Q, rs.m)
    scan, grid = _extend(args, _scan(args, start, grid, n_nodes), grid, n_nodes)
    good = [i for i, s in enumerate(scan) if s[2]]
    if not good:
        return failed(rs_part, "diverged"), None
    best = max(good, key=lambda i: scan[i][1])
    lo, hi = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    at_edge = best in (0, len(grid) - 1) or not (scan[best - 1][2] and scan[best + 1][2])
    v0 = np.append(scan[best][0], math.log(grid[best]))
    res = point(args, v0, None, n_nodes)
    if not _good(res, lo, hi, rs_part["energy_rs"]) or res["out"][OUT_ENERGY] < scan[best][1] - 1e-12:
        if at_edge and res is not None and res["v"][0] >= 0.0:
            token = (res["v"], res["J"]) if _maximum(res, rs_part["energy_rs"]) else None
            return _record(res, q, model, rs_part, "mu_at_edge"), token
        return failed(rs_part, "mu_at_edge" if at_edge else "max_iter"), None
    status = "mu_at_edge" if at_edge else res["status"]
    return _record(res, q, model, rs_part, status), (res["v"], res["J"])
