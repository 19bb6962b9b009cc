"""Benchmarks of routed training (fastq.routing): the cost of routing against independent copies.

Run: ``python -m pytest bench/test_routing.py -s``.  Same setup, same seeds, same number of
steps and samples; only the routing probability p changes (p = 0 draws no permutation at all, so
the ratio is the whole cost of drawing and applying the permutations).  Printed: time per
(copy, step) and the ratios p = 0.3 and p = 1 against p = 0, for the clipped perceptron (N = 200,
M = 8, alpha = 4) and the binary committee machine (N = 100, K = 3, M = 4, alpha = 10).
"""
import pytest
from timing import best_of

import fastq

CASES = {
    "perceptron": dict(model="perceptron", rule="clipped", bits=1, n=200, copies=8, alpha=4.0, n_test=200),
    "committee": dict(model="committee", bits=1, n=100, copies=4, alpha=10.0, hidden=3, n_test=200),
}


def _run(case, p):
    return fastq.route(fastq.make_routing_setup(**CASES[case], p=p), seed=1)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
def test_route(benchmark, case, p):
    _run(case, p)  # JIT warm-up
    r = benchmark.pedantic(_run, args=(case, p), rounds=5, iterations=1)
    assert r.converged and 0.0 < float(r.eg_copies[-1]) < 0.5


def test_routing_overhead_side_by_side():
    """All p measured in one run; prints the ratios (no timing asserts)."""
    for case, kw in CASES.items():
        t = {}
        for p in (0.0, 0.3, 1.0):
            _run(case, p)
            t[p] = best_of(lambda p=p: _run(case, p), 5)
        steps = kw["copies"] * kw["alpha"] * kw["n"]
        print(f"\n{case}: per (copy, step) {t[0.0] / steps * 1e6:.2f} us at p = 0; "
              f"p = 0.3 / p = 0: {t[0.3] / t[0.0]:.2f}; p = 1 / p = 0: {t[1.0] / t[0.0]:.2f}")
