"""Benchmark regression run: compare fastq at BASE with fastq at HEAD on this machine, in one job.

    python scripts/bench_regress.py BASE [HEAD] [options]

BASE and HEAD are git revisions; HEAD defaults to ``.``, the working tree as it is (uncommitted
edits included), and ``.`` is accepted for BASE too.  For each revision the ``fastq`` package is
exported with ``git archive`` into ``.bench-regress/src/<sha>/`` (kept, so Numba's cache there is
warm on the next run) and selected with ``PYTHONPATH``; the dependencies are those of the
running interpreter.  Both sides run the *same* benchmark files -- HEAD's ``bench/test_regress.py``
with ``bench/conftest.py`` and ``bench/timing.py``, copied to ``.bench-regress/suite/`` -- so the
comparison is like for like, as in asv.  Thread pools (BLAS, OpenMP, Numba) are pinned to one
thread and times are process CPU time (``--benchmark-timer=time.process_time``): on a shared
machine, CPU time is what other processes disturb least.  Kernels are compiled before timing,
and the sides alternate BASE, HEAD, BASE, ... for ``--rounds`` rounds, keeping each best.

Compared (lower is better in every row), each with its own threshold in percent:

* ``time``   -- pytest-benchmark's minimum CPU time of the timed call (``--time-threshold``, 25);
* ``ratio_*`` -- same-run ratios of fastq to a reference, from ``extra_info`` (``--ratio-threshold``, 20);
* ``count_*`` -- iteration counts and map evaluations, from ``extra_info`` (``--count-threshold``, 2).

Prints one table and exits 1 if any row grew beyond its threshold, 0 otherwise (2 on bad input).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITE_FILES = ("conftest.py", "timing.py", "test_regress.py")
THRESHOLDS = {"time": 25.0, "ratio": 20.0, "count": 2.0}
PINNED = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
          "NUMBA_NUM_THREADS": "1"}


# ----------------------------------------------------------------------------- comparison
def metrics(bench_json: dict) -> dict:
    """``{benchmark name: {metric: value}}`` from one pytest-benchmark JSON document: ``time``
    (the minimum) and every numeric ``ratio_*`` / ``count_*`` entry of ``extra_info``."""
    out = {}
    for b in bench_json.get("benchmarks", []):
        row = {}
        stats = b.get("stats") or {}
        if isinstance(stats.get("min"), (int, float)):
            row["time"] = float(stats["min"])
        for k, v in (b.get("extra_info") or {}).items():
            if k.startswith(("ratio_", "count_")) and isinstance(v, (int, float)) and not isinstance(v, bool):
                row[k] = float(v)
        out[b.get("fullname", b.get("name"))] = row
    return out


def best_of_rounds(rounds: list[dict]) -> dict:
    """Merge the metrics of several rounds of one side: the smallest value of every metric."""
    merged: dict = {}
    for r in rounds:
        for name, row in r.items():
            dst = merged.setdefault(name, {})
            for k, v in row.items():
                dst[k] = min(v, dst.get(k, v))
    return merged


def kind(metric: str) -> str:
    """``time``, ``ratio`` or ``count``: which threshold applies."""
    return "time" if metric == "time" else metric.split("_", 1)[0]


def compare(base: dict, head: dict, thresholds: dict | None = None, timing: bool = True) -> list[dict]:
    """Rows ``{benchmark, metric, base, head, change_pct, threshold_pct, verdict}`` for every
    metric of the two sides (``metrics`` or ``best_of_rounds`` outputs).  Verdicts: ``ok``,
    ``REGRESSION`` (grew by more than the threshold), ``new`` / ``gone`` (on one side only),
    ``skipped`` (timing off)."""
    th = dict(THRESHOLDS, **(thresholds or {}))
    rows = []
    for name in sorted(set(base) | set(head)):
        b, h = base.get(name, {}), head.get(name, {})
        for metric in sorted(set(b) | set(h), key=lambda m: (m != "time", m)):
            t = th[kind(metric)]
            bv, hv = b.get(metric), h.get(metric)
            row = dict(benchmark=name, metric=metric, base=bv, head=hv, change_pct=None, threshold_pct=t)
            if bv is None or hv is None:
                row["verdict"] = "new" if bv is None else "gone"
            elif metric == "time" and not timing:
                row["verdict"] = "skipped"
            else:
                row["change_pct"] = 100.0 * (hv - bv) / abs(bv) if bv != 0 else (0.0 if hv == bv else float("inf"))
                row["verdict"] = "REGRESSION" if row["change_pct"] > t else "ok"
            rows.append(row)
    return rows


def table(rows: list[dict]) -> str:
    """The comparison as aligned text."""
    def fmt(v, metric):
        if v is None:
            return "-"
        return f"{v * 1e3:.3f} ms" if metric == "time" else f"{v:.4g}"

    lines = [("benchmark", "metric", "base", "head", "change", "limit", "verdict")]
    for r in rows:
        ch = "-" if r["change_pct"] is None else f"{r['change_pct']:+.1f}%"
        lines.append((r["benchmark"].split("::")[-1], r["metric"], fmt(r["base"], r["metric"]),
                      fmt(r["head"], r["metric"]), ch, f"+{r['threshold_pct']:g}%", r["verdict"]))
    w = [max(len(x[i]) for x in lines) for i in range(len(lines[0]))]
    return "\n".join("  ".join(c.ljust(w[i]) for i, c in enumerate(x)).rstrip() for x in lines)


# ----------------------------------------------------------------------------- running
def _git(*args, cwd=ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def resolve(rev: str) -> str | None:
    """The commit of ``rev``, or None for ``.`` (the working tree); SystemExit(2) if unknown."""
    if rev == ".":
        return None
    try:
        return _git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    except subprocess.CalledProcessError:
        print(f"bench_regress: revision {rev!r} is not a commit of this repository "
              "(a shallow clone may lack it: git fetch --deepen=1)", file=sys.stderr)
        raise SystemExit(2) from None


def source_tree(sha: str | None, work: Path) -> Path:
    """A directory whose ``fastq/`` is the package at ``sha`` (the working tree for None)."""
    if sha is None:
        return ROOT
    dst = work / "src" / sha
    if not (dst / "fastq" / "__init__.py").exists():
        tmp = Path(tempfile.mkdtemp(dir=work))
        data = subprocess.run(["git", "archive", "--format=tar", sha, "fastq"], cwd=ROOT, check=True,
                              capture_output=True).stdout
        tar_path = tmp / "src.tar"
        tar_path.write_bytes(data)
        with tarfile.open(tar_path) as tf:
            try:
                tf.extractall(tmp / "tree", filter="data")
            except TypeError:  # Python without extraction filters (< 3.10.12): our own archive
                tf.extractall(tmp / "tree")
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(dst, ignore_errors=True)
        (tmp / "tree").rename(dst)
        shutil.rmtree(tmp, ignore_errors=True)
    return dst


def suite(head: str | None, work: Path) -> Path:
    """HEAD's benchmark subset copied to ``work/suite/bench`` (its parent holds no fastq)."""
    dst = work / "suite" / "bench"
    shutil.rmtree(dst.parent, ignore_errors=True)
    dst.mkdir(parents=True)
    (dst.parent / "pytest.ini").write_text("[pytest]\n")  # not the repository's test settings
    for f in SUITE_FILES:
        text = (ROOT / "bench" / f).read_text() if head is None else _git("show", f"{head}:bench/{f}") + "\n"
        (dst / f).write_text(text)
    return dst


def run_side(tree: Path, bench_dir: Path, out: Path, extra_env: dict, select: str | None) -> dict:
    """Run the suite against the fastq in ``tree``; returns its metrics."""
    env = dict(os.environ, **PINNED, **extra_env)
    env["PYTHONPATH"] = str(tree) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    where = subprocess.run([sys.executable, "-c", "import fastq; print(fastq.__file__)"], env=env,
                           cwd=bench_dir.parent, capture_output=True, text=True, check=True).stdout.strip()
    if not Path(where).resolve().is_relative_to(tree.resolve()):
        raise SystemExit(f"bench_regress: fastq imported from {where}, not from {tree}")
    cmd = [sys.executable, "-m", "pytest", str(bench_dir / "test_regress.py"), "-q", "-p", "no:cacheprovider",
           f"--benchmark-json={out}", "--benchmark-warmup=on",
           "--benchmark-timer=time.process_time"]
    if select:
        cmd += ["-k", select]
    proc = subprocess.run(cmd, cwd=bench_dir.parent, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"bench_regress: the benchmarks failed against {tree}")
    return metrics(json.loads(out.read_text()))


def _parse_env(items):
    env = {}
    for item in items or []:
        k, sep, v = item.partition("=")
        if not sep or not k:
            print(f"bench_regress: --head-env must be NAME=VALUE (got {item!r})", file=sys.stderr)
            raise SystemExit(2)
        env[k] = v
    return env


def main(argv=None) -> int:
    """Command line entry point (see the module docstring)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("base", help="git revision of the base, or . for the working tree")
    p.add_argument("head", nargs="?", default=".", help="git revision of the head (default: . = working tree)")
    p.add_argument("--rounds", type=int, default=2, help="alternating runs per side, best kept (default 2)")
    p.add_argument("--time-threshold", type=float, default=THRESHOLDS["time"], help="percent (default 25)")
    p.add_argument("--ratio-threshold", type=float, default=THRESHOLDS["ratio"], help="percent (default 20)")
    p.add_argument("--count-threshold", type=float, default=THRESHOLDS["count"], help="percent (default 2)")
    p.add_argument("--no-timing", action="store_true", help="compare only the machine-independent checks")
    p.add_argument("--head-env", action="append", metavar="NAME=VALUE", help="extra environment of the head runs")
    p.add_argument("-k", dest="select", help="pytest -k expression to run part of the subset")
    p.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    a = p.parse_args(argv)
    if a.rounds < 1:
        print(f"bench_regress: --rounds must be an integer >= 1 (got {a.rounds})", file=sys.stderr)
        return 2
    for name in ("time_threshold", "ratio_threshold", "count_threshold"):
        if not getattr(a, name) >= 0:
            print(f"bench_regress: --{name.replace('_', '-')} must be >= 0 (got {getattr(a, name)})", file=sys.stderr)
            return 2
    head_env = _parse_env(a.head_env)
    base_sha, head_sha = resolve(a.base), resolve(a.head)
    work = ROOT / ".bench-regress"
    work.mkdir(exist_ok=True)
    trees = {"base": source_tree(base_sha, work), "head": source_tree(head_sha, work)}
    bench_dir = suite(head_sha, work)
    got = {"base": [], "head": []}
    for r in range(a.rounds):
        for side in ("base", "head"):
            print(f"[bench_regress] round {r + 1}/{a.rounds}: {side} ({trees[side]})", file=sys.stderr, flush=True)
            got[side].append(run_side(trees[side], bench_dir, work / f"{side}-{r}.json",
                                      head_env if side == "head" else {}, a.select))
    rows = compare(best_of_rounds(got["base"]), best_of_rounds(got["head"]),
                   {"time": a.time_threshold, "ratio": a.ratio_threshold, "count": a.count_threshold},
                   timing=not a.no_timing)
    print(f"base {a.base} ({base_sha or 'working tree'}) vs head {a.head} ({head_sha or 'working tree'}); "
          "lower is better; limits are the allowed growth")
    print(table(rows))
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=1))
    bad = [r for r in rows if r["verdict"] == "REGRESSION"]
    print(f"{len(bad)} regression(s)" if bad else "no regression")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
