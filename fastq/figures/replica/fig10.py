"""Fig. 10: Eg vs the number of bits, uniform (a) and log (b), ridge as reference.

Settings (not in the paper): sigma = 0.1, lam = 0.01, alpha = 1.5, omega in {2, 4, 6},
b = 2..9 (log: n_p = 2^b - 2 <= 510), rho = 1, default edge width.  Expected: uniform approaches
ridge as b grows once omega covers the teacher's weights (omega = 4, 6); log does not, because
its outermost step stays omega / 2 for every b.
"""
from __future__ import annotations

from pathlib import Path

from ... import store
from ...defaults import DEFAULT_EDGE_WIDTH
from ...plotting.replica import draw_fig10
from ...studies import curves
from .. import figure_meta

SETTINGS = {"sigma": 0.1, "lam": 0.01, "alpha": 1.5, "omegas": [2.0, 4.0, 6.0], "bits": list(range(2, 10)),
            "rho": 1.0, "edge_width": DEFAULT_EDGE_WIDTH, "note": "settings not given in the paper; chosen by fastq"}


def make(out_dir, *, quick=False, n_jobs=1, progress=False) -> list[Path]:
    """Compute, save and draw this figure into ``out_dir``; returns the written paths (see module doc)."""
    out = Path(out_dir)
    st = dict(SETTINGS)
    if quick:
        st["bits"] = list(range(2, 7))
    panels = []
    files = []
    gap = {}
    for k, scheme in enumerate(("uniform", "log")):
        lines = []
        ridge_eg = None
        for omega in st["omegas"]:
            cs = curves("bits", schemes=(scheme,), bits=st["bits"], omega=omega, alpha=st["alpha"],
                        sigma=st["sigma"], lam=st["lam"], edge_width=st["edge_width"], n_jobs=n_jobs,
                        progress=progress)
            files += cs.save(out / f"fig10{'ab'[k]}_omega{omega:g}")
            r = cs.results[scheme]
            lines.append((f"ω={omega:g}", cs.x, r["eg"], r["rs"], r["converged"]))
            ridge_eg = float(cs.ridge_eg[0])
            gap[f"{scheme} omega={omega:g}"] = [float(e / ridge_eg - 1.0) for e in r["eg"]]
        panels.append((lines, ridge_eg, f"({'ab'[k]}) {scheme}, σ={st['sigma']:g}, λ={st['lam']:g}, "
                                         f"α={st['alpha']:g}"))
    files.append(store.write_json(out / "fig10.json", figure_meta(
        "fig10", st, relative_gap_to_ridge=gap, bits=st["bits"])))
    files.append(draw_fig10(panels, out / "fig10.png"))
    return files
