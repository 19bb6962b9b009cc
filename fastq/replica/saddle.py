"""Public API of the replica-symmetric saddle point (zero temperature): :func:`solve_rs`.

The equations and the kernels live in :mod:`fastq.replica._map` (one evaluation of the RS map,
exact Gaussian moments of the pieces of ``phi_eps``) and :mod:`fastq.replica._solver` (damped,
Anderson-accelerated fixed-point iteration); this module validates inputs, calls the kernel and
wraps its output row (named slots of :mod:`fastq.replica._layout`) in an :class:`RSResult`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .. import _validate as V
from .._status import STATUS_NAMES
from ..quantizers import Quantizer
from ._layout import (
    AT,
    CHI,
    EG,
    ITERATIONS,
    KAPPA,
    N_MAP,
    N_SOLVE,
    RESIDUAL,
    SOLVE_FIELDS,
    STATUS,
    THETA,
    H,
    M,
    Q,
)
from ._map import _rs_map
from ._solver import _solve


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
        """The record as a plain dict (JSON-ready through :func:`fastq.store.to_json`)."""
        d = asdict(self)
        d["rs"] = self.rs
        return d


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
    _check_quantizer(quantizer)
    alpha, sigma, lam, rho = V.model(alpha, sigma, lam, rho)
    tol = V.in_range("tol", tol, 0.0, 1e-2, lo_open=True)
    max_iter = V.integer("max_iter", max_iter, 1)
    anderson = V.integer("anderson", anderson, 0, 10)
    damping = V.in_range("damping", damping, 0.0, 1.0, lo_open=True)
    chi0, eg0 = default_start(sigma, rho) if start is None else _check_start(start)
    breaks, value, slope, centre = quantizer.pieces
    out = np.empty(N_SOLVE)
    _solve(breaks, value, slope, centre, quantizer.thresholds, quantizer.jumps, quantizer.edge_width,
           alpha, sigma, lam, rho, chi0, eg0, tol, max_iter, anderson, damping, out)
    return result_from_row(out, quantizer.edge_width)


def _check_start(start):
    """``(chi, eg)`` with chi >= 0 and eg > 0, or a one-line input error."""
    try:
        chi0, eg0 = start
    except (TypeError, ValueError):
        raise V.FastqInputError(f"start must be a pair (chi >= 0, eg > 0) (got {start!r})") from None
    return V.nonnegative("start chi", chi0), V.positive("start eg", eg0)


def _check_quantizer(quantizer):
    if not isinstance(quantizer, Quantizer):
        raise V.FastqInputError(f"quantizer must be a fastq.Quantizer (got {type(quantizer).__name__})")
    return quantizer


def result_from_row(row, eps) -> RSResult:
    """An :class:`RSResult` from one solver output row (slots of :mod:`fastq.replica._layout`).

    A row reported converged with a non-finite quantity (other than ``at = inf`` of the hard
    quantizer) is turned into status "diverged": nothing non-finite passes as a result.
    """
    status = STATUS_NAMES[int(row[STATUS])]
    finite = all(np.isfinite(row[k]) for k in (CHI, EG, Q, M, H, THETA, KAPPA)) and not np.isnan(row[AT])
    if status == "converged" and not finite:
        status = "diverged"
    return RSResult(eg=float(row[EG]), Q=float(row[Q]), m=float(row[M]), chi=float(row[CHI]),
                    h=float(row[H]), theta=float(row[THETA]), at=float(row[AT]),
                    kappa=float(row[KAPPA]), edge_width=float(eps),
                    converged=status == "converged", iterations=int(row[ITERATIONS]),
                    status=status, residual=float(row[RESIDUAL]))


def rs_map(quantizer: Quantizer, chi: float, eg: float, alpha: float, sigma: float, lam: float,
           rho: float = 1.0) -> dict:
    """One application of the RS map at (chi, eg) (kernel ``_rs_map``); used by state evolution
    and tests.  Returns chi', eg' and the derived Q, m, h, theta, at, kappa (NaN where the map
    is not finite, e.g. for an overflowing field).
    """
    _check_quantizer(quantizer)
    alpha, sigma, lam, rho = V.model(alpha, sigma, lam, rho)
    chi = V.nonnegative("chi", chi)
    eg = V.positive("eg", eg)
    breaks, value, slope, centre = quantizer.pieces
    buf = np.empty(N_MAP)
    _rs_map(chi, eg, breaks, value, slope, centre, quantizer.thresholds, quantizer.jumps,
            quantizer.edge_width, alpha, sigma, lam, rho, buf)
    return {k: float(buf[i]) for i, k in enumerate(SOLVE_FIELDS[:N_MAP])}


