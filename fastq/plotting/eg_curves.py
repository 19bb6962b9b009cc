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
    bad = np.flatnonzero(~conv & np.isfinite(y))
    if bad.size:
        idx = _spread(bad, max_marks)
        ax.plot(x[idx], y[idx], "x", color=FAIL_MARK, ms=4, mew=0.9)
    return line


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
    ax[0, 0].legend(fontsize=7)
    styles = "solid uniform, dashed log; " if len(cs.results) > 1 else ""
    ax[0, 0].set_title(f"{title}; {styles}o RSB, x not converged", fontsize=8)
    return save_figure(fig, path)
