r"""Finite-N online STE training, many independent runs in parallel: :func:`ste_simulate`.

The student predicts ``phi(w) . psi(x) / sqrt(N)`` with the *hard* quantizer ``phi`` (edge width
0) and an input quantizer ``psi`` (identity by default); one fresh sample ``x ~ N(0, I)``,
``y = x . w0 / sqrt(N) + e`` arrives per step and STE SGD updates the latent weights with the
gradient taken with respect to ``phi(w)``:

.. math::

    w \leftarrow w + \frac{\eta}{\sqrt N}\,(y - \hat y)\,\psi(x) ,\qquad \tau = t / N .

With ``psi`` the identity this is THEORY section 9 (there ``x / sqrt(N)`` is the input).  The
kernel is :func:`fastq.ste._sim_kernel._ste_run`; the instance error is the exact test error
given the weights, ``Eg = (mean_i[w0_i^2 - 2 c1 w0_i phi_i + c2 phi_i^2] + sigma^2) / 2``
(:mod:`fastq.ste.model`).
"""
from __future__ import annotations

import functools
import math

import numpy as np

from .. import _validate as V
from ..parallel import parallel_map
from ..synthetic import spawn_seeds
from ._sim_kernel import _ste_run
from .model import _model
from .records import STETrajectoryResult, _check_common, _check_snapshots, _check_times, _params

_NO_PSI = np.zeros(1)


def _one_run(seed_seq, *, n, levels, thresholds, eta, sigma, rho, n_steps, record_every, n_rec,
             model=None, snap_steps=None):
    """One simulation run from a SeedSequence (module level, so joblib can pickle it).

    Returns ``(eg, m, q, bins)`` and, when snapshots are asked for, the snapshot array as a fifth
    element.  Children of ``seed_seq``: 0 teacher, 1 samples and noise, 2 the Gaussian start (children are
    indexed, so the first two do not depend on whether the third is used).
    """
    teacher_ss, noise_ss, init_ss = spawn_seeds(seed_seq, 3)  # stateless: same children on every call
    if model is None or model.teacher_value is None:
        w0 = np.random.default_rng(teacher_ss).standard_normal(n) * math.sqrt(rho)
    else:
        w0 = np.full(n, model.teacher_value)
    if model is not None and model.init_std > 0.0:
        w_init = np.random.default_rng(init_ss).standard_normal(n) * model.init_std
    else:
        w_init = np.zeros(n)
    psi = None if model is None else model.psi
    c1, c2 = (1.0, 1.0) if model is None else (model.c1, model.c2)
    psi_l, psi_t = (_NO_PSI, _NO_PSI[:0]) if psi is None else (np.ascontiguousarray(psi.levels),
                                                               np.ascontiguousarray(psi.thresholds))
    snap_steps = np.empty(0, dtype=np.int64) if snap_steps is None else snap_steps
    snaps = np.empty((snap_steps.size, n))
    rng = np.random.default_rng(noise_ss)
    eg = np.empty(n_rec)
    m = np.empty(n_rec)
    q = np.empty(n_rec)
    bins = np.empty((n_rec, levels.shape[0]))
    _ste_run(w0, w_init, levels, thresholds, psi_l, psi_t, psi is not None, c1, c2, eta, sigma, n_steps,
             record_every, rng, eg, m, q, bins, snap_steps, snaps)
    return (eg, m, q, bins, snaps) if snap_steps.size else (eg, m, q, bins)


def ste_simulate(quantizer, eta, sigma, rho=1.0, *, n, runs, seed, tau_max=10.0, dtau=0.1,
                 input_quantizer=None, init_std=0.0, teacher_value=None, snapshots=None,
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
    input_quantizer : hard Quantizer or None
        Input quantizer ``psi`` (THEORY 9b); None = unquantized inputs.
    init_std : float >= 0
        Start ``w_i ~ N(0, init_std^2)``; 0 = start at ``w = 0``.
    teacher_value : float or None
        Constant teacher ``w*_i = c``; None = Gaussian teacher N(0, rho).
    snapshots : sequence of times (multiples of dtau) or None
        Times at which the latent weights of every run are kept (``result.snapshots``).
    n_jobs, backend, scheduler, progress : see :func:`fastq.parallel.parallel_map`

    Returns
    -------
    STETrajectoryResult
        Means over runs with standard errors (``eg_se`` etc., NaN-free: 0 for a single run).
    """
    q, eta, sigma, rho = _check_common(quantizer, eta, sigma, rho)
    model = _model(input_quantizer, init_std, teacher_value, rho)
    n = V.integer("n", n, 2)
    runs = V.integer("runs", runs, 1)
    tau_max, dtau, _ = _check_times(tau_max, dtau)
    _, snap_rec = _check_snapshots(snapshots, tau_max, dtau)
    record_every = max(1, int(round(dtau * n)))
    n_steps = int(round(tau_max * n))
    n_steps -= n_steps % record_every
    n_rec = n_steps // record_every + 1
    snap_rec = np.minimum(snap_rec, n_rec - 1)
    seeds = spawn_seeds(seed, runs)
    fn = functools.partial(_one_run, n=n, levels=np.ascontiguousarray(q.levels),
                           thresholds=np.ascontiguousarray(q.thresholds), eta=eta, sigma=sigma,
                           rho=rho, n_steps=n_steps, record_every=record_every, n_rec=n_rec,
                           model=model, snap_steps=snap_rec * record_every)
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
            "params": _params(q, eta, sigma, rho, model)}
    snaps = np.array([r[4] for r in res]) if snap_rec.size else None
    return STETrajectoryResult("simulation", tau, eg.mean(0), m.mean(0), qq.mean(0), bins.mean(0),
                               se(eg), se(m), se(bins), eg, info, snap_rec * record_every / n, snaps)
