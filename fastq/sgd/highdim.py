"""INT versus FP on the data in high dimension, with the real quantizers' exact risk.

The exact recursion takes the moments of any per-coordinate data quantizer
(:func:`fastq.sgd.moments.real_data_moments`), so real INT and FP grids -- stochastic rounding and
round-to-nearest -- have an exact expected risk at ``d = 1e5`` in seconds.  :func:`intfp_highdim`
computes, for ``a`` in ``DECAYS``, ``d`` in ``DIMS`` (``SEED_SETTING`` otherwise: gamma = 0.1,
T = 2000, sigma = 0.1, isotropic teacher):

* the final risk of plain SGD and its stability limit;
* INT-b for ``b`` in ``INT_BITS`` (range ``4 sqrt(lam_1)``): stochastic rounding, round-to-nearest
  and the additive model ``Delta^2 / 6``; the stability limit of each;
* FP-m for ``m`` in ``FP_MANTISSAS`` (8 exponent bits): the same three (multiplicative model
  ``c_fp 2^-2m``);
* the equal-risk INT width ``b*(m)`` for each rounding (smallest b whose risk is at most FP-m's;
  log-linear interpolation below it) and the FP exponent bits the data's dynamic range needs.

Every (a, d) block is cached as JSON in ``checkpoint_dir``.
"""
from __future__ import annotations

import math

import numpy as np

from .claims import _cached
from .experiments import SEED_SETTING

DECAYS = (1.0, 1.5, 2.0)
DIMS = (1_000, 10_000, 100_000)
INT_BITS = tuple(range(3, 13))
FP_MANTISSAS = tuple(range(1, 7))
ROUNDINGS = ("sr", "rtn", "model")


def _spec(family: str, rounding: str, n: int, R: float, c_fp: float) -> str:
    if rounding == "model":
        if family == "int":
            delta = R / (2 ** (n - 1) - 1)
            return f"add:{delta * delta / 6.0!r}"
        return f"mult:{c_fp * 4.0 ** -n!r}"
    return f"{family}{'-rtn' if rounding == 'rtn' else ''}:{n}"


def _block(a: float, d: int, base: dict) -> dict:
    from .intfp import _exponent_bits, _fp_constant_limit
    from .recursion import sgd_risk
    from .spec import make_setup

    kw = {**base, "dim": d, "decay": a}
    s0 = make_setup(**kw)
    R = s0.default_range("data")
    c_fp = _fp_constant_limit()

    def final(spec):
        r = sgd_risk(checkpoints=[kw["steps"]], **kw, **({} if spec is None else {"data": spec}))
        return (float(r.risk[-1]) if r.converged else math.inf), float(r.gamma_max)

    plain, gmax_plain = final(None)
    out = {"plain": plain, "gamma_max_plain": gmax_plain, "fp_exponent_bits": _exponent_bits(s0, "data"),
           "int_range": R}
    for fam, ns in (("int", INT_BITS), ("fp", FP_MANTISSAS)):
        for rd in ROUNDINGS:
            v = [final(_spec(fam, rd, n, R, c_fp)) for n in ns]
            out[f"{fam}_{rd}"] = [x[0] for x in v]
            out[f"{fam}_{rd}_gamma_max"] = [x[1] for x in v]
    return out


def equal_risk_bits(risk_int, bits, risk_fp) -> tuple[float, int]:
    """(b*, smallest integer b) with ``risk_int(b) <= risk_fp``; b* interpolated log-linearly
    between the last INT width above and the first at or below (nan, -1 if none reaches it).
    """
    risk_int = np.asarray(risk_int, dtype=float)
    ok = np.nonzero(risk_int <= risk_fp)[0]
    if ok.size == 0 or not math.isfinite(risk_fp):
        return math.nan, -1
    j = int(ok[0])
    if j == 0 or not math.isfinite(risk_int[j - 1]) or risk_int[j - 1] == risk_int[j]:
        return float(bits[j]), int(bits[j])
    l0, l1, lf = math.log(risk_int[j - 1]), math.log(risk_int[j]), math.log(risk_fp)
    return float(bits[j - 1] + (l0 - lf) / (l0 - l1)), int(bits[j])


def intfp_highdim(*, quick=False, checkpoint_dir=None):
    """The study of the module docstring: ``(arrays, settings)``.

    arrays: plain (A, D), gamma_max_plain (A, D), fp_e (A, D), risk_int / gmax_int (A, D, 3, nb),
    risk_fp / gmax_fp (A, D, 3, nm) (axis 2: sr, rtn, model; inf when diverged),
    b_star (A, D, 3, nm) equal-risk INT width per FP mantissa (same rounding), b_ceil (integer).
    """
    decays = (2.0,) if quick else DECAYS
    dims = (1_000,) if quick else DIMS
    base = {k: v for k, v in SEED_SETTING.items() if k not in ("dim", "decay")}
    if quick:
        base["steps"] = 100
    A, D, nb, nm = len(decays), len(dims), len(INT_BITS), len(FP_MANTISSAS)
    arr = dict(plain=np.empty((A, D)), gamma_max_plain=np.empty((A, D)), fp_e=np.zeros((A, D), dtype=int),
               risk_int=np.empty((A, D, 3, nb)), gmax_int=np.empty((A, D, 3, nb)),
               risk_fp=np.empty((A, D, 3, nm)), gmax_fp=np.empty((A, D, 3, nm)),
               b_star=np.full((A, D, 3, nm), np.nan), b_ceil=np.full((A, D, 3, nm), -1))
    for ai, a in enumerate(decays):
        for di, d in enumerate(dims):
            p = {**base, "decay": a, "dim": d, "int_bits": list(INT_BITS), "fp_mantissa": list(FP_MANTISSAS),
                 "version": 1}
            res = _cached(checkpoint_dir, "sgd-intfp-highdim", p, lambda a=a, d=d: _block(a, d, base))
            arr["plain"][ai, di], arr["gamma_max_plain"][ai, di] = res["plain"], res["gamma_max_plain"]
            arr["fp_e"][ai, di] = res["fp_exponent_bits"]
            for ri, rd in enumerate(ROUNDINGS):
                arr["risk_int"][ai, di, ri] = np.array(res[f"int_{rd}"], dtype=float)
                arr["gmax_int"][ai, di, ri] = res[f"int_{rd}_gamma_max"]
                arr["risk_fp"][ai, di, ri] = np.array(res[f"fp_{rd}"], dtype=float)
                arr["gmax_fp"][ai, di, ri] = res[f"fp_{rd}_gamma_max"]
                for mi in range(nm):
                    arr["b_star"][ai, di, ri, mi], arr["b_ceil"][ai, di, ri, mi] = equal_risk_bits(
                        arr["risk_int"][ai, di, ri], INT_BITS, arr["risk_fp"][ai, di, ri, mi])
    settings = {**base, "decays": list(decays), "dims": list(dims), "int_bits": list(INT_BITS),
                "fp_mantissa": list(FP_MANTISSAS), "roundings": list(ROUNDINGS), "target": "data",
                "int_range": "4 sqrt(lam_1)", "fp_exponent_bits_simulated": 8}
    return arr, settings


GRAD_QUANTIZERS = ("int:8", "int-rtn:8", "fp:3", "fp-rtn:3")


def gradient_highdim(*, quick=False, decays=(1.0, 2.0), dims=DIMS, runs=None, seed=0, n_jobs=1,
                     progress=False, checkpoint_dir=None):
    """Real INT-8 / FP-3 gradient quantizers (stochastic and round-to-nearest) at high d, simulated.

    The excess risk over plain SGD is the mean of paired differences (run k of both simulations
    uses the same seed, hence the same teacher; round-to-nearest draws no random numbers, so its
    runs also see the same samples), with its standard error; beside it the exact excess of the
    noise models at the matching levels (additive ``Delta^2 / 6``, multiplicative ``c_fp 2^-6``).
    ``runs``: per d (default 128 for d <= 1e4, 32 above).

    arrays: excess, excess_se (A, D, 4), model_add, model_mult (A, D), plain (A, D), clipped (A, D, 4).
    """
    from .intfp import _fp_constant_limit
    from .recursion import sgd_risk
    from .simulation import sgd_simulate
    from .spec import make_setup

    base = {k: v for k, v in SEED_SETTING.items() if k not in ("dim", "decay")}
    if quick:
        decays, dims, base["steps"] = (2.0,), (200,), 50
    A, D, Q = len(decays), len(dims), len(GRAD_QUANTIZERS)
    out = dict(excess=np.empty((A, D, Q)), excess_se=np.empty((A, D, Q)), clipped=np.empty((A, D, Q)),
               model_add=np.empty((A, D)), model_mult=np.empty((A, D)), plain=np.empty((A, D)))
    n_runs = []
    for ai, a in enumerate(decays):
        for di, d in enumerate(dims):
            kw = {**base, "dim": d, "decay": a}
            nr = runs if runs is not None else (4 if quick else (128 if d <= 10_000 else 32))
            n_runs.append(nr)
            sim = dict(n_jobs=n_jobs, progress=progress, checkpoint_dir=checkpoint_dir, checkpoints=[kw["steps"]],
                       runs=nr, seed=seed)
            p = sgd_simulate(**kw, **sim)
            plain = sgd_risk(**kw, checkpoints=[kw["steps"]]).risk[-1]
            out["plain"][ai, di] = plain
            R = make_setup(**kw).default_range("gradient")
            delta = R / 127.0
            for nm, spec in (("model_add", f"add:{delta * delta / 6.0!r}"),
                             ("model_mult", f"mult:{_fp_constant_limit() * 4.0 ** -3!r}")):
                r = sgd_risk(**kw, gradient=spec, checkpoints=[kw["steps"]])
                out[nm][ai, di] = (r.risk[-1] if r.converged else np.inf) - plain
            for qi, q in enumerate(GRAD_QUANTIZERS):
                s = sgd_simulate(**kw, gradient=q, **sim)
                diff = s.risk_runs[:, -1] - p.risk_runs[:, -1]
                out["excess"][ai, di, qi] = diff.mean()
                out["excess_se"][ai, di, qi] = diff.std(ddof=1) / math.sqrt(nr)
                out["clipped"][ai, di, qi] = s.quantizers["gradient"]["clipped_fraction"]
    return out, {**base, "decays": list(decays), "dims": list(dims), "quantizers": list(GRAD_QUANTIZERS),
                 "runs": n_runs, "seed": seed, "int_range": "4 sqrt(max_i E[x_i^2 y^2])"}


__all__ = ["intfp_highdim", "equal_risk_bits", "gradient_highdim"]
