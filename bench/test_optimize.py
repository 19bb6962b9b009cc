"""Benchmarks of the hyper-parameter advisor (run: pytest bench/test_optimize.py).

The figure of merit is a ratio measured side by side in one run: the time of one
``optimal_omega`` call divided by the time of one ``solve_rs`` call at a typical point, i.e. how
many RS solves one optimization costs (compare with the solve count it reports, ``n_solves``:
warm-started solves are cheaper than a cold one, so the time ratio is below the count).
"""
from __future__ import annotations

import pytest
from timing import best_of

from fastq import Quantizer, solve_rs
from fastq.studies import bit_budget, optimal_omega

MODEL = (1.4, 0.01, 0.01)
EPS = 0.05
CASES = {"uniform-b3": {"scheme": "uniform", "bits": 3}, "log-b4": {"scheme": "log", "bits": 4},
         "uniform-b6": {"scheme": "uniform", "bits": 6}}


def _solve_once(spec):
    q = Quantizer.from_bits(spec["bits"], 2.0, spec["scheme"], EPS)
    return solve_rs(q, *MODEL)


_best_time = best_of  # shared helper in bench/timing.py


@pytest.mark.parametrize("variant", ["solve_rs", "optimal_omega"])
@pytest.mark.parametrize("case", list(CASES))
def test_optimize_vs_solve(benchmark, case, variant):
    spec = CASES[case]
    if variant == "solve_rs":
        fn = lambda: _solve_once(spec)  # noqa: E731
    else:
        fn = lambda: optimal_omega(spec, *MODEL, edge_width=EPS)  # noqa: E731
    fn()  # warm-up (JIT cache load)
    res = benchmark(fn)
    if variant == "optimal_omega":
        benchmark.extra_info["n_solves"] = res.n_solves


@pytest.mark.parametrize("case", list(CASES))
def test_ratio_side_by_side(case, record_property):
    spec = CASES[case]
    _solve_once(spec)
    o = optimal_omega(spec, *MODEL, edge_width=EPS)
    t_solve = _best_time(lambda: _solve_once(spec), 200)
    t_opt = _best_time(lambda: optimal_omega(spec, *MODEL, edge_width=EPS), 10)
    ratio = t_opt / t_solve
    print(f"\n{case}: solve_rs {t_solve * 1e6:.1f} us, optimal_omega {t_opt * 1e3:.2f} ms, "
          f"ratio {ratio:.0f} solves-worth of time; n_solves reported {o.n_solves}")
    record_property("ratio", ratio)
    record_property("n_solves", o.n_solves)
    assert ratio > 1


@pytest.mark.parametrize("jobs", [1, 2])
def test_bit_budget(benchmark, jobs):
    kw = dict(bits=range(2, 9), schemes=["uniform", "log"], edge_width=EPS, n_jobs=jobs)
    bit_budget(*MODEL, **kw)  # warm-up (also starts the loky workers)
    benchmark.pedantic(lambda: bit_budget(*MODEL, **kw), rounds=3, iterations=1)
