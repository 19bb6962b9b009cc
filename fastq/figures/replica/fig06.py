"""Figure 6: replica prediction (line) vs AMP on finite instances (points with standard-error
bars), Eg against the number of bits b (a) and against the range omega (b).

The paper gives N = 2500 and 100 runs per point but not the other settings; fastq uses

* uniform quantizer, edge width eps = 0.1 (the same phi_eps in the replica line and in AMP),
* alpha = 1.5, sigma = 0.1, lam = 0.1, rho = 1,
* (a) omega = 2.5, b = 2..8;  (b) b = 5 (n_p = 30), omega = 0.5..6,
* AMP: scalar-variance form (exact as N -> infinity, half the passes over X of the full form;
  the two agree to ~1e-9 in Eg on the instances checked in ``docs/amp.md``), start
  ``mbar^0 ~ N(0, 1)``, ``v^0 = 1``, at most 200 iterations, tol 1e-10 on
  ``||mbar^t - mbar^{t-1}||^2 / N``; Eg of the final mbar.

These settings put both RS (at < 1) and RSB (at >= 1) points on each panel; RSB points are
drawn hollow (AMP) and the replica line dashed there.  Each run draws one instance and one
start, shared by all quantizers of the figure (common random numbers, advanced together by the
batched kernel), from the k-th child of the root seed, so the data do not depend on ``n_jobs``.

Outputs (in ``out_dir``): ``fig06.png``, ``fig06.npz`` (all per-run values),
``fig06_points.csv`` (one row per AMP point) and ``fig06.json`` (metadata with every setting).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ... import _validate as V
from ...message_passing import amp_study
from ...plotting.replica import draw_fig06
from ...quantizers import Quantizer
from ...replica import solve_rs
from ...store import metadata, write_csv, write_json, write_npz

SETTINGS = {
    "scheme": "uniform", "edge_width": 0.1, "alpha": 1.5, "sigma": 0.1, "lam": 0.1, "rho": 1.0,
    "omega_a": 2.5, "bits_a": [2, 3, 4, 5, 6, 7, 8],
    "bits_b": 5, "omega_b": [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0],
    "variance": "scalar", "max_iter": 200, "tol": 1e-10, "seed": 20240131,
    "n": 2500, "runs": 100,
}
QUICK = {"n": 200, "runs": 4, "max_iter": 60}


def _quantizers(s):
    qa = [Quantizer.from_bits(b, s["omega_a"], s["scheme"], s["edge_width"]) for b in s["bits_a"]]
    qb = [Quantizer.from_bits(s["bits_b"], w, s["scheme"], s["edge_width"]) for w in s["omega_b"]]
    # one list of distinct quantizers; panels index into it
    uniq = []
    for q in qa + qb:
        if q not in uniq:
            uniq.append(q)
    return qa, qb, uniq


def make(out_dir, *, quick: bool = False, n_jobs: int = 1, progress: bool = False) -> list[Path]:
    """Compute, save and plot Figure 6; returns the written paths.

    Parameters
    ----------
    out_dir : directory for the outputs (created if needed)
    quick : small N, few runs and iterations (a smoke test in seconds; not the paper's scale)
    n_jobs : parallel workers for the runs (results do not depend on it)
    progress : show a progress bar over runs
    """
    n_jobs = V.integer("n_jobs", n_jobs, -1)
    out = Path(out_dir)
    s = dict(SETTINGS)
    if quick:
        s.update(QUICK)
    qa, qb, uniq = _quantizers(s)
    m = (s["alpha"], s["sigma"], s["lam"], s["rho"])

    st = amp_study(uniq, *m, n=s["n"], runs=s["runs"], seed=s["seed"], max_iter=s["max_iter"],
                   tol=s["tol"], variance=s["variance"], n_jobs=n_jobs, progress=progress)
    summ = st.summary()
    idx = {q: j for j, q in enumerate(uniq)}

    # replica predictions at the AMP points and on a fine omega line
    rs_pts = [solve_rs(q, *m) for q in uniq]
    omega_line = np.linspace(0.3, max(s["omega_b"]) + 0.25, 120)
    rs_line = [solve_rs(Quantizer.from_bits(s["bits_b"], w, s["scheme"], s["edge_width"]), *m)
               for w in omega_line]

    paths = []
    points = []
    for panel, qs in (("a", qa), ("b", qb)):
        for q in qs:
            j = idx[q]
            r = rs_pts[j]
            sm = summ[j]
            points.append([panel, q.bits, q.n_p, q.omega, r.eg, r.at, "RS" if r.rs else "RSB",
                           sm["eg_mean"], sm["eg_sem"], sm["eg_requantized_mean"],
                           sm["eg_requantized_sem"], sm["eg_mean_max_iter"], sm["n_converged"],
                           sm["n_max_iter"], sm["n_diverged"], sm["converged_fraction"],
                           sm["iterations_mean"]])
    header = ["panel", "bits", "n_p", "omega", "rs_eg", "rs_at", "phase", "amp_eg_mean", "amp_eg_sem",
              "amp_eg_requantized_mean", "amp_eg_requantized_sem", "amp_eg_mean_max_iter",
              "n_converged", "n_max_iter", "n_diverged", "converged_fraction", "iterations_mean"]
    paths.append(write_csv(out / "fig06_points.csv", header, points))
    paths.append(write_npz(
        out / "fig06.npz",
        bits=np.array([q.bits for q in uniq]), n_p=np.array([q.n_p for q in uniq]),
        omega=np.array([q.omega for q in uniq]),
        eg=st.eg, eg_requantized=st.eg_requantized, converged=st.converged, iterations=st.iterations,
        rs_eg=np.array([r.eg for r in rs_pts]), rs_at=np.array([r.at for r in rs_pts]),
        omega_line=omega_line, rs_line_eg=np.array([r.eg for r in rs_line]),
        rs_line_at=np.array([r.at for r in rs_line])))
    meta = metadata("fig06", {**s, "quick": quick, "n_jobs": n_jobs,
                              "amp": "fastq.amp.amp_study (batched, common random numbers)",
                              "init": "mbar0 ~ N(0,1), v0 = 1"})
    meta["points"] = [dict(zip(header, p)) for p in points]
    paths.append(write_json(out / "fig06.json", meta))
    paths.append(draw_fig06(out / "fig06.png", s, qa, qb, idx, rs_pts, summ, omega_line, rs_line, quick))
    return paths
