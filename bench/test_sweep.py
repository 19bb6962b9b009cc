"""Benchmarks of fastq.sweep on the 64 x 64 (n_p, omega) grid of the Fig. 2 setting.

Run: ``python -m pytest bench/test_sweep.py -s`` (``-s`` shows the measured ratios).
Variants: 1 worker, 2 loky workers, 2 threads; with and without the reverse-direction check;
and a loop of single warm ``solve_rs`` calls over the same points as the per-point reference.
Goals (issue 4): 2 workers >= 1.7x faster than 1; grid per-point cost within 1.5x of solve_rs.
Every variant gets a warm-up call first (JIT compiled, loky workers started).
"""

import numpy as np
import pytest
from timing import best_of

from fastq import Quantizer, solve_rs
from fastq.studies import sweep

N_P = list(range(1, 65))
OMEGA = np.linspace(0.05, 10.0, 64)
KW = dict(n_p=N_P, omega=OMEGA, alpha=1.5, sigma=0.01, lam=0.0, edge_width=0.1)
VARIANTS = {
    "fastq:1": dict(n_jobs=1),
    "fastq:parallel-loky-2": dict(n_jobs=2),
    "fastq:parallel-threads-2": dict(n_jobs=2, backend="threading"),
    "fastq:1-nocheck": dict(n_jobs=1, check_direction=False),
    "fastq:1-cold": dict(n_jobs=1, check_direction=False, continuation=False),
    "fastq:1-full-reverse": dict(n_jobs=1, check_direction="full"),
    "fastq:1-previous": dict(n_jobs=1, predictor="previous"),
}


def _solve_rs_loop(qs):
    for q in qs:
        solve_rs(q, 1.5, 0.01, 0.0)


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_grid_64x64(benchmark, variant):
    kw = dict(KW, **VARIANTS[variant])
    sweep("uniform", **kw)  # warm-up
    res = benchmark.pedantic(sweep, args=("uniform",), kwargs=kw, rounds=5, iterations=1)
    assert res.n_points == 4096
    if benchmark.stats is not None:  # None under --benchmark-disable (smoke runs)
        benchmark.extra_info["points_per_second"] = 4096 / benchmark.stats.stats.min


def test_single_solve_rs_loop(benchmark):
    qs = [Quantizer("uniform", n, w, 0.1) for n in N_P for w in OMEGA]
    for q in qs:  # build the piece tables outside the timing, warm the JIT
        q.pieces
    _solve_rs_loop(qs[:10])
    benchmark.pedantic(_solve_rs_loop, args=(qs,), rounds=3, iterations=1)
    if benchmark.stats is not None:  # None under --benchmark-disable (smoke runs)
        benchmark.extra_info["points_per_second"] = 4096 / benchmark.stats.stats.min


def _best(fn, repeats=5):
    fn()  # warm-up
    return best_of(fn, repeats)


def test_ratios_side_by_side():
    """Measure all variants in one run (same machine load) and print the ratios (no timing asserts)."""
    qs = [Quantizer("uniform", n, w, 0.1) for n in N_P for w in OMEGA]
    for q in qs:
        q.pieces
    fns = {name: (lambda kw=dict(KW, **v): sweep("uniform", **kw)) for name, v in VARIANTS.items()}
    fns["solve_rs loop"] = lambda: _solve_rs_loop(qs)
    for fn in fns.values():  # warm-up of every variant (JIT, loky workers) before any timing
        fn()
    # interleaved rounds: a slow spell of the machine hits every variant, not the one timed then
    t = {name: float("inf") for name in fns}
    for _ in range(5):
        for name, fn in fns.items():
            t[name] = min(t[name], best_of(fn, 1))
    per_point = {k: v / 4096 * 1e6 for k, v in t.items()}
    print("\nper point (us):", {k: round(v, 1) for k, v in per_point.items()})
    print("points/s:", {k: round(4096 / v) for k, v in t.items()})
    print("speed-up 2 loky workers vs 1:", round(t["fastq:1"] / t["fastq:parallel-loky-2"], 2))
    print("speed-up 2 threads vs 1:", round(t["fastq:1"] / t["fastq:parallel-threads-2"], 2))
    print("grid (no reverse check) / single warm solve_rs:", round(t["fastq:1-nocheck"] / t["solve_rs loop"], 2))
    print("grid (with reverse check) / single warm solve_rs:", round(t["fastq:1"] / t["solve_rs loop"], 2))
    print("cold grid / single warm solve_rs:", round(t["fastq:1-cold"] / t["solve_rs loop"], 2))
    print("levers, one at a time (1 worker): targeted vs full reverse pass",
          round(t["fastq:1-full-reverse"] / t["fastq:1"], 2), "x; secant vs previous-point predictor",
          round(t["fastq:1-previous"] / t["fastq:1"], 2), "x")
