"""Simulation check of :func:`fastq.qat.compare` on teacher instances (driver).

For ``instances`` independent teacher instances of size N (``fastq.teacher``; instance k from
the k-th child of ``seed`` via ``fastq.synthetic.spawn_seeds``, so results are identical for any
number of workers) it computes on the *same* instance:

* ridge ``w_r = (X^T X + lam I)^{-1} X^T y`` (SciPy's symmetric solver), its Eg and training error;
* PTQ: ``phi(w_r)`` rounded to the quantizer's levels (hard), its Eg and training error;
* QAT (optional): AMP with the quantizer's edge width (``fastq.amp``), the Eg and training
  error of its estimate ``mbar`` and the Eg of ``phi(mbar)`` rounded.  AMP follows the RS
  saddle point only where that is stable (``at < 1``); elsewhere it is reported but not a check.

Errors follow the theory's convention: ``Eg = (||w0 - w||^2 / N + sigma^2) / 2`` and
``Et = ||y - X w||^2 / (2M)``.  The result holds per-instance values, means, standard errors and
the z-scores ``(mean - theory) / se`` against :func:`~fastq.qat.linear.compare`.

Public: :func:`simulate_compare`, :class:`SimulationResult`.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

from .. import _validate as V
from ..quantizers import Quantizer

#: largest N accepted (the ridge solve is O(N^2 M) and holds X^T X: 4 GB at N = 20000)
MAX_N = 20_000
#: quantities measured per instance, and the theory field each is checked against
CHECKS = {"eg_ridge": "eg_ridge", "et_ridge": "et_ridge", "eg_ptq": "eg_ptq",
          "eg_qat": "eg_qat", "et_qat": "et_qat", "eg_qat_rounded": "eg_qat_rounded"}
#: differences on the same instance (common random numbers: much smaller standard errors)
DIFFERENCES = {"ptq_minus_ridge": ("eg_ptq", "eg_ridge"), "qat_minus_ptq": ("eg_qat", "eg_ptq")}


@dataclass(frozen=True)
class SimulationResult:
    """Per-instance measurements, their means/standard errors and z-scores against theory.

    Attributes
    ----------
    per_instance : dict name -> (instances,) array; names are the keys of ``CHECKS`` plus
        ``et_ptq`` (no closed form) and ``amp_converged`` (bool; absent when ``qat=False``)
    mean, se : dict name -> float
    expected : dict name -> the theory value for the names in ``CHECKS`` and ``DIFFERENCES``
        (differences of two estimators on the same instances)
    z : dict name -> ``(mean - expected) / se``
    theory : the exact :class:`~fastq.qat.linear.CompareResult` at the same setting
    converged : every AMP run converged (True when ``qat=False``)
    status : "converged" or "max_iter" (some AMP run did not converge)
    params : settings (for metadata)
    """

    per_instance: dict
    mean: dict
    se: dict
    expected: dict
    z: dict
    theory: object
    converged: bool
    status: str
    params: dict = field(default_factory=dict)

    def max_abs_z(self) -> float:
        """Largest |z-score| over the compared quantities (NaN if none is finite)."""
        vals = [abs(v) for v in self.z.values() if math.isfinite(v)]
        return max(vals) if vals else math.nan

    def to_dict(self) -> dict:
        """The record as a plain dict (JSON-ready through :func:`fastq.store.to_json`)."""
        return {"mean": self.mean, "se": self.se, "expected": self.expected, "z": self.z,
                "theory": self.theory.to_dict(),
                "converged": self.converged, "status": self.status, "params": self.params}


def _eg(w, w0, sigma):
    d = w0 - w
    return 0.5 * (float(d @ d) / w0.shape[0] + sigma * sigma)


def _et(X, y, w):
    r = y - X @ w
    return 0.5 * float(r @ r) / y.shape[0]


def _one_instance(seed_seq, *, quantizer, alpha, sigma, lam, rho, n, qat, amp_max_iter, amp_tol):
    """Ridge, PTQ and (optionally) AMP on one instance (module level: picklable)."""
    import scipy.linalg

    from ..synthetic import teacher

    s_inst, s_amp = (np.random.SeedSequence(seed_seq.entropy, spawn_key=seed_seq.spawn_key + (k,))
                     for k in range(2))
    X, y, w0 = teacher(n, alpha, sigma, rho, seed=s_inst)
    A = X.T @ X
    A[np.diag_indices_from(A)] += lam
    w_r = scipy.linalg.solve(A, X.T @ y, assume_a="pos")
    w_p = quantizer.hard()(w_r)
    out = {"eg_ridge": _eg(w_r, w0, sigma), "et_ridge": _et(X, y, w_r),
           "eg_ptq": _eg(w_p, w0, sigma), "et_ptq": _et(X, y, w_p)}
    if qat:
        from ..message_passing import amp

        a = amp(X, y, quantizer, lam, max_iter=amp_max_iter, tol=amp_tol, seed=s_amp,
                w0=w0, sigma=sigma)
        out.update(eg_qat=a.eg, et_qat=_et(X, y, a.mbar), eg_qat_rounded=a.eg_requantized,
                   amp_converged=bool(a.converged))
    return out


def simulate_compare(quantizer: Quantizer, alpha: float, sigma: float, lam: float, rho: float = 1.0,
                     *, n: int = 2000, instances: int = 10, seed=0, qat: bool = True,
                     amp_max_iter: int = 1000, amp_tol: float = 1e-10, n_jobs: int = 1,
                     progress: bool = False) -> SimulationResult:
    """Ridge, PTQ and QAT (AMP) on ``instances`` teacher instances of size ``n``, vs theory.

    Parameters
    ----------
    quantizer : Quantizer (levels for PTQ; levels and edge width for AMP)
    alpha, sigma, lam, rho : model; ``lam = 0`` needs ``alpha > 1`` (ridge)
    n : int in [10, 20000], weights per instance;  instances : int in [2, 100000]
    seed : int >= 0 or SeedSequence (instance k uses the k-th child)
    qat : run AMP too (needs edge width > 0 to follow state evolution)
    amp_max_iter, amp_tol : AMP stopping rule (``||mbar^t - mbar^{t-1}||^2 / N < tol``)
    n_jobs, progress : see :func:`fastq.parallel.parallel_map`
    """
    from ..parallel import parallel_map
    from ..synthetic import spawn_seeds
    from .linear import compare

    if not isinstance(quantizer, Quantizer):
        raise V.FastqInputError(f"quantizer must be a fastq.Quantizer (got {type(quantizer).__name__})")
    alpha, sigma, lam, rho = V.model(alpha, sigma, lam, rho)
    n = V.integer("n", n, 10, MAX_N)
    instances = V.integer("instances", instances, 2, 100_000)
    amp_max_iter = V.integer("amp_max_iter", amp_max_iter, 1, 1_000_000)
    amp_tol = V.positive("amp_tol", amp_tol)
    if lam == 0.0 and alpha <= 1.0:
        raise V.FastqInputError(f"lam = 0 needs alpha > 1 for ridge (got alpha={alpha!r})")
    seeds = spawn_seeds(seed, instances)
    fn = functools.partial(_one_instance, quantizer=quantizer, alpha=alpha, sigma=sigma, lam=lam,
                           rho=rho, n=n, qat=bool(qat), amp_max_iter=amp_max_iter, amp_tol=amp_tol)
    rows = parallel_map(fn, seeds, n_jobs=n_jobs, progress=progress, desc="instances", chunk_size=1)
    per = {k: np.array([r[k] for r in rows]) for k in rows[0]}
    theory = compare(quantizer, alpha, sigma, lam, rho)
    expected = {k: getattr(theory, v) for k, v in CHECKS.items()}
    for k, (a, b) in DIFFERENCES.items():
        if a in per and b in per:
            per[k] = per[a] - per[b]
            expected[k] = getattr(theory, a) - getattr(theory, b)
    mean, se, z = {}, {}, {}
    for k, v in per.items():
        if v.dtype == bool:
            continue
        mean[k] = float(np.mean(v))
        se[k] = float(np.std(v, ddof=1) / math.sqrt(v.size))
        if k in expected:
            z[k] = (mean[k] - expected[k]) / se[k] if se[k] > 0 else math.nan
    conv = bool(np.all(per["amp_converged"])) if "amp_converged" in per else True
    params = {"quantizer": quantizer.to_dict(), "alpha": alpha, "sigma": sigma, "lam": lam,
              "rho": rho, "n": n, "instances": instances,
              "seed": seed if isinstance(seed, int) else str(seed), "qat": bool(qat),
              "amp_max_iter": amp_max_iter, "amp_tol": amp_tol}
    return SimulationResult(per_instance=per, mean=mean, se=se, expected=expected, z=z, theory=theory, converged=conv,
                            status="converged" if conv else "max_iter", params=params)
