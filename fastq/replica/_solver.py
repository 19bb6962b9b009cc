"""Kernel of the RS fixed-point solver: damped iteration with safeguarded Anderson acceleration.

``x = (chi, eg)`` is iterated with ``x <- x + beta f``, ``f = G(x) - x`` (``G`` the RS map of
:mod:`fastq.replica._map`), accelerated by Anderson mixing (type II) where that provably helps:

* plain step ``x + beta f``: ``beta`` halves (down to 0.02) when a step overshoots (the new
  residual points against the old one) and regrows by 1.5x (up to ``beta0``) when it does not;
* Anderson step: the damped step corrected by the least-squares combination of the last
  ``anderson_m`` differences of iterates and residuals.  Safeguard: a step whose residual is not
  smaller than the current one, that leaves the domain (``chi < 0``, ``eg <= 0``) or is not finite
  is rejected, the history is cleared and a plain step is taken instead.  If the residual has not
  halved within ``_AA_PATIENCE`` evaluations, Anderson is switched off and the plain damped
  iteration finishes (slower per step, but it cannot stall on a long curved path).
"""
from __future__ import annotations

import math

import numpy as np

from .._jit import njit
from .._status import CONVERGED, DIVERGED, MAX_ITER
from ._layout import CHI, EG, ITERATIONS, KAPPA, N_MAP, RESIDUAL, STATUS, Q
from ._map import _add_kappa, _eval, _rs_map

#: chi beyond this is treated as a run-away (no finite fixed point reachable).
_CHI_RUNAWAY = 1e12
#: evaluations Anderson may take without halving the residual before the solver falls back to
#: the plain damped iteration.
_AA_PATIENCE = 40
#: smallest damping factor of the plain step
_BETA_MIN = 0.02


@njit
def _plain_step(x0, x1, f, beta):
    """The damped step ``x + beta f``, pulled back into the domain (halfway to 0) if it leaves it."""
    p0 = x0 + beta * f[0]
    p1 = x1 + beta * f[1]
    if p0 < 0.0:
        p0 = 0.5 * x0
    if p1 <= 0.0:
        p1 = 0.5 * x1
    return p0, p1


@njit
def _anderson_step(x0, x1, f, beta, dX, dF, nh):
    """Anderson-corrected damped step from the ``nh`` stored differences.

    Returns ``(p0, p1, ok)``; ``ok`` is False when the least-squares problem is degenerate or the
    step would leave the domain or is not finite (the caller then takes a plain step).
    """
    p0 = x0 + beta * f[0]
    p1 = x1 + beta * f[1]
    A = np.zeros((nh, nh))
    rhs = np.zeros(nh)
    tr = 0.0
    for a in range(nh):
        for b in range(nh):
            A[a, b] = dF[0, a] * dF[0, b] + dF[1, a] * dF[1, b]
        rhs[a] = dF[0, a] * f[0] + dF[1, a] * f[1]
        tr += A[a, a]
    if not tr > 0.0:
        return p0, p1, False
    for a in range(nh):
        A[a, a] += 1e-10 * tr
    gamma = np.linalg.solve(A, rhs)
    for a in range(nh):
        p0 -= (dX[0, a] + beta * dF[0, a]) * gamma[a]
        p1 -= (dX[1, a] + beta * dF[1, a]) * gamma[a]
    ok = math.isfinite(p0) and math.isfinite(p1) and p0 >= 0.0 and p1 > 0.0
    return p0, p1, ok


@njit
def _solve(breaks, value, slope, centre, thresholds, jumps, eps, alpha, sigma, lam, rho,
           chi0, eg0, tol, max_iter, anderson_m, beta0, out):
    """Solve ``x = G(x)`` from ``(chi0, eg0)`` (see the module docstring for the scheme).

    ``out`` (length ``N_SOLVE``) receives the slots of :mod:`fastq.replica._layout`: the map's
    quantities at the returned point, the number of map evaluations, the status code and the
    final scaled residual.
    """
    mem = max(anderson_m, 1)
    hist = np.zeros(2, dtype=np.int64)
    _solve_hist(breaks, value, slope, centre, thresholds, jumps, eps, alpha, sigma, lam, rho, chi0, eg0, tol,
                max_iter, anderson_m, beta0, np.zeros((2, mem)), np.zeros((2, mem)), hist, out)


@njit
def _solve_hist(breaks, value, slope, centre, thresholds, jumps, eps, alpha, sigma, lam, rho,
                chi0, eg0, tol, max_iter, anderson_m, beta0, dX, dF, hist, out):
    """:func:`_solve` with the Anderson history passed in and handed back: ``dX``, ``dF``
    (2 x max(anderson_m, 1)) hold the last differences of iterates and residuals, ``hist`` =
    ``(count, next slot)``.  A continuation passes on the history of the previous point's solve,
    a secant estimate of the residual's Jacobian there, so that the first step at a nearby point
    is already a quasi-Newton step (the safeguard rejects it if it does not reduce the residual);
    ``hist = (0, 0)`` is a fresh start.  The loop is kept in one function (about 90 lines)
    because its state -- iterate, residual, damping, Anderson history, stagnation mark -- is
    shared by every branch.
    """
    buf = np.empty(N_MAP)
    f = np.empty(2)
    fn = np.empty(2)
    mem = max(anderson_m, 1)
    nh = hist[0] if anderson_m > 0 else 0
    head = hist[1] if nh > 0 else 0  # columns 0..nh-1 are the valid ones until the ring is full
    beta = beta0
    x0 = chi0
    x1 = eg0
    args = (breaks, value, slope, centre, thresholds, jumps, eps, alpha, sigma, lam, rho)
    res = _eval(x0, x1, *args, buf, f)
    at_x = True  # buf holds the map at the current iterate (x0, x1)
    it = 1
    status = MAX_ITER
    aa_on = anderson_m > 0
    mark_res = res  # stagnation watch: Anderson must halve the residual within _AA_PATIENCE
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
            aa_on = False
            nh = 0
            head = 0
            beta = beta0
        used_aa = False
        if aa_on and nh > 0:
            p0, p1, used_aa = _anderson_step(x0, x1, f, beta, dX, dF, nh)
        if not used_aa:
            p0, p1 = _plain_step(x0, x1, f, beta)
        rn = _eval(p0, p1, *args, buf, fn)
        at_x = False
        it += 1
        if used_aa and not rn < res:
            # safeguard: reject the extrapolation, clear the history, take a plain step
            nh = 0
            head = 0
            if it >= max_iter:
                break
            p0, p1 = _plain_step(x0, x1, f, beta)
            rn = _eval(p0, p1, *args, buf, fn)
            it += 1
            used_aa = False
        if not math.isfinite(rn):
            if beta > _BETA_MIN:
                # the plain step left the region where the map is finite: shorten it
                beta = max(0.25 * beta, _BETA_MIN)
                nh = 0
                head = 0
                continue
            status = DIVERGED
            x0 = p0
            x1 = p1
            res = rn
            at_x = True
            break
        if not used_aa:
            if fn[0] * f[0] + fn[1] * f[1] < 0.0:
                beta = max(0.5 * beta, _BETA_MIN)
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
        at_x = True
    # derived quantities at the returned point: the last evaluation was there unless a step
    # was rejected on the way out; kappa is added only now
    if at_x:
        _add_kappa(x0, thresholds, jumps, eps, alpha, buf)
    else:
        _rs_map(x0, x1, *args, buf)
    out[CHI] = x0
    out[EG] = x1
    for k in range(Q, KAPPA + 1):
        out[k] = buf[k]
    out[ITERATIONS] = it
    out[STATUS] = status
    out[RESIDUAL] = res
    hist[0] = nh if aa_on else 0
    hist[1] = head
