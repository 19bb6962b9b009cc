"""The best level set: :func:`optimal_levels` minimizes the RS generalization error over all sets
of ``n_levels`` levels (THEORY section 15).

**Parametrization.**  Symmetric sets (default): the positive levels ``p_1 < ... < p_m`` are
``p_j = sum_{i <= j} exp(u_i)`` (0 is a level when ``n_levels`` is odd, so ``m = (n_levels - 1)/2``,
else ``m = n_levels / 2``).  Free sets: ``d_0 = a``, ``d_k = d_{k-1} + exp(u_k)``.  Every parameter
vector is a valid strictly increasing set, so the search is unconstrained; the scale is part of
the set (no separate omega).

**Objective.**  ``Eg`` of :func:`fastq.solve_rs` from the uninformed start (the fixed point
``fastq rs`` reports) at ``edge_width`` (default 0, the hard quantizer), thresholds at the
midpoints; a solve that does not converge counts as ``+inf``.

**Search and why the optimum is global.**  Nelder-Mead from several starts: (1) the Gaussian
Lloyd-Max set of the same size at its RS-best scale (:func:`fastq.optimal_omega`), (2) the
uniform set of the same size at its best scale, (3) ``n_random`` random sets (seeded: random
Lloyd-Max-like shapes with jittered gaps and scales), each polished by a restart of the simplex.
The result is never worse than (1)-(2) (the simplex keeps its best vertex, and the references
themselves are candidates; their Eg is re-solved from the uninformed start like the objective) and the
result says how many starts reached the same optimum (``n_agree``, within ``1e-9`` relative in
Eg); the tests add a brute-force grid over the two parameters of 4 symmetric levels.  Agreement of
independent starts plus the brute-force check is the evidence for a global optimum; it is not a
proof for large ``n_levels``.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import optimize

from .. import _validate as V
from ..formats import lloyd_max_gaussian
from ..quantizers import Quantizer, check_edge
from ..replica import solve_rs
from .optimum import optimal_omega

#: Eg values within this relative distance count as the same optimum
AGREE_RTOL = 1e-9
THEORIES = ("rs",)


@dataclass(frozen=True)
class OptimalLevelsResult:
    """Result of :func:`optimal_levels`.

    Attributes
    ----------
    levels : list of float
        The optimal set (sorted; its largest ``|level|`` is ``omega``).
    eg, at, kappa, stable : RS values of that set (``at`` is inf for the hard quantizer;
        ``stable`` is ``at < 1`` at ``edge_width``).
    lloyd_max, uniform : dict
        The reference families at their best scale (:func:`fastq.optimal_omega` at ``edge_width``):
        ``omega``, ``eg`` (solved from the uninformed start, as the objective), ``levels``.
    gain_vs_lloyd_max, gain_vs_uniform : float
        Relative Eg reduction ``1 - eg / eg_ref``.
    distance_lloyd_max : float
        ``max_k |d_k - d_k^LM| / omega`` with Lloyd-Max at its own best scale.
    shape_distance_lloyd_max : float
        The same after scaling both sets to a largest ``|level|`` of 1 (shape only).
    n_starts, n_agree : starts run, and how many reached the optimum (within 1e-9 relative in Eg)
    n_solves : RS solves in total
    """

    n_levels: int
    symmetric: bool
    alpha: float
    sigma: float
    lam: float
    rho: float
    edge_width: float
    theory: str
    levels: list
    omega: float
    eg: float
    at: float
    kappa: float
    stable: bool
    lloyd_max: dict
    uniform: dict
    gain_vs_lloyd_max: float
    gain_vs_uniform: float
    distance_lloyd_max: float
    shape_distance_lloyd_max: float
    n_starts: int
    n_agree: int
    n_solves: int
    converged: bool
    status: str

    def to_dict(self) -> dict:
        """All fields as plain Python values (what ``--json`` prints)."""
        return asdict(self)

    @property
    def quantizer(self) -> Quantizer:
        """The optimal set as a Quantizer (edge width as searched)."""
        return Quantizer.from_levels(self.levels, edge_width=self.edge_width)


def _levels_from(u, n_levels, symmetric):
    g = np.exp(np.clip(u[1:] if not symmetric else u, -30.0, 30.0))
    if not symmetric:
        return u[0] + np.concatenate([[0.0], np.cumsum(g)])
    p = np.cumsum(g)
    mid = [0.0] if n_levels % 2 else []
    return np.concatenate([-p[::-1], mid, p])


def _params_from(levels, n_levels, symmetric):
    lv = np.asarray(levels, dtype=np.float64)
    if not symmetric:
        return np.concatenate([[lv[0]], np.log(np.diff(lv))])
    p = lv[lv > 0]
    return np.log(np.diff(np.concatenate([[0.0], p])))


class _Eg:
    def __init__(self, n_levels, symmetric, eps, model):
        self.n_levels, self.symmetric, self.eps, self.model = n_levels, symmetric, eps, model
        self.n_solves = 0

    def solve(self, levels):
        self.n_solves += 1
        return solve_rs(Quantizer.from_levels(levels, edge_width=self.eps), *self.model)

    def __call__(self, u):
        lv = _levels_from(np.asarray(u, dtype=np.float64), self.n_levels, self.symmetric)
        if not (np.all(np.isfinite(lv)) and np.all(np.diff(lv) > 0)):
            return math.inf
        r = self.solve(lv)
        return r.eg if r.converged else math.inf


def _best_scale(shape, eps, model):
    """(omega, eg, levels) of the set ``shape`` (largest |level| 1) at its RS-best scale."""
    o = optimal_omega(Quantizer.from_levels(shape, edge_width=eps), *model, edge_width=eps)
    if o.omega_star is None:
        return None
    return {"omega": float(o.omega_star), "eg": float(o.eg_star),
            "levels": (np.asarray(shape) * o.omega_star).tolist()}


def _simplex(f, u0, xatol):
    best = None
    x = np.asarray(u0, dtype=np.float64)
    for _ in range(3):  # restart the simplex where it stopped: escapes a collapsed simplex
        r = optimize.minimize(f, x, method="Nelder-Mead",
                              options={"xatol": xatol, "fatol": 1e-14, "maxiter": 4000 * x.size,
                                       "maxfev": 6000 * x.size, "adaptive": x.size > 4})
        if best is not None and not r.fun < best.fun * (1 - 1e-13):
            break
        best, x = r, r.x
    return best


def optimal_levels(n_levels: int, *, alpha: float, sigma: float, lam: float, rho: float = 1.0,
                   symmetric: bool = True, edge_width: float = 0.0, theory: str = "rs",
                   n_random: int = 6, seed: int = 0, xatol: float = 1e-7) -> OptimalLevelsResult:
    """The set of ``n_levels`` levels that minimizes the RS generalization error (see the module).

    Parameters
    ----------
    n_levels : int, 2..64
    alpha, sigma, lam, rho : model (alpha > 0, sigma >= 0, lam >= 0, rho > 0)
    symmetric : bool
        Search symmetric sets (0 a level for odd ``n_levels``) or all sorted sets.
    edge_width : float >= 0
        Edge width (absolute) at which Eg and the stability are evaluated (0 = hard quantizer).
    theory : {"rs"}
        Only the RS Eg is optimized (a 1RSB objective is not implemented).
    n_random, seed : random starts beside Lloyd-Max and uniform, and their root seed.
    xatol : simplex tolerance in the log-gap parameters.
    """
    n_levels = V.integer("n_levels", n_levels, 2, 64)
    model = V.model(alpha, sigma, lam, rho)
    eps = check_edge(edge_width, "absolute")
    if theory not in THEORIES:
        raise V.FastqInputError(f"theory must be one of {', '.join(THEORIES)} (got {theory!r}; "
                                "the 1RSB level optimization is not implemented)")
    n_random = V.integer("n_random", n_random, 0, 1000)
    symmetric = bool(symmetric)
    f = _Eg(n_levels, symmetric, eps, model)
    lm_shape = lloyd_max_gaussian(n_levels)
    lm_shape = lm_shape / np.max(np.abs(lm_shape))
    refs = {"lloyd_max": _best_scale(lm_shape, eps, model),
            "uniform": _best_scale(np.linspace(-1.0, 1.0, n_levels), eps, model)}
    starts = [_params_from(r["levels"], n_levels, symmetric) for r in refs.values() if r is not None]
    rng = np.random.default_rng(seed)
    scale = refs["lloyd_max"]["omega"] if refs["lloyd_max"] else math.sqrt(model[3]) * 2.0
    for _ in range(n_random):
        shape = lm_shape * np.exp(0.4 * rng.standard_normal(n_levels))
        shape = np.sort(shape if not symmetric else np.concatenate([-np.abs(shape), np.abs(shape)]))
        if symmetric:
            pos = np.sort(np.abs(lm_shape[lm_shape > 0]) * np.exp(0.4 * rng.standard_normal((lm_shape > 0).sum())))
            shape = np.concatenate([-pos[::-1], [0.0] if n_levels % 2 else [], pos])
        else:
            shape = np.sort(lm_shape + 0.15 * rng.standard_normal(n_levels))
        if np.all(np.diff(shape) > 0):
            starts.append(_params_from(shape * scale * math.exp(0.5 * rng.standard_normal()), n_levels,
                                       symmetric))
    for ref in refs.values():  # the references' Eg by the objective itself (cold-start solve)
        if ref is not None:
            rr = f.solve(np.asarray(ref["levels"]))
            ref["eg"] = float(rr.eg) if rr.converged else math.inf
    runs = [_simplex(f, u0, xatol) for u0 in starts]
    finals = np.array([r.fun for r in runs])
    cands = [(float(r.fun), _levels_from(r.x, n_levels, symmetric)) for r in runs]
    cands += [(ref["eg"], np.asarray(ref["levels"])) for ref in refs.values() if ref is not None]
    best = min(cands, key=lambda c: c[0])[1]  # a reference itself if no start improved on it
    r = f.solve(best)
    return _result(n_levels, symmetric, model, eps, theory, best, r, refs, lm_shape, finals, f.n_solves)


def _result(n_levels, symmetric, model, eps, theory, best, r, refs, lm_shape, finals, n_solves):
    omega = float(np.max(np.abs(best)))
    eg = float(r.eg) if r.converged else math.nan
    agree = int(np.sum(np.isfinite(finals) & (finals <= eg * (1 + AGREE_RTOL))))
    lm, un = refs["lloyd_max"], refs["uniform"]
    gain = {k: (1.0 - eg / v["eg"]) if v else math.nan for k, v in (("lm", lm), ("un", un))}
    dist = float(np.max(np.abs(best - np.asarray(lm["levels"])))) / omega if lm else math.nan
    shape_dist = float(np.max(np.abs(best / omega - lm_shape)))
    alpha, sigma, lam, rho = model
    return OptimalLevelsResult(
        n_levels=n_levels, symmetric=symmetric, alpha=alpha, sigma=sigma, lam=lam, rho=rho,
        edge_width=eps, theory=theory, levels=best.tolist(), omega=omega, eg=eg, at=float(r.at),
        kappa=float(r.kappa), stable=bool(r.converged and r.at < 1.0), lloyd_max=lm or {}, uniform=un or {},
        gain_vs_lloyd_max=gain["lm"], gain_vs_uniform=gain["un"], distance_lloyd_max=dist,
        shape_distance_lloyd_max=shape_dist, n_starts=len(finals), n_agree=agree, n_solves=n_solves,
        converged=bool(r.converged), status="converged" if r.converged else r.status)
