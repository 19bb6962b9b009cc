r"""The AMP iteration for K runs sharing one instance (THEORY section 7).

Per iteration, with ``X2 = X * X`` (formed on the fly, never stored):

.. math::

    V_\mu = \sum_i X^2_{\mu i} v_i, \quad
    \theta_\mu = \sum_i X_{\mu i} \bar m_i - V_\mu g^{\rm old}_\mu, \quad
    g_\mu = \frac{y_\mu - \theta_\mu}{1 + V_\mu},

    \Sigma_i = \Big(\sum_\mu \frac{X^2_{\mu i}}{1 + V_\mu}\Big)^{-1}, \quad
    R_i = \bar m_i + \Sigma_i \sum_\mu X_{\mu i} g_\mu,

    \bar m_i = \phi_\varepsilon\Big(\frac{R_i}{1 + \lambda\Sigma_i}\Big), \quad
    v_i = \frac{\phi_\varepsilon'(R_i / (1 + \lambda\Sigma_i))}{\lambda + 1/\Sigma_i},

``g^old = 0`` at the first step.  The *scalar-variance* form replaces ``V_mu`` by ``mean(v)``
and ``1/Sigma_i`` by ``alpha / (1 + mean(v))``.  Either form makes two passes over X per
iteration (:mod:`._products`: the full form computes its variance products in the same passes as
the mean products).  Runs that have stopped are left out of the products.
"""
from __future__ import annotations

import math

import numpy as np

from .._jit import njit
from .._jump import _phi_dphi_jump
from .._status import CONVERGED, DIVERGED, MAX_ITER
from ..quantizers import _phi_dphi
from ._products import PRANGE, _bwd, _fwd

#: status of a run still iterating
RUNNING = -1


@njit
def _active_runs(status):
    """Indices of the runs whose status is ``RUNNING``."""
    na = 0
    for c in range(status.shape[0]):
        if status[c] == RUNNING:
            na += 1
    act = np.empty(na, dtype=np.int64)
    j = 0
    for c in range(status.shape[0]):
        if status[c] == RUNNING:
            act[j] = c
            j += 1
    return act


@njit(inline="always")
def _output_side(X, y, U, Vv, act, gold, full, threads):
    """``g`` and ``1 / (1 + V)`` per active run (the output channel): returns ``(G, W)``."""
    m, n = X.shape
    na = act.shape[0]
    P = np.empty((na, m))
    Vm = np.empty((na, m))
    _fwd(X, U, Vv, full, P, Vm, threads)  # P = X u and, if full, Vm = X2 v: one pass
    if not full:
        for j in range(na):
            s = 0.0
            for i in range(n):
                s += Vv[j, i]
            Vm[j, :] = s / n
    G = np.empty((na, m))
    W = np.empty((na, m))  # 1 / (1 + V)
    for j in range(na):
        c = act[j]
        for mu in range(m):
            w = 1.0 / (1.0 + Vm[j, mu])
            G[j, mu] = (y[mu] - (P[j, mu] - Vm[j, mu] * gold[c, mu])) * w
            W[j, mu] = w
    return G, W


@njit(inline="always")
def _input_side(X, G, W, full, alpha, threads):
    """``X.T g`` and ``1 / Sigma`` per active run (the input channel): returns ``(B, A)``."""
    n = X.shape[1]
    na = G.shape[0]
    B = np.empty((na, n))
    A = np.empty((na, n))  # 1 / Sigma
    _bwd(X, G, W, full, B, A, threads)  # B = X.T g and, if full, A = X2.T w: one pass
    if not full:
        for j in range(na):
            A[j, :] = alpha * W[j, 0]
    return B, A


@njit
def _denoise(Uj, Bj, Aj, lam, lv, th, e, jump, mnew, vnew):
    """New ``mbar``, ``v`` of one run into ``mnew``, ``vnew``; returns the mean squared change,
    or NaN when a non-finite argument reached the denoiser.  ``jump``: the per-jump edge
    convention (``e`` is the ratio r; :mod:`fastq._jump`).
    """
    n = Uj.shape[0]
    ch = 0.0
    for i in range(n):
        a = Aj[i]
        r = Uj[i] + Bj[i] / a  # R = mbar + Sigma X^T g
        arg = r * a / (a + lam)  # R / (1 + lam Sigma)
        if not math.isfinite(arg):
            return np.nan
        if jump:
            mn, dn = _phi_dphi_jump(arg, lv, th, e)
        else:
            mn, dn = _phi_dphi(arg, lv, th, e)
        mnew[i] = mn
        vnew[i] = dn / (lam + a)
        d = mn - Uj[i]
        ch += d * d
    return ch / n


@njit(parallel=PRANGE)
def _amp(X, y, lam, lev, thr, nlev, eps, jump, full, mbar, v, max_iter, tol, w0, sigma, have_w0,
         trace_change, trace_eg, status, iters, threads):
    """AMP iterations for K runs sharing ``(X, y)``.

    Run c uses the quantizer ``lev[c, :nlev[c]]``, ``thr[c, :nlev[c]-1]``, ``eps[c]`` (a per-jump
    ratio where ``jump[c]``).
    ``mbar, v`` (K, N) hold the starts and receive the final iterates.  ``trace_change`` and
    ``trace_eg`` (max_iter, K) receive the per-iteration mean squared change and (if
    ``have_w0``) the Eg of mbar.  ``status[c]`` / ``iters[c]`` receive the outcome.
    ``full``: per-row V and per-column Sigma from the squared entries of X; otherwise the
    scalar-variance form.  ``threads``: Numba threads available to split the large passes
    over X (results do not depend on it).
    """
    m, n = X.shape
    k = mbar.shape[0]
    alpha = m / n
    gold = np.zeros((k, m))
    for c in range(k):
        status[c] = RUNNING
        iters[c] = 0
    mnew = np.empty(n)
    vnew = np.empty(n)
    t = 0
    while t < max_iter:
        act = _active_runs(status)
        na = act.shape[0]
        if na == 0:
            break
        if na == k:
            U = mbar
            Vv = v
        else:
            U = np.empty((na, n))
            Vv = np.empty((na, n))
            for j in range(na):
                U[j, :] = mbar[act[j], :]
                Vv[j, :] = v[act[j], :]
        G, W = _output_side(X, y, U, Vv, act, gold, full, threads)
        B, A = _input_side(X, G, W, full, alpha, threads)
        t += 1
        for j in range(na):
            c = act[j]
            ch = _denoise(U[j], B[j], A[j], lam, lev[c, : nlev[c]], thr[c, : nlev[c] - 1], eps[c], jump[c],
                          mnew, vnew)
            iters[c] = t
            if not math.isfinite(ch):
                status[c] = DIVERGED  # keep the last finite iterate
                trace_change[t - 1, c] = np.nan
                trace_eg[t - 1, c] = np.nan
                continue
            mbar[c, :] = mnew
            v[c, :] = vnew
            gold[c, :] = G[j]
            trace_change[t - 1, c] = ch
            if have_w0:
                s = 0.0
                for i in range(n):
                    d = w0[i] - mnew[i]
                    s += d * d
                trace_eg[t - 1, c] = 0.5 * (s / n + sigma * sigma)
            if ch < tol:
                status[c] = CONVERGED
    for c in range(k):
        if status[c] == RUNNING:
            status[c] = MAX_ITER
