"""Figures of online STE training, drawn from the NPZ files the figure makers write."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib import colormaps

from ..ste.analysis import PLATEAU_LEFT
from ._canvas import new_figure, save_figure


def plot_trajectories(npz_path, png_path, *, title=""):
    """Eg(tau) (simulation points vs mean-field lines), zero-level occupation and plateau length
    against omega, from the NPZ written by :func:`fastq.figures.ste.make_trajectories`.
    """
    with np.load(npz_path) as z:
        d = {k: z[k] for k in z.files}
    fig, axes = new_figure(1, 3, size=(5.0, 4.3))
    axes = axes[0]
    colors = colormaps["viridis"](np.linspace(0, 0.85, len(d["omega"])))
    ax = axes[0]
    for k, w in enumerate(d["omega"]):
        ax.plot(d["tau_mf"], d["eg_mf"][k], color=colors[k], lw=1.6, label=f"omega={w:g} (mean field)")
        ax.errorbar(d["tau_sim"], d["eg_sim"][k], yerr=d["eg_sim_se"][k], fmt="o", ms=2.5,
                    color=colors[k], elinewidth=0.8, alpha=0.8)
        ax.axhline(d["eg_stationary"][k], color=colors[k], ls=":", lw=1)
    ax.set_xlabel("tau = t / N")
    ax.set_ylabel("Eg")
    ax.set_title("Eg(tau): lines mean field, points simulation\n(dotted: stationary closed form)", fontsize=9)
    ax.legend(fontsize=7)
    ax = axes[1]
    for k, w in enumerate(d["omega"]):
        ax.plot(d["tau_mf"], d["zero_mf"][k], color=colors[k], lw=1.6, label=f"omega={w:g}")
        ax.plot(d["tau_sim"], d["zero_sim"][k], "o", ms=2.5, color=colors[k], alpha=0.8)
    ax.set_xlabel("tau = t / N")
    ax.set_ylabel("fraction of weights on level 0")
    ax.set_title("zero-level occupation", fontsize=9)
    ax.legend(fontsize=7)
    ax = axes[2]
    slope, pref = d["plateau_fit"]
    ax.loglog(d["plateau_omega"], d["plateau_tau"], "o-", label="mean field")
    ww = d["plateau_omega"][d["plateau_omega"] >= 4]
    ax.loglog(ww, pref * ww ** slope, "k--", lw=1, label=f"fit omega>=4: {pref:.3g} omega^{slope:.2f}")
    ax.set_xlabel("omega")
    ax.set_ylabel("plateau length tau_p")
    ax.set_title(f"plateau: level 0 has lost {PLATEAU_LEFT:.0%} of its stationary loss", fontsize=9)
    ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    return save_figure(fig, Path(png_path), dpi=110)




def plot_stationary(npz_path, png_path, *, title=""):
    """Stationary Eg against omega and against b (uniform solid, log dashed), from the NPZ
    written by :func:`fastq.figures.ste.make_stationary`.
    """
    with np.load(npz_path) as z:
        d = {k: z[k] for k in z.files}
    fig, axes = new_figure(1, 2, size=(5.5, 4.3))
    axes = axes[0]
    styles = {"uniform": "-", "log": "--"}
    ax = axes[0]
    colors = colormaps["plasma"](np.linspace(0, 0.8, len(d["bits_for_omega"])))
    for s, sch in enumerate(d["schemes"]):
        for i, b in enumerate(d["bits_for_omega"]):
            ax.semilogy(d["omega_grid"], d["eg_omega"][s, i], styles[str(sch)], color=colors[i],
                        label=f"{sch} b={b}")
    ax.axhline(float(d["eg_unquantized"]), color="k", ls=":", label="unquantized sigma^2/(2-eta)")
    ax.set_xlabel("omega")
    ax.set_ylabel("stationary Eg")
    ax.legend(fontsize=7)
    ax = axes[1]
    colors = colormaps["viridis"](np.linspace(0, 0.8, len(d["omegas_for_bits"])))
    for s, sch in enumerate(d["schemes"]):
        for i, w in enumerate(d["omegas_for_bits"]):
            ax.semilogy(d["bits_grid"], d["eg_bits"][s, i], styles[str(sch)], marker="o", ms=3,
                        color=colors[i], label=f"{sch} omega={w:g}")
    ax.axhline(float(d["eg_unquantized"]), color="k", ls=":", label="unquantized")
    ax.set_xlabel("bits b")
    ax.set_ylabel("stationary Eg")
    ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    return save_figure(fig, Path(png_path), dpi=110)
