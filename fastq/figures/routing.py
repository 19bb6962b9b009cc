"""Figures of permutation routing across model copies (THEORY section 12): compute -> data -> PNG.

* ``routing_claims`` (:func:`make_claims`) -- the claims table of docs/routing.md: for each
  model / rule / bits the best routed (M, p, kernel), selected on half of the seeds, against
  independent copies, elastic coupling and one model with all the samples on the other half;
  writes ``routing_claims.json`` / ``.csv``, the studies as netCDF, and the PNG;
* ``routing_hebb`` (:func:`make_hebb`) -- Hebb's rule with and without routing against the
  closed forms (real, binary, 2-bit weights);
* ``routing_finite`` (:func:`make_finite`) -- learning curves Eg(alpha) on a finite training set
  with a fixed lift (clipped perceptron, binary teacher and weights) against every baseline, with
  the theory marks of the binary perceptron; ``routing_finite.json`` / ``.csv`` hold the rows
  (best routed kernel and p selected on half of the seeds, reported on the other half);
* ``routing_networks`` (:func:`make_networks`) -- the same learning curves for the binary committee
  machine and the real MLP on a finite teacher task (shared starts); checkpoints into
  ``out_dir/checkpoints``, so an interrupted run resumes.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import store
from ..labelled import write_netcdf
from ..plotting.routing import plot_claims, plot_finite, plot_hebb
from ..routing.claims import routing_claims, routing_finite_claims
from ..routing.finite_studies import routing_network_curves
from ..routing.study import mean_se, routing_study
from ..routing.theory import hebb_eg
from . import figure_meta


def make_claims(out_dir, *, quick=False, n_jobs=1, progress=False, seeds=24, seed=0):
    """The claims table and figure (quick: N = 30, 4 seeds, M in {2, 4})."""
    out_dir = Path(out_dir)
    rows, studies = routing_claims(quick=quick, seeds=seeds, seed=seed, n_jobs=n_jobs, progress=progress)
    paths = []
    for r, s in zip(rows, studies):
        slug = "".join(ch if ch.isalnum() else "_" for ch in r["setting"]).strip("_")
        paths.append(write_netcdf(s.dataset(), out_dir / f"routing_study_{slug}.nc"))
    meta = figure_meta("routing_claims", {"quick": quick, "seeds": seeds, "seed": seed})
    paths.append(store.write_json(out_dir / "routing_claims.json", {**meta, "rows": rows}))
    keys = list(rows[0])
    paths.append(store.write_csv(out_dir / "routing_claims.csv", keys, [[r[k] for k in keys] for r in rows]))
    paths.append(plot_claims(out_dir / "routing_claims.json", out_dir / "routing_claims.png"))
    return paths


def make_hebb(out_dir, *, quick=False, n_jobs=1, progress=False, seed=1):
    """Hebb with p = 0 and p = 1 (M = 4, uniform kernel) vs closed forms (N = 400, 16 seeds)."""
    out_dir = Path(out_dir)
    n, seeds, alphas = (40, 4, (1.0, 2.0)) if quick else (400, 16, (0.5, 1.0, 2.0, 4.0, 8.0))
    bits_list, ps = (0, 1, 2), (0.0, 1.0)
    mean = np.empty((3, 2, len(alphas)))
    se = np.empty_like(mean)
    for b, bits in enumerate(bits_list):
        res = routing_study("perceptron", "hebb", bits=bits, n=n, alphas=alphas, copies=(4,), ps=ps,
                            kernels=("uniform",), gammas=(0.05,), seeds=seeds, seed=seed, n_jobs=n_jobs,
                            progress=progress, n_test=10)
        mean[b], se[b] = mean_se(res.data["eg_copies"][0, 0], axis=-1)
    fine = np.linspace(0.05, alphas[-1], 200)
    theory = np.array([hebb_eg(fine, bits=bits) for bits in bits_list])
    npz = store.write_npz(out_dir / "routing_hebb.npz", bits=np.array(bits_list), p=np.array(ps),
                          alpha=np.array(alphas), mean=mean, se=se, alpha_fine=fine, theory=theory,
                          theory_at=np.array([hebb_eg(alphas, bits=bits) for bits in bits_list]))
    meta = figure_meta("routing_hebb", {"n": n, "seeds": seeds, "copies": 4, "alphas": list(alphas), "seed": seed})
    return [npz, store.write_json(out_dir / "routing_hebb.json", meta),
            plot_hebb(npz, out_dir / "routing_hebb.png")]


def make_finite(out_dir, *, quick=False, n_jobs=1, progress=False, seeds=12, seed=0):
    """Finite-set learning curves (N = 201, 20 epochs, 12 seeds; quick: N = 31, 3 epochs, 4 seeds)."""
    out_dir = Path(out_dir)
    rows, studies = routing_finite_claims(quick=quick, seeds=seeds, seed=seed, n_jobs=n_jobs, progress=progress)
    paths = [write_netcdf(s.dataset(), out_dir / f"routing_finite_{i}.nc") for i, s in enumerate(studies)]
    meta = figure_meta("routing_finite", {"quick": quick, "seeds": seeds, "seed": seed})
    paths.append(store.write_json(out_dir / "routing_finite.json", {**meta, "rows": rows}))
    keys = list(rows[0])
    paths.append(store.write_csv(out_dir / "routing_finite.csv", keys, [[r[k] for k in keys] for r in rows]))
    paths.append(plot_finite(out_dir / "routing_finite.json", out_dir / "routing_finite.png"))
    return paths


def make_networks(out_dir, *, quick=False, n_jobs=1, progress=False, seeds=12, seed=0):
    """Network learning curves on a finite set (N = 150, 20 epochs, 12 seeds; quick: N = 16, 3
    epochs, 4 seeds), resumable from ``out_dir/checkpoints``.
    """
    out_dir = Path(out_dir)
    rows, studies = routing_network_curves(quick=quick, seeds=seeds, seed=seed, n_jobs=n_jobs, progress=progress,
                                           checkpoint_dir=out_dir / "checkpoints")
    paths = [write_netcdf(s.dataset(), out_dir / f"routing_networks_{i}.nc") for i, s in enumerate(studies)]
    meta = figure_meta("routing_networks", {"quick": quick, "seeds": seeds, "seed": seed})
    paths.append(store.write_json(out_dir / "routing_networks.json", {**meta, "rows": rows}))
    keys = list(rows[0])
    paths.append(store.write_csv(out_dir / "routing_networks.csv", keys, [[r[k] for k in keys] for r in rows]))
    paths.append(plot_finite(out_dir / "routing_networks.json", out_dir / "routing_networks.png", marks=False,
                             diffs=True))
    return paths


FIGURES = {"routing_claims": make_claims, "routing_hebb": make_hebb, "routing_finite": make_finite,
           "routing_networks": make_networks}
