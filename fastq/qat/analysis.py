"""Summaries of a QAT study table: by bits, paired against full precision, rank correlations.

* ``by_bits``: per bit width, the number of trained models and mean / standard error of the
  errors and gaps, medians of the sharpness measures, mean accuracies under input noise.
* ``paired``: each quantized model against the full-precision model with the same width,
  learning rate and seed (same initial draws): mean difference, its standard error and the
  fraction of pairs where the quantized value is smaller -- for the gaps, test accuracy,
  Hessian trace, sharpness and the accuracy lost to input noise.
* ``correlations``: Kendall's tau and Spearman's rho between each generalization gap and each
  measure over all trained models, and within each bit width (as QGen and Jiang et al. report).
* ``noise_control`` (studies run with noise twins): per bit width, the twins' means and the
  paired differences QAT - twin and twin - full precision on the same (width, lr, seed).

The first three use the QAT and full-precision models only (``noise == 0``).  Robustness is
given both as absolute accuracy under input noise (``acc_noise_*``) and as accuracy lost
(``drop_*``).

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


def _noise_flag(table):
    return np.asarray(table["noise"]) if "noise" in table else np.zeros(len(table["bits"]))


def summarize(table: dict, cfg: dict) -> dict:
    """The study summary (see module docstring); NaN where undefined."""
    twin = _noise_flag(table) == 1
    conv = np.asarray(table["status"]) == "converged"
    ok = conv & ~twin
    bits = np.asarray(table["bits"])
    ncols = _noise_cols(table)
    def converged_share(col):
        return float(np.mean(np.asarray(table[col])[ok] == "converged")) if ok.any() else math.nan

    out = {"n_models": int(len(bits)), "n_trained": int(conv.sum()),
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
    if twin.any():
        out["noise_control"] = _noise_control(table, cfg, conv, twin, ncols)
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


#: columns compared in pairs (besides the accuracy under and lost to each input-noise level)
PAIRED_COLS = GAPS + ("test_acc", "train_acc", "train_loss", "test_loss", "hessian_trace", "sigma_mag", "sigma")


def _pair_cols(table, ncols):
    cols = {c: np.asarray(table[c], dtype=float) for c in PAIRED_COLS}
    clean = ncols[0] if ncols else None
    if clean is not None:
        for c in ncols[1:]:
            cols[c] = np.asarray(table[c], dtype=float)
            drop = np.asarray(table[clean], dtype=float) - np.asarray(table[c], dtype=float)
            cols["drop_" + c[len("acc_noise_"):]] = drop
    return cols


def _diff_rows(cols, qi, fi):
    row = {"pairs": int(len(qi))}
    for c, a in cols.items():
        d = a[qi] - a[fi]
        d = d[np.isfinite(d)]
        mean, se = _mean_se(d)
        row[c] = {"mean_diff": mean, "se": se, "frac_smaller": float(np.mean(d < 0)) if d.size else math.nan}
    return row


def _pairs(table, sel_a, sel_b):
    """Index pairs (i in sel_a, j in sel_b) with the same (width, lr, seed_index)."""
    key = list(zip(table["width"], table["lr"], table["seed_index"]))
    other = {key[j]: j for j in np.flatnonzero(sel_b)}
    pr = [(i, other[key[i]]) for i in np.flatnonzero(sel_a) if key[i] in other]
    return np.array([p[0] for p in pr], dtype=int), np.array([p[1] for p in pr], dtype=int)


def _paired(table, cfg, ok, ncols):
    bits = np.asarray(table["bits"])
    cols = _pair_cols(table, ncols)
    out = {}
    for b in cfg["bits"]:
        if b == 0:
            continue
        qi, fi = _pairs(table, ok & (bits == b), ok & (bits == 0))
        if qi.size:
            out[str(b)] = _diff_rows(cols, qi, fi)
    return out


def _noise_control(table, cfg, conv, twin, ncols):
    """Per quantized bit width: the twins' means, QAT - twin and twin - full precision."""
    bits = np.asarray(table["bits"])
    cols = _pair_cols(table, ncols)
    ratio = np.asarray(table["noise_var_ratio"], dtype=float)
    out = {}
    for b in cfg["bits"]:
        if b == 0:
            continue
        tw = conv & twin & (bits == b)
        row = {"twins": int(tw.sum())}
        for c in _MEAN_COLS + tuple(ncols) + ("hessian_trace",):
            row[c], row[c + "_se"] = _mean_se(np.asarray(table[c])[tw])
        for c in ("hessian_trace", "sigma", "sigma_mag"):
            row[c + "_median"] = _median(np.asarray(table[c])[tw])
        row["noise_var_ratio"] = _mean_se(ratio[tw])[0]
        qi, ti = _pairs(table, conv & ~twin & (bits == b), tw)
        row["qat_minus_twin"] = _diff_rows(cols, qi, ti) if qi.size else {}
        ti2, fi = _pairs(table, tw, conv & ~twin & (bits == 0))
        row["twin_minus_fp"] = _diff_rows(cols, ti2, fi) if ti2.size else {}
        out[str(b)] = row
    return out
