"""Eg curves against omega, alpha or bits, with ridge; RSB and non-converged points marked."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ._canvas import new_figure, save_figure

#: colour of the marks of points whose solve did not converge
FAIL_MARK = "0.45"


def _spread(idx, max_marks):
    """At most about ``max_marks`` of the sorted indices ``idx``, evenly spread, keeping the first
    index of every contiguous run (so no run of marked points disappears).
    """
    if len(idx) <= max_marks:
        return idx
    starts = idx[np.r_[True, np.diff(idx) > 1]]
    step = int(np.ceil(len(idx) / max_marks))
    return np.union1d(idx[::step], starts)


def curve_panel(ax, x, y, rs, *, converged=None, label=None, style="-", color=None, mark_rsb=True,
                max_marks=25):
    """One Eg curve with its phases marked.

    The line is drawn through converged points only.  RSB points (converged, ``at >= 1``) are
    open circles; points whose solve did not converge are grey crosses at their last iterate (a
    category of their own, never drawn as RSB).  With many marks, at most about ``max_marks``
    per category are drawn, evenly spread but keeping every contiguous run visible.
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    rs = np.asarray(rs, bool)
    conv = np.ones_like(rs) if converged is None else np.asarray(converged, bool)
    (line,) = ax.plot(x, np.where(conv, y, np.nan), style, color=color, label=label, lw=1.3)
    if not mark_rsb:
        return line
    rsb = np.flatnonzero(conv & ~rs)
    if rsb.size:
        idx = _spread(rsb, max_marks)
        ax.plot(x[idx], y[idx], "o", mfc="none", mec=line.get_color(), ms=3.5, mew=0.8)
        _marks(ax).add("rsb")
    bad = np.flatnonzero(~conv & np.isfinite(y))
    if bad.size:
        idx = _spread(bad, max_marks)
        ax.plot(x[idx], y[idx], "x", color=FAIL_MARK, ms=4, mew=0.9)
        _marks(ax).add("failed")
    if label is not None:
        _drawn(ax).append((label, np.where(conv, y, np.nan)))
    return line


def _marks(ax) -> set:
    if not hasattr(ax, "_fastq_marks"):
        ax._fastq_marks = set()
    return ax._fastq_marks


def _drawn(ax) -> list:
    if not hasattr(ax, "_fastq_curves"):
        ax._fastq_curves = []
    return ax._fastq_curves


def coinciding(ax, rtol: float = 1e-2) -> list[tuple[str, str]]:
    """Pairs of labelled curves on ``ax`` that lie on top of each other (largest relative gap
    below ``rtol`` over the points both have; 1% is below what a line width resolves at these
    figure sizes): one hides the other, so the caption must say it.
    """
    curves = _drawn(ax)
    pairs = []
    for i in range(len(curves)):
        for j in range(i + 1, len(curves)):
            (la, ya), (lb, yb) = curves[i], curves[j]
            if ya.shape != yb.shape:
                continue
            both = np.isfinite(ya) & np.isfinite(yb)
            if both.sum() >= 2:
                gap = np.abs(ya[both] - yb[both]) / np.maximum(np.abs(ya[both]), 1e-300)
                if float(gap.max()) < rtol:
                    pairs.append((la, lb))
    return pairs


def finish_panel(ax, title: str = "", *, fontsize: int = 7, title_size: int = 8) -> None:
    """The legend with an entry for every kind of mark drawn (open circle = RSB, grey cross =
    not converged), and the title, which names any curves that coincide (see :func:`coinciding`).
    """
    from matplotlib.lines import Line2D

    handles, labels = ax.get_legend_handles_labels()
    if "rsb" in _marks(ax):
        handles.append(Line2D([], [], ls="none", marker="o", mfc="none", mec="0.2", ms=4))
        labels.append("RSB point (at ≥ 1)")
    if "failed" in _marks(ax):
        handles.append(Line2D([], [], ls="none", marker="x", color=FAIL_MARK, ms=4))
        labels.append("not converged")
    if handles:
        ax.legend(handles, labels, fontsize=fontsize)
    same = coinciding(ax)
    if same:
        note = "; ".join(f"{a} and {b} coincide" for a, b in same)
        title = f"{title}\n({note})" if title else f"({note})"
    if title:
        ax.set_title(title, fontsize=title_size)


def plot_curves(ax, cs, *, styles=None, ridge_label="ridge"):
    """Draw every curve of a :class:`fastq.CurvesResult` on ``ax``: uniform solid, log dashed,
    one colour per number of bits; RSB points as open circles, non-converged points as grey
    crosses; ridge dotted.
    """
    styles = styles or {"uniform": "-", "log": "--"}
    colors = {}
    for scheme, r in cs.results.items():
        if cs.vary == "bits":
            curve_panel(ax, cs.x, r["eg"], r["rs"], converged=r["converged"], label=scheme,
                        style=styles.get(scheme, "-") + ".")
            continue
        for i, n_p in enumerate(r["n_p"]):
            b = np.log2(n_p + 2.0)
            key = round(float(b), 6)
            line = curve_panel(ax, cs.x, r["eg"][i], r["rs"][i], converged=r["converged"][i],
                               style=styles.get(scheme, "-"),
                               color=colors.get(key),
                               label=f"b={b:g}" if key not in colors else None)
            colors[key] = line.get_color()
    if np.any(cs.ridge_finite):
        ax.plot(cs.x, np.where(cs.ridge_finite, cs.ridge_eg, np.nan), "k:", lw=1.2, label=ridge_label)
    ax.set_ylabel(r"$E_g$")
    ax.set_xlabel({"omega": r"$\omega$", "alpha": r"$\alpha = M/N$", "bits": "b (bits)"}[cs.vary])


def draw_curves(cs, path, *, title: str = "") -> Path:
    """One panel with every curve of a :class:`fastq.CurvesResult`, its legend explaining the
    line styles and marks; written to ``path``.
    """
    fig, ax = new_figure(1, 1, size=(5.5, 4.0))
    plot_curves(ax[0, 0], cs)
    styles = "; solid uniform, dashed log" if len(cs.results) > 1 else ""
    finish_panel(ax[0, 0], f"{title}{styles}")
    return save_figure(fig, path)
