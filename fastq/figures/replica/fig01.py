"""Fig. 1: the quantizers and the 1-D loss they induce.

(a) uniform and (b) log quantizer phi(w) with omega = 8, n_p = 6, against the identity line, hard
(eps = 0) and edge-smoothed (eps = fastq's default edge width); (c, d) the loss of the smallest
problem N = M = 1, y = 0, x = 1, lam = 0, i.e. L(w) = (y - x phi(w))^2 / 2 = phi(w)^2 / 2, whose
flat pieces and jumps make the learning problem non-convex.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ... import store
from ...defaults import DEFAULT_EDGE_WIDTH
from ...plotting.replica import draw_fig01
from ...quantizers import Quantizer
from .. import figure_meta

SETTINGS = {"omega": 8.0, "n_p": 6, "edge_width": DEFAULT_EDGE_WIDTH, "w_range": [-12.0, 12.0],
            "loss": "L(w) = (y - x phi(w))^2 / 2 with N = M = 1, y = 0, x = 1, lam = 0"}


def make(out_dir, *, quick=False, n_jobs=1, progress=False) -> list[Path]:
    """Compute, save and draw this figure into ``out_dir``; returns the written paths (see module doc)."""
    out = Path(out_dir)
    w = np.linspace(-12.0, 12.0, 801 if quick else 4801)
    cols = {"w": w}
    for scheme in ("uniform", "log"):
        q = Quantizer(scheme, SETTINGS["n_p"], SETTINGS["omega"], 0.0)
        qe = q.with_edge_width(SETTINGS["edge_width"])
        cols[f"phi_{scheme}"] = q(w)
        cols[f"phi_{scheme}_eps"] = qe(w)
        cols[f"loss_{scheme}"] = 0.5 * q(w) ** 2
        cols[f"loss_{scheme}_eps"] = 0.5 * qe(w) ** 2
    names = list(cols)
    files = [store.write_csv(out / "fig01.csv", names, zip(*[cols[k] for k in names]))]
    files.append(store.write_json(out / "fig01.json", figure_meta("fig01", SETTINGS)))
    files.append(draw_fig01(cols, SETTINGS, out / "fig01.png"))
    return files
