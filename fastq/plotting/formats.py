"""Weight formats side by side: Eg and AT against the scale, and the ranking at the best scale."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ._canvas import new_figure, save_figure


def plot_formats(studies, path, *, optimal=None) -> Path:
    """Draw :class:`fastq.studies.format_compare.FormatStudyResult` objects (one column each):
    Eg against omega (top; a dot at each format's best scale), AT at the edge width (middle; the
    line at = 1 bounds the RS phase), and the best Eg per format as bars (bottom, labelled with
    bits per weight; hatched where that optimum is RSB).  ``optimal`` (one
    :class:`fastq.studies.levels_opt.OptimalLevelsResult` per study, or None) adds the Eg of the
    optimal level set of the same size as a horizontal line in the bottom panel.
    """
    n = len(studies)
    fig, axes = new_figure(3, n, size=(4.6 * n, 10.0))
    for j, st in enumerate(studies):
        ax_eg, ax_at, ax_bar = axes[0, j], axes[1, j], axes[2, j]
        for i, name in enumerate(st.formats):
            c = f"C{i % 10}"
            eg = np.where(st.converged[i], st.eg[i], np.nan)
            ax_eg.plot(st.omega, eg, color=c, label=name)
            ax_at.plot(st.omega, np.where(st.converged[i], st.at[i], np.nan), color=c)
            row = next(r for r in st.table if r["format"] == name)
            if row["omega_star"] is not None:
                ax_eg.plot([row["omega_star"]], [row["eg_star"]], "o", color=c)
        ax_at.axhline(1.0, color="k", lw=0.8)
        for ax in (ax_eg, ax_at):
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("scale omega (largest |level|)")
        ax_eg.set_ylabel("RS Eg")
        ax_at.set_ylabel(f"AT at eps = {st.edge_width:g}")
        ax_eg.set_title(f"alpha={st.alpha:g}, sigma={st.sigma:g}, lam={st.lam:g}", fontsize=9)
        ax_eg.legend(fontsize=7)
        rank = st.ranking()
        x = np.arange(len(rank))
        vals = [np.nan if r["eg_star"] is None else r["eg_star"] for r in rank]
        bars = ax_bar.bar(x, vals, color=[f"C{st.formats.index(r['format']) % 10}" for r in rank])
        for b, r in zip(bars, rank):
            if not r["stable"]:
                b.set_hatch("//")
        ax_bar.set_xticks(x, [f"{r['format']}\n{r['bits_per_weight']:g} b/w" for r in rank], fontsize=7,
                          rotation=60)
        ax_bar.set_yscale("log")
        ax_bar.set_ylabel("Eg at the best scale (hatched: RSB)")
        if optimal is not None and optimal[j] is not None:
            ax_bar.axhline(optimal[j].eg, color="k", ls="--", lw=1,
                           label=f"optimal {optimal[j].n_levels}-level set")
            ax_bar.legend(fontsize=7)
    return save_figure(fig, path, dpi=110)
