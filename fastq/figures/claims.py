"""Figure group ``claims`` (issue 22): the paper's Eg claims under RS, 1RSB and PTQ.

``FIGURES`` maps a name to ``make_<name>(out_dir, *, quick=False, n_jobs=1, progress=False)``,
which computes through :mod:`fastq.studies.eg_claims` (checkpointed chunks: an interrupted run
resumes, and ``claims_schemes`` reuses the optima of ``claims_optimum``), writes its data (CSV/NPZ
+ JSON with every setting and the fastq version) and draws the PNG from the written files with
:mod:`fastq.plotting.claims`.  Every quantizer is the hard one (edge width 0): 1RSB is its theory.

* ``claims_optimum`` -- (ii) the optimal omega per b, uniform and log, under RS and 1RSB (b = 2-6),
  PTQ at its own best omega, and the Eg at each (alpha = 1.4, sigma = lam = 0.01).
* ``claims_schemes`` -- (iv) uniform vs log at equal bits, Eg at each scheme's optimum.
* ``claims_double_descent`` -- (iii) Eg against alpha through the interpolation peak for ridge and
  b-bit quantizers under RS and 1RSB (non-converged 1RSB points marked), PTQ, for sigma in
  {0.1, 0.5}, lam in {0, 0.01}, omega = 3 (paper-like) and the per-alpha RS-optimal omega.

Quick mode (tests, gallery): b in {2, 3}, a 12-point omega scan on [0.3, 4], and one
(sigma, lam) = (0.5, 0.01) with 7 alphas: about 10-20 s.  Full mode: b = 2-6 and the four
(sigma, lam) on 57 alphas (0.2 to 3, step 0.05): minutes.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

OPTIMUM = {"model": {"alpha": 1.4, "sigma": 0.01, "lam": 0.01}, "schemes": ["uniform", "log"],
           "bits": [2, 3, 4, 5, 6], "omega_range": [0.2, 6.0], "n_scan": 48}
OPTIMUM_QUICK = dict(OPTIMUM, bits=[2, 3], omega_range=[0.3, 4.0], n_scan=12)
DD = {"sigma_lam": [(0.1, 0.0), (0.1, 0.01), (0.5, 0.0), (0.5, 0.01)], "bits": [2, 3, 4, 6],
      "omegas": [3.0, "opt"], "alpha": (0.2, 3.0, 57), "scheme": "uniform"}
DD_QUICK = dict(DD, sigma_lam=[(0.5, 0.01)], bits=[2, 3], alpha=(0.4, 1.6, 7))


def _optimum_doc(quick, n_jobs, progress):
    from ..replica import ridge
    from ..store import metadata
    from ..studies.eg_claims import optimum_rows

    s = OPTIMUM_QUICK if quick else OPTIMUM
    rows = optimum_rows(s["schemes"], s["bits"], **s["model"], omega_range=s["omega_range"], n_scan=s["n_scan"],
                        n_jobs=n_jobs, progress=progress)
    doc = metadata("figure-claims-optimum", {**s, "edge_width": 0.0, "quick": quick})
    doc.update(settings=s["model"], rows=rows, ridge_eg=ridge(**s["model"]).eg)
    return doc


def _write_optimum(out_dir, name, doc):
    from ..store import write_csv, write_json

    out_dir = Path(out_dir)
    header = list(doc["rows"][0])
    csv = write_csv(out_dir / f"{name}.csv", header, [[r[k] for k in header] for r in doc["rows"]])
    return csv, write_json(out_dir / f"{name}.json", doc)


def make_claims_optimum(out_dir, *, quick=False, n_jobs=1, progress=False) -> list[Path]:
    """Claim (ii): optimal omega per b under RS, 1RSB and PTQ; returns the written paths."""
    from ..plotting.claims import plot_optimum

    csv, js = _write_optimum(out_dir, "claims_optimum", _optimum_doc(quick, n_jobs, progress))
    return [csv, js, plot_optimum(js, Path(out_dir) / "claims_optimum.png")]


def make_claims_schemes(out_dir, *, quick=False, n_jobs=1, progress=False) -> list[Path]:
    """Claim (iv): uniform vs log at equal bits in Eg; returns the written paths."""
    from ..plotting.claims import plot_schemes

    csv, js = _write_optimum(out_dir, "claims_schemes", _optimum_doc(quick, n_jobs, progress))
    return [csv, js, plot_schemes(js, Path(out_dir) / "claims_schemes.png")]


def dd_curves(s) -> list[tuple]:
    """The curves ``(scheme, bits, sigma, lam, omega)`` of a double-descent setting ``s``."""
    return [(s["scheme"], b, sg, lm, om) for sg, lm in s["sigma_lam"] for om in s["omegas"] for b in s["bits"]]


def make_claims_double_descent(out_dir, *, quick=False, n_jobs=1, progress=False) -> list[Path]:
    """Claim (iii): Eg against alpha for ridge and quantizers under RS, 1RSB and PTQ."""
    from ..plotting.claims import plot_double_descent
    from ..store import metadata, write_json, write_npz
    from ..studies.eg_claims import dd_rows, double_descent, overall

    s = DD_QUICK if quick else DD
    alphas = np.round(np.linspace(*s["alpha"]), 6)
    curves = dd_curves(s)
    res = double_descent(curves, alphas, n_jobs=n_jobs, progress=progress)
    arrays = {"alpha": alphas}
    for i, r in enumerate(res):
        arrays.update({f"{k}_{i}": v for k, v in r.items()})
    out_dir = Path(out_dir)
    npz = write_npz(out_dir / "claims_double_descent.npz", **arrays)
    rows = dd_rows(curves, res, alphas)
    doc = metadata("figure-claims-double-descent", {**s, "edge_width": 0.0, "quick": quick})
    doc.update(curves=[list(c) for c in curves], rows=rows,
               overall={th: {str(om): overall([r for r in rows if str(r["omega"]) == str(om)], th)
                             for om in s["omegas"]} for th in ("rs", "1rsb", "ptq")})
    js = write_json(out_dir / "claims_double_descent.json", doc)
    return [npz, js, plot_double_descent(npz, js, out_dir / "claims_double_descent.png")]


FIGURES = {"claims_optimum": make_claims_optimum, "claims_schemes": make_claims_schemes,
           "claims_double_descent": make_claims_double_descent}
