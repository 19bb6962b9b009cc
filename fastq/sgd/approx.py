"""Does quantizing a target add approximation error?  Biased against unbiased quantizers, per target.

"Approximation error" is a shift of the mean iterate away from ``w*`` (a bias floor that does not
vanish as T grows), as opposed to added variance.  For every target and for real quantizers with
stochastic rounding (unbiased inside the range) and round-to-nearest (biased), in ``SEED_SETTING``:

* the simulated risk at T with its standard error, and the simulated linear statistic
  ``E[(w_T - w*)^T H w*]`` against plain SGD's exact value: a shift beyond its error bar means the
  mean iterate moved (the statistic is linear in the iterate, so variance cannot shift it);
* exact numbers where they exist: the data (exact recursion with the quantizer's moments: risk,
  bias, bias floor ``T -> inf``) and the labels (closed-form mean iterate, :mod:`fastq.sgd.bias`:
  bias and bias floor, teacher-average standard error).

Simulations are checkpointed in ``checkpoint_dir`` (resumable).
"""
from __future__ import annotations

import numpy as np

from .experiments import SEED_SETTING
from .spec import TARGETS

QUANTIZERS = ("int:4", "int-rtn:4", "fp:2", "fp-rtn:2")


def _plain_cross(kw) -> float:
    """Exact ``E[(w_T - w*)^T H w*]`` of plain SGD: ``-sum lam pi (1 - gamma lam)^T``."""
    from .spec import make_setup

    s = make_setup(**kw)
    return float(-np.sum(s.lam * s.pi * (1.0 - s.gamma * s.lam) ** s.steps))


def approx_error_study(*, quick=False, runs=400, seed=0, n_jobs=1, progress=False, checkpoint_dir=None,
                       teachers=200_000):
    """The study of the module docstring: ``(arrays, settings)``.

    arrays (targets x quantizers): mc_risk, mc_risk_se, mc_cross, mc_cross_se, cross_shift_z
    (simulated minus plain exact, in standard errors); exact_risk, exact_bias, bias_floor,
    bias_floor_se (nan where no exact value exists); plus plain_risk, plain_bias, plain_cross.
    """
    from .bias import label_mean_iterate
    from .recursion import sgd_risk
    from .simulation import sgd_simulate
    from .spec import make_setup

    kw = dict(SEED_SETTING)
    if quick:
        kw["steps"], runs, teachers = 100, 8, 1000
    T = kw["steps"]
    shape = (len(TARGETS), len(QUANTIZERS))
    a = {k: np.full(shape, np.nan) for k in ("mc_risk", "mc_risk_se", "mc_cross", "mc_cross_se", "cross_shift_z",
                                             "exact_risk", "exact_bias", "bias_floor", "bias_floor_se")}
    plain = sgd_risk(**kw, checkpoints=[T])
    pc = _plain_cross(kw)
    for ti, t in enumerate(TARGETS):
        for qi, q in enumerate(QUANTIZERS):
            sim = sgd_simulate(**kw, **{t: q}, runs=runs, seed=seed + 1000 * ti + qi, checkpoints=[T],
                               n_jobs=n_jobs, progress=progress, checkpoint_dir=checkpoint_dir)
            a["mc_risk"][ti, qi], a["mc_risk_se"][ti, qi] = sim.mean[-1], sim.se[-1]
            a["mc_cross"][ti, qi], a["mc_cross_se"][ti, qi] = sim.cross_mean[-1], sim.cross_se[-1]
            a["cross_shift_z"][ti, qi] = (sim.cross_mean[-1] - pc) / sim.cross_se[-1]
            if t == "data":
                r = sgd_risk(**kw, data=q, checkpoints=[T])
                a["exact_risk"][ti, qi], a["exact_bias"][ti, qi] = r.risk[-1], r.bias[-1]
                a["bias_floor"][ti, qi], a["bias_floor_se"][ti, qi] = r.bias_inf, 0.0
            elif t == "label":
                lm = label_mean_iterate(make_setup(**kw, label=q), checkpoints=[T], teachers=teachers, seed=seed)
                a["exact_bias"][ti, qi] = lm.bias[-1]
                a["bias_floor"][ti, qi], a["bias_floor_se"][ti, qi] = lm.bias_inf, lm.bias_inf_se
    arrays = dict(a, plain_risk=float(plain.risk[-1]), plain_bias=float(plain.bias[-1]), plain_cross=pc)
    return arrays, {**kw, "targets": list(TARGETS), "quantizers": list(QUANTIZERS), "runs": runs, "seed": seed,
                    "teachers": teachers}


__all__ = ["approx_error_study", "QUANTIZERS"]
