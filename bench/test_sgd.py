"""Quantized-SGD benchmarks: recursion step vs simulation step, simulation vs NumPy, the two goals.

Run: ``python -m pytest bench/test_sgd.py --benchmark-only -s`` (``-s`` prints the ratios).
Ratios are measured side by side in one run.  Goals (issue 12): the exact curve for d = 1000,
T = 1e5 in under a second; 1e4 simulated runs at d = 200, T = 2000 in under a minute on 2 cores.
The second goal is timed on ``GOAL_RUNS`` = 1000 runs and extrapolated linearly (an overestimate:
the workers' start-up is counted ten times); set ``FASTQ_BENCH_FULL=1`` to time all 1e4 runs.
"""
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from timing import best_of

from fastq.sgd import make_setup, sgd_risk, sgd_simulate
from fastq.sgd._mc_kernels import _mc_run
from fastq.sgd._rng import seed_state
from fastq.sgd.simulation import kernel_arrays

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.sgd.naive_sgd import mc_numpy  # noqa: E402

GOAL_RUNS = 10_000 if os.environ.get("FASTQ_BENCH_FULL") == "1" else 1000
VARIANTS = {"plain": {}, "data-add": {"data": "add:0.01"}, "grad-int8": {"gradient": "int:8"},
            "all-mult": {"data": "mult:0.01", "label": "mult:0.01", "param": "mult:0.01",
                         "activation": "mult:0.01", "gradient": "mult:0.01"}}


def _mc_steps(d, steps, quant, batch=1):
    s = make_setup(dim=d, gamma=0.05, steps=steps, sigma=0.1, batch=batch, **quant)
    kinds, prm, _ = kernel_arrays(s)
    rec = np.array([0, steps])
    bufs = [np.empty(d) for _ in range(5)]
    o1, o2, o3, st = np.empty(2), np.empty(2), np.empty(2), np.zeros((5, 2), dtype=np.int64)
    sl, sp = np.sqrt(s.lam), np.sqrt(s.pi)

    def fn():
        _mc_run(s.lam, sl, sp, s.gamma, batch, steps, s.sigma, kinds, prm, rec, seed_state(np.random.SeedSequence(1)),
                o1, o2, o3, st, *bufs)
    return fn


@pytest.mark.parametrize("variant", ["plain", "data-add", "all-mult"])
def test_recursion_step_vs_simulation_step(benchmark, variant):
    """d = 1000: one step of the exact recursion vs one step of one simulated run (B = 1)."""
    d, t_rec, t_mc = 1000, 20_000, 400
    quant = {k: v for k, v in VARIANTS[variant].items()}
    rec = lambda: sgd_risk(dim=d, gamma=0.05, steps=t_rec, sigma=0.1, checkpoints=[t_rec], **quant)  # noqa: E731
    mc = _mc_steps(d, t_mc, quant)
    rec()
    mc()
    a = best_of(rec, 3) / t_rec
    b = best_of(mc, 3) / t_mc
    benchmark.extra_info.update(recursion_step_s=a, simulation_step_s=b, ratio_simulation_over_recursion=b / a)
    print(f"\n[{variant}] d={d}: recursion {a * 1e6:.2f} us/step, one simulated run {b * 1e6:.2f} us/step "
          f"(simulation/recursion = {b / a:.1f}; the recursion gives the exact mean, a run one sample)")
    benchmark.pedantic(rec, rounds=1, iterations=1)


@pytest.mark.parametrize("variant", ["plain", "data-add", "all-mult"])
def test_simulation_vs_numpy_reference(benchmark, variant):
    """Per (run x step) at d = 200, B = 1: the Numba kernel (runs one after another) vs the NumPy
    reference vectorised over 256 runs (tests/sgd/naive_sgd.py)."""
    d, steps, runs = 200, 200, 256
    quant = VARIANTS[variant]
    mc = _mc_steps(d, steps, quant)
    mc()
    spec = {k: (v.split(":")[0], float(v.split(":")[1])) for k, v in quant.items()}
    s = make_setup(dim=d, gamma=0.05, steps=steps)
    ref = lambda: mc_numpy(s.lam, s.pi, 1, 0.05, steps, 0.1, spec, runs, np.random.default_rng(2),  # noqa: E731
                           record=[0, steps])
    ref()
    a = best_of(mc, 3) / steps
    b = best_of(ref, 2) / (steps * runs)
    benchmark.extra_info.update(numba_run_step_s=a, numpy_run_step_s=b, speedup=b / a)
    print(f"\n[{variant}] d={d}: Numba {a * 1e6:.2f} us per run-step, NumPy (256 runs vectorised) "
          f"{b * 1e6:.2f} us per run-step: speed-up {b / a:.1f}x")
    benchmark.pedantic(mc, rounds=1, iterations=1)


def test_goal_exact_curve_d1000_T1e5(benchmark):
    """Goal: the exact curve (every step recorded) for d = 1000, T = 1e5 in under a second."""
    fn = lambda: sgd_risk(dim=1000, gamma=0.05, steps=100_000, sigma=0.1, data="add:1e-3",  # noqa: E731
                          activation="mult:1e-2")
    fn()
    t = best_of(fn, 3)
    benchmark.extra_info.update(seconds=t)
    print(f"\nexact curve d=1000, T=1e5 (all 100001 steps recorded): {t:.3f} s (goal < 1 s)")
    benchmark.pedantic(fn, rounds=1, iterations=1)


@pytest.mark.parametrize("variant", ["plain", "data-add"])
def test_goal_simulation_1e4_runs(benchmark, variant):
    """Goal: 1e4 runs at d = 200, T = 2000, B = 1 in under a minute on 2 cores (n_jobs = 2)."""
    kw = dict(dim=200, gamma=0.1, steps=2000, sigma=0.1, **VARIANTS[variant])
    sgd_simulate(runs=2, seed=0, n_jobs=2, **kw)                     # warm the workers' caches
    fn = lambda: sgd_simulate(runs=GOAL_RUNS, seed=1, n_jobs=2, checkpoints=10, **kw)  # noqa: E731
    t = best_of(fn, 1)
    est = t * 10_000 / GOAL_RUNS
    benchmark.extra_info.update(seconds=t, runs=GOAL_RUNS, seconds_for_1e4=est)
    print(f"\n[{variant}] {GOAL_RUNS} runs d=200 T=2000 on 2 workers: {t:.2f} s -> 1e4 runs: {est:.1f} s "
          f"(goal < 60 s)")
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)


HIGH_D = {"plain": {}, "data-int-rtn8": {"data": "int-rtn:8"}, "data-int8": {"data": "int:8"},
          "grad-fp3": {"gradient": "fp:3"}}


@pytest.mark.parametrize("variant", list(HIGH_D))
def test_high_dim_simulation_and_exact(benchmark, variant):
    """d = 1e5 (issue 25): one simulated run-step (B = 1) against one exact recursion step, side by
    side, and the one-off cost of the exact moments of a real data quantizer.  Memory of a run:
    five work arrays of d float64 (4.0 MB at d = 1e5) plus its records; nothing grows with T.
    """
    d, t_mc, t_rec = 100_000, 20, 1000
    quant = HIGH_D[variant]
    mc = _mc_steps(d, t_mc, quant)
    mc()
    small = _mc_steps(1000, 100 * t_mc, quant)      # the same work at d = 1e3, timed alongside
    small()
    c = best_of(small, 3) / (100 * t_mc * 1000)
    exact_ok = "gradient" not in quant
    rec = lambda: sgd_risk(dim=d, gamma=0.05, steps=t_rec, sigma=0.1, checkpoints=[t_rec], **quant)  # noqa: E731
    if exact_ok:
        rec()
    a = best_of(mc, 3) / t_mc
    line = (f"\n[{variant}] d={d}: one simulated run {a * 1e3:.3f} ms/step ({a / d * 1e9:.2f} ns per coordinate; "
            f"d = 1e3: {c * 1e9:.2f} ns, ratio {a / d / c:.2f})")
    benchmark.extra_info.update(simulation_step_s=a, work_memory_bytes=5 * 8 * d, per_coordinate_ratio=a / d / c)
    if exact_ok:
        t0 = best_of(lambda: sgd_risk(dim=d, gamma=0.05, steps=0, sigma=0.1, checkpoints=[0], **quant), 3)
        b = max(best_of(rec, 3) - t0, 1e-9) / t_rec
        benchmark.extra_info.update(recursion_step_s=b, setup_s=t0)
        line += f"; exact recursion {b * 1e3:.3f} ms/step (ratio {a / b:.1f}), setup incl. moments {t0:.2f} s"
    print(line + f"; T = 2000 run: {a * 2000:.1f} s; work memory {5 * 8 * d / 1e6:.1f} MB per worker")
    benchmark.pedantic(mc, rounds=1, iterations=1)
