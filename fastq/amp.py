"""Approximate message passing (AMP/GAMP) for quantized ridge regression on one instance.

THEORY section 7 (the paper's Algorithm 1, written as GAMP with a unit-variance Gaussian
output channel).  Per iteration, with ``X2 = X * X``:

.. math::

    V_\\mu = \\sum_i X^2_{\\mu i} v_i, \\quad
    \\theta_\\mu = \\sum_i X_{\\mu i} \\bar m_i - V_\\mu g^{\\rm old}_\\mu, \\quad
    g_\\mu = \\frac{y_\\mu - \\theta_\\mu}{1 + V_\\mu},

    \\Sigma_i = \\Big(\\sum_\\mu \\frac{X^2_{\\mu i}}{1 + V_\\mu}\\Big)^{-1}, \\quad
    R_i = \\bar m_i + \\Sigma_i \\sum_\\mu X_{\\mu i} g_\\mu,

    \\bar m_i = \\phi_\\varepsilon\\Big(\\frac{R_i}{1 + \\lambda\\Sigma_i}\\Big), \\quad
    v_i = \\frac{\\phi_\\varepsilon'(R_i / (1 + \\lambda\\Sigma_i))}{\\lambda + 1/\\Sigma_i},

``g^old = 0`` at the first step.  The *scalar-variance* form replaces ``V_mu`` by ``mean(v)``
and ``1/Sigma_i`` by ``alpha / (1 + mean(v))``: two passes over X per iteration and no X2.

Implementation choices
----------------------
* For fewer than ``_GEMM_MIN_K`` = 80 runs at once (in particular one run), every product with
  X (or X2) is an ``@njit`` loop of this module (``_xU`` for ``X @ u``, ``_xtR`` for
  ``X.T @ r``), not BLAS: single-threaded, with a summation order fixed at compile time, so
  results are bit-identical whatever the number of BLAS threads or joblib workers.
  They read X four rows at a time and run at the memory bandwidth (one scalar-variance
  iteration costs about one NumPy ``X @ u`` plus ``X.T @ r``; ``bench/test_amp.py``).
* K runs on the same X (restarts, or several quantizers sharing an instance) are advanced
  together by :func:`amp_batched`: each half-iteration is one pass over X for all K runs, and
  runs that have stopped are dropped from the products.  Below ``_GEMM_MIN_K`` = 80 runs the
  loops compute the K products per row of X while it is in cache; from 80 on the products are
  compute-bound and go to BLAS gemm (``np.dot`` inside the kernel).  gemm splits its output,
  never a sum, across threads, so the results should not depend on the number of BLAS threads
  (the tests check that gemm and loop paths agree to rounding).  With float32 X the gemm runs
  in float32.
* Default start: ``mbar^0_i ~ N(0, 1)`` from ``seed`` (the paper's choice) and ``v^0_i = 1``;
  :func:`fastq.state_evolution.state_evolution` starts from the same macroscopic state
  ``(V, E) = (1, rho + 1)`` by default.
* Stopping: ``change^t = ||mbar^t - mbar^{t-1}||^2 / N < tol`` ("converged"), else
  ``max_iter`` iterations ("max_iter").  Non-finite values stop the run with status
  "diverged" and the last finite iterate is returned.
* Use an edge-smoothed quantizer (``edge_width > 0``): with the hard quantizer ``v = 0``, the
  Onsager term vanishes and AMP no longer follows state evolution (THEORY section 2).

Kernels: ``_amp`` (the iteration for K >= 1 columns).  Public: :func:`amp`,
:func:`amp_batched`, :func:`amp_study`, :class:`AMPResult`, :class:`AMPStudy`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
import functools
import sys as _sys
import math

import numpy as np

from . import _validate as V
from ._jit import njit
from .quantizers import Quantizer, _phi_dphi
from .replica import CONVERGED, DIVERGED, MAX_ITER, STATUS_NAMES
from .teacher import as_seed_sequence, generalization_error, spawn_seeds, teacher

VARIANCES = ("full", "scalar")
RUNNING = -1


# ----------------------------------------------------------------------------- products
# The product loops may reassociate their sums (fastmath "reassoc" and "contract" only, no
# nnan/ninf) so that LLVM vectorizes the dot products; the order is fixed at compile time, so
# results stay deterministic and independent of threads and workers.
_FM = {"reassoc", "contract"}


@njit(fastmath=_FM)
def _xU(X, U, out):
    """out[c, mu] = sum_i X[mu, i] U[c, i] for U of shape (K, N), out (K, M).

    Rows of X are taken four at a time, so each row of U is read once per four rows of X and
    each row of X once per column."""
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
    the rows of X four at a time (one load and store of ``out`` per four multiply-adds)."""
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
    """out (K, M) = U (K, N) @ X.T: loops for K < _GEMM_MIN_K, BLAS gemm otherwise."""
    if U.shape[0] < _GEMM_MIN_K:
        _xU(X, U, out)
    else:
        Uc = np.empty(U.shape, X.dtype)
        Uc[:, :] = U
        out[:, :] = np.dot(Uc, X.T)


@njit
def _prodT(X, R, out):
    """out (K, N) = R (K, M) @ X: loops for K < _GEMM_MIN_K, BLAS gemm otherwise."""
    if R.shape[0] < _GEMM_MIN_K:
        _xtR(X, R, out)
    else:
        Rc = np.empty(R.shape, X.dtype)
        Rc[:, :] = R
        out[:, :] = np.dot(Rc, X)


# ----------------------------------------------------------------------------- kernel


@njit
def _amp(X, X2, y, lam, lev, thr, nlev, eps, full, mbar, v, max_iter, tol, w0, sigma, have_w0,
         trace_change, trace_eg, status, iters):
    """AMP iterations for K runs sharing (X, y).

    Run c uses the quantizer ``lev[c, :nlev[c]]``, ``thr[c, :nlev[c]-1]``, ``eps[c]``.
    ``mbar, v`` (K, N) hold the starts and receive the final iterates.  ``trace_change`` and
    ``trace_eg`` (max_iter, K) receive the per-iteration mean squared change and (if
    ``have_w0``) the Eg of mbar.  ``status[c]`` / ``iters[c]`` receive the outcome.
    ``full``: per-row V and per-column Sigma from X2; otherwise the scalar-variance form
    (X2 is not read).  Runs that have stopped are left out of the products.
    """
    m, n = X.shape
    k = mbar.shape[0]
    alpha = m / n
    gold = np.zeros((k, m))
    for c in range(k):
        status[c] = RUNNING
        iters[c] = 0
    t = 0
    while t < max_iter:
        na = 0
        for c in range(k):
            if status[c] == RUNNING:
                na += 1
        if na == 0:
            break
        act = np.empty(na, dtype=np.int64)
        j = 0
        for c in range(k):
            if status[c] == RUNNING:
                act[j] = c
                j += 1
        if na == k:
            U = mbar
            Vv = v
        else:
            U = np.empty((na, n))
            Vv = np.empty((na, n))
            for j in range(na):
                U[j, :] = mbar[act[j], :]
                Vv[j, :] = v[act[j], :]
        # --- output side: V, theta, g
        P = np.empty((na, m))
        _prod(X, U, P)
        Vm = np.empty((na, m))
        if full:
            _prod(X2, Vv, Vm)
        else:
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
        # --- input side: Sigma, R, denoiser
        B = np.empty((na, n))
        _prodT(X, G, B)
        A = np.empty((na, n))  # 1 / Sigma
        if full:
            _prodT(X2, W, A)
        else:
            for j in range(na):
                A[j, :] = alpha * W[j, 0]
        t += 1
        mnew = np.empty(n)
        vnew = np.empty(n)
        for j in range(na):
            c = act[j]
            e = eps[c]
            lv = lev[c, : nlev[c]]
            th = thr[c, : nlev[c] - 1]
            ch = 0.0
            ok = True
            for i in range(n):
                a = A[j, i]
                r = U[j, i] + B[j, i] / a  # R = mbar + Sigma X^T g
                arg = r * a / (a + lam)  # R / (1 + lam Sigma)
                if not math.isfinite(arg):
                    ok = False
                    break
                mn, dn = _phi_dphi(arg, lv, th, e)
                mnew[i] = mn
                vnew[i] = dn / (lam + a)
                d = mn - U[j, i]
                ch += d * d
            iters[c] = t
            if not ok:
                status[c] = DIVERGED  # keep the last finite iterate
                trace_change[t - 1, c] = np.nan
                trace_eg[t - 1, c] = np.nan
                continue
            ch /= n
            for i in range(n):
                mbar[c, i] = mnew[i]
                v[c, i] = vnew[i]
            for mu in range(m):
                gold[c, mu] = G[j, mu]
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


# ----------------------------------------------------------------------------- records
@dataclass(frozen=True)
class AMPResult:
    """Outcome of one AMP run.

    Attributes
    ----------
    mbar, v : ndarray (N,)
        Final posterior means (weights ``phi_eps(.)``) and variances; the last finite iterate
        if the run diverged.
    converged : bool
    iterations : int
    status : "converged" | "max_iter" | "diverged"
    trace_change : ndarray (iterations,)
        ``||mbar^t - mbar^{t-1}||^2 / N`` for t = 1..iterations (NaN at a diverged step).
    trace_eg : ndarray (iterations,) or None
        ``Eg(mbar^t)`` for t = 1..iterations when ``w0`` was given (SE's ``eg[t]``).
    eg : float or None
        ``(||w0 - mbar||^2 / N + sigma^2) / 2`` of the final mbar (needs w0 and sigma).
    eg_requantized : float or None
        The same for the hard-quantized weights ``phi(mbar)`` (edge width 0).
    variance : "full" | "scalar"
    edge_width : float
    """

    mbar: np.ndarray
    v: np.ndarray
    converged: bool
    iterations: int
    status: str
    trace_change: np.ndarray
    trace_eg: np.ndarray | None
    eg: float | None
    eg_requantized: float | None
    variance: str
    edge_width: float

    def to_dict(self, arrays: bool = False) -> dict:
        d = {"converged": self.converged, "iterations": self.iterations, "status": self.status,
             "eg": self.eg, "eg_requantized": self.eg_requantized, "variance": self.variance,
             "edge_width": self.edge_width,
             "final_change": float(self.trace_change[-1]) if self.trace_change.size else None}
        if arrays:
            d.update(mbar=self.mbar, v=self.v, trace_change=self.trace_change, trace_eg=self.trace_eg)
        return d


# ----------------------------------------------------------------------------- validation
def _check_instance(X, y, dtype):
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise V.FastqInputError(f"X must be a 2-D array (M, N) with M, N >= 1 (got shape {X.shape})")
    if dtype is None:
        dtype = np.float32 if X.dtype == np.float32 else np.float64
    dtype = np.dtype(dtype)
    if dtype not in (np.float64, np.float32):
        raise V.FastqInputError(f"dtype must be float64 or float32 (got {dtype})")
    if X.dtype != dtype or not X.flags.c_contiguous:
        X = np.ascontiguousarray(X, dtype=dtype)  # one copy, only if needed
    if not np.isfinite(X).all():
        raise V.FastqInputError("X must contain only finite values")
    y = np.ascontiguousarray(y, dtype=np.float64)
    if y.shape != (X.shape[0],):
        raise V.FastqInputError(f"y must have shape (M,) = ({X.shape[0]},) (got {y.shape})")
    if not np.isfinite(y).all():
        raise V.FastqInputError("y must contain only finite values")
    return X, y


def _check_common(lam, max_iter, tol, variance, w0, sigma, n):
    lam = V.nonnegative("lam", lam)
    max_iter = V.integer("max_iter", max_iter, 1, 10_000_000)
    tol = V.nonnegative("tol", tol)
    if variance not in VARIANCES:
        raise V.FastqInputError(f"variance must be one of {', '.join(VARIANCES)} (got {variance!r})")
    if w0 is not None:
        w0 = np.ascontiguousarray(w0, dtype=np.float64)
        if w0.shape != (n,):
            raise V.FastqInputError(f"w0 must have shape (N,) = ({n},) (got {w0.shape})")
        if not np.isfinite(w0).all():
            raise V.FastqInputError("w0 must contain only finite values")
        if sigma is None:
            raise V.FastqInputError("sigma (the noise level, >= 0) is required with w0 to compute Eg")
    if sigma is not None:
        sigma = V.nonnegative("sigma", sigma)
    return lam, max_iter, tol, w0, sigma


def _check_quantizers(quantizer, k_expected=None):
    qs = [quantizer] if isinstance(quantizer, Quantizer) else list(quantizer)
    if not qs:
        raise V.FastqInputError("quantizer must be a fastq.Quantizer or a non-empty list of them")
    for q in qs:
        if not isinstance(q, Quantizer):
            raise V.FastqInputError(f"quantizer must be a fastq.Quantizer (got {type(q).__name__})")
    return qs


def _tables(qs):
    nl = np.array([q.levels.shape[0] for q in qs], dtype=np.int64)
    L = int(nl.max())
    lev = np.zeros((len(qs), L))
    thr = np.zeros((len(qs), max(L - 1, 1)))
    for c, q in enumerate(qs):
        lev[c, : nl[c]] = q.levels
        thr[c, : nl[c] - 1] = q.thresholds
    eps = np.array([q.edge_width for q in qs], dtype=np.float64)
    return lev, thr, nl, eps


def _run(X, y, qs, lam, init, max_iter, tol, variance, w0, sigma):
    """Validated inputs -> list of AMPResult (one per column of init)."""
    m, n = X.shape
    k = init.shape[1]
    lev, thr, nl, eps = _tables(qs)
    full = variance == "full"
    if full:
        with np.errstate(over="ignore"):  # an overflow shows up as status "diverged"
            X2 = X * X
    else:
        X2 = np.empty((1, 1), dtype=X.dtype)
    mbar = np.ascontiguousarray(init.T, dtype=np.float64).copy()  # (K, N): one row per run
    v = np.ones((k, n))
    tc = np.full((max_iter, k), np.nan)
    te = np.full((max_iter, k), np.nan)
    status = np.empty(k, dtype=np.int64)
    iters = np.empty(k, dtype=np.int64)
    have_w0 = w0 is not None
    w0a = w0 if have_w0 else np.zeros(1)
    _amp(X, X2, y, float(lam), lev, thr, nl, eps, full, mbar, v, max_iter, float(tol), w0a,
         float(sigma) if sigma is not None else 0.0, have_w0, tc, te, status, iters)
    del X2
    out = []
    for c in range(k):
        it = int(iters[c])
        st = STATUS_NAMES[int(status[c])]
        q = qs[c]
        mb = mbar[c].copy()
        eg = egr = None
        if have_w0:
            eg = generalization_error(mb, w0, sigma)
            egr = generalization_error(q.hard()(mb), w0, sigma)
        out.append(AMPResult(mbar=mb, v=v[c].copy(), converged=st == "converged", iterations=it,
                             status=st, trace_change=tc[:it, c].copy(),
                             trace_eg=te[:it, c].copy() if have_w0 else None, eg=eg,
                             eg_requantized=egr, variance=variance, edge_width=q.edge_width))
    return out


def _init_matrix(init, seed, n, k):
    if init is None:
        rng = np.random.default_rng(as_seed_sequence(seed))
        return rng.standard_normal((k, n)).T.copy()  # column c = the c-th draw of N values
    a = np.asarray(init, dtype=np.float64)
    if a.ndim == 1:
        a = a[:, None]
    if a.shape != (n, k):
        raise V.FastqInputError(f"init must have shape ({n},) or ({n}, {k}) (got {np.shape(init)})")
    if not np.isfinite(a).all():
        raise V.FastqInputError("init must contain only finite values")
    return a


# ----------------------------------------------------------------------------- public API
def amp(X, y, quantizer: Quantizer, lam: float, *, max_iter: int = 500, tol: float = 1e-12,
        variance: str = "full", init=None, seed=0, w0=None, sigma: float | None = None,
        dtype=None) -> AMPResult:
    """Run AMP on one instance (kernel ``_amp`` with one column).

    Parameters
    ----------
    X : (M, N) array
        Design matrix (rows ``x_mu``, entries of variance 1/N in the paper's model).
    y : (M,) array
        Responses.
    quantizer : Quantizer
        Level set and edge width eps > 0 (eps = 0 is accepted but removes the Onsager term).
    lam : float >= 0
        Ridge penalty on the quantized weights.
    max_iter : int >= 1
        Maximum number of iterations.
    tol : float >= 0
        Stop when ``||mbar^t - mbar^{t-1}||^2 / N < tol``; ``tol = 0`` runs exactly ``max_iter``.
    variance : "full" or "scalar"
        Per-row/per-column variances from ``X * X`` (keeps one extra array the size of X), or
        the scalar-variance form (two passes over X per iteration, no extra storage).
    init : (N,) array, optional
        Start ``mbar^0``; default ``N(0, 1)`` entries drawn from ``seed``.  ``v^0 = 1``.
    seed : int >= 0 or SeedSequence
        Seed of the default start (ignored when ``init`` is given).
    w0, sigma : teacher weights and noise level, optional
        When given, Eg is traced per iteration and reported for mbar and ``phi(mbar)``.
    dtype : float64 or float32, optional
        Storage of X (default: float32 if X is float32, else float64).  Vectors and sums are
        float64 either way.

    Returns
    -------
    AMPResult
    """
    X, y = _check_instance(X, y, dtype)
    qs = _check_quantizers(quantizer)
    if len(qs) != 1:
        raise V.FastqInputError("amp takes one quantizer; use amp_batched for several")
    lam, max_iter, tol, w0, sigma = _check_common(lam, max_iter, tol, variance, w0, sigma, X.shape[1])
    init = _init_matrix(init, seed, X.shape[1], 1)
    return _run(X, y, qs, lam, init, max_iter, tol, variance, w0, sigma)[0]


def amp_batched(X, y, quantizer, lam: float, *, restarts: int | None = None, max_iter: int = 500,
                tol: float = 1e-12, variance: str = "full", init=None, seed=0, w0=None,
                sigma: float | None = None, dtype=None) -> list[AMPResult]:
    """K AMP runs on the same instance advanced together (kernel ``_amp`` with K columns).

    Each half-iteration is one pass over X (and X2) for all runs still going: the
    matrix-vector products of :func:`amp` become matrix-matrix products.

    Parameters
    ----------
    quantizer : Quantizer or list of K Quantizers
        One quantizer for all runs, or one per run (e.g. the points of a sweep over bits or
        omega sharing an instance).
    restarts : int, optional
        K, the number of runs; default the number of quantizers given, or the number of columns
        of ``init`` for a single quantizer.
    init : (N, K) array, optional
        Starts (columns); default independent ``N(0, 1)`` columns drawn from ``seed``.
    Other parameters are those of :func:`amp`.

    Returns
    -------
    list of K AMPResult, in column order.  Each run stops on its own criterion.
    """
    X, y = _check_instance(X, y, dtype)
    qs = _check_quantizers(quantizer)
    if restarts is None:
        shape = np.shape(init) if init is not None else ()
        restarts = shape[1] if len(shape) == 2 and len(qs) == 1 else len(qs)
    k = V.integer("restarts", restarts, 1, 100_000)
    if len(qs) == 1:
        qs = qs * k
    elif len(qs) != k:
        raise V.FastqInputError(f"quantizer list has {len(qs)} entries but restarts = {k}")
    lam, max_iter, tol, w0, sigma = _check_common(lam, max_iter, tol, variance, w0, sigma, X.shape[1])
    init = _init_matrix(init, seed, X.shape[1], k)
    return _run(X, y, qs, lam, init, max_iter, tol, variance, w0, sigma)


def training_loss(X, y, w, lam: float) -> float:
    """``||y - X w||^2 / 2 + lam ||w||^2 / 2`` (the ERM objective at weights w)."""
    r = y - X @ w
    return 0.5 * float(r @ r) + 0.5 * lam * float(w @ w)


# ----------------------------------------------------------------------------- many instances
@dataclass(frozen=True)
class AMPStudy:
    """AMP over independent instances, for one or several quantizers sharing each instance.

    Arrays have shape (runs, Q) for Q quantizers; summaries have shape (Q,).

    Attributes
    ----------
    eg, eg_requantized : Eg of mbar and of ``phi(mbar)`` per run and quantizer
    converged : bool, iterations : int, status : str (per run and quantizer; for restarts > 1 the
        selected restart's values)
    converged_restarts : number of restarts that converged
    params : dict of the settings (for metadata)
    """

    eg: np.ndarray
    eg_requantized: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray
    status: np.ndarray
    converged_restarts: np.ndarray
    quantizers: list
    params: dict = field(default_factory=dict)

    @property
    def runs(self) -> int:
        return self.eg.shape[0]

    def _sem(self, a):
        return a.std(axis=0, ddof=1) / math.sqrt(a.shape[0]) if a.shape[0] > 1 else np.full(a.shape[1], np.nan)

    def summary(self) -> list[dict]:
        """Per quantizer: eg_mean, eg_sem, eg_requantized_mean/sem, converged_fraction,
        iterations_mean (``eg_sem`` is None for a single run)."""
        out = []
        for j, q in enumerate(self.quantizers):
            e = self.eg[:, j:j + 1]
            er = self.eg_requantized[:, j:j + 1]
            sem = self._sem(e)[0]
            semr = self._sem(er)[0]
            out.append({
                "scheme": q.scheme, "n_p": q.n_p, "bits": q.bits, "omega": q.omega,
                "edge_width": q.edge_width,
                "eg_mean": float(e.mean()), "eg_sem": None if math.isnan(sem) else float(sem),
                "eg_requantized_mean": float(er.mean()),
                "eg_requantized_sem": None if math.isnan(semr) else float(semr),
                "converged_fraction": float(self.converged[:, j].mean()),
                "iterations_mean": float(self.iterations[:, j].mean()),
                "runs": self.runs,
            })
        return out


def _study_run(seed_seq, *, qs, alpha, sigma, lam, rho, n, restarts, max_iter, tol, variance, dtype):
    """One independent run: instance and starts from ``seed_seq`` (module-level: picklable)."""
    s_inst, s_init = spawn_seeds(seed_seq, 2)
    X, y, w0 = teacher(n, alpha, sigma, rho, seed=s_inst, dtype=dtype)
    rng = np.random.default_rng(s_init)
    starts = rng.standard_normal((restarts, n)).T  # (n, restarts), shared by all quantizers
    nq = len(qs)
    cols_q = [q for q in qs for _ in range(restarts)]
    init = np.repeat(starts[:, None, :], nq, axis=1).reshape(n, nq * restarts)
    X, y = _check_instance(X, y, dtype)
    res = _run(X, y, cols_q, lam, np.ascontiguousarray(init), max_iter, tol, variance, w0, sigma)
    rows = []
    for j in range(nq):
        group = res[j * restarts:(j + 1) * restarts]
        if restarts == 1:
            best = group[0]
        else:
            # among converged restarts (all, if none converged) take the lowest training loss
            pool = [r for r in group if r.converged] or [r for r in group if r.status != "diverged"] or group
            best = min(pool, key=lambda r: training_loss(X, y, r.mbar, lam))
        rows.append((best.eg, best.eg_requantized, best.converged, best.iterations, best.status,
                     sum(r.converged for r in group)))
    return rows


def amp_study(quantizer, alpha: float, sigma: float, lam: float, rho: float = 1.0, *, n: int,
              runs: int, seed, restarts: int = 1, max_iter: int = 500, tol: float = 1e-12,
              variance: str = "full", dtype=np.float64, jobs: int = 1, backend: str = "loky",
              scheduler: str | None = None, progress: bool = False) -> AMPStudy:
    """AMP on ``runs`` independent instances (``fastq.parallel.parallel_map`` over ``_study_run``).

    Run k draws its instance ``(X, y, w0)`` and its starts from the k-th child of ``seed``
    (:func:`fastq.teacher.spawn_seeds`), so results do not depend on ``jobs`` or the backend.
    With several quantizers, they share each instance and start (common random numbers) and are
    advanced together by the batched kernel.  With ``restarts > 1`` each quantizer runs from
    ``restarts`` starts and the run keeps the converged restart of lowest training loss
    ``||y - X mbar||^2/2 + lam ||mbar||^2/2``.

    Parameters
    ----------
    quantizer : Quantizer or list of Quantizers
    alpha, sigma, lam, rho : model
    n : int >= 2, number of weights N;  runs : int >= 1;  seed : int >= 0 or SeedSequence
    restarts, max_iter, tol, variance, dtype : see :func:`amp_batched`
    jobs, backend, scheduler, progress : see :func:`fastq.parallel.parallel_map`

    Returns
    -------
    AMPStudy
    """
    from .parallel import effective_n_jobs, parallel_map, validate_backend

    qs = _check_quantizers(quantizer)
    alpha, sigma, lam, rho = V.model(alpha, sigma, lam, rho)
    n = V.integer("n", n, 2)
    runs = V.integer("runs", runs, 1)
    restarts = V.integer("restarts", restarts, 1, 10_000)
    max_iter = V.integer("max_iter", max_iter, 1, 10_000_000)
    tol = V.nonnegative("tol", tol)
    if variance not in VARIANCES:
        raise V.FastqInputError(f"variance must be one of {', '.join(VARIANCES)} (got {variance!r})")
    dtype = np.dtype(dtype)
    if dtype not in (np.float64, np.float32):
        raise V.FastqInputError(f"dtype must be float64 or float32 (got {dtype})")
    effective_n_jobs(jobs)
    validate_backend(backend, scheduler)
    seeds = spawn_seeds(seed, runs)
    fn = functools.partial(_study_run, qs=qs, alpha=alpha, sigma=sigma, lam=lam, rho=rho, n=n,
                           restarts=restarts, max_iter=max_iter, tol=tol, variance=variance,
                           dtype=dtype)
    rows = parallel_map(fn, seeds, n_jobs=jobs, backend=backend, scheduler=scheduler,
                        chunk_size=1, progress=progress, desc="amp runs")
    arr = lambda i, dt: np.array([[r[j][i] for j in range(len(qs))] for r in rows], dtype=dt)  # noqa: E731
    params = {"alpha": alpha, "sigma": sigma, "lam": lam, "rho": rho, "n": n, "runs": runs,
              "seed": seed if isinstance(seed, int) else str(seed), "restarts": restarts,
              "max_iter": max_iter, "tol": tol, "variance": variance, "dtype": dtype.name,
              "init": "mbar0 ~ N(0,1), v0 = 1", "quantizers": [q.to_dict() for q in qs]}
    return AMPStudy(eg=arr(0, float), eg_requantized=arr(1, float), converged=arr(2, bool),
                    iterations=arr(3, np.int64), status=arr(4, object), converged_restarts=arr(5, np.int64),
                    quantizers=qs, params=params)


# ``fastq.amp`` is both this module and (lazily) the function :func:`amp`.  Importing the module
# binds the package attribute to the module, so make the module itself callable: then
# ``fastq.amp(...)`` runs AMP whatever was imported first.
class _CallableModule(_sys.modules[__name__].__class__):
    def __call__(self, *args, **kwargs):
        return amp(*args, **kwargs)


_sys.modules[__name__].__class__ = _CallableModule
