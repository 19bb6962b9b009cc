"""--format and --levels on the commands that take a quantizer: same numbers as the Python API."""
import json

import pytest

from fastq import Quantizer, solve_rs, state_evolution
from fastq.cli import main

M = ["--alpha", "1.5", "--sigma", "0.1", "--lam", "0.1"]


def test_rs_format_nf4_json(capsys):
    argv = ["rs", "--format", "nf4", "--omega", "2", *M, "--edge-width", "0", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    r = solve_rs(Quantizer.format("nf4", 2.0), 1.5, 0.1, 0.1)
    assert out["eg"] == r.eg and out["kappa"] == r.kappa and out["scheme"] == "nf4" and out["n_p"] == 15
    assert out["bits"] == 4.0


def test_rs_levels_rescaled_to_omega_and_thresholds(capsys):
    argv = ["rs", "--levels", "-1,0.25,0.5,2", "--thresholds", "-0.5,0.3,1", "--omega", "4", *M,
            "--edge-width", "0.1", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    q = Quantizer.from_levels([-2.0, 0.5, 1.0, 4.0], thresholds=[-1.0, 0.6, 2.0], edge_width=0.1)
    assert out["eg"] == pytest.approx(solve_rs(q, 1.5, 0.1, 0.1).eg, rel=1e-12) and out["scheme"] == "custom"


@pytest.mark.parametrize("cmd, extra", [
    ("se", []), ("rsb", []), ("compare", []),
    ("amp", ["--n", "40", "--runs", "2", "--seed", "1", "--max-iter", "5"]),
])
def test_other_commands_accept_formats(cmd, extra, capsys, tmp_path):
    argv = [cmd, "--format", "int2-asym", "--omega", "1", *M, *extra]
    if cmd == "amp":
        argv += ["--out", str(tmp_path / "amp")]
    rc = main(argv)
    assert rc in (0, 3)  # 3: a non-converged solve, reported as a status
    text = capsys.readouterr().out
    assert "int2-asym" in text


def test_se_format_matches_api(capsys):
    assert main(["se", "--format", "fp4-e2m1", "--omega", "3", *M, "--edge-width", "0.1"]) == 0
    text = capsys.readouterr().out
    se = state_evolution(Quantizer.format("fp4-e2m1", 3.0, edge_width=0.1), 1.5, 0.1, 0.1)
    assert f"{se.eg[-1]:.10g}"[:8] in text


def test_optimize_format_and_levels_count(capsys):
    assert main(["optimize", "--format", "nf4", *M, "--n-scan", "16", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["scheme"] == "nf4" and out["omega_star"] > 0
    assert main(["optimize", "--levels-count", "3", *M, "--edge-width", "0", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["levels"]) == 3 and out["eg"] <= out["uniform"]["eg"] * (1 + 1e-12)
