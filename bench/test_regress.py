"""The fast benchmark subset that ``scripts/bench_regress.py`` runs on a base and a head.

Each benchmark times one call with pytest-benchmark (compared on its minimum) and stores in
``extra_info`` the checks that do not depend on the machine:

* ``ratio_*`` -- a time divided by a reference measured in the same run, interleaved, both as
  process CPU time (lower is better; the machine's speed cancels, and with every thread pool
  pinned to one thread, CPU time is what other processes on a loaded machine disturb least);
* ``count_*`` -- solver iterations and map evaluations (deterministic; lower is better).

Every kernel is compiled (or loaded from the cache) before anything is timed.  The runner pins
every thread pool to one thread.  ``FASTQ_BENCH_DELAY`` (seconds, default 0) of busy work is added
to each timed call (busy, not sleep: the runner times CPU time): it makes a head slower on
purpose, to check that the runner catches it.  Runs in
about 20 s once compiled.
"""
import os
import time

import numpy as np

import fastq
from fastq.message_passing import amp
from fastq.studies import sweep

_DELAY = float(os.environ.get("FASTQ_BENCH_DELAY", "0"))


def _timed(fn):
    """``fn`` with the injected busy delay of ``FASTQ_BENCH_DELAY`` (none by default)."""
    if _DELAY <= 0:
        return fn

    def slowed():
        end = time.process_time() + _DELAY
        while time.process_time() < end:
            pass
        return fn()

    return slowed


def _interleaved_min(fns, rounds):
    """Minimum process CPU time of each callable over ``rounds`` interleaved rounds."""
    t = {k: float("inf") for k in fns}
    for _ in range(rounds):
        for k, fn in fns.items():
            t0 = time.process_time()
            fn()
            t[k] = min(t[k], time.process_time() - t0)
    return t


# ----------------------------------------------------------------------------- RS point
def test_regress_rs_point(benchmark):
    q = fastq.Quantizer("uniform", 6, 2.0, 0.05)
    r = fastq.solve_rs(q, 1.5, 0.01, 0.0)  # compile / load before timing
    assert r.converged
    benchmark.extra_info["count_iterations"] = r.iterations
    benchmark.pedantic(_timed(lambda: fastq.solve_rs(q, 1.5, 0.01, 0.0)), rounds=200, iterations=1)


# ----------------------------------------------------------------------------- grid
GRID = dict(n_p=list(range(1, 17)), omega=np.linspace(0.2, 6.0, 16), alpha=1.5, sigma=0.01, lam=0.0,
            edge_width=0.1)


def test_regress_sweep_16x16(benchmark):
    res = sweep("uniform", **GRID)  # compile / load before timing
    assert (res["status"] == 0).all()
    qs = [fastq.Quantizer("uniform", n, w, 0.1) for n in GRID["n_p"] for w in GRID["omega"]]
    for q in qs:
        q.pieces  # piece tables built outside the timing

    def grid():
        return sweep("uniform", **GRID)

    def single():
        for q in qs:
            fastq.solve_rs(q, 1.5, 0.01, 0.0)

    t = _interleaved_min({"grid": grid, "single": single}, 5)
    benchmark.extra_info.update(count_iterations_per_point=float(res["iterations"].mean()),
                                ratio_grid_vs_solve_rs=t["grid"] / t["single"])
    benchmark.pedantic(_timed(grid), rounds=10, iterations=1)


# ----------------------------------------------------------------------------- AMP
def _amp_case():
    X, y, w0 = fastq.teacher(1000, 1.5, 0.1, seed=3)
    q = fastq.Quantizer.from_bits(5, 2.5, edge_width=0.1)
    return X, y, w0, q


def test_regress_amp_iteration(benchmark):
    X, y, w0, q = _amp_case()
    u = np.random.default_rng(0).standard_normal(X.shape[1])
    r = np.random.default_rng(1).standard_normal(X.shape[0])
    fns = {"floor": lambda: [(X @ u, X.T @ r) for _ in range(10)]}
    for var in ("full", "scalar"):
        amp(X, y, q, 0.1, max_iter=2, tol=0.0, variance=var)  # compile / load before timing
        fns[f"{var}1"] = lambda var=var: amp(X, y, q, 0.1, max_iter=1, tol=0.0, variance=var)
        fns[f"{var}41"] = lambda var=var: amp(X, y, q, 0.1, max_iter=41, tol=0.0, variance=var)
    t = _interleaved_min(fns, 5)
    conv = amp(X, y, q, 0.1, max_iter=500, tol=1e-10, w0=w0, sigma=0.1)
    assert conv.converged
    benchmark.extra_info.update(
        ratio_full_iteration_vs_floor=(t["full41"] - t["full1"]) / 40 / (t["floor"] / 10),
        ratio_scalar_iteration_vs_floor=(t["scalar41"] - t["scalar1"]) / 40 / (t["floor"] / 10),
        count_iterations_to_converge=conv.iterations)
    benchmark.pedantic(_timed(lambda: amp(X, y, q, 0.1, max_iter=10, tol=0.0)), rounds=10, iterations=1)
