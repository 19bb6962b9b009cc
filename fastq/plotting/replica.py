"""Drawing of the ten figures of Kashiwamura, Sakata & Imaizumi (2024) from computed data.

The figure makers in :mod:`fastq.figures.replica` compute and save the data, then call these.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.lines import Line2D

from ._canvas import new_figure, save_figure
from .eg_curves import curve_panel, finish_panel, plot_curves
from .phase import kappa_panel, phase_panel


def draw_fig01(cols, settings, path) -> Path:
    """Fig. 1: (a, b) phi(w) hard and smoothed against the identity; (c, d) the 1-D loss."""
    fig, ax = new_figure(2, 2, size=(4.2, 3.4))
    w = cols["w"]
    for c, scheme in enumerate(("uniform", "log")):
        a = ax[0, c]
        a.plot(w, w, ":", color="0.5", label="identity")
        a.plot(w, cols[f"phi_{scheme}"], "-", label=r"$\phi(w)$ (hard)")
        a.plot(w, cols[f"phi_{scheme}_eps"], "--", lw=0.9, label=rf"$\phi_\epsilon$, ε={settings['edge_width']:g}")
        a.set_ylim(-10, 10)
        a.set_title(f"({'ab'[c]}) {scheme}, ω=8, $n_p$=6", fontsize=9)
        a.set_xlabel("w")
        a.legend(fontsize=7)
        b = ax[1, c]
        b.plot(w, cols[f"loss_{scheme}"], "-", label="hard")
        b.plot(w, cols[f"loss_{scheme}_eps"], "--", lw=0.9, label="smoothed")
        b.set_title(f"({'cd'[c]}) loss $\\phi(w)^2/2$ (N=M=1, y=0, x=1, λ=0), {scheme}", fontsize=9)
        b.set_xlabel("w")
        b.legend(fontsize=7)
    return save_figure(fig, path)


def draw_fig02(diagrams, eps, path, kappa_path) -> list[Path]:
    """Fig. 2: the four RS/RSB diagrams (and their kappa maps in a second PNG).

    ``diagrams``: ``[(letter, scheme, lam, PhaseDiagramResult)]`` in panel order.
    """
    fig, ax = new_figure(2, 2, size=(5.0, 4.0))
    figk, axk = new_figure(2, 2, size=(5.4, 4.0))
    for k, (letter, scheme, lam, d) in enumerate(diagrams):
        phase_panel(ax[k // 2, k % 2], d.result, d.boundary,
                    title=f"({letter}) {scheme}, λ={lam:g}, ε={eps:g}: RS fraction {d.rs_fraction:.2f}")
        kappa_panel(axk[k // 2, k % 2], d.kappa, highlight=eps,
                    title=f"({letter}) {scheme}, λ={lam:g}: κ map (red: κ = {eps:g})")
    return [save_figure(fig, path), save_figure(figk, kappa_path)]


def draw_fig03(x, dens, rows, settings, path) -> Path:
    """Fig. 3: the density of the denoiser's input with the mass of each level shaded.

    ``rows``: ``[n_p, level, lower, upper, mass]`` per level (the figure's CSV rows).
    """
    fig, ax = new_figure(1, 2, size=(4.6, 3.4))
    for c, n_p in enumerate(settings["n_p"]):
        a = ax[0, c]
        a.plot(x, dens, "k-", lw=1)
        mine = [r for r in rows if r[0] == n_p]
        for _, level, lo, hi, mass in mine:
            sel = (x >= lo) & (x <= hi)
            if np.any(sel):
                a.fill_between(x[sel], 0, dens[sel], alpha=0.45, label=f"→ {level:.3g}: mass {mass:.3f}")
        for _, _, lo, _, _ in mine[1:]:
            if abs(lo) < 6:
                a.axvline(lo, color="k", ls=":", lw=0.8)
        a.set_title(f"({'ab'[c]}) uniform, ω={settings['omega']:g}, $n_p$={n_p}, "
                    f"h/Θ={settings['h_over_theta']:g}", fontsize=9)
        a.set_xlabel(r"$x/\Theta = (h/\Theta) z$")
        a.set_ylabel("density")
        a.legend(fontsize=7, loc="upper right")
    return save_figure(fig, path)


def draw_curve_panels(panels, path) -> Path:
    """Figs. 4, 5, 7, 8, 9: one panel of Eg curves per ``(CurvesResult, title, styles, ridge_label)``
    (log scale; RSB and non-converged points marked by :func:`fastq.plotting.eg_curves.plot_curves`).
    """
    fig, ax = new_figure(1, len(panels), size=(4.6, 3.8))
    for k, (cs, title, styles, ridge_label) in enumerate(panels):
        a = ax[0, k]
        plot_curves(a, cs, styles=styles, ridge_label=ridge_label)
        a.set_yscale("log")
        finish_panel(a, title)
    return save_figure(fig, path)


def draw_fig10(panels, path) -> Path:
    """Fig. 10: Eg against bits, one panel per ``(lines, ridge_eg, title)`` with
    ``lines = [(label, bits, eg, rs, converged)]``.
    """
    fig, ax = new_figure(1, len(panels), size=(4.6, 3.8))
    for k, (lines, ridge_eg, title) in enumerate(panels):
        a = ax[0, k]
        for label, x, eg, rs, conv in lines:
            curve_panel(a, x, eg, rs, converged=conv, label=label, style="-.")
        a.axhline(ridge_eg, color="k", ls=":", label="ridge")
        a.set_yscale("log")
        a.set_xlabel("b (bits)")
        a.set_ylabel(r"$E_g$")
        finish_panel(a, title)
    return save_figure(fig, path)


def draw_fig06(path, s, qa, qb, idx, rs_pts, summ, omega_line, rs_line, quick) -> Path:
    """Fig. 6: replica line against AMP points (mean +- s.e.), vs bits (a) and vs omega (b)."""
    fig, ax = new_figure(1, 2, size=(5.0, 4.4))
    axa, axb = ax[0, 0], ax[0, 1]

    def amp_points(ax, xs, qs):
        # converged runs: mean +- s.e. (filled at RS points, open at RSB points); where no run
        # converged, the last iterates' mean is a grey cross -- never drawn as a result
        for x, q in zip(xs, qs):
            j = idx[q]
            sm = summ[j]
            rs = rs_pts[j].rs
            if sm["eg_mean"] is not None:
                ax.errorbar([x], [sm["eg_mean"]], yerr=[sm["eg_sem"] or 0.0], fmt="o", ms=6, capsize=3,
                            color="C3", mfc="C3" if rs else "white", mew=1.5, zorder=3)
            elif sm["eg_mean_max_iter"] is not None:
                ax.plot([x], [sm["eg_mean_max_iter"]], "x", color="0.45", ms=7, mew=1.5, zorder=3)

    # (a) vs bits: replica values at the integer b, joined; RSB part dashed
    b = np.array(s["bits_a"], dtype=float)
    eg_a = np.array([rs_pts[idx[q]].eg for q in qa])
    rs_a = np.array([rs_pts[idx[q]].rs for q in qa])
    for k in range(len(b) - 1):
        ls = "-" if (rs_a[k] and rs_a[k + 1]) else ":"
        axa.plot(b[k:k + 2], eg_a[k:k + 2], ls, color="C0", lw=1.5)
    axa.plot(b, eg_a, "s", color="C0", ms=3)
    amp_points(axa, b, qa)
    axa.set_xlabel("bits b")
    axa.set_ylabel("generalization error Eg")
    axa.set_yscale("log")
    axa.set_title(f"(a) omega = {s['omega_a']:g}")

    # (b) vs omega: fine replica line, RSB segments dotted
    eg_l = np.array([r.eg for r in rs_line])
    rs_l = np.array([r.rs for r in rs_line])
    axb.plot(np.where(rs_l, omega_line, np.nan), np.where(rs_l, eg_l, np.nan), "-", color="C0", lw=1.5)
    axb.plot(np.where(~rs_l, omega_line, np.nan), np.where(~rs_l, eg_l, np.nan), ":", color="C0", lw=1.5)
    amp_points(axb, s["omega_b"], qb)
    axb.set_xlabel("omega")
    axb.set_ylabel("generalization error Eg")
    axb.set_yscale("log")
    axb.set_title(f"(b) b = {s['bits_b']} (n_p = {qb[0].n_p})")

    handles = [Line2D([], [], color="C0", lw=1.5, label="replica, RS (at < 1)"),
               Line2D([], [], color="C0", lw=1.5, ls=":", label="replica, RSB (at >= 1)"),
               Line2D([], [], color="C3", marker="o", ls="", label="AMP mean +- s.e., RS point"),
               Line2D([], [], color="C3", marker="o", mfc="white", ls="", label="AMP, RSB point"),
               Line2D([], [], color="0.45", marker="x", ls="", label="AMP: no run converged (last iterate)")]
    axb.legend(handles=handles, fontsize=8, loc="upper right")
    scale = "QUICK smoke-test scale, " if quick else ""
    fig.suptitle(f"Fig. 6: replica vs AMP ({scale}N = {s['n']}, {s['runs']} runs per point)\n"
                 f"{s['scheme']} quantizer, edge width eps = {s['edge_width']:g}, alpha = {s['alpha']:g}, "
                 f"sigma = {s['sigma']:g}, lam = {s['lam']:g}, rho = {s['rho']:g}; AMP "
                 f"{s['variance']}-variance, <= {s['max_iter']} iterations, tol = {s['tol']:g}",
                 fontsize=9)
    return save_figure(fig, path, dpi=130)
