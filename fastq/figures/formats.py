"""Figures of the weight formats (THEORY section 15): compute -> data -> PNG.

* ``formats_4bit`` / ``formats_8bit`` (:func:`make`) -- for two settings (alpha, sigma, lam) =
  (1.5, 0.1, 0.1) and (3, 0.01, 0.01) at edge width 0.05: Eg and AT against the scale for every
  4-bit (8-bit) format, the best scale per format, the ranking at equal bits per weight (MXFP4
  and NVFP4 carry their block-scale overhead) and, for 4 bits, the optimal 16-level set beside
  them (:func:`fastq.optimal_levels` at the same edge width, symmetric, 2 random starts besides
  Lloyd-Max and uniform).
"""
from __future__ import annotations

import functools
from pathlib import Path

from .. import store
from ..plotting.formats import plot_formats
from ..studies.format_compare import FORMATS_4BIT, FORMATS_8BIT, format_study
from ..studies.levels_opt import optimal_levels
from . import figure_meta

SETTINGS = ((1.5, 0.1, 0.1), (3.0, 0.01, 0.01))
EDGE_WIDTH = 0.05


def make(out_dir, *, bits=4, quick=False, n_jobs=1, progress=False):
    """One figure for ``bits`` (4 or 8); quick: 12 scales, a short optimizer scan, no optimal set."""
    out_dir = Path(out_dir)
    formats = FORMATS_4BIT if bits == 4 else FORMATS_8BIT
    name = f"formats_{bits}bit"
    kw = dict(omega=[0.3 * 1.5**k for k in range(12)], n_scan=12) if quick else {}
    studies, optimal, paths = [], [], []
    for k, (a, s, lam) in enumerate(SETTINGS):
        st = format_study(formats, alpha=a, sigma=s, lam=lam, edge_width=EDGE_WIDTH, n_jobs=n_jobs, **kw)
        studies.append(st)
        paths += st.save(out_dir, stem=f"{name}_setting{k + 1}")
        opt = None
        if bits == 4 and not quick:
            opt = optimal_levels(16, alpha=a, sigma=s, lam=lam, edge_width=EDGE_WIDTH, n_random=2)
            paths.append(store.write_json(out_dir / f"{name}_setting{k + 1}_optimal_levels.json",
                                          {**figure_meta(name, {"alpha": a, "sigma": s, "lam": lam}),
                                           "result": opt.to_dict()}))
        optimal.append(opt)
    meta = figure_meta(name, {"settings": SETTINGS, "edge_width": EDGE_WIDTH, "formats": formats, "quick": quick})
    paths.append(store.write_json(out_dir / f"{name}.json", meta))
    paths.append(plot_formats(studies, out_dir / f"{name}.png", optimal=optimal))
    return paths


FIGURES = {"formats_4bit": functools.partial(make, bits=4), "formats_8bit": functools.partial(make, bits=8)}
