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
              "--sizes", "16:24:4", "--instances", "12", "--seed", "3", "--no-amp"],
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
