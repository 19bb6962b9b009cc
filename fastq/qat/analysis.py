"""Summaries of a QAT study table: by bits, paired against full precision, rank correlations.

* ``by_bits``: per bit width, the number of trained models and mean / standard error of the
  errors and gaps, medians of the sharpness measures, mean accuracies under input noise.
* ``paired``: each quantized model against the full-precision model with the same width,
  learning rate and seed (same initial draws): mean difference, its standard error and the
  fraction of pairs where the quantized value is smaller -- for the gaps, test accuracy,
  Hessian trace, sharpness and the accuracy lost to input noise.
* ``correlations``: Kendall's tau and Spearman's rho between each generalization gap and each
  measure over all trained models, and within each bit width (as QGen and Jiang et al. report).

Public: :func:`summarize`, :data:`MEASURES`.
"""
from __future__ import annotations

import math

import numpy as np

#: measures correlated with the gaps (columns of the table)
MEASURES = ("hessian_trace", "pb_flatness", "pb_bound_init", "pb_mag_flatness",
            "pb_mag_bound_init", "pb_bound_qnoise", "noise_reg_term", "param_norm", "dist_init")
GAPS = ("gap_loss", "gap_acc")
_MEAN_COLS = ("train_loss", "test_loss", "train_acc", "test_acc", "gap_loss", "gap_acc")
_MEDIAN_COLS = ("hessian_trace", "sigma", "sigma_mag", "pb_bound_init", "pb_mag_bound_init",
                "qnoise_sigma", "noise_reg_term")


def _mean_se(v):
    v = np.asarray(v, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return math.nan, math.nan
    se = float(np.std(v, ddof=1) / math.sqrt(v.size)) if v.size > 1 else math.nan
    return float(np.mean(v)), se


def _median(v):
    v = np.asarray(v, dtype=float)
    v = v[np.isfinite(v)]
    return float(np.median(v)) if v.size else math.nan


def rank_correlations(x, y) -> dict:
    """Kendall's tau and Spearman's rho (SciPy) over the pairs where both are finite; NaN when
    fewer than 3 pairs remain or either side is constant.
    """
    from scipy.stats import kendalltau, spearmanr

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    n = int(ok.sum())
    if n < 3 or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
        return {"kendall": math.nan, "spearman": math.nan, "n": n}
    return {"kendall": float(kendalltau(x[ok], y[ok]).statistic),
            "spearman": float(spearmanr(x[ok], y[ok]).statistic), "n": n}


def _noise_cols(table):
    return [c for c in table if c.startswith("acc_noise_")]


def summarize(table: dict, cfg: dict) -> dict:
    """The study summary (see module docstring); NaN where undefined."""
    ok = np.asarray(table["status"]) == "converged"
    bits = np.asarray(table["bits"])
    ncols = _noise_cols(table)
    def converged_share(col):
        return float(np.mean(np.asarray(table[col])[ok] == "converged")) if ok.any() else math.nan

    out = {"n_models": int(len(bits)), "n_trained": int(ok.sum()),
           "sigma_converged": converged_share("sigma_status"),
           "sigma_mag_converged": converged_share("sigma_mag_status"),
           "by_bits": {}, "paired": {}, "correlations": {}}
    for b in cfg["bits"]:
        m = ok & (bits == b)
        row = {"models": int(m.sum())}
        for c in _MEAN_COLS + tuple(ncols):
            row[c], row[c + "_se"] = _mean_se(np.asarray(table[c])[m])
        for c in _MEDIAN_COLS:
            row[c + "_median"] = _median(np.asarray(table[c])[m])
        out["by_bits"][str(b)] = row
    if 0 in cfg["bits"]:
        out["paired"] = _paired(table, cfg, ok, ncols)
    for g in GAPS:
        out["correlations"][g] = {
            "all": {ms: rank_correlations(np.asarray(table[ms])[ok], np.asarray(table[g])[ok]) for ms in MEASURES},
            "by_bits": {str(b): {ms: rank_correlations(np.asarray(table[ms])[ok & (bits == b)],
                                                       np.asarray(table[g])[ok & (bits == b)])
                                 for ms in MEASURES} for b in cfg["bits"]},
        }
        bits_as_num = np.where(bits == 0, 32, bits).astype(float)
        out["correlations"][g]["all"]["bits"] = rank_correlations(bits_as_num[ok], np.asarray(table[g])[ok])
    return out


def _paired(table, cfg, ok, ncols):
    key = list(zip(table["width"], table["lr"], table["seed_index"]))
    bits = np.asarray(table["bits"])
    fp = {key[i]: i for i in range(len(key)) if bits[i] == 0 and ok[i]}
    clean = ncols[0] if ncols else None
    out = {}
    for b in cfg["bits"]:
        if b == 0:
            continue
        pairs = [(i, fp[key[i]]) for i in range(len(key)) if bits[i] == b and ok[i] and key[i] in fp]
        if not pairs:
            continue
        qi = np.array([p[0] for p in pairs])
        fi = np.array([p[1] for p in pairs])
        row = {"pairs": len(pairs)}
        names = GAPS + ("test_acc", "train_loss", "hessian_trace", "sigma_mag", "sigma")
        cols = {c: np.asarray(table[c], dtype=float) for c in names}
        if clean is not None:
            for c in ncols[1:]:
                drop = np.asarray(table[clean], dtype=float) - np.asarray(table[c], dtype=float)
                cols["drop_" + c[len("acc_noise_"):]] = drop
        for c, a in cols.items():
            d = a[qi] - a[fi]
            d = d[np.isfinite(d)]
            mean, se = _mean_se(d)
            row[c] = {"mean_diff": mean, "se": se, "frac_smaller": float(np.mean(d < 0)) if d.size else math.nan}
        out[str(b)] = row
    return out
