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

from dataclasses import dataclass, asdict
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
#: evaluations Anderson may take without halving the residual before the solver falls back to
#: the plain damped iteration.
_AA_PATIENCE = 40


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
def _eval(x0, x1, breaks, value, slope, centre, thresholds, jumps, eps, alpha, sigma, lam, rho, buf, f):
    """Residual f = G(x) - x at x = (x0, x1); returns its scaled norm (inf if non-finite)."""
    _rs_map(x0, x1, breaks, value, slope, centre, thresholds, jumps, eps, alpha, sigma, lam, rho, buf)
    f[0] = buf[0] - x0
    f[1] = buf[1] - x1
    if not (math.isfinite(f[0]) and math.isfinite(f[1])):
        return np.inf
    return _scaled_res(f[0], f[1], x0, x1)


@njit
def _solve(breaks, value, slope, centre, thresholds, jumps, eps, alpha, sigma, lam, rho,
           chi0, eg0, tol, max_iter, anderson_m, beta0, out):
    """Fixed-point iteration x <- G(x), x = (chi, eg), with adaptive damping and safeguarded
    Anderson acceleration (type II, memory ``anderson_m``; 0 disables it).

    * Plain step: ``x + beta f`` with ``f = G(x) - x``.  ``beta`` halves (down to 0.02) when a
      plain step overshoots (the new residual points against the old one) and regrows by 1.5x
      (up to ``beta0``) when it does not.
    * Anderson step: the damped step corrected by the least-squares combination of the last
      ``anderson_m`` differences of iterates and residuals.  Safeguard: an Anderson step whose
      residual is not smaller than the current one, leaves the domain (chi < 0, eg <= 0) or is not
      finite is rejected; the history is cleared and a plain step is taken instead.  If the
      residual has not halved within ``_AA_PATIENCE`` evaluations, Anderson is switched off and
      the plain damped iteration finishes the job.

    ``out`` receives (chi, eg, Q, m, h, theta, at, kappa, iterations, status, residual), where
    iterations counts map evaluations.
    """
    buf = np.empty(8)
    f = np.empty(2)
    fn = np.empty(2)
    mem = max(anderson_m, 1)
    dX = np.zeros((2, mem))
    dF = np.zeros((2, mem))
    nh = 0
    head = 0
    beta = beta0
    x0 = chi0
    x1 = eg0
    res = _eval(x0, x1, breaks, value, slope, centre, thresholds, jumps, eps, alpha, sigma, lam, rho, buf, f)
    it = 1
    status = MAX_ITER
    aa_on = anderson_m > 0
    mark_res = res  # stagnation watch: AA must halve the residual within _AA_PATIENCE evaluations
    mark_it = it
    if not math.isfinite(res):
        status = DIVERGED
    while status == MAX_ITER:
        if res <= tol:
            status = CONVERGED
            break
        if x0 > _CHI_RUNAWAY:
            status = DIVERGED
            break
        if it >= max_iter:
            break
        if res < 0.5 * mark_res:
            mark_res = res
            mark_it = it
        elif aa_on and it - mark_it > _AA_PATIENCE:
            # Anderson is stagnating (a long, curved path to the fixed point): finish with the
            # plain damped iteration, which is slower per step but cannot stall this way
            aa_on = False
            nh = 0
            beta = beta0
        # ---- candidate step
        p0 = x0 + beta * f[0]
        p1 = x1 + beta * f[1]
        used_aa = False
        if aa_on and nh > 0:
            A = np.zeros((nh, nh))
            rhs = np.zeros(nh)
            tr = 0.0
            for a in range(nh):
                for b in range(nh):
                    A[a, b] = dF[0, a] * dF[0, b] + dF[1, a] * dF[1, b]
                rhs[a] = dF[0, a] * f[0] + dF[1, a] * f[1]
                tr += A[a, a]
            if tr > 0.0:
                for a in range(nh):
                    A[a, a] += 1e-10 * tr
                gamma = np.linalg.solve(A, rhs)
                q0 = p0
                q1 = p1
                for a in range(nh):
                    q0 -= (dX[0, a] + beta * dF[0, a]) * gamma[a]
                    q1 -= (dX[1, a] + beta * dF[1, a]) * gamma[a]
                if math.isfinite(q0) and math.isfinite(q1) and q0 >= 0.0 and q1 > 0.0:
                    p0 = q0
                    p1 = q1
                    used_aa = True
        if not used_aa:
            if p0 < 0.0:
                p0 = 0.5 * x0
            if p1 <= 0.0:
                p1 = 0.5 * x1
        rn = _eval(p0, p1, breaks, value, slope, centre, thresholds, jumps, eps, alpha, sigma, lam, rho, buf, fn)
        it += 1
        if used_aa and not rn < res:
            # ---- safeguard: reject the extrapolation, clear the history, take a plain step
            nh = 0
            head = 0
            if it >= max_iter:
                break
            p0 = x0 + beta * f[0]
            p1 = x1 + beta * f[1]
            if p0 < 0.0:
                p0 = 0.5 * x0
            if p1 <= 0.0:
                p1 = 0.5 * x1
            rn = _eval(p0, p1, breaks, value, slope, centre, thresholds, jumps, eps, alpha, sigma, lam, rho, buf, fn)
            it += 1
            used_aa = False
        if not math.isfinite(rn):
            if beta > 0.02:
                # the plain step left the region where the map is finite: shorten it
                beta = max(0.25 * beta, 0.02)
                nh = 0
                continue
            status = DIVERGED
            x0 = p0
            x1 = p1
            res = rn
            break
        if not used_aa:
            if fn[0] * f[0] + fn[1] * f[1] < 0.0:
                beta = max(0.5 * beta, 0.02)
            else:
                beta = min(1.5 * beta, beta0)
        if aa_on:
            dX[0, head] = p0 - x0
            dX[1, head] = p1 - x1
            dF[0, head] = fn[0] - f[0]
            dF[1, head] = fn[1] - f[1]
            head = (head + 1) % mem
            if nh < mem:
                nh += 1
        x0 = p0
        x1 = p1
        f[0] = fn[0]
        f[1] = fn[1]
        res = rn
    # derived quantities at the returned point
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
