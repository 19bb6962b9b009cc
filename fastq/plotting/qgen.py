"""Drawing of the ``qgen`` figures from their written data (object-oriented matplotlib only).

Each ``plot_<name>(data_path, png_path)`` reads what ``fastq.figures.qgen.make_<name>`` wrote
and renders a PNG through ``fastq.store.atomic_write_bytes``; it can redraw without recomputing.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from ._canvas import save_figure


def _save(fig, png_path) -> Path:
    FigureCanvasAgg(fig)
    return save_figure(fig, png_path, dpi=110)


def _settings(data_path):
    return json.loads(Path(data_path).with_suffix(".json").read_text())["params"]


def plot_qgen_map(data_path, png_path) -> Path:
    """Four maps per noise level over (omega, bits), with the RS boundary (at = 1) in black."""
    z = np.load(data_path)
    s = _settings(data_path)
    bits, om = z["bits"], z["omega"]
    panels = (("rel_err_noise_ptq", "|Eg_noise - Eg_PTQ| / Eg_PTQ", "viridis", 0.10),
              ("rel_err_noise_qat", "|Eg_noise - Eg_QAT| / Eg_QAT", "viridis", 0.10),
              ("qat_gain_rel", "(Eg_PTQ - Eg_QAT) / Eg_PTQ", "RdBu", 0.0),
              ("gap_diff", "gap_QAT - gap_ridge", "RdBu_r", 0.0))
    nrow = len(z["sigma"])
    fig = Figure(figsize=(16, 3.6 * nrow))
    for r, sig in enumerate(z["sigma"]):
        vals = {k: z[f"{k}_{r}"] for k in ("rel_err_noise_ptq", "rel_err_noise_qat", "qat_gain_rel")}
        vals["gap_diff"] = z[f"gap_qat_{r}"] - z[f"gap_ridge_{r}"]
        at = z[f"at_{r}"]
        for c, (key, title, cmap, level) in enumerate(panels):
            ax = fig.add_subplot(nrow, 4, 4 * r + c + 1)
            v = vals[key]
            kw = {}
            if cmap.startswith("RdBu"):
                m = np.nanmax(np.abs(v)) or 1.0
                kw = dict(vmin=-m, vmax=m)
            mesh = ax.pcolormesh(om, bits, v, cmap=cmap, shading="nearest", **kw)
            fig.colorbar(mesh, ax=ax)
            if np.nanmin(v) < level < np.nanmax(v) and len(om) > 1 and len(bits) > 1:
                ax.contour(om, bits, v, levels=[level], colors="w", linewidths=1.2)
            if np.nanmin(at) < 1 < np.nanmax(at) and len(om) > 1 and len(bits) > 1:
                ax.contour(om, bits, at, levels=[1.0], colors="k", linewidths=1.0, linestyles="--")
            ax.set_title(f"{title}\nsigma={sig:g}, lam={z['lam'][r]:g}", fontsize=9)
            ax.set_xlabel("omega")
            ax.set_ylabel("bits")
    fig.suptitle(f"linear model, alpha={s['alpha']}, eps = {s['edge_fraction']} x step "
                 "(white: 10 % or 0 contour; dashed black: AT = 1, the RS-stable side contains small omega)",
                 fontsize=10)
    fig.tight_layout()
    return _save(fig, png_path)


def plot_qgen_alpha(data_path, png_path) -> Path:
    """Draw the curves against alpha from their NPZ/JSON files."""
    z = np.load(data_path)
    s = _settings(data_path)
    a = z["alpha"]
    qs = s["quantizers"]
    fig = Figure(figsize=(6 * len(qs), 7))
    for k, (b, om) in enumerate(qs):
        ax = fig.add_subplot(2, len(qs), k + 1)
        for f, lab, st in (("eg_qat", "QAT", "-"), ("eg_ptq", "PTQ", "--"), ("eg_ridge", "ridge", ":"),
                           ("eg_noise_model", "noise model", "-.")):
            ax.plot(a, z[f"{f}_{k}"], st, label=lab)
        rs = z[f"rs_{k}"].astype(bool)
        ax.plot(a[rs], z[f"eg_qat_{k}"][rs], "o", ms=2, color="k", label="QAT RS-stable")
        ax.set_title(f"b={b}, omega={om}, sigma={s['sigma']}, lam={s['lam']}", fontsize=9)
        ax.set_ylabel("Eg")
        ax.legend(fontsize=7)
        ax2 = fig.add_subplot(2, len(qs), len(qs) + k + 1)
        ax2.plot(a, z[f"gap_qat_{k}"], "-", label="gap QAT")
        ax2.plot(a, z[f"gap_ridge_{k}"], ":", label="gap ridge (= noise model)")
        ax2.set_xlabel("alpha")
        ax2.set_ylabel("Eg - Et")
        ax2.legend(fontsize=7)
    fig.tight_layout()
    return _save(fig, png_path)


def plot_qgen_validation(data_path, png_path) -> Path:
    """Draw theory against simulation from the NPZ/JSON files."""
    z = np.load(data_path)
    s = _settings(data_path)
    names = s["names"]
    mean, se, th = z["mean"], z["se"], z["theory"]
    fig = Figure(figsize=(12, 5))
    ax = fig.add_subplot(1, 2, 1)
    for j, k in enumerate(names[:6]):
        ax.errorbar(th[:, j], mean[:, j] - th[:, j], yerr=3 * se[:, j], fmt="o", ms=3, label=k)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xlabel("theory")
    ax.set_ylabel("simulation - theory (bars: 3 s.e.)")
    ax.set_title(f"N = {s['n']}, {s['instances']} instances per point, {len(mean)} points", fontsize=9)
    ax.legend(fontsize=7)
    ax = fig.add_subplot(1, 2, 2)
    zz = (mean - th) / se
    ax.hist(zz[np.isfinite(zz)].ravel(), bins=25)
    ax.axvline(-3, color="r")
    ax.axvline(3, color="r")
    ax.set_xlabel("z = (simulation - theory) / s.e.")
    fig.tight_layout()
    return _save(fig, png_path)


def plot_qgen_study(json_path, png_path) -> Path:
    """Gap vs bits (mean +- s.e.), gap vs Hessian trace and magnitude-aware sharpness (Kendall's
    tau in the titles), test accuracy vs input-noise level per bits.
    """
    from ..qat.study import load_study

    st = load_study(json_path)
    t, summ = st.table, st.summary
    ok = t["status"] == "converged"
    bits = np.asarray(t["bits"])
    order = [b for b in st.config["bits"]]
    label = {b: ("fp" if b == 0 else f"{b}b") for b in order}
    fig = Figure(figsize=(16, 4))
    ax = fig.add_subplot(1, 4, 1)
    for g, mk in (("gap_loss", "o"), ("gap_acc", "s")):
        m = [summ["by_bits"][str(b)][g] for b in order]
        e = [summ["by_bits"][str(b)][g + "_se"] for b in order]
        ax.errorbar(range(len(order)), m, yerr=e, fmt=mk + "-", label=g)
    ax.set_xticks(range(len(order)), [label[b] for b in order])
    ax.set_title("generalization gap vs bits", fontsize=9)
    ax.legend(fontsize=7)
    for c, ms in enumerate(("hessian_trace", "pb_mag_flatness")):
        ax = fig.add_subplot(1, 4, 2 + c)
        for b in order:
            m = ok & (bits == b)
            ax.loglog(np.asarray(t[ms], float)[m], np.clip(np.asarray(t["gap_loss"], float)[m], 1e-4, None),
                      ".", ms=3, label=label[b])
        ax.xaxis.set_minor_formatter(NullFormatter())
        tau = summ["correlations"]["gap_loss"]["all"][ms]["kendall"]
        ax.set_title(f"gap_loss vs {ms}: Kendall tau = {tau:.2f}", fontsize=9)
        ax.set_xlabel(ms)
        ax.legend(fontsize=6)
    ax = fig.add_subplot(1, 4, 4)
    levels = st.config["corruption"]
    for b in order:
        acc = [summ["by_bits"][str(b)][f"acc_noise_{s:g}"] for s in levels]
        ax.plot(levels, acc, "o-", ms=3, label=label[b])
    ax.set_xlabel("input noise (feature std)")
    ax.set_ylabel("test accuracy")
    ax.set_title("robustness vs bits", fontsize=9)
    ax.legend(fontsize=7)
    fig.suptitle(f"{st.config['dataset']}: {st.n_models} models", fontsize=10)
    fig.tight_layout()
    return _save(fig, png_path)
