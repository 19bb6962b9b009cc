"""Fig. 5: Eg vs alpha (double descent), uniform (a) and log (b), ridge dashed.

The paper does not give the settings; fastq uses sigma = 0.5, lam = 0.01, omega = 3, b = 2, 3, 4,
6, alpha in [0.05, 3] (240 values; quick: 40), rho = 1, default edge width.  The peak position of
each curve is saved in the JSON (quantization is expected to move the peak to smaller alpha).
"""
from __future__ import annotations

from ._eg_alpha import make_eg_alpha


def make(out_dir, *, quick=False, n_jobs=1, progress=False):
    """Compute, save and draw this figure into ``out_dir``; returns the written paths (see module doc)."""
    return make_eg_alpha("fig05", 0.5, 0.01, 3.0, out_dir, quick=quick, n_jobs=n_jobs, progress=progress)
