"""AMP benchmarks (issue 3).  Run: ``python -m pytest bench/test_amp.py -s -p no:cacheprovider``
(``-s`` shows the ratios; they are also stored in each benchmark's ``extra_info``).

(a) one AMP iteration at N = 2500, alpha = 1.5 vs the memory floor measured in the same run
    (one NumPy ``X @ u`` plus one ``X.T @ r``); goal <= 1.5x for the scalar-variance form.
(b) K = 100 restarts advanced together vs 100 sequential runs on the same instance; goal >= 10x.
(c) peak memory of an AMP run vs the size of X; goal <= 2.5x (measured as the peak resident
    set of a fresh process, which also counts Numba's allocations).

Only ratios measured side by side are reported; absolute times depend on the machine's load.
"""
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from timing import best_of

import fastq
from fastq.message_passing import amp, amp_batched

N, ALPHA, SIGMA, LAM = 2500, 1.5, 0.1, 0.1
Q = fastq.Quantizer.from_bits(5, 2.5, edge_width=0.1)


@pytest.fixture(scope="module")
def instance():
    return fastq.teacher(N, ALPHA, SIGMA, seed=1)


_best = best_of  # shared helper in bench/timing.py


def _interleaved(X, y, u, r, variance, reps=8, iters=10):
    """Minimum over ``reps`` interleaved measurements of the floor and of one AMP iteration
    ((time of 1 + iters iterations - time of 1 iteration) / iters: setup cost cancels)."""
    floor = per_it = np.inf
    for _ in range(reps):
        floor = min(floor, _best(lambda: (X @ u, X.T @ r), 1))
        one = _best(lambda: amp(X, y, Q, LAM, max_iter=1, tol=0.0, variance=variance), 1)
        many = _best(lambda: amp(X, y, Q, LAM, max_iter=1 + iters, tol=0.0, variance=variance), 1)
        per_it = min(per_it, (many - one) / iters)
    return floor, per_it


@pytest.mark.parametrize("variant", ["numpy-floor", "fastq:scalar", "fastq:full"])
def test_iteration_vs_memory_floor(benchmark, instance, variant):
    X, y, _ = instance
    u = np.random.default_rng(0).standard_normal(X.shape[1])
    r = np.random.default_rng(1).standard_normal(X.shape[0])
    amp(X, y, Q, LAM, max_iter=2, tol=0.0, variance="scalar")  # warm-up (compile/cache load)
    amp(X, y, Q, LAM, max_iter=2, tol=0.0, variance="full")
    if variant == "numpy-floor":
        benchmark(lambda: (X @ u, X.T @ r))
        return
    variance = variant.split(":")[1]
    floor, per_it = _interleaved(X, y, u, r, variance)
    ratio = per_it / floor
    benchmark.extra_info.update(per_iteration_s=per_it, floor_s=floor, ratio=ratio)
    print(f"\n[amp bench a] {variance}-variance iteration {per_it * 1e3:.2f} ms, "
          f"floor {floor * 1e3:.2f} ms, ratio {ratio:.2f}")
    benchmark.pedantic(amp, args=(X, y, Q, LAM), kwargs=dict(max_iter=10, tol=0.0, variance=variance),
                       rounds=3, iterations=1)


@pytest.mark.parametrize("variant", ["batched", "sequential"])
def test_batched_restarts(benchmark, instance, variant):
    X, y, _ = instance
    K, T = 100, 5
    init = np.random.default_rng(2).standard_normal((N, K))
    amp_batched(X, y, Q, LAM, init=init[:, :K], max_iter=1, tol=0.0, variance="scalar")  # warm-up

    def batched():
        return amp_batched(X, y, Q, LAM, init=init, max_iter=T, tol=0.0, variance="scalar")

    def sequential():
        return [amp(X, y, Q, LAM, init=init[:, k], max_iter=T, tol=0.0, variance="scalar")
                for k in range(K)]

    tb = _best(batched, 2)
    ts = _best(sequential, 1)
    speedup = ts / tb
    benchmark.extra_info.update(batched_s=tb, sequential_s=ts, speedup=speedup, K=K, iterations=T)
    print(f"\n[amp bench b] K={K}, {T} iterations: batched {tb:.2f} s, sequential {ts:.2f} s, "
          f"speedup {speedup:.1f}x")
    benchmark.pedantic(batched if variant == "batched" else sequential, rounds=1, iterations=1)


_MEM_SCRIPT = textwrap.dedent("""
    import sys, numpy as np, fastq
    from fastq.message_passing import amp
    def rss(key):
        for line in open("/proc/self/status"):
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    q = fastq.Quantizer.from_bits(5, 2.5, edge_width=0.1)
    Xs, ys, _ = fastq.teacher(50, 1.5, 0.1, seed=0)
    amp(Xs, ys, q, 0.1, max_iter=2, variance=sys.argv[1])  # compile/cache load before measuring
    X, y, w0 = fastq.teacher(int(sys.argv[2]), 1.5, 0.1, seed=1)
    open("/proc/self/clear_refs", "w").write("5")  # reset the peak (VmHWM) to the current RSS
    base = rss("VmRSS:")
    amp(X, y, q, 0.1, max_iter=20, tol=0.0, variance=sys.argv[1], w0=w0, sigma=0.1)
    print(base, rss("VmHWM:"), X.nbytes)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
@pytest.mark.parametrize("variance", ["scalar", "full"])
def test_peak_memory(benchmark, variance):
    out = subprocess.run([sys.executable, "-c", _MEM_SCRIPT, variance, str(N)], capture_output=True,
                         text=True, check=True).stdout.split()
    base, peak, xbytes = (int(v) for v in out)
    total = (peak - base + xbytes) / xbytes  # peak of the run incl. X, in units of size(X)
    benchmark.extra_info.update(peak_over_size_of_X=total)
    print(f"\n[amp bench c] {variance}: peak during AMP = {total:.2f} x size of X")
    assert total <= 2.5
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
