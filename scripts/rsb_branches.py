"""Search all 1RSB fixed points at a few mu (docs/rsb.md, "Branches"): docs/rsb/branches.json, and
the scan e(mu) - e_RS at four omega: docs/rsb/e_of_mu.png.

Uniform b = 2, alpha = 1.4, sigma = lam = 0.01, omega in {0.4, 1.0}; at mu in {1, 10, 100, 1000} a
root finder (scipy ``root``, hybr) from 15 starts (Delta/Q x chi/chi_RS); roots with residual
below 1e-10 inside the domain are kept (rounded to 1e-5 to merge duplicates).  About 2 minutes.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from scipy.optimize import root

import fastq
from fastq.plotting._canvas import new_figure, save_figure
from fastq.replica.rsb import _energy, _OutOfDomain, _update, energy_at_mu
from fastq.store import metadata, write_json

OUT = Path(__file__).resolve().parents[1] / "docs" / "rsb" / "branches.json"
MODEL = (1.4, 0.01, 0.01, 1.0)


def roots(q, mu, rs):
    def resid(x):
        try:
            new, _ = _update(q, x, mu, MODEL, 10)
            return new - x
        except _OutOfDomain:
            return np.full(4, 1e3)

    found = {}
    for df in (0.01, 0.1, 0.3, 0.6, 0.9):
        for cf in (1.0, 0.3, 0.0):
            x0 = np.array([rs.chi * cf + 1e-3, df * min(rs.Q, 2 * rs.eg), rs.Q, rs.m])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                s = root(resid, x0, method="hybr")
            if s.success and np.max(np.abs(resid(s.x))) < 1e-10:
                _, mo = _update(q, s.x, mu, MODEL, 10)
                e = _energy(q, s.x, mu, MODEL, mo)
                found[tuple(np.round(s.x, 5))] = {"energy": e, "chi": s.x[0], "delta": s.x[1], "Q": s.x[2],
                                                  "m": s.x[3], "physical": bool(s.x[0] >= 0)}
    return list(found.values())


def e_of_mu(path):
    """e(mu) - e_RS on a log grid (warm-started iteration), physical points (chi >= 0) only."""
    fig, axes = new_figure(1, 2, size=(5.0, 4.0))
    mus = np.geomspace(0.1, 2000.0, 30)
    for omega in (0.4, 0.7, 1.0, 1.4):
        q = fastq.Quantizer.uniform(2, omega).hard()
        rs = fastq.solve_rs(q, *MODEL)
        e_rs = MODEL[0] * rs.eg / (1 + rs.chi) ** 2 + MODEL[2] * rs.Q / 2
        st, de, dl = (rs.chi, 0.3 * min(rs.Q, 2 * rs.eg), rs.Q, rs.m), [], []
        for mu in mus:
            r = energy_at_mu(q, mu, *MODEL, start=st)
            ok = r["converged"] and r["chi"] >= 0
            de.append(r["energy"] - e_rs if ok else np.nan)
            dl.append(r["delta"] if ok else np.nan)
            if ok:
                st = r["state"]
        axes[0][0].plot(mus, de, ".-", label=f"omega = {omega:g}")
        axes[0][1].plot(mus, dl, ".-", label=f"omega = {omega:g}")
    for ax, lab in ((axes[0][0], "e(mu) - e_RS"), (axes[0][1], "Delta = q1 - q0")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("mu")
        ax.set_ylabel(lab)
        ax.legend(fontsize=8)
    fig.suptitle("1RSB at fixed mu, uniform b = 2, alpha = 1.4, sigma = lam = 0.01")
    save_figure(fig, path)


def main():
    out = []
    for omega in (0.4, 1.0):
        q = fastq.Quantizer.uniform(2, omega).hard()
        rs = fastq.solve_rs(q, *MODEL)
        e_rs = MODEL[0] * rs.eg / (1 + rs.chi) ** 2 + MODEL[2] * rs.Q / 2
        for mu in (1.0, 10.0, 100.0, 1000.0):
            rr = roots(q, mu, rs)
            out.append({"omega": omega, "mu": mu, "energy_rs": e_rs, "roots": rr})
            print(omega, mu, e_rs, [(round(r["energy"] - e_rs, 7), round(r["delta"], 5), round(r["chi"], 4))
                                    for r in rr])
    doc = metadata("rsb_branches", {"model": MODEL, "scheme": "uniform", "n_p": 2, "source": "scripts/rsb_branches.py"})
    doc["rows"] = out
    write_json(OUT, doc)
    e_of_mu(OUT.with_name("e_of_mu.png"))


if __name__ == "__main__":
    main()
