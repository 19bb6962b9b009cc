"""Exact linear-model comparison (fastq.qat.linear, linear_maps).

Tolerances and why:
* PTQ's Eg and the noise model's excess against SciPy quadrature of the defining integrals
  (independent reference in naive_qat): 1e-9 absolute -- quad is asked for 1e-12 relative per
  interval, the erf formulas are exact to rounding.
* PTQ = one application of the RS map at the ridge fixed point: 1e-12 (two codings of the same
  closed form).
* Many-bits, no-clipping limit: the PTQ excess over ridge divided by the noise model's excess
  tends to 1; the remaining deviation is exponentially small in (weight std / step)^2 once the
  clipping probability is negligible, so 1e-6 is met with orders of magnitude to spare at b >= 6.
* Training error convention Et = Eg / (1 + chi)^2 for ridge against instances (N = 1000,
  6 instances): 3 standard errors.
"""
import math

import numpy as np
import pytest

import fastq
from fastq.qat.linear import compare, noise_model_excess, rounded_eg
from fastq.qat.linear_maps import compare_curve, compare_map
from tests.qat.naive_qat import noise_excess_quad, ptq_eg_quad

SETTINGS = [  # (bits, omega, eps, alpha, sigma, lam)
    (2, 1.0, 0.1, 1.5, 0.5, 0.1),
    (3, 1.5, 0.2, 0.7, 0.1, 1.0),
    (4, 0.8, 0.05, 3.0, 0.3, 0.0),
]


@pytest.mark.parametrize("bits,omega,eps,alpha,sigma,lam", SETTINGS)
def test_ptq_and_noise_model_against_quadrature(bits, omega, eps, alpha, sigma, lam):
    q = fastq.Quantizer.from_bits(bits, omega, edge_width=eps)
    c = compare(q, alpha, sigma, lam)
    rr = fastq.ridge(alpha, sigma, lam)
    mh = alpha / (1 + rr.chi)
    ch = 2 * alpha * rr.eg / (1 + rr.chi) ** 2
    assert abs(c.eg_ptq - ptq_eg_quad(q.levels, mh, ch, rr.theta, sigma, 1.0)) < 1e-9
    excess = noise_excess_quad(q.levels, rr.h / rr.theta)
    assert abs(c.noise_rounding + c.noise_clipping - excess) < 1e-9
    assert c.eg_noise_model == pytest.approx(c.eg_ridge + excess, abs=1e-9)


@pytest.mark.parametrize("bits,omega,eps,alpha,sigma,lam", SETTINGS)
def test_rounded_qat_weights_against_quadrature(bits, omega, eps, alpha, sigma, lam):
    q = fastq.Quantizer.from_bits(bits, omega, edge_width=eps)
    c = compare(q, alpha, sigma, lam)
    r = fastq.solve_rs(q, alpha, sigma, lam)
    mh = alpha / (1 + r.chi)
    ch = 2 * alpha * r.eg / (1 + r.chi) ** 2
    assert abs(c.eg_qat_rounded - ptq_eg_quad(q.levels, mh, ch, r.theta, sigma, 1.0)) < 1e-9
    assert c.eg_qat == r.eg
    assert c.et_qat == pytest.approx(r.eg / (1 + r.chi) ** 2, rel=1e-15)
    assert c.gap_qat == pytest.approx(c.eg_qat - c.et_qat, rel=1e-15)


def test_ptq_is_one_rs_map_step_from_ridge():
    from fastq.replica import rs_map

    q = fastq.Quantizer.from_bits(3, 1.2, edge_width=0.1)
    rr = fastq.ridge(1.5, 0.3, 0.2)
    c = compare(q, 1.5, 0.3, 0.2)
    assert c.eg_ptq == pytest.approx(rs_map(q.hard(), rr.chi, rr.eg, 1.5, 0.3, 0.2)["eg"], abs=1e-12)


def test_noise_model_equals_ptq_in_many_bits_limit():
    """Excess over ridge: PTQ / noise model -> 1 as bits grow with negligible clipping."""
    rr = fastq.ridge(1.5, 0.5, 0.1)
    s = rr.h / rr.theta
    devs = []
    for b in (4, 6, 8, 10):
        q = fastq.Quantizer.from_bits(b, 12.0 * s)   # clipping probability ~1e-33
        c = compare(q, 1.5, 0.5, 0.1)
        assert c.noise_clipping < 1e-30
        devs.append(abs((c.eg_ptq - c.eg_ridge) / (c.eg_noise_model - c.eg_ridge) - 1.0))
        if b >= 6:
            assert c.rel_err_noise_ptq < 1e-6
    # 4 bits (step 1.7 weight std) is still 1e-3 off; from 6 bits on the excesses agree to 1e-6
    assert devs[0] > 1e-4 and all(d < 1e-6 for d in devs[1:])
    # the low-bit end is where the additive model fails: 2 bits, same range
    c2 = compare(fastq.Quantizer.from_bits(2, 12.0 * s), 1.5, 0.5, 0.1)
    assert c2.rel_err_noise_ptq > 0.1


def test_clipping_enters_ptq_at_first_order():
    """With clipping at 3 weight std and a fine grid, clipping *lowers* PTQ's Eg below ridge's
    (it shrinks the largest weights, and the clipping error is correlated with the teacher),
    while the additive noise model can only add error."""
    rr = fastq.ridge(1.5, 0.5, 0.1)
    s = rr.h / rr.theta
    c = compare(fastq.Quantizer.from_bits(12, 3.0 * s), 1.5, 0.5, 0.1)
    assert c.eg_ptq - c.eg_ridge < -1e-4
    assert c.eg_noise_model - c.eg_ridge > 1e-4


def test_noise_model_gap_equals_ridge_gap_and_fields():
    c = compare(fastq.Quantizer.from_bits(3, 1.0, edge_width=0.1), 1.5, 0.5, 0.1)
    assert c.gap_noise_model == c.gap_ridge
    assert c.qat_gain == pytest.approx(c.eg_ptq - c.eg_qat)
    assert c.ridge_status == "closed_form" and c.converged
    d = c.to_dict()
    assert set(d) >= {"eg_qat", "eg_ptq", "eg_ridge", "eg_noise_model", "gap_qat", "gap_ridge", "status"}


def test_ridge_without_finite_solution_gives_none():
    c = compare(fastq.Quantizer.from_bits(3, 1.0, edge_width=0.1), 0.5, 0.1, 0.0)
    assert c.ridge_status == "no_finite_solution"
    assert c.eg_ptq is None and c.eg_ridge is None and c.gap_ridge is None
    assert math.isfinite(c.eg_qat)


def test_hard_quantizer_at_is_null_in_dict():
    c = compare(fastq.Quantizer.from_bits(3, 1.0), 1.5, 0.1, 0.1)
    assert math.isinf(c.at) and c.to_dict()["at"] is None and not c.rs


def test_ridge_training_error_convention_by_simulation():
    """Et = ||y - X w||^2 / (2M) = Eg / (1 + chi)^2 (the mean squared residual is twice that)."""
    import scipy.linalg

    alpha, sigma, lam, n = 1.5, 0.5, 0.1, 1000
    rr = fastq.ridge(alpha, sigma, lam)
    et = []
    for s in range(6):
        X, y, _ = fastq.teacher(n, alpha, sigma, seed=s)
        A = X.T @ X + lam * np.eye(n)
        w = scipy.linalg.solve(A, X.T @ y, assume_a="pos")
        et.append(0.5 * np.mean((y - X @ w) ** 2))
    m, se = np.mean(et), np.std(et, ddof=1) / math.sqrt(len(et))
    assert abs(m - rr.eg / (1 + rr.chi) ** 2) < 3 * se
    assert abs(m - 2 * rr.eg / (1 + rr.chi) ** 2) > 20 * se


def test_validation_messages():
    q = fastq.Quantizer.from_bits(2, 1.0)
    with pytest.raises(fastq.FastqInputError, match="alpha"):
        compare(q, -1.0, 0.1, 0.1)
    with pytest.raises(fastq.FastqInputError, match="quantizer"):
        compare("q", 1.0, 0.1, 0.1)
    with pytest.raises(fastq.FastqInputError, match="weight_std"):
        noise_model_excess(q, 0.0)
    with pytest.raises(fastq.FastqInputError, match="edge_width or edge_fraction"):
        compare_map([2], [1.0], 1.5, 0.1, 0.1, edge_width=0.1, edge_fraction=0.1)
    with pytest.raises(fastq.FastqInputError, match="limit"):
        compare_map(list(range(2, 12)), np.linspace(0.1, 5, 20001), 1.5, 0.1, 0.1)


def test_rounded_eg_identity_quantizer_limit():
    """Rounding to a very fine grid reproduces the unquantized weights' Eg (the ridge's)."""
    rr = fastq.ridge(2.0, 0.2, 0.05)
    mh = 2.0 / (1 + rr.chi)
    ch = 2 * 2.0 * rr.eg / (1 + rr.chi) ** 2
    q = fastq.Quantizer.from_bits(16, 15.0)
    assert rounded_eg(q, mh, ch, rr.theta, 0.2) == pytest.approx(rr.eg, abs=1e-8)


def test_map_and_curve_shapes_workers_and_summary():
    om = np.linspace(0.3, 3.0, 5)
    g1 = compare_map([2, 3, 4], om, 1.5, 0.5, 0.1, edge_fraction=0.2)
    g2 = compare_map([2, 3, 4], om, 1.5, 0.5, 0.1, edge_fraction=0.2, n_jobs=2)
    for k in g1.values:
        assert g1.values[k].shape == (3, 5)
        np.testing.assert_array_equal(g1.values[k], g2.values[k])
    c = compare(fastq.Quantizer.from_bits(3, om[2], edge_width=0.2 * (2 * om[2] / 6)), 1.5, 0.5, 0.1)
    assert g1.values["eg_qat"][1, 2] == pytest.approx(c.eg_qat, rel=1e-12)
    s = g1.summary()
    assert s["all"]["points"] == 15 and 0 <= s["all"]["qat_beats_ptq"] <= 1
    cur = compare_curve(3, 1.0, [0.5, 1.0, 2.0], 0.5, 0.0)
    assert cur.values["eg_ridge"].shape == (3,)
    assert np.isnan(cur.values["eg_ridge"][0]) and np.isnan(cur.values["eg_ridge"][1])
    assert np.isfinite(cur.values["eg_ridge"][2])
