"""Ridge regression (no quantization) in closed form: fastq's reference curve (THEORY section 5)."""
from __future__ import annotations

import math

from .. import _validate as V
from .saddle import RSResult


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
    try:
        eg, q, m, h, theta, at = _given_chi(chi, alpha, sigma, lam, rho)
    except (ZeroDivisionError, OverflowError, ValueError):
        eg = math.nan
    if not (math.isfinite(chi) and math.isfinite(eg)):
        # lam so small (and alpha <= 1) that the closed form is singular or not representable in
        # double precision: there is no finite solution at this resolution
        raise NoFiniteSolution(
            f"ridge has no finite RS solution in double precision at lam={lam!r} with alpha={alpha!r} "
            "(the equation for Eg is singular at this resolution); use a larger lam")
    return RSResult(eg=eg, Q=q, m=m, chi=chi, h=h, theta=theta, at=at, kappa=0.0, edge_width=None,
                    converged=True, iterations=0, status="closed_form", residual=0.0)


def _given_chi(chi, alpha, sigma, lam, rho):
    """Eg (from its linear equation) and the derived Q, m, h, Theta, at at a known chi.

    Raises ZeroDivisionError/OverflowError (or returns a non-finite Eg) where the equation for Eg
    is singular in double precision; :func:`ridge` turns that into :class:`NoFiniteSolution`.
    """
    opc = 1.0 + chi
    mhat = alpha / opc
    theta = mhat + lam
    # Eg = A + B Eg with B = alpha / (opc^2 theta^2)
    bcoef = alpha / (opc * opc * theta * theta)
    if not (1.0 - bcoef > 0.0):
        return math.nan, math.nan, math.nan, math.nan, math.nan, math.nan
    m = mhat * rho * chi
    q_fixed = mhat * mhat * rho / (theta * theta)
    eg = 0.5 * (q_fixed - 2.0 * m + rho + sigma * sigma) / (1.0 - bcoef)
    chihat = 2.0 * alpha * eg / (opc * opc)
    h = math.sqrt(mhat * mhat * rho + chihat)
    q = h * h / (theta * theta)
    at = alpha / (opc * opc) / (theta * theta)
    return eg, q, m, h, theta, at
