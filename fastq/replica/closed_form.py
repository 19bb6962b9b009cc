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
    opc = 1.0 + chi
    mhat = alpha / opc
    theta = mhat + lam
    # Eg = A + B Eg with B = alpha / (opc^2 theta^2)
    bcoef = alpha / (opc * opc * theta * theta)
    m = mhat * rho * chi
    q_fixed = mhat * mhat * rho / (theta * theta)
    if not (1.0 - bcoef > 0.0 and math.isfinite(bcoef) and math.isfinite(chi)):
        # lam so small (and alpha <= 1) that the linear equation for Eg is singular in floating
        # point: the solution is not finite at this resolution
        raise NoFiniteSolution(
            f"ridge has no finite RS solution in double precision at lam={lam!r} with alpha={alpha!r} "
            "(the equation for Eg is singular); use a larger lam")
    eg = 0.5 * (q_fixed - 2.0 * m + rho + sigma * sigma) / (1.0 - bcoef)
    chihat = 2.0 * alpha * eg / (opc * opc)
    h = math.sqrt(mhat * mhat * rho + chihat)
    q = h * h / (theta * theta)
    at = alpha / (opc * opc) / (theta * theta)
    return RSResult(eg=eg, Q=q, m=m, chi=chi, h=h, theta=theta, at=at, kappa=0.0, edge_width=None,
                    converged=True, iterations=0, status="closed_form", residual=0.0)
