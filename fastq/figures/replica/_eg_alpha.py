"""Shared maker of Figs. 5 and 9: Eg vs alpha (double descent), uniform (a) / log (b), ridge dashed."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ... import store
from ...defaults import DEFAULT_EDGE_WIDTH
from ...plotting.replica import draw_curve_panels
from ...studies import curves
from .. import figure_meta

BITS = (2, 3, 4, 6)


def _peak(x, y):
    y = np.asarray(y, float)
    if not np.any(np.isfinite(y)):
        return None
    j = int(np.nanargmax(y))
    return {"alpha_peak": float(x[j]), "eg_peak": float(y[j]), "interior": 0 < j < len(x) - 1}


def make_eg_alpha(name, sigma, lam, omega, out_dir, *, quick=False, n_jobs=1, progress=False) -> list[Path]:
    out = Path(out_dir)
    alpha = np.linspace(0.05, 3.0, 40 if quick else 240)
    st = {"sigma": sigma, "lam": lam, "omega": omega, "bits": list(BITS), "rho": 1.0,
          "alpha": [0.05, 3.0, len(alpha)], "edge_width": DEFAULT_EDGE_WIDTH,
          "note": "settings not given in the paper; chosen by fastq"}
    drawn = []
    files = []
    peaks = {}
    for k, scheme in enumerate(("uniform", "log")):
        cs = curves("alpha", schemes=(scheme,), bits=BITS, omega=omega, alpha=alpha, sigma=sigma, lam=lam,
                    edge_width=DEFAULT_EDGE_WIDTH, n_jobs=n_jobs, progress=progress)
        files += cs.save(out / f"{name}{'ab'[k]}")
        drawn.append((cs, f"({'ab'[k]}) {scheme}, ω={omega:g}, σ={sigma:g}, λ={lam:g}",
                           {scheme: "-"}, "ridge (no quantization)"))
        r = cs.results[scheme]
        peaks[scheme] = {f"b={np.log2(n + 2):g}": _peak(alpha, r["eg"][i]) for i, n in enumerate(r["n_p"])}
        peaks["ridge"] = _peak(alpha, np.where(cs.ridge_finite, cs.ridge_eg, np.nan))
    files.append(store.write_json(out / f"{name}.json", figure_meta(name, st, peaks=peaks)))
    files.append(draw_curve_panels(drawn, out / f"{name}.png"))
    return files
