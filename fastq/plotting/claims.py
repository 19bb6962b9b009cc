"""The ``claims`` figures: the paper's Eg claims under RS, 1RSB and ridge-then-round (PTQ).

Each function draws from the files the figure maker wrote (redraw without recomputing):
:func:`plot_optimum` (claim ii), :func:`plot_schemes` (claim iv), :func:`plot_double_descent`
(claim iii).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..store import read_json
from ._canvas import RSB_COLOR, new_figure, save_figure
from .eg_curves import curve_panel, finish_panel

THEORY_STYLE = {"rs": ("RS", "-", "o"), "1rsb": ("1RSB", "--", "s"), "ptq": ("PTQ (ridge, rounded)", ":", "^")}
SCHEME_COLOR = {"uniform": "C0", "log": "C3"}


def _col(rows, key):
    return np.array([np.nan if r.get(key) is None else float(r[key]) for r in rows])


def plot_optimum(json_path, png_path) -> Path:
    """Claim (ii): the optimal omega and the Eg there per number of bits, RS vs 1RSB (and PTQ)."""
    doc = read_json(json_path)
    rows = doc["rows"]
    fig, axes = new_figure(1, 2, size=(5.0, 3.8))
    for scheme in dict.fromkeys(r["scheme"] for r in rows):
        sub = [r for r in rows if r["scheme"] == scheme]
        b = _col(sub, "bits")
        for th, (name, ls, mk) in THEORY_STYLE.items():
            for ax, key in ((axes[0, 0], f"omega_{th}"), (axes[0, 1], f"eg_{th}")):
                ax.plot(b, _col(sub, key), ls=ls, marker=mk, ms=4, color=SCHEME_COLOR.get(scheme, "k"),
                        label=f"{scheme} {name}")
    s = doc["settings"]
    axes[0, 1].axhline(doc["ridge_eg"], color="k", lw=0.8, ls="-.", label="ridge")
    axes[0, 1].set_yscale("log")
    axes[0, 0].set_ylabel(r"optimal $\omega$")
    axes[0, 1].set_ylabel(r"$E_g$ at the optimal $\omega$")
    for ax in axes[0]:
        ax.set_xlabel("b (bits)")
        ax.set_xticks(sorted(set(_col(rows, "bits"))))
    setting = rf"$\alpha$={s['alpha']:g}, $\sigma$={s['sigma']:g}, $\lambda$={s['lam']:g}, hard quantizer"
    finish_panel(axes[0, 0], f"(ii) optimal omega per b: RS vs 1RSB vs PTQ ({setting})")
    finish_panel(axes[0, 1], "Eg at each optimum (at b = 2 uniform and log "
                             "have the same levels, so their marks coincide)")
    return save_figure(fig, png_path)


def plot_schemes(json_path, png_path) -> Path:
    """Claim (iv): uniform vs log at equal bits, in Eg at each scheme's own optimum."""
    doc = read_json(json_path)
    rows = doc["rows"]
    fig, axes = new_figure(1, 2, size=(5.0, 3.8))
    ax, ax2 = axes[0]
    uni = {r["bits"]: r for r in rows if r["scheme"] == "uniform"}
    log = {r["bits"]: r for r in rows if r["scheme"] == "log"}
    bits = sorted(set(uni) & set(log))
    for th, (name, ls, mk) in THEORY_STYLE.items():
        u = np.array([np.nan if uni[b][f"eg_{th}"] is None else uni[b][f"eg_{th}"] for b in bits])
        g = np.array([np.nan if log[b][f"eg_{th}"] is None else log[b][f"eg_{th}"] for b in bits])
        ax.plot(bits, u, ls=ls, marker=mk, color=SCHEME_COLOR["uniform"], label=f"uniform {name}")
        ax.plot(bits, g, ls=ls, marker=mk, color=SCHEME_COLOR["log"], label=f"log {name}")
        ax2.plot(bits, g / u, ls=ls, marker=mk, color="k", label=name)
    ax.axhline(doc["ridge_eg"], color="k", lw=0.8, ls="-.", label="ridge")
    ax.set_yscale("log")
    ax2.axhline(1.0, color="0.5", lw=0.8)
    ax.set_ylabel(r"$E_g$ at each scheme's optimal $\omega$")
    ax2.set_ylabel(r"$E_g^{\rm log} / E_g^{\rm uniform}$ (> 1: uniform better)")
    for a in (ax, ax2):
        a.set_xlabel("b (bits)")
        a.set_xticks(bits)
    finish_panel(ax, "(iv) uniform vs log at equal bits (same levels at b = 2)")
    finish_panel(ax2, "ratio log / uniform per theory")
    return save_figure(fig, png_path)


def plot_double_descent(npz_path, json_path, png_path) -> Path:
    """Claim (iii): Eg against alpha, one panel per (sigma, lam, omega choice): ridge dotted black,
    per number of bits RS solid and 1RSB dashed (grey crosses: 1RSB not converged), PTQ thin.
    """
    z = np.load(npz_path)
    doc = read_json(json_path)
    curves = doc["curves"]
    alphas = z["alpha"]
    panels = list(dict.fromkeys((c[2], c[3], str(c[4])) for c in curves))
    ncols = len({p[2] for p in panels})
    nrows = int(np.ceil(len(panels) / ncols))
    fig, axes = new_figure(nrows, ncols, size=(4.6, 3.4))
    bits = sorted({c[1] for c in curves})
    colors = {b: f"C{i}" for i, b in enumerate(bits)}
    verdict = {(r["sigma"], r["lam"], str(r["omega"]), r["bits"]): r for r in doc["rows"]}
    for k, (sg, lm, om) in enumerate(panels):
        ax = axes.flat[k]
        for i, c in enumerate(curves):
            if (c[2], c[3], str(c[4])) != (sg, lm, om):
                continue
            b = c[1]
            ones = np.ones(alphas.size, bool)
            curve_panel(ax, alphas, z[f"eg_rs_{i}"], ones, converged=z[f"rs_converged_{i}"], style="-",
                        color=colors[b], label=f"b={b} RS")
            if np.any(z[f"rsb_status_{i}"] >= 0):
                curve_panel(ax, alphas, z[f"eg_1rsb_{i}"], ones, converged=z[f"rsb_converged_{i}"], style="--",
                            color=colors[b], label=f"b={b} 1RSB")
            ax.plot(alphas, z[f"eg_ptq_{i}"], ":", color=colors[b], lw=0.9, label=f"b={b} PTQ")
            if i == min(j for j, cc in enumerate(curves) if (cc[2], cc[3], str(cc[4])) == (sg, lm, om)):
                ax.plot(alphas, z[f"eg_ridge_{i}"], color="k", ls=(0, (1, 1)), lw=1.4, label="ridge")
        ax.axvline(1.0, color=RSB_COLOR, lw=0.6)
        ax.set_yscale("log")
        ax.set_xlabel(r"$\alpha = M/N$")
        ax.set_ylabel(r"$E_g$")
        v = [verdict.get((sg, lm, om, b)) for b in bits]
        peaks = ", ".join(f"b={b}: {_peak_text(r)}" for b, r in zip(bits, v) if r is not None)
        omega_txt = "per-alpha RS-optimal omega" if om == "opt" else f"omega = {om}"
        finish_panel(ax, f"sigma={sg:g}, lam={lm:g}, {omega_txt}; RS/1RSB peak alpha ('?': undetermined, "
                         f"'-': not computed): {peaks}", fontsize=5)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    return save_figure(fig, png_path)


def _peak_text(r) -> str:
    def one(th):
        a = r.get(f"peak_alpha_{th}")
        v = r.get(f"verdict_{th}", "")
        if v == "not computed":
            return "-"
        if a is None and v in ("no peak", "no ridge peak"):
            return "none"
        return "?" if a is None or v == "undetermined" else f"{a:.2f}"
    return f"{one('rs')}/{one('1rsb')}"
