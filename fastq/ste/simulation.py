r"""Finite-N online STE training, many independent runs in parallel: :func:`ste_simulate`.

The student predicts ``phi(w) . x`` with the *hard* quantizer ``phi`` (edge width 0); one fresh
sample ``x ~ N(0, I/N)``, ``y = x . w0 + e`` arrives per step and STE SGD updates the latent
weights with the gradient taken with respect to ``phi(w)``:

.. math::

    w \leftarrow w + \eta\,(y - \phi(w)\cdot x)\,x ,\qquad \tau = t / N,\qquad w(0) = 0 .

The kernel is :func:`fastq.ste._sim_kernel._ste_run`; the instance error is
``Eg = (||w0 - phi(w)||^2 / N + sigma^2) / 2``.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from .. import _validate as V
from ..parallel import parallel_map
from ..synthetic import spawn_seeds
from ._sim_kernel import _ste_run
from .records import STETrajectoryResult, _check_common, _check_times, _params


def _one_run(seed_seq, *, n, levels, thresholds, eta, sigma, rho, n_steps, record_every, n_rec):
    """One simulation run from a SeedSequence (module level, so joblib can pickle it)."""
    teacher_ss, noise_ss = spawn_seeds(seed_seq, 2)  # stateless: same children on every call
    w0 = np.random.default_rng(teacher_ss).standard_normal(n) * math.sqrt(rho)
    rng = np.random.default_rng(noise_ss)
    eg = np.empty(n_rec)
    m = np.empty(n_rec)
    q = np.empty(n_rec)
    bins = np.empty((n_rec, levels.shape[0]))
    _ste_run(w0, levels, thresholds, eta, sigma, n_steps, record_every, rng, eg, m, q, bins)
    return eg, m, q, bins


def ste_simulate(quantizer, eta, sigma, rho=1.0, *, n, runs, seed, tau_max=10.0, dtau=0.1,
                 n_jobs=1, backend="loky", scheduler=None, progress=False) -> STETrajectoryResult:
    """Finite-N online STE SGD, ``runs`` independent runs (kernel ``_ste_run``).

    Parameters
    ----------
    quantizer : Quantizer with ``edge_width = 0``
    eta : float in (0, 2)
        Learning rate (per sample; time ``tau = t / N``).
    sigma : float >= 0
        Label noise.
    rho : float > 0
        Teacher variance.
    n : int >= 2
        Number of weights N.
    runs : int >= 1
        Independent runs (teacher and samples drawn from child ``k`` of ``seed``; results do not
        depend on ``n_jobs`` or ``backend``).
    seed : int >= 0 or SeedSequence
    tau_max, dtau : float
        Horizon and recording resolution in ``tau`` (``dtau * n`` is rounded to whole steps).
    n_jobs, backend, scheduler, progress : see :func:`fastq.parallel.parallel_map`

    Returns
    -------
    STETrajectoryResult
        Means over runs with standard errors (``eg_se`` etc., NaN-free: 0 for a single run).
    """
    q, eta, sigma, rho = _check_common(quantizer, eta, sigma, rho)
    n = V.integer("n", n, 2)
    runs = V.integer("runs", runs, 1)
    tau_max, dtau, _ = _check_times(tau_max, dtau)
    record_every = max(1, int(round(dtau * n)))
    n_steps = int(round(tau_max * n))
    n_steps -= n_steps % record_every
    n_rec = n_steps // record_every + 1
    seeds = spawn_seeds(seed, runs)
    fn = functools.partial(_one_run, n=n, levels=np.ascontiguousarray(q.levels),
                           thresholds=np.ascontiguousarray(q.thresholds), eta=eta, sigma=sigma,
                           rho=rho, n_steps=n_steps, record_every=record_every, n_rec=n_rec)
    res = parallel_map(fn, seeds, n_jobs=n_jobs, backend=backend, scheduler=scheduler,
                       progress=progress,
                       desc="fastq ste runs")
    eg = np.array([r[0] for r in res])
    m = np.array([r[1] for r in res])
    qq = np.array([r[2] for r in res])
    bins = np.array([r[3] for r in res])

    def se(a):
        return a.std(axis=0, ddof=1) / math.sqrt(runs) if runs > 1 else np.zeros(a.shape[1:])

    tau = np.arange(n_rec) * record_every / n
    info = {"n": n, "runs": runs, "steps": n_steps, "record_every": record_every,
            "params": _params(q, eta, sigma, rho)}
    return STETrajectoryResult("simulation", tau, eg.mean(0), m.mean(0), qq.mean(0), bins.mean(0),
                         se(eg), se(m), se(bins), eg, info)
