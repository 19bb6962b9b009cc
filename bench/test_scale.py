"""The 10^6-point phase diagram of issue 17: n_p = 1..250 x 4000 values of omega in [0.05, 10]
(uniform, alpha = 1.5, sigma = 0.01, lam = 0, eps = 0.1), reverse-direction check on, no kappa map.

Run: ``python -m pytest bench/test_scale.py -m slow -s`` (about 2 minutes on 2 cores; marked
slow so the CI smoke run of the benchmarks skips it).  Prints, measured in one run:

* wall time of the grid with 2 loky workers, 2 threads and 1 worker;
* the grid's cost per point (1 worker) against one warm ``solve_rs`` at a mid-grid point;
* the speed-up of 2 workers over 1;
* iterations per point.
"""
import time

import numpy as np
import pytest

from fastq import Quantizer, solve_rs
from fastq.studies import sweep

pytestmark = pytest.mark.slow

KW = dict(n_p=list(range(1, 251)), omega=np.linspace(0.05, 10.0, 4000), alpha=1.5, sigma=0.01, lam=0.0,
          edge_width=0.1)


def _wall(**kw):
    t = time.perf_counter()
    r = sweep("uniform", **KW, **kw)
    return time.perf_counter() - t, r


def test_million_point_grid_ratios():
    sweep("uniform", **dict(KW, n_p=[1, 2], omega=KW["omega"][:50]))  # JIT warm-up
    t2, r = _wall(n_jobs=2)
    assert r.n_points == 10**6 and bool(r["converged"].all())
    t2t, _ = _wall(n_jobs=2, backend="threading")
    t1, r1 = _wall(n_jobs=1)
    for name in r.data:
        np.testing.assert_array_equal(r.data[name], r1.data[name], err_msg=name)
    q = Quantizer("uniform", 125, 5.0, 0.1)
    solve_rs(q, 1.5, 0.01, 0.0)
    reps = 2000
    t = time.perf_counter()
    for _ in range(reps):
        solve_rs(q, 1.5, 0.01, 0.0)
    t_rs = (time.perf_counter() - t) / reps
    its = float(np.mean(r["iterations"]))
    print(f"\n10^6 grid wall: 2 loky workers {t2:.1f} s, 2 threads {t2t:.1f} s, 1 worker {t1:.1f} s")
    print(f"per point, 1 worker: {t1 / 1e6 * 1e6:.1f} us; warm solve_rs at n_p=125, omega=5: {t_rs * 1e6:.1f} us")
    print(f"grid per point / solve_rs: 1 worker {t1 / 1e6 / t_rs:.2f}, 2 workers {t2 / 1e6 / t_rs:.2f}")
    print(f"2 loky workers vs 1: {t1 / t2:.2f}x; 2 threads vs 1: {t1 / t2t:.2f}x")
    print(f"iterations per point (forward pass): {its:.2f}")
