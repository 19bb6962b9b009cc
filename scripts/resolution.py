#!/usr/bin/env python
"""Fig. 2 under three resolution conventions: RS fractions, claims (I)-(IV), figure.

    python scripts/resolution.py            # full grid (n_p = 1..62 x 200 omegas), docs/resolution/
    python scripts/resolution.py --quick    # coarse grid into /tmp (smoke test)

Conventions (THEORY section 14, docs/resolution.md): absolute eps (weight units), per jump
(ramp k of width r D_k, ``edge_convention="jump"``), field (eps = dz h / Theta).  Absolute and
per-jump maps are full sweeps with the AT quantity at that width; the field maps use the
leading-order reading ``kappa Theta / (h dz)`` of the hard quantizer's solution on the whole grid
and are checked against the self-consistent solution (``solve_field``) on a sub-grid.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from fastq import store
from fastq.plotting.resolution import plot_conventions
from fastq.studies import sweep
from fastq.studies.resolution import claims, leading_at, solve_field

#: where the full run writes (the project's docs, wherever the script is started from)
DOCS_OUT = Path(__file__).resolve().parents[1] / "docs" / "resolution"

FIG2 = dict(alpha=1.5, sigma=0.01, rho=1.0)
PANELS = [("uniform", 0.0), ("uniform", 1.0), ("log", 0.0), ("log", 1.0)]
ABSOLUTE = [0.1]
JUMP = [0.05, 0.2, 0.5, 0.8]
FIELD = [0.05, 0.1, 0.2]


def _sweep(scheme, lam, n_p, omega, eps, conv):
    return sweep(scheme, n_p=n_p, omega=omega, lam=lam, edge_width=eps, edge_convention=conv,
                 along="omega", **FIG2)


def _field_check(scheme, lam, n_p, omega, hard, dz, stride):
    """Self-consistent field solution on a sub-grid vs the leading-order reading: verdict
    agreement, median relative difference of at, and its maximum where 0.5 < lead < 2."""
    agree, n, rel, near = 0, 0, [], []
    for i in range(0, len(n_p), stride[0]):
        for j in range(0, len(omega), stride[1]):
            if not hard["converged"][i, j]:
                continue
            r = solve_field(scheme, int(n_p[i]), float(omega[j]), lam=lam, dz=dz,
                            start=(float(hard["chi"][i, j]), float(hard["eg"][i, j])), **FIG2)
            lead = leading_at("field", dz, chi=hard["chi"][i, j], eg=hard["eg"][i, j],
                              kappa=hard["kappa"][i, j], alpha=FIG2["alpha"], lam=lam)
            if not r.converged:
                continue
            n += 1
            agree += (r.at < 1.0) == (lead < 1.0)
            rel.append(abs(r.at / lead - 1.0))
            if 0.5 < lead < 2.0:
                near.append(rel[-1])
    return {"points": n, "same_verdict": agree,
            "median_rel_at_difference": float(np.median(rel)) if rel else None,
            "near_boundary_points": len(near),
            "max_rel_at_difference_near_boundary": float(max(near)) if near else None}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true",
                   help="coarse grid into --out (default: fastq-resolution-quick in the current directory)")
    p.add_argument("--out", default=None, help="output directory (default: the project's docs/resolution)")
    a = p.parse_args(argv)
    if a.quick:
        n_p, omega, stride = np.arange(1, 21), np.linspace(0.05, 10.0, 40), (5, 10)
    else:
        n_p, omega, stride = np.arange(1, 63), np.linspace(0.05, 10.0, 200), (4, 20)
    out = Path(a.out) if a.out else (Path("fastq-resolution-quick") if a.quick else DOCS_OUT)
    settings = ([("absolute", v) for v in ABSOLUTE] + [("jump", v) for v in JUMP]
                + [("field", v) for v in FIELD])
    maps = {s: {} for s in settings}
    checks = []
    for scheme, lam in PANELS:
        hard = _sweep(scheme, lam, n_p, omega, 0.0, "absolute")
        for conv, v in settings:
            if conv == "field":
                lead = leading_at("field", v, chi=hard["chi"], eg=hard["eg"], kappa=hard["kappa"],
                                  alpha=FIG2["alpha"], lam=lam)
                ok = hard["converged"]
                rs = ok & (lead < 1.0)
                checks.append({"scheme": scheme, "lam": lam, "dz": v,
                               **_field_check(scheme, lam, n_p, omega, hard, v, stride)})
            else:
                res = _sweep(scheme, lam, n_p, omega, v, conv)
                ok, rs = res["converged"], res["rs"]
            maps[(conv, v)][(scheme, lam)] = (n_p, omega, rs, ok)
            print(f"{conv:8s} {v:<5g} {scheme:7s} lam={lam:g}: RS {rs.mean():.3f} "
                  f"(converged {ok.mean():.3f})", flush=True)
    rows, verdicts = [], {}
    for conv, v in settings:
        c = claims({k: val[:3] for k, val in maps[(conv, v)].items()})
        verdicts[f"{conv} {v:g}"] = c
        rows.append([conv, v] + [c["fractions"][f"{s} lam={lam:g}"] for s, lam in PANELS]
                    + [c[k]["verdict"] for k in ("I", "II", "III", "IV")])
    params = {"grid": {"n_p": [int(n_p[0]), int(n_p[-1])], "omega": [float(omega[0]), float(omega[-1]),
                       len(omega)]}, **FIG2, "settings": [list(s) for s in settings]}
    out.mkdir(parents=True, exist_ok=True)
    header = ["convention", "value"] + [f"rs_{s}_lam{lam:g}" for s, lam in PANELS] + ["I", "II", "III", "IV"]
    store.write_csv(out / "claims.csv", header, rows)
    store.write_json(out / "claims.json", {"meta": store.metadata("resolution-claims", params),
                                           "claims": verdicts, "field_check": checks})
    store.write_csv(out / "field_check.csv", list(checks[0]), [list(c.values()) for c in checks])
    show = [("absolute", 0.1), ("jump", 0.2), ("jump", 0.5), ("field", 0.1)]
    plot_conventions([(f"{c} {v:g}", maps[(c, v)]) for c, v in show], out / "resolution.png")
    for r in rows:
        print(r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
