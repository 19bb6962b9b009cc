"""Matplotlib figures from fastq results (Agg canvas, no pyplot state).

Figures are built as :class:`matplotlib.figure.Figure` objects attached to an Agg canvas, never
through ``pyplot``: nothing is registered globally, nothing leaks between calls, and the code works
on headless machines whatever the user's ``MPLBACKEND`` is.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

RS_COLOR = "#9ecae1"
RSB_COLOR = "#de9c62"
FAIL_COLOR = "#bdbdbd"


def new_figure(nrows: int = 1, ncols: int = 1, *, size=(5.0, 4.0), **kw):
    """A Figure on an Agg canvas and its axes array (``squeeze=False``)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(size[0] * ncols, size[1] * nrows), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


def save(fig, path) -> Path:
    """Write the figure atomically (PNG, 150 dpi)."""
    import io

    from .store import atomic_write_bytes

    buf = io.BytesIO()
    fig.savefig(buf, format=Path(path).suffix.lstrip(".") or "png", dpi=150)
    return atomic_write_bytes(path, buf.getvalue())


def _edges(c):
    c = np.asarray(c, dtype=float)
    if c.size == 1:
        return np.array([c[0] - 0.5, c[0] + 0.5])
    mid = 0.5 * (c[1:] + c[:-1])
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])


def phase_panel(ax, result, boundary=(), *, title=None, y="bits"):
    """RS (blue) / RSB (orange) / not converged (grey) cells over omega (x) and b or n_p (y);
    boundary points of :func:`fastq.phase.rs_boundary` in black; coexisting points as 'x'."""
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


def curve_panel(ax, x, y, rs, *, label=None, style="-", color=None, mark_rsb=True, max_marks=25):
    """One Eg curve; RSB points (at >= 1 or not converged) drawn as open circles (at most
    ``max_marks`` of them, evenly spread, so dense curves stay readable)."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    rs = np.asarray(rs, bool)
    (line,) = ax.plot(x, y, style, color=color, label=label, lw=1.3)
    if mark_rsb and np.any(~rs):
        idx = np.flatnonzero(~rs)
        step = max(1, int(np.ceil(len(x) / max_marks)))
        idx = idx[idx % step == 0] if len(idx) > 2 else idx
        ax.plot(x[idx], y[idx], "o", mfc="none", mec=line.get_color(), ms=3.5, mew=0.8)
    return line
