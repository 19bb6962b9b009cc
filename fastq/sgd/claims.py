"""The seed's claims checked with exact numbers, and the INT-vs-FP study (checkpointed).

:func:`seed_claims` evaluates each qualitative claim of the seed summary in ``SEED_SETTING``
(:mod:`fastq.sgd.experiments`) with the exact recursion and returns one row per claim:
``claim``, ``verdict`` ("holds", "does not hold", "depends"), ``numbers`` (the evidence).
:func:`intfp_study` measures the real quantizers' constants and the equal-risk bit widths for
``a`` in {1.5, 2, 3}, ``d`` in {100, 1000}, all five targets, and checks a few entries by simulating
the real quantizers; every finished piece is saved in ``checkpoint_dir`` and reused on rerun.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from ..store import _jsonable, read_json, write_json
from .experiments import SEED_SETTING, _base
from .recursion import sgd_risk
from .spec import TARGETS

DECAYS = (1.5, 2.0, 3.0)
INTFP_DIMS = (100, 1000)
MANTISSAS = tuple(range(1, 9))


def _final(kw, **q):
    r = sgd_risk(checkpoints=[kw["steps"]], **kw, **q)
    return r


def _cached(checkpoint_dir, name: str, params: dict, fn):
    """``fn()`` (a JSON-able dict), stored as ``<name>-<hash>.json`` in ``checkpoint_dir``."""
    if checkpoint_dir is None:
        return fn()
    key = hashlib.sha256(json.dumps(_jsonable(params), sort_keys=True).encode()).hexdigest()[:16]
    path = Path(checkpoint_dir) / f"{name}-{key}.json"
    if path.exists():
        return read_json(path)["result"]
    res = _jsonable(fn())
    write_json(path, {"params": _jsonable(params), "result": res})
    return res


def seed_claims(*, quick=False) -> list[dict]:
    """Each claim of the seed summary with a verdict and the numbers behind it (exact recursion)."""
    b = _base(quick)
    T = b["steps"]
    plain = _final(b)
    rows = []
    e = 1e-2
    res = {(t, m): _final(b, **{t: f"{m}:{e}"}) for t in TARGETS for m in ("add", "mult")}
    pb = float(plain.bias[-1])
    same_bias = all(abs(res[(t, m)].bias[-1] - pb) <= 1e-12 * pb for t in ("param", "activation", "gradient", "label")
                    for m in ("add", "mult"))
    dv = {f"{t}/{m}": float(res[(t, m)].variance[-1] - plain.variance[-1])
          for t in ("param", "activation", "gradient") for m in ("add", "mult")}
    rows.append(dict(claim="Parameter, activation and gradient quantization amplify noise (variance), not bias",
                     verdict="holds" if same_bias and min(dv.values()) > 0 else "does not hold",
                     numbers={"bias_plain": pb, "bias_unchanged_to_1e-12": same_bias, "variance_increase": dv,
                              "eps": e, "step": T}))
    lam = np.arange(1, b["dim"] + 1, dtype=float) ** -b["decay"]
    distorted = int(np.sum(lam < e))
    rows.append(dict(claim="Additive data quantization distorts the spectrum "
                           "(H -> H + eps I, w_inf = lam/(lam+eps) w*)",
                     verdict="holds",
                     numbers={"coordinates_with_lam_below_eps": distorted, "dim": b["dim"],
                              "bias_add": float(res[("data", "add")].bias[-1]), "bias_plain": pb,
                              "bias_inf_add": res[("data", "add")].bias_inf,
                              "bias_inf_mult": res[("data", "mult")].bias_inf}))
    rows.append(dict(claim="Multiplicative data quantization eliminates the spectral distortion",
                     verdict="holds",
                     numbers={"w_inf_factor": 1 / (1 + e), "bias_inf_mult": res[("data", "mult")].bias_inf,
                              "bias_inf_add": res[("data", "add")].bias_inf,
                              "note": "a uniform shrink 1/(1+eps) remains: bias floor (eps/(1+eps))^2 * R_0"}))
    lab = res[("label", "add")], res[("label", "mult")]
    rows.append(_approx_claim(b, res, lab, quick))
    rows.append(_batch_claim(b, e))
    rows.append(_budget_claim(quick, e))
    rows.extend(_dimension_claims(b, e))
    rows.append(_eps_claim(b))
    rows.append(_intfp_claim(b, quick))
    return rows


def _intfp_claim(b, quick):
    """Equal-risk INT width minus FP mantissa width (m = 3), a = 2, two dimensions, each target."""
    from .intfp import int_fp_equivalence

    dims = (50,) if quick else INTFP_DIMS
    off = {}
    for t in TARGETS:
        for d in dims:
            r = int_fp_equivalence(2.0, d, target=t, mantissa=(3,), teacher_decay=b["teacher_decay"],
                                   batch=b["batch"], gamma=b["gamma"], steps=b["steps"], sigma=b["sigma"])
            off[f"{t} d={d}"] = {"int_bits_minus_m": float(r.int_bits[0] - 3), "fp_exponent_bits": r.fp_exponent_bits}
    return dict(claim="FP (multiplicative) quantization is preferable to INT (additive) in high dimension",
                verdict="depends",
                numbers={**off, "note": "equal exact risk needs INT bits = m + offset, the offset nearly constant "
                                        "in m and d (<= 0.25 bit from d=100 to 1000); FP costs 1 + e + m bits. FP is "
                                        "cheaper for gradients, INT for labels/params/activations, data within ~1 bit "
                                        "(INT range = 4 s.d. at w = 0, c_int = 1/6, c_fp measured)"})


def _approx_claim(b, res, lab, quick):
    """Approximation error: unbiased noise models (labels cannot show it) and real quantizers
    (data: exact recursion; labels: closed-form mean of :mod:`fastq.sgd.bias`).
    """
    from .bias import label_mean_iterate
    from .spec import make_setup

    real = {}
    for q in ("int:4", "int-rtn:4", "fp-rtn:2"):
        d = _final(b, data=q)
        lm = label_mean_iterate(make_setup(**b, label=q), checkpoints=[b["steps"]],
                                teachers=2_000 if quick else 200_000)
        real[q] = {"data_bias_floor": d.bias_inf, "label_bias_floor": lm.bias_inf,
                   "label_bias_floor_se": lm.bias_inf_se}
    return dict(claim="Data and label quantization introduce approximation error (w_inf != w*)",
                verdict="holds",
                numbers={"data_bias_floor_add": res[("data", "add")].bias_inf,
                         "data_bias_floor_mult": res[("data", "mult")].bias_inf,
                         "label_bias_floor_add": lab[0].bias_inf, "label_bias_floor_mult": lab[1].bias_inf,
                         "real_quantizers": real,
                         "note": "data: holds for every INT grid (stochastic or nearest); labels: cannot show with "
                                 "unbiased noise (w_inf = w* by construction), holds but small with round-to-"
                                 "nearest or clipping (w_inf = (1 + c(s)) w*)"})


def _budget_claim(quick, e):
    """The batch claim at a fixed sample budget (B T fixed, gamma = min(B gamma_1, cap gamma_max))."""
    from .experiments import batch_budget_study

    arr, st = batch_budget_study(quick=quick, eps=e)
    ex = {f"{t}/{m}": dict(zip([f"B={int(B)}" for B in arr["batches"]], arr["excess"][ti, mi].tolist()))
          for ti, t in enumerate(st["targets"]) for mi, m in enumerate(st["models"])}
    lin = arr["gamma"][0, 0] < arr["gamma"][0, 0, 0] * arr["batches"] - 1e-12   # first capped B
    k = int(np.argmax(lin)) if lin.any() else arr["batches"].size
    add = arr["excess"][:2, 0, :k]
    flat = bool(np.all(add[:, -1] >= 0.5 * add[:, 0]))
    return dict(claim="Additive activation/gradient quantization is suppressed by larger batches "
                      "(fixed sample budget B T)",
                verdict="does not hold" if flat else "holds",
                numbers={**ex, "plain": arr["plain"][0, 0].tolist(), "gamma": arr["gamma"][0, 0].tolist(),
                         "budget": st["budget"], "cap": st["cap"],
                         "note": "gamma = min(B gamma_1, cap gamma_max(B)); while gamma = B gamma_1 the excess is flat "
                                 "or rising; beyond the cap it falls only because fewer steps are taken (plain risk "
                                 "rises)"})


def _batch_claim(b, e):
    from .experiments import BATCHES

    ex = {}
    for t in ("activation", "gradient", "param"):
        for m in ("add", "mult"):
            v = []
            for B in (BATCHES[0], BATCHES[-1]):
                kw = {**b, "batch": B}
                v.append(float(_final(kw, **{t: f"{m}:{e}"}).risk[-1] - _final(kw).risk[-1]))
            ex[f"{t}/{m}"] = {"B=1": v[0], "B=256": v[1], "ratio": v[0] / v[1]}
    return dict(claim="Additive activation/gradient quantization is suppressed by larger batches "
                      "(fixed gamma and T)",
                verdict="holds",
                numbers={**ex, "note": "excess risk ~ 1/B at fixed gamma and T for activation and gradient, "
                                       "additive AND multiplicative alike; parameter noise (once per step) "
                                       "is not suppressed"})


def _dimension_claims(b, e):
    from .experiments import DIMS

    out = {}
    for g in (0.1, 0.3):
        for m in ("add", "mult"):
            for t in ("data", "gradient"):
                v = []
                for d in DIMS:
                    kw = {**b, "dim": d, "gamma": g}
                    r = _final(kw, **{t: f"{m}:{e}"})
                    v.append(float(r.risk[-1] - _final(kw).risk[-1]) if r.converged else float("inf"))
                out[f"gamma={g} {t}/{m}"] = dict(zip([f"d={d}" for d in DIMS], v))
    from .recursion import sgd_stability

    gmax = {f"d={d}": sgd_stability(**{**b, "dim": d}, data=f"add:{e}").gamma_max for d in DIMS}
    return [dict(claim="In high dimension additive quantization increases the risk dramatically, "
                       "multiplicative stays stable",
                 verdict="depends",
                 numbers={"excess_risk": out, "gamma_max_data_add": gmax,
                          "note": "additive data noise: mild growth with d while gamma < gamma_max(d) (which falls "
                                  "like 1/(d eps)); divergence once gamma crosses it. Additive gradient noise grows "
                                  "with d (stationary excess ~ d gamma eps / 4). Multiplicative: flat in d."})]


def _eps_claim(b):
    v = {}
    for t in ("data", "gradient", "label"):
        for m in ("add", "mult"):
            v[f"{t}/{m}"] = {f"eps={e}": float(_final(b, **{t: f"{m}:{e}"}).risk[-1]) for e in (1e-3, 5e-3, 1e-2)}
    return dict(claim="Additive errors raise the risk with the error level; multiplicative keep it stable",
                verdict="depends",
                numbers={**v, "plain": float(_final(b).risk[-1]),
                         "note": "holds for data and gradient; for label/param/activation the two models at equal "
                                 "eps give risks of the same order (multiplicative label noise scales with E[y^2])"})


def intfp_study(*, quick=False, checkpoint_dir=None, runs=1000, seed=0, n_jobs=1, progress=False):
    """Constants of the real quantizers and equal-risk bit widths (see module docstring).

    arrays: int_ratio (k,) scale / Delta, c_int (k,) = eps_add / Delta^2 there (no clipping);
    int_bits (11,), c_int_bits (11,) the same at the default range R = 4 scale (clipping included);
    fp_m (11,), c_fp (11,),
    c_fp_mc, c_fp_mc_se; b_star (3, 2, 5, 8) real-valued INT bits per (a, d, target, m) (nan: none
    reaches the FP risk), b_ceil (same, integer), e_bits (3, 2, 5), risk_fp (3, 2, 5, 8);
    check (n, 7): INT mean, se, FP mean, se (simulated real quantizers), exact multiplicative-model
    risk at the FP level, exact additive-model risk at the INT level, exact plain-SGD risk.
    """
    from .intfp import int_fp_equivalence, quantizer_levels

    ratio = np.logspace(-1.5, 1.0, 6 if quick else 26)
    delta24 = 1.0 / (2 ** 23 - 1)   # INT-24 on [-1, 1]: no clipping at these scales
    c_int = np.array([quantizer_levels("int:24:1.0", r * delta24, samples=1000).constant for r in ratio])
    int_bits = np.arange(2, 13)
    c_int_bits = np.array([quantizer_levels(f"int:{b}", 1.0, samples=1000).constant for b in int_bits])
    fp_m = np.arange(0, 11)
    fpl = [quantizer_levels(f"fp:{m}", 1.0, samples=20_000 if quick else 2_000_000, seed=seed) for m in fp_m]
    c_fp = np.array([q.constant for q in fpl])
    c_fp_mc = np.array([q.mc_eps_add * 4.0 ** m for q, m in zip(fpl, fp_m)])
    c_fp_se = np.array([q.mc_eps_add_se * 4.0 ** m for q, m in zip(fpl, fp_m)])
    decays = (2.0,) if quick else DECAYS
    dims = (50,) if quick else INTFP_DIMS
    base = _base(quick)
    shape = (len(decays), len(dims), 5, len(MANTISSAS))
    b_star, b_ceil, risk_fp = np.full(shape, np.nan), np.full(shape, -1), np.full(shape, np.nan)
    e_bits = np.zeros(shape[:3], dtype=int)
    for ai, a in enumerate(decays):
        for di, d in enumerate(dims):
            for ti, t in enumerate(TARGETS):
                p = dict(decay=a, dim=d, target=t, mantissa=list(MANTISSAS), teacher_decay=base["teacher_decay"],
                         batch=base["batch"], gamma=base["gamma"], steps=base["steps"], sigma=base["sigma"])

                def run(p=p):
                    r = int_fp_equivalence(**p)
                    return {"b_star": r.int_bits, "b_ceil": r.int_bits_ceil, "e": r.fp_exponent_bits,
                            "risk_fp": r.risk_fp}
                res = _cached(checkpoint_dir, "sgd-intfp", p, run)
                b_star[ai, di, ti] = np.array(res["b_star"], dtype=float)
                b_ceil[ai, di, ti] = res["b_ceil"]
                e_bits[ai, di, ti] = res["e"]
                risk_fp[ai, di, ti] = np.array(res["risk_fp"], dtype=float)
    check, labels = _intfp_check(base, quick, b_ceil, decays, dims, runs, seed, n_jobs, progress, checkpoint_dir)
    arrays = dict(int_ratio=ratio, c_int=c_int, int_bits=int_bits, c_int_bits=c_int_bits, fp_m=fp_m, c_fp=c_fp,
                  c_fp_mc=c_fp_mc, c_fp_mc_se=c_fp_se,
                  b_star=b_star, b_ceil=b_ceil, e_bits=e_bits, risk_fp=risk_fp, check=check)
    settings = {**base, "decays": list(decays), "dims": list(dims), "targets": list(TARGETS),
                "mantissa": list(MANTISSAS), "c_int": 1 / 6, "check_settings": labels, "runs": runs, "seed": seed}
    return arrays, settings


def _intfp_check(base, quick, b_ceil, decays, dims, runs, seed, n_jobs, progress, checkpoint_dir):
    """Simulate real INT (at the equal-risk width) and FP quantizers of the data and the gradient
    for a = 2 at every dimension, m = 1 (the coarsest grid: the quantization effect is largest, so
    the simulation can resolve it); also the exact risks of the noise models at the FP level
    (multiplicative c_fp 2^-2m) and at the INT level (additive Delta^2 / 6), and of plain SGD.
    """
    from .intfp import _fp_constant_limit
    from .simulation import sgd_simulate

    ai = decays.index(2.0)
    m = 1
    rows, labels = [], []
    for di, d in enumerate(dims):
        for t in ("data", "gradient"):
            ti = TARGETS.index(t)
            b = int(b_ceil[ai, di, ti, MANTISSAS.index(m)])
            if b < 2:
                continue
            kw = {**base, "dim": d, "decay": 2.0}
            nr = 4 if quick else runs
            sims = [sgd_simulate(**kw, **{t: q}, runs=nr, seed=seed, checkpoints=[kw["steps"]], n_jobs=n_jobs,
                                 progress=progress, checkpoint_dir=checkpoint_dir) for q in (f"int:{b}", f"fp:{m}")]
            ex = sgd_risk(**kw, checkpoints=[kw["steps"]], **{t: f"mult:{_fp_constant_limit() * 4.0 ** -m!r}"})
            delta = sims[0].quantizers[t]["grid_step"]
            ex_int = sgd_risk(**kw, checkpoints=[kw["steps"]], **{t: f"add:{delta * delta / 6.0!r}"})
            plain = sgd_risk(**kw, checkpoints=[kw["steps"]])
            rows.append([sims[0].mean[-1], sims[0].se[-1], sims[1].mean[-1], sims[1].se[-1], ex.risk[-1],
                         ex_int.risk[-1], plain.risk[-1]])
            labels.append(f"{t}: int:{b} vs fp:{m}, a=2, d={d}")
    return np.array(rows).reshape(-1, 7), labels


__all__ = ["seed_claims", "intfp_study", "SEED_SETTING"]
