"""``fastq figures``: regenerate the paper's ten figures (data + PNG) into one directory."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from .. import _validate as V
from ..parallel import effective_n_jobs, show_progress
from . import _common as C


def register(sub):
    p = sub.add_parser(
        "figures", help="regenerate all ten figures of the paper (data + PNG)",
        description="Compute and draw Figs. 1-10 of Kashiwamura, Sakata & Imaizumi (2024) with "
                    "fastq's conventions (settings the paper omits are stated in each figure's "
                    "JSON). Each figure writes its data (NPZ/CSV + JSON metadata) next to its PNG, "
                    "so it can be redrawn without recomputing. Fig. 6 needs fastq's AMP module; "
                    "if it is missing the command says so and makes the others.")
    p.add_argument("--out", default="fastq-figures", metavar="DIR",
                   help="output directory (default: fastq-figures)")
    p.add_argument("--quick", action="store_true",
                   help="coarse grids and small AMP runs (a smoke test, well under two minutes)")
    p.add_argument("--only", metavar="N,N,..",
                   help="comma-separated figure numbers to make (default: all ten)")
    p.add_argument("--jobs", type=C._float, default=1, metavar="J",
                   help="parallel workers for the sweeps (1 = serial, -1 = all cores) (default: 1)")
    C.add_json_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from .. import figures

    jobs = effective_n_jobs(V.integer("jobs", args.jobs, -1))
    wanted = list(figures.FIGURES)
    if args.only:
        wanted = [f"fig{V.integer('only', x.strip(), 1, 10):02d}" for x in args.only.split(",") if x.strip()]
    have = set(figures.available())
    out = Path(args.out)
    report = {"out": str(out), "quick": bool(args.quick), "figures": {}, "missing": []}
    t_all = time.perf_counter()
    progress = show_progress(args.json)
    for name in wanted:
        if name not in have:
            msg = (f"fastq figures: {name} is not available in this installation "
                   f"(module fastq.figures.{name} missing); skipped")
            print(msg, file=sys.stderr)
            report["missing"].append(name)
            continue
        t0 = time.perf_counter()
        files = figures.make(name, out, quick=args.quick, jobs=jobs, progress=progress)
        dt = time.perf_counter() - t0
        report["figures"][name] = {"seconds": round(dt, 2), "files": [str(f) for f in files]}
        if not args.json:
            print(f"{name}: {len(files)} files in {dt:.1f} s", file=sys.stderr)
    report["wall_time_s"] = round(time.perf_counter() - t_all, 2)
    if args.json:
        C.emit(report, True)
    else:
        print(f"made {len(report['figures'])} figure(s) in {report['wall_time_s']} s into {out}"
              + (f"; missing: {', '.join(report['missing'])}" if report["missing"] else ""))
    return 0 if not report["missing"] else 4
