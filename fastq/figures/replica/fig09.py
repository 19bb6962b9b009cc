"""Fig. 9: as Fig. 5 at low noise.

Settings (not in the paper): sigma = 0.1, lam = 0.01, omega = 3, b = 2, 3, 4, 6, alpha in
[0.05, 3], rho = 1, default edge width.
"""
from __future__ import annotations

from ._eg_alpha import make_eg_alpha


def make(out_dir, *, quick=False, n_jobs=1, progress=False):
    """Compute, save and draw this figure into ``out_dir``; returns the written paths (see module doc)."""
    return make_eg_alpha("fig09", 0.1, 0.01, 3.0, out_dir, quick=quick, n_jobs=n_jobs, progress=progress)
