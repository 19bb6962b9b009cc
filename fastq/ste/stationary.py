"""The self-consistent stationary state of STE training (THEORY section 9): :func:`ste_stationary`.

At stationarity ``p(w | w0) ~ exp(-U(w) / (eta Eg))``, ``U(w) = int_0^w (phi(u) - w0) du``, so the
bin masses are closed-form sums of exponentials (kernels in ``_stationary_kernels``); the
stationary Eg solves a one-dimensional equation, compared with the unquantized ``sigma^2/(2-eta)``.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _validate as V
from ..gauss import gauss_legendre
from ._stationary_kernels import _stationary_rhs
from .records import STEStationaryResult, _check_common, _params


def _stationary_quadrature(q, rho, per_piece):
    """Composite Gauss-Legendre on [0, omega] split at the levels and thresholds (where the
    low-temperature bin occupation switches), weights times 2 N(w0; 0, rho).
    """
    pts = np.concatenate([[0.0, q.omega], q.levels, q.thresholds])
    pts = np.unique(pts[(pts >= 0.0) & (pts <= q.omega)])
    nodes, w = gauss_legendre(pts[:-1], pts[1:], per_piece)
    w = w * 2.0 * np.exp(-0.5 * nodes * nodes / rho) / math.sqrt(2.0 * math.pi * rho)
    return nodes, w


def _tail(omega, rho):
    """E[(|w0| - omega)^2 ; |w0| >= omega] for w0 ~ N(0, rho), and P(|w0| >= omega)."""
    from scipy.special import erfc

    s = math.sqrt(rho)
    a = omega / s
    qa = 0.5 * erfc(a / math.sqrt(2.0))
    pdf = math.exp(-0.5 * a * a) / math.sqrt(2.0 * math.pi)
    return 2.0 * rho * ((1.0 + a * a) * qa - a * pdf), 2.0 * qa


def ste_stationary(quantizer, eta, sigma, rho=1.0, *, per_piece=None, tol=1e-13) -> STEStationaryResult:
    r"""Self-consistent stationary Eg of STE training (THEORY section 9; kernel ``_stationary_rhs``).

    At stationarity ``p(w | w0) ~ exp(-U(w) / (eta Eg))`` with ``U(w) = int_0^w (phi(u) - w0) du``
    for ``|w0| < omega``; teachers with ``|w0| >= omega`` contribute ``(|w0| - omega)^2``.  Solves

    .. math::

        E_g = \tfrac12\left(\mathbb{E}_{w_0}\,\mathbb{E}[(w_0 - \phi(w))^2 \mid w_0] + \sigma^2\right)

    by a scan of ``[sigma^2/2, Eg_max]`` for sign changes followed by Brent's method on each.

    Parameters
    ----------
    quantizer : Quantizer with ``edge_width = 0``
    eta : float in (0, 2);  sigma : float >= 0;  rho : float > 0
    per_piece : Gauss-Legendre nodes per piece of ``[0, omega]`` (default 24, or 8 beyond 64 pieces)
    tol : absolute tolerance on Eg

    Returns
    -------
    STEStationaryResult
    """
    from scipy.optimize import brentq

    q, eta, sigma, rho = _check_common(quantizer, eta, sigma, rho)
    tol = V.positive("tol", tol)
    levels = np.ascontiguousarray(q.levels)
    thresholds = np.ascontiguousarray(q.thresholds)
    if per_piece is None:
        per_piece = 24 if 2 * q.n_p <= 64 else 8
    per_piece = V.integer("per_piece", per_piece, 2, 256)
    nodes, weights = _stationary_quadrature(q, rho, per_piece)
    tail, escaped = _tail(q.omega, rho)
    bins = np.empty(levels.shape[0])
    calls = [0]

    def f(eg):
        calls[0] += 1
        return eg - _stationary_rhs(eg, eta, sigma, rho, q.omega, levels, thresholds, nodes, weights,
                                    tail, bins)

    lo = max(0.5 * sigma * sigma, 1e-12 * rho)
    hi = 0.5 * (rho + 2.0 * q.omega * math.sqrt(2.0 * rho / math.pi) + q.omega ** 2 + sigma * sigma) * 1.01
    grid = np.geomspace(lo, hi, 65)
    vals = np.array([f(x) for x in grid])
    roots = []
    for i in range(grid.size - 1):
        if vals[i] == 0.0:
            roots.append(float(grid[i]))
        elif vals[i] * vals[i + 1] < 0.0:
            roots.append(float(brentq(f, grid[i], grid[i + 1], xtol=tol, rtol=4 * np.finfo(float).eps)))
    eg_u = sigma * sigma / (2.0 - eta)
    params = _params(q, eta, sigma, rho)
    if not roots:
        return STEStationaryResult(math.nan, eg_u, math.nan, np.full(levels.shape[0], math.nan), escaped, [],
                             False, calls[0], math.nan, params)
    eg = roots[0]
    res = f(eg)
    frac = bins.copy()
    frac[0] += 0.5 * escaped
    frac[-1] += 0.5 * escaped
    return STEStationaryResult(eg, eg_u, eg - eg_u, frac, escaped, roots, True, calls[0], abs(res), params)
