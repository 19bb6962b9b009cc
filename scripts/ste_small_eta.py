"""The STE plateau in the small-learning-rate limit and from small random starts (docs/ste.md).

    python scripts/ste_small_eta.py [--out docs/ste]

Computes, with :func:`fastq.ste_ode` (eta -> 0 at fixed s = eta tau) and, for the approach to the
limit, :func:`fastq.ste_mean_field` at finite eta (time converted to s), the plateau and drop of
Eg(s) read off each curve by :func:`fastq.eg_drop` (``s_early`` = plateau length, ``sharpness`` =
s_early / (s_late - s_early), large for a long flat stretch ending in a quick fall).  Writes
``ste_small_eta.json`` (every table, with the parameters and the fastq version) and prints
markdown tables.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

import fastq
from fastq import Quantizer, eg_drop, ste_mean_field, ste_ode
from fastq.store import metadata, write_json

SIGMA = 0.1
S_MAX, DS = 12.0, 0.01


def _drop(s, eg):
    d = eg_drop(s, eg)
    return {"s_early": d["tau_early"], "s_late": d["tau_late"], "sharpness": d["sharpness"],
            "eg0": float(eg[0]), "eg_min": d["eg_min"], "s_min": d["tau_min"], "eg_end": float(eg[-1]),
            "rise_after": float(eg[-1] - d["eg_min"])}


def zero_start():
    """Eg(s) from w = 0: Gaussian and constant (w* = 1) teacher, b = 2, 3 over omega."""
    rows = []
    for teacher in (None, 1.0):
        for bits in (2, 3):
            for omega in (0.5, 1.0, 1.5, 2.0, 3.0, 4.0):
                r = ste_ode(Quantizer.from_bits(bits, omega), SIGMA, s_max=S_MAX, ds=DS, teacher_value=teacher)
                rows.append({"teacher": "gaussian" if teacher is None else "constant 1", "bits": bits,
                             "omega": omega, **_drop(r.tau, r.eg), "eg_limit": r.info["eg_end"]})
    return rows


def random_start():
    """Small Gaussian starts N(0, s0^2), b = 2, omega = 1.5 (zero bin (-0.75, 0.75))."""
    rows = []
    for teacher in (None, 1.0):
        for s0 in (0.0, 0.01, 0.03, 0.1, 0.3, 1.0):
            r = ste_ode(Quantizer.from_bits(2, 1.5), SIGMA, s_max=S_MAX, ds=DS, teacher_value=teacher,
                        init_std=s0, start_nodes=400)
            rows.append({"teacher": "gaussian" if teacher is None else "constant 1", "init_std": s0,
                         **_drop(r.tau, r.eg)})
    return rows


def finite_eta():
    """The approach to the limit: mean field at eta = 0.2, 0.1, 0.05, 0.02 (constant teacher 1,
    b = 2, omega = 1.5, zero start and s0 = 0.1), time s = eta tau, against the ODE."""
    rows = []
    q = Quantizer.from_bits(2, 1.5)
    for s0 in (0.0, 0.1):
        lim = ste_ode(q, SIGMA, s_max=4.0, ds=DS, teacher_value=1.0, init_std=s0)
        rows.append({"init_std": s0, "eta": 0.0, **_drop(lim.tau, lim.eg), "max_abs_diff": 0.0})
        for eta in (0.2, 0.1, 0.05, 0.02):
            mf = ste_mean_field(q, eta, SIGMA, tau_max=4.0 / eta, dtau=DS / eta, dt=min(0.01, 0.2 * DS / eta),
                                teacher_value=1.0, init_std=s0)
            rows.append({"init_std": s0, "eta": eta, **_drop(mf.tau * eta, mf.eg),
                         "max_abs_diff": float(np.abs(mf.eg - lim.eg).max())})
    return rows


def _md(rows, cols):
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        out.append("| " + " | ".join(f"{r[c]:.4g}" if isinstance(r[c], float) else str(r[c]) for c in cols) + " |")
    return "\n".join(out)


def main():
    """Compute, save and print the tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "docs" / "ste"))
    a = ap.parse_args()
    res = {"zero_start": zero_start(), "random_start": random_start(), "finite_eta": finite_eta()}
    meta = metadata("ste-small-eta", {"sigma": SIGMA, "rho": 1.0, "s_max": S_MAX, "ds": DS})
    meta.update(res)
    Path(a.out).mkdir(parents=True, exist_ok=True)
    write_json(Path(a.out) / "ste_small_eta.json", meta)
    cols = ["teacher", "bits", "omega", "s_early", "s_late", "sharpness", "eg0", "eg_min", "s_min", "eg_end"]
    print(_md(res["zero_start"], cols))
    print()
    print(_md(res["random_start"], ["teacher", "init_std", "s_early", "s_late", "sharpness", "eg0", "eg_min",
                                    "eg_end"]))
    print()
    print(_md(res["finite_eta"], ["init_std", "eta", "s_early", "s_late", "sharpness", "eg_min", "max_abs_diff"]))
    print(f"\nfastq {fastq.__version__}; NaN sharpness = Eg never falls below its start", math.nan)


if __name__ == "__main__":
    main()
