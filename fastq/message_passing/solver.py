"""AMP on one instance: :func:`amp` (one run) and :func:`amp_batched` (K runs advanced together).

The iteration is the kernel :func:`fastq.amp._kernel._amp` (THEORY section 7, the paper's
Algorithm 1 written as GAMP with a unit-variance Gaussian output channel); products with X are in
:mod:`fastq.amp._products`.  This module validates inputs, packs the quantizers into tables,
calls the kernel and wraps each run in an :class:`AMPResult`.

Conventions
-----------
* Default start: ``mbar^0_i ~ N(0, 1)`` from ``seed`` (the paper's choice) and ``v^0_i = 1``;
  :func:`fastq.state_evolution` starts from the same macroscopic state ``(V, E) = (1, rho + 1)``
  by default.
* Stopping: ``change^t = ||mbar^t - mbar^{t-1}||^2 / N < tol`` ("converged"), else
  ``max_iter`` iterations ("max_iter").  Non-finite values stop the run with status
  "diverged" and the last finite iterate is returned.
* K runs on the same X (restarts, or several quantizers sharing an instance) are advanced
  together: each half-iteration is one pass over X for all runs still going.
* Use an edge-smoothed quantizer (``edge_width > 0``): with the hard quantizer ``v = 0``, the
  Onsager term vanishes and AMP no longer follows state evolution (THEORY section 2).
"""
from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from .. import _validate as V
from .._status import STATUS_NAMES
from ..quantizers import Quantizer
from ..synthetic import as_seed_sequence, generalization_error
from ._kernel import _amp

VARIANCES = ("full", "scalar")


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
        """The record as a plain dict (JSON-ready through :func:`fastq.store.to_json`)."""
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
    jump = np.array([q.edge_convention == "jump" for q in qs], dtype=np.bool_)
    return lev, thr, nl, eps, jump


def _run(X, y, qs, lam, init, max_iter, tol, variance, w0, sigma):
    """Validated inputs -> list of AMPResult (one per column of init)."""
    m, n = X.shape
    k = init.shape[1]
    lev, thr, nl, eps, jump = _tables(qs)
    full = variance == "full"
    mbar = np.ascontiguousarray(init.T, dtype=np.float64).copy()  # (K, N): one row per run
    v = np.ones((k, n))
    tc = np.full((max_iter, k), np.nan)
    te = np.full((max_iter, k), np.nan)
    status = np.empty(k, dtype=np.int64)
    iters = np.empty(k, dtype=np.int64)
    have_w0 = w0 is not None
    w0a = w0 if have_w0 else np.zeros(1)
    _amp(X, y, float(lam), lev, thr, nl, eps, jump, full, mbar, v, max_iter, float(tol), w0a,
         float(sigma) if sigma is not None else 0.0, have_w0, tc, te, status, iters, numba.get_num_threads())
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
        Per-row/per-column variances from the squared entries of X (formed on the fly, in the
        same two passes over X per iteration as the mean products), or the scalar-variance form
        (scalar V and Sigma; the same two passes with less arithmetic).
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

    Each half-iteration is one pass over X for all runs still going: the
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

    Returns
    -------
    list of K AMPResult, in column order.  Each run stops on its own criterion.

    Notes
    -----
    The other parameters are those of :func:`amp`.
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
