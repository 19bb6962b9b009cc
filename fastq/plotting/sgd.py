"""Drawing the quantized-SGD figures from their data files (no computation here).

Each ``plot_<name>(data_path, png_path)`` reads the NPZ written by :mod:`fastq.figures.sgd` and its
JSON sidecar (same stem) and writes a PNG atomically; it can redraw a figure without recomputing.
Object-oriented matplotlib only (Figure + Agg canvas).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ._canvas import save_figure

TARGETS = ("data", "label", "param", "activation", "gradient")
EPS_COLORS = ("black", "tab:blue", "tab:orange", "tab:red")


def _load(data_path):
    data_path = Path(data_path)
    with np.load(data_path) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(data_path.with_suffix(".json").read_text())
    return arrays, meta.get("params", {})


def _save(fig: Figure, png_path) -> Path:
    FigureCanvasAgg(fig)
    return save_figure(fig, png_path, dpi=130)


def _setting(s: dict) -> str:
    return (f"d={s.get('dim')}, a={s.get('decay')}, p={s.get('teacher_decay')}, B={s.get('batch')}, "
            f"gamma={s.get('gamma')}, T={s.get('steps')}, sigma={s.get('sigma')}")


def plot_risk_curves(data_path, png_path) -> Path:
    """5 x 2 panels (target x model): exact R_t for each eps, simulation points at the largest eps."""
    a, s = _load(data_path)
    fig = Figure(figsize=(10, 16), layout="constrained")
    axes = fig.subplots(5, 2, sharex=True)
    t = a["steps"]
    for ti, tname in enumerate(TARGETS):
        for mi, m in enumerate(("add", "mult")):
            ax = axes[ti, mi]
            for ei, e in enumerate(s["eps"]):
                ax.plot(t[1:], a["exact"][ti, mi, ei, 1:], color=EPS_COLORS[ei], lw=1.2, label=f"eps={e:g}")
            ax.errorbar(a["mc_steps"][1:], a["mc_mean"][ti, mi, 1:], yerr=a["mc_se"][ti, mi, 1:], fmt="o", ms=3,
                        color=EPS_COLORS[-1], mfc="none", label=f"simulation eps={s['mc_eps']:g}")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title(f"{tname}, {m}", fontsize=9)
            if ti == 4:
                ax.set_xlabel("step t")
            if mi == 0:
                ax.set_ylabel("excess risk R_t")
    axes[0, 0].legend(fontsize=7)
    fig.suptitle(f"Exact risk of quantized SGD ({_setting(s)}; {s['runs']} runs)", fontsize=9)
    return _save(fig, png_path)


def _dim_axis(ax, dims):
    ax.set_xscale("log")
    ax.minorticks_off()
    ax.set_xticks(dims)
    ax.set_xticklabels([str(int(d)) for d in dims])
    ax.set_xlabel("dimension d")


def plot_dimension(data_path, png_path) -> Path:
    """Excess risk at step T vs d (eps fixed) for each target and model; one column per gamma."""
    a, s = _load(data_path)
    fig = Figure(figsize=(11, 4.5), layout="constrained")
    axes = fig.subplots(1, len(a["gammas"]) + 1)
    for gi, g in enumerate(a["gammas"]):
        ax = axes[gi]
        for ti, tname in enumerate(TARGETS):
            for mi, (m, st) in enumerate((("add", "-o"), ("mult", "--s"))):
                y = a["risk"][gi, ti, mi] - a["plain"][gi]
                y = np.where(np.isfinite(y), y, np.nan)
                ax.plot(a["dims"], y, st, color=f"C{ti}", ms=4, label=f"{tname} {m}" if gi == 0 else None)
        ax.set_yscale("log")
        _dim_axis(ax, a["dims"])
        ax.set_ylabel("excess risk over plain SGD at T")
        ax.set_title(f"gamma = {g:g}, eps = {s['eps']:g}", fontsize=9)
    axes[0].legend(fontsize=6, ncol=2)
    ax = axes[-1]
    for ti in range(len(TARGETS)):
        for mi, st in enumerate(("-o", "--s")):  # additive, multiplicative
            ax.plot(a["dims"], a["gamma_max"][ti, mi], st, color=f"C{ti}", ms=4)
    for g in a["gammas"]:
        ax.axhline(g, color="gray", lw=0.8, ls=":")
    _dim_axis(ax, a["dims"])
    ax.set_ylabel("stability limit gamma_max")
    ax.set_title("largest stable step (dotted: the gammas used)", fontsize=9)
    fig.suptitle(f"Dimension study ({_setting(s)})", fontsize=9)
    return _save(fig, png_path)


def plot_batch(data_path, png_path) -> Path:
    """Excess risk vs B for activation / gradient / parameter noise, both models; 1/B guide."""
    a, s = _load(data_path)
    fig = Figure(figsize=(6.5, 4.8), layout="constrained")
    ax = fig.subplots()
    B = a["batches"]
    for ti, tname in enumerate(s["targets"]):
        for mi, (m, st) in enumerate((("add", "-o"), ("mult", "--s"))):
            ax.plot(B, a["excess"][ti, mi], st, color=f"C{ti}", ms=4, label=f"{tname} {m}")
    for ti in range(2):
        ax.errorbar(a["mc_batches"], a["mc_excess"][ti], yerr=a["mc_excess_se"][ti], fmt="x", color=f"C{ti}",
                    ms=7, label="simulation (add)" if ti == 0 else None)
    ref = a["excess"][1, 0, 0]
    ax.plot(B, ref / B, color="gray", lw=0.8, ls=":", label="1/B")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("batch size B")
    ax.set_ylabel("excess risk over plain SGD (same B) at T")
    ax.legend(fontsize=7)
    ax.set_title(f"Batch suppression, eps={s['eps']:g} ({_setting(s)})", fontsize=8)
    return _save(fig, png_path)


def plot_spectrum(data_path, png_path) -> Path:
    """Effective spectrum E[x~_i^2] and mean fixed point w_inf / w* per coordinate."""
    a, s = _load(data_path)
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    i = a["i"]
    ax1.plot(i, a["lam"], "k-", lw=2, label="lam_i (unquantized)")
    labels = {"add": f"additive eps={s['eps']:g}", "mult": f"multiplicative eps={s['eps']:g}",
              "int": f"INT-{s['int_bits']} (R={s['int_range']:g})", "fp": f"FP m={s['fp_mantissa']}"}
    for k, st in (("add", "-"), ("mult", "--"), ("int", "-."), ("fp", ":")):
        ax1.plot(i, a[f"eff_{k}"], st, label=labels[k])
        ax2.plot(i, a[f"winf_{k}"], st, label=labels[k])
    for ax in (ax1, ax2):
        ax.set_xscale("log")
        ax.set_xlabel("coordinate i")
    ax1.set_yscale("log")
    ax1.set_ylabel("effective spectrum E[x~_i^2]")
    ax2.set_ylabel("w_inf,i / w*_i")
    ax1.legend(fontsize=7)
    fig.suptitle(f"Spectral distortion of data quantization (d={s['dim']}, a={s['decay']})", fontsize=9)
    return _save(fig, png_path)


def plot_int_fp(data_path, png_path) -> Path:
    """Measured constants of INT and FP, and the INT bits of equal risk vs FP mantissa bits."""
    a, s = _load(data_path)
    fig = Figure(figsize=(13, 4.3), layout="constrained")
    ax1, ax2, ax3 = fig.subplots(1, 3)
    ax1.plot(a["int_ratio"], a["c_int"], "o-", ms=3, label="INT, no clipping")
    ax1.axhline(1 / 6, color="gray", ls=":", label="1/6")
    ax1.set_xscale("log")
    ax1.set_xlabel("input scale / grid step Delta")
    ax1.set_ylabel("eps_add / Delta^2")
    ax1.legend(fontsize=7)
    ax2.plot(a["fp_m"], a["c_fp"], "o-", ms=3, label="exact")
    ax2.errorbar(a["fp_m"], a["c_fp_mc"], yerr=a["c_fp_mc_se"], fmt="x", label="simulation")
    ax2.set_xlabel("mantissa bits m")
    ax2.set_ylabel("eps_mult * 2^(2m)")
    ax2.legend(fontsize=7)
    m = np.array(s["mantissa"])
    for ai, dec in enumerate(s["decays"]):
        for di, d in enumerate(s["dims"]):
            for ti, tname in enumerate(s["targets"]):
                if tname not in ("data", "gradient"):
                    continue
                st = "-" if tname == "data" else "--"
                ax3.plot(m, a["b_star"][ai, di, ti], st, marker="o" if di == 0 else "s", ms=3, color=f"C{ai}",
                         alpha=1.0 if di == len(s["dims"]) - 1 else 0.5,
                         label=f"{tname}, a={dec:g}, d={d}")
    ax3.plot(m, m + 1 + 8, color="gray", ls=":", label="FP total bits, e=8")
    ax3.set_xlabel("FP mantissa bits m")
    ax3.set_ylabel("INT bits of equal risk")
    ax3.legend(fontsize=6, ncol=2)
    fig.suptitle("INT vs FP: effective levels and equal-risk bit widths", fontsize=9)
    return _save(fig, png_path)


def plot_mc_check(data_path, png_path) -> Path:
    """z-scores (simulation - exact) / se at every checkpoint of every setting of the grid."""
    a, s = _load(data_path)
    fig = Figure(figsize=(9, 4), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2, width_ratios=(3, 1))
    z = a["z"]
    for j in range(z.shape[1]):
        ax1.plot(np.arange(z.shape[0]), z[:, j], ".", ms=4, color=f"C{j}")
    zr = a.get("z_recheck")
    if zr is not None and np.any(np.isfinite(zr)):
        rows = np.nonzero(np.isfinite(zr[:, 0]))[0]
        for j in range(zr.shape[1]):
            ax1.plot(rows, zr[rows, j], "kx", ms=5, label="recheck (x runs)" if j == 0 else None)
        ax1.legend(fontsize=7)
    for y in (-3, 3):
        ax1.axhline(y, color="red", lw=0.8, ls="--")
    ax1.set_xlabel("setting")
    ax1.set_ylabel("(simulation - exact) / se")
    ax1.set_title(f"{z.shape[0]} settings x {z.shape[1]} checkpoints, {s['runs']} runs each", fontsize=9)
    ax2.hist(z.ravel(), bins=25, density=True, color="tab:blue", alpha=0.7)
    x = np.linspace(-4, 4, 200)
    ax2.plot(x, np.exp(-x * x / 2) / np.sqrt(2 * np.pi), "k-", lw=1)
    ax2.set_xlabel("z")
    return _save(fig, png_path)


def plot_claims(data_path, png_path) -> Path:
    """The claims table as text."""
    _, s = _load(data_path)
    rows = s["claims"]
    fig = Figure(figsize=(11, 0.6 + 0.45 * len(rows)), layout="constrained")
    ax = fig.subplots()
    ax.axis("off")
    cells = [[r["verdict"], r["claim"]] for r in rows]
    tab = ax.table(cellText=cells, colLabels=["verdict", "claim (seed 002)"], loc="center", cellLoc="left",
                   colWidths=[0.12, 0.88])
    tab.auto_set_font_size(False)
    tab.set_fontsize(8)
    return _save(fig, png_path)
