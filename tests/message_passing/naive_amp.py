"""Slow, independent NumPy reference for AMP and state evolution (tests only).

Nothing here uses fastq's kernels: phi_eps comes from ``tests/naive.py`` (the plain sum over
ramps), the AMP iteration is THEORY section 7 written with NumPy matrix products, and the
state-evolution step integrates with ``scipy.integrate.quad`` split at the breakpoints.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import integrate

from tests.replica.naive_rs import dphi_eps, phi_eps


def phi_vec(w, lv, eps):
    return np.array([phi_eps(x, lv, eps) for x in np.asarray(w, dtype=float)])


def dphi_vec(w, lv, eps):
    return np.array([dphi_eps(x, lv, eps) for x in np.asarray(w, dtype=float)])


def amp_reference(X, y, lv, eps, lam, mbar0, n_iter, variance="full"):
    """``n_iter`` AMP iterations; returns the list of mbar^t (t = 1..n_iter)."""
    X = np.asarray(X, dtype=float)
    m, n = X.shape
    alpha = m / n
    X2 = X * X
    mbar = np.array(mbar0, dtype=float)
    v = np.ones(n)
    g_old = np.zeros(m)
    out = []
    for _ in range(n_iter):
        if variance == "full":
            Vm = X2 @ v
        else:
            Vm = np.full(m, v.mean())
        theta = X @ mbar - Vm * g_old
        g = (y - theta) / (1.0 + Vm)
        if variance == "full":
            sigma_i = 1.0 / (X2.T @ (1.0 / (1.0 + Vm)))
        else:
            sigma_i = np.full(n, (1.0 + v.mean()) / alpha)
        R = mbar + sigma_i * (X.T @ g)
        arg = R / (1.0 + lam * sigma_i)
        mbar = phi_vec(arg, lv, eps)
        v = dphi_vec(arg, lv, eps) / (lam + 1.0 / sigma_i)
        g_old = g
        out.append(mbar.copy())
    return out


def se_step(lv, eps, alpha, sigma, lam, rho, V, E):
    """One state-evolution step by quadrature: returns (V', E')."""
    xi = math.sqrt(alpha * alpha * rho + alpha * (sigma * sigma + E)) / (1.0 + V)
    Lam = lam + alpha / (1.0 + V)
    t = 0.5 * (lv[1:] + lv[:-1])
    # breakpoints of z -> phi_eps(xi z / Lam)
    pts = sorted(set(np.concatenate([t - eps / 2, t + eps / 2]) * Lam / xi))
    pts = [p for p in pts if abs(p) < 12.0]
    edges = [-12.0] + pts + [12.0]
    dens = lambda z: math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)  # noqa: E731
    q = 0.0
    vv = 0.0
    for a, b in zip(edges[:-1], edges[1:]):
        if b <= a:
            continue
        q += integrate.quad(lambda z: phi_eps(xi * z / Lam, lv, eps) ** 2 * dens(z), a, b,
                            epsabs=1e-14, epsrel=1e-12)[0]
        vv += integrate.quad(lambda z: dphi_eps(xi * z / Lam, lv, eps) / Lam * dens(z), a, b,
                             epsabs=1e-14, epsrel=1e-12)[0]
    E_new = q - 2.0 * rho * alpha / (1.0 + V) * vv + rho
    return vv, E_new
