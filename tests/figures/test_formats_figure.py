"""Quick smoke test of the formats figure group and of `fastq formats`."""
import json

from fastq import figures
from fastq.cli import main


def test_formats_8bit_quick(tmp_path):
    paths = figures.make("formats_8bit", tmp_path, quick=True)
    png = tmp_path / "formats_8bit.png"
    assert png in paths and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    meta = json.loads((tmp_path / "formats_8bit.json").read_text())
    assert meta["kind"] == "figure-formats_8bit" and meta["fastq_version"]
    rows = json.loads((tmp_path / "formats_8bit_setting1.json").read_text())["result"]["table"]
    assert {r["format"] for r in rows} == {"int8", "int8-asym", "fp8-e4m3", "fp8-e5m2", "uniform8", "log8"}


def test_formats_cli_list_and_rank(capsys, tmp_path):
    assert main(["formats", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["format"]: r["n_levels"] for r in rows}["fp8-e4m3"] == 253
    argv = ["formats", "--formats", "int2,lloyd-max2", "--alpha", "1.5", "--sigma", "0.1", "--lam", "0.1",
            "--n-scan", "12", "--json", "--out", str(tmp_path / "f")]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["format"] for r in out["table"]][0] in ("int2", "lloyd-max2") and len(out["files"]) == 4
