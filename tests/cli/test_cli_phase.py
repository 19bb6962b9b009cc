"""CLI tests of `fastq phase` and `fastq curve`: JSON summary, files, resume after SIGKILL, errors."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from fastq.cli import main

SMALL = ["--n-p", "1:6", "--omega", "0.2:6:12"]



def _hear_ctrl_c():
    """In the child: SIGINT back to its default, so Python turns it into KeyboardInterrupt even
    when the test run itself was started as a background job (which ignores SIGINT, and a
    child inherits that).
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)

def run_json(capsys, argv):
    assert main(argv + ["--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_phase_json_files_and_rerun_reuses(tmp_path, capsys):
    out = tmp_path / "o"
    d = run_json(capsys, ["phase", "--out", str(out), "--lam", "1"] + SMALL)
    for key in ("n_points", "n_solves", "n_computed", "n_reused", "rs_fraction", "files"):
        assert key in d
    # n_points: the grid (as in the files); n_solves: with the kappa map's grid
    assert d["n_points"] == 72 and d["n_solves"] == 144 and d["n_computed"] == 144 and d["n_reused"] == 0
    assert 0 < d["rs_fraction"] <= 1 and d["edge_width"] > 0
    names = sorted(os.path.basename(f) for f in d["files"])
    eps = d["edge_width"]
    stem = f"phase_uniform_alpha1.5_sigma0.01_lam1_eps{eps:g}_np1-6_omega0.2-6x12"
    assert f"{stem}.png" in names and f"{stem}_kappa.nc" in names
    meta = json.loads((out / f"{stem}.json").read_text())
    assert meta["fastq_version"] and meta["params"]["fixed"]["edge_width"] == eps
    assert meta["params"]["fixed"]["lam"] == 1.0
    assert (out / f"{stem}.png").stat().st_size > 10_000
    # a finished run leaves no checkpoints behind; a rerun recomputes the same numbers
    assert not list((out / ".fastq-checkpoints").glob("*/chunk_*.npz"))
    again = run_json(capsys, ["phase", "--out", str(out), "--lam", "1"] + SMALL)
    assert again["n_reused"] == 0 and again["n_computed"] == 144
    assert again["rs_fraction"] == d["rs_fraction"]
    # another grid in the same --out gets its own files
    other = run_json(capsys, ["phase", "--out", str(out), "--lam", "1", "--n-p", "1:3", "--omega", "0.2:6:12"])
    assert set(other["files"]).isdisjoint(d["files"])


def test_phase_no_resume_and_no_kappa(tmp_path, capsys):
    base = ["phase", "--out", str(tmp_path), "--scheme", "log", "--no-kappa", "--no-plot"] + SMALL
    a = run_json(capsys, base)
    b = run_json(capsys, base + ["--no-resume"])
    assert a["n_points"] == 72 and b["n_computed"] == 72 and b["n_reused"] == 0
    assert not any(f.endswith(".png") for f in a["files"])


@pytest.mark.parametrize("argv, word", [
    (["--omega", "0:5:10"], "omega"), (["--omega", "1:5"], "omega"), (["--n-p", "0:5"], "n_p"),
    (["--n-p", "5:2"], "n_p"), (["--alpha", "-1"], "alpha"), (["--sigma", "-0.1"], "sigma"),
    (["--edge-width", "0"], "edge_width"), (["--jobs", "0.5"], "jobs"),
    (["--backend", "dask"], "scheduler"), (["--scheduler", "tcp://x:1"], "scheduler"),
])
def test_phase_bad_input_one_line_exit_2(tmp_path, capsys, argv, word):
    rc = main(["phase", "--out", str(tmp_path / "never")] + SMALL + argv)
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and word in err
    assert not (tmp_path / "never").exists()  # rejected before any work


def test_help_mentions_units_and_defaults(capsys):
    for cmd in ("phase", "curve", "figures"):
        with pytest.raises(SystemExit):
            main([cmd, "--help"])
        text = capsys.readouterr().out
        assert "default" in text
    with pytest.raises(SystemExit):
        main(["phase", "--help"])
    assert "weight units" in capsys.readouterr().out


def test_kill_mid_grid_then_resume(tmp_path, capsys):
    out = tmp_path / "k"
    # seconds of work in one-line chunks of about 0.1 s: the kill always lands mid-grid
    grid = ["--n-p", "1:40", "--omega", "0.05:10:8000", "--chunk-lines", "1", "--no-kappa", "--no-plot"]
    cmd = [sys.executable, "-m", "fastq", "phase", "--out", str(out), "--json"] + grid
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ck = out / ".fastq-checkpoints"
    t0 = time.time()
    try:
        while time.time() - t0 < 120:
            n = len(list(ck.glob("*/chunk_*.npz"))) if ck.exists() else 0
            if n >= 3 or proc.poll() is not None:
                break
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    saved = len(list(ck.glob("*/chunk_*.npz")))
    assert saved < 40, "the grid finished before the kill"
    assert proc.returncode == -signal.SIGKILL and saved >= 3
    d = run_json(capsys, ["phase", "--out", str(out)] + grid)
    assert d["n_reused"] >= 3 * 8000 and d["n_reused"] + d["n_computed"] == d["n_solves"] == 40 * 8000
    fresh = run_json(capsys, ["phase", "--out", str(tmp_path / "fresh")] + grid)
    assert fresh["n_reused"] == 0
    stem = ("phase_uniform_alpha1.5_sigma0.01_lam0_eps" + format(d["edge_width"], "g")
            + "_np1-40_omega0.05-10x8000")
    from fastq import SweepResult

    a, b = SweepResult.load(out / stem), SweepResult.load(tmp_path / "fresh" / stem)
    for k in ("eg", "chi", "at", "kappa", "rs", "status", "coexist"):
        assert np.array_equal(a[k], b[k], equal_nan=True), k


def test_curve_command(tmp_path, capsys):
    d = run_json(capsys, ["curve", "--vary", "omega", "--omega", "0.2:4:10", "--bits", "2,3", "--out", str(tmp_path)])
    assert d["n_points"] == 2 * 2 * 10 and len(d["files"]) == 4
    d = run_json(capsys, ["curve", "--vary", "bits", "--bits", "2:5", "--omega", "4", "--scheme", "uniform",
                          "--out", str(tmp_path), "--no-plot"])
    assert d["n_points"] == 4
    rc = main(["curve", "--vary", "alpha", "--alpha", "0.5:2:5", "--omega", "1:2:3", "--out", str(tmp_path)])
    assert rc == 2 and "omega" in capsys.readouterr().err


def test_ctrl_c_keeps_finished_chunks(tmp_path, capsys):
    out = tmp_path / "c"
    # 40 lines of 8000 points: each one-line chunk takes about 0.1 s, so the whole grid lasts
    # seconds and the interrupt (sent once two chunks are on disk) always lands mid-grid
    grid = ["--n-p", "1:40", "--omega", "0.05:10:8000", "--chunk-lines", "1", "--no-kappa", "--no-plot"]
    proc = subprocess.Popen([sys.executable, "-m", "fastq", "phase", "--out", str(out), "--json"] + grid,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_hear_ctrl_c)
    ck = out / ".fastq-checkpoints"
    t0 = time.time()
    while time.time() - t0 < 120 and proc.poll() is None:
        if ck.exists() and len(list(ck.glob("*/chunk_*.npz"))) >= 2:
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate()
    assert proc.returncode == 130 and "interrupted" in err
    saved = len(list(ck.glob("*/chunk_*.npz")))
    assert saved >= 2
    d = run_json(capsys, ["phase", "--out", str(out)] + grid)
    assert d["n_reused"] == saved * 8000 and d["n_computed"] == d["n_points"] - saved * 8000
