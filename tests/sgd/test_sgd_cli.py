"""``fastq sgd``: JSON keys, exit codes, one-line errors, saved files and resume.

The numbers printed are the library's (tested elsewhere); here the face: ``--json`` gives one object
with null for non-finite values, exit code 2 for bad input (before any work), 3 for divergence.
"""
import json
from pathlib import Path

import pytest

from fastq.cli import main


def _run(capsys, argv):
    code = main(["sgd"] + argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_keys_exact_and_simulation(capsys):
    code, out, _ = _run(capsys, ["--n", "20", "--steps", "50", "--data", "add:0.01", "--gradient", "mult:0.1",
                                 "--runs", "8", "--seed", "3", "--json"])
    assert code == 0
    d = json.loads(out)
    for k in ("risk", "bias", "variance", "status", "mc_mean", "mc_se", "risk_deployed", "gamma_max"):
        assert k in d
    assert d["status"] == "converged" and abs(d["bias"] + d["variance"] - d["risk"]) < 1e-12
    assert len(d["curve"]["steps"]) == 21 and d["params"]["quant"]["data"]["eps"] == 0.01


def test_real_quantizers_only_give_null_risk(capsys):
    code, out, _ = _run(capsys, ["--dim", "10", "--steps", "20", "--data", "int:6", "--param", "fp:3:5",
                                 "--runs", "4", "--json"])
    d = json.loads(out)
    assert code == 0 and d["risk"] is None and d["bias"] is None and d["mc_mean"] > 0
    assert d["quantizers"]["data"]["bits"] == 6 and "clipped_fraction" in d["quantizers"]["param"]


def test_divergence_exit_code_and_nulls(capsys):
    code, out, _ = _run(capsys, ["--dim", "50", "--lr", "5", "--steps", "3000", "--json"])
    d = json.loads(out)
    assert code == 3 and d["status"] == "diverged" and d["risk"] is None and '"inf"' not in out


@pytest.mark.parametrize("argv,name", [
    (["--n", "0"], "--n"),
    (["--dim", "0"], "--n"),
    (["--lr", "-1"], "--lr"),
    (["--lr", "0"], "--lr"),
    (["--batch", "2.5"], "batch"),
    (["--data", "add:x"], "data eps"),
    (["--label", "int:1"], "label bits"),
    (["--gradient", "fp:3"], "--runs"),
    (["--runs", "1"], "runs"),
    (["--jobs", "0"], "jobs"),
    (["--dim", "100000", "--steps", "10000000"], "dim * steps"),
    (["--dim", "1000", "--runs", "100000", "--steps", "100000"], "runs * steps * batch * dim"),
])
def test_bad_input_one_line_exit_2(capsys, argv, name):
    code, out, err = _run(capsys, argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and name in err


def test_out_dir_saves_and_resumes(capsys, tmp_path):
    argv = ["--dim", "10", "--steps", "30", "--param", "add:0.01", "--runs", "40", "--out", str(tmp_path), "--json"]
    code, out, _ = _run(capsys, argv)
    first = json.loads(out)
    assert code == 0 and len(first["files"]) == 2
    meta = json.loads(Path(first["files"][0]).read_text())
    assert meta["fastq_version"] and meta["params"]["dim"] == 10 and meta["result"]["mc_mean"] == first["mc_mean"]
    # finished blocks are not kept once the result is saved; a rerun gives the same numbers
    assert not list((tmp_path / ".fastq-checkpoints").glob("*/chunk_*.npz"))
    code, out, _ = _run(capsys, argv)
    assert json.loads(out)["mc_mean"] == first["mc_mean"]


def test_human_output(capsys):
    code, out, _ = _run(capsys, ["--dim", "10", "--steps", "20", "--activation", "add:0.01", "--runs", "4"])
    assert code == 0 and "risk at T" in out and "simulation" in out and "status" in out


def test_help_states_ranges(capsys):
    with pytest.raises(SystemExit):
        main(["sgd", "--help"])
    h = " ".join(capsys.readouterr().out.split())   # argparse wraps lines
    for s in ("[1, 1e7]", "> 0", "default: 2000", "int:BITS[:RANGE]", "fp:MANTISSA", "-1 = all cores"):
        assert s in h


def test_dim_is_a_hidden_alias_of_n(capsys):
    a = json.loads(_run(capsys, ["--n", "12", "--steps", "10", "--json"])[1])
    b = json.loads(_run(capsys, ["--dim", "12", "--steps", "10", "--json"])[1])
    assert a["risk"] == b["risk"] and a["params"]["dim"] == 12
    from fastq.cli import build_parser

    helptext = build_parser()._subparsers._group_actions[0].choices["sgd"].format_help()
    assert "--n D" in helptext and "--dim" not in helptext


def test_rtn_label_simulation_json(capsys):
    """The issue's command (fewer runs): a real label quantizer has no exact risk, the simulation has."""
    code, out, _ = _run(capsys, ["--n", "50", "--decay", "2", "--sigma", "0.5", "--lr", "0.1", "--steps", "200",
                                 "--label", "int-rtn:3", "--runs", "64", "--json"])
    d = json.loads(out)
    assert code == 0 and d["risk"] is None and d["mc_mean"] > 0 and d["mc_se"] > 0
    assert d["quantizers"]["label"]["rounding"] == "nearest"


def test_real_data_quantizer_has_exact_risk(capsys):
    code, out, _ = _run(capsys, ["--n", "30", "--steps", "100", "--data", "fp-rtn:2", "--json"])
    d = json.loads(out)
    assert code == 0 and d["risk"] > 0 and d["status"] == "converged"
