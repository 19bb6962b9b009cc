"""Phase diagrams: RS/RSB cells over (b, omega), the kappa map, the sub-grid boundary."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ._canvas import FAIL_COLOR, RS_COLOR, RSB_COLOR, new_figure, save_figure


def _edges(c):
    c = np.asarray(c, dtype=float)
    if c.size == 1:
        return np.array([c[0] - 0.5, c[0] + 0.5])
    mid = 0.5 * (c[1:] + c[:-1])
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])


def phase_panel(ax, result, boundary=(), *, title=None, y="bits"):
    """RS (blue) / RSB (orange) / not converged (grey) cells over omega (x) and b or n_p (y);
    boundary points of :func:`fastq.phase.rs_boundary` in black; coexisting points as 'x'.
    """
    from matplotlib.colors import ListedColormap

    n_p = np.asarray(result["n_p"])
    yc = np.log2(n_p + 2.0) if y == "bits" else n_p
    om = np.asarray(result["omega"])
    cat = np.where(result["converged"], np.where(result["rs"], 0, 1), 2)
    cmap = ListedColormap([RS_COLOR, RSB_COLOR, FAIL_COLOR])
    ax.pcolormesh(_edges(om), _edges(yc), cat, cmap=cmap, vmin=-0.5, vmax=2.5, shading="flat")
    if len(boundary):
        by = [b["bits"] if y == "bits" else b["n_p"] for b in boundary]
        ax.plot([b["omega"] for b in boundary], by, "k.", ms=3, label="at = 1 (sub-grid)")
    co = np.argwhere(result["coexist"])
    if len(co):
        ax.plot(om[co[:, 1]], yc[co[:, 0]], "kx", ms=3, label="coexisting fixed points")
    ax.set_xlabel(r"$\omega$")
    ax.set_ylabel("b (bits)" if y == "bits" else r"$n_p$")
    from matplotlib.patches import Patch

    handles = [Patch(color=RS_COLOR, label="RS (at < 1)"), Patch(color=RSB_COLOR, label="RSB (at ≥ 1)")]
    if np.any(cat == 2):
        handles.append(Patch(color=FAIL_COLOR, label="not converged"))
    h2, _ = ax.get_legend_handles_labels()
    ax.legend(handles=handles + h2, loc="upper right", fontsize=7, framealpha=0.8)
    if title:
        ax.set_title(title, fontsize=9)


def kappa_panel(ax, result, levels=(0.02, 0.05, 0.1, 0.2, 0.5), *, title=None, highlight=None):
    """log10(kappa) of the hard-quantizer solution with contours ``kappa = eps`` for ``levels``."""
    from matplotlib.colors import LogNorm

    n_p = np.asarray(result["n_p"])
    yc = np.log2(n_p + 2.0)
    om = np.asarray(result["omega"])
    k = np.where(result["converged"], result["kappa"], np.nan)
    kk = np.clip(k, 1e-6, None)
    mesh = ax.pcolormesh(_edges(om), _edges(yc), kk, norm=LogNorm(vmin=1e-4, vmax=10), cmap="viridis",
                         shading="flat")
    ax.figure.colorbar(mesh, ax=ax, label=r"$\kappa$ (hard quantizer)")
    if len(om) > 1 and len(yc) > 1:
        cs = ax.contour(om, yc, kk, levels=sorted(levels), colors="w", linewidths=0.7)
        ax.clabel(cs, fmt=lambda v: f"ε={v:g}", fontsize=6)
        if highlight is not None:
            ax.contour(om, yc, kk, levels=[highlight], colors="r", linewidths=1.4)
    ax.set_xlabel(r"$\omega$")
    ax.set_ylabel("b (bits)")
    if title:
        ax.set_title(title, fontsize=9)


def plot_diagram(diag, out, stem) -> list[Path]:
    """Draw a :class:`fastq.PhaseDiagramResult` (diagram and kappa map) to ``<out>/<stem>.png``."""
    fx = diag.result.fixed
    title = (f"{diag.result.scheme}, α={fx['alpha']:g}, σ={fx['sigma']:g}, λ={fx['lam']:g}, "
             f"ε={fx['edge_width']:g}: RS fraction {diag.rs_fraction:.2f}")
    ncols = 2 if diag.kappa is not None else 1
    fig, ax = new_figure(1, ncols, size=(5.2, 4.2))
    phase_panel(ax[0, 0], diag.result, diag.boundary, title=title)
    if diag.kappa is not None:
        kappa_panel(ax[0, 1], diag.kappa, highlight=fx["edge_width"],
                    title=r"kappa map (red: $\kappa$ = ε; white: other ε)")
    return [save_figure(fig, Path(out) / f"{stem}.png")]
