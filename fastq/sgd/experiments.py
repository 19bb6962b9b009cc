"""The seed's experiments (Zhang, Su, Zou 2025) computed with fastq, plus the recursion-vs-simulation grid.

Settings the seed gives: d = 200, B = 1, eps in {0, 1e-3, 5e-3, 1e-2}; eps = 1e-2 with
d in {50, 100, 200, 400}; B from 1 to 256.  Settings fastq chooses (saved with every result):
``SEED_SETTING`` -- spectrum ``lam_i = i^-2``, isotropic teacher (p = 0), sigma = 0.1,
gamma = 0.1 (a sixth of the plain-SGD limit gamma_max = 0.61 at d = 200), T = 2000; the dimension
study also uses gamma = 0.3 (half the plain limit) to show the stability crossing.

Every function returns ``(arrays, settings)``: NumPy arrays for an NPZ file and a JSON-able dict;
the figure module writes them and plotting draws from the files.
"""
from __future__ import annotations

import numpy as np

from .recursion import sgd_risk, sgd_stability
from .spec import TARGETS

SEED_SETTING = dict(dim=200, decay=2.0, teacher_decay=0.0, batch=1, gamma=0.1, steps=2000, sigma=0.1)
EPS_GRID = (0.0, 1e-3, 5e-3, 1e-2)
MODELS = ("add", "mult")
DIMS = (50, 100, 200, 400)
DIM_GAMMAS = (0.1, 0.3)
BATCHES = (1, 2, 4, 8, 16, 32, 64, 128, 256)
QUICK = dict(steps=100, runs=4)


def _base(quick: bool) -> dict:
    b = dict(SEED_SETTING)
    if quick:
        b["steps"] = QUICK["steps"]
    return b


def risk_curves(*, quick=False, runs=256, seed=0, n_jobs=1, progress=False, checkpoint_dir=None):
    """Exact R_t for every target x model x eps (d = 200, B = 1) and a simulation at eps = 1e-2.

    arrays: steps (T+1,), exact (5, 2, 4, T+1), bias (5, 2, 4, T+1), mc_steps (k,),
    mc_mean / mc_se (5, 2, k), plain (T+1,).
    """
    from .simulation import sgd_simulate

    base = _base(quick)
    runs = QUICK["runs"] if quick else runs
    T = base["steps"]
    exact = np.empty((5, 2, len(EPS_GRID), T + 1))
    bias = np.empty_like(exact)
    mc_steps = None
    mc_mean = mc_se = None
    for ti, t in enumerate(TARGETS):
        for mi, m in enumerate(MODELS):
            for ei, e in enumerate(EPS_GRID):
                r = sgd_risk(**base, **{t: f"{m}:{e!r}"})
                exact[ti, mi, ei], bias[ti, mi, ei] = r.risk, r.bias
            ck = np.unique(np.r_[0, np.round(np.geomspace(1, T, 16))]).astype(np.int64)   # log-spaced
            sim = sgd_simulate(**base, **{t: f"{m}:{EPS_GRID[-1]!r}"}, runs=runs, seed=seed, checkpoints=ck,
                               n_jobs=n_jobs, progress=progress, checkpoint_dir=checkpoint_dir)
            if mc_mean is None:
                mc_steps = sim.steps
                mc_mean = np.empty((5, 2, sim.steps.size))
                mc_se = np.empty_like(mc_mean)
            mc_mean[ti, mi], mc_se[ti, mi] = sim.mean, sim.se
    arrays = dict(steps=np.arange(T + 1), exact=exact, bias=bias, mc_steps=mc_steps, mc_mean=mc_mean,
                  mc_se=mc_se, plain=exact[0, 0, 0])
    return arrays, {**base, "eps": list(EPS_GRID), "targets": list(TARGETS), "models": list(MODELS),
                    "runs": runs, "seed": seed, "mc_eps": EPS_GRID[-1]}


def dimension_study(*, quick=False, eps=1e-2):
    """Excess risk over plain SGD at step T vs d, per target x model, for each gamma in DIM_GAMMAS.

    arrays: dims (4,), gammas (2,), risk (2, 5, 2, 4) (inf when diverged), plain (2, 4),
    gamma_max (5, 2, 4) (largest stable step), risk_inf (2, 5, 2, 4) (nan when unstable).
    """
    base = _base(quick)
    risk = np.empty((len(DIM_GAMMAS), 5, 2, len(DIMS)))
    r_inf = np.full_like(risk, np.nan)
    plain = np.empty((len(DIM_GAMMAS), len(DIMS)))
    gmax = np.empty((5, 2, len(DIMS)))
    for gi, g in enumerate(DIM_GAMMAS):
        for di, d in enumerate(DIMS):
            b = {**base, "dim": d, "gamma": g}
            plain[gi, di] = sgd_risk(**b, checkpoints=[b["steps"]]).risk[-1]
            for ti, t in enumerate(TARGETS):
                for mi, m in enumerate(MODELS):
                    r = sgd_risk(**b, checkpoints=[b["steps"]], **{t: f"{m}:{eps!r}"})
                    risk[gi, ti, mi, di] = r.risk[-1] if r.converged else np.inf
                    if r.risk_inf is not None:
                        r_inf[gi, ti, mi, di] = r.risk_inf
                    gmax[ti, mi, di] = r.gamma_max
    return (dict(dims=np.array(DIMS), gammas=np.array(DIM_GAMMAS), risk=risk, plain=plain, gamma_max=gmax,
                 risk_inf=r_inf),
            {**base, "eps": eps, "dims": list(DIMS), "gammas": list(DIM_GAMMAS)})


def batch_study(*, quick=False, eps=1e-2, runs=400, seed=0, n_jobs=1, progress=False, checkpoint_dir=None):
    """Excess risk (quantized minus plain, same B, gamma, T) vs batch size for activation, gradient
    and (for contrast) parameter quantization, both models; simulation check at B in {1, 4, 16}
    for additive activation and gradient noise.

    arrays: batches (9,), targets (3,), excess (3, 2, 9), plain (9,), mc_batches (3,),
    mc_excess / mc_excess_se (2, 3) (simulated quantized risk minus exact plain risk).
    """
    from .simulation import sgd_simulate

    base = _base(quick)
    targets = ("activation", "gradient", "param")
    excess = np.empty((3, 2, len(BATCHES)))
    plain = np.empty(len(BATCHES))
    for bi, B in enumerate(BATCHES):
        b = {**base, "batch": B}
        plain[bi] = sgd_risk(**b, checkpoints=[b["steps"]]).risk[-1]
        for ti, t in enumerate(targets):
            for mi, m in enumerate(MODELS):
                excess[ti, mi, bi] = sgd_risk(**b, checkpoints=[b["steps"]], **{t: f"{m}:{eps!r}"}).risk[-1] - plain[bi]
    mc_b = (1, 4) if quick else (1, 4, 16)
    runs = QUICK["runs"] if quick else runs
    mc = np.empty((2, len(mc_b)))
    mc_se = np.empty_like(mc)
    for ti, t in enumerate(("activation", "gradient")):
        for k, B in enumerate(mc_b):
            b = {**base, "batch": B}
            sim = sgd_simulate(**b, **{t: f"add:{eps!r}"}, runs=runs, seed=seed, checkpoints=[b["steps"]],
                               n_jobs=n_jobs, progress=progress, checkpoint_dir=checkpoint_dir)
            mc[ti, k] = sim.mean[-1] - plain[BATCHES.index(B)]
            mc_se[ti, k] = sim.se[-1]
    return (dict(batches=np.array(BATCHES), excess=excess, plain=plain, mc_batches=np.array(mc_b),
                 mc_excess=mc, mc_excess_se=mc_se),
            {**base, "eps": eps, "targets": list(targets), "models": list(MODELS), "runs": runs, "seed": seed,
             "mc_batches": list(mc_b)})


BUDGET = 2048          # samples B T of the fixed-budget batch study (T = 2048 at B = 1, 8 at B = 256)
BUDGET_CAP = 0.5       # gamma never above this fraction of the setting's own stability limit


def budget_schedule(base: dict, batches, *, budget=BUDGET, cap=BUDGET_CAP, quant=None) -> list[dict]:
    """Settings of the fixed-sample-budget reading: ``T = budget / B`` and
    ``gamma = min(B gamma_1, cap * gamma_max(B))`` (``gamma_1 = base["gamma"]``; ``gamma_max`` of the
    quantized setting ``quant``, which is at most the plain one), one dict per B.
    """
    out = []
    for B in batches:
        if budget % B:
            raise ValueError(f"budget {budget} is not a multiple of the batch {B}")
        kw = {**base, "batch": B, "steps": budget // B}
        gmax = sgd_stability(**{**kw, "gamma": 1.0}, **(quant or {})).gamma_max
        out.append({**kw, "gamma": min(B * base["gamma"], cap * gmax)})
    return out


def batch_budget_study(*, quick=False, eps=1e-2, budget=BUDGET, cap=BUDGET_CAP):
    """Excess risk (quantized minus plain at the same B, gamma, T) at a fixed sample budget
    ``B T = budget`` with ``gamma = min(B gamma_1, cap gamma_max(B))``, per target x model.

    arrays: batches (k,), excess (3, 2, k), plain (3, 2, k), gamma (3, 2, k), steps (k,).
    """
    base = _base(quick)
    bs = tuple(b for b in BATCHES if budget % b == 0)
    targets = ("activation", "gradient", "param")
    excess = np.empty((3, 2, len(bs)))
    plain = np.empty_like(excess)
    gam = np.empty_like(excess)
    for ti, t in enumerate(targets):
        for mi, m in enumerate(MODELS):
            q = {t: f"{m}:{eps!r}"}
            for bi, kw in enumerate(budget_schedule(base, bs, budget=budget, cap=cap, quant=q)):
                p = sgd_risk(**kw, checkpoints=[kw["steps"]]).risk[-1]
                r = sgd_risk(**kw, **q, checkpoints=[kw["steps"]])
                excess[ti, mi, bi] = (r.risk[-1] if r.converged else np.inf) - p
                plain[ti, mi, bi], gam[ti, mi, bi] = p, kw["gamma"]
    return (dict(batches=np.array(bs), excess=excess, plain=plain, gamma=gam,
                 steps=np.array([budget // b for b in bs])),
            {**base, "eps": eps, "budget": budget, "cap": cap, "targets": list(targets), "models": list(MODELS)})


def spectrum_study(*, quick=False, eps=1e-2, int_bits=6, fp_mantissa=3):
    """Effective spectrum of the quantized data ``E[x~_i^2]`` and the mean fixed point ``w_inf / w*``:
    additive (``lam + eps``, ``lam / (lam + eps)``), multiplicative (``(1 + eps) lam``, ``1/(1+eps)``),
    and the real quantizers INT-``int_bits`` (range 4 sqrt(lam_1)) and FP-``fp_mantissa`` (exact
    quadrature of the stochastic-rounding variance of each coordinate).

    arrays: i (d,), lam, eff_add, eff_mult, eff_int, eff_fp, winf_add, winf_mult, winf_int, winf_fp.
    """
    from .intfp import quantizer_levels

    base = _base(quick)
    d = base["dim"] if not quick else 50
    lam = np.arange(1, d + 1, dtype=float) ** -base["decay"]
    R = float(4.0 * np.sqrt(lam[0]))
    var_int = np.array([quantizer_levels(f"int:{int_bits}:{R!r}", float(np.sqrt(v)), samples=1000).eps_add
                        for v in lam])
    var_fp = np.array([quantizer_levels(f"fp:{fp_mantissa}", float(np.sqrt(l)), samples=1000).eps_add for l in lam])
    eff = dict(eff_add=lam + eps, eff_mult=(1 + eps) * lam, eff_int=lam + var_int, eff_fp=lam + var_fp)
    # stochastic rounding is unbiased, so E[x~ x] = lam and the mean fixed point is lam / E[x~^2]
    winf = {k.replace("eff", "winf"): lam / v for k, v in eff.items()}
    return (dict(i=np.arange(1, d + 1), lam=lam, **eff, **winf),
            {**base, "dim": d, "eps": eps, "int_bits": int_bits, "int_range": R, "fp_mantissa": fp_mantissa})


def validation_grid(*, quick=False):
    """The recursion-vs-simulation grid: every target x model x B in {1, 8, 64} x d in {10, 200}
    (60 settings; quick: 12).  Steps are a quarter of each setting's stability limit so the risk
    has light tails (near the limit the risk distribution is heavy-tailed and a sample mean with
    its standard error is not a fair referee).
    """
    grid = []
    for d in ((10,) if quick else (10, 200)):
        for B in ((1, 8) if quick else (1, 8, 64)):
            for t in TARGETS:
                for m in MODELS:
                    if quick and (t, m) not in (("data", "mult"), ("gradient", "add"), ("activation", "mult")):
                        continue
                    eps = 0.05 if m == "mult" else (0.02 if t in ("data", "param") else 0.05)
                    kw = dict(dim=d, decay=1.5, teacher_decay=0.5, batch=B, steps=60 if d == 10 else 40,
                              sigma=0.3, **{t: f"{m}:{eps}"})
                    g = 0.25 * sgd_stability(gamma=1.0, **kw).gamma_max
                    grid.append({**kw, "gamma": g})
    return grid


def mc_validation(*, quick=False, runs=2000, seed=0, n_jobs=1, progress=False, checkpoint_dir=None,
                  recheck_factor=8):
    """Two-stage z-scores ``(MC mean - exact) / se`` at 7 checkpoints of every validation setting.

    Every setting of :func:`validation_grid` is checked in two stages: a setting with some
    ``|z| > 3`` is simulated again with ``recheck_factor`` times the runs and an independent seed
    (``z_recheck``; nan where not needed).
    A real discrepancy persists and grows with the runs; a fluctuation does not.  (The risk is
    right-skewed, so the z-statistic is left-skewed: ``|z| > 3`` is more frequent than for a Gaussian.)

    arrays: z, exact, mean, se, z_recheck (n, 7); max_share (n,).
    """
    from .simulation import sgd_simulate

    grid = validation_grid(quick=quick)
    runs = 300 if quick else runs
    out = {k: np.empty((len(grid), 7)) for k in ("z", "exact", "mean", "se")}
    out["z_recheck"] = np.full((len(grid), 7), np.nan)
    share = np.empty(len(grid))
    kw_sim = dict(checkpoints=6, n_jobs=n_jobs, progress=progress, checkpoint_dir=checkpoint_dir)
    for n, kw in enumerate(grid):
        ex = sgd_risk(checkpoints=6, **kw)
        sim = sgd_simulate(runs=runs, seed=seed + n, **kw_sim, **kw)
        out["exact"][n], out["mean"][n], out["se"][n] = ex.risk, sim.mean, sim.se
        out["z"][n] = _z(sim, ex)
        share[n] = sim.max_share.max()
        if np.max(np.abs(out["z"][n])) > 3.0:
            again = sgd_simulate(runs=recheck_factor * runs, seed=seed + 100_000 + n, **kw_sim, **kw)
            out["z_recheck"][n] = _z(again, ex)
    labels = [",".join(f"{k}={v}" for k, v in kw.items()) for kw in grid]
    return dict(**out, max_share=share), {"settings": labels, "runs": runs, "seed": seed,
                                          "recheck_factor": recheck_factor, "recheck_seed": seed + 100_000}


def _z(sim, ex):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sim.se > 0, (sim.mean - ex.risk) / sim.se, 0.0)
