"""Bad input, every subcommand: one line naming the parameter, exit 2, no work, no traceback.

Each case runs ``fastq`` in-process with every entry point of real work replaced by a tripwire
(the parallel map, the RS solver kernel, the state-evolution and STE kernels, the sphere
decoder, figure making): a refusal that came after work had started fails the test.  The output
directory of each case must not exist afterwards.

The table of all cases, with the message each one gets, is ``docs/bad_inputs.md``; this test
checks that the file is current.  Regenerate it with ``python -m tests.cli.test_bad_inputs``.
"""
from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

import pytest

from fastq.cli import main

DOC = Path(__file__).resolve().parents[2] / "docs" / "bad_inputs.md"
OUT = "OUT"  # replaced by a per-case directory that must never be created

Q = ["--bits", "3", "--omega", "1.5"]
M = ["--alpha", "1.5", "--sigma", "0.01", "--lam", "1"]
AMP = ["amp", "--bits", "5", "--omega", "2.5", "--edge-width", "0.1", *M, "--n", "50"]
EXACT = ["exact", "--bits", "2", "--omega", "1", *M, "--n", "4:8:2", "--runs", "3", "--seed", "1",
         "--out", OUT]
STE = ["ste", "--bits", "2", "--omega", "2", "--lr", "0.5", "--sigma", "0.1"]
OPT = ["optimize", "--bits", "3", *M]

#: (argv, a word the one-line message must contain)
CASES = [
    # --- rsb
    (["rsb", "--n-p", "2", "--omega", "0", *M], "omega"),
    (["rsb", "--n-p", "0", "--omega", "1", *M], "n_p"),
    (["rsb", "--bits", "2.5", "--omega", "1", *M], "bits"),
    (["rsb", "--n-p", "2", "--omega", "1", "--alpha", "-1", "--sigma", "0.01", "--lam", "0.01"], "alpha"),
    (["rsb", "--n-p", "2", "--omega", "1", "--alpha", "1.4", "--sigma", "-0.1", "--lam", "0.01"], "sigma"),
    (["rsb", "--n-p", "2", "--omega", "1", "--alpha", "1.4", "--sigma", "0.01", "--lam", "inf"], "lam"),
    (["rsb", "--n-p", "2", "--omega", "nan", *M], "omega"),
    (["rsb", "--n-p", "2", "--omega", "1", *M, "--rho", "0"], "rho"),
    (["rsb", "--scheme", "mu-law", "--n-p", "2", "--omega", "1", *M], "scheme"),
    # --- rs
    (["rs", "--bits", "1100", "--omega", "1", *M], "bits"),
    (["rs", "--bits", "2.5", "--omega", "1", *M], "bits"),
    (["rs", "--n-p", "0", "--omega", "1", *M], "n_p"),
    (["rs", "--n-p", "2.5", "--omega", "1", *M], "n_p"),
    (["rs", "--n-p", "70000", "--omega", "1", *M], "n_p"),
    (["rs", "--n-p", "2", "--omega", "0", *M], "omega"),
    (["rs", "--n-p", "2", "--omega", "nan", *M], "omega"),
    (["rs", "--n-p", "2", "--omega", "inf", *M], "omega"),
    (["rs", "--n-p", "2", "--omega", "abc", *M], "not a number"),
    (["rs", *Q, "--alpha", "0", "--sigma", "0", "--lam", "0"], "alpha"),
    (["rs", *Q, "--alpha", "1", "--sigma", "-1", "--lam", "0"], "sigma"),
    (["rs", *Q, "--alpha", "1", "--sigma", "0", "--lam", "-2"], "lam"),
    (["rs", *Q, *M, "--rho", "0"], "rho"),
    (["rs", *Q, *M, "--edge-convention", "jump", "--edge-width", "1.5"], "edge_width"),
    (["rs", *Q, *M, "--edge-convention", "pixel"], "edge-convention"),
    (["rs", *Q, *M, "--edge-width", "-1"], "edge_width"),
    (["rs", *Q, *M, "--tol", "0"], "tol"),
    (["rs", *Q, *M, "--max-iter", "0"], "max_iter"),
    (["rs", "--scheme", "mu-law", *Q, *M], "scheme"),
    (["rs", "--format", "nf5", "--omega", "2", *M], "format"),
    (["rs", "--format", "nf4", "--scheme", "log", "--omega", "2", *M], "scheme"),
    (["rs", "--levels", "0,-1,1", "--omega", "1", *M], "levels"),
    (["rs", "--levels", "-1,0,0,1", "--omega", "1", *M], "duplicate"),
    (["rs", "--levels", "-1,x,1", "--omega", "1", *M], "levels"),
    (["rs", "--levels", "-1,0,nan", "--omega", "1", *M], "levels"),
    (["rs", "--levels", "-1,0,1", "--thresholds", "0.5,0.6", "--omega", "1", *M], "thresholds"),
    (["rs", "--levels", "-1,0,1", "--thresholds", "0.5", "--omega", "1", *M], "thresholds"),
    (["rs", "--levels", "-1,0,1", "--thresholds", "-0.1,0.1", "--edge-convention", "jump", "--edge-width", "0.5",
      "--omega", "1", *M], "overlap"),
    (["rs", *Q, "--thresholds", "0.1", *M], "thresholds"),
    (["rs", "--levels", "-1,0,1", "--omega", "0", *M], "omega"),
    # --- ridge
    (["ridge", "--alpha", "0.5", "--sigma", "0.1", "--lam", "0"], "alpha"),
    (["ridge", "--alpha", "1", "--sigma", "0.1", "--lam", "1e-300"], "lam"),
    (["ridge", "--alpha", "-1", "--sigma", "0.1", "--lam", "1"], "alpha"),
    # --- se
    (["se", "--format", "fp9", "--omega", "2", *M], "format"),
    (["se", *Q, *M, "--t-max", "0"], "t_max"),
    (["se", *Q, *M, "--v0", "-1"], "V0"),
    (["se", *Q, *M, "--e0", "0"], "E0"),
    (["se", *Q, *M, "--tol", "-1"], "tol"),
    (["se", *Q, *M, "--edge-convention", "jump", "--edge-width", "-0.5"], "edge_width"),
    # --- amp
    ([*AMP[:-2], "--n", "1"], "n"),
    ([*AMP[:-2], "--n", "10000000"], "memory"),
    ([*AMP, "--runs", "0"], "runs"),
    ([*AMP, "--edge-convention", "jump", "--edge-width", "3"], "edge_width"),
    ([*AMP, "--restarts", "0"], "restarts"),
    ([*AMP, "--seed", "-1"], "seed"),
    ([*AMP, "--jobs", "0"], "jobs"),
    ([*AMP, "--jobs", "-2"], "jobs"),
    ([*AMP, "--max-iter", "0"], "max_iter"),
    ([*AMP, "--tol", "-1"], "tol"),
    ([*AMP, "--backend", "dask"], "scheduler"),
    ([*AMP, "--scheduler", "tcp://x:1"], "scheduler"),
    ([*AMP, "--runs", "1000", "--max-iter", "1000000", "--n", "2000"], "compute"),
    (["amp", "--bits", "5", "--omega", "2.5", "--alpha", "1e-9", "--sigma", "0.1", "--lam", "0.1", "--n", "100"],
     "alpha * n"),
    ([*AMP, "--out", ""], "out"),
    ([*AMP, "--out", "/proc/fastq-cannot-write-here"], "out"),
    # --- curve
    (["curve", "--vary", "omega", "--omega", "0:5:10", "--out", OUT], "omega"),
    (["curve", "--vary", "omega", "--omega", "-1:5:10", "--out", OUT], "omega"),
    (["curve", "--vary", "omega", "--omega", "1:1:5", "--out", OUT], "omega"),
    (["curve", "--vary", "omega", "--omega", "1:5:1", "--out", OUT], "COUNT"),
    (["curve", "--vary", "alpha", "--alpha", "0.1:3:0", "--out", OUT], "COUNT"),
    (["curve", "--vary", "omega", "--bits", "2,,3", "--out", OUT], "bits"),
    (["curve", "--vary", "omega", "--bits", "2.5", "--out", OUT], "bits"),
    (["curve", "--vary", "alpha", "--omega", "1:2:3", "--out", OUT], "omega"),
    (["curve", "--vary", "omega", "--omega", "0.1:6:4000000", "--out", OUT], "COUNT"),
    (["curve", "--vary", "omega", "--edge-width", "-0.1", "--out", OUT], "edge_width"),
    (["curve", "--vary", "omega", "--edge-convention", "jump", "--edge-width", "2", "--out", OUT],
     "edge_width"),
    (["curve", "--vary", "omega", "--out", ""], "out"),
    (["curve", "--vary", "omega", "--theory", "2rsb", "--out", OUT], "theory"),
    # --- phase
    (["phase", "--omega", "-1:10:50", "--out", OUT], "omega"),
    (["phase", "--omega", "1:1:5", "--out", OUT], "omega"),
    (["phase", "--omega", "1:5", "--out", OUT], "omega"),
    (["phase", "--n-p", "1:250", "--omega", "0.05:10:4000", "--theory", "1rsb", "--out", OUT], "theory"),
    (["phase", "--n-p", "0:5", "--out", OUT], "n_p"),
    (["phase", "--n-p", "5:2", "--out", OUT], "n_p"),
    (["phase", "--n-p", "1:5:2", "--out", OUT], "n_p"),
    (["phase", "--edge-width", "0", "--out", OUT], "edge_width"),
    (["phase", "--edge-convention", "jump", "--edge-width", "1.01", "--out", OUT], "edge_width"),
    (["phase", "--chunk-lines", "0", "--out", OUT], "chunk_lines"),
    (["phase", "--n-p", "1:5000", "--omega", "0.1:10:10000", "--out", OUT], "points"),
    (["phase", "--out", ""], "out"),
    (["phase", "--jobs", "0", "--out", OUT], "jobs"),
    # --- exact
    (["exact", "--levels", "1,0", "--omega", "1", *M, "--n", "4:8:2", "--runs", "3", "--seed", "1",
      "--out", OUT], "levels"),
    ([*EXACT[:EXACT.index("--n")], "--n", "8,,16", *EXACT[EXACT.index("--runs"):]], "n"),
    ([*EXACT[:EXACT.index("--n")], "--n", "8", *EXACT[EXACT.index("--runs"):]], "n"),
    ([*EXACT[:EXACT.index("--n")], "--n", "8:4", *EXACT[EXACT.index("--runs"):]], "n"),
    ([*EXACT[:EXACT.index("--n")], "--n", "4:400:100", *EXACT[EXACT.index("--runs"):]], "n"),
    ([*EXACT, "--runs", "1"], "runs"),
    # the former spellings still parse (hidden aliases), and their errors name the new option
    ([*EXACT[:EXACT.index("--n")], "--sizes", "8", *EXACT[EXACT.index("--runs"):]], "n"),
    ([*EXACT[:EXACT.index("--runs")], "--instances", "1", *EXACT[EXACT.index("--seed"):]], "runs"),
    ([*EXACT[:EXACT.index("--runs")], "--runs", "1e9", *EXACT[EXACT.index("--seed"):]], "limit"),
    ([*EXACT, "--node-limit", "1e13"], "limit"),
    ([*EXACT[:-1], "L" * 300], "out"),
    (["phase", "--n-p", "1:2", "--omega", "0.5:1:3", "--out", "p/" + "L" * 300], "out"),
    (["curve", "--vary", "omega", "--omega", "0.5:1:3", "--bits", "2", "--alpha", "1", "--out", "L" * 256], "out"),
    ([*EXACT, "--node-limit", "0"], "node_limit"),
    ([*EXACT, "--edge-width", "0"], "edge_width"),
    ([*EXACT, "--edge-convention", "jump", "--edge-width", "4"], "edge_width"),
    ([*EXACT, "--seed", "-2"], "seed"),
    # --- optimize
    (["optimize", "--levels-count", "1", *M], "levels_count"),
    (["optimize", "--levels-count", "65", *M], "levels_count"),
    (["optimize", "--levels-count", "4", *M, "--edge-convention", "jump", "--edge-width", "0.1"], "levels-count"),
    (["optimize", *OPT[1:], "--asymmetric"], "asymmetric"),
    (["optimize", "--format", "int9", *M], "format"),
    ([*OPT, "--tolerance", "-1"], "tolerance"),
    ([*OPT, "--edge-convention", "jump", "--edge-width", "1.5"], "edge_width"),
    ([*OPT, "--target-eg", "0.1"], "target-eg"),
    ([*OPT, "--all-schemes"], "all-schemes"),
    ([*OPT, "--out", OUT], "out"),
    ([*OPT, "--omega-range", "2:1"], "omega-range"),
    ([*OPT, "--omega-range", "0:1"], "omega-range"),
    ([*OPT, "--n-scan", "3"], "n_scan"),
    ([*OPT, "--margin", "-1"], "margin"),
    ([*OPT, "--theory", "1rsb", "--rsb-optimum", "off"], "rsb-optimum"),
    (["optimize", "--bits-range", "1:3", *M], "bits"),
    (["optimize", "--bits-range", "2:12", "--all-schemes", *M], "bits"),
    (["optimize", "--bits-range", "2:3", *M, "--out", ""], "out"),
    # --- figures
    (["figures", "--only", "", "--out", OUT], "only"),
    (["figures", "--only", "11", "--out", OUT], "figure"),
    (["figures", "--only", "1,,2", "--out", OUT], "only"),
    (["figures", "--group", "nope", "--out", OUT], "group"),
    (["figures", "--jobs", "0", "--out", OUT], "jobs"),
    (["figures", "--out", ""], "out"),
    # --- routing
    (["routing", "--p", "1.5"], "p"),
    (["routing", "--copies", "0"], "copies"),
    (["routing", "--n", "1"], "n"),
    (["routing", "--alpha", "0"], "alpha"),
    (["routing", "--bits", "9"], "bits"),
    (["routing", "--bits", "0", "--rule", "clipped"], "bits"),
    (["routing", "--model", "committee", "--hidden", "2"], "hidden"),
    (["routing", "--model", "mlp", "--rule", "hebb"], "rule"),
    (["routing", "--gamma", "0"], "coupling"),
    (["routing", "--coupling", "1.5"], "coupling"),
    (["routing", "--epochs", "0"], "epochs"),
    (["routing", "--epochs", "2.5"], "epochs"),
    (["routing", "--kernel", "gaussian", "--width", "0"], "width"),
    (["routing", "--width", "-1"], "width"),
    (["routing", "--n", "100000", "--alpha", "5000", "--epochs", "1"], "memory"),
    (["routing", "--n", "10000", "--alpha", "5", "--epochs", "1"], "P * N"),
    (["routing", "--warmup", "2"], "warmup"),
    (["routing", "--rule", "sbpi", "--bits", "1"], "epochs"),
    (["routing", "--clip", "-1"], "clip"),
    (["routing", "--init", "aligned"], "init"),
    (["routing", "--out", OUT, "--lr", "-1"], "lr"),
    (["routing", "--runs", "1"], "runs"),
    (["routing", "--jobs", "0"], "jobs"),
    (["routing", "--n", "100000", "--alpha", "1000", "--copies", "64"], "copies"),
    (["routing", "--out", OUT, "--eta", "-1"], "lr"),
    (["route", "--kernel", "ring", "--p", "nan"], "p"),
    (["routing", "--model", "mlp", "--dataset", "digits", "--n", "50"], "n"),
    (["routing", "--dataset", "digits", "--n", "64"], "dataset"),
    (["routing", "--model", "mlp", "--dataset", "mnist1d", "--n", "64"], "n"),
    (["routing", "--model", "mlp", "--dataset", "mnist1d", "--n", "40", "--alpha", "101", "--epochs", "2"], "alpha"),
    # --- ste
    (["ste", "--format", "nf3", "--omega", "2", "--lr", "0.5", "--sigma", "0.1"], "format"),
    ([*STE, "--lr", "2"], "lr"),
    ([*STE[:-1], "1e5"], "sigma"),
    ([*STE, "--teacher", "constant:1e308"], "teacher"),
    ([*STE, "--teacher", "constant:1e6"], "teacher_value"),
    ([*STE, "--rho", "1e300"], "rho"),
    (["rs", "--bits", "2", "--omega", "1e308", *M], "omega"),
    (["ridge", "--alpha", "1e300", "--sigma", "0", "--lam", "0"], "alpha"),
    (["rsb", "--n-p", "20000", "--omega", "1", *M], "limit"),
    ([*STE, "--lr", "0"], "lr"),
    (["ste", "--bits", "2", "--omega", "2", "--sigma", "0.1"], "lr"),
    ([*STE, "--tau-max", "0"], "tau_max"),
    ([*STE, "--tau-max", "1e9"], "compute"),
    ([*STE, "--dtau", "20"], "dtau"),
    ([*STE, "--n", "1"], "n"),
    ([*STE, "--runs", "0"], "runs"),
    ([*STE, "--n", "100", "--jobs", "0"], "jobs"),
    ([*STE, "--input-bits", "2"], "input_omega"),
    ([*STE, "--input-omega", "2"], "input_omega"),
    ([*STE, "--input-bits", "2.5", "--input-omega", "2"], "input_bits"),
    ([*STE, "--input-n-p", "0", "--input-omega", "2"], "input_n_p"),
    ([*STE, "--input-bits", "2", "--input-omega", "-1"], "input_omega"),
    ([*STE, "--input-bits", "2", "--input-n-p", "2", "--input-omega", "2"], "not allowed"),
    ([*STE, "--init", "gaussian:0"], "init"),
    ([*STE, "--init", "uniform"], "init"),
    ([*STE, "--teacher", "constant:x"], "teacher"),
    ([*STE, "--teacher", "constant:inf"], "teacher"),
    ([*STE, "--teacher", "laplace"], "teacher"),
    # --- formats
    (["formats", "--formats", "nf4,nf9"], "formats"),
    (["formats", "--alpha", "1.5"], "--sigma"),
    (["formats", *M, "--rho", "0", "--out", OUT], "rho"),
    (["formats", "--alpha", "-1", "--sigma", "0.1", "--lam", "0.1", "--out", OUT], "alpha"),
    (["formats", *M, "--n-scan", "3", "--out", OUT], "n_scan"),
    (["formats", *M, "--edge-width", "-0.1", "--out", OUT], "edge_width"),
    (["formats", *M, "--edge-convention", "jump", "--edge-width", "0.1", "--out", OUT], "edge-convention"),
    # --- compare
    (["compare", "--levels", "-1,1,1", "--omega", "1", *M], "levels"),
    (["compare", "--bits", "3", "--omega", "2", "--alpha", "1.5", "--sigma", "0.1", "--lam", "-1"], "lam"),
    (["compare", "--bits", "3", "--omega", "2", "--alpha", "1.5", "--sigma", "0.1", "--lam", "0.1",
      "--edge-fraction", "2"], "edge_fraction"),
    (["compare", "--bits", "3", "--omega", "2", "--alpha", "1.5", "--sigma", "0.1", "--lam", "0.1",
      "--edge-fraction", "0.2", "--edge-convention", "jump"], "edge_fraction"),
    (["compare", "--bits", "3", "--omega", "2", "--alpha", "1.5", "--sigma", "0.1", "--lam", "0.1",
      "--edge-width", "1.2", "--edge-convention", "jump"], "edge_width"),
    (["compare", "--bits", "3", "--omega", "0", "--alpha", "1.5", "--sigma", "0.1", "--lam", "0.1"], "omega"),
    # --- qat
    (["qat", "--dataset", "teacher", "--bits", "1", "--out", OUT], "bits"),
    (["qat", "--dataset", "teacher", "--widths", "8,x", "--out", OUT], "widths"),
    (["qat", "--dataset", "teacher", "--lr", "-1", "--out", OUT], "lr"),
    (["qat", "--dataset", "teacher", "--runs", "0", "--out", OUT], "runs"),
    (["qat", "--dataset", "teacher", "--n", "0", "--out", OUT], "n"),
    (["qat", "--dataset", "nope", "--out", OUT], "dataset"),
    (["qat", "--dataset", "teacher", "--jobs", "0", "--out", OUT], "jobs"),
    # --- sgd
    (["sgd", "--n", "0"], "--n"),
    (["sgd", "--dim", "0"], "--n"),
    (["sgd", "--lr", "-1"], "--lr"),
    (["sgd", "--label", "int-rtn:1"], "label bits"),
    (["sgd", "--gradient", "fp-rtn:3"], "--runs"),
    (["sgd", "--data", "int:32", "--runs", "0"], "exact moments"),
    (["sgd", "--data", "add:x"], "data eps"),
    (["sgd", "--gradient", "fp:3"], "--runs"),
    (["sgd", "--runs", "1"], "runs"),
    (["sgd", "--dim", "1000", "--runs", "100000", "--steps", "100000"], "simulation limit"),
    (["sgd", "--runs", "4", "--out", ""], "out"),
]


class _Tripwire(Exception):
    pass


def _trip(*args, **kwargs):
    raise _Tripwire("work started before the input was refused")


@pytest.fixture
def no_work(monkeypatch):
    """Replace every entry point of real work by a tripwire."""
    import fastq.checkpoints
    import fastq.exact.solver
    import fastq.figures
    import fastq.parallel
    import fastq.replica.saddle
    import fastq.replica.se
    import fastq.routing.study
    import fastq.ste.mean_field
    import fastq.ste.stationary

    for mod, name in [(fastq.parallel, "parallel_map"), (fastq.checkpoints, "parallel_map"),
                      (fastq.replica.saddle, "_solve"), (fastq.replica.se, "_se"),
                      (fastq.exact.solver, "_sphere_decode"), (fastq.figures, "make"),
                      (fastq.ste.stationary, "_stationary_rhs"), (fastq.ste.mean_field, "_fp_solve"),
                      (fastq.routing.study, "_simulate")]:
        monkeypatch.setattr(mod, name, _trip)


def _run(argv, tmp_path):
    out_dir = tmp_path / "never"
    argv = [str(out_dir) if a == OUT else a for a in argv]
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            rc = main(argv)
        except SystemExit as exc:  # argparse's own errors
            rc = exc.code
    return rc, err.getvalue().strip(), out_dir


def test_enough_cases_over_every_subcommand():
    from fastq.cli import build_parser

    commands = {c[0][0] for c in CASES}
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert len(CASES) >= 60
    assert commands == set(sub.choices), set(sub.choices) - commands


@pytest.mark.parametrize("argv, word", CASES, ids=[" ".join(c[0])[:60] for c in CASES])
def test_bad_input_is_refused_in_one_line_before_any_work(argv, word, tmp_path, no_work):
    rc, err, out_dir = _run(argv, tmp_path)
    assert rc == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert word in err, err
    assert not out_dir.exists()


def _table(tmp_path) -> str:
    rows = ["# Bad input: what every subcommand says", "",
            "Generated by `tests/cli/test_bad_inputs.py` (regenerate: `python -m tests.cli.test_bad_inputs`).",
            "Each input is refused before any work, in one line on stderr, with exit code 2.", "",
            "| command line | exit | message |", "|---|---|---|"]
    for argv, _ in CASES:
        rc, err, _ = _run(argv, tmp_path)
        shown = " ".join(a if a != OUT else "OUT" for a in argv)
        rows.append(f"| `fastq {shown}` | {rc} | {err.replace('|', '/')} |")
    return "\n".join(rows) + "\n"


def _machine_free(text: str) -> str:
    """The table without what depends on the machine (memory sizes in the memory-limit message)."""
    import re

    return re.sub(r"[\d.]+ (B|KiB|MiB|GiB|TiB|PiB)\b", "SIZE", text)


def test_docs_table_is_current(tmp_path, no_work):
    assert _machine_free(DOC.read_text()) == _machine_free(_table(tmp_path)), (
        "docs/bad_inputs.md is stale: python -m tests.cli.test_bad_inputs")


if __name__ == "__main__":  # regenerate docs/bad_inputs.md
    import tempfile

    with tempfile.TemporaryDirectory() as d, pytest.MonkeyPatch.context() as mp:
        for mod_name, name in [("fastq.parallel", "parallel_map"), ("fastq.checkpoints", "parallel_map")]:
            mp.setattr(sys.modules[__import__(mod_name, fromlist=["x"]).__name__], name, _trip)
        DOC.write_text(_table(Path(d)))
    print(f"wrote {DOC}")
