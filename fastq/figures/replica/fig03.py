"""Fig. 3: how the Gaussian input of the scalar denoiser falls on the levels.

The denoiser sees x / Theta = (h / Theta) z with z ~ N(0, 1); with h / Theta = 1 its density is the
standard normal.  Uniform quantizer, omega = 10: (a) n_p = 2 (levels -10, 0, 10: 0 is a level, the
thresholds +-5 sit in the far tails, almost all mass falls on 0), (b) n_p = 3 (a threshold at 0:
the mass splits between -10/3 and +10/3, and the threshold carries the peak density, which is
what makes odd n_p unstable).  Each level's mass is shaded and written to the CSV.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.special import ndtr

from ... import store
from ...plotting.replica import draw_fig03
from ...quantizers import Quantizer
from .. import figure_meta

SETTINGS = {"scheme": "uniform", "omega": 10.0, "n_p": [2, 3], "h_over_theta": 1.0}


def make(out_dir, *, quick=False, n_jobs=1, progress=False) -> list[Path]:
    """Compute, save and draw this figure into ``out_dir``; returns the written paths (see module doc)."""
    out = Path(out_dir)
    s = SETTINGS["h_over_theta"]
    rows = []
    x = np.linspace(-6, 6, 601 if quick else 2401)
    dens = np.exp(-0.5 * (x / s) ** 2) / (s * np.sqrt(2 * np.pi))
    for n_p in SETTINGS["n_p"]:
        q = Quantizer("uniform", n_p, SETTINGS["omega"])
        edges = np.concatenate([[-np.inf], q.thresholds, [np.inf]])
        for k, level in enumerate(q.levels):
            lo, hi = edges[k], edges[k + 1]
            rows.append([n_p, float(level), float(lo), float(hi), float(ndtr(hi / s) - ndtr(lo / s))])
    files = [store.write_csv(out / "fig03.csv", ["n_p", "level", "lower", "upper", "mass"], rows)]
    files.append(store.write_json(out / "fig03.json", figure_meta("fig03", SETTINGS)))
    files.append(draw_fig03(x, dens, rows, SETTINGS, out / "fig03.png"))
    return files
