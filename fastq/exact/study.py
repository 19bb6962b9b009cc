"""Many-instance study of the exact minimizer: :func:`exact_study` (parallel, extrapolated in N).

For every size ``N`` and instance ``k`` the teacher instance with seed ``(seed, N, k)`` is solved
exactly (:func:`fastq.exact.solver.exact_erm`), by the rounded ridge heuristic and by AMP; the
exact Eg is fitted as ``a + b / N`` (:func:`fit_inverse_n`) and put beside the RS prediction.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from .. import _validate as V
from ..checkpoints import run_chunks
from ..defaults import DEFAULT_EDGE_WIDTH
from ..message_passing.solver import amp as _run_amp
from ..parallel import effective_n_jobs, validate_backend
from ..quantizers import Quantizer
from ..replica import solve_rs
from ..synthetic import as_seed_sequence, generalization_error, spawn_seeds, teacher
from .solver import DEFAULT_NODE_LIMIT, exact_erm


def _instance_seed(seed, n: int, k: int) -> np.random.SeedSequence:
    """Seed of instance ``k`` at size ``n``: depends on (seed, n, k) only, not on the other sizes."""
    root = as_seed_sequence(seed)
    per_n = np.random.SeedSequence(root.entropy, spawn_key=root.spawn_key + (int(n),))
    return spawn_seeds(per_n, k + 1)[k]


def _study_instance(task, *, quantizer, alpha, sigma, lam, rho, node_limit, amp_quantizer,
                    amp_max_iter, amp_tol):
    """One teacher instance: exact minimizer, rounded ridge, incumbent and (if available) AMP."""
    n, seed_seq = task
    X, y, w0 = teacher(n, alpha, sigma, rho, seed=seed_seq)
    r = exact_erm(X, y, quantizer, lam, node_limit=node_limit)
    out = {
        "eg_exact": generalization_error(r.w, w0, sigma),
        "eg_rounded_ridge": generalization_error(r.w_rounded_ridge, w0, sigma),
        "eg_incumbent": generalization_error(r.w_incumbent, w0, sigma),
        "objective": r.objective,
        "incumbent_objective": r.incumbent_objective,
        "optimal": r.optimal,
        "nodes": r.nodes,
        "seconds": r.seconds,
        "eg_amp": math.nan,
        "eg_amp_requantized": math.nan,
        "amp_converged": False,
    }
    if amp_quantizer is not None:
        amp_seed = int(seed_seq.generate_state(1)[0])
        a = _run_amp(X, y, amp_quantizer, lam, max_iter=amp_max_iter, tol=amp_tol, seed=amp_seed,
                        w0=w0, sigma=sigma)
        out["eg_amp"] = float(a.eg)
        out["eg_amp_requantized"] = float(a.eg_requantized)
        out["amp_converged"] = bool(a.converged)
    return out


def fit_inverse_n(sizes, mean, se):
    """Weighted least-squares fit ``Eg(N) = a + b / N`` (weights ``1 / se^2``).

    Returns a dict with ``a, a_err, b, b_err, chi2_dof``.  The parameter errors are the usual
    covariance ``(J^T W J)^{-1}`` scaled by ``sqrt(chi2_dof)`` when ``chi2_dof > 1`` (the
    1/N form not fitting the points within their error bars widens the uncertainty rather than
    being hidden).  Needs at least 3 sizes for ``chi2_dof`` (2 sizes: exact fit, no scaling).
    """
    x = 1.0 / np.asarray(sizes, dtype=np.float64)
    yv = np.asarray(mean, dtype=np.float64)
    s = np.asarray(se, dtype=np.float64)
    if x.size < 2:
        raise V.FastqInputError("the 1/N fit needs at least 2 sizes")
    if not np.all(s > 0):
        raise V.FastqInputError("the 1/N fit needs positive standard errors (use >= 2 instances per size)")
    J = np.column_stack([np.ones_like(x), x])
    w = 1.0 / s**2
    JW = J * w[:, None]
    cov = np.linalg.inv(J.T @ JW)
    coef = cov @ (JW.T @ yv)
    resid = yv - J @ coef
    dof = x.size - 2
    chi2 = float(np.sum(w * resid**2))
    chi2_dof = chi2 / dof if dof > 0 else math.nan
    scale = math.sqrt(chi2_dof) if dof > 0 and chi2_dof > 1.0 else 1.0
    return {"a": float(coef[0]), "a_err": float(math.sqrt(cov[0, 0]) * scale),
            "b": float(coef[1]), "b_err": float(math.sqrt(cov[1, 1]) * scale),
            "chi2_dof": chi2_dof, "dof": dof}


@dataclass(frozen=True)
class ExactStudyResult:
    """Output of :func:`exact_study`.

    ``per_instance`` holds arrays of shape ``(len(sizes), instances)`` (keys as in
    :func:`_study_instance`); ``summary`` one row per size (means, standard errors, counts);
    ``fit`` the extrapolation of the exact Eg; ``rs`` the replica predictions.
    """

    params: dict
    sizes: list
    per_instance: dict
    summary: list
    fit: dict
    rs: dict
    amp_available: bool

    def to_dict(self) -> dict:
        """The record as a plain dict (JSON-ready through :func:`fastq.store.to_json`)."""
        return {"params": self.params, "sizes": self.sizes, "summary": self.summary, "fit": self.fit,
                "rs": self.rs, "amp_available": self.amp_available}


def _mean_se(v):
    v = np.asarray(v, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return math.nan, math.nan, 0
    se = float(np.std(v, ddof=1) / math.sqrt(v.size)) if v.size > 1 else math.nan
    return float(np.mean(v)), se, int(v.size)


def _size_summary(n, per, a, amp_available) -> dict:
    """One row of the summary: means and standard errors of each Eg at size ``n`` (row ``a`` of
    the per-instance arrays), counts of unproven optima, search effort and time.
    """
    row = {"n": n}
    for k in ("eg_exact", "eg_rounded_ridge", "eg_incumbent", "eg_amp", "eg_amp_requantized"):
        row[k], row[k + "_se"], _ = _mean_se(per[k][a])
    row["energy"], row["energy_se"], _ = _mean_se(per["objective"][a] / n)
    row["not_optimal"] = int(np.sum(~per["optimal"][a]))
    row["amp_not_converged"] = int(np.sum(~per["amp_converged"][a])) if amp_available else None
    row["incumbent_improved"] = int(np.sum(per["objective"][a] < per["incumbent_objective"][a]
                                           * (1 - 1e-12)))
    row["nodes_mean"] = float(np.mean(per["nodes"][a]))
    row["nodes_max"] = int(np.max(per["nodes"][a]))
    row["seconds_mean"] = float(np.mean(per["seconds"][a]))
    row["seconds_max"] = float(np.max(per["seconds"][a]))
    return row


def _rs_reference(quantizer, alpha, sigma, lam, rho, amp_eps, fit, fit_energy) -> dict:
    """RS predictions beside the extrapolated exact Eg and training objective per weight: the hard
    quantizer's Eg and ground-state energy ``alpha Eg / (1 + chi)^2 + lam Q / 2`` (docs/rsb.md),
    and the phase at AMP's edge width.
    """
    rs0 = solve_rs(quantizer.hard(), alpha, sigma, lam, rho)
    rse = solve_rs(quantizer.with_edge_width(amp_eps), alpha, sigma, lam, rho)
    rs = {"eg": rs0.eg, "converged": rs0.converged, "status": rs0.status,
          "edge_width": amp_eps, "eg_edge": rse.eg, "at_edge": rse.at, "rs_phase_edge": rse.rs,
          "kappa": rse.kappa}
    if rs0.converged:
        rs["energy"] = alpha * rs0.eg / (1.0 + rs0.chi) ** 2 + 0.5 * lam * rs0.Q
        rs["deviation_sigmas"] = (fit["a"] - rs0.eg) / fit["a_err"] if fit["a_err"] > 0 else math.nan
        rs["energy_deviation_sigmas"] = ((fit_energy["a"] - rs["energy"]) / fit_energy["a_err"]
                                         if fit_energy["a_err"] > 0 else math.nan)
    return rs


def exact_study(quantizer: Quantizer, alpha, sigma, lam, rho=1.0, *, sizes, instances: int, seed,
                node_limit: int = DEFAULT_NODE_LIMIT, amp: bool = True, amp_edge_width=None,
                amp_max_iter: int = 500, amp_tol: float = 1e-10, n_jobs: int = 1,
                backend: str = "loky", scheduler: str | None = None,
                progress: bool = False, checkpoint_dir=None) -> ExactStudyResult:
    """Exact minimizer vs AMP vs rounded ridge on many instances per N, extrapolated to N -> inf.

    For every size ``n`` in ``sizes`` and ``k < instances`` the teacher instance with seed
    ``(seed, n, k)`` (:func:`_instance_seed`; identical for any ``n_jobs``) is solved by
    :func:`exact_erm`, by the rounded ridge heuristic and, when ``amp`` is True, by AMP with the
    edge-smoothed quantizer (``amp_edge_width``, default
    :data:`fastq.defaults.DEFAULT_EDGE_WIDTH`).  Per size: mean and standard error of each Eg,
    the number of instances not proven optimal (node limit), nodes and time.  The exact Eg is
    fitted as ``a + b / N`` (:func:`fit_inverse_n`) and compared with the RS Eg of the hard
    quantizer (``solve_rs`` at edge width 0); the RS solution at AMP's edge width and its AT
    value (phase) are given too.

    Parameters
    ----------
    quantizer : Quantizer (its levels define Omega; its edge width is ignored for the exact part)
    alpha, sigma, lam, rho : model (THEORY section 1)
    sizes : sequence of int >= 1 (at least 2 distinct)
    instances : int >= 2 per size
    seed : int >= 0
    node_limit : search budget per instance (see :func:`exact_erm`)
    n_jobs, backend, scheduler, progress : passed to :func:`fastq.parallel.parallel_map`
    checkpoint_dir : keep finished instances there and reuse them on a rerun
        (:func:`fastq.checkpoints.run_chunks`; default: the enclosing ``checkpointing`` block)
    """
    if not isinstance(quantizer, Quantizer):
        raise V.FastqInputError("quantizer must be a fastq.Quantizer")
    alpha, sigma, lam, rho = V.model(alpha, sigma, lam, rho)
    sizes = sorted({V.integer("sizes", s, 1) for s in sizes})
    if len(sizes) < 2:
        raise V.FastqInputError("sizes must hold at least 2 distinct values of N (for the 1/N fit)")
    if sizes[-1] > 200:
        raise V.FastqInputError(f"sizes must be <= 200 (exact search is exponential in N; got {sizes[-1]})")
    instances = V.integer("instances", instances, 2)
    V.integer("seed", seed, 0)
    node_limit = V.integer("node_limit", node_limit, 1)
    amp_eps = DEFAULT_EDGE_WIDTH if amp_edge_width is None else V.positive("amp_edge_width", amp_edge_width)
    quantizer.with_edge_width(amp_eps)  # valid under the quantizer's edge convention (jump: r <= 1)
    amp_max_iter = V.integer("amp_max_iter", amp_max_iter, 1)
    amp_tol = V.positive("amp_tol", amp_tol)
    effective_n_jobs(n_jobs)
    validate_backend(backend, scheduler)

    amp_available = bool(amp)
    amp_q = quantizer.with_edge_width(amp_eps) if amp_available else None
    tasks = [(n, _instance_seed(seed, n, k)) for n in sizes for k in range(instances)]
    fn = functools.partial(_study_instance, quantizer=quantizer.hard(), alpha=alpha, sigma=sigma,
                           lam=lam, rho=rho, node_limit=node_limit, amp_quantizer=amp_q,
                           amp_max_iter=amp_max_iter, amp_tol=amp_tol)
    # large N last in the list: put them first so the slowest tasks start early
    order = sorted(range(len(tasks)), key=lambda j: -tasks[j][0])
    inputs = {"quantizer": quantizer.hard().to_dict(), "model": [alpha, sigma, lam, rho],
              "sizes": sizes, "instances": instances, "seed": seed, "node_limit": node_limit,
              "amp": [amp_eps, amp_max_iter, amp_tol] if amp_q is not None else None}
    run = run_chunks(fn, [tasks[j] for j in order], kind="exact-study", inputs=inputs,
                     checkpoint_dir=checkpoint_dir, n_jobs=n_jobs, backend=backend,
                     scheduler=scheduler, progress=progress, desc="exact")
    results = [None] * len(tasks)
    for j, r in zip(order, run.results):
        results[j] = r

    keys = list(results[0].keys())
    per = {k: np.array([r[k] for r in results]).reshape(len(sizes), instances) for k in keys}
    summary = [_size_summary(n, per, a, amp_available) for a, n in enumerate(sizes)]
    fit = fit_inverse_n(sizes, [r["eg_exact"] for r in summary], [r["eg_exact_se"] for r in summary])
    fit_energy = fit_inverse_n(sizes, [r["energy"] for r in summary], [r["energy_se"] for r in summary])
    rs = _rs_reference(quantizer, alpha, sigma, lam, rho, amp_eps, fit, fit_energy)
    params = {"quantizer": quantizer.hard().to_dict(), "alpha": alpha, "sigma": sigma, "lam": lam,
              "rho": rho, "instances": instances, "seed": seed, "node_limit": node_limit,
              "amp": amp_available, "amp_edge_width": amp_eps, "amp_max_iter": amp_max_iter,
              "amp_tol": amp_tol}
    return ExactStudyResult(params=params, sizes=sizes, per_instance=per, summary=summary, fit=fit,
                            rs=rs, amp_available=amp_available)
