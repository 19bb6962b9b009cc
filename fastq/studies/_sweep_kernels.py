"""Kernels of the sweeps: one RS solve from grid parameters, and a whole line with continuation.

A grid point builds its level set with the same kernel as :class:`fastq.Quantizer`
(``quantizers._levels``) and solves with the same kernel as :func:`fastq.solve_rs`
(``replica._solver._solve``, default Anderson memory 3 and damping 1), so a grid value equals the
single-point value by construction.
"""
from __future__ import annotations

import numpy as np

from .._jit import njit
from .._status import CONVERGED
from ..quantizers import _levels, _piece_table
from ..replica._layout import CHI, EG, N_SOLVE, STATUS
from ..replica._solver import _solve


@njit
def _solve_one(log_scheme, n_p, omega, eps, alpha, sigma, lam, rho, chi0, eg0, tol, max_iter, out):
    """One RS solve from grid parameters into ``out`` (one ``N_SOLVE`` row)."""
    lv = _levels(log_scheme, n_p, omega)
    th = 0.5 * (lv[1:] + lv[:-1])
    jumps = lv[1:] - lv[:-1]
    breaks, value, slope, centre = _piece_table(lv, th, eps)
    _solve(breaks, value, slope, centre, th, jumps, eps, alpha, sigma, lam, rho, chi0, eg0, tol,
           max_iter, 3, 1.0, out)


@njit
def _sweep_line(log_scheme, n_p, omega, eps, alpha, sigma, lam, rho, tol, max_iter, continuation,
                check_direction, fwd, rev):
    """Solve one line of points (parameter arrays of equal length ``n``).

    Forward pass: point j starts from the converged solution at j - 1 (``continuation``) or from
    the uninformed start ``(1, (rho + sigma^2) / 2)``.  Reverse pass (``check_direction``): the
    same from the other end; without continuation it starts from ``(0, eg_forward / 2)``.
    ``fwd``/``rev`` (n x N_SOLVE) receive the ``_solve`` output rows (slots of
    :mod:`fastq.replica._layout`); ``rev`` is left untouched when the reverse pass is not run.
    """
    n = n_p.shape[0]
    buf = np.empty(N_SOLVE)
    have = False
    c0 = 0.0
    e0 = 0.0
    for j in range(n):
        if not (continuation and have):
            c0 = 1.0
            e0 = 0.5 * (rho[j] + sigma[j] * sigma[j])
        _solve_one(log_scheme, n_p[j], omega[j], eps[j], alpha[j], sigma[j], lam[j], rho[j], c0, e0,
                   tol, max_iter, buf)
        fwd[j, :] = buf
        have = buf[STATUS] == CONVERGED
        c0 = buf[CHI]
        e0 = buf[EG]
    if not check_direction or n < 2:
        return
    have = False
    for jj in range(n):
        j = n - 1 - jj
        if continuation:
            if not have:
                c0 = 1.0
                e0 = 0.5 * (rho[j] + sigma[j] * sigma[j])
        else:
            c0 = 0.0
            e0 = 0.5 * fwd[j, EG] if fwd[j, STATUS] == CONVERGED else 1e-3
        _solve_one(log_scheme, n_p[j], omega[j], eps[j], alpha[j], sigma[j], lam[j], rho[j], c0, e0,
                   tol, max_iter, buf)
        rev[j, :] = buf
        have = buf[STATUS] == CONVERGED
        c0 = buf[CHI]
        e0 = buf[EG]
