"""Sharpness, PAC-Bayes and robustness measures (fastq.qat.measures).

Tolerances and why:
* exact Hessian trace (one exact H e_i per parameter) against the trace of the NumPy
  finite-difference Hessian: 1e-6 relative (the FD Hessian's accuracy, see test_qat_mlp).
* Hutchinson's estimate against the exact trace: within 3 of its own standard errors (2000
  Rademacher probes, fixed seed); per-layer block traces sum to the total to 1e-12.
* sigma' search: the accuracy drop recomputed independently (NumPy forward passes, the same
  noise draws) at the returned sigma is within 0.02 of the 0.1 target -- the accuracy of 200
  rows averaged over 4 draws moves in steps of 1/800, and the bracket is narrowed to 2 %.
* bound formulas against a term-by-term NumPy transcription: 1e-12 relative.
"""
import math

import numpy as np
import pytest

import fastq
from fastq.qat.measures import (
    corruption_accuracy,
    exact_hessian_trace,
    hessian_trace,
    pacbayes_measures,
    perturbation_sigma,
    quantization_noise_sigma,
)
from fastq.qat.mlp import MLPSpec, train
from tests.qat import naive_qat as N


@pytest.fixture(scope="module")
def tiny():
    spec = MLPSpec((4, 6, 3))
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 4))
    y = rng.integers(0, 3, 60)
    r = train(spec, X, y, epochs=20, batch=10, lr=0.05, seed=3)
    return spec, r.theta_q, X, y


def test_exact_trace_against_finite_difference_hessian(tiny):
    spec, th, X, y = tiny
    H = N.fd_hessian(th, spec.dims, X, y)
    assert exact_hessian_trace(spec, th, X, y) == pytest.approx(np.trace(H), rel=1e-6)


def test_hutchinson_against_exact_trace(tiny):
    spec, th, X, y = tiny
    exact = exact_hessian_trace(spec, th, X, y)
    est = hessian_trace(spec, th, X, y, probes=2000, seed=5)
    assert abs(est.trace - exact) < 3 * est.se
    assert est.se < 0.05 * abs(exact)
    assert est.layer_traces.sum() == pytest.approx(est.trace, rel=1e-12)
    again = hessian_trace(spec, th, X, y, probes=2000, seed=5)
    assert again.trace == est.trace


def test_layer_traces_against_exact_blocks(tiny):
    spec, th, X, y = tiny
    H = N.fd_hessian(th, spec.dims, X, y)
    est = hessian_trace(spec, th, X, y, probes=2000, seed=9)
    for (ws, bs), t in zip(spec.layer_slices(), est.layer_traces):
        block = np.trace(H[ws, ws]) + np.trace(H[bs, bs])
        assert abs(t - block) < 0.1 * abs(H.diagonal()).sum()


@pytest.mark.parametrize("magnitude", [False, True])
def test_sigma_search_hits_the_target_drop(magnitude):
    spec = MLPSpec((8, 16, 4), bits=4)
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 8))
    y = np.argmax(X[:, :4], axis=1)
    th = train(spec, X, y, epochs=30, batch=20, lr=0.05, seed=2).theta_q
    r = perturbation_sigma(spec, th, X, y, magnitude=magnitude, mc=4, seed=3)
    assert r.converged and r.status == "converged"
    noise = np.random.default_rng(3).standard_normal((4, th.size))  # the search's draws (seed 3)
    acc0 = N.accuracy(th, spec.dims, X, y)
    scale = np.sqrt(r.sigma**2 * th**2 + 1e-6) if magnitude else r.sigma
    drop = acc0 - np.mean([N.accuracy(th + scale * noise[s], spec.dims, X, y) for s in range(4)])
    assert abs(drop - 0.1) < 0.02
    assert r.clean_accuracy == acc0


def test_sigma_search_reports_a_model_at_chance():
    spec = MLPSpec((4, 5, 3))
    rng = np.random.default_rng(0)
    X = rng.standard_normal((90, 4))
    y = rng.integers(0, 3, 90)
    th = np.zeros(spec.n_params)  # constant logits: accuracy ~ 1/3, already at chance
    r = perturbation_sigma(spec, th, X, y, mc=2, seed=1, max_evals=30)
    assert r.status == "diverged" and not r.converged and math.isnan(r.sigma)
    assert r.evaluations <= 30


def test_pacbayes_formulas():
    rng = np.random.default_rng(0)
    w, w0 = rng.standard_normal(50), rng.standard_normal(50)
    got = pacbayes_measures(w, w0, 0.3, 0.7, 1000)
    ref = N.pacbayes_reference(w, w0, 0.3, 0.7, 1000)
    for k, v in ref.items():
        assert got[k] == pytest.approx(v, rel=1e-12)
    assert math.isnan(got["pb_bound_qnoise"])
    q = pacbayes_measures(w, w0, 0.3, 0.7, 1000, sigma_q=0.05)
    assert q["pb_bound_qnoise"] == pytest.approx(np.sum((w - w0) ** 2) / (4 * 0.05**2) + math.log(1000 / 0.05) + 10)
    nan = pacbayes_measures(w, w0, math.nan, math.nan, 1000)
    assert all(math.isnan(v) for v in nan.values())


def test_quantization_noise_sigma():
    spec = MLPSpec((3, 4, 2), bits=3)
    steps = np.array([0.1, 0.2])
    expect = math.sqrt((12 * 0.01 / 12 + 8 * 0.04 / 12) / 20)
    assert quantization_noise_sigma(spec, steps) == pytest.approx(expect, rel=1e-14)
    assert math.isnan(quantization_noise_sigma(MLPSpec((3, 4, 2)), steps))


def test_corruption_accuracy_against_reference(tiny):
    spec, th, X, y = tiny
    acc = corruption_accuracy(spec, th, X, y, [0.0, 0.5, 2.0], seed=4)
    xi = np.random.default_rng(4).standard_normal(X.shape)
    for a, s in zip(acc, (0.0, 0.5, 2.0)):
        assert a == N.accuracy(th, spec.dims, X + s * xi, y)
    with pytest.raises(fastq.FastqInputError, match="corruption level"):
        corruption_accuracy(spec, th, X, y, [-1.0], seed=0)
