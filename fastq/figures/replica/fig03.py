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
from ...quantizers import Quantizer
from .. import figure_meta

SETTINGS = {"scheme": "uniform", "omega": 10.0, "n_p": [2, 3], "h_over_theta": 1.0}


def make(out_dir, *, quick=False, n_jobs=1, progress=False) -> list[Path]:
    from ...plotting import new_figure, save_figure as save

    out = Path(out_dir)
    s = SETTINGS["h_over_theta"]
    rows = []
    fig, ax = new_figure(1, 2, size=(4.6, 3.4))
    x = np.linspace(-6, 6, 601 if quick else 2401)
    dens = np.exp(-0.5 * (x / s) ** 2) / (s * np.sqrt(2 * np.pi))
    for c, n_p in enumerate(SETTINGS["n_p"]):
        q = Quantizer("uniform", n_p, SETTINGS["omega"])
        edges = np.concatenate([[-np.inf], q.thresholds, [np.inf]])
        a = ax[0, c]
        a.plot(x, dens, "k-", lw=1)
        for k, level in enumerate(q.levels):
            lo, hi = edges[k], edges[k + 1]
            mass = float(ndtr(hi / s) - ndtr(lo / s))
            rows.append([n_p, float(level), float(lo), float(hi), mass])
            sel = (x >= lo) & (x <= hi)
            if np.any(sel):
                a.fill_between(x[sel], 0, dens[sel], alpha=0.45, label=f"→ {level:.3g}: mass {mass:.3f}")
        for t in q.thresholds:
            if abs(t) < 6:
                a.axvline(t, color="k", ls=":", lw=0.8)
        a.set_title(f"({'ab'[c]}) uniform, ω=10, $n_p$={n_p}, h/Θ=1", fontsize=9)
        a.set_xlabel(r"$x/\Theta = (h/\Theta) z$")
        a.set_ylabel("density")
        a.legend(fontsize=7, loc="upper right")
    files = [store.write_csv(out / "fig03.csv", ["n_p", "level", "lower", "upper", "mass"], rows)]
    files.append(store.write_json(out / "fig03.json", figure_meta("fig03", SETTINGS)))
    files.append(save(fig, out / "fig03.png"))
    return files
