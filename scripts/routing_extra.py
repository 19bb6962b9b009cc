"""The finite-set and real-data routing studies of docs/routing.md beyond the figures: the vote
selected on fresh seeds, the circular-Gaussian width sweep, the online digits rows with shared
starts, MNIST-1D, and b-bit SBPI.  Writes docs/routing/<part>.json and .csv; checkpoints under
fastq-out/routing_extra (a rerun resumes).

Usage: ``python scripts/routing_extra.py [PART ...] [--jobs J]`` with PART among networks_independent,
sbpi, sbpi_confirm, vote, width, digits, mnist1d (all parts by default; each a few minutes with
2 workers on a loaded machine).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from fastq.routing import route_compare
from fastq.routing.finite_studies import routing_vote_study, routing_width_sweep
from fastq.store import metadata, write_csv, write_json

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "routing"
CKPT = REPO / "fastq-out" / "routing_extra"
KEYS = ("eg_copies", "eg_independent", "diff", "eg_vote", "eg_independent_vote", "diff_vote", "eg_replicated",
        "eg_elastic", "eg_one_model", "eg_centre", "et_copies", "et_independent")


def _save(name, rows, settings):
    OUT.mkdir(parents=True, exist_ok=True)
    write_json(OUT / f"{name}.json", {**metadata(f"routing_extra {name}", settings), "rows": rows})
    keys = list(rows[0])
    write_csv(OUT / f"{name}.csv", keys, [[r.get(k) for k in keys] for r in rows])
    print(f"wrote {OUT / name}.json ({len(rows)} rows)", flush=True)


def _compare_rows(label, cases, jobs, ckpt):
    rows = []
    for kw in cases:
        res = route_compare(n_jobs=jobs, checkpoint_dir=CKPT / ckpt, **kw)
        row = {"setting": label, **{k: v for k, v in kw.items() if k in ("model", "p", "epochs", "alpha", "copies",
                                                                         "hidden", "bits", "init_mode")},
               "runs": res.runs, "status": res.status}
        for k in KEYS:
            row[k] = res.values.get(k)
            row[f"{k}_se"] = res.values.get(f"{k}_se")
        rows.append(row)
        print({k: row[k] for k in ("model", "p", "eg_copies", "diff", "diff_se", "diff_vote")}, flush=True)
    return rows


def digits(jobs):
    """Online digits (alpha 20 per copy, M = 4, uniform kernel, 16 seeds) with shared starts."""
    cases = []
    for model, hidden, bits in (("mlp", 8, 0), ("committee", 3, 1)):
        for p in (0.1, 0.3, 1.0):
            cases.append(dict(model=model, hidden=hidden, bits=bits, dataset="digits", n=64, alpha=20.0, copies=4,
                              p=p, runs=16, init_mode="shared"))
    _save("digits_online", _compare_rows("digits online, shared starts", cases, jobs, "digits"), {"cases": cases})


def mnist1d(jobs):
    """MLP (8 hidden, real) on MNIST-1D (5-9 vs 0-4): a finite set of 1000 signals for 10 epochs and
    online 20 alpha per copy; M = 4, uniform kernel, shared starts, 8 seeds."""
    cases = []
    for epochs in (10, None):
        for p in (0.3, 1.0):
            cases.append(dict(model="mlp", hidden=8, bits=0, dataset="mnist1d", n=40, alpha=25.0 if epochs else 20.0,
                              epochs=epochs, copies=4, p=p, runs=8, init_mode="shared"))
    _save("mnist1d", _compare_rows("MNIST-1D MLP", cases, jobs, "mnist1d"), {"cases": cases})


def vote(jobs):
    rows, _ = routing_vote_study(seeds=24, n_select=8, seed=1, n_jobs=jobs, checkpoint_dir=CKPT / "vote")
    _save("vote", rows, {"seeds": 24, "n_select": 8, "seed": 1})


def width(jobs):
    rows, _ = routing_width_sweep(seeds=8, seed=2, n_jobs=jobs, checkpoint_dir=CKPT / "width")
    _save("width", rows, {"seeds": 8, "seed": 2})


def sbpi(jobs):
    """b-bit SBPI (bits 1, 2, 3; real hidden states, b-bit readout): routed (uniform kernel, p 0.3
    and 1) against independent copies and the robust ensemble, M = 4, N = 201, 20 epochs, margin
    0.5, 8 seeds, every setting reported."""
    import numpy as np

    from fastq.routing import routing_study
    from fastq.routing.study import mean_se

    rows = []
    for bits in (1, 2, 3):
        res = routing_study("perceptron", "sbpi", bits=bits, n=201, alphas=(0.6, 1.0, 1.5, 2.0, 3.0), epochs=20,
                            copies=(4,), ps=(0.0, 0.3, 1.0), kernels=("uniform",), gammas=(0.05,), margin=0.5,
                            n_test=500, seeds=8, seed=0, n_jobs=jobs, checkpoint_dir=CKPT / "sbpi")
        d = res.data
        for ai, alpha in enumerate(res.coords["alpha"]):
            ind = d["eg_copies"][0, 0, 0, ai]
            row = {"bits": bits, "alpha": float(alpha), "copies": 4, "seeds": 8}
            pairs = {"independent": ind, "routed_p0.3_minus_independent": d["eg_copies"][0, 0, 1, ai] - ind,
                     "routed_p1_minus_independent": d["eg_copies"][0, 0, 2, ai] - ind,
                     "replicated_minus_independent": d["eg_replicated"][0, 0, ai] - ind,
                     "vote_p1_minus_vote_independent": d["eg_vote"][0, 0, 2, ai] - d["eg_vote"][0, 0, 0, ai],
                     "train_independent": d["et_copies"][0, 0, 0, ai], "train_routed_p1": d["et_copies"][0, 0, 2, ai]}
            for k, x in pairs.items():
                row[k], row[f"{k}_se"] = (float(v) for v in mean_se(np.asarray(x)))
            rows.append(row)
            print(row, flush=True)
    _save("sbpi_bits", rows, {"seeds": 8, "seed": 0})


def sbpi_confirm(jobs):
    """The 3-bit SBPI rows where routing (p = 0.3) was lower in ``sbpi`` (alpha 2 and 3), again on
    16 fresh seeds (root seed 1), M = 4 and 8, every setting reported."""
    import numpy as np

    from fastq.routing import routing_study
    from fastq.routing.study import mean_se

    res = routing_study("perceptron", "sbpi", bits=3, n=201, alphas=(2.0, 3.0), epochs=20, copies=(4, 8),
                        ps=(0.0, 0.3), kernels=("uniform",), gammas=(0.05,), margin=0.5, n_test=500, seeds=16, seed=1,
                        n_jobs=jobs, checkpoint_dir=CKPT / "sbpi_confirm")
    d, rows = res.data, []
    for mi, m in enumerate(res.coords["copies"]):
        for ai, alpha in enumerate(res.coords["alpha"]):
            ind = d["eg_copies"][mi, 0, 0, ai]
            row = {"bits": 3, "alpha": float(alpha), "copies": int(m), "seeds": 16}
            for k, x in {"independent": ind, "routed_p0.3_minus_independent": d["eg_copies"][mi, 0, 1, ai] - ind,
                         "vote_p0.3_minus_vote_independent": d["eg_vote"][mi, 0, 1, ai] - d["eg_vote"][mi, 0, 0, ai],
                         "replicated_minus_independent": d["eg_replicated"][mi, 0, ai] - ind}.items():
                row[k], row[f"{k}_se"] = (float(v) for v in mean_se(np.asarray(x)))
            rows.append(row)
            print(row, flush=True)
    _save("sbpi_confirm", rows, {"seeds": 16, "seed": 1})


def networks_independent(jobs):
    """The network learning curves (figure routing_networks) with *independent* starts."""
    from fastq.routing.finite_studies import routing_network_curves

    rows, _ = routing_network_curves(seeds=12, seed=0, n_jobs=jobs, init_mode="independent",
                                     checkpoint_dir=CKPT / "networks_independent")
    _save("networks_independent", rows, {"seeds": 12, "seed": 0, "init_mode": "independent"})


PARTS = {"networks_independent": networks_independent, "sbpi": sbpi, "sbpi_confirm": sbpi_confirm, "vote": vote,
         "width": width, "digits": digits, "mnist1d": mnist1d}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("parts", nargs="*", choices=list(PARTS), default=list(PARTS))
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    for part in args.parts:
        PARTS[part](args.jobs)


if __name__ == "__main__":
    main()
