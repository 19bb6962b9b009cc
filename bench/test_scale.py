"""The 10^6-point phase diagram of issue 17: n_p = 1..250 x 4000 values of omega in [0.05, 10]
(uniform, alpha = 1.5, sigma = 0.01, lam = 0, eps = 0.1), reverse-direction check on, no kappa map.

Run: ``python -m pytest bench/test_scale.py -m slow -s`` (about 2 minutes on 2 cores; marked
slow so the CI smoke run of the benchmarks skips it).  Prints, measured in one run, and stores in
each benchmark's ``extra_info`` (read by ``scripts/perf_table.py``):

* wall time of the grid with 2 loky workers, 2 threads and 1 worker;
* the grid's cost per point (2 workers and 1 worker) against one warm ``solve_rs`` at a mid-grid
  point, timed right after the grid;
* the speed-up of 2 workers over 1;
* map evaluations per point;
* and, in a second test, the whole ``fastq phase`` command (start-up, grid, boundary, netCDF) with
  its peak memory.
"""
import subprocess
import sys
import time

import numpy as np
import pytest

from fastq import Quantizer, solve_rs
from fastq.studies import sweep

pytestmark = pytest.mark.slow

KW = dict(n_p=list(range(1, 251)), omega=np.linspace(0.05, 10.0, 4000), alpha=1.5, sigma=0.01, lam=0.0,
          edge_width=0.1)
COMMAND = ["phase", "--n-p", "1:250", "--omega", "0.05:10:4000", "--jobs", "2", "--no-kappa", "--no-plot"]


def _wall(**kw):
    t = time.perf_counter()
    r = sweep("uniform", **KW, **kw)
    return time.perf_counter() - t, r


def _warm_solve_rs(reps=2000):
    q = Quantizer("uniform", 125, 5.0, 0.1)
    solve_rs(q, 1.5, 0.01, 0.0)
    t = time.perf_counter()
    for _ in range(reps):
        solve_rs(q, 1.5, 0.01, 0.0)
    return (time.perf_counter() - t) / reps


def test_million_point_grid_ratios(benchmark):
    sweep("uniform", **dict(KW, n_p=[1, 2], omega=KW["omega"][:50]))  # JIT warm-up
    t2, r = _wall(n_jobs=2)
    assert r.n_points == 10**6 and bool(r["converged"].all())
    t_rs2 = _warm_solve_rs()
    t2t, _ = _wall(n_jobs=2, backend="threading")
    t1, r1 = _wall(n_jobs=1)
    t_rs1 = _warm_solve_rs()
    for name in r.data:
        np.testing.assert_array_equal(r.data[name], r1.data[name], err_msg=name)
    t_rs = min(t_rs1, t_rs2)
    its = float(np.mean(r["iterations"]))
    info = dict(wall_2_loky_s=t2, wall_2_threads_s=t2t, wall_1_s=t1, solve_rs_s=t_rs,
                ratio_2_workers=t2 / 1e6 / t_rs, ratio_1_worker=t1 / 1e6 / t_rs, speedup_2_vs_1=t1 / t2,
                speedup_2_threads_vs_1=t1 / t2t, evaluations_per_point=its)
    benchmark.extra_info.update(info)
    print(f"\n10^6 grid wall: 2 loky workers {t2:.1f} s, 2 threads {t2t:.1f} s, 1 worker {t1:.1f} s")
    print(f"per point, 1 worker: {t1:.1f} us; warm solve_rs at n_p=125, omega=5: {t_rs * 1e6:.1f} us")
    print(f"grid per point / solve_rs: 1 worker {info['ratio_1_worker']:.2f}, 2 workers {info['ratio_2_workers']:.2f}")
    print(f"2 loky workers vs 1: {t1 / t2:.2f}x; 2 threads vs 1: {t1 / t2t:.2f}x")
    print(f"map evaluations per point (forward pass): {its:.2f}")
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)


_PEAK = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
         "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def test_million_point_phase_command(benchmark, tmp_path):
    """``fastq phase --n-p 1:250 --omega 0.05:10:4000 --jobs 2 --no-kappa --no-plot`` as a user
    runs it (threads, the command's default backend): whole-process wall time and peak memory."""
    run = [sys.executable, "-m", "fastq", *COMMAND, "--out", str(tmp_path / "warm")]
    subprocess.run(run[:4] + ["--n-p", "1:2", "--omega", "0.1:1:20", "--no-plot", "--out", str(tmp_path / "w")],
                   check=True, capture_output=True)  # kernel cache filled before timing
    # a fresh parent process, so that its children's peak is this command's alone (pytest's own
    # children, e.g. earlier benchmarks' subprocesses, would count in pytest's RUSAGE_CHILDREN)
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _PEAK, *run], check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t
    peak_mb = int(out.stdout.split()[-1]) / 1024  # ru_maxrss is in kB on Linux
    benchmark.extra_info.update(wall_s=wall, peak_mb=peak_mb)
    print(f"\nfastq {' '.join(COMMAND)}: {wall:.1f} s whole process, peak {peak_mb:.0f} MB")
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
