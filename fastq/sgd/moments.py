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

import math
from typing import NamedTuple

import numpy as np

from .spec import SGDSetup


class DataMoments(NamedTuple):
    """Per-coordinate moments of the quantized feature ``x~`` (``x ~ N(0, lam)``, ``d = x~ - x``).

    A = E[x~^2]; Delta = E[x~ d] = A - E[x~ x]; Qd = E[d^2] (= Delta for unbiased quantizers,
    where ``E[x~ x] = lam``); k4 = E[x~^4] - A^2; k3d = E[x~^3 d] - A Delta;
    k2d = E[x~^2 d^2] - A Qd; k22 = E[x~^2 x^2] - A lam; C = E[x~ x].
    """

    A: np.ndarray
    Delta: np.ndarray
    k4: np.ndarray
    k3d: np.ndarray
    k2d: np.ndarray
    k22: np.ndarray
    Qd: np.ndarray
    C: np.ndarray


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
        return DataMoments(lam.copy(), z, 2 * lam2, z.copy(), z.copy(), 2 * lam2, z.copy(), lam.copy())
    if kind == "add":
        A = lam + eps
        return DataMoments(A, np.full_like(lam, eps), 2 * A * A, 2 * A * eps,
                           np.full_like(lam, 2 * eps * eps), 2 * lam2, np.full_like(lam, eps), lam.copy())
    if kind == "mult":
        return DataMoments(lam * (1 + eps), lam * eps, lam2 * (2 + 16 * eps + 8 * eps * eps),
                           8 * lam2 * eps * (1 + eps), 2 * lam2 * eps * (1 + 4 * eps), 2 * lam2 * (1 + eps),
                           lam * eps, lam.copy())
    raise ValueError(kind)


def real_data_moments(lam: np.ndarray, q, R: float | None = None) -> DataMoments:
    """Exact moments of ``x~ = Q(x)`` for a real quantizer ``q`` (INT / FP grid, stochastic rounding
    or round-to-nearest) on every coordinate ``x_i ~ N(0, lam_i)`` (kernel ``_quant_moments``).

    ``R``: the INT range (``q.range`` when set).  The raw moments ``E[x~^2], E[x~ x], E[x~^4],
    E[x~^3 x], E[x~^2 x^2]`` are exact Gaussian integrals over the grid's pieces; FP binades more
    than 10 below a coordinate's own binade are treated as exact (``x~ = x``: their share of the
    quantization noise is below 1e-9).  Grids with more than ``MAX_POINTS`` points within 10
    standard deviations are refused (ValueError; the callers validate first).
    """
    from ._quant_moments import CUT, _all_coords

    lam = np.asarray(lam, dtype=np.float64)
    sig = np.sqrt(lam)
    pts, starts = _grid_points(q, R, sig, CUT)
    raw = np.empty((lam.size, 5))
    _all_coords(sig, pts, starts, 1 if q.nearest else 0, raw)
    m20, m11, m40, m31, m22 = raw.T
    A, Dl = m20, m20 - m11
    Qd = m20 - 2.0 * m11 + lam
    e3d = m40 - m31                      # E[x~^3 d]
    e2d2 = m40 - 2.0 * m31 + m22         # E[x~^2 d^2]
    return DataMoments(A, Dl, m40 - A * A, e3d - A * Dl, e2d2 - A * Qd, m22 - A * lam, Qd, m11)


#: largest number of grid points :func:`real_data_moments` builds
MAX_POINTS = 20_000_000


def grid_size(q, R, sig_max: float, sig_min: float) -> int:
    """Number of grid points :func:`real_data_moments` would build (for the up-front check)."""
    from ._quant_moments import CUT

    if q.family == "int":
        delta = q.grid_step(R)
        return int(min(2 ** (q.bits - 1) - 1, math.ceil(CUT * sig_max / delta) + 2)) + 1
    emin, emax, _ = q.fp_limits
    e_lo = max(emin, math.floor(math.log2(sig_min)) - FP_EXACT_BINADES)
    e_hi = min(emax, math.ceil(math.log2(CUT * sig_max)) + 1)
    return (max(e_hi - e_lo, 0) + 2) * 2 ** q.mantissa


#: FP binades this far below a coordinate's own binade are treated as exact
FP_EXACT_BINADES = 10


def _grid_points(q, R, sig, cut):
    """Positive grid points (ascending, last = clip value unless beyond ``cut`` sigma) and the first
    point used by each coordinate.
    """
    if grid_size(q, R, float(sig.max()), float(sig.min())) > MAX_POINTS:
        raise ValueError(f"grid of {q} too fine for the exact moments (> {MAX_POINTS} points)")
    if q.family == "int":
        delta = q.grid_step(R)
        K = 2 ** (q.bits - 1) - 1
        kmax = int(min(K, math.ceil(cut * float(sig.max()) / delta) + 2))
        return np.arange(kmax + 1, dtype=np.float64) * delta, np.zeros(sig.size, dtype=np.int64)
    emin, emax, vmax = q.fp_limits
    m = q.mantissa
    e_lo = max(emin, math.floor(math.log2(float(sig.min()))) - FP_EXACT_BINADES)
    e_hi = min(emax, math.ceil(math.log2(cut * float(sig.max()))) + 1)
    j = np.arange(2 ** m, dtype=np.float64)
    parts = [j * 2.0 ** (emin - m)] if e_lo == emin else []
    parts += [2.0 ** e + j * 2.0 ** (e - m) for e in range(e_lo, e_hi + 1)]
    if e_hi < emax:
        parts.append(np.array([2.0 ** (e_hi + 1)]))
    pts = np.concatenate(parts)
    th = np.exp2(np.floor(np.log2(sig)) - FP_EXACT_BINADES)
    starts = np.where(th <= 2.0 ** emin, 0, np.searchsorted(pts, th)).astype(np.int64)
    return pts, starts


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
    C: np.ndarray  # E[x~ x] per coordinate: the mean fixed point is w_inf = (C / A) w*


def setup_data_moments(setup: SGDSetup) -> DataMoments:
    """Moments of the setup's quantized data (noise model, real quantizer or none)."""
    dq = setup.quant.get("data")
    if dq is not None and not dq.is_noise_model:
        R = dq.range if dq.range is not None else (setup.default_range("data") if dq.family == "int" else None)
        return real_data_moments(setup.lam, dq, R)
    return data_moments(setup.lam, None if dq is None else dq.kind, 0.0 if dq is None else dq.eps)


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
    if not setup.has_exact_risk:
        raise ValueError("the exact recursion needs noise models (add/mult) on every target but the data")
    lam, pi, g, B = setup.lam, setup.pi, setup.gamma, float(setup.batch)
    add, mult = _levels(setup)
    dm = setup_data_moments(setup)
    A, Dl, Qd = dm.A, dm.Delta, dm.Qd
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
    g0 = float(np.sum(A * (mu * pi + e_pa) + Qd * pi + ea_m * A * ((1 + mu) * pi + e_pa)))
    g0 += setup.sigma ** 2 + ea_a + el_a + el_m * y2
    kdiag = rho * (ko * (1 + ea_m) * dm.k4 / B + (1.0 - 1.0 / B) * A * A)
    b = ko * rho * (1 + ea_m) / B
    return Coefficients(aE, ad, a0, h, gE, gd, g0, 1.0 - g * A, -g * Dl, rho, mu, e_pa, A, kdiag, b, dm.C)


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
    Coordinates with ``A_i = 0`` (a round-to-nearest data grid that maps every sample of them to
    0) never move: they are left out, unless additive gradient noise makes them a random walk
    (then the radius is reported as 1: unbounded, linearly growing moments).
    """
    live = coef.A > 0
    A = coef.A[live]
    beta_g = gamma * gamma * coef.b
    rad = _top_secular(coef.aE[live], A * A, beta_g) if A.size else 0.0
    mu_max = _top_secular(coef.kdiag[live] / A, A.copy(), coef.b) if A.size else 0.0
    if not live.all() and np.any(coef.a0[~live] > 0):
        rad = max(rad, 1.0)
    return rad, (2.0 / mu_max if mu_max > 0 else np.inf)


def stationary(coef: Coefficients, pi: np.ndarray | None = None):
    """Fixed point ``(E_inf, delta_inf)`` of the one-step map (meaningful when stable).

    ``delta_inf = r / (1 - q) = -Delta / A``; ``E`` solves ``(I - diag(aE) - h gE^T) E = c`` with
    ``c = ad delta_inf + a0 + h (gd . delta_inf + g0)``, by Sherman-Morrison.  Frozen coordinates
    (``A_i = 0``) keep their start ``E_i = pi_i``, ``delta_i = -1`` (``pi`` required then).
    """
    live = coef.A > 0
    d_inf = np.full(coef.A.size, -1.0)
    d_inf[live] = coef.r[live] / (1.0 - coef.q[live])
    c = coef.ad * d_inf + coef.a0 + coef.h * (float(coef.gd @ d_inf) + coef.g0)
    den = np.where(live, 1.0 - coef.aE, 1.0)
    u = np.where(live, c / den, 0.0)
    v = np.where(live, coef.h / den, 0.0)
    s = float(coef.gE @ u) / (1.0 - float(coef.gE @ v))
    E = u + v * s
    if not live.all():
        if pi is None:
            raise ValueError("stationary: pi is needed when some coordinates are frozen (A = 0)")
        E[~live] = pi[~live]
    return E, d_inf


def risk_parts(lam, pi, E, delta, coef: Coefficients):
    """(risk, bias, variance, deployed risk) of one state, each ``1/2 sum lam_i (...)``."""
    lp = lam * pi
    risk = 0.5 * float(lam @ E)
    bias = 0.5 * float(lp @ (delta * delta))
    var = 0.5 * float(lam @ (E - pi * delta * delta))
    dep = 0.5 * (coef.rho_p * float(lam @ E) + 2 * coef.mu_p * float(lp @ delta)
                 + coef.mu_p * float(lp.sum()) + coef.e_pa * float(lam.sum()))
    return risk, bias, var, dep


def mean_factor(lam: np.ndarray, kind: str | None, eps: float, dm: DataMoments | None = None) -> np.ndarray:
    """``w_inf = D w*`` of the mean recursion: ``D = E[x~ x] / E[x~^2]`` (0 where ``E[x~^2] = 0``; additive
    data noise: ``lam / (lam + eps)``; multiplicative: ``1 / (1 + eps)``; otherwise 1).  ``dm``:
    precomputed moments (e.g. of a real quantizer), else those of the noise model ``kind``.
    """
    if dm is None:
        dm = data_moments(np.asarray(lam, dtype=np.float64), kind, eps)
    live = dm.A > 0
    return np.where(live, dm.C / np.where(live, dm.A, 1.0), 0.0)


__all__ = ["data_moments", "real_data_moments", "setup_data_moments", "recursion_coefficients", "stability",
           "stationary", "risk_parts", "mean_factor"]
