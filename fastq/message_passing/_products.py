"""Products with the design matrix for AMP: ``X @ u`` and ``X.T @ r`` for K runs at once.

For fewer than ``_GEMM_MIN_K`` runs every product is an ``@njit`` loop of this module (``_xU``
for ``X @ u``, ``_xtR`` for ``X.T @ r``), not BLAS: single-threaded, with a summation order fixed
at compile time, so results are bit-identical whatever the number of BLAS threads or joblib
workers.  They read X four rows at a time and run at the memory bandwidth.  From ``_GEMM_MIN_K``
runs on the products are compute-bound and go to BLAS gemm (``np.dot`` inside the kernel), which
splits its output, never a sum, across threads.
"""
from __future__ import annotations

import numpy as np

from .._jit import njit

# The product loops may reassociate their sums (fastmath "reassoc" and "contract" only, no
# nnan/ninf) so that LLVM vectorizes the dot products; the order is fixed at compile time, so
# results stay deterministic and independent of threads and workers.
_FM = {"reassoc", "contract"}


@njit(fastmath=_FM)
def _xU(X, U, out):
    """out[c, mu] = sum_i X[mu, i] U[c, i] for U of shape (K, N), out (K, M).

    Rows of X are taken four at a time, so each row of U is read once per four rows of X and
    each row of X once per column.
    """
    m, n = X.shape
    k = U.shape[0]
    m4 = m - m % 4
    for mu in range(0, m4, 4):
        for c in range(k):
            s0 = 0.0
            s1 = 0.0
            s2 = 0.0
            s3 = 0.0
            for i in range(n):
                u = U[c, i]
                s0 += X[mu, i] * u
                s1 += X[mu + 1, i] * u
                s2 += X[mu + 2, i] * u
                s3 += X[mu + 3, i] * u
            out[c, mu] = s0
            out[c, mu + 1] = s1
            out[c, mu + 2] = s2
            out[c, mu + 3] = s3
    for mu in range(m4, m):
        for c in range(k):
            s0 = 0.0
            for i in range(n):
                s0 += X[mu, i] * U[c, i]
            out[c, mu] = s0


@njit(fastmath=_FM)
def _xtR(X, R, out):
    """out[c, i] = sum_mu X[mu, i] R[c, mu] for R of shape (K, M), out (K, N), streaming over
    the rows of X four at a time (one load and store of ``out`` per four multiply-adds).
    """
    m, n = X.shape
    k = R.shape[0]
    out[:, :] = 0.0
    m4 = m - m % 4
    for mu in range(0, m4, 4):
        for c in range(k):
            r0 = R[c, mu]
            r1 = R[c, mu + 1]
            r2 = R[c, mu + 2]
            r3 = R[c, mu + 3]
            for i in range(n):
                out[c, i] += (r0 * X[mu, i] + r1 * X[mu + 1, i]) + (r2 * X[mu + 2, i] + r3 * X[mu + 3, i])
    for mu in range(m4, m):
        for c in range(k):
            r0 = R[c, mu]
            for i in range(n):
                out[c, i] += r0 * X[mu, i]


#: from this many runs advanced together on, the products go to BLAS gemm: compute-bound there,
#: where BLAS's register blocking wins (measured on 2 cores, N = 2500, M = 3750: loops faster up
#: to K ~ 64, gemm ~2x faster at K = 100).
_GEMM_MIN_K = 80


@njit
def _prod(X, U, out):
    """Out (K, M) = U (K, N) @ X.T: loops for K < _GEMM_MIN_K, BLAS gemm otherwise."""
    if U.shape[0] < _GEMM_MIN_K:
        _xU(X, U, out)
    else:
        Uc = np.empty(U.shape, X.dtype)
        Uc[:, :] = U
        out[:, :] = np.dot(Uc, X.T)


@njit
def _prodT(X, R, out):
    """Out (K, N) = R (K, M) @ X: loops for K < _GEMM_MIN_K, BLAS gemm otherwise."""
    if R.shape[0] < _GEMM_MIN_K:
        _xtR(X, R, out)
    else:
        Rc = np.empty(R.shape, X.dtype)
        Rc[:, :] = R
        out[:, :] = np.dot(Rc, X)
