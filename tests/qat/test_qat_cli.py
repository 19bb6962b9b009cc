"""``fastq compare`` and ``fastq qat`` (exit codes, JSON, one-line errors)."""
import json

import pytest

import fastq
from fastq.cli import main
from fastq.qat.linear import compare


def _json(capsys, argv):
    rc = main(argv)
    out = capsys.readouterr()
    return rc, json.loads(out.out), out.err


def test_compare_json_matches_api(capsys):
    rc, d, _ = _json(capsys, ["compare", "--bits", "3", "--omega", "1.5", "--alpha", "1.5", "--sigma", "0.5",
                              "--lam", "0.1", "--json"])
    assert rc == 0
    c = compare(fastq.Quantizer.from_bits(3, 1.5, edge_width=0.1), 1.5, 0.5, 0.1)
    for k in ("eg_qat", "eg_ptq", "eg_ridge", "eg_noise_model", "gap_qat", "gap_ridge"):
        assert d[k] == getattr(c, k)
    assert d["status"] == "converged" and d["converged"] is True


def test_compare_edge_fraction_and_nulls(capsys):
    rc, d, _ = _json(capsys, ["compare", "--n-p", "6", "--omega", "1.2", "--alpha", "0.5", "--sigma", "0.5",
                              "--lam", "0", "--edge-fraction", "0.25", "--json"])
    assert rc == 0 and d["eg_ridge"] is None and d["ridge_status"] == "no_finite_solution"
    assert d["edge_width"] == pytest.approx(0.25 * 0.4) and d["eg_qat"] > 0
    rc, d, _ = _json(capsys, ["compare", "--bits", "3", "--omega", "1", "--alpha", "1.5", "--sigma", "0.1",
                              "--lam", "0.1", "--edge-width", "0", "--json"])
    assert d["at"] is None  # infinite for the hard quantizer: JSON null, never "inf"


def test_compare_errors(capsys):
    assert main(["compare", "--bits", "3", "--omega", "-1", "--alpha", "1.5", "--sigma", "0.1", "--lam", "0.1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "omega" in err[0]
    assert main(["compare", "--bits", "3", "--omega", "1", "--alpha", "1.5", "--sigma", "0.1", "--lam", "0.1",
                 "--edge-fraction", "2"]) == 2
    assert "edge_fraction" in capsys.readouterr().err


def test_compare_not_converged_exit_3(capsys):
    rc, d, _ = _json(capsys, ["compare", "--bits", "3", "--omega", "1", "--alpha", "1.5", "--sigma", "0.1",
                              "--lam", "0.1", "--max-iter", "1", "--json"])
    assert rc == 3 and d["status"] == "max_iter" and d["converged"] is False


def test_qat_cli_tiny_run_and_resume(tmp_path, capsys):
    argv = ["qat", "--dataset", "teacher", "--bits", "2,0", "--widths", "6", "--lr", "0.1", "--runs", "2",
            "--epochs", "2", "--n-train", "100", "--n-measure", "40", "--probes", "2", "--mc", "1",
            "--out", str(tmp_path), "--json"]
    rc, d, _ = _json(capsys, argv)
    assert rc == 0 and d["status"] == "converged" and d["n_models"] == 4 and d["computed"] == 4
    assert set(d["by_bits"]) == {"2", "0"}
    # a finished study leaves no checkpoints; a rerun on 2 workers recomputes the same table
    assert not list((tmp_path / ".fastq-checkpoints").glob("*/chunk_*"))
    rc, d2, _ = _json(capsys, argv + ["--jobs", "2"])
    assert rc == 0 and d2["computed"] == 4 and d2["key"] == d["key"] and d2["by_bits"] == d["by_bits"]


def test_qat_cli_errors(tmp_path, capsys):
    assert main(["qat", "--bits", "1", "--out", str(tmp_path)]) == 2
    assert "bits" in capsys.readouterr().err
    assert main(["qat", "--dataset", "teacher", "--widths", "8,x", "--out", str(tmp_path)]) == 2
    assert "widths" in capsys.readouterr().err
