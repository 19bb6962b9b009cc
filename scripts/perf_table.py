"""The README's performance table, regenerated from one benchmark session.

Runs the benchmarks behind each row ``--runs`` times in a row (each run a fresh pytest process,
JSON output), reads the ratios and times the benchmarks store in ``extra_info``, and prints the
table in Markdown with the range over runs (``lo-hi``).  Nothing is typed by hand: a row whose
benchmark did not run says so.

    python scripts/perf_table.py --runs 3            # about 15 minutes on a quiet 2-core machine
    python scripts/perf_table.py --runs 1 --only amp,grid  # rows whose key contains "amp" or "grid"

Run it on a quiet machine (nothing else on the cores); the table says when it was made and on
how many cores.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def _rng(values, fmt="{:.2f}", scale=1.0):
    """``lo-hi`` (or one value) of ``values`` scaled and formatted."""
    vals = sorted(v * scale for v in values)
    lo, hi = fmt.format(vals[0]), fmt.format(vals[-1])
    return lo if lo == hi else f"{lo}-{hi}"


def _get(infos, key):
    return [i[key] for i in infos if key in i]


def _row_map(b):
    r = _get(b["bench/test_core.py::test_rs_map_speed_ratio"], "ratio")
    t = _get(b["bench/test_core.py::test_rs_map_speed_ratio"], "t_fastq_s")
    return f"{_rng(r, '{:,.0f}')}x faster ({_rng(t, '{:.1f}', 1e6)} us incl. the Python call)"


def _row_like(b):
    i = b["bench/test_core.py::test_rs_point_like_for_like"]
    return (f"{_rng(_get(i, 'ratio'), '{:,.0f}')}x faster ({_rng(_get(i, 't_fastq_s'), '{:.0f}', 1e6)} us vs "
            f"{_rng(_get(i, 't_scipy_s'), '{:.2f}')} s; {i[0].get('iterations_fastq')} iterations each)")


def _row_default(b):
    i = b["bench/test_core.py::test_rs_point_speed_ratio"]
    return f"{_rng(_get(i, 'ratio'), '{:,.0f}')}x faster ({_rng(_get(i, 't_fastq_s'), '{:.0f}', 1e6)} us)"


def _row_compile(b):
    i = b["bench/test_core.py::test_compile_time_cold_and_cached"]
    return f"{_rng(_get(i, 'cold_s'), '{:.1f}')} s / {_rng(_get(i, 'cached_s'), '{:.2f}')} s"


def _row_grid(b):
    i = b["bench/test_scale.py::test_million_point_grid_ratios"]
    return (f"{_rng(_get(i, 'ratio_2_workers'))} (2 workers), {_rng(_get(i, 'ratio_1_worker'))} (1 worker); "
            f"2 workers vs 1: {_rng(_get(i, 'speedup_2_vs_1'))}x; "
            f"grid alone {_rng(_get(i, 'wall_2_loky_s'), '{:.1f}')} s "
            f"(2 loky workers), {_rng(_get(i, 'wall_2_threads_s'), '{:.1f}')} s (2 threads); "
            f"{_rng(_get(i, 'evaluations_per_point'))} map evaluations per point")


def _row_command(b):
    i = b["bench/test_scale.py::test_million_point_phase_command"]
    return f"{_rng(_get(i, 'wall_s'), '{:.1f}')} s, peak {_rng(_get(i, 'peak_mb'), '{:.0f}')} MB"


def _row_amp(variance):
    def row(b):
        parts = []
        for threads in (1, 2):
            key = f"bench/test_amp.py::test_iteration_vs_memory_floor[fastq:{variance}-{threads}]"
            r = _get(b.get(key, []), "ratio")
            if r:
                parts.append(f"{_rng(r)}x ({threads} thread{'s' if threads > 1 else ''})")
        return ", ".join(parts) if parts else None
    return row


def _row_batched(b):
    i = b["bench/test_amp.py::test_batched_restarts[batched]"]
    return f"{_rng(_get(i, 'speedup'), '{:.1f}')}x faster"


def _row_memory(b):
    s = _get(b["bench/test_amp.py::test_peak_memory[scalar]"], "peak_over_size_of_X")
    f = _get(b["bench/test_amp.py::test_peak_memory[full]"], "peak_over_size_of_X")
    return f"scalar {_rng(s)}, full {_rng(f)}"


def _row_rsb_warm(b):
    i = b["bench/test_rsb.py::test_warm_point_ratio"]
    rsb, sweep_, loop = (_get(i, k) for k in ("1rsb_line_s_per_point", "rs_sweep_line_s_per_point",
                                                  "rs_warm_solve_rs_loop_s_per_point"))
    return (f"{_rng([a / c for a, c in zip(rsb, sweep_)], '{:.0f}')}x the RS sweep kernel's point, "
            f"{_rng([a / c for a, c in zip(rsb, loop)], '{:.0f}')}x a warm `solve_rs` call "
            f"({_rng(rsb, '{:.1f}', 1e3)} ms per 1RSB point)")


def _row_curve(b):
    i = b["bench/test_rsb.py::test_curve_command_1rsb_vs_rs"]
    rs = [v for x in _get(i, "rs_s") for v in x]
    rsb = [v for x in _get(i, "rsb_s") for v in x]
    return f"{_rng(rsb, '{:.1f}')} s vs {_rng(rs, '{:.1f}')} s ({_rng([a / c for a, c in zip(rsb, rs)])}x)"


#: (key, what the row measures, benchmark node ids, formatter)
ROWS = [
    ("map", "one RS map evaluation, fastq (exact erf) vs SciPy `quad` reference",
     ["bench/test_core.py::test_rs_map_speed_ratio"], _row_map),
    ("like", "one RS point, like for like: the same damped iteration, start and tolerance",
     ["bench/test_core.py::test_rs_point_like_for_like"], _row_like),
    ("default", "one RS point, fastq's default solver (Anderson) vs the same reference",
     ["bench/test_core.py::test_rs_point_speed_ratio"], _row_default),
    ("compile", "import + first solve: cold Numba cache / on-disk cache",
     ["bench/test_core.py::test_compile_time_cold_and_cached"], _row_compile),
    ("grid", "10^6-point grid (n_p 1-250 x 4000 omegas, reverse check on), per point vs one warm `solve_rs`",
     ["bench/test_scale.py::test_million_point_grid_ratios"], _row_grid),
    ("command", "the same as a command, whole process (`fastq phase --n-p 1:250 --omega 0.05:10:4000 --jobs 2 "
     "--no-kappa --no-plot`, 2 threads)", ["bench/test_scale.py::test_million_point_phase_command"], _row_command),
    ("amp-full", "AMP iteration, full variance (N = 2500, alpha = 1.5) vs one `X @ u` + `X.T @ r` in NumPy, "
     "same threads, wall time", ["bench/test_amp.py::test_iteration_vs_memory_floor"], _row_amp("full")),
    ("amp-scalar", "same, scalar variance", [], _row_amp("scalar")),
    ("amp-batched", "K = 100 batched AMP restarts vs 100 sequential runs",
     ["bench/test_amp.py::test_batched_restarts"], _row_batched),
    ("amp-memory", "AMP peak memory / size of X", ["bench/test_amp.py::test_peak_memory"], _row_memory),
    ("rsb-warm", "warm 1RSB point (b = 2, line of 131 omegas) vs a warm RS point",
     ["bench/test_rsb.py::test_warm_point_ratio"], _row_rsb_warm),
    ("rsb-curve", "`fastq curve --vary omega --bits 2 --omega 0.3:1.6:131 ... --theory 1rsb` vs the same RS "
     "curve, whole process", ["bench/test_rsb.py::test_curve_command_1rsb_vs_rs"], _row_curve),
]


def _run_once(nodes, out_json):
    """One pytest process over ``nodes`` (slow ones included) writing pytest-benchmark JSON."""
    cmd = [sys.executable, "-m", "pytest", *nodes, "-m", "slow or not slow", "-q", "-p", "no:cacheprovider",
           "--benchmark-json", out_json, "--benchmark-disable-gc"]
    subprocess.run(cmd, cwd=ROOT, check=False, stdout=sys.stderr)  # pytest's report to stderr: stdout is the table
    with open(out_json) as fh:
        data = json.load(fh)
    infos = {}
    for b in data.get("benchmarks", []):
        infos.setdefault(b["fullname"], []).append(b.get("extra_info", {}))
    return infos


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="pytest sessions (ranges are over them; default 3)")
    ap.add_argument("--only", default="", help="comma-separated texts: rows whose key contains one (default: all)")
    args = ap.parse_args(argv)
    if not 1 <= args.runs <= 20:
        ap.error(f"--runs must be an integer in [1, 20] (got {args.runs})")
    wanted = [w for w in args.only.split(",") if w] or [""]
    rows = [r for r in ROWS if any(w in r[0] for w in wanted)]
    nodes = sorted({n for r in rows for n in r[2]})
    merged: dict[str, list] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.runs):
            print(f"run {k + 1}/{args.runs} ...", file=sys.stderr, flush=True)
            for name, infos in _run_once(nodes, os.path.join(tmp, f"run{k}.json")).items():
                merged.setdefault(name, []).extend(infos)
    when = time.strftime("%Y-%m-%d", time.gmtime())
    print(f"| what ({args.runs} run(s), {os.cpu_count()} cores, {when}) | measured (range over runs) |")
    print("|---|---|")
    for _, what, _, fmt in rows:
        try:
            cell = fmt(merged)
        except (KeyError, IndexError, ZeroDivisionError):
            cell = None
        print(f"| {what} | {cell if cell else 'not run'} |")


if __name__ == "__main__":
    main()
