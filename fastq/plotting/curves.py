"""Eg curves against omega, alpha or bits, with ridge; RSB and non-converged points marked."""
from __future__ import annotations

import numpy as np


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


def plot_curves(ax, cs, *, styles=None, ridge_label="ridge"):
    """Draw every curve of ``cs`` on ``ax`` (uniform solid, log dashed; RSB points as circles)."""
    styles = styles or {"uniform": "-", "log": "--"}
    colors = {}
    for scheme, r in cs.results.items():
        if cs.vary == "bits":
            curve_panel(ax, cs.x, r["eg"], r["rs"], label=scheme, style=styles.get(scheme, "-") + ".")
            continue
        for i, n_p in enumerate(r["n_p"]):
            b = np.log2(n_p + 2.0)
            key = round(float(b), 6)
            line = curve_panel(ax, cs.x, r["eg"][i], r["rs"][i], style=styles.get(scheme, "-"),
                               color=colors.get(key),
                               label=f"b={b:g}" if key not in colors else None)
            colors[key] = line.get_color()
    if np.any(cs.ridge_finite):
        ax.plot(cs.x, np.where(cs.ridge_finite, cs.ridge_eg, np.nan), "k:", lw=1.2, label=ridge_label)
    ax.set_ylabel(r"$E_g$")
    ax.set_xlabel({"omega": r"$\omega$", "alpha": r"$\alpha = M/N$", "bits": "b (bits)"}[cs.vary])
