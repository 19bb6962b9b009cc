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
replica functional (:func:`functional`); the physical ``mu`` maximizes it (zero complexity).
``mu = 0`` is replica symmetry exactly, whatever ``Delta``.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from .. import _validate as V
from ..quantizers import Quantizer
from . import _rsb_solve
from ._rsb_fast import outer_rule as _outer_rule
from ._rsb_map import _rsb_moments
from .saddle import solve_rs


class _OutOfDomain(Exception):
    """An iterate left the domain of the functional (chi <= -1, Delta < 0, Q <= 0 or g0 <= 0), or
    ran away (chi or Delta above 1e10).
    """


def _in_domain(state, model):
    chi, delta, q, m = state
    g0 = model[3] - 2.0 * m + q - delta + model[1] ** 2
    return bool(np.all(np.isfinite(state)) and -1.0 < chi < 1e10 and 0.0 <= delta < 1e10 and q > 0.0 and g0 > 0.0)


def _fields(state, mu, alpha, sigma, lam, rho):
    """Conjugates at ``state`` (the stationarity conditions of the energetic part, docs/rsb.md)."""
    if not _in_domain(state, (alpha, sigma, lam, rho)):
        raise _OutOfDomain
    chi, delta, q, m = state
    L = 1.0 + chi + mu * delta
    g0 = rho - 2.0 * m + q - delta + sigma**2
    mhat = alpha / L
    h0sq = alpha * g0 / L**2
    h1sq = alpha * delta / ((1.0 + chi) * L)
    theta = alpha / L + mu * h1sq + lam
    return L, g0, mhat, h0sq, h1sq, theta, math.sqrt(mhat**2 * rho + h0sq)


def _site_averages(quantizer, theta, H0, h1, mu, rule):
    """``(Q, q0, S, F, dens)`` of the site problem; ``h1`` is floored at ``1e-12 H0`` (Delta = 0
    is then the hard RS average to ~1e-12).
    """
    h1 = max(h1, 1e-12 * H0)
    th = np.asarray(quantizer.thresholds, dtype=np.float64)
    nodes, weights = rule if rule is not None else _outer_rule(theta, H0, h1, th, 10)
    dens = np.empty(th.size)
    Q, q0, S, F = _rsb_moments(H0, h1, mu, theta, np.asarray(quantizer.levels, dtype=np.float64),
                               th, nodes, weights, dens)
    return Q, q0, S, F, dens


def _moments(quantizer, state, mu, model, n_nodes):
    alpha, sigma, lam, rho = model
    L, g0, mhat, h0sq, h1sq, theta, H0 = _fields(state, mu, alpha, sigma, lam, rho)
    h1 = math.sqrt(h1sq)
    rule = _outer_rule(theta, H0, max(h1, 1e-12 * H0), np.asarray(quantizer.thresholds, dtype=np.float64),
                       n_nodes)
    Q, q0, S, F, dens = _site_averages(quantizer, theta, H0, h1, mu, rule)
    return {"Q": Q, "q0": q0, "S": S, "F": F, "dens": dens, "theta": theta, "H0": H0, "mhat": mhat,
            "h0sq": h0sq, "h1sq": h1sq, "L": L, "g0": g0, "rule": rule}


def _update(quantizer, state, mu, model, n_nodes):
    mo = _moments(quantizer, state, mu, model, n_nodes)
    delta = max(mo["Q"] - mo["q0"], 0.0)
    chi = mo["S"] / mo["H0"] - mu * delta
    m = mo["mhat"] * model[3] * mo["S"] / mo["H0"]
    return np.array([chi, delta, mo["Q"], m]), mo


def functional(quantizer, x, mu, model, rule):
    """The zero-temperature 1RSB functional f (docs/rsb.md, eq. F) at arbitrary arguments.

    ``x = (Q, m, chi, Delta, theta, mhat, h0sq, h1sq)``: the order parameters and their conjugates
    (``theta`` includes ``lam``).  ``rule = (nodes, weights)`` is the outer z0 rule.  The fixed
    point of the map is a stationary point of f in all eight arguments; its value there is the
    energy.  Returns ``nan`` outside the domain.
    """
    alpha, sigma, lam, rho = model
    q, m, chi, delta, theta, mhat, h0sq, h1sq = (float(v) for v in x)
    g0 = rho - 2.0 * m + q - delta + sigma**2
    if not (chi > -1.0 and delta >= 0.0 and h0sq >= 0.0 and h1sq >= 0.0 and 1.0 + chi + mu * delta > 0.0):
        return math.nan
    L = 1.0 + chi + mu * delta
    if mu > 0.0:
        ener = alpha * (math.log1p(mu * delta / (1.0 + chi)) / (2.0 * mu) + g0 / (2.0 * L))
    else:
        ener = alpha * (delta + g0) / (2.0 * (1.0 + chi))
    H0 = math.sqrt(mhat**2 * rho + h0sq)
    F = _site_averages(quantizer, theta, H0, math.sqrt(h1sq), mu, rule)[3]
    return (ener - (theta - lam) * q / 2.0 + mhat * m + (h0sq + h1sq) * chi / 2.0
            + mu / 2.0 * (h1sq * q + h0sq * delta) + F)


def _energy(quantizer, state, mu, model, mo):
    """The functional at a fixed point (conjugates from the state, same outer rule)."""
    chi, delta, q, m = state
    x = (q, m, chi, delta, mo["theta"], mo["mhat"], mo["h0sq"], mo["h1sq"])
    return functional(quantizer, x, mu, model, mo["rule"])


def fixed_point(quantizer, mu, model, start, *, tol=1e-11, max_iter=4000, damping=0.5, n_nodes=10):
    """Damped iteration of the 1RSB map at fixed ``mu`` from ``start = (chi, Delta, Q, m)``.

    A step that would leave the domain (chi <= -1, Delta < 0, Q <= 0, g0 <= 0) is halved until it
    stays inside (the domain is convex).  Returns ``(state, moments, status, iterations, residual)``
    with status ``converged``, ``max_iter`` or ``diverged`` (non-finite map, or the start outside
    the domain); ``moments`` is None when diverged.
    """
    x = np.asarray(start, dtype=np.float64)
    res = math.inf
    try:
        for it in range(1, max_iter + 1):
            new, mo = _update(quantizer, x, mu, model, n_nodes)
            if not np.all(np.isfinite(new)):
                return x, None, "diverged", it, math.inf
            res = float(np.max(np.abs(new - x) / np.maximum(1.0, np.abs(x))))
            step = damping
            while not _in_domain(x + step * (new - x), model) and step > 1e-6:
                step *= 0.5
            x = x + step * (new - x)
            if res <= tol:
                new, mo = _update(quantizer, x, mu, model, n_nodes)
                return x, mo, "converged", it, res
        return x, mo, "max_iter", max_iter, res
    except _OutOfDomain:
        return x, None, "diverged", 0, math.inf


@dataclass(frozen=True)
class RSBResult:
    """1RSB ground state at the energy-maximizing ``mu`` (docs/rsb.md).

    energy : ground-state training objective per weight (``min_d H / N``)
    eg, Q, m, chi, delta, mu : observables and order parameters; ``delta = q1 - q0``
    q0 : between-state overlap ``Q - delta``
    energy_rs, eg_rs : the RS values (hard quantizer) at the same model
    d2e_dmu2 : curvature of e(mu) at the optimum (< 0: a genuine maximum)
    kappa1 : jump coefficient of the within-state replicon (analogue of RS kappa; equal to it at
        mu = 0; > 0 means the 1RSB state of the hard quantizer is itself not locally stable,
        docs/rsb.md)
    kappa_rs : the RS jump coefficient at the same model (for comparison with kappa1)
    quad_error : change of (energy, Q, chi, delta) when the outer rule is doubled
    collapsed : the nontrivial solution fell back to delta = 0 (RS)
    converged, status, iterations : solver outcome; status "mu_at_edge" when the maximum of
        e(mu) is at an end of the scanned grid or beyond mu in [1e-4, 1e5] (not converged)
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
    kappa_rs: float
    quad_error: float
    collapsed: bool
    converged: bool
    status: str
    iterations: int

    def to_dict(self) -> dict:
        """The record as a plain dict (JSON-ready through :func:`fastq.store.to_json`)."""
        return asdict(self)


def _rs_energy(rs, alpha, lam):
    """RS ground-state energy alpha Eg / (1 + chi)^2 + lam Q / 2 (nan when RS did not converge)."""
    return alpha * rs.eg / (1.0 + rs.chi) ** 2 + 0.5 * lam * rs.Q if rs.converged else math.nan


def energy_at_mu(quantizer, mu, alpha, sigma, lam, rho=1.0, *, start=None, n_nodes=10):
    """The 1RSB fixed point and energy at a given ``mu >= 0`` (for scans and tests).

    Returns a dict with energy, eg, Q, m, chi, delta, converged, status, iterations and
    ``state``; when the iteration did not converge the numbers are the last iterate (energy nan
    if it has no moments) and ``converged`` is False.
    """
    q = _hard(quantizer)
    model = V.model(alpha, sigma, lam, rho)
    mu = V.nonnegative("mu", mu)
    if start is None:
        rs = solve_rs(q, *model)
        start = _start(rs)
    x, mo, status, it, res = fixed_point(q, mu, model, start, n_nodes=n_nodes)
    chi, delta, qq, m = x
    energy = _energy(q, x, mu, model, mo) if mo is not None else math.nan
    ok = status == "converged" and math.isfinite(energy)
    return {"energy": energy, "eg": 0.5 * (qq - 2 * m + model[3] + model[1] ** 2),
            "Q": qq, "m": m, "chi": chi, "delta": delta, "mu": mu, "converged": ok,
            "status": status if ok or status != "converged" else "diverged",
            "iterations": it, "residual": res, "state": x, "moments": mo}


def _start(rs):
    """Start at the RS point with Delta = 0.3 min(Q, 2 Eg): inside the domain (g0 = 2 Eg - Delta > 0)."""
    return (rs.chi, 0.3 * min(rs.Q, 2.0 * rs.eg), rs.Q, rs.m)


def _hard(quantizer):
    if not isinstance(quantizer, Quantizer):
        raise V.FastqInputError("quantizer must be a fastq.Quantizer")
    return quantizer.hard()


def solve_rsb(quantizer: Quantizer, alpha, sigma, lam, rho=1.0, *, mu_grid=None,
              n_nodes: int = 10) -> RSBResult:
    """Zero-temperature 1RSB ground state of the hard quantizer: the maximum of e(mu) over mu.

    A scan over ``mu_grid`` (default 16 values from 0.1 to 500, log-spaced) of fixed-mu fixed
    points locates the maximum; from the best grid point the joint Broyden-Newton solve in
    (chi, Delta, Q, m, log mu) finds the stationary point de/dmu = 0 (``fastq/replica/_rsb_newton.py``).
    The edge width of ``quantizer`` is ignored (hard levels, as for the exact minimizer).
    ``n_nodes`` Gauss-Legendre nodes per outer interval; one Newton correction under the rule
    with ``2 n_nodes`` measures ``quad_error`` (refined up to 8 ``n_nodes``).  Fixed points with
    chi < 0 (q1 > Q) are not physical and are excluded.  Failures are statuses, never exceptions:
    ``diverged``/``max_iter`` (no valid solution, numbers nan), ``mu_at_edge`` (the best valid
    grid point is at an end of the grid, extended beyond its ends up to [1e-4, 1e5] while e(mu)
    still rises, or next to an invalid point), ``quadrature`` (doubling the rule still moves the
    result by more than 1e-7).  A stationary point below the RS energy is not accepted.
    ``iterations`` counts residual evaluations.
    """
    q = _hard(quantizer)
    model = V.model(alpha, sigma, lam, rho)
    n_nodes = V.integer("n_nodes", n_nodes, 2, 200)
    grid = _mu_grid(mu_grid)
    rec, _ = _rsb_solve.solve(q, model, grid, n_nodes)
    return RSBResult(**rec)


def _mu_grid(mu_grid):
    grid = np.geomspace(0.1, 500.0, 16) if mu_grid is None else np.asarray(mu_grid, dtype=np.float64)
    if grid.ndim != 1 or grid.size < 3 or not np.all(np.isfinite(grid)) or np.any(grid <= 0) \
            or np.any(np.diff(grid) <= 0):
        raise V.FastqInputError(f"mu_grid must be >= 3 increasing finite values > 0 (got {mu_grid!r})")
    return grid


def solve_rsb_warm(quantizer: Quantizer, alpha, sigma, lam, rho=1.0, warm=None, *, n_nodes: int = 10,
                   cold: bool = True):
    """:func:`solve_rsb` (default mu grid) continued from a neighbour: returns ``(RSBResult, warm)``;
    pass ``warm`` on to the next point of a grid line (None: a cold solve).  ``cold`` False: when
    the warm start fails, report ``max_iter`` instead of solving cold.  Inputs are not
    re-validated beyond the model (the grid drivers validate their axes first).
    """
    q = _hard(quantizer)
    rec, token = _rsb_solve.solve(q, V.model(alpha, sigma, lam, rho), _mu_grid(None), n_nodes, warm,
                                  cold or warm is None)
    return RSBResult(**rec), token


def _kappa1(q, chi, mo, alpha):
    """Jump coefficient of a 1RSB state: alpha / (1 + chi)^2 sum_k D_k^2 p_k / theta, p_k the tilted,
    z0-averaged density of the field at the threshold theta t_k (the RS kappa at mu = 0).
    """
    return alpha / (1 + chi) ** 2 * float(np.sum(np.asarray(q.jumps) ** 2 * mo["dens"])) / mo["theta"]
