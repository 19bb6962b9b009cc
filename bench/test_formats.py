"""Benchmarks of non-uniform level sets: FP8 E4M3 (253 levels, gaps from 2^-9 to 32 in units of
448) against the uniform grid with the same number of levels (n_p = 252).

Run: ``python -m pytest bench/test_formats.py -s`` (``-s`` shows the measured ratios).
One RS point (``solve_rs``, piece table built outside the timing) and a 10^4-point sweep
(100 alphas x 100 scales, continuation along omega, no reverse check).
"""
import numpy as np
import pytest
from timing import best_of

from fastq import Quantizer, solve_rs
from fastq.studies import sweep

ALPHA = np.linspace(0.5, 4.0, 100)
OMEGA = np.geomspace(0.5, 12.0, 100)
EPS = 0.02
SETS = {"fp8-e4m3": dict(scheme="fp8-e4m3"), "uniform-253": dict(scheme="uniform", n_p=252)}


def _quantizer(name, omega=4.0):
    return (Quantizer.format("fp8-e4m3", omega, edge_width=EPS) if name == "fp8-e4m3"
            else Quantizer.uniform(252, omega, EPS))


def _sweep(name):
    kw = SETS[name]
    return sweep(kw["scheme"], n_p=kw.get("n_p"), omega=OMEGA, alpha=ALPHA, sigma=0.1, lam=0.1,
                 edge_width=EPS, check_direction=False, along="omega")


@pytest.mark.parametrize("name", list(SETS))
def test_rs_point(benchmark, name):
    q = _quantizer(name)
    q.pieces
    r = benchmark(solve_rs, q, 1.5, 0.1, 0.1)
    assert r.converged


@pytest.mark.parametrize("name", list(SETS))
def test_sweep_10k(benchmark, name):
    _sweep(name)  # warm-up
    res = benchmark.pedantic(_sweep, args=(name,), rounds=2, iterations=1)
    assert res.n_points == 10_000 and bool(np.all(res["converged"]))


def test_ratios_side_by_side():
    """FP8 E4M3 vs uniform with 253 levels, interleaved (same machine load); prints the ratios."""
    qs = {n: _quantizer(n) for n in SETS}
    for q in qs.values():
        q.pieces
    fns = {}
    for n in SETS:
        fns[f"point:{n}"] = lambda q=qs[n]: [solve_rs(q, 1.5, 0.1, 0.1) for _ in range(200)]
        fns[f"sweep:{n}"] = lambda n=n: _sweep(n)
    for fn in fns.values():
        fn()
    t = {k: float("inf") for k in fns}
    for _ in range(3):
        for k, fn in fns.items():
            t[k] = min(t[k], best_of(fn, 1))
    print("\nRS point (us):", {k: round(v / 200 * 1e6, 1) for k, v in t.items() if k.startswith("point")})
    print("10^4 sweep (s):", {k: round(v, 2) for k, v in t.items() if k.startswith("sweep")})
    print("fp8 / uniform, point:", round(t["point:fp8-e4m3"] / t["point:uniform-253"], 2),
          " sweep:", round(t["sweep:fp8-e4m3"] / t["sweep:uniform-253"], 2))
