import json
import subprocess
import sys

import pytest

from fastq import Quantizer, ridge, solve_rs
from fastq.cli import main

RS = ["rs", "--scheme", "log", "--bits", "3", "--omega", "2", "--alpha", "1.5", "--sigma", "0.01",
      "--lam", "1", "--edge-width", "0.05"]


def test_rs_json_matches_api(capsys):
    assert main(RS + ["--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    r = solve_rs(Quantizer.log(6, 2.0, 0.05), 1.5, 0.01, 1.0)
    for key in ("eg", "Q", "m", "chi", "h", "theta", "at", "kappa", "edge_width", "converged", "iterations"):
        assert out[key] == getattr(r, key)
    assert out["rs"] == r.rs and out["n_p"] == 6 and out["scheme"] == "log"


def test_rs_readable_output(capsys):
    assert main(RS) == 0
    text = capsys.readouterr().out
    assert "edge_width=0.05" in text and "eg" in text and "kappa" in text


def test_ridge_json(capsys):
    assert main(["ridge", "--alpha", "2", "--sigma", "0.5", "--lam", "0.1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["eg"] == ridge(2.0, 0.5, 0.1).eg and "edge_width" not in out  # no quantizer


@pytest.mark.parametrize("argv, name", [
    (["rs", "--n-p", "0", "--omega", "1", "--alpha", "1", "--sigma", "0", "--lam", "0"], "n_p"),
    (["rs", "--n-p", "2", "--omega", "-1", "--alpha", "1", "--sigma", "0", "--lam", "0"], "omega"),
    (["rs", "--n-p", "2", "--omega", "1", "--alpha", "0", "--sigma", "0", "--lam", "0"], "alpha"),
    (["rs", "--n-p", "2", "--omega", "1", "--alpha", "1", "--sigma", "-1", "--lam", "0"], "sigma"),
    (["rs", "--n-p", "2", "--omega", "1", "--alpha", "1", "--sigma", "0", "--lam", "-2"], "lam"),
    (["rs", "--n-p", "2", "--omega", "1", "--alpha", "1", "--sigma", "0", "--lam", "0", "--rho", "0"], "rho"),
    (["rs", "--n-p", "2", "--omega", "1", "--alpha", "1", "--sigma", "0", "--lam", "0", "--edge-width", "-1"],
     "edge_width"),
    (["rs", "--n-p", "2", "--omega", "nan", "--alpha", "1", "--sigma", "0", "--lam", "0"], "omega"),
    (["rs", "--n-p", "2", "--omega", "inf", "--alpha", "1", "--sigma", "0", "--lam", "0"], "omega"),
    (["rs", "--bits", "2.5", "--omega", "1", "--alpha", "1", "--sigma", "0", "--lam", "0"], "bits"),
    (["rs", "--n-p", "2.5", "--omega", "1", "--alpha", "1", "--sigma", "0", "--lam", "0"], "n_p"),
    (["ridge", "--alpha", "0.5", "--sigma", "0.1", "--lam", "0"], "alpha"),
])
def test_bad_input_one_line_exit_2(argv, name):
    proc = subprocess.run([sys.executable, "-m", "fastq", *argv], capture_output=True, text=True)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0] and "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_unparseable_number_is_one_line():
    proc = subprocess.run([sys.executable, "-m", "fastq", "rs", "--n-p", "2", "--omega", "abc",
                           "--alpha", "1", "--sigma", "0", "--lam", "0"], capture_output=True, text=True)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and "--omega" in proc.stderr


def test_help_mentions_defaults_and_units(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["rs", "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "--edge-width" in text and "default" in text and "weight units" in text


def test_optimize_at_the_end_of_the_interval_is_not_called_a_minimum(capsys):
    from fastq.cli import main

    rc = main(["optimize", "--bits", "3", "--alpha", "1.5", "--sigma", "0.01", "--lam", "1",
               "--omega-range", "100:1e4"])
    out = capsys.readouterr().out
    assert rc == 1  # written, but degenerate: the optimum is pinned to the interval's end
    assert "interior minimum" not in out and "end of the search interval" in out


def test_every_help_lists_the_exit_codes():
    from fastq.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.choices and isinstance(a.choices, dict))
    for name, p in sub.choices.items():
        text = p.format_help()
        assert "exit codes: 0 ok" in text and "130 interrupted" in text, name


def test_routing_at_chance_level_is_a_status_with_exit_1(capsys):
    import json

    from fastq.cli import main

    rc = main(["routing", "--model", "committee", "--lr", "1e6", "--runs", "2", "--n", "50", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 1 and out["status"] == "chance_level"
    rc = main(["routing", "--model", "committee", "--runs", "2", "--n", "50", "--json"])
    assert rc == 0 and json.loads(capsys.readouterr().out)["status"] == "converged"
