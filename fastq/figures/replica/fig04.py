"""Fig. 4: Eg vs omega for b = 2, 3, 4, 5 (uniform solid, log dashed), RSB points marked.

Panels (letter, sigma, lam, alpha): see ``PANELS`` below; rho = 1, edge width = fastq's default,
150 omega values in [0.1, 6] (quick: 30).  The optimum omega on the grid per curve is saved in the JSON.
"""
from __future__ import annotations

from ._eg_omega import make_eg_omega

PANELS = (("a", 0.01, 0.01, 1.4), ("b", 1.0, 0.01, 1.4))


def make(out_dir, *, quick=False, n_jobs=1, progress=False):
    """Compute, save and draw this figure into ``out_dir``; returns the written paths (see module doc)."""
    return make_eg_omega("fig04", PANELS, out_dir, quick=quick, n_jobs=n_jobs, progress=progress)
