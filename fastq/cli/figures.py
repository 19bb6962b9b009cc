"""``fastq figures``: regenerate the figures of a paper (data + PNG) into one directory."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from .. import _validate as V
from ..checkpoints import checkpointing
from ..parallel import show_progress
from . import _common as C
from . import _options as O


def register(sub):
    """Add this module's subcommand to the subparsers ``sub``."""
    p = sub.add_parser(
        "figures", help="regenerate the figures of the papers (data + PNG)",
        description="Compute and draw the figures of one or several groups: 'replica' (Figs. 1-10 "
                    "of Kashiwamura, Sakata & Imaizumi 2024; the default), 'ste' (STE learning "
                    "dynamics, with quantized inputs), 'qgen' (quantization as noise, QAT "
                    "generalization), 'sgd' (quantized SGD), 'routing' (routing across model "
                    "copies), 'formats' (weight formats side by side) and 'claims' (the paper's Eg "
                    "claims under RS, 1RSB and ridge-then-round). Settings a paper omits "
                    "are stated in each figure's JSON. Each "
                    "figure writes its data (NPZ/CSV + JSON metadata) next to its PNG, so it can be "
                    "redrawn without recomputing.")
    p.add_argument("--out", default="fastq-out/figures", metavar="DIR",
                   help="output directory (default: fastq-out/figures)")
    p.add_argument("--quick", action="store_true",
                   help="coarse grids and small simulations (a smoke test, well under two minutes), "
                        "written to DIR/quick so they never overwrite full-scale figures")
    p.add_argument("--group", default=None, metavar="G[,G..]|all",
                   help="figure groups to make: replica, ste, qgen, sgd, routing, formats, claims, or all "
                        "(default: replica)")
    p.add_argument("--only", metavar="NAME,..",
                   help="figures to make by name (fig02, ste_stationary, ...) or by number for the "
                        "paper's figures (2 = fig02); overrides --group")
    O.add_parallel_args(p)
    C.add_json_arg(p)
    p.set_defaults(func=run)


def _wanted(args) -> list[str]:
    """Figure names to make, validated before any work."""
    from .. import figures

    if args.only is not None:
        names = [x.strip() for x in str(args.only).split(",")]
        if not any(names) or not all(names):
            raise V.FastqInputError(f"only must be a comma-separated list of figure names or numbers "
                                    f"(got {args.only!r})")
        return [_name(figures, n) for n in names]
    groups = [figures.DEFAULT_GROUP] if args.group is None else [g.strip() for g in str(args.group).split(",")]
    if groups == ["all"]:
        groups = list(figures.GROUPS)
    out = []
    for g in groups:
        out += list(figures.figures_of(g))
    return out


def _name(figures, text) -> str:
    key = text.strip()
    key = f"fig{int(key):02d}" if key.isdigit() else key
    figures.find(key)
    return key


def _mark_key(name: str, quick: bool) -> str:
    from .._jit import SOURCE_HASH
    from ..checkpoints import input_key

    return input_key("figure", {"name": name, "quick": bool(quick), "source": SOURCE_HASH})


def _finished(done_dir, name: str, quick: bool):
    """The files of a figure finished by an interrupted earlier run of the same sources, or None."""
    import json

    mark = done_dir / f"{_mark_key(name, quick)}.json"
    if not mark.exists():
        return None
    try:
        files = [Path(f) for f in json.loads(mark.read_text())["files"]]
    except (OSError, ValueError, KeyError):
        return None
    return files if files and all(f.exists() for f in files) else None


def _mark_finished(done_dir, name: str, quick: bool, files) -> None:
    import json

    from ..store import atomic_write_bytes

    done_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(done_dir / f"{_mark_key(name, quick)}.json",
                       json.dumps({"figure": name, "files": [str(f) for f in files]}).encode())


def _remove_marks(done_dir) -> None:
    import shutil

    shutil.rmtree(done_dir, ignore_errors=True)
    parent = done_dir.parent
    if parent.exists() and not any(parent.iterdir()):
        parent.rmdir()


def run(args) -> int:
    """Run ``fastq figures`` with the parsed ``args``; returns the exit code."""
    from .. import figures

    jobs = O.parallel_from_args(args)
    wanted = _wanted(args)
    out = C.prepare_out(args.out)
    if args.quick:
        out = C.prepare_out(out / "quick")
    report = {"out": str(out), "quick": bool(args.quick), "figures": {}}
    t_all = time.perf_counter()
    progress = show_progress(args.json)
    done_dir = out / O.CHECKPOINT_DIRNAME / "figures-done"
    made: list[str] = []
    reused = 0
    with checkpointing(out / O.CHECKPOINT_DIRNAME) as scope:
        C.keep_note(scope, out / O.CHECKPOINT_DIRNAME, finished=lambda: (len(made), "figure(s)"))
        for name in wanted:
            t0 = time.perf_counter()
            files = _finished(done_dir, name, args.quick)
            if files is None:
                files = figures.make(name, out, quick=args.quick, n_jobs=jobs, progress=progress)
                _mark_finished(done_dir, name, args.quick, files)
            else:
                reused += 1
            made.append(name)
            dt = time.perf_counter() - t0
            report["figures"][name] = {"seconds": round(dt, 2), "files": [str(f) for f in files]}
            if not args.json:
                print(f"{name}: {len(files)} files in {dt:.1f} s", file=sys.stderr)
    _remove_marks(done_dir)  # the whole set is done: a rerun recomputes, as for chunks
    report.update(C.reuse_counts(scope))
    report["figures_reused"] = reused
    report["wall_time_s"] = round(time.perf_counter() - t_all, 2)
    if args.json:
        C.emit(report, True)
    else:
        print(f"made {len(report['figures'])} figure(s) in {report['wall_time_s']} s into {out}")
    return 0
