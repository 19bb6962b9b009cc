"""Ctrl-C and kill in the middle of every long command: finished work is kept, a rerun reuses it,
and the final result equals an uninterrupted run.

Each command runs as its own process with ``--out``; once at least one finished chunk is on disk
under ``OUT/.fastq-checkpoints`` it receives SIGINT (Ctrl-C) or SIGKILL.  After SIGINT the exit
code is 130 and the one-line message counts the chunks kept (truthfully: the files are there).
The rerun reports ``chunks_reused > 0`` and its JSON result equals a fresh run's in every
number (volatile keys -- files, timings, chunk counts -- aside).  These take tens of seconds each
(the work must outlast the start-up), so they are marked slow.
"""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.slow

#: command lines long enough to interrupt (several chunks of tenths of a second to seconds)
COMMANDS = {
    "phase": ["phase", "--n-p", "1:40", "--omega", "0.05:10:1500", "--chunk-lines", "1", "--no-kappa",
              "--no-plot"],
    "curve": ["curve", "--vary", "omega", "--omega", "0.05:10:4000", "--bits", "2:7", "--scheme", "both",
              "--no-plot"],
    "exact": ["exact", "--bits", "2", "--omega", "1", "--alpha", "1.4", "--sigma", "0.3", "--lam", "0.01",
              "--n", "16:24:4", "--runs", "12", "--seed", "3", "--no-amp"],
    "amp": ["amp", "--bits", "5", "--omega", "2.5", "--edge-width", "0.1", "--alpha", "1.5", "--sigma", "0.1",
            "--lam", "0.1", "--n", "600", "--runs", "24", "--max-iter", "200", "--seed", "4"],
    "sgd": ["sgd", "--dim", "200", "--steps", "3000", "--data", "add:0.01", "--runs", "320", "--seed", "2"],
    "qat": ["qat", "--dataset", "teacher", "--bits", "2,0", "--widths", "8,16", "--lr", "0.1", "--runs", "3",
            "--epochs", "3", "--n-train", "300", "--n-measure", "50", "--probes", "2", "--mc", "1",
            "--chunk-size", "1"],
    "figures": ["figures", "--only", "2"],
}
VOLATILE = {"files", "wall_time_s", "seconds", "chunks_reused", "chunks_computed", "n_computed", "n_reused",
            "computed", "resumed", "out", "seconds_mean", "seconds_max"}



def _hear_ctrl_c():
    """In the child: SIGINT back to its default, so Python turns it into KeyboardInterrupt even
    when the test run itself was started as a background job (which ignores SIGINT, and a
    child inherits that).
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)

def _strip(d):
    if isinstance(d, dict):
        return {k: _strip(v) for k, v in d.items() if k not in VOLATILE}
    if isinstance(d, list):
        return [_strip(v) for v in d]
    return d


def _run(argv, out):
    cmd = [sys.executable, "-m", "fastq", *argv, "--out", str(out), "--json"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    assert p.returncode == 0, p.stderr[-2000:]
    return json.loads(p.stdout)


def _interrupt(argv, out, sig):
    cmd = [sys.executable, "-m", "fastq", *argv, "--out", str(out), "--json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_hear_ctrl_c)
    ck = out / ".fastq-checkpoints"
    t0 = time.time()
    try:
        while time.time() - t0 < 600 and proc.poll() is None:
            if ck.exists() and any(ck.glob("*/chunk_*.npz")):
                break
            time.sleep(0.005)
        finished_first = proc.poll() is not None
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not finished_first, "the command finished before it could be interrupted"
    return proc.returncode, err, len(list(ck.glob("*/chunk_*.npz")))


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill"])
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_interrupt_then_resume(tmp_path, name, sig):
    argv = COMMANDS[name]
    if name == "figures" and sig == signal.SIGKILL:
        pytest.skip("one interrupt kind is enough for the figure command (it is the slowest)")
    out = tmp_path / "run"
    rc, err, kept = _interrupt(argv, out, sig)
    assert kept >= 1
    if sig == signal.SIGINT:
        assert rc == 130, err[-2000:]
        last = err.strip().splitlines()[-1]
        assert "Traceback" not in err and f"{kept} finished chunk(s) kept" in last, err[-2000:]
    else:
        assert rc == -signal.SIGKILL
    resumed = _run(argv, out)
    assert resumed.get("chunks_reused", resumed.get("resumed", 0)) >= 1
    fresh = _run(argv, tmp_path / "fresh")
    assert _strip(resumed) == _strip(fresh)


def _group_ctrl_c(argv, out, after_chunks: int = 1):
    """Ctrl-C as a terminal sends it: to the whole process group (workers included)."""
    import os

    cmd = [sys.executable, "-m", "fastq", *argv, "--out", str(out), "--json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_hear_ctrl_c, start_new_session=True)
    ck = out / ".fastq-checkpoints"
    t0 = time.time()
    try:
        while time.time() - t0 < 600 and proc.poll() is None:
            if ck.exists() and len(list(ck.glob("*/chunk_*.npz"))) >= after_chunks:
                break
            time.sleep(0.005)
        assert proc.poll() is None, "the command finished before it could be interrupted"
        sent = time.time()
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        took = time.time() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode, err, took, len(list(ck.glob("*/chunk_*.npz")))


@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_ctrl_c_with_more_jobs_than_tasks_ends_fast_with_one_line(tmp_path, backend):
    argv = ["phase", "--n-p", "1:12", "--omega", "0.05:10:20000", "--no-kappa", "--no-plot",
            "--jobs", "1000", "--backend", backend, "--chunk-lines", "1"]
    rc, err, took, kept = _group_ctrl_c(argv, tmp_path / "run")
    assert rc == 130, err[-2000:]
    assert took < 10, f"took {took:.1f} s to stop"
    lines = err.strip().splitlines()
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err[-2000:]
    # the cap is said in one line, and the last line counts what was really kept
    assert any("1000 workers requested, using" in ln for ln in lines), err
    assert f"{kept} finished chunk(s) kept" in lines[-1] or (kept == 0 and "nothing" in lines[-1]), err
