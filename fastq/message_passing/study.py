"""AMP over many independent instances: :func:`amp_study` (parallel, seeds from SeedSequence)."""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

from .. import _validate as V
from .._status import STATUS_CODES, STATUS_NAMES
from ..checkpoints import run_chunks
from ..parallel import effective_n_jobs, validate_backend
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
        """Number of independent runs."""
        return self.eg.shape[0]

    def summary(self) -> list[dict]:
        """Per quantizer, the three outcomes kept apart.

        ``eg_mean``/``eg_sem`` and ``eg_requantized_mean``/``_sem`` average the *converged* runs
        only (None when none converged, or for the s.e. of a single one); the runs stopped by
        ``max_iter`` are summarised on their own (``eg_mean_max_iter``: the Eg of their last
        iterate); diverged runs enter no mean.  Counts: ``n_converged``, ``n_max_iter``,
        ``n_diverged``; ``converged_fraction`` and ``iterations_mean`` over all runs.
        """
        out = []
        for j, q in enumerate(self.quantizers):
            st = self.status[:, j]
            conv = st == "converged"
            stuck = st == "max_iter"
            eg, sem = _mean_sem(self.eg[conv, j])
            egr, semr = _mean_sem(self.eg_requantized[conv, j])
            out.append({
                "scheme": q.scheme, "n_p": q.n_p, "bits": q.bits, "omega": q.omega,
                "edge_width": q.edge_width, "edge_convention": q.edge_convention,
                "eg_mean": eg, "eg_sem": sem, "eg_requantized_mean": egr, "eg_requantized_sem": semr,
                "eg_mean_max_iter": _mean_sem(self.eg[stuck, j])[0],
                "n_converged": int(conv.sum()), "n_max_iter": int(stuck.sum()),
                "n_diverged": int((st == "diverged").sum()),
                "converged_fraction": float(conv.mean()),
                "iterations_mean": float(self.iterations[:, j].mean()),
                "runs": self.runs,
            })
        return out


def _mean_sem(values):
    """(mean, standard error) of a sample; None for what a sample of its size cannot give."""
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return None, None
    sem = float(v.std(ddof=1) / math.sqrt(v.size)) if v.size > 1 else None
    return float(v.mean()), sem


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
        rows.append((best.eg, best.eg_requantized, best.converged, best.iterations,
                     STATUS_CODES[best.status], sum(r.converged for r in group)))
    cols = list(zip(*rows))
    return {"eg": np.array(cols[0], float), "eg_requantized": np.array(cols[1], float),
            "converged": np.array(cols[2], bool), "iterations": np.array(cols[3], np.int64),
            "status": np.array(cols[4], np.int64), "converged_restarts": np.array(cols[5], np.int64)}


def amp_study(quantizer, alpha: float, sigma: float, lam: float, rho: float = 1.0, *, n: int,
              runs: int, seed, restarts: int = 1, max_iter: int = 500, tol: float = 1e-12,
              variance: str = "full", dtype=np.float64, n_jobs: int = 1, backend: str = "loky",
              scheduler: str | None = None, progress: bool = False,
              checkpoint_dir=None) -> AMPStudyResult:
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
    checkpoint_dir : keep finished runs there and reuse them on a rerun
        (:func:`fastq.checkpoints.run_chunks`; default: the enclosing ``checkpointing`` block)

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
    params = {"alpha": alpha, "sigma": sigma, "lam": lam, "rho": rho, "n": n, "runs": runs,
              "seed": seed if isinstance(seed, int) else str(seed), "restarts": restarts,
              "max_iter": max_iter, "tol": tol, "variance": variance, "dtype": dtype.name,
              "init": "mbar0 ~ N(0,1), v0 = 1", "quantizers": [q.to_dict() for q in qs]}
    run = run_chunks(fn, seeds, kind="amp-study", inputs=params, checkpoint_dir=checkpoint_dir,
                     n_jobs=n_jobs, backend=backend, scheduler=scheduler, progress=progress,
                     desc="amp runs")
    arr = {k: np.stack([r[k] for r in run.results]) for k in run.results[0]}
    status = np.vectorize(STATUS_NAMES.get, otypes=[object])(arr["status"])
    return AMPStudyResult(eg=arr["eg"], eg_requantized=arr["eg_requantized"], converged=arr["converged"],
                          iterations=arr["iterations"], status=status,
                          converged_restarts=arr["converged_restarts"], quantizers=qs, params=params)


# ``fastq.amp`` is both this module and (lazily) the function :func:`amp`.  Importing the module
