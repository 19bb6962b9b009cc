"""MLP kernels (fastq.qat.mlp / _mlp_kernels) against independent NumPy references.

Tolerances and why:
* loss and gradient against the NumPy reference (same formulas, matrix form): 1e-12 relative
  -- only the summation order differs.
* gradient against central finite differences of the *reference* loss (h = 1e-6): 1e-6
  relative to the largest component -- truncation error O(h^2) ~ 1e-12 and cancellation
  ~ 1e-16 / 1e-6 = 1e-10 in the loss values; ReLU kinks are not crossed for these seeds.
* Hessian-vector products against the finite-difference Hessian of the reference gradient
  (h = 1e-5): 1e-6 relative, for the same reasons.
* STE training loop against the NumPy loop (same seed): 1e-10 absolute on every parameter after
  several epochs -- rounding differences of 1e-16 per step; a level flip would give O(step).
"""
import numpy as np
import pytest

import fastq
from fastq.qat.mlp import (
    MLPSpec,
    evaluate,
    hessian_vector_product,
    init_params,
    loss_and_grad,
    quantize_params,
    train,
    weight_clip_multiplier,
)
from tests.qat import naive_qat as N


def _data(din, classes, n=40, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, din)), rng.integers(0, classes, n)


@pytest.mark.parametrize("dims", [(5, 7, 3), (4, 6, 5, 3)])
def test_loss_grad_against_reference_and_finite_differences(dims):
    spec = MLPSpec(dims)
    rng = np.random.default_rng(1)
    th = init_params(spec, 2) + 0.1 * rng.standard_normal(spec.n_params)
    X, y = _data(dims[0], dims[-1])
    loss, g = loss_and_grad(spec, th, X, y)
    l_ref, g_ref = N.loss_grad(th, dims, X, y)
    assert loss == pytest.approx(l_ref, rel=1e-12)
    np.testing.assert_allclose(g, g_ref, rtol=0, atol=1e-12 * np.abs(g_ref).max())
    h = 1e-6
    fd = np.empty_like(th)
    for i in range(th.size):
        e = np.zeros_like(th)
        e[i] = h
        fd[i] = (N.loss_grad(th + e, dims, X, y)[0] - N.loss_grad(th - e, dims, X, y)[0]) / (2 * h)
    assert np.abs(g - fd).max() < 1e-6 * np.abs(fd).max()


def test_activation_quantization_matches_reference_ste():
    spec = MLPSpec((5, 8, 6, 3), act_bits=2, act_clip=1.5)
    th = init_params(spec, 3)
    X, y = _data(5, 3)
    loss, g = loss_and_grad(spec, th, X, y)
    l_ref, g_ref = N.loss_grad(th, spec.dims, X, y, a_levels=3, a_clip=1.5)
    assert loss == pytest.approx(l_ref, rel=1e-12)
    np.testing.assert_allclose(g, g_ref, rtol=0, atol=1e-12 * np.abs(g_ref).max())
    _, acc = evaluate(spec, th, X, y)
    assert acc == N.accuracy(th, spec.dims, X, y, a_levels=3, a_clip=1.5)


@pytest.mark.parametrize("dims", [(4, 6, 3), (3, 5, 4, 3)])
def test_hessian_vector_product_against_finite_difference_hessian(dims):
    spec = MLPSpec(dims)
    rng = np.random.default_rng(4)
    th = init_params(spec, 5) + 0.1 * rng.standard_normal(spec.n_params)
    X, y = _data(dims[0], dims[-1], n=30)
    H = N.fd_hessian(th, dims, X, y)
    for _ in range(3):
        v = rng.standard_normal(spec.n_params)
        hv = hessian_vector_product(spec, th, v, X, y)
        assert np.abs(hv - H @ v).max() < 1e-6 * np.abs(H @ v).max()


@pytest.mark.parametrize("bits", [2, 3, 8])
def test_quantizer_against_reference(bits):
    spec = MLPSpec((6, 9, 4), bits=bits)
    th = init_params(spec, 6)
    q, mask, steps = quantize_params(spec, th)
    q_ref, m_ref = N.quantize(th, spec.dims, spec.n_half, spec.clip)
    np.testing.assert_array_equal(q, q_ref)
    np.testing.assert_array_equal(mask, m_ref)
    for (ws, bs), d in zip(spec.layer_slices(), steps):
        k = q[ws] / d
        np.testing.assert_allclose(k, np.round(k), atol=1e-9)
        assert np.abs(np.round(k)).max() <= spec.n_half
        assert len(np.unique(np.round(k))) <= 2**bits - 1
        np.testing.assert_array_equal(q[bs], th[bs])


def test_full_precision_quantizer_is_identity():
    spec = MLPSpec((6, 9, 4))
    th = init_params(spec, 6)
    q, mask, steps = quantize_params(spec, th)
    np.testing.assert_array_equal(q, th)
    assert mask.min() == 1.0 and steps.max() == 0.0


@pytest.mark.parametrize("dims,bits,act_bits,wd", [((5, 7, 3), 2, None, 1e-3), ((5, 6, 4, 3), 3, None, 0.0),
                                                   ((5, 7, 3), None, None, 0.0), ((5, 7, 3), 4, 3, 0.0)])
def test_ste_training_matches_numpy_reference(dims, bits, act_bits, wd):
    spec = MLPSpec(dims, bits=bits, act_bits=act_bits, act_clip=2.0)
    X, y = _data(dims[0], dims[-1], n=50, seed=7)
    r = train(spec, X, y, epochs=6, batch=8, lr=0.05, momentum=0.9, weight_decay=wd, seed=11)
    t_ref, q_ref = N.train(dims, X, y, epochs=6, batch=8, lr=0.05, momentum=0.9, weight_decay=wd,
                           n_half=spec.n_half, clip_mult=spec.clip, seed=11,
                           a_levels=spec.a_levels, a_clip=2.0)
    assert r.converged and r.status == "converged"
    assert np.abs(r.theta - t_ref).max() < 1e-10
    assert np.abs(r.theta_q - q_ref).max() < 1e-10
    assert np.abs(r.theta - r.theta_init).max() > 1e-3  # it did train


def test_training_is_deterministic_and_divergence_is_flagged():
    spec = MLPSpec((5, 7, 3), bits=3)
    X, y = _data(5, 3, n=50)
    a = train(spec, X, y, epochs=3, batch=10, lr=0.1, seed=1)
    b = train(spec, X, y, epochs=3, batch=10, lr=0.1, seed=1)
    np.testing.assert_array_equal(a.theta, b.theta)
    bad = train(MLPSpec((5, 7, 3)), X * 1e3, y, epochs=5, batch=10, lr=10.0, momentum=0.99, seed=1)
    assert not bad.converged and bad.status == "diverged"


def test_weight_clip_multiplier_against_quadrature():
    """c_b minimizes the Gaussian rounding MSE; check with SciPy quad + a golden-section search."""
    from scipy.integrate import quad
    from scipy.optimize import minimize_scalar

    def mse(omega, b):
        n_half = 2 ** (b - 1) - 1
        d = omega / n_half
        lv = d * np.arange(-n_half, n_half + 1)
        edges = np.concatenate([[-10.0], 0.5 * (lv[1:] + lv[:-1]), [10.0]])
        pdf = lambda z: np.exp(-z * z / 2) / np.sqrt(2 * np.pi)  # noqa: E731
        return sum(quad(lambda z, c=c: (z - c) ** 2 * pdf(z), a, e)[0] for a, e, c in zip(edges[:-1], edges[1:], lv))

    for b in (2, 3):
        ref = minimize_scalar(lambda w: mse(w, b), bracket=(0.5, 1.5, 3.5), tol=1e-10).x
        assert weight_clip_multiplier(b) == pytest.approx(ref, abs=1e-5)
    assert weight_clip_multiplier(2) == pytest.approx(1.224, abs=1e-3)  # the known ternary optimum


def test_validation_messages():
    with pytest.raises(fastq.FastqInputError, match="dims"):
        MLPSpec((5, 3))
    with pytest.raises(fastq.FastqInputError, match="bits"):
        MLPSpec((5, 4, 3), bits=1)
    with pytest.raises(fastq.FastqInputError, match="classes"):
        MLPSpec((5, 4, 1))
    with pytest.raises(fastq.FastqInputError, match="limit"):
        MLPSpec((4096, 4096, 4096, 10))
    spec = MLPSpec((5, 4, 3))
    X, y = _data(5, 3)
    with pytest.raises(fastq.FastqInputError, match="X must have shape"):
        evaluate(spec, init_params(spec, 0), X[:, :4], y)
    with pytest.raises(fastq.FastqInputError, match="labels"):
        evaluate(spec, init_params(spec, 0), X, y + 5)
    with pytest.raises(fastq.FastqInputError, match="theta"):
        evaluate(spec, np.zeros(3), X, y)
    with pytest.raises(fastq.FastqInputError, match="lr"):
        train(spec, X, y, epochs=1, batch=4, lr=0.0, seed=0)
    with pytest.raises(fastq.FastqInputError, match="batch"):
        train(spec, X, y, epochs=1, batch=400, lr=0.1, seed=0)
