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
from .model import _model
from .records import STEStationaryResult, _check_common, _params


def _stationary_quadrature(q, rho, per_piece, ratio=1.0):
    """Composite Gauss-Legendre on the confined teachers ``[0, omega / ratio]`` split where the
    effective target ``ratio * w0`` crosses a level or threshold (where the low-temperature bin
    occupation switches), weights times 2 N(w0; 0, rho).
    """
    edge = q.omega / ratio
    # also split on the teacher's own scale, so that a law much narrower than the bins (small
    # rho) is resolved: without these points a narrow Gaussian falls between nodes and the bin
    # masses no longer add up to one
    scale = math.sqrt(rho) * np.array([0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0])
    pts = np.concatenate([[0.0, edge], q.levels / ratio, q.thresholds / ratio, scale])
    pts = np.unique(pts[(pts >= 0.0) & (pts <= edge)])
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


def _tail_general(omega, rho, c1, c2):
    """E[w0^2 - 2 c1 omega |w0| + c2 omega^2 ; |w0| >= a], a = omega c2 / c1 (teachers whose
    effective target ``c1 w0 / c2`` lies beyond the range; their weight sits on ``sign(w0) omega``),
    and P(|w0| >= a), for w0 ~ N(0, rho).
    """
    from scipy.special import erfc

    s = math.sqrt(rho)
    a = omega * c2 / c1 / s
    qa = 0.5 * erfc(a / math.sqrt(2.0))
    pdf = math.exp(-0.5 * a * a) / math.sqrt(2.0 * math.pi)
    m2 = rho * (a * pdf + qa)
    m1 = s * pdf
    return 2.0 * (m2 - 2.0 * c1 * omega * m1 + c2 * omega * omega * qa), 2.0 * qa


def _teacher_quadrature(q, model, per_piece):
    """(nodes, weights, tail, escaped, mirror) of the outer expectation over the teacher."""
    if model.teacher_value is not None:
        c = model.teacher_value
        if abs(model.ratio * c) < q.omega:
            return np.array([c]), np.array([1.0]), 0.0, 0.0, False
        # the weight drifts off towards sign(c) omega
        return (np.empty(0), np.empty(0), c * c - 2.0 * model.c1 * abs(c) * q.omega
                + model.c2 * q.omega ** 2, 1.0, False)
    nodes, weights = _stationary_quadrature(q, model.rho, per_piece, model.ratio)
    if model.identity:
        tail, escaped = _tail(q.omega, model.rho)
    else:
        tail, escaped = _tail_general(q.omega, model.rho, model.c1, model.c2)
    return nodes, weights, tail, escaped, True


def ste_stationary(quantizer, eta, sigma, rho=1.0, *, input_quantizer=None, teacher_value=None,
                   per_piece=None, tol=1e-13) -> STEStationaryResult:
    r"""Self-consistent stationary Eg of STE training (THEORY 9/9b; kernel ``_stationary_rhs``).

    At stationarity ``p(w | w0) ~ exp(-U(w) / (eta Eg))`` with
    ``U(w) = int_0^w (phi(u) - (c1/c2) w0) du`` when the effective target ``|c1 w0 / c2| < omega``
    (``c1 = c2 = 1`` for unquantized inputs); other teachers leave their weight on
    ``sign(w0) omega``.  Solves

    .. math::

        E_g = \tfrac12\left(\mathbb{E}_{w_0}\,\mathbb{E}[w_0^2 - 2 c_1 w_0 \phi(w) + c_2 \phi(w)^2
        \mid w_0] + \sigma^2\right)

    by a scan of ``[sigma^2/2, Eg_max]`` for sign changes followed by Brent's method on each.  The
    start law does not matter here (the stationary state is unique for every confined teacher).

    Parameters
    ----------
    quantizer : Quantizer with ``edge_width = 0``
    eta : float in (0, 2);  sigma : float >= 0;  rho : float > 0
    input_quantizer : hard Quantizer or None
        Quantizer ``psi`` of the inputs (THEORY 9b); None = unquantized inputs.
    teacher_value : float or None
        Constant teacher ``w* = c`` on every coordinate; None = Gaussian teacher N(0, rho).
    per_piece : Gauss-Legendre nodes per piece of ``[0, omega]`` (default 24, or 8 beyond 64 pieces)
    tol : absolute tolerance on Eg

    Returns
    -------
    STEStationaryResult
    """
    from scipy.optimize import brentq

    q, eta, sigma, rho = _check_common(quantizer, eta, sigma, rho)
    model = _model(input_quantizer, 0.0, teacher_value, rho)
    tol = V.positive("tol", tol)
    levels = np.ascontiguousarray(q.levels)
    thresholds = np.ascontiguousarray(q.thresholds)
    if per_piece is None:
        per_piece = 24 if 2 * q.n_p <= 64 else 8
    per_piece = V.integer("per_piece", per_piece, 2, 256)
    nodes, weights, tail, escaped, mirror = _teacher_quadrature(q, model, per_piece)
    c1, c2 = model.c1, model.c2
    bins = np.empty(levels.shape[0])
    calls = [0]

    def f(eg):
        calls[0] += 1
        return eg - _stationary_rhs(eg, eta, sigma, levels, thresholds, nodes, weights, tail, c1, c2,
                                    mirror, bins)

    lo = max(0.5 * sigma * sigma, 1e-12 * rho)
    abs_mean = math.sqrt(2.0 * rho / math.pi) if model.teacher_value is None else abs(model.teacher_value)
    hi = 0.5 * (model.teacher_m2 + 2.0 * q.omega * abs_mean * c1 + c2 * q.omega ** 2 + sigma * sigma) * 1.01
    grid = np.geomspace(lo, hi, 65)
    vals = np.array([f(x) for x in grid])
    roots = []
    for i in range(grid.size - 1):
        if vals[i] == 0.0:
            roots.append(float(grid[i]))
        elif vals[i] * vals[i + 1] < 0.0:
            roots.append(float(brentq(f, grid[i], grid[i + 1], xtol=tol, rtol=4 * np.finfo(float).eps)))
    eg_u = sigma * sigma / (2.0 - eta)
    params = _params(q, eta, sigma, rho, model)
    extra = dict(c1=c1, c2=c2, eg_float_weights=model.eg_float_weights(eta, sigma))
    if not roots:
        return STEStationaryResult(math.nan, eg_u, math.nan, np.full(levels.shape[0], math.nan), escaped, [],
                                   False, calls[0], math.nan, params, **extra)
    eg = roots[0]
    res = f(eg)
    frac = bins.copy()
    if mirror:
        frac[0] += 0.5 * escaped
        frac[-1] += 0.5 * escaped
    elif escaped:
        frac[-1 if model.teacher_value > 0 else 0] += 1.0
    return STEStationaryResult(eg, eg_u, eg - eg_u, frac, escaped, roots, True, calls[0], abs(res), params,
                               **extra)
