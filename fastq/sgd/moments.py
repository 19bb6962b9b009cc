"""The exact second-moment recursion of quantized SGD, as per-coordinate coefficients (NumPy).

State per coordinate (docs/sgd.md, "Derivation"): the error second moment ``E_i = E[(w_i - w*_i)^2]``
and the mean factor ``delta_i`` with ``E[w_i - w*_i | w*] = delta_i w*_i`` (so
``E[(w_i - w*_i) w*_i] = pi_i delta_i``).  One step of SGD maps them affinely:

    E_i'     = aE_i E_i + ad_i delta_i + a0_i + h_i G,     G = sum_k (gE_k E_k + gd_k delta_k) + g0
    delta_i' = q_i delta_i + r_i

:func:`recursion_coefficients` builds every array from the per-coordinate moments of the quantized
data (:func:`data_moments`) and the targets' levels; the kernel ``_risk_recursion`` (in
``_recursion_kernels``) iterates them.  The ``E``-block is ``diag(aE) + h gE^T`` with ``h`` and
``gE`` both proportional to ``A = E[x~^2]``: symmetric, positive semi-definite, so its spectral
radius and the largest stable step follow from secular equations (:func:`stability`), and the
fixed point from Sherman-Morrison (:func:`stationary`).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .spec import SGDSetup


class DataMoments(NamedTuple):
    """Per-coordinate moments of the quantized feature ``x~`` (``x ~ N(0, lam)``).

    A = E[x~^2]; Delta = A - lam (= E[x~ d] = E[d^2], d = x~ - x); k4 = E[x~^4] - A^2;
    k3d = E[x~^3 d] - A Delta; k2d = E[x~^2 d^2] - A Delta; k22 = E[x~^2 x^2] - A lam.
    """

    A: np.ndarray
    Delta: np.ndarray
    k4: np.ndarray
    k3d: np.ndarray
    k2d: np.ndarray
    k22: np.ndarray


def data_moments(lam: np.ndarray, kind: str | None, eps: float) -> DataMoments:
    """Moments of ``x~ = Q_d(x)`` for ``kind`` None (no quantization), "add" or "mult".

    additive: ``x~ = x + n``, ``n ~ N(0, eps)``: Gaussian, Isserlis gives every term.
    multiplicative: ``x~ = x (1 + u)``, ``u ~ N(0, eps)``: not Gaussian, but each moment factorizes,
    ``E[x~^p x^q] = E[x^(p+q)] E[(1+u)^p]`` with ``E(1+u)^2 = 1 + eps``, ``E(1+u)^3 = 1 + 3 eps``,
    ``E(1+u)^4 = 1 + 6 eps + 3 eps^2``.
    """
    lam2 = lam * lam
    if kind is None or eps == 0.0:
        z = np.zeros_like(lam)
        return DataMoments(lam.copy(), z, 2 * lam2, z.copy(), z.copy(), 2 * lam2)
    if kind == "add":
        A = lam + eps
        return DataMoments(A, np.full_like(lam, eps), 2 * A * A, 2 * A * eps,
                           np.full_like(lam, 2 * eps * eps), 2 * lam2)
    if kind == "mult":
        return DataMoments(lam * (1 + eps), lam * eps, lam2 * (2 + 16 * eps + 8 * eps * eps),
                           8 * lam2 * eps * (1 + eps), 2 * lam2 * eps * (1 + 4 * eps), 2 * lam2 * (1 + eps))
    raise ValueError(kind)


class Coefficients(NamedTuple):
    """Arrays of the affine one-step map (see the module docstring) plus what the records need."""

    aE: np.ndarray
    ad: np.ndarray
    a0: np.ndarray
    h: np.ndarray
    gE: np.ndarray
    gd: np.ndarray
    g0: float
    q: np.ndarray
    r: np.ndarray
    # deployed weights Q_p(w): E[(Q_p(w)_i - w*_i)^2] = rho_p E_i + 2 mu_p pi_i delta_i + mu_p pi_i + e_pa
    rho_p: float
    mu_p: float
    e_pa: float
    # ingredients of the stability analysis: E-block = I - 2 gamma diag(A) + gamma^2 (diag(kdiag) + b A A^T)
    A: np.ndarray
    kdiag: np.ndarray
    b: float


def _levels(setup: SGDSetup):
    """(additive level, multiplicative level) of each target; 0 when off or the other model."""
    add = {}
    mult = {}
    for t in ("data", "label", "param", "activation", "gradient"):
        q = setup.quant.get(t)
        add[t] = q.eps if (q is not None and q.kind == "add") else 0.0
        mult[t] = q.eps if (q is not None and q.kind == "mult") else 0.0
    return add, mult


def recursion_coefficients(setup: SGDSetup) -> Coefficients:
    """Coefficients of the exact one-step map for a setup whose targets are all noise models."""
    if not setup.noise_models_only:
        raise ValueError("the exact recursion needs noise models (add/mult) on every target")
    lam, pi, g, B = setup.lam, setup.pi, setup.gamma, float(setup.batch)
    add, mult = _levels(setup)
    dq = setup.quant.get("data")
    dm = data_moments(lam, None if dq is None else dq.kind, 0.0 if dq is None else dq.eps)
    A, Dl = dm.A, dm.Delta
    rho, mu, e_pa = 1.0 + mult["param"], mult["param"], add["param"]
    ea_a, ea_m = add["activation"], mult["activation"]
    el_a, el_m = add["label"], mult["label"]
    eo_a, ko = add["gradient"], 1.0 + mult["gradient"]
    y2 = float(lam @ pi) + setup.sigma ** 2
    # affine forms (coefficient of E, of delta, constant) of the per-coordinate moments
    Eh = (rho, 2 * mu * pi, mu * pi + e_pa)                       # E[(w^_i - w*_i)^2]
    Sv = (rho, 2 * (1 + mu) * pi, (1 + mu) * pi + e_pa)           # E[w^_i^2]
    # M_local: E[x~_i^2 r^2] without its A_i * G part
    mloc = tuple(dm.k4 * Eh[j] + ea_m * dm.k4 * Sv[j] for j in range(3))
    mloc = (mloc[0], mloc[1] + 2 * dm.k3d * pi, mloc[2] + dm.k2d * pi + el_m * dm.k22 * pi)
    mean2 = (A * A * Eh[0], A * A * Eh[1] + 2 * A * Dl * pi, A * A * Eh[2] + Dl * Dl * pi)
    c1, c2 = g * g * ko / B, g * g * (1.0 - 1.0 / B)
    aE = 1.0 - 2 * g * A + c1 * mloc[0] + c2 * mean2[0]
    ad = -2 * g * Dl * pi + c1 * mloc[1] + c2 * mean2[1]
    a0 = c1 * mloc[2] + g * g * eo_a / B + c2 * mean2[2]
    h = c1 * A
    gE = A * rho * (1 + ea_m)
    gd = 2 * A * mu * pi + 2 * Dl * pi + ea_m * 2 * A * (1 + mu) * pi
    g0 = float(np.sum(A * (mu * pi + e_pa) + Dl * pi + ea_m * A * ((1 + mu) * pi + e_pa)))
    g0 += setup.sigma ** 2 + ea_a + el_a + el_m * y2
    kdiag = rho * (ko * (1 + ea_m) * dm.k4 / B + (1.0 - 1.0 / B) * A * A)
    b = ko * rho * (1 + ea_m) / B
    return Coefficients(aE, ad, a0, h, gE, gd, g0, 1.0 - g * A, -g * Dl, rho, mu, e_pa, A, kdiag, b)


def _top_secular(diag: np.ndarray, weights: np.ndarray, beta: float) -> float:
    """Largest eigenvalue of ``diag(diag) + beta v v^T`` with ``v_i^2 = weights_i`` (beta >= 0):
    the root above ``max(diag)`` of ``1 = beta sum weights_i / (mu - diag_i)`` (bisection to the
    last bit; the function is monotone there).
    """
    top = float(diag.max())
    if beta <= 0 or not np.any(weights > 0):
        return top
    lo, hi = top, top + beta * float(weights.sum())
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        with np.errstate(divide="ignore"):
            f = 1.0 - beta * float(np.sum(weights / (mid - diag)))
        if f < 0:
            lo = mid
        else:
            hi = mid
    return hi


def stability(coef: Coefficients, gamma: float):
    """(spectral radius of the E-block at ``gamma``, largest stable step ``gamma_max``).

    The E-block ``M = I - 2 gamma diag(A) + gamma^2 K``, ``K = diag(kdiag) + b A A^T`` is positive
    semi-definite (``kdiag_i >= A_i^2``), so SGD's second moments stay bounded iff
    ``2 diag(A) - gamma K`` is positive definite, i.e. ``gamma < gamma_max = 2 / mu_max`` with
    ``mu_max`` the top eigenvalue of ``diag(kdiag / A) + b sqrt(A) sqrt(A)^T``.
    """
    A = coef.A
    beta_g = gamma * gamma * coef.b
    rad = _top_secular(coef.aE, A * A, beta_g)
    mu_max = _top_secular(coef.kdiag / A, A.copy(), coef.b)
    return rad, 2.0 / mu_max


def stationary(coef: Coefficients):
    """Fixed point ``(E_inf, delta_inf)`` of the one-step map (meaningful when stable).

    ``delta_inf = r / (1 - q) = -Delta / A``; ``E`` solves ``(I - diag(aE) - h gE^T) E = c`` with
    ``c = ad delta_inf + a0 + h (gd . delta_inf + g0)``, by Sherman-Morrison.
    """
    d_inf = coef.r / (1.0 - coef.q)
    c = coef.ad * d_inf + coef.a0 + coef.h * (float(coef.gd @ d_inf) + coef.g0)
    den = 1.0 - coef.aE
    u = c / den
    v = coef.h / den
    s = float(coef.gE @ u) / (1.0 - float(coef.gE @ v))
    return u + v * s, d_inf


def risk_parts(lam, pi, E, delta, coef: Coefficients):
    """(risk, bias, variance, deployed risk) of one state, each ``1/2 sum lam_i (...)``."""
    lp = lam * pi
    risk = 0.5 * float(lam @ E)
    bias = 0.5 * float(lp @ (delta * delta))
    var = 0.5 * float(lam @ (E - pi * delta * delta))
    dep = 0.5 * (coef.rho_p * float(lam @ E) + 2 * coef.mu_p * float(lp @ delta)
                 + coef.mu_p * float(lp.sum()) + coef.e_pa * float(lam.sum()))
    return risk, bias, var, dep


def mean_factor(lam: np.ndarray, kind: str | None, eps: float) -> np.ndarray:
    """``w_inf = D w*`` of the mean recursion: ``D = lam / A`` (additive data noise:
    ``lam / (lam + eps)``; multiplicative: ``1 / (1 + eps)``; otherwise 1).
    """
    dm = data_moments(np.asarray(lam, dtype=np.float64), kind, eps)
    return np.asarray(lam, dtype=np.float64) / dm.A


__all__ = ["data_moments", "recursion_coefficients", "stability", "stationary", "risk_parts",
           "mean_factor"]
