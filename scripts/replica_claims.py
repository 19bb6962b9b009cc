"""Claims (ii) and (iv) of the paper answered under RS and 1RSB: the optimal omega per number of bits
(uniform and log), and uniform vs log at equal bits, in Eg.  Writes docs/replica_claims/optimum.json
and .csv.  Model: alpha = 1.4, sigma = 0.01, lam = 0.01, rho = 1, hard quantizer (edge width 0: the
levels the exact minimizer uses; 1RSB is a theory of the hard quantizer).

Usage: ``python scripts/replica_claims.py`` (a few minutes on 2 cores).
"""
from __future__ import annotations

import math
from pathlib import Path

import fastq
from fastq.store import metadata, write_csv, write_json

OUT = Path(__file__).resolve().parents[1] / "docs" / "replica_claims"
MODEL = dict(alpha=1.4, sigma=0.01, lam=0.01)
BITS = {"uniform": [2, 3, 4], "log": [2, 3, 4]}
RANGE = (0.2, 6.0)


def main():
    rows = []
    for scheme, bits in BITS.items():
        for b in bits:
            spec = {"scheme": scheme, "bits": b}
            rs = fastq.optimal_omega(spec, **MODEL, edge_width=0.0, omega_range=RANGE, n_scan=48)
            r1 = fastq.optimal_omega(spec, **MODEL, edge_width=0.0, omega_range=RANGE, n_scan=48,
                                     theory="1rsb")
            # the 1RSB Eg at the RS choice of omega: what following RS costs
            at_rs = fastq.solve_rsb(fastq.Quantizer(scheme, 2**b - 2, rs.omega_star), *MODEL.values())
            row = {"scheme": scheme, "bits": b, "omega_rs": rs.omega_star, "eg_rs": rs.eg_star,
                   "omega_1rsb": r1.omega_star, "eg_1rsb": r1.eg_star, "status_rs": rs.status,
                   "status_1rsb": r1.status, "eg_1rsb_at_omega_rs": at_rs.eg if at_rs.converged else math.nan,
                   "loss_following_rs": (at_rs.eg - r1.eg_star) if at_rs.converged else math.nan}
            rows.append(row)
            print(row, flush=True)
    ridge = fastq.ridge(**MODEL).eg
    OUT.mkdir(parents=True, exist_ok=True)
    header = list(rows[0])
    write_csv(OUT / "optimum.csv", header, [[r[k] for k in header] for r in rows])
    doc = metadata("replica_claims", dict(MODEL, rho=1.0, edge_width=0.0, omega_range=list(RANGE),
                                          source="scripts/replica_claims.py"))
    doc["rows"], doc["ridge_eg"] = rows, ridge
    write_json(OUT / "optimum.json", doc)


if __name__ == "__main__":
    main()
