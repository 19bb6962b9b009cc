"""Shared maker of Figs. 4, 7 and 8: Eg vs omega for several b, uniform solid and log dashed."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ... import store
from ...defaults import DEFAULT_EDGE_WIDTH
from ...plotting.replica import draw_curve_panels
from ...studies import curves
from .. import figure_meta

BITS = (2, 3, 4, 5)


def make_eg_omega(name, panels, out_dir, *, quick=False, n_jobs=1, progress=False) -> list[Path]:
    """``panels``: list of (letter, sigma, lam, alpha)."""
    out = Path(out_dir)
    omega = np.linspace(0.1, 6.0, 30 if quick else 150)
    st = {"bits": list(BITS), "omega": [0.1, 6.0, len(omega)], "edge_width": DEFAULT_EDGE_WIDTH,
          "rho": 1.0, "panels": [{"panel": p, "sigma": s, "lam": l, "alpha": a} for p, s, l, a in panels]}
    drawn = []
    files = []
    optimum = {}
    for letter, sigma, lam, alpha in panels:
        cs = curves("omega", schemes=("uniform", "log"), bits=BITS, omega=omega, alpha=alpha, sigma=sigma,
                    lam=lam, edge_width=DEFAULT_EDGE_WIDTH, n_jobs=n_jobs, progress=progress)
        files += cs.save(out / f"{name}{letter}")
        drawn.append((cs, f"({letter}) σ={sigma:g}, λ={lam:g}, α={alpha:g}; solid uniform, "
                           "dashed log", None, "ridge"))
        optimum[letter] = {}
        for scheme, r in cs.results.items():
            for i, n_p in enumerate(r["n_p"]):
                j = int(np.nanargmin(r["eg"][i]))
                optimum[letter][f"{scheme} b={np.log2(n_p + 2):g}"] = {
                    "omega_opt_on_grid": float(omega[j]), "eg_min": float(r["eg"][i, j]),
                    "rs_at_opt": bool(r["rs"][i, j]), "interior": 0 < j < len(omega) - 1}
    files.append(store.write_json(out / f"{name}.json", figure_meta(name, st, optimum=optimum)))
    files.append(draw_curve_panels(drawn, out / f"{name}.png"))
    return files
