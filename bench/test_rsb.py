"""1RSB benchmarks: one evaluation of the 1RSB map against one RS map evaluation, side by side.

Run: ``python -m pytest bench/test_rsb.py --benchmark-only -s`` (``-s`` prints the ratio).
No absolute time is asserted.
"""

import numpy as np
import pytest
from timing import best_of

import fastq
from fastq.replica.rsb import _update, solve_rsb

MODEL = (1.4, 0.01, 0.01, 1.0)


@pytest.mark.parametrize("n_p", [2, 6])
def test_map_vs_rs_map(benchmark, n_p):
    """One 1RSB map call (outer Gauss-Legendre x exact inner per piece) vs one RS map call."""
    q = fastq.Quantizer.uniform(n_p, 1.0)
    rs = fastq.solve_rs(q, *MODEL)
    state = np.array([rs.chi, 0.05, rs.Q, rs.m])

    def rsb():
        _update(q, state, 10.0, MODEL, 10)

    def rsmap():
        fastq.rs_map(q, rs.chi, rs.eg, *MODEL)

    rsb()
    rsmap()
    t_rsb, t_rs = best_of(rsb, 5), best_of(rsmap, 5)
    benchmark.extra_info.update(t_rsb_map_s=t_rsb, t_rs_map_s=t_rs, ratio=t_rsb / t_rs)
    print(f"\nn_p={n_p}: 1RSB map {t_rsb * 1e3:.2f} ms, RS map {t_rs * 1e3:.3f} ms (ratio {t_rsb / t_rs:.0f})")
    benchmark.pedantic(rsb, rounds=3, iterations=1)


def test_solve_rsb(benchmark):
    """The full solve (mu scan, Brent, quadrature check) at uniform b = 2, omega = 1."""
    q = fastq.Quantizer.uniform(2, 1.0)
    benchmark.pedantic(lambda: solve_rsb(q, *MODEL), rounds=1, iterations=1)
