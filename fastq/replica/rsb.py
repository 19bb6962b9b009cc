"""Zero-temperature one-step replica symmetry breaking (1RSB): :func:`solve_rsb`.

The derivation is in ``docs/rsb.md``.  Unknowns: the self-overlap ``Q``, the teacher overlap
``m``, the susceptibility ``chi = beta (Q - q1)`` and the gap ``Delta = q1 - q0`` between the
within-state and between-state overlaps, at a Parisi parameter ``mu = beta x`` (x the block size).
Given them (``L = 1 + chi + mu Delta``, ``g0 = rho - 2 m + Q - Delta + sigma^2``)::

    mhat = alpha / L,  h0^2 = alpha g0 / L^2,  h1^2 = alpha Delta / ((1 + chi) L),
    theta = alpha / L + mu h1^2 + lam,  H0^2 = mhat^2 rho + h0^2

and the site averages of :mod:`fastq.replica._rsb_map` (inner exact, outer by Gauss-Legendre)
give the new values ``Q = E<d^2>``, ``Delta = Q - E<d>^2``, ``chi = E[z0 <d>] / H0 - mu Delta``,
``m = mhat rho E[z0 <d>] / H0``.  The ground-state energy per weight at the fixed point is the
replica functional (:func:`_energy`); the physical ``mu`` maximizes it (zero complexity).
``mu = 0`` is replica symmetry exactly, whatever ``Delta``.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from .. import _validate as V
from ..gauss import gauss_legendre
from ..quantizers import Quantizer
from ._rsb_map import _rsb_moments
from .saddle import solve_rs

#: half-width of the outer z0 range (Gaussian mass beyond it ~1e-23)
Z_MAX = 10.0


def _outer_rule(theta, h0_total, h1, thresholds, n_nodes):
    """Composite Gauss-Legendre rule on [-Z_MAX, Z_MAX], split at each threshold's outer field
    ``theta t_j / H0`` and at ``+-{0.5, 1.5, 4} h1 / H0`` around it (where the inner average
    changes fast), and every 0.5 elsewhere.
    """
    br = [np.arange(-Z_MAX, Z_MAX + 1e-12, 0.5)]
    for t in thresholds:
        z = theta * t / h0_total
        br.append(z + np.array([-4, -1.5, -0.5, 0.0, 0.5, 1.5, 4]) * h1 / h0_total)
    b = np.unique(np.clip(np.concatenate(br), -Z_MAX, Z_MAX))
    b = b[np.concatenate([[True], np.diff(b) > 1e-13])]
    return gauss_legendre(b[:-1], b[1:], n_nodes)


def _fields(state, mu, alpha, sigma, lam, rho):
    chi, delta, q, m = state
    L = 1.0 + chi + mu * delta
    g0 = rho - 2.0 * m + q - delta + sigma**2
    mhat = alpha / L
    h0sq = alpha * g0 / L**2
    h1sq = alpha * delta / ((1.0 + chi) * L)
    theta = alpha / L + mu * h1sq + lam
    return L, g0, mhat, h0sq, h1sq, theta, math.sqrt(mhat**2 * rho + h0sq)


def _moments(quantizer, state, mu, model, n_nodes):
    alpha, sigma, lam, rho = model
    L, g0, mhat, h0sq, h1sq, theta, H0 = _fields(state, mu, alpha, sigma, lam, rho)
    h1 = math.sqrt(max(h1sq, 0.0))
    th = np.asarray(quantizer.thresholds, dtype=np.float64)
    nodes, weights = _outer_rule(theta, H0, h1, th, n_nodes)
    dens = np.empty(th.size)
    Q, q0, S, F = _rsb_moments(H0, h1, mu, theta, np.asarray(quantizer.levels, dtype=np.float64),
                               th, nodes, weights, dens)
    return {"Q": Q, "q0": q0, "S": S, "F": F, "dens": dens, "theta": theta, "H0": H0, "mhat": mhat,
            "h0sq": h0sq, "h1sq": h1sq, "L": L, "g0": g0}


def _update(quantizer, state, mu, model, n_nodes):
    mo = _moments(quantizer, state, mu, model, n_nodes)
    delta = max(mo["Q"] - mo["q0"], 0.0)
    chi = mo["S"] / mo["H0"] - mu * delta
    m = mo["mhat"] * model[3] * mo["S"] / mo["H0"]
    return np.array([chi, delta, mo["Q"], m]), mo


def _energy(state, mu, model, mo):
    """Replica functional at a fixed point: energetic (square loss) + entropic (site) terms."""
    alpha, sigma, lam, rho = model
    chi, delta, q, m = state
    if mu > 0.0:
        ener = alpha * (math.log1p(mu * delta / (1.0 + chi)) / (2.0 * mu) + mo["g0"] / (2.0 * mo["L"]))
    else:
        ener = alpha * (delta + mo["g0"]) / (2.0 * (1.0 + chi))
    qhat = alpha / mo["L"] + mu * mo["h1sq"]
    ent = (-qhat * q / 2.0 + mo["mhat"] * m + (mo["h0sq"] + mo["h1sq"]) * chi / 2.0
           + mu / 2.0 * (mo["h0sq"] * delta + mo["h1sq"] * q) + mo["F"])
    return ener + ent


def fixed_point(quantizer, mu, model, start, *, tol=1e-11, max_iter=4000, damping=0.5, n_nodes=10):
    """Damped iteration of the 1RSB map at fixed ``mu`` from ``start = (chi, Delta, Q, m)``.

    Returns ``(state, moments, converged, iterations, residual)``.
    """
    x = np.asarray(start, dtype=np.float64)
    res = math.inf
    for it in range(1, max_iter + 1):
        new, mo = _update(quantizer, x, mu, model, n_nodes)
        if not np.all(np.isfinite(new)):
            return x, mo, False, it, math.inf
        res = float(np.max(np.abs(new - x) / np.maximum(1.0, np.abs(x))))
        x = (1.0 - damping) * x + damping * new
        if res <= tol:
            new, mo = _update(quantizer, x, mu, model, n_nodes)
            return x, mo, True, it, res
    return x, mo, False, max_iter, res


@dataclass(frozen=True)
class RSBResult:
    """1RSB ground state at the energy-maximizing ``mu`` (docs/rsb.md).

    energy : ground-state training objective per weight (``min_d H / N``)
    eg, Q, m, chi, delta, mu : observables and order parameters; ``delta = q1 - q0``
    q0 : between-state overlap ``Q - delta``
    energy_rs, eg_rs : the RS values (hard quantizer) at the same model
    d2e_dmu2 : curvature of e(mu) at the optimum (< 0: a genuine maximum)
    kappa1 : jump coefficient of the within-state replicon (analogue of RS kappa; > 0 means the
        1RSB state of the hard quantizer is itself not locally stable, docs/rsb.md)
    quad_error : change of (energy, Q, chi, delta) when the outer rule is doubled
    collapsed : the nontrivial solution fell back to delta = 0 (RS)
    converged, status, iterations : solver outcome; status "mu_at_edge" when the maximum of
        e(mu) is at an end of the scanned grid (not a stationary point: not converged)
    """

    energy: float
    eg: float
    Q: float
    m: float
    chi: float
    delta: float
    q0: float
    mu: float
    energy_rs: float
    eg_rs: float
    d2e_dmu2: float
    kappa1: float
    quad_error: float
    collapsed: bool
    converged: bool
    status: str
    iterations: int

    def to_dict(self) -> dict:
        """The record as a plain dict (JSON-ready through :func:`fastq.store.to_json`)."""
        return asdict(self)


def _rs_energy(rs, alpha, lam):
    return alpha * rs.eg / (1.0 + rs.chi) ** 2 + 0.5 * lam * rs.Q


def energy_at_mu(quantizer, mu, alpha, sigma, lam, rho=1.0, *, start=None, n_nodes=10):
    """The 1RSB fixed point and energy at a given ``mu >= 0`` (for scans and tests).

    Returns a dict with energy, eg, Q, m, chi, delta, converged, iterations and ``state``.
    """
    q = _hard(quantizer)
    model = V.model(alpha, sigma, lam, rho)
    mu = V.nonnegative("mu", mu)
    if start is None:
        rs = solve_rs(q, *model)
        start = (rs.chi, 0.3 * rs.Q, rs.Q, rs.m)
    x, mo, ok, it, res = fixed_point(q, mu, model, start, n_nodes=n_nodes)
    chi, delta, qq, m = x
    return {"energy": _energy(x, mu, model, mo), "eg": 0.5 * (qq - 2 * m + model[3] + model[1] ** 2),
            "Q": qq, "m": m, "chi": chi, "delta": delta, "mu": mu, "converged": ok,
            "iterations": it, "residual": res, "state": x, "moments": mo}


def _hard(quantizer):
    if not isinstance(quantizer, Quantizer):
        raise V.FastqInputError("quantizer must be a fastq.Quantizer")
    return quantizer.hard()


def solve_rsb(quantizer: Quantizer, alpha, sigma, lam, rho=1.0, *, mu_grid=None,
              n_nodes: int = 10) -> RSBResult:
    """Zero-temperature 1RSB ground state of the hard quantizer: maximize e(mu) over mu.

    A scan over ``mu_grid`` (default 16 values from 0.1 to 500, log-spaced; warm-started), then a
    bounded Brent search around the best point.  The edge width of ``quantizer`` is ignored
    (hard levels, as for the exact minimizer).  ``n_nodes`` Gauss-Legendre nodes per outer
    interval; the result is recomputed with ``2 n_nodes`` and the change is ``quad_error``.
    """
    q = _hard(quantizer)
    model = V.model(alpha, sigma, lam, rho)
    n_nodes = V.integer("n_nodes", n_nodes, 2, 200)
    grid = np.geomspace(0.1, 500.0, 16) if mu_grid is None else np.asarray(mu_grid, dtype=np.float64)
    rs = solve_rs(q, *model)
    e_rs = _rs_energy(rs, model[0], model[2])
    start = (rs.chi, 0.3 * rs.Q, rs.Q, rs.m)
    cache = {}

    def run(mu, st):
        r = energy_at_mu(q, mu, *model, start=st, n_nodes=n_nodes)
        cache[float(mu)] = r
        return r

    scan, st = [], start
    for mu in grid:
        r = run(mu, st)
        scan.append(r)
        if r["converged"] and r["delta"] > 1e-9:
            st = r["state"]
    ok = [r for r in scan if r["converged"]]
    if not ok:
        return _failed(rs, e_rs)
    best = max(range(len(scan)), key=lambda i: scan[i]["energy"] if scan[i]["converged"] else -math.inf)
    lo = grid[max(best - 1, 0)]
    hi = grid[min(best + 1, grid.size - 1)]
    st = scan[best]["state"]
    opt = minimize_scalar(lambda mu: -run(mu, st)["energy"], bounds=(lo, hi), method="bounded",
                          options={"xatol": 1e-5 * hi})
    r = run(float(opt.x), st)
    h = 1e-2 * r["mu"]
    ep, em = run(r["mu"] + h, r["state"])["energy"], run(r["mu"] - h, r["state"])["energy"]
    d2 = (ep - 2 * r["energy"] + em) / h**2
    r2 = energy_at_mu(q, r["mu"], *model, start=r["state"], n_nodes=2 * n_nodes)
    qerr = max(abs(r2[k] - r[k]) for k in ("energy", "Q", "chi", "delta"))
    mo = r["moments"]
    kappa1 = model[0] / (1 + r["chi"]) ** 2 * float(np.sum(np.asarray(q.jumps) ** 2 * mo["dens"])) / mo["theta"]
    collapsed = bool(r["delta"] < 1e-8)
    at_edge = best == grid.size - 1 or best == 0
    conv = bool(r["converged"] and r2["converged"] and qerr < 1e-7 and not at_edge)
    return RSBResult(energy=r["energy"], eg=r["eg"], Q=r["Q"], m=r["m"], chi=r["chi"], delta=r["delta"],
                     q0=r["Q"] - r["delta"], mu=r["mu"], energy_rs=e_rs, eg_rs=rs.eg, d2e_dmu2=d2,
                     kappa1=kappa1, quad_error=qerr, collapsed=collapsed, converged=conv,
                     status="converged" if conv else ("mu_at_edge" if at_edge else "max_iter"), iterations=int(r["iterations"]))


def _failed(rs, e_rs):
    nan = math.nan
    return RSBResult(energy=nan, eg=nan, Q=nan, m=nan, chi=nan, delta=nan, q0=nan, mu=nan,
                     energy_rs=e_rs, eg_rs=rs.eg, d2e_dmu2=nan, kappa1=nan, quad_error=nan,
                     collapsed=False, converged=False, status="max_iter", iterations=0)
