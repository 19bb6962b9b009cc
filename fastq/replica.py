"""Replica-symmetric saddle point of quantized ridge regression (zero temperature).

Unknowns ``chi >= 0`` and ``Eg``.  Given them (``alpha = M/N``),

.. math::

    \\hat m = \\hat Q = \\frac{\\alpha}{1+\\chi}, \\quad \\hat\\chi = \\frac{2\\alpha E_g}{(1+\\chi)^2},
    \\quad h = \\sqrt{\\hat m^2 \\rho + \\hat\\chi}, \\quad \\Theta = \\hat Q + \\lambda,

and with the denoiser ``phi*(x) = phi_eps(x / Theta)``, ``x = h z``:

.. math::

    Q = \\int Dz\\, \\phi^*(hz)^2, \\quad \\chi = \\frac{1}{h}\\int Dz\\, z\\, \\phi^*(hz),
    \\quad m = \\hat m \\rho \\chi, \\quad E_g = \\tfrac12 (Q - 2m + \\rho + \\sigma^2).

Every integral is evaluated exactly by :mod:`fastq.gauss` on the pieces of ``phi_eps``.
The de Almeida-Thouless quantity is
``at = alpha / (1 + chi)^2 * int Dz (d phi*/dx)^2`` (RS stable iff at < 1) and the jump
coefficient ``kappa = alpha / (1 + chi)^2 * sum_k D_k^2 N(z_k) / (h Theta)``, ``z_k = Theta t_k / h``,
gives ``at ~ kappa / eps`` as eps -> 0.

Kernels: ``_rs_map`` (one application of the map), ``_solve`` (damped, Anderson-accelerated
fixed-point iteration).  Public: :func:`solve_rs`, :func:`ridge`, :class:`RSResult`.
"""
from __future__ import annotations

from dataclasses import dataclass, asdict, field
import math

import numpy as np

from . import _validate as V
from ._jit import njit
from .gauss import _npdf, _pl_moments
from .quantizers import Quantizer

# status codes of the kernel
CONVERGED, MAX_ITER, DIVERGED = 0, 1, 2
STATUS_NAMES = {CONVERGED: "converged", MAX_ITER: "max_iter", DIVERGED: "diverged"}

#: chi beyond this is treated as a run-away (no finite fixed point reachable).
_CHI_RUNAWAY = 1e12


@dataclass(frozen=True)
class RSResult:
    """Replica-symmetric solution (or the ridge closed form).

    Attributes
    ----------
    eg : generalization error ``(Q - 2m + rho + sigma^2) / 2``
    Q, m : self-overlap and teacher overlap per weight
    chi : susceptibility
    h, theta : effective field scale and precision of the scalar denoiser
    at : de Almeida-Thouless quantity (RS locally stable iff ``at < 1``); ``inf`` for a hard
        quantizer whose thresholds carry Gaussian weight
    kappa : jump coefficient (``at ~ kappa / edge_width`` for small widths); 0 for ridge
    edge_width : eps used (``None`` for ridge, which has no quantizer)
    converged : whether the fixed-point iteration met the tolerance
    iterations : map evaluations used
    status : "converged", "max_iter", "diverged" (run-away chi or non-finite values), or
        "closed_form" (ridge)
    residual : final scaled residual ``max_i |G(x)_i - x_i| / max(1, |x_i|)``
    """

    eg: float
    Q: float
    m: float
    chi: float
    h: float
    theta: float
    at: float
    kappa: float
    edge_width: float | None
    converged: bool
    iterations: int
    status: str = "converged"
    residual: float = 0.0

    @property
    def rs(self) -> bool:
        """True when the RS solution is locally stable (``at < 1``) and converged."""
        return bool(self.converged and self.at < 1.0)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["rs"] = self.rs
        return d


# ----------------------------------------------------------------------------- kernels
@njit
def _rs_map(chi, eg, breaks, value, slope, centre, thresholds, jumps, eps, alpha, sigma, lam, rho, out):
    """One evaluation of the RS map; fills ``out`` with
    (chi', eg', Q, m, h, theta, at, kappa) computed from the input (chi, eg)."""
    opc = 1.0 + chi
    mhat = alpha / opc
    chihat = 2.0 * alpha * eg / (opc * opc)
    h = math.sqrt(mhat * mhat * rho + chihat)
    theta = mhat + lam
    sc = h / theta  # x / Theta = sc * z
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
    eg_new = 0.5 * (q - 2.0 * m + rho + sigma * sigma)
    pref = alpha / (opc * opc)
    ksum = 0.0
    for k in range(thresholds.shape[0]):
        ksum += jumps[k] * jumps[k] * _npdf(thresholds[k] / sc)
    kappa = pref * ksum / (h * theta)
    if eps > 0.0:
        at = pref * id2 / (h * h)
    elif kappa > 0.0:
        at = np.inf
    else:
        at = 0.0
    out[0] = chi_new
    out[1] = eg_new
    out[2] = q
    out[3] = m
    out[4] = h
    out[5] = theta
    out[6] = at
    out[7] = kappa


@njit
def _scaled_res(f0, f1, x0, x1):
    r0 = abs(f0) / max(1.0, abs(x0))
    r1 = abs(f1) / max(1.0, abs(x1))
    return max(r0, r1)


@njit
def _solve(breaks, value, slope, centre, thresholds, jumps, eps, alpha, sigma, lam, rho,
           chi0, eg0, tol, max_iter, anderson_m, beta0, out):
    """Fixed-point iteration x <- G(x), x = (chi, eg), with adaptive damping and safeguarded
    Anderson acceleration (type II, memory ``anderson_m``; 0 disables it).

    Damping ``beta`` halves whenever successive residuals point in opposite directions (the map
    overshoots) and grows back by 1.5x (capped at ``beta0``) while they do not.  An Anderson step is
    accepted only if the residual at the new point is smaller than at the old one; otherwise the
    history is cleared and a plain damped step is taken from the best point.

    ``out`` receives (chi, eg, Q, m, h, theta, at, kappa, iterations, status, residual).
    """
    buf = np.empty(8)
    x0 = chi0
    x1 = eg0
    mem = max(anderson_m, 1)
    dX = np.zeros((2, mem))
    dF = np.zeros((2, mem))
    nh = 0  # history length
    head = 0
    beta = beta0
    prev_f0 = 0.0
    prev_f1 = 0.0
    prev_x0 = 0.0
    prev_x1 = 0.0
    have_prev = False
    prev_res = np.inf
    last_was_anderson = False
    status = MAX_ITER
    res = np.inf
    it = 0
    while it < max_iter:
        _rs_map(x0, x1, breaks, value, slope, centre, thresholds, jumps, eps, alpha, sigma, lam, rho, buf)
        it += 1
        f0 = buf[0] - x0
        f1 = buf[1] - x1
        if not (math.isfinite(f0) and math.isfinite(f1)):
            if last_was_anderson and have_prev:
                # reject: go back and take a damped plain step instead
                x0 = prev_x0 + beta * prev_f0
                x1 = prev_x1 + beta * prev_f1
                nh = 0
                last_was_anderson = False
                continue
            status = DIVERGED
            break
        res = _scaled_res(f0, f1, x0, x1)
        if res <= tol:
            status = CONVERGED
            break
        if x0 > _CHI_RUNAWAY:
            status = DIVERGED
            break
        if last_was_anderson and have_prev and res > prev_res:
            # safeguard: the extrapolated point is worse; restart from the previous point
            nh = 0
            head = 0
            last_was_anderson = False
            x0 = prev_x0 + beta * prev_f0
            x1 = prev_x1 + beta * prev_f1
            if x0 < 0.0:
                x0 = 0.5 * prev_x0
            if x1 <= 0.0:
                x1 = 0.5 * prev_x1
            continue
        if have_prev:
            # oscillation control on the plain map
            if f0 * prev_f0 + f1 * prev_f1 < 0.0:
                beta = max(0.5 * beta, 0.02)
            else:
                beta = min(1.5 * beta, beta0)
            if anderson_m > 0:
                dX[0, head] = x0 - prev_x0
                dX[1, head] = x1 - prev_x1
                dF[0, head] = f0 - prev_f0
                dF[1, head] = f1 - prev_f1
                head = (head + 1) % mem
                if nh < mem:
                    nh += 1
        prev_x0 = x0
        prev_x1 = x1
        prev_f0 = f0
        prev_f1 = f1
        prev_res = res
        have_prev = True
        # candidate steps
        p0 = x0 + beta * f0
        p1 = x1 + beta * f1
        used_anderson = False
        if anderson_m > 0 and nh > 0:
            # least squares min || f - dF gamma || via regularized normal equations
            A = np.zeros((nh, nh))
            rhs = np.zeros(nh)
            for a in range(nh):
                for b in range(nh):
                    A[a, b] = dF[0, a] * dF[0, b] + dF[1, a] * dF[1, b]
                rhs[a] = dF[0, a] * f0 + dF[1, a] * f1
            tr = 0.0
            for a in range(nh):
                tr += A[a, a]
            if tr > 0.0:
                for a in range(nh):
                    A[a, a] += 1e-12 * tr + 1e-300
                gamma = np.linalg.solve(A, rhs)
                q0 = p0
                q1 = p1
                for a in range(nh):
                    q0 -= (dX[0, a] + beta * dF[0, a]) * gamma[a]
                    q1 -= (dX[1, a] + beta * dF[1, a]) * gamma[a]
                if math.isfinite(q0) and math.isfinite(q1) and q0 >= 0.0 and q1 > 0.0:
                    p0 = q0
                    p1 = q1
                    used_anderson = True
        if p0 < 0.0:
            p0 = 0.5 * x0
        if p1 <= 0.0:
            p1 = 0.5 * x1
        last_was_anderson = used_anderson
        x0 = p0
        x1 = p1
    # final evaluation at the returned point (consistent derived quantities)
    _rs_map(x0, x1, breaks, value, slope, centre, thresholds, jumps, eps, alpha, sigma, lam, rho, buf)
    out[0] = x0
    out[1] = x1
    for k in range(2, 8):
        out[k] = buf[k]
    out[8] = it
    out[9] = status
    out[10] = res


# ----------------------------------------------------------------------------- public API
def default_start(sigma: float, rho: float = 1.0) -> tuple[float, float]:
    """The uninformed start point ``chi = 1, Eg = (rho + sigma^2) / 2`` (the error of w = 0)."""
    return 1.0, 0.5 * (rho + sigma * sigma)


def solve_rs(quantizer: Quantizer, alpha: float, sigma: float, lam: float, rho: float = 1.0, *,
             start: tuple[float, float] | None = None, tol: float = 1e-12, max_iter: int = 10_000,
             anderson: int = 3, damping: float = 1.0) -> RSResult:
    """Solve the RS saddle-point equations of quantized ridge regression (kernel ``_solve``).

    Parameters
    ----------
    quantizer : Quantizer
        Level set and edge width eps (``phi*(x) = phi_eps(x / Theta)``).
    alpha : float > 0
        Sample ratio M / N.
    sigma : float >= 0
        Output noise standard deviation.
    lam : float >= 0
        Ridge penalty on the quantized weights.
    rho : float > 0
        Teacher weight variance.
    start : (chi, eg), optional
        Start point; default ``(1, (rho + sigma^2) / 2)`` (the error of the zero estimator).
        When several fixed points coexist, the one reached depends on the start.
    tol : float
        Stop when ``|G(x)_i - x_i| <= tol * max(1, |x_i|)`` for both chi and eg (default 1e-12).
    max_iter : int
        Maximum number of map evaluations.
    anderson : int
        Anderson memory (0 = plain damped iteration).
    damping : float in (0, 1]
        Initial (and maximal) damping factor.

    Returns
    -------
    RSResult
        Check ``converged``/``status``: a non-converged run returns the last iterate with
        ``converged=False`` and status "max_iter" or "diverged".
    """
    if not isinstance(quantizer, Quantizer):
        raise V.FastqInputError(f"quantizer must be a fastq.Quantizer (got {type(quantizer).__name__})")
    alpha, sigma, lam, rho = V.model(alpha, sigma, lam, rho)
    tol = V.in_range("tol", tol, 0.0, 1e-2, lo_open=True)
    max_iter = V.integer("max_iter", max_iter, 1)
    anderson = V.integer("anderson", anderson, 0, 10)
    damping = V.in_range("damping", damping, 0.0, 1.0, lo_open=True)
    if start is None:
        chi0, eg0 = default_start(sigma, rho)
    else:
        if len(start) != 2:
            raise V.FastqInputError("start must be a pair (chi, eg)")
        chi0 = V.nonnegative("start chi", start[0])
        eg0 = V.positive("start eg", start[1])
    breaks, value, slope, centre = quantizer.pieces
    out = np.empty(11)
    _solve(breaks, value, slope, centre, quantizer.thresholds, quantizer.jumps, quantizer.edge_width,
           alpha, sigma, lam, rho, chi0, eg0, tol, max_iter, anderson, damping, out)
    return _result_from(out, quantizer.edge_width)


def _result_from(out, eps) -> RSResult:
    chi, eg, q, m, h, theta, at, kappa = (float(v) for v in out[:8])
    status = STATUS_NAMES[int(out[9])]
    return RSResult(eg=eg, Q=q, m=m, chi=chi, h=h, theta=theta, at=at, kappa=kappa,
                    edge_width=float(eps), converged=status == "converged", iterations=int(out[8]),
                    status=status, residual=float(out[10]))


def rs_map(quantizer: Quantizer, chi: float, eg: float, alpha: float, sigma: float, lam: float,
           rho: float = 1.0) -> dict:
    """One application of the RS map at (chi, eg) (kernel ``_rs_map``); used by state evolution
    and tests.  Returns chi', eg' and the derived Q, m, h, theta, at, kappa."""
    alpha, sigma, lam, rho = V.model(alpha, sigma, lam, rho)
    chi = V.nonnegative("chi", chi)
    eg = V.positive("eg", eg)
    breaks, value, slope, centre = quantizer.pieces
    buf = np.empty(8)
    _rs_map(chi, eg, breaks, value, slope, centre, quantizer.thresholds, quantizer.jumps,
            quantizer.edge_width, alpha, sigma, lam, rho, buf)
    keys = ("chi", "eg", "Q", "m", "h", "theta", "at", "kappa")
    return {k: float(v) for k, v in zip(keys, buf)}


class NoFiniteSolution(V.FastqInputError):
    """The requested setting has no finite solution (e.g. ridge with lam = 0 and alpha <= 1)."""


def ridge(alpha: float, sigma: float, lam: float, rho: float = 1.0) -> RSResult:
    """Closed-form RS solution of ridge regression (no quantization), the reference curve.

    ``chi`` is the positive root of ``lam chi^2 + (alpha + lam - 1) chi - 1 = 0`` and ``Eg``
    solves the linear equation ``Eg = (Q - 2m + rho + sigma^2) / 2`` with ``Q = h^2 / Theta^2``.

    Raises
    ------
    NoFiniteSolution
        for ``lam = 0`` and ``alpha <= 1`` (the minimum-norm interpolator is not what the RS
        equations at lam = 0 describe; they have no finite solution there).
    """
    alpha, sigma, lam, rho = V.model(alpha, sigma, lam, rho)
    if lam == 0.0:
        if alpha <= 1.0:
            raise NoFiniteSolution(
                f"ridge with lam = 0 has no finite RS solution for alpha <= 1 (got alpha={alpha!r}); "
                "use lam > 0 or alpha > 1")
        chi = 1.0 / (alpha - 1.0)
    else:
        bq = alpha + lam - 1.0
        disc = math.sqrt(bq * bq + 4.0 * lam)
        # positive root, written to avoid cancellation for either sign of bq
        chi = (2.0 / (disc + bq)) if bq >= 0 else ((disc - bq) / (2.0 * lam))
    opc = 1.0 + chi
    mhat = alpha / opc
    theta = mhat + lam
    # Eg = A + B Eg with B = alpha / (opc^2 theta^2)
    bcoef = alpha / (opc * opc * theta * theta)
    m = mhat * rho * chi
    q_fixed = mhat * mhat * rho / (theta * theta)
    eg = 0.5 * (q_fixed - 2.0 * m + rho + sigma * sigma) / (1.0 - bcoef)
    chihat = 2.0 * alpha * eg / (opc * opc)
    h = math.sqrt(mhat * mhat * rho + chihat)
    q = h * h / (theta * theta)
    at = alpha / (opc * opc) / (theta * theta)
    return RSResult(eg=eg, Q=q, m=m, chi=chi, h=h, theta=theta, at=at, kappa=0.0, edge_width=None,
                    converged=True, iterations=0, status="closed_form", residual=0.0)
