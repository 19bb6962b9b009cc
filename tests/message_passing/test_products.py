"""AMP's fused products with X: values against NumPy, the gemm path, no stored X*X, and results
bit-identical for one and two Numba threads."""
import tracemalloc

import numba
import numpy as np
import pytest

import fastq
from fastq.message_passing import amp, amp_batched
from fastq.message_passing._products import _GEMM_MIN_K, _SQ_BYTES, _bwd, _fwd, _threaded
from tests.message_passing.naive_amp import amp_reference

ALPHA, SIGMA, LAM = 1.5, 0.1, 0.1
Q = fastq.Quantizer.from_bits(5, 2.5, edge_width=0.1)
TWO = numba.config.NUMBA_NUM_THREADS >= 2
needs_two = pytest.mark.skipif(not TWO, reason="Numba has a single thread on this machine")


def _numpy_products(X, U, Vv, G, W):
    Xd = X.astype(np.float64)
    X2 = Xd * Xd
    return U @ Xd.T, Vv @ X2.T, G @ Xd, W @ X2


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("k,shape", [(1, (37, 23)), (3, (150, 101)), (_GEMM_MIN_K, (1100, 600))])
@pytest.mark.parametrize("threads", [1, 2])
def test_fused_products_match_numpy(dtype, k, shape, threads):
    # odd sizes exercise the remainder rows (not a multiple of 4) and partial blocks; the last case
    # takes the gemm path with more than one block of squared rows
    m, n = shape
    if k >= _GEMM_MIN_K:
        assert m * n * np.dtype(dtype).itemsize > _SQ_BYTES or dtype == np.float32
    rng = np.random.default_rng(k + m)
    X = (rng.standard_normal((m, n)) / np.sqrt(n)).astype(dtype)
    U, Vv = rng.standard_normal((k, n)), rng.random((k, n))
    G, W = rng.standard_normal((k, m)), rng.random((k, m))
    refP, refV, refB, refA = _numpy_products(X, U, Vv, G, W)
    rtol = 1e-12 if (dtype == np.float64 or k < _GEMM_MIN_K) else 1e-5  # gemm path: float32 products
    for full in (True, False):
        P, Vm = np.full((k, m), np.nan), np.full((k, m), np.nan)
        B, A = np.full((k, n), np.nan), np.full((k, n), np.nan)
        _fwd(X, U, Vv, full, P, Vm, threads)
        _bwd(X, G, W, full, B, A, threads)
        scale_p = np.abs(U) @ np.abs(X.astype(float)).T
        scale_b = np.abs(G) @ np.abs(X.astype(float))
        assert np.all(np.abs(P - refP) <= rtol * scale_p + 1e-300)
        assert np.all(np.abs(B - refB) <= rtol * scale_b + 1e-300)
        if full:
            np.testing.assert_allclose(Vm, refV, rtol=rtol)
            np.testing.assert_allclose(A, refA, rtol=rtol)


def test_full_variance_keeps_no_copy_of_x_squared():
    X, y, _ = fastq.teacher(400, ALPHA, SIGMA, seed=5)
    amp(X, y, Q, LAM, max_iter=2, tol=0.0, variance="full")  # compiled / loaded before measuring
    tracemalloc.start()
    amp(X, y, Q, LAM, max_iter=3, tol=0.0, variance="full")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 0.25 * X.nbytes, (peak, X.nbytes)


@needs_two
@pytest.mark.parametrize("variance", ["full", "scalar"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bit_identical_for_one_and_two_threads(variance, dtype):
    n = 520
    X, y, w0 = fastq.teacher(n, ALPHA, SIGMA, seed=12, dtype=dtype)
    assert _threaded(X, 1, 2) and not _threaded(X, 1, 1)  # two threads split the passes
    qs = [Q, fastq.Quantizer.from_bits(3, 2.0, "log", edge_width=0.2)]
    init = np.random.default_rng(2).standard_normal((n, 2))
    before = numba.get_num_threads()
    out = {}
    try:
        for threads in (1, 2):
            numba.set_num_threads(threads)
            one = amp(X, y, Q, LAM, init=init[:, 0], max_iter=25, tol=0.0, variance=variance, w0=w0,
                      sigma=SIGMA)
            two = amp_batched(X, y, qs, LAM, init=init, max_iter=25, tol=0.0, variance=variance)
            out[threads] = (one, two)
    finally:
        numba.set_num_threads(before)
    for a, b in zip([out[1][0], *out[1][1]], [out[2][0], *out[2][1]]):
        assert a.iterations == b.iterations == 25
        np.testing.assert_array_equal(a.mbar, b.mbar)
        np.testing.assert_array_equal(a.v, b.v)
        np.testing.assert_array_equal(a.trace_change, b.trace_change)


@needs_two
@pytest.mark.parametrize("variance", ["full", "scalar"])
def test_threaded_path_matches_naive_reference(variance):
    n = 520
    X, y, _ = fastq.teacher(n, ALPHA, SIGMA, seed=13)
    init = np.random.default_rng(3).standard_normal(n)
    ref = amp_reference(X, y, Q.levels, Q.edge_width, LAM, init, 5, variance)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(2)
        r = amp(X, y, Q, LAM, max_iter=5, tol=0.0, init=init, variance=variance)
    finally:
        numba.set_num_threads(before)
    assert r.iterations == 5
    np.testing.assert_allclose(r.mbar, ref[-1], rtol=0, atol=1e-10)


def test_study_workers_run_large_passes_with_one_numba_thread():
    # instances above the threading threshold, run in threads of this process: every task runs with
    # one Numba thread (no parallel launch from two Python threads at once) and the results equal
    # the serial run's bit for bit
    from fastq.message_passing import amp_study

    kw = dict(n=520, runs=2, seed=5, max_iter=15, tol=0.0, variance="full")
    a = amp_study(Q, ALPHA, SIGMA, LAM, n_jobs=1, **kw)
    b = amp_study(Q, ALPHA, SIGMA, LAM, n_jobs=2, backend="threading", **kw)
    np.testing.assert_array_equal(a.eg, b.eg)
    from fastq.parallel import parallel_map

    before = numba.get_num_threads()
    assert parallel_map(lambda _: numba.get_num_threads(), range(4), n_jobs=2, backend="threading") == [1] * 4
    assert parallel_map(lambda _: numba.get_num_threads(), range(2), n_jobs=1) == [1] * 2
    assert numba.get_num_threads() == before  # restored in the calling thread
