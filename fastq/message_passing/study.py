"""AMP over many independent instances: :func:`amp_study` (parallel, seeds from SeedSequence)."""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

from .. import _validate as V
from ..parallel import effective_n_jobs, parallel_map, validate_backend
from ..synthetic import spawn_seeds, teacher
from .solver import VARIANCES, _check_instance, _check_quantizers, _run, training_loss


@dataclass(frozen=True)
class AMPStudyResult:
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
        """Run ``fastq study`` with the parsed ``args``; returns the exit code."""
        return self.eg.shape[0]

    def _sem(self, a):
        return a.std(axis=0, ddof=1) / math.sqrt(a.shape[0]) if a.shape[0] > 1 else np.full(a.shape[1], np.nan)

    def summary(self) -> list[dict]:
        """Per quantizer: eg_mean, eg_sem, eg_requantized_mean/sem, converged_fraction,
        iterations_mean (``eg_sem`` is None for a single run).
        """
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
              variance: str = "full", dtype=np.float64, n_jobs: int = 1, backend: str = "loky",
              scheduler: str | None = None, progress: bool = False) -> AMPStudyResult:
    """AMP on ``runs`` independent instances (``fastq.parallel.parallel_map`` over ``_study_run``).

    Run k draws its instance ``(X, y, w0)`` and its starts from the k-th child of ``seed``
    (:func:`fastq.synthetic.spawn_seeds`), so results do not depend on ``n_jobs`` or the backend.
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
    n_jobs, backend, scheduler, progress : see :func:`fastq.parallel.parallel_map`

    Returns
    -------
    AMPStudyResult
    """
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
    effective_n_jobs(n_jobs)
    validate_backend(backend, scheduler)
    seeds = spawn_seeds(seed, runs)
    fn = functools.partial(_study_run, qs=qs, alpha=alpha, sigma=sigma, lam=lam, rho=rho, n=n,
                           restarts=restarts, max_iter=max_iter, tol=tol, variance=variance,
                           dtype=dtype)
    rows = parallel_map(fn, seeds, n_jobs=n_jobs, backend=backend, scheduler=scheduler,
                        chunk_size=1, progress=progress, desc="amp runs")
    arr = lambda i, dt: np.array([[r[j][i] for j in range(len(qs))] for r in rows], dtype=dt)  # noqa: E731
    params = {"alpha": alpha, "sigma": sigma, "lam": lam, "rho": rho, "n": n, "runs": runs,
              "seed": seed if isinstance(seed, int) else str(seed), "restarts": restarts,
              "max_iter": max_iter, "tol": tol, "variance": variance, "dtype": dtype.name,
              "init": "mbar0 ~ N(0,1), v0 = 1", "quantizers": [q.to_dict() for q in qs]}
    return AMPStudyResult(eg=arr(0, float), eg_requantized=arr(1, float), converged=arr(2, bool),
                    iterations=arr(3, np.int64), status=arr(4, object), converged_restarts=arr(5, np.int64),
                    quantizers=qs, params=params)


# ``fastq.amp`` is both this module and (lazily) the function :func:`amp`.  Importing the module
