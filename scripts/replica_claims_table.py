"""Regenerate the claims tables of docs/replica_claims.md (issue 22, item 3) from computation.

Parts (each writes CSV + JSON with metadata under docs/replica_claims/):

* ``optimum`` -- claims (ii) and (iv): optimal omega per b (uniform, log) under RS, 1RSB and PTQ
  (:func:`fastq.studies.eg_claims.optimum_rows`, the settings of the ``claims_optimum`` figure);
* ``dd`` -- claim (iii): peaks of Eg(alpha) and verdicts (:func:`~fastq.studies.eg_claims.double_descent`,
  the settings of the ``claims_double_descent`` figure);
* ``referee`` -- a few points with AMP and the exact minimizer beside RS, 1RSB, PTQ and ridge
  (:func:`~fastq.studies.eg_claims.referee_point`).

Then the Markdown tables between the ``<!-- claims:NAME -->`` / ``<!-- /claims:NAME -->`` markers
of docs/replica_claims.md are rewritten from the JSON files (no number is typed by hand).
Checkpoints go to fastq-out/replica_claims (an interrupted run resumes).

    python scripts/replica_claims_table.py                 # everything (optimum + dd: ~6.5 min on 2 cores)
    python scripts/replica_claims_table.py --parts dd      # one part, then the tables
    python scripts/replica_claims_table.py --tables-only   # only rewrite the Markdown
"""
from __future__ import annotations

import argparse
import math
import re
import time
from pathlib import Path

import numpy as np

from fastq.checkpoints import checkpointing
from fastq.figures.claims import DD, OPTIMUM, dd_curves
from fastq.store import metadata, read_json, write_csv, write_json
from fastq.studies import eg_claims as E

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "replica_claims"
DOC = ROOT / "docs" / "replica_claims.md"
#: (bits, sigma, lam, omega, alpha, run the exact minimizer)
REFEREE = [(2, 0.5, 0.01, 3.0, 0.7, True), (2, 0.5, 0.01, 3.0, 1.0, True), (2, 0.5, 0.01, 3.0, 1.5, True),
           (3, 0.5, 0.01, 3.0, 0.9, True), (2, 0.5, 0.0, 3.0, 0.7, True), (2, 0.5, 0.0, 3.0, 1.2, True),
           (2, 0.1, 0.01, 3.0, 0.9, True), (6, 0.5, 0.01, 3.0, 0.95, False)]


def _save(name, rows, settings):
    header = list(dict.fromkeys(k for r in rows for k in r))
    write_csv(OUT / f"{name}.csv", header, [[r.get(k) for k in header] for r in rows])
    doc = metadata(f"replica-claims-{name}", {**settings, "source": "scripts/replica_claims_table.py"})
    doc["rows"] = rows
    write_json(OUT / f"{name}.json", doc)


def run_optimum(jobs):
    s = OPTIMUM
    rows = E.optimum_rows(s["schemes"], s["bits"], **s["model"], omega_range=s["omega_range"], n_scan=s["n_scan"],
                          n_jobs=jobs)
    from fastq import ridge

    _save("optimum", rows, {**s, "edge_width": 0.0, "ridge_eg": ridge(**s["model"]).eg})


def run_dd(jobs):
    alphas = np.round(np.linspace(*DD["alpha"]), 6)
    curves = dd_curves(DD)
    res = E.double_descent(curves, alphas, n_jobs=jobs, progress=True)
    rows = E.dd_rows(curves, res, alphas)
    overall = {th: {str(om): E.overall([r for r in rows if str(r["omega"]) == str(om)], th) for om in DD["omegas"]}
               for th in ("rs", "1rsb", "ptq")}
    _save("double_descent", rows, {**DD, "edge_width": 0.0, "alphas": alphas.tolist(), "overall": overall})


def run_referee(jobs):
    rows = []
    for b, sg, lm, om, a, exact in REFEREE:
        t0 = time.perf_counter()
        r = E.referee_point("uniform", b, sg, lm, om, a, seed=22, n_jobs=jobs,
                            exact=E.EXACT_REFEREE if exact else None)
        r["seconds"] = round(time.perf_counter() - t0, 1)
        print(r, flush=True)
        rows.append(r)
    _save("referee", rows, {"amp": E.AMP_REFEREE, "exact": E.EXACT_REFEREE, "points": REFEREE, "seed": 22})


# ----------------------------------------------------------------------------- Markdown
def _f(v, fmt=".4g"):
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    return format(v, fmt) if isinstance(v, float) else str(v)


def table_optimum(doc):
    lines = ["| scheme | b | omega* RS | Eg* RS | omega* 1RSB | Eg* 1RSB | 1RSB Eg at RS omega* | cost of following RS "
             "| omega* PTQ | Eg* PTQ |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in doc["rows"]:
        cost = "-" if r["cost_of_following_rs"] is None else (
            f"+{r['cost_of_following_rs']:.2g} ({100 * r['cost_of_following_rs'] / r['eg_1rsb']:+.2g} %)")
        lines.append(f"| {r['scheme']} | {r['bits']} | {_f(r['omega_rs'])} | {_f(r['eg_rs'])} | {_f(r['omega_1rsb'])} "
                     f"| {_f(r['eg_1rsb'])} | {_f(r['eg_1rsb_at_omega_rs'])} | {cost} | {_f(r['omega_ptq'])} "
                     f"| {_f(r['eg_ptq'])} |")
    return "\n".join(lines)


def table_schemes(doc):
    uni = {r["bits"]: r for r in doc["rows"] if r["scheme"] == "uniform"}
    log = {r["bits"]: r for r in doc["rows"] if r["scheme"] == "log"}
    lines = ["| b | uniform RS | log RS | uniform 1RSB | log 1RSB | uniform PTQ | log PTQ "
             "| log / uniform (RS, 1RSB, PTQ) |",
             "|---|---|---|---|---|---|---|---|"]
    for b in sorted(set(uni) & set(log)):
        if b == 2:
            continue
        u, g = uni[b], log[b]
        ratio = ", ".join("-" if u[f"eg_{t}"] is None or g[f"eg_{t}"] is None
                          else f"{g[f'eg_{t}'] / u[f'eg_{t}']:.2f}" for t in ("rs", "1rsb", "ptq"))
        lines.append(f"| {b} | {_f(u['eg_rs'])} | {_f(g['eg_rs'])} | {_f(u['eg_1rsb'])} | {_f(g['eg_1rsb'])} "
                     f"| {_f(u['eg_ptq'])} | {_f(g['eg_ptq'])} | {ratio} |")
    return "\n".join(lines)


def _peak(r, th):
    v = r.get(f"verdict_{th}")
    if v == "not computed":
        return "not computed"
    a, e = r.get(f"peak_alpha_{th}"), r.get(f"peak_eg_{th}")
    where = "no peak" if a is None and v in ("no peak", "no ridge peak") else (
        "?" if a is None else f"{a:.2f} ({e:.3g})")
    return f"{where}: **{v}**" if v not in ("no ridge peak",) else where


def table_dd(doc):
    lines = ["| sigma | lam | omega | b | ridge peak alpha (Eg) | RS peak: verdict | 1RSB peak: verdict | "
             "1RSB n.c. | PTQ peak: verdict |", "|---|---|---|---|---|---|---|---|---|"]
    for r in doc["rows"]:
        rp = r["ridge_peak"]
        ridge = ("1 (diverges)" if rp == "divergent" else
                 "none" if r["peak_alpha_ridge"] is None else f"{r['peak_alpha_ridge']:.2f} ({r['peak_eg_ridge']:.3g})")
        om = "opt(alpha)" if r["omega"] == "opt" else _f(r["omega"], "g")
        lines.append(f"| {r['sigma']:g} | {r['lam']:g} | {om} | {r['bits']} | {ridge} | {_peak(r, 'rs')} | "
                     f"{_peak(r, '1rsb')} | {r['n_1rsb_not_converged']} | {_peak(r, 'ptq')} |")
    return "\n".join(lines)


def table_referee(doc):
    lines = ["| b | sigma | lam | omega | alpha | RS | 1RSB | exact (N -> inf) | AMP conv. | AMP Eg | PTQ | "
             "PTQ at N = 20 | ridge |", "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in doc["rows"]:
        ex = "-" if r.get("eg_exact") is None else f"{r['eg_exact']:.3f} ± {r['eg_exact_se']:.3f}"
        pn = "-" if r.get("eg_ptq_finite_n") is None else f"{r['eg_ptq_finite_n']:.3f} ± {r['eg_ptq_finite_n_se']:.3f}"
        amp = "-" if r.get("eg_amp") is None else f"{r['eg_amp']:.3f}"
        r1 = _f(r["eg_1rsb"]) if r["eg_1rsb"] is not None else f"({r['status_1rsb']})"
        lines.append(f"| {r['bits']} | {r['sigma']:g} | {r['lam']:g} | {r['omega']:g} | {r['alpha']:g} "
                     f"| {_f(r['eg_rs'])} | {r1} | {ex} | {r['amp_converged']} | {amp} | {_f(r['eg_ptq'])} "
                     f"| {pn} | {_f(r['eg_ridge'])} |")
    return "\n".join(lines)


def write_tables():
    text = DOC.read_text()
    makers = {"optimum": ("optimum", table_optimum), "schemes": ("optimum", table_schemes),
              "dd": ("double_descent", table_dd), "referee": ("referee", table_referee)}
    for name, (data, fn) in makers.items():
        path = OUT / f"{data}.json"
        if not path.exists():
            continue
        pat = re.compile(rf"(<!-- claims:{name} -->\n)(?:.*?\n)?(<!-- /claims:{name} -->)", re.S)
        table = fn(read_json(path))
        text = pat.sub(lambda m, t=table: m.group(1) + t + "\n" + m.group(2), text)
    DOC.write_text(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", default="optimum,dd,referee")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--tables-only", action="store_true")
    args = ap.parse_args()
    if not args.tables_only:
        OUT.mkdir(parents=True, exist_ok=True)
        runs = {"optimum": run_optimum, "dd": run_dd, "referee": run_referee}
        with checkpointing(ROOT / "fastq-out" / "replica_claims" / ".fastq-checkpoints"):
            for part in args.parts.split(","):
                t0 = time.perf_counter()
                runs[part](args.jobs)
                print(f"{part}: {time.perf_counter() - t0:.0f} s", flush=True)
    write_tables()


if __name__ == "__main__":
    main()
