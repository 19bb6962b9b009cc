"""Fig. 2: RS/RSB phase diagrams on the (b, omega) plane.

sigma = 0.01, alpha = 1.5, rho = 1; (a) uniform lam = 0, (b) uniform lam = 1, (c) log lam = 0,
(d) log lam = 1, judged at fastq's default edge width (the paper does not state its resolution of
the hard quantizer's AT condition; see docs/default_edge_width.md).  Grid: n_p = 1..62
(b = 1.58..6) x 200 omega in [0.05, 10] (quick: n_p = 1..14 x 40 omega in [0.1, 8]).
A second PNG (``fig02_kappa.png``) shows the kappa maps of the same four settings, with the
contours kappa = eps for several edge widths (the whole family of diagrams at once).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ... import store
from ...defaults import DEFAULT_EDGE_WIDTH
from ...plotting.replica import draw_fig02
from ...studies import phase_diagram
from .. import figure_meta

PANELS = (("a", "uniform", 0.0), ("b", "uniform", 1.0), ("c", "log", 0.0), ("d", "log", 1.0))


def settings(quick: bool) -> dict:
    """The figure's settings (coarser grids when ``quick``)."""
    return {"sigma": 0.01, "alpha": 1.5, "rho": 1.0, "edge_width": DEFAULT_EDGE_WIDTH,
            "n_p": [1, 14] if quick else [1, 62],
            "omega": [0.1, 8.0, 40] if quick else [0.05, 10.0, 200],
            "panels": [{"panel": p, "scheme": s, "lam": lam} for p, s, lam in PANELS]}


def make(out_dir, *, quick=False, n_jobs=1, progress=False) -> list[Path]:
    """Compute, save and draw this figure into ``out_dir``; returns the written paths (see module doc)."""
    out = Path(out_dir)
    st = settings(quick)
    n_p = list(range(st["n_p"][0], st["n_p"][1] + 1))
    omega = np.linspace(*st["omega"][:2], st["omega"][2])
    files = []
    summary = {}
    diagrams = []
    for letter, scheme, lam in PANELS:
        d = phase_diagram(scheme, n_p=n_p, omega=omega, alpha=st["alpha"], sigma=st["sigma"], lam=lam,
                          rho=st["rho"], edge_width=st["edge_width"], n_jobs=n_jobs, progress=progress)
        files += d.save(out, f"fig02{letter}")
        diagrams.append((letter, scheme, lam, d))
        summary[letter] = {"scheme": scheme, "lam": lam, "rs_fraction": d.rs_fraction,
                           "kappa_rs_fraction": d.kappa_rs_fraction(st["edge_width"]),
                           "n_not_converged": int((~d.result["converged"]).sum()),
                           "n_coexist": int(d.result["coexist"].sum())}
    files.append(store.write_json(out / "fig02.json", figure_meta("fig02", st, summary=summary)))
    files += draw_fig02(diagrams, st["edge_width"], out / "fig02.png", out / "fig02_kappa.png")
    return files
