"""The bit-budget frontier: optimal Eg against the number of bits, per scheme, with ridge."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ._canvas import new_figure, save_figure


def plot_frontier(budget, path) -> Path:
    """Draw the frontier of a :class:`fastq.studies.budget.BitBudgetResult` to ``path`` (PNG).

    Per scheme: the optimum Eg (solid; filled markers where that optimum is RS stable, open where
    it is RSB) and the best stable Eg (dashed), with ridge (or the target) as a horizontal line.
    """
    fig, axes = new_figure(1, 1, size=(5.5, 4.0))
    ax = axes[0, 0]
    colors = {"uniform": "C0", "log": "C3"}
    b = np.asarray(budget.bits, dtype=float)
    for s in budget.schemes:
        eg = budget.frontier(s)
        eg_s = budget.frontier(s, stable=True)
        st = np.array([o.stable for o in budget.optima[s]])
        c = colors.get(s, None)
        ax.plot(b, eg, "-", color=c, label=f"{s}: optimal omega")
        ax.plot(b[st], eg[st], "o", color=c)
        ax.plot(b[~st], eg[~st], "o", mfc="white", color=c)
        if np.isfinite(eg_s).any():
            ax.plot(b, eg_s, "--", color=c, label=f"{s}: best RS-stable omega")
    if budget.ridge_eg is not None:
        ax.axhline(budget.ridge_eg, color="k", lw=1, label="ridge")
    if budget.target_eg is not None:
        ax.axhline(budget.target_eg, color="0.5", lw=1, ls=":", label="target")
    ax.set_yscale("log")
    ax.set_xlabel("bits b")
    ax.set_ylabel("Eg")
    ax.set_title(f"alpha={budget.alpha:g}, sigma={budget.sigma:g}, lam={budget.lam:g}, "
                 f"eps={budget.edge_width:g}\n(open markers: optimum is RSB)", fontsize=9)
    ax.legend(fontsize=8)
    return save_figure(fig, path, dpi=120)
