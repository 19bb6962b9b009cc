"""Monte Carlo of quantized SGD: many independent runs, in parallel, checkpointed and resumable.

:func:`sgd_simulate` runs the kernel ``fastq.sgd._mc_kernels._mc_run`` once per run.  Run ``k``
draws its teacher, samples and quantization noise from child ``k`` of ``seed``
(:func:`fastq.synthetic.spawn_seeds`), so every run -- hence every mean, standard error and count --
is the same for any ``n_jobs`` or backend.  Runs are grouped in blocks of ``BLOCK`` (fixed, not
tied to ``n_jobs``); with ``checkpoint_dir`` each finished block is written atomically to
``sgd-mc-<hash>-b<k>.npz`` (hash of every input that changes a run, not of ``runs``), and a
rerun -- or a run asking for more runs -- loads finished blocks instead of recomputing them.
"""
from __future__ import annotations

import functools
import hashlib
import json
import math
from dataclasses import dataclass, field

import numpy as np

from .. import _validate as V
from ..store import _jsonable
from .spec import KIND_CODES, TARGETS, SGDSetup, record_steps

__all__ = ["sgd_simulate", "SGDSimulationResult", "kernel_arrays", "check_simulation_size"]

BLOCK = 32
#: simulation work limit runs * T * B * d (about 1.5 h on 2 cores at ~10 ns per element)
MAX_MC_WORK = 1e12
MAX_MC_DIM = 1_000_000
#: stored per-run records runs * n_records (two float64 arrays: ~3 GiB)
MAX_MC_RECORDS = 2e8
#: bump when the kernel's use of the random stream changes (old checkpoints are then ignored)
MC_FORMAT = 3


@dataclass(frozen=True)
class SGDSimulationResult:
    """Monte Carlo estimate of the expected risk over ``runs`` independent runs.

    steps : (n,) recorded steps; mean, se : (n,) mean risk and its standard error over runs
    (+inf from the first step at which a run diverged); deployed_mean, deployed_se : same for
    ``Q_p(w)``; cross_mean, cross_se : same for the linear statistic ``(w - w*)^T H w*`` (its
    expectation depends on the mean iterate only: the check of a mean fixed point);
    risk_runs : (runs, n) every run's risk; diverged_runs : how many runs blew up;
    max_share : (n,) largest single run's share of the sum (a heavy-tail warning: above ~0.05 the
    standard error is not trustworthy); quantizers : per target, for real quantizers, the grid step
    / range / format used and the fraction of values clipped (INT) or overflowed (FP);
    status : "converged" or "diverged"; params : the setting, seed and runs.
    """

    steps: np.ndarray
    mean: np.ndarray
    se: np.ndarray
    deployed_mean: np.ndarray
    deployed_se: np.ndarray
    risk_runs: np.ndarray
    diverged_runs: int
    max_share: np.ndarray
    quantizers: dict
    status: str
    converged: bool
    runs: int
    params: dict = field(default_factory=dict)
    cross_mean: np.ndarray | None = None
    cross_se: np.ndarray | None = None

    def to_dict(self, *, runs: bool = False) -> dict:
        """The record as a plain dict (JSON-ready through :func:`fastq.store.to_json`)."""
        d = {"steps": self.steps, "mean": self.mean, "se": self.se, "deployed_mean": self.deployed_mean,
             "deployed_se": self.deployed_se, "diverged_runs": self.diverged_runs,
             "max_share": self.max_share, "quantizers": self.quantizers, "status": self.status,
             "converged": self.converged, "runs": self.runs, "params": self.params,
             "cross_mean": self.cross_mean, "cross_se": self.cross_se}
        if runs:
            d["risk_runs"] = self.risk_runs
        return d


def kernel_arrays(setup: SGDSetup):
    """(kinds int64[5], prm float64[5, 3], info per quantized target) for the kernels."""
    kinds = np.zeros(5, dtype=np.int64)
    prm = np.zeros((5, 3))
    info = {}
    for t, name in enumerate(TARGETS):
        q = setup.quant.get(name)
        if q is None:
            continue
        kinds[t] = KIND_CODES[q.kind]
        if q.kind in ("add", "mult"):
            prm[t, 0] = math.sqrt(q.eps)
            info[name] = {"spec": str(q)}
        elif q.family == "int":
            R = q.range if q.range is not None else setup.default_range(name)
            delta = q.grid_step(R)
            prm[t] = (delta, delta * (2 ** (q.bits - 1) - 1), 0.0)
            info[name] = {"spec": str(q), "bits": q.bits, "range": float(prm[t, 1]), "grid_step": delta,
                          "rounding": "nearest" if q.nearest else "stochastic"}
            if not q.nearest:
                info[name]["eps_model"] = delta * delta / 6.0
        else:
            emin, emax, vmax = q.fp_limits
            prm[t] = (q.mantissa, emin, vmax)
            info[name] = {"spec": str(q), "mantissa": q.mantissa, "exponent_bits": q.exponent_bits,
                          "emin": emin, "emax": emax, "max_finite": vmax,
                          "rounding": "nearest" if q.nearest else "stochastic"}
    return kinds, prm, info


def check_simulation_size(s: SGDSetup, runs: int, n_records: int) -> None:
    """Refuse, before any work, a simulation too large for a 2-core / 24 GiB machine."""
    if s.dim > MAX_MC_DIM:
        raise V.FastqInputError(f"dim must be <= {MAX_MC_DIM} for the simulation (got {s.dim})")
    work = float(runs) * s.steps * s.batch * s.dim
    if work > MAX_MC_WORK:
        raise V.FastqInputError(f"runs * steps * batch * dim = {work:.3g} exceeds the simulation limit "
                                f"{MAX_MC_WORK:.0e} (about 1.5 h on 2 cores)")
    if float(runs) * n_records > MAX_MC_RECORDS:
        raise V.FastqInputError(f"runs * recorded steps = {float(runs) * n_records:.3g} exceeds "
                                f"{MAX_MC_RECORDS:.0e} (memory); record fewer checkpoints")


def _child(root: np.random.SeedSequence, k: int) -> np.random.SeedSequence:
    """Child ``k`` of ``root``, exactly as :func:`fastq.synthetic.spawn_seeds` makes it."""
    return np.random.SeedSequence(root.entropy, spawn_key=root.spawn_key + (k,))


def _block(k, *, root, runs, lam, pi, gamma, batch, steps, sigma, kinds, prm, rec):
    """Runs of block ``k`` (module level, picklable): (risk, deployed, stats, status, linear)."""
    from ._mc_kernels import _mc_run
    from ._rng import seed_state

    idx = range(k * BLOCK, min((k + 1) * BLOCK, runs))
    n, d = len(idx), lam.size
    risk = np.empty((n, rec.size))
    dep = np.empty((n, rec.size))
    lin = np.empty((n, rec.size))
    stats = np.zeros((n, 5, 2), dtype=np.int64)
    status = np.zeros(n, dtype=np.int64)
    sl, sp = np.sqrt(lam), np.sqrt(pi)
    work = [np.empty(d) for _ in range(5)]
    for j, r in enumerate(idx):
        rng = seed_state(_child(root, r))
        status[j], _ = _mc_run(lam, sl, sp, gamma, batch, steps, sigma, kinds, prm, rec, rng,
                               risk[j], dep[j], lin[j], stats[j], *work)
    return risk, dep, stats, status, lin


def _hash(setup: SGDSetup, seed_ss, rec) -> str:
    sd = {k: v for k, v in setup.to_dict().items() if k not in ("lam", "pi")}
    blob = {"setup": _jsonable(sd), "lam": hashlib.sha256(setup.lam.tobytes()).hexdigest(),
            "pi": hashlib.sha256(setup.pi.tobytes()).hexdigest(), "entropy": str(seed_ss.entropy),
            "spawn_key": list(seed_ss.spawn_key), "rec": hashlib.sha256(rec.tobytes()).hexdigest(),
            "block": BLOCK, "format": MC_FORMAT}
    return hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()[:16]


def sgd_simulate(setup: SGDSetup | None = None, *, runs, seed, checkpoints=20, n_jobs=1,
                 backend="loky", scheduler=None, progress=False, checkpoint_dir=None,
                 **params) -> SGDSimulationResult:
    """Monte Carlo of quantized SGD (kernel ``_mc_run``), ``runs`` independent runs.

    Parameters: an :class:`~fastq.sgd.spec.SGDSetup` or the parameters of
    :func:`~fastq.sgd.spec.make_setup` (targets may also be real quantizers ``"int:BITS[:RANGE]"``,
    ``"fp:MANTISSA[:EXP_BITS]"`` (stochastic rounding), ``"int-rtn:..."``, ``"fp-rtn:..."``
    (round-to-nearest)); ``runs`` >= 2; ``seed`` (int >= 0 or SeedSequence);
    ``checkpoints``: a count (default 20), a list of steps, or None (every step);
    ``n_jobs``/``backend``/``progress`` as in :func:`fastq.parallel.parallel_map`;
    ``checkpoint_dir``: directory for resumable blocks (:func:`fastq.checkpoints.run_chunks`;
    None: the enclosing ``checkpointing`` block, if any).
    Refused up front: ``runs * T * B * d > 1e12``, ``d > 1e6``, ``runs * records > 2e8``.
    """
    from ..checkpoints import run_chunks
    from ..parallel import effective_n_jobs, validate_backend
    from ..synthetic import as_seed_sequence
    from .recursion import _setup

    s = _setup(setup, params)
    runs = V.integer("runs", runs, 2)
    ss = as_seed_sequence(seed)
    rec = record_steps(s.steps, checkpoints)
    validate_backend(backend, scheduler)
    effective_n_jobs(n_jobs)
    check_simulation_size(s, runs, rec.size)
    kinds, prm, qinfo = kernel_arrays(s)
    n_blocks = -(-runs // BLOCK)
    fn = functools.partial(_block_arrays, root=ss, runs=runs, lam=s.lam, pi=s.pi, gamma=s.gamma,
                           batch=s.batch, steps=s.steps, sigma=s.sigma, kinds=kinds, prm=prm, rec=rec)
    # block k's runs do not depend on the total: a study with more runs reuses the shared blocks
    blocks = [(k, min(BLOCK, runs - k * BLOCK)) for k in range(n_blocks)]
    run = run_chunks(fn, blocks, kind="sgd-mc", inputs={"key": _hash(s, ss, rec)},
                     checkpoint_dir=checkpoint_dir, n_jobs=n_jobs, backend=backend, scheduler=scheduler,
                     progress=progress, desc="fastq sgd runs")
    results = [(r["risk"], r["dep"], r["stats"], r["status"], r["lin"]) for r in run.results]
    return _collect(s, ss, runs, rec, results, qinfo)


def _block_arrays(block, **kw):
    """One block ``(k, runs in it)`` as a checkpoint chunk (a dict of arrays)."""
    risk, dep, stats, status, lin = _block(block[0], **kw)
    return {"risk": risk, "dep": dep, "stats": stats, "status": status, "lin": lin}


def _mean_se(a: np.ndarray):
    with np.errstate(invalid="ignore", over="ignore"):
        m = a.mean(axis=0)
        se = a.std(axis=0, ddof=1) / math.sqrt(a.shape[0])
    bad = ~np.isfinite(a).all(axis=0)
    m[bad] = np.inf
    se[bad] = np.inf
    return m, se


def _collect(s, ss, runs, rec, results, qinfo) -> SGDSimulationResult:
    risk = np.concatenate([r[0] for r in results])
    dep = np.concatenate([r[1] for r in results])
    stats = np.concatenate([r[2] for r in results]).sum(axis=0)
    status = np.concatenate([r[3] for r in results])
    lin = np.concatenate([r[4] for r in results])
    m, se = _mean_se(risk)
    dm, dse = _mean_se(dep)
    lm, lse = _mean_se(lin)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(np.isfinite(m), risk.max(axis=0) / np.maximum(risk.sum(axis=0), 1e-300), 1.0)
    for t, name in enumerate(TARGETS):
        if name in qinfo and not s.quant[name].is_noise_model:
            total, clipped = int(stats[t, 0]), int(stats[t, 1])
            qinfo[name].update(values=total, clipped=clipped,
                               clipped_fraction=clipped / total if total else 0.0)
    n_div = int(np.sum(status != 0))
    st = "diverged" if n_div else "converged"
    params = s.to_dict()
    params.update(runs=runs, seed_entropy=str(ss.entropy), seed_spawn_key=list(ss.spawn_key))
    return SGDSimulationResult(rec, m, se, dm, dse, risk, n_div, share, qinfo, st, st == "converged",
                               runs, params, lm, lse)
