"""Kernels of the sweeps: one RS solve from grid parameters, and a whole line with continuation.

A grid point builds its level set with the same kernel as :class:`fastq.Quantizer`
(``quantizers._levels``, or ``omega * base`` for a format or custom set) and solves with the same
kernel as :func:`fastq.solve_rs`
(``replica._solver._solve``, default Anderson memory 3 and damping 1), so a grid value equals the
single-point value by construction.
"""
from __future__ import annotations

import numpy as np

from .._jit import njit
from .._jump import _piece_table_jump
from .._pieces import _piece_table
from .._status import CONVERGED
from ..quantizers import _levels
from ..replica._layout import CHI, EG, N_SOLVE, STATUS
from ..replica._solver import _solve_hist

#: Anderson memory of the grid solves (as ``solve_rs``'s default)
_AA_M = 3


@njit
def _solve_one(log_scheme, base, base_th, n_p, omega, eps, jump, alpha, sigma, lam, rho, chi0, eg0, tol, max_iter, out,
               dX, dF, state):
    """One RS solve from grid parameters into ``out`` (one ``N_SOLVE`` row); ``jump`` selects the
    per-jump edge convention (``eps`` is then the ratio r; :mod:`fastq._jump`).  A non-empty
    ``base`` is a format's or custom set's shape (``Quantizer.base``): the levels are
    ``omega * base`` (``n_p`` and ``log_scheme`` unused), the thresholds ``omega * base_th`` if
    ``base_th`` is non-empty, else the midpoints -- the arithmetic of ``Quantizer`` itself.
    ``dX, dF, state``: the Anderson history of :func:`fastq.replica._solver._solve_hist`, read
    and updated; a continuation carries it from the previous point, ``state[0] = 0`` makes the
    solve fresh (what ``solve_rs`` does).
    """
    if base.shape[0] > 0:
        lv = omega * base
    else:
        lv = _levels(log_scheme, n_p, omega)
    if base_th.shape[0] > 0:
        th = omega * base_th
    else:
        th = 0.5 * (lv[1:] + lv[:-1])
    jumps = lv[1:] - lv[:-1]
    if jump:
        breaks, value, slope, centre = _piece_table_jump(lv, th, eps)
    else:
        breaks, value, slope, centre = _piece_table(lv, th, eps)
    _solve_hist(breaks, value, slope, centre, th, jumps, eps, alpha, sigma, lam, rho, chi0, eg0, tol,
                max_iter, _AA_M, 1.0, dX, dF, state, out)


@njit
def _history():
    """An empty Anderson history ``(dX, dF, state)`` for :func:`_solve_one`."""
    return np.zeros((2, _AA_M)), np.zeros((2, _AA_M)), np.zeros(2, dtype=np.int64)


#: reverse-pass modes of :func:`_sweep_line`
REVERSE_NONE, REVERSE_FULL, REVERSE_TARGETED = 0, 1, 2
#: relative difference of (chi, eg) above which two fixed points count as different
COEXIST_RTOL = 1e-6
#: a forward step is a candidate jump when its change exceeds this many times its neighbours'
_JUMP_FACTOR = 3.0


@njit
def _rel_change(a, b):
    """Largest relative change of (chi, eg) between two solver rows."""
    dc = abs(a[CHI] - b[CHI]) / max(1.0, abs(a[CHI]))
    de = abs(a[EG] - b[EG]) / max(1.0, abs(a[EG]))
    return max(dc, de)


@njit
def _same_point(a, b):
    """Both rows converged to the same fixed point (within COEXIST_RTOL)."""
    return (a[STATUS] == CONVERGED and b[STATUS] == CONVERGED
            and abs(a[CHI] - b[CHI]) <= COEXIST_RTOL * max(1.0, abs(a[CHI]))
            and abs(a[EG] - b[EG]) <= COEXIST_RTOL * max(1.0, abs(a[EG])))


@njit
def _extrapolate(fwd, j, order):
    """Predicted ``(chi, eg)`` at point ``j`` from the converged rows before it (index spacing):
    linear from j - 2, j - 1 (``order`` 1, or 2 without a third converged row), quadratic from
    j - 3, j - 2, j - 1 (``order`` 2) where the line is smooth there -- the second difference at
    most half the first in both unknowns; at a kink the quadratic term would overshoot, and the
    linear prediction is used.
    """
    c1 = fwd[j - 1, CHI]
    e1 = fwd[j - 1, EG]
    dc = c1 - fwd[j - 2, CHI]
    de = e1 - fwd[j - 2, EG]
    if order >= 2 and j >= 3 and fwd[j - 3, STATUS] == CONVERGED:
        d2c = dc - (fwd[j - 2, CHI] - fwd[j - 3, CHI])
        d2e = de - (fwd[j - 2, EG] - fwd[j - 3, EG])
        if abs(d2c) <= 0.5 * abs(dc) and abs(d2e) <= 0.5 * abs(de):
            return c1 + dc + d2c, e1 + de + d2e
    return c1 + dc, e1 + de


@njit
def _forward(log_scheme, base, base_th, n_p, omega, eps, jump, alpha, sigma, lam, rho, tol, max_iter, continuation,
             order, fwd):
    """The forward pass: point j starts from the converged solution at j - 1 (``continuation``),
    extrapolated from the rows before it when ``order`` is 1 (linear) or 2 (quadratic where
    smooth; :func:`_extrapolate`), otherwise from the uninformed start ``(1, (rho + sigma^2) / 2)``.
    A start from a prediction that does not converge is retried from the previous solution.
    """
    n = n_p.shape[0]
    buf = np.empty(N_SOLVE)
    dX, dF, state = _history()
    for j in range(n):
        c0 = 1.0
        e0 = 0.5 * (rho[j] + sigma[j] * sigma[j])
        predicted = False
        warm = continuation and j >= 1 and fwd[j - 1, STATUS] == CONVERGED
        if not warm:
            state[0] = 0  # a fresh start has no history
        if warm:
            c0 = fwd[j - 1, CHI]
            e0 = fwd[j - 1, EG]
            if order >= 1 and j >= 2 and fwd[j - 2, STATUS] == CONVERGED:
                cp, ep = _extrapolate(fwd, j, order)
                if cp >= 0.0 and ep > 0.0:
                    c0 = cp
                    e0 = ep
                    predicted = True
        _solve_one(log_scheme, base, base_th, n_p[j], omega[j], eps[j], jump, alpha[j], sigma[j], lam[j], rho[j],
                   c0, e0, tol, max_iter, buf, dX, dF, state)
        if predicted and buf[STATUS] != CONVERGED:
            state[0] = 0
            _solve_one(log_scheme, base, base_th, n_p[j], omega[j], eps[j], jump, alpha[j], sigma[j], lam[j], rho[j],
                       fwd[j - 1, CHI], fwd[j - 1, EG], tol, max_iter, buf, dX, dF, state)
        fwd[j, :] = buf


@njit
def _reverse_from(j0, c0, e0, log_scheme, base, base_th, n_p, omega, eps, jump, alpha, sigma, lam, rho, tol, max_iter,
                  fwd, rev, done):
    """Continue backwards from point ``j0`` (start ``(c0, e0)``) until the reverse solution
    meets the forward one (same fixed point) or the line ends.  Marks the points it solved in
    ``done``; stops early at a point already solved by another reverse segment.
    """
    buf = np.empty(N_SOLVE)
    dX, dF, state = _history()
    j = j0
    while j >= 0 and not done[j]:
        state[0] = 0  # every reverse solve is fresh (as solve_rs)
        _solve_one(log_scheme, base, base_th, n_p[j], omega[j], eps[j], jump, alpha[j], sigma[j], lam[j], rho[j],
                   c0, e0, tol, max_iter, buf, dX, dF, state)
        rev[j, :] = buf
        done[j] = True
        if _same_point(buf, fwd[j]):
            return
        if buf[STATUS] == CONVERGED:
            c0 = buf[CHI]
            e0 = buf[EG]
        else:
            c0 = 1.0
            e0 = 0.5 * (rho[j] + sigma[j] * sigma[j])
        j -= 1


@njit
def _sweep_line(log_scheme, base, base_th, n_p, omega, eps, jump, alpha, sigma, lam, rho, tol, max_iter, continuation,
                reverse, order, fwd, rev):
    """Solve one line of points (parameter arrays of equal length ``n``); ``fwd``/``rev``
    (n x N_SOLVE) receive the ``_solve`` output rows (slots of :mod:`fastq.replica._layout`).

    Forward pass: :func:`_forward`.  Reverse pass, to find coexisting fixed points:

    * ``REVERSE_FULL``: the whole line again from the other end (with continuation; without it,
      every point from the second start ``(0, eg_forward / 2)``);
    * ``REVERSE_TARGETED`` (with continuation): only where a second branch can hide.  Going
      forward, continuation stays on a branch until it ends and then jumps; going backward it
      stays on the other branch down to where that one ends.  So the region of coexistence starts
      at a forward jump and extends backwards, and a reverse segment started just after each
      candidate jump (a step much larger than its neighbours', or a point that did not converge)
      and continued until it meets the forward solution covers it, as does one started at the
      far end from the uninformed start (a branch that exists there).  Points no reverse segment
      reached keep the forward row in ``rev`` (the reverse pass would have followed the same
      branch);
    * ``REVERSE_NONE``: ``rev`` is left untouched.
    """
    n = n_p.shape[0]
    _forward(log_scheme, base, base_th, n_p, omega, eps, jump, alpha, sigma, lam, rho, tol, max_iter, continuation,
             order, fwd)
    if reverse == REVERSE_NONE or n < 2:
        return
    if reverse == REVERSE_FULL or not continuation:
        _reverse_full(log_scheme, base, base_th, n_p, omega, eps, jump, alpha, sigma, lam, rho, tol, max_iter,
                      continuation, fwd, rev)
        return
    done = np.zeros(n, dtype=np.bool_)
    _reverse_from(n - 1, 1.0, 0.5 * (rho[n - 1] + sigma[n - 1] * sigma[n - 1]), log_scheme, base, base_th, n_p,
                  omega, eps, jump, alpha, sigma, lam, rho, tol, max_iter, fwd, rev, done)
    for j in range(n - 2, -1, -1):
        if done[j]:
            continue
        step = _rel_change(fwd[j], fwd[j + 1])
        left = _rel_change(fwd[j - 1], fwd[j]) if j >= 1 else 0.0
        right = _rel_change(fwd[j + 1], fwd[j + 2]) if j + 2 < n else 0.0
        suspicious = (fwd[j, STATUS] != CONVERGED or fwd[j + 1, STATUS] != CONVERGED
                      or step > _JUMP_FACTOR * max(left, right))
        if suspicious:
            if fwd[j + 1, STATUS] == CONVERGED:
                c0 = fwd[j + 1, CHI]
                e0 = fwd[j + 1, EG]
            else:
                c0 = 1.0
                e0 = 0.5 * (rho[j] + sigma[j] * sigma[j])
            _reverse_from(j, c0, e0, log_scheme, base, base_th, n_p, omega, eps, jump, alpha, sigma, lam, rho, tol,
                          max_iter, fwd, rev, done)
    for j in range(n):
        if not done[j]:
            rev[j, :] = fwd[j, :]


@njit
def _reverse_full(log_scheme, base, base_th, n_p, omega, eps, jump, alpha, sigma, lam, rho, tol, max_iter, continuation,
                  fwd, rev):
    """The whole line solved again from the far end (see :func:`_sweep_line`)."""
    n = n_p.shape[0]
    buf = np.empty(N_SOLVE)
    dX, dF, state = _history()
    have = False
    c0 = 0.0
    e0 = 0.0
    for jj in range(n):
        j = n - 1 - jj
        if continuation:
            if not have:
                c0 = 1.0
                e0 = 0.5 * (rho[j] + sigma[j] * sigma[j])
        else:
            c0 = 0.0
            e0 = 0.5 * fwd[j, EG] if fwd[j, STATUS] == CONVERGED else 1e-3
        state[0] = 0  # every reverse solve is fresh (as solve_rs)
        _solve_one(log_scheme, base, base_th, n_p[j], omega[j], eps[j], jump, alpha[j], sigma[j], lam[j], rho[j],
                   c0, e0, tol, max_iter, buf, dX, dF, state)
        rev[j, :] = buf
        have = buf[STATUS] == CONVERGED
        c0 = buf[CHI]
        e0 = buf[EG]
