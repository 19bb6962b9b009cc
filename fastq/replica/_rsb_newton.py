"""The fast 1RSB solver (THEORY 13b): Broyden-Newton on (chi, Delta, Q, m, log mu), warm starts.

The unknowns are the four order parameters and ``u = log mu``; the equations are the fixed-point
residuals of the map and the stationarity condition ``de/dmu = 0`` (:mod:`._rsb_fast`).  The
outer z0 rule is fixed during a solve (built from the fields at the start, rebuilt once at the
solution and polished), so the residual is a smooth function of the unknowns.

Scheme (measured against plain Newton with a finite-difference Jacobian every step, docs/rsb.md):
Broyden's good update started from a Jacobian -- the neighbour's on a grid line (warm start), a
forward-difference one otherwise.  At the solution a fresh forward-difference Jacobian gives the
curvature ``d2e/dmu2`` (Schur complement of the mu row) and is handed on to the next point.

Quadrature check kept as a status: the residual at the solution under the rule with twice the
nodes gives one Newton correction; its size in (Q, chi, Delta) and the change of the energy are
``quad_error``.  Above 1e-7 the solve is repeated with the finer rule (up to 8x), then status
``quadrature``.
"""
from __future__ import annotations

import math

import numpy as np

from ._rsb_fast import N_OUT, OUT_DE_DMU, OUT_ENERGY, OUT_H0, OUT_H1SQ, OUT_THETA, _rsb_eval, outer_rule

#: convergence: largest step relative to max(1, |value|), and largest fixed-point residual
STEP_TOL = 1e-10
RES_TOL = 1e-10
#: quadrature tolerance of the doubling check (as before: energy, Q, chi, Delta)
QUAD_TOL = 1e-7


class System:
    """The residual function of one model on one fixed outer rule (mu free, or fixed)."""

    def __init__(self, levels, thresholds, model, rule, mu=None):
        self.levels, self.thresholds, self.model = levels, thresholds, model
        self.nodes, self.weights = rule[0], rule[1]
        self.placed = rule[2] if len(rule) > 2 else None  # (theta/H0, h1/H0) the rule was built for
        self.mu = mu
        self.out = np.empty(N_OUT)
        self.dens = np.empty(max(levels.size - 1, 1))
        self.n_eval = 0

    def mu_of(self, v):
        return self.mu if self.mu is not None else math.exp(v[4])

    def __call__(self, v, dens=False):
        """Residual vector at ``v`` (length 4 at fixed mu, 5 with de/dmu), or None outside the domain;
        ``dens``: also the threshold densities (into ``self.dens``; only the result needs them).
        """
        self.n_eval += 1
        ok = _rsb_eval(v[:4], self.mu_of(v), *self.model, self.levels, self.thresholds, self.nodes,
                       self.weights, self.out, self.dens, dens)
        if not ok:
            return None
        return self.out[: (4 if self.mu is not None else 5)].copy()


def fields(x, mu, model):
    """``(theta, H0, h1)`` at state ``x`` (the conjugates that place the outer rule's breakpoints)."""
    alpha, sigma, lam, rho = model
    chi, delta, q, m = x[:4]
    L = 1.0 + chi + mu * delta
    g0 = rho - 2.0 * m + q - delta + sigma**2
    h1sq = alpha * delta / ((1.0 + chi) * L)
    H0 = math.sqrt((alpha / L) ** 2 * rho + alpha * g0 / L**2)
    return alpha / L + mu * h1sq + lam, H0, max(math.sqrt(max(h1sq, 0.0)), 1e-12 * H0)


def rule_at(x, mu, model, thresholds, n_nodes):
    """The outer rule placed at the fields of state ``x``: ``(nodes, weights, (theta/H0, h1/H0))``."""
    theta, H0, h1 = fields(x, mu, model)
    return (*outer_rule(theta, H0, h1, thresholds, n_nodes), (theta / H0, h1 / H0))


def jacobian(sys, v, r0):
    """Forward-difference Jacobian (one residual evaluation per unknown); None if it fails."""
    n = v.size
    J = np.empty((n, n))
    for i in range(n):
        h = 1e-7 * max(abs(v[i]), 1e-2)
        vp = v.copy()
        vp[i] += h
        rp = sys(vp)
        if rp is None:
            vp[i] -= 2 * h
            h = -h
            rp = sys(vp)
            if rp is None:
                return None
        J[:, i] = (rp - r0) / h
    return J


def broyden(sys, v, J=None, max_iter=60):
    """Solve ``sys(v) = 0`` from ``v``: Broyden's good update from ``J`` (finite differences when
    None, and again after every 12 iterations without convergence).  Steps that leave the domain
    are halved; ``log mu`` moves by at most 1 per step.  Returns ``(v, J, r, status, iterations)``.
    """
    v = np.asarray(v, dtype=np.float64).copy()
    r = sys(v)
    if r is None:
        return v, J, None, "diverged", 0
    if J is None or J.shape != (v.size, v.size):
        J = jacobian(sys, v, r)
    since = 0
    for it in range(1, max_iter + 1):
        if J is None:
            return v, None, r, "diverged", it
        try:
            s = np.linalg.solve(J, -r)
        except np.linalg.LinAlgError:
            s = np.full(v.size, np.nan)
        if not np.all(np.isfinite(s)):
            J, since = jacobian(sys, v, r), 0
            continue
        if v.size == 5 and abs(s[4]) > 1.0:
            s *= 1.0 / abs(s[4])
        t, rn = 1.0, None
        while t > 1e-6:
            rn = sys(v + t * s)
            if rn is not None:
                break
            t *= 0.5
        if rn is None:
            return v, J, r, "diverged", it
        step = t * s
        small = float(np.max(np.abs(step) / np.maximum(1.0, np.abs(v)))) <= STEP_TOL
        J = J + np.outer(rn - r - J @ step, step) / float(step @ step) if float(step @ step) > 0 else J
        v, r = v + step, rn
        if small and float(np.max(np.abs(r[:4]))) <= RES_TOL:  # sys.out is at v (last call)
            return v, J, r, "converged", it
        since += 1
        if since >= 12:
            J, since = jacobian(sys, v, r), 0
    return v, J, r, "max_iter", max_iter


def curvature(J, mu):
    """``d2e/dmu2`` from the full Jacobian in (x, log mu): the Schur complement of the mu row."""
    try:
        dr = J[4, 4] - J[4, :4] @ np.linalg.solve(J[:4, :4], J[:4, 4])
    except np.linalg.LinAlgError:
        return math.nan
    return float(dr) / mu


def _moved(sys, v, model, thresholds, frac=0.1):
    """Whether the rule's threshold breakpoints (``theta t / H0`` and the spacing ``h1 / H0``) at
    the solution ``v`` moved by more than ``frac`` of the feature width ``h1 / H0`` since the rule
    of ``sys`` was built (then it is rebuilt and the solution polished).
    """
    theta, H0, h1 = fields(v, math.exp(v[4]), model)
    if sys.placed is None:
        return True
    width = h1 / H0
    shift = abs(theta / H0 - sys.placed[0]) * max(float(np.max(np.abs(thresholds))), 1.0)
    return shift > frac * width or abs(width - sys.placed[1]) > frac * width


def point(sys_args, v, J, n_nodes):
    """Solve at free mu from ``(v, J)`` and check the quadrature.  ``sys_args = (levels,
    thresholds, model)``.  Returns a dict (see :func:`fastq.replica.rsb._solve`) or None when the
    solve failed; ``status`` is ``converged`` or ``quadrature``.
    """
    levels, thresholds, model = sys_args
    n_eval, qerr = 0, math.inf
    for _ in range(4):
        sys = System(levels, thresholds, model, rule_at(v, math.exp(v[4]), model, thresholds, n_nodes))
        v, J, r, status, _it = broyden(sys, v, J)
        if status == "converged" and _moved(sys, v, model, thresholds):
            # rebuild the rule at the solution (self-consistent, as the reference) and polish
            sys2 = System(levels, thresholds, model, rule_at(v, math.exp(v[4]), model, thresholds, n_nodes))
            v, J, r, status, _it = broyden(sys2, v, J)
            n_eval += sys.n_eval
            sys = sys2
        n_eval += sys.n_eval
        if status != "converged" or sys(v, dens=True) is None:
            return None
        out, dens = sys.out.copy(), sys.dens.copy()
        J = jacobian(sys, v, r)
        n_eval += v.size
        if J is None:
            return None
        mu = math.exp(v[4])
        fine = System(levels, thresholds, model, rule_at(v, mu, model, thresholds, 2 * n_nodes))
        rf = fine(v)
        n_eval += 2
        if rf is None:
            return None
        try:
            dv = np.linalg.solve(J, -rf)
        except np.linalg.LinAlgError:
            return None
        qerr = max(abs(fine.out[OUT_ENERGY] - out[OUT_ENERGY]), abs(dv[0]), abs(dv[1]), abs(dv[2]))
        res = {"v": v, "J": J, "out": out, "dens": dens, "mu": mu, "quad_error": float(qerr),
               "d2e_dmu2": curvature(J, mu), "n_eval": n_eval, "n_nodes": n_nodes,
               "status": "converged" if qerr < QUAD_TOL else "quadrature"}
        if qerr < QUAD_TOL or n_nodes >= 8 * 10:
            return res
        v, n_nodes = v + dv, 2 * n_nodes
    return res


def fixed_mu(sys_args, x, mu, n_nodes, J=None, pre=0):
    """Fixed point at a given ``mu`` from ``x`` (``pre`` damped map steps first).  Returns
    ``(x, J, energy, status)``; energy nan unless converged.
    """
    levels, thresholds, model = sys_args
    x = np.asarray(x, dtype=np.float64).copy()
    sys = System(levels, thresholds, model, rule_at(x, mu, model, thresholds, n_nodes), mu=mu)
    for _ in range(pre):
        r = sys(x)
        if r is None:
            return x, None, math.nan, "diverged"
        t = 0.5
        while t > 1e-6 and sys(x + t * r) is None:
            t *= 0.5
        x = x + t * r
    x, J, r, status, _ = broyden(sys, x, J)
    if status != "converged":
        return x, None, math.nan, status
    sys = System(levels, thresholds, model, rule_at(x, mu, model, thresholds, n_nodes), mu=mu)
    x, J, r, status, _ = broyden(sys, x, J)  # polish with the rule rebuilt at the solution
    if status != "converged":
        return x, None, math.nan, status
    return x, J, float(sys.out[OUT_ENERGY]), status


__all__ = ["System", "broyden", "curvature", "fields", "fixed_mu", "jacobian", "point", "rule_at",
           "OUT_DE_DMU", "OUT_H0", "OUT_H1SQ", "OUT_THETA"]
