"""Products with the design matrix for AMP, the variance products fused into the mean products.

One pass over X per half-iteration computes, for K runs at once,

* forward (:func:`_fwd`): ``P = U @ X.T`` and, in the full-variance form, ``Vm = Vv @ (X*X).T``;
* backward (:func:`_bwd`): ``B = G @ X`` and, in the full-variance form, ``A = W @ (X*X)``.

The squares are formed on the fly from the entry just loaded (in float64, exact for float32
storage), so no copy of ``X*X`` is kept.

Threads and bits
----------------
Both passes are cut into blocks of rows fixed by the shape alone.  Forward: ``_ROWS`` rows per
block, and each output entry is one row's sum, computed inside one block.  Backward: up to
``_BWD_BLOCKS`` blocks (:func:`_bwd_split`), each summing its rows into a partial output; the
partials are then added in block order.  So the partition and the summation order do not
depend on the number of threads.  A pass runs its blocks with ``prange`` when Numba has more
than one thread and the pass is large (``_PAR_MIN`` entries), and in a plain loop otherwise;
both call the same block kernels, and ``tests/message_passing/test_products.py`` checks that
one and two threads give bit-identical AMP runs.  Tasks of
:func:`fastq.parallel.parallel_map` run with one Numba thread (no oversubscription of workers,
and Numba's simplest threading layer forbids concurrent launches from several Python threads).

The forward loops may reassociate their sums (fastmath "reassoc" and "contract" only, no
nnan/ninf) so that LLVM vectorizes the dot products; the backward loops are element-wise,
vectorize without reassociation, and may only fuse multiply-adds ("contract").  From
``_GEMM_MIN_K`` runs on the products are compute-bound and go to BLAS gemm (``np.dot`` inside
the kernel); the squares are then formed one row block at a time (at most ``_SQ_BYTES``), so
memory stays near the size of X there too.
"""
from __future__ import annotations

import numpy as np
from numba import prange

from .._jit import njit

_FM = {"reassoc", "contract"}
_CONTRACT = {"contract"}

#: rows per block of the forward pass (a multiple of 4: rows are read four at a time)
_ROWS = 16
#: most row blocks of the backward pass (each sums its rows into its own partial output)
_BWD_BLOCKS = 8
#: from this many entries of X times runs on, a pass is split over Numba's threads (a rough cut,
#: not tuned: about 0.1 ms of work per pass, well above the cost of starting a parallel region)
_PAR_MIN = 1 << 18
#: from this many runs advanced together on, the products go to BLAS gemm: compute-bound there,
#: where BLAS's register blocking wins (measured on 2 cores, N = 2500, M = 3750: loops faster up
#: to K ~ 64, gemm ~2x faster at K = 100).
_GEMM_MIN_K = 80
#: size of one block of squared rows in the gemm path
_SQ_BYTES = 1 << 22
#: Numba's parallel options for the kernel that runs these passes: only explicit ``prange``
#: loops become parallel regions (array expressions stay serial loops).  The ``prange`` loops
#: reach that kernel through ``inline="always"`` (a kernel that calls another parallel kernel
#: cannot be cached by Numba).
PRANGE = {"prange": True, "comprehension": False, "reduction": False, "inplace_binop": False,
          "setitem": False, "numpy": False, "stencil": False, "fusion": False}


@njit(fastmath=_FM)
def _fwd_block(X, U, Vv, full, P, Vm, r0, r1):
    """Rows ``r0 <= mu < r1`` of ``P = U @ X.T`` and (``full``) ``Vm = Vv @ (X*X).T``.

    Rows are taken four at a time (``r1 - r0`` is a multiple of 4 except in the last block), so
    each row of U and Vv is read once per four rows of X.
    """
    n = X.shape[1]
    k = U.shape[0]
    r4 = r0 + (r1 - r0) - (r1 - r0) % 4
    for mu in range(r0, r4, 4):
        for c in range(k):
            s0 = s1 = s2 = s3 = 0.0
            t0 = t1 = t2 = t3 = 0.0
            if full:
                for i in range(n):
                    u = U[c, i]
                    w = Vv[c, i]
                    x0 = np.float64(X[mu, i])
                    x1 = np.float64(X[mu + 1, i])
                    x2 = np.float64(X[mu + 2, i])
                    x3 = np.float64(X[mu + 3, i])
                    s0 += x0 * u
                    s1 += x1 * u
                    s2 += x2 * u
                    s3 += x3 * u
                    t0 += (x0 * x0) * w
                    t1 += (x1 * x1) * w
                    t2 += (x2 * x2) * w
                    t3 += (x3 * x3) * w
                Vm[c, mu] = t0
                Vm[c, mu + 1] = t1
                Vm[c, mu + 2] = t2
                Vm[c, mu + 3] = t3
            else:
                for i in range(n):
                    u = U[c, i]
                    s0 += X[mu, i] * u
                    s1 += X[mu + 1, i] * u
                    s2 += X[mu + 2, i] * u
                    s3 += X[mu + 3, i] * u
            P[c, mu] = s0
            P[c, mu + 1] = s1
            P[c, mu + 2] = s2
            P[c, mu + 3] = s3
    for mu in range(r4, r1):
        for c in range(k):
            s0 = t0 = 0.0
            for i in range(n):
                x0 = np.float64(X[mu, i])
                s0 += x0 * U[c, i]
                if full:
                    t0 += (x0 * x0) * Vv[c, i]
            P[c, mu] = s0
            if full:
                Vm[c, mu] = t0


@njit(fastmath=_CONTRACT)
def _bwd_rows(X, G, W, full, B, A, r0, r1):
    """``B = G[:, r0:r1] @ X[r0:r1]`` and (``full``) ``A = W[:, r0:r1] @ (X*X)[r0:r1]``,
    streaming over whole rows four at a time (one load and store of each output per four rows).

    The loops update one output each (few runtime alias checks), so LLVM vectorizes them.
    """
    n = X.shape[1]
    k = G.shape[0]
    B[:, :] = 0.0
    if full:
        A[:, :] = 0.0
    r4 = r0 + (r1 - r0) - (r1 - r0) % 4
    for mu in range(r0, r4, 4):
        x0 = X[mu]
        x1 = X[mu + 1]
        x2 = X[mu + 2]
        x3 = X[mu + 3]
        for c in range(k):
            b = B[c]
            g0 = G[c, mu]
            g1 = G[c, mu + 1]
            g2 = G[c, mu + 2]
            g3 = G[c, mu + 3]
            if full:
                a = A[c]
                w0 = W[c, mu]
                w1 = W[c, mu + 1]
                w2 = W[c, mu + 2]
                w3 = W[c, mu + 3]
                for i in range(n):  # the four rows are still in L1 for the loop below
                    y0 = np.float64(x0[i])
                    y1 = np.float64(x1[i])
                    y2 = np.float64(x2[i])
                    y3 = np.float64(x3[i])
                    a[i] += (w0 * (y0 * y0) + w1 * (y1 * y1)) + (w2 * (y2 * y2) + w3 * (y3 * y3))
            for i in range(n):
                b[i] += (g0 * x0[i] + g1 * x1[i]) + (g2 * x2[i] + g3 * x3[i])
    for mu in range(r4, r1):
        x0 = X[mu]
        for c in range(k):
            b = B[c]
            a = A[c]
            g0 = G[c, mu]
            w0 = W[c, mu]
            for i in range(n):
                y0 = np.float64(x0[i])
                b[i] += g0 * y0
                if full:
                    a[i] += w0 * (y0 * y0)


@njit
def _bwd_split(m, n, k):
    """``(blocks, rows per block)`` of the backward pass, from the shape alone: up to
    ``_BWD_BLOCKS`` blocks of at least 64 rows (a multiple of 4), with partial outputs
    (``2 * blocks * k * n`` floats) at most a quarter of X's entries.
    """
    nb = min(_BWD_BLOCKS, max(1, m // 64), max(1, m // (8 * k)))
    rb = (m + nb - 1) // nb
    rb += (-rb) % 4
    return (m + rb - 1) // rb, rb


@njit
def _bwd_reduce(Bp, Ap, full, B, A):
    """``B = Bp[0] + Bp[1] + ...`` (and A from Ap), summed in block order."""
    B[:, :] = Bp[0]
    if full:
        A[:, :] = Ap[0]
    for b in range(1, Bp.shape[0]):
        B += Bp[b]
        if full:
            A += Ap[b]


@njit(inline="always")
def _fwd_par(X, U, Vv, full, P, Vm):
    """:func:`_fwd_block` over the row blocks, split over Numba's threads (inlined into a
    caller compiled with ``parallel=PRANGE``).
    """
    m = X.shape[0]
    for b in prange((m + _ROWS - 1) // _ROWS):
        _fwd_block(X, U, Vv, full, P, Vm, b * _ROWS, min(m, (b + 1) * _ROWS))


@njit(inline="always")
def _bwd_par(X, G, W, full, Bp, Ap, rb):
    """:func:`_bwd_rows` over the row blocks into the partial outputs ``Bp, Ap``, split over
    Numba's threads (inlined into a caller compiled with ``parallel=PRANGE``).
    """
    m = X.shape[0]
    for b in prange(Bp.shape[0]):
        _bwd_rows(X, G, W, full, Bp[b], Ap[b], b * rb, min(m, (b + 1) * rb))


@njit
def _threaded(X, k, threads):
    """Whether a pass over X for k runs is split over threads (more than one thread, large).

    ``threads``: the caller's ``numba.get_num_threads()``, read in Python (a kernel that reads it
    itself cannot be cached).
    """
    return threads > 1 and X.shape[0] * X.shape[1] * k >= _PAR_MIN


@njit
def _sq_rows(X):
    """Rows per block of squared entries in the gemm path (at most ``_SQ_BYTES``)."""
    return max(1, min(X.shape[0], _SQ_BYTES // (X.shape[1] * X.itemsize)))


@njit
def _fwd_gemm(X, U, Vv, full, P, Vm):
    """Forward products by BLAS gemm; the squares one block of rows at a time."""
    m = X.shape[0]
    Uc = np.empty(U.shape, X.dtype)
    Uc[:, :] = U
    P[:, :] = np.dot(Uc, X.T)
    if full:
        Uc[:, :] = Vv
        rb = _sq_rows(X)
        for r0 in range(0, m, rb):
            r1 = min(m, r0 + rb)
            Xb = X[r0:r1]
            Vm[:, r0:r1] = np.dot(Uc, (Xb * Xb).T)


@njit
def _bwd_gemm(X, G, W, full, B, A):
    """Backward products by BLAS gemm; the squares one block of rows at a time."""
    m = X.shape[0]
    Gc = np.empty(G.shape, X.dtype)
    Gc[:, :] = G
    B[:, :] = np.dot(Gc, X)
    if full:
        A[:, :] = 0.0
        rb = _sq_rows(X)
        for r0 in range(0, m, rb):
            r1 = min(m, r0 + rb)
            Xb = X[r0:r1]
            Wc = np.empty((W.shape[0], r1 - r0), X.dtype)
            Wc[:, :] = W[:, r0:r1]
            A[:, :] += np.dot(Wc, Xb * Xb)


@njit(inline="always")
def _fwd(X, U, Vv, full, P, Vm, threads):
    """``P (K, M) = U @ X.T`` and, if ``full``, ``Vm (K, M) = Vv @ (X*X).T``, in one pass."""
    k = U.shape[0]
    m = X.shape[0]
    if k >= _GEMM_MIN_K:
        _fwd_gemm(X, U, Vv, full, P, Vm)
    elif _threaded(X, k, threads):
        _fwd_par(X, U, Vv, full, P, Vm)
    else:
        for b in range((m + _ROWS - 1) // _ROWS):
            _fwd_block(X, U, Vv, full, P, Vm, b * _ROWS, min(m, (b + 1) * _ROWS))


@njit(inline="always")
def _bwd(X, G, W, full, B, A, threads):
    """``B (K, N) = G @ X`` and, if ``full``, ``A (K, N) = W @ (X*X)``, in one pass."""
    m, n = X.shape
    k = G.shape[0]
    if k >= _GEMM_MIN_K:
        _bwd_gemm(X, G, W, full, B, A)
        return
    nb, rb = _bwd_split(m, n, k)
    if nb == 1:
        _bwd_rows(X, G, W, full, B, A, 0, m)
        return
    Bp = np.empty((nb, k, n))
    Ap = np.empty((nb, k, n) if full else (nb, 1, 1))
    if _threaded(X, k, threads):
        _bwd_par(X, G, W, full, Bp, Ap, rb)
    else:
        for b in range(nb):
            _bwd_rows(X, G, W, full, Bp[b], Ap[b], b * rb, min(m, (b + 1) * rb))
    _bwd_reduce(Bp, Ap, full, B, A)
