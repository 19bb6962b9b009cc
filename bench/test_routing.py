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


FINITE = dict(model="perceptron", rule="clipped", bits=1, n=201, alpha=2.0, epochs=20, n_test=200)


def test_finite_cost_per_epoch_side_by_side():
    """Finite training set, fixed lift: cost per epoch of routed copies against independent copies
    (p = 0, no lift evaluated) and against M separate one-model runs, one run of interleaved
    measurements (no timing asserts)."""
    for m in (4, 8):
        runs = {"one model": dict(copies=1, p=0.0), "independent": dict(copies=m, p=0.0)}
        runs.update({f"{k} p={p:g}": dict(copies=m, p=p, kernel=k) for k in ("uniform", "ring", "gaussian")
                     for p in (0.3, 1.0)})
        setups = {name: fastq.make_routing_setup(**FINITE, **kw) for name, kw in runs.items()}
        for s in setups.values():
            fastq.route(s, seed=0)
        t = {name: best_of(lambda s=s: fastq.route(s, seed=1), 3) for name, s in setups.items()}
        ind = t["independent"]
        print(f"\nM = {m}: independent copies {ind / FINITE['epochs'] * 1e3:.2f} ms per epoch "
              f"({ind / (m * t['one model']):.2f} x M one-model runs); routed / independent: "
              + ", ".join(f"{k} {v / ind:.2f}" for k, v in t.items() if k not in ("one model", "independent")))


NETWORKS = {"committee": dict(model="committee", bits=1, hidden=3), "mlp": dict(model="mlp", bits=0, hidden=4)}


def test_finite_network_cost_per_epoch_side_by_side():
    """The same for the networks of the finite-set learning curves (N = 150, alpha = 2, 5 epochs,
    shared starts): routed copies per epoch against independent copies (no timing asserts)."""
    for name, net in NETWORKS.items():
        for m in (4, 8):
            runs = {"independent": dict(p=0.0)}
            runs.update({f"{k} p={p:g}": dict(p=p, kernel=k) for k in ("uniform", "gaussian") for p in (0.3, 1.0)})
            setups = {k: fastq.make_routing_setup(**net, n=150, alpha=2.0, epochs=5, copies=m, n_test=100, **kw)
                      for k, kw in runs.items()}
            for s in setups.values():
                fastq.route(s, seed=0)
            t = {k: best_of(lambda s=s: fastq.route(s, seed=1), 3) for k, s in setups.items()}
            ind = t["independent"]
            print(f"\n{name}, M = {m}: independent copies {ind / 5 * 1e3:.2f} ms per epoch; routed / independent: "
                  + ", ".join(f"{k} {v / ind:.2f}" for k, v in t.items() if k != "independent"))
