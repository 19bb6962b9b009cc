"""Slow, independent reference implementations for the core engine (tests and benchmarks only).

Nothing here imports fastq's kernels: levels are rebuilt from THEORY's formulas, phi_eps is the
plain sum over all ramps, integrals are scipy.integrate.quad split at the breakpoints, and the
fixed point is solved with a plain damped iteration driven from Python.

Any sorted level set works (formats, custom sets); ``t`` gives thresholds other than the midpoints.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import integrate, optimize, special


def levels(scheme: str, n_p: int, omega: float) -> np.ndarray:
    if scheme == "uniform":
        return np.array([-omega + 2.0 * omega * k / n_p for k in range(n_p + 1)])
    # log: build the positive half from the widths, then mirror
    if n_p % 2 == 0:
        d0 = 2.0 * omega / (2.0 ** ((n_p + 2) / 2) - 2.0)
        pos = [0.0]
        for j in range(n_p // 2):
            pos.append(pos[-1] + d0 * 2.0**j)
        pos = np.array(pos)
        return np.concatenate([-pos[:0:-1], pos])
    d0 = 2.0 * omega / (2.0 ** ((n_p + 3) / 2) - 3.0)
    pos = [d0 / 2.0]
    for j in range(1, (n_p - 1) // 2 + 1):
        pos.append(pos[-1] + d0 * 2.0**j)
    pos = np.array(pos)
    return np.concatenate([-pos[::-1], pos])


def _thresholds(lv, t):
    return 0.5 * (lv[1:] + lv[:-1]) if t is None else np.asarray(t, dtype=float)


def phi_eps(w: float, lv: np.ndarray, eps: float, t=None) -> float:
    """phi_eps by the definition: d_0 + sum_k D_k r((w - t_k)/eps); at eps = 0 the nearest level
    (midpoints) or the level of the cell ``w`` falls in (given thresholds ``t``)."""
    dk = np.diff(lv)
    if eps == 0.0:
        if t is not None:
            return float(lv[int(np.sum(np.asarray(t) <= w))])
        return float(lv[np.argmin(np.abs(w - lv))])
    t = _thresholds(lv, t)
    u = np.clip((w - t) / eps + 0.5, 0.0, 1.0)
    return float(lv[0] + np.sum(dk * u))


def dphi_eps(w: float, lv: np.ndarray, eps: float, t=None) -> float:
    if eps == 0.0:
        return 0.0
    t = _thresholds(lv, t)
    dk = np.diff(lv)
    inside = np.abs(w - t) < eps / 2
    return float(np.sum(dk[inside]) / eps)


def _gauss_quad(f, breaks):
    """int f(z) Dz by quad, piece by piece between the (sorted, finite) breaks and +-inf."""
    pts = [-np.inf] + sorted(breaks) + [np.inf]
    total = 0.0
    for a, b in zip(pts[:-1], pts[1:]):
        if b <= a:
            continue
        # integrate over the window where the Gaussian matters: beyond 12 sd the mass is < 1e-32
        lo, hi = max(a, -12.0), min(b, 12.0)
        if hi <= lo:
            continue
        # sub-windows of width <= 4 keep every quad call well inside its tolerance
        edges = np.unique(np.concatenate([[lo, hi], np.arange(-12.0, 12.1, 4.0).clip(lo, hi)]))
        for u, v in zip(edges[:-1], edges[1:]):
            val, _ = integrate.quad(lambda z: f(z) * math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi),
                                    u, v, epsabs=1e-15, epsrel=1e-12, limit=100)
            total += val
    return total


def rs_map(chi, eg, lv, eps, alpha, sigma, lam, rho=1.0, t=None):
    """One RS map application, all integrals by quad. Returns dict like fastq.replica.rs_map."""
    mhat = alpha / (1.0 + chi)
    chihat = 2.0 * alpha * eg / (1.0 + chi) ** 2
    h = math.sqrt(mhat**2 * rho + chihat)
    theta = mhat + lam
    s = h / theta
    given = t
    t = _thresholds(lv, t)
    wbreaks = list(t) if eps == 0 else list(t - eps / 2) + list(t + eps / 2)
    zbreaks = [b / s for b in wbreaks]
    q = _gauss_quad(lambda z: phi_eps(s * z, lv, eps, given) ** 2, zbreaks)
    iz = _gauss_quad(lambda z: z * phi_eps(s * z, lv, eps, given), zbreaks)
    chi_new = iz / h
    m = mhat * rho * chi_new
    eg_new = 0.5 * (q - 2 * m + rho + sigma**2)
    pref = alpha / (1.0 + chi) ** 2
    dk = np.diff(lv)
    kappa = pref * float(np.sum(dk**2 * np.exp(-0.5 * (t / s) ** 2) / math.sqrt(2 * math.pi))) / (h * theta)
    if eps > 0:
        at = pref * _gauss_quad(lambda z: (dphi_eps(s * z, lv, eps, given) / theta) ** 2, zbreaks)
    else:
        at = math.inf if kappa > 0 else 0.0
    return dict(chi=chi_new, eg=eg_new, Q=q, m=m, h=h, theta=theta, at=at, kappa=kappa)


def solve_rs(lv, eps, alpha, sigma, lam, rho=1.0, start=None, tol=1e-13, max_iter=5000, t=None):
    """Damped plain iteration of the quad map until |change| <= tol (then one more map call)."""
    chi, eg = (1.0, 0.5 * (rho + sigma**2)) if start is None else start
    beta = 0.7
    for it in range(max_iter):
        r = rs_map(chi, eg, lv, eps, alpha, sigma, lam, rho, t)
        d0, d1 = r["chi"] - chi, r["eg"] - eg
        if max(abs(d0) / max(1, abs(chi)), abs(d1) / max(1, abs(eg))) <= tol:
            r["iterations"] = it + 1
            return r
        chi, eg = chi + beta * d0, eg + beta * d1
    raise RuntimeError("naive RS iteration did not converge")


def solve_rs_root(lv, eps, alpha, sigma, lam, rho=1.0, start=None):
    """Fixed point by a root finder (scipy.optimize.root, hybr) on G(x) - x: a second route."""
    x0 = np.array([1.0, 0.5 * (rho + sigma**2)] if start is None else start)

    def f(x):
        r = rs_map(max(x[0], 0.0), max(x[1], 1e-300), lv, eps, alpha, sigma, lam, rho)
        return [r["chi"] - x[0], r["eg"] - x[1]]

    sol = optimize.root(f, x0, method="hybr", tol=1e-14)
    return rs_map(sol.x[0], sol.x[1], lv, eps, alpha, sigma, lam, rho) | {"chi": sol.x[0], "eg": sol.x[1]}


def ridge_simulation(n, alpha, sigma, lam, rho, instances, seed):
    """Eg of the ridge estimator on ``instances`` random instances (direct linear solves)."""
    rng = np.random.default_rng(seed)
    m = int(round(alpha * n))
    out = []
    for _ in range(instances):
        w0 = rng.standard_normal(n) * math.sqrt(rho)
        X = rng.standard_normal((m, n)) / math.sqrt(n)
        y = X @ w0 + sigma * rng.standard_normal(m)
        w = np.linalg.solve(X.T @ X + lam * np.eye(n), X.T @ y)
        out.append(0.5 * (np.sum((w0 - w) ** 2) / n + sigma**2))
    return np.array(out)


def normal_mass(a, b):
    """Phi(b) - Phi(a) by scipy.special.ndtr, for comparison in the tails."""
    return special.ndtr(b) - special.ndtr(a)
