"""Random command lines for every subcommand: exit 0, 2 or 3, never a traceback, valid JSON.

Hypothesis draws, for a random subcommand, a small valid base command (so that the runs that
are accepted stay cheap) and then a random set of further options, each with a value drawn from
a pool of good and bad ones (negative, zero, huge, non-numbers, malformed ranges, non-finite).
Whatever comes out: the exit code is 0 (done), 2 (refused: bad input) or 3 (computed but not
converged), nothing escapes as a traceback, a refusal is one line, and with ``--json`` an
accepted run prints exactly one JSON object (strict JSON: no NaN or Infinity tokens).
"""
from __future__ import annotations

import contextlib
import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastq.cli import main

NUM = ["0", "-1", "1", "2", "0.5", "1e9", "-1e-9", "nan", "inf", "x", "", "3.7", "1e-300", "1e300"]
CONV = ["absolute", "jump", "x", ""]
RANGE = ["1:5", "0:5:3", "5:1:3", "-1:3:3", "1:1:3", "0.2:2:3", "a:b:c", "1:2:3:4", "", "2"]

#: subcommand -> (cheap valid base arguments, {option: pool of values})
COMMANDS = {
    "rs": (["--bits", "3", "--omega", "1.5", "--alpha", "1.5", "--sigma", "0.01", "--lam", "1"],
           {"--thresholds": ["-0.5,0.5", "x"], "--omega": NUM, "--alpha": NUM, "--lam": NUM, "--edge-width": NUM,
            "--tol": NUM,
            "--max-iter": NUM, "--rho": NUM, "--scheme": ["log", "x"], "--edge-convention": CONV}),
    "rsb": (["--bits", "2", "--omega", "1", "--alpha", "1.4", "--sigma", "0.01", "--lam", "0.01"],
            {"--omega": ["0", "-1", "nan", "x", ""], "--alpha": ["-1", "nan", "x"], "--lam": ["-1", "inf"],
             "--rho": ["0", "x"], "--scheme": ["log", "x"]}),
    "ridge": (["--alpha", "1.5", "--sigma", "0.1", "--lam", "1"],
              {"--alpha": NUM, "--sigma": NUM, "--lam": NUM, "--rho": NUM}),
    "se": (["--bits", "3", "--omega", "1.5", "--alpha", "1.5", "--sigma", "0.01", "--lam", "1", "--t-max", "30"],
           {"--t-max": ["1", "0", "-3", "x"], "--v0": NUM, "--e0": NUM, "--tol": NUM}),
    "amp": (["--bits", "3", "--omega", "2", "--alpha", "1.5", "--sigma", "0.1", "--lam", "0.1", "--n", "30",
             "--runs", "2", "--max-iter", "20"],
            {"--n": ["2", "1", "0", "x", "1e12"], "--runs": ["1", "0", "-1"], "--restarts": ["1", "2", "0"],
             "--seed": ["0", "-1", "1.5"], "--jobs": ["1", "2", "0", "-1", "x"], "--tol": NUM,
             "--variance": ["scalar", "full", "y"], "--alpha": NUM, "--edge-width": NUM,
             "--edge-convention": CONV}),
    "curve": (["--vary", "omega", "--omega", "0.5:3:3", "--bits", "2"],
              {"--omega": RANGE, "--alpha": RANGE, "--bits": ["2", "2,3", "2,,3", "1", "2.5", "x", "2:3"],
               "--sigma": NUM, "--lam": NUM, "--edge-width": NUM, "--vary": ["alpha", "bits", "z"],
               "--scheme": ["uniform", "log", "both"], "--edge-convention": CONV}),
    "phase": (["--n-p", "1:3", "--omega", "0.5:3:3", "--no-plot"],
              {"--n-p": RANGE, "--omega": RANGE, "--edge-width": NUM, "--alpha": NUM, "--lam": NUM,
               "--chunk-lines": ["1", "0", "x"], "--jobs": ["1", "0", "x"], "--edge-convention": CONV}),
    "exact": (["--bits", "2", "--omega", "1", "--alpha", "1.4", "--sigma", "0.1", "--lam", "0.01",
               "--n", "4,6", "--runs", "2", "--seed", "1", "--no-amp"],
              {"--n": ["4,6", "4:8:2", "8,,4", "8", "4:300:50", "x"], "--runs": ["2", "1", "x"],
               "--seed": ["1", "-1"], "--node-limit": ["10", "0", "x"], "--lam": NUM}),
    "optimize": (["--bits", "2", "--alpha", "1.4", "--sigma", "0.01", "--lam", "0.01", "--n-scan", "8"],
                 {"--n-scan": ["8", "3", "x"], "--tolerance": NUM, "--margin": NUM,
                  "--omega-range": ["0.1:5", "5:1", "0:1", "x"], "--edge-width": NUM,
                  "--edge-convention": CONV}),
    "figures": (["--quick", "--only", "3"],
                {"--only": ["3", "1,3", "", "11", "1,,3", "fig03", "nope"], "--group": ["nope", "replica,x"],
                 "--jobs": ["1", "0"]}),
    "ste": (["--bits", "2", "--omega", "2", "--lr", "0.5", "--sigma", "0.1", "--tau-max", "0.5", "--dtau", "0.25"],
            {"--lr": NUM, "--tau-max": ["0.5", "0", "-1", "1e12", "x"], "--dtau": ["0.25", "0", "5"],
             "--n": ["20", "1", "x"], "--runs": ["1", "0"], "--seed": ["0", "-1"],
             "--input-bits": ["2", "2.5", "x"], "--input-omega": ["2", "0", "x"],
             "--init": ["zero", "gaussian", "gaussian:0.5", "gaussian:-1", "x"],
             "--teacher": ["gaussian", "constant:1", "constant:x", "x"]}),
    "compare": (["--bits", "3", "--omega", "2", "--alpha", "1.5", "--sigma", "0.1", "--lam", "0.1"],
                {"--omega": NUM, "--alpha": NUM, "--lam": NUM, "--edge-width": NUM,
                 "--edge-fraction": NUM, "--max-iter": NUM, "--edge-convention": CONV}),
    "qat": (["--dataset", "teacher", "--bits", "2", "--widths", "4", "--lr", "0.1", "--runs", "1",
             "--epochs", "1", "--n-train", "40", "--n-test", "40", "--n-measure", "20", "--probes", "2",
             "--mc", "1"],
            {"--bits": ["2", "1", "2,x", ""], "--widths": ["4", "0", "4,,5"], "--lr": ["0.1", "-1", "x"],
             "--epochs": ["1", "0"], "--label-noise": ["0.1", "2", "-1"], "--chunk-size": ["1", "0"]}),
    "sgd": (["--dim", "10", "--steps", "20", "--checkpoints", "4"],
            {"--dim": ["10", "0", "x", "1e8"], "--decay": NUM, "--sigma": NUM, "--batch": ["1", "0", "x"],
             "--lr": NUM, "--steps": ["20", "-1", "x"], "--checkpoints": ["4", "0"],
             "--data": ["add:0.1", "mult:0.1", "int:4", "fp:3", "add:-1", "int:1", "x"],
             "--gradient": ["mult:0.2", "fp:99", ""], "--runs": ["0", "2", "-1"], "--seed": ["0", "-1"]}),
    "routing": (["--n", "20", "--alpha", "1", "--copies", "2", "--runs", "2", "--n-test", "20", "--bits", "1"],
                {"--n": ["20", "1", "x", "1e12"], "--alpha": NUM, "--copies": ["2", "0", "65", "x"],
                 "--p": NUM, "--kernel": ["uniform", "ring", "gaussian", "x"], "--bits": ["0", "1", "2", "9", "x"],
                 "--epochs": ["2", "0", "x"], "--width": ["1", "0", "x"], "--init": ["shared", "independent", "x"],
                 "--coupling": NUM, "--lr": NUM,
                 "--rule": ["hebb", "clipped", "ste", "perceptron"], "--model": ["committee", "mlp", "x"],
                 "--gamma": NUM, "--runs": ["2", "1", "x"], "--seed": ["0", "-1"], "--jobs": ["1", "0", "x"]}),
    "formats": (["--formats", "int2", "--alpha", "1.5", "--sigma", "0.1", "--lam", "0.1", "--n-scan", "8"],
                {"--formats": ["int2", "nf9", "int2,lloyd-max2", ""], "--alpha": NUM, "--edge-width": NUM,
                 "--rho": NUM, "--edge-convention": CONV, "--n-scan": ["8", "3", "x"]}),
}
COMMANDS["route"] = COMMANDS["routing"]  # the alias of fastq routing


@st.composite
def command_lines(draw):
    name = draw(st.sampled_from(sorted(COMMANDS)))
    base, pools = COMMANDS[name]
    extra = []
    for opt in draw(st.lists(st.sampled_from(sorted(pools)), max_size=3, unique=True)):
        extra += [opt, draw(st.sampled_from(pools[opt]))]
    return name, [name, *base, *extra, "--json"]


def _run(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(argv)
        except SystemExit as exc:  # argparse refusing the command line
            rc = exc.code
    return rc, out.getvalue(), err.getvalue()


def test_every_subcommand_is_covered():
    from fastq.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert set(COMMANDS) == set(sub.choices)


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=command_lines())
def test_random_command_lines(tmp_path_factory, case):
    name, argv = case
    if name in ("curve", "phase", "exact", "optimize", "figures", "qat") and "--out" not in argv:
        argv = argv + ["--out", str(tmp_path_factory.mktemp(name))]
    rc, out, err = _run(argv)
    assert rc in (0, 2, 3), (argv, rc, err)
    assert "Traceback" not in err and "Traceback" not in out, (argv, err)
    if rc == 2:
        assert len(err.strip().splitlines()) == 1, (argv, err)
    else:
        lines = [ln for ln in out.splitlines() if ln.strip()]
        assert len(lines) == 1, (argv, out[:500])
        doc = json.loads(lines[0], parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
        assert isinstance(doc, dict)
