"""RS/RSB maps of the paper's Fig. 2 panels under several resolution conventions (one row per
convention setting, one column per panel), object-oriented on the Agg canvas.
"""
from __future__ import annotations

import numpy as np

from ._canvas import FAIL_COLOR, RS_COLOR, RSB_COLOR, new_figure, save_figure


def plot_conventions(rows: list, path) -> object:
    """``rows``: list of ``(label, panels)`` with ``panels[(scheme, lam)] = (n_p, omega, rs, ok)``
    (``ok``: converged).  Draws each panel as an image over (omega, b) and writes ``path``.
    """
    from matplotlib.colors import ListedColormap

    keys = list(rows[0][1])
    fig, axes = new_figure(len(rows), len(keys), size=(3.0, 2.3))
    cmap = ListedColormap([FAIL_COLOR, RSB_COLOR, RS_COLOR])
    for i, (label, panels) in enumerate(rows):
        for j, key in enumerate(keys):
            n_p, omega, rs, ok = panels[key]
            ax = axes[i, j]
            code = np.where(ok, np.where(rs, 2, 1), 0)
            bits = np.log2(np.asarray(n_p) + 2.0)
            ax.pcolormesh(omega, bits, code, cmap=cmap, vmin=0, vmax=2, shading="nearest")
            ax.set_title(f"{label}: {key[0]}, λ={key[1]:g}  (RS {np.mean(rs):.2f})", fontsize=7)
            if i == len(rows) - 1:
                ax.set_xlabel("ω")
            if j == 0:
                ax.set_ylabel("b")
            ax.tick_params(labelsize=6)
    fig.suptitle("RS (blue) / RSB (orange) under each resolution convention; σ=0.01, α=1.5", fontsize=9)
    return save_figure(fig, path)
