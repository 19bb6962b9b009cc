r"""Kernel of one evaluation of the RS saddle-point map (THEORY section 3).

Given ``(chi, Eg)`` (``alpha = M/N``):

.. math::

    \hat m = \hat Q = \frac{\alpha}{1+\chi}, \quad \hat\chi = \frac{2\alpha E_g}{(1+\chi)^2},
    \quad h = \sqrt{\hat m^2 \rho + \hat\chi}, \quad \Theta = \hat Q + \lambda,

and with the denoiser ``phi*(x) = phi_eps(x / Theta)``, ``x = h z``:

.. math::

    Q = \int Dz\, \phi^*(hz)^2, \quad \chi' = \frac{1}{h}\int Dz\, z\, \phi^*(hz),
    \quad m = \hat m \rho \chi', \quad E_g' = \tfrac12 (Q - 2m + \rho + \sigma^2).

Every integral is the exact Gaussian moment of the pieces of ``phi_eps`` (:mod:`fastq.gauss`).
The de Almeida-Thouless quantity is ``at = alpha / (1 + chi)^2 * int Dz (d phi*/dx)^2`` and the
jump coefficient ``kappa = alpha / (1 + chi)^2 * sum_k D_k^2 N(z_k) / (h Theta)``,
``z_k = Theta t_k / h``, gives ``at ~ kappa / eps`` as eps -> 0.
"""
from __future__ import annotations

import math

import numpy as np

from .._jit import njit
from ..gauss import _npdf, _pl_moments
from ._layout import AT, CHI, EG, KAPPA, THETA, H, M, Q


@njit
def _rs_map(chi, eg, breaks, value, slope, centre, thresholds, jumps, eps, alpha, sigma, lam, rho, out):
    """One evaluation of the RS map at ``(chi, eg)``: fills slots ``CHI..KAPPA`` of ``out``
    (see :mod:`fastq.replica._layout`) with ``chi', eg', Q, m, h, theta, at, kappa``.
    """
    _rs_core(chi, eg, breaks, value, slope, centre, eps, alpha, sigma, lam, rho, out)
    _add_kappa(chi, thresholds, jumps, eps, alpha, out)


@njit
def _add_kappa(chi, thresholds, jumps, eps, alpha, out):
    """Complete a :func:`_rs_core` row at ``chi`` with the jump coefficient (and, for the hard
    quantizer, ``at = inf`` where a threshold carries Gaussian weight).
    """
    if not math.isfinite(out[H]):
        return
    opc = 1.0 + chi
    pref = alpha / (opc * opc)
    h = out[H]
    theta = out[THETA]
    sc = h / theta
    ksum = 0.0
    for k in range(thresholds.shape[0]):
        ksum += jumps[k] * jumps[k] * _npdf(thresholds[k] / sc)
    kappa = pref * ksum / (h * theta)
    if eps == 0.0:
        out[AT] = np.inf if kappa > 0.0 else 0.0
    out[KAPPA] = kappa


@njit
def _rs_core(chi, eg, breaks, value, slope, centre, eps, alpha, sigma, lam, rho, out):
    """The RS map without the jump coefficient: slots ``CHI..AT`` (``AT`` only for eps > 0).

    The solver's iterations need only ``chi'`` and ``eg'``; kappa (one density per threshold) is
    computed once, at the returned point, by :func:`_rs_map`.
    """
    opc = 1.0 + chi
    mhat = alpha / opc
    chihat = 2.0 * alpha * eg / (opc * opc)
    h = math.sqrt(mhat * mhat * rho + chihat)
    theta = mhat + lam
    sc = h / theta  # x / Theta = sc * z
    if not (math.isfinite(h) and math.isfinite(theta) and math.isfinite(sc) and sc > 0.0):
        # an overflowing or degenerate field (e.g. alpha ~ 1e160 squares to inf): report NaN,
        # which the solver turns into status "diverged", never into a number
        for k in range(KAPPA + 1):
            out[k] = np.nan
        return
    n = value.shape[0]
    zb = np.empty(n + 1)
    for j in range(n + 1):
        zb[j] = breaks[j] / sc
    c1 = np.empty(n)
    zm = np.empty(n)
    for j in range(n):
        c1[j] = slope[j] * sc
        zm[j] = centre[j] / sc
    _, q, iz, id2 = _pl_moments(zb, value, c1, zm)
    chi_new = iz / h
    m = mhat * rho * chi_new
    out[CHI] = chi_new
    out[EG] = 0.5 * (q - 2.0 * m + rho + sigma * sigma)
    out[Q] = q
    out[M] = m
    out[H] = h
    out[THETA] = theta
    out[AT] = alpha / (opc * opc) * id2 / (h * h) if eps > 0.0 else np.nan


@njit
def _scaled_res(f0, f1, x0, x1):
    """``max_i |f_i| / max(1, |x_i|)``: the residual norm of the solver's stopping rule."""
    r0 = abs(f0) / max(1.0, abs(x0))
    r1 = abs(f1) / max(1.0, abs(x1))
    return max(r0, r1)


@njit
def _eval(x0, x1, breaks, value, slope, centre, thresholds, jumps, eps, alpha, sigma, lam, rho, buf, f):
    """Residual ``f = G(x) - x`` at ``x = (chi, eg)``; returns its scaled norm (inf if non-finite)."""
    _rs_core(x0, x1, breaks, value, slope, centre, eps, alpha, sigma, lam, rho, buf)
    f[0] = buf[CHI] - x0
    f[1] = buf[EG] - x1
    if not (math.isfinite(f[0]) and math.isfinite(f[1])):
        return np.inf
    return _scaled_res(f[0], f[1], x0, x1)
