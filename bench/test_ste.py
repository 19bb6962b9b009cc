"""STE training benchmarks: simulation step cost vs one length-N dot product, PDE time per unit tau.

Run: ``python -m pytest bench/test_ste.py --benchmark-only -s`` (``-s`` prints the ratios).
The ratios are measured side by side in one run; no absolute time is asserted.
"""

import numpy as np
import pytest
from timing import best_of

from fastq._jit import njit
from fastq.quantizers import Quantizer
from fastq.ste import ste_mean_field
from fastq.ste._sim_kernel import _ste_run
from fastq.ste.model import input_moments


@njit
def _dot(a, b):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i] * b[i]
    return s


def _sim_call(n, steps, scheme="uniform", n_p=2, psi=None):
    q = Quantizer(scheme, n_p, 1.5)
    lv, th = np.ascontiguousarray(q.levels), np.ascontiguousarray(q.thresholds)
    w0 = np.random.default_rng(0).standard_normal(n)
    eg, m, qq, b = (np.empty(2), np.empty(2), np.empty(2), np.empty((2, q.n_p + 1)))
    c1, c2 = input_moments(psi)
    pl = np.zeros(1) if psi is None else np.ascontiguousarray(psi.levels)
    pt = np.zeros(0) if psi is None else np.ascontiguousarray(psi.thresholds)
    no_snap = np.empty(0, dtype=np.int64)
    snaps = np.empty((0, n))

    def fn():
        _ste_run(w0, np.zeros(n), lv, th, pl, pt, psi is not None, c1, c2, 0.5, 0.1, steps, steps,
                 np.random.default_rng(1), eg, m, qq, b, no_snap, snaps)
    return fn


_best_of = best_of  # shared helper in bench/timing.py


@pytest.mark.parametrize("n", [1000, 4000])
@pytest.mark.parametrize("variant", ["uniform-b2", "log-b4"])
def test_simulation_steps(benchmark, n, variant):
    scheme, n_p = ("uniform", 2) if variant == "uniform-b2" else ("log", 14)
    fn = _sim_call(n, 2000, scheme, n_p)
    fn()  # warm-up (compile)
    benchmark.pedantic(fn, rounds=3, iterations=1)


@pytest.mark.parametrize("n", [1000, 4000])
def test_simulation_quantized_inputs_cost(benchmark, n):
    """One STE step with quantized inputs (b = 2, omega = 2: one extra bin lookup per coordinate)
    against the same step with unquantized inputs, side by side."""
    steps = 2000
    plain = _sim_call(n, steps)
    quant = _sim_call(n, steps, psi=Quantizer.uniform(2, 2.0))
    plain()
    quant()
    t_plain = _best_of(plain, 3) / steps
    t_quant = _best_of(quant, 3) / steps
    benchmark.extra_info.update(t_step_plain_s=t_plain, t_step_quantized_inputs_s=t_quant,
                                ratio=t_quant / t_plain)
    print(f"\nN={n}: STE step {t_plain * 1e6:.2f} us plain, {t_quant * 1e6:.2f} us with quantized "
          f"inputs (ratio {t_quant / t_plain:.2f})")
    benchmark.pedantic(quant, rounds=1, iterations=1)


@pytest.mark.parametrize("n", [1000, 4000])
def test_simulation_step_vs_dot_ratio(benchmark, n):
    """One STE step (fused pass: update, requantize, draw x, dot) vs one Numba dot of length N,
    and vs NumPy's ``x @ y`` called from Python."""
    steps = 2000
    sim = _sim_call(n, steps)
    sim()
    a = np.random.default_rng(2).standard_normal(n)
    b = np.random.default_rng(3).standard_normal(n)
    _dot(a, b)
    reps = 20000

    def dots():
        for _ in range(reps):
            _dot(a, b)

    def npdots():
        for _ in range(reps // 10):
            a @ b
    t_step = _best_of(sim, 3) / steps
    t_dot = _best_of(dots, 3) / reps
    t_np = _best_of(npdots, 3) / (reps // 10)
    ratio = t_step / t_dot
    benchmark.extra_info.update(t_step_s=t_step, t_dot_s=t_dot, t_numpy_dot_s=t_np,
                                ratio_step_over_dot=ratio, steps_per_s=1 / t_step)
    print(f"\nN={n}: STE step {t_step * 1e6:.2f} us ({1 / t_step:.0f} steps/s), numba dot "
          f"{t_dot * 1e6:.3f} us (ratio {ratio:.1f}), numpy a@b from Python {t_np * 1e6:.2f} us "
          f"(ratio {t_step / t_np:.2f})")
    benchmark.pedantic(sim, rounds=1, iterations=1)


@pytest.mark.parametrize("variant", ["uniform-b2", "log-b4"])
def test_pde_time_per_tau(benchmark, variant):
    q = Quantizer.uniform(2, 1.5) if variant == "uniform-b2" else Quantizer.log(14, 3.0)
    tau_max = 2.0

    def fn():
        return ste_mean_field(q, 0.5, 0.1, tau_max=tau_max, dtau=0.5)
    r = fn()  # warm-up
    t = _best_of(fn, 2)
    benchmark.extra_info.update(seconds_per_tau=t / tau_max, cells=r.info["cells"], nodes=r.info["nodes"],
                                dt=r.info["dt"])
    print(f"\nPDE {variant}: {t / tau_max:.3f} s per unit tau ({r.info['cells']} cells x "
          f"{r.info['nodes']} teacher nodes, dt={r.info['dt']})")
    benchmark.pedantic(fn, rounds=1, iterations=1)
