"""Round-to-nearest quantizers and the exact moments of real quantizers (issue 25, SGD part).

References: the grids against a slow NumPy enumeration of every representable value with an
exhaustive nearest search (tests/sgd/naive_rtn.py) -- exact equality; the exact Gaussian moments of
``Q(x)`` (the recursion's input for real data quantizers, and the label factor ``c(s)``) against
adaptive SciPy quadrature, relative 1e-9 (quadrature asked for 1e-12); the exact recursion with
real data quantizers and the closed-form mean with a biased label quantizer against the
simulation, within 3 standard errors at every checkpoint (two stages as in test_sgd_simulation).
"""
import numpy as np
import pytest

from fastq import FastqInputError
from fastq.sgd import make_setup, sgd_risk, sgd_simulate, sgd_w_inf
from fastq.sgd.bias import label_bias_factor, label_mean_iterate
from fastq.sgd.moments import real_data_moments
from fastq.sgd.spec import QuantSpec

from .naive_rtn import fp_levels, int_levels, moment_quad, nearest


def _kernel(v, kind, prm0):
    from fastq.sgd._mc_kernels import _quantizer_noise
    from fastq.sgd._rng import seed_state

    out = np.empty_like(v)
    st = np.zeros((5, 2), dtype=np.int64)
    prm = np.zeros((5, 3))
    prm[0] = prm0
    _quantizer_noise(v, kind, prm, seed_state(np.random.SeedSequence(0)), st, out)
    return v + out, st


def test_int_rtn_grid_matches_enumeration():
    R, bits = 1.75, 4
    levels = int_levels(bits, R)
    delta = R / 7
    v = np.concatenate([np.random.default_rng(1).standard_normal(5000) * 1.2,
                        np.array([0.5, 1.5, -0.5, -2.5, 6.5]) * delta])   # exact ties: away from zero
    q, st = _kernel(v, 5, (delta, R, 0.0))
    assert np.array_equal(q, nearest(v, levels))
    assert q[-5] == delta and q[-4] == 2 * delta and q[-3] == -delta and q[-2] == -3 * delta and q[-1] == 7 * delta
    assert st[0, 0] == v.size and st[0, 1] == int(np.sum(np.abs(v) > R))


@pytest.mark.parametrize("m,e", [(0, 3), (2, 3), (3, 4)])
def test_fp_rtn_grid_matches_enumeration(m, e):
    levels = fp_levels(m, e)
    q0 = QuantSpec("fp-rtn", mantissa=m, exponent_bits=e)
    emin, emax, vmax = q0.fp_limits
    assert vmax == levels[-1]
    rng = np.random.default_rng(2)
    v = np.concatenate([rng.standard_normal(4000) * vmax / 3, rng.standard_normal(2000) * 2.0 ** emin,
                        np.array([1.5 * vmax, -3 * vmax])])
    q, st = _kernel(v, 6, (m, emin, vmax))
    assert np.array_equal(q, nearest(v, levels))
    # overflow: the rounded magnitude would pass the largest finite value (|v| >= vmax + half a step)
    assert st[0, 1] == int(np.sum(np.abs(v) >= vmax + 0.5 * 2.0 ** (emax - m))) >= 2


@pytest.mark.parametrize("spec,rng_,scales", [
    ("int-rtn:4", 1.0, (0.02, 0.2, 0.25, 1.0)), ("int:4", 1.0, (0.02, 0.25, 1.0)),
    ("fp-rtn:2:3", None, (0.01, 0.3, 2.0)), ("fp:2:3", None, (0.01, 0.3, 2.0)),
    ("fp-rtn:1:8", None, (0.7, 3e-3))])
def test_real_data_moments_match_quadrature(spec, rng_, scales):
    from fastq.sgd.spec import parse_quant

    q = parse_quant("data", spec)
    levels = int_levels(q.bits, rng_) if q.family == "int" else fp_levels(q.mantissa, q.exponent_bits)
    lam = np.array(scales) ** 2
    dm = real_data_moments(lam, q, rng_)
    for i, s in enumerate(scales):
        ref = {pq: moment_quad(levels, s, *pq, q.nearest) for pq in ((2, 0), (1, 1), (4, 0), (3, 1), (2, 2))}
        A, C = ref[(2, 0)], ref[(1, 1)]
        assert dm.A[i] == pytest.approx(A, rel=1e-9, abs=1e-300)
        assert dm.C[i] == pytest.approx(C, rel=1e-9, abs=1e-300)
        assert dm.k4[i] + dm.A[i] ** 2 == pytest.approx(ref[(4, 0)], rel=1e-9, abs=1e-300)
        assert dm.k22[i] + dm.A[i] * lam[i] == pytest.approx(ref[(2, 2)], rel=1e-9, abs=1e-300)
        e3d = ref[(4, 0)] - ref[(3, 1)]
        assert dm.k3d[i] + dm.A[i] * dm.Delta[i] == pytest.approx(e3d, rel=1e-8, abs=1e-14 * lam[i] ** 2)
        assert dm.Qd[i] == pytest.approx(A - 2 * C + lam[i], rel=1e-6, abs=1e-13 * lam[i])


def test_rtn_data_freezes_small_coordinates_and_w_inf():
    lam = np.array([1.0, 0.1, 1e-4])
    D = sgd_w_inf(lam, data="int-rtn:4")              # R = 4, Delta = 4/7: x_3 (s.d. 0.01) always 0
    assert D[2] == 0.0 and 0 < D[1] < 1.5
    r = sgd_risk(spectrum=lam, gamma=0.2, steps=200, data="int-rtn:4", checkpoints=[200])
    assert r.status == "converged" and r.risk_inf is not None and r.risk_inf >= 0.5 * lam[2]
    r2 = sgd_risk(spectrum=lam, gamma=0.2, steps=200, data="int-rtn:4", gradient="add:0.01", checkpoints=[200])
    assert r2.status == "diverged"    # the frozen coordinate becomes a random walk


def _two_stage(kw, runs, seed, stat="risk"):
    ex = sgd_risk(checkpoints=5, **kw)
    for k, (n, sd) in enumerate(((runs, seed), (8 * runs, seed + 100_000))):
        sim = sgd_simulate(runs=n, seed=sd, checkpoints=5, **kw)
        z = (sim.mean - ex.risk) / sim.se
        z[sim.se == 0] = 0.0
        if np.max(np.abs(z)) <= 3.0:
            break
    return z, ex, sim


@pytest.mark.parametrize("spec", ["int-rtn:3", "fp-rtn:1", "int:3", "fp:1:4"])
def test_exact_recursion_with_real_data_quantizer_matches_simulation(spec):
    kw = dict(dim=8, decay=1.5, teacher_decay=0.5, sigma=0.3, gamma=0.25, steps=60, batch=2, data=spec)
    z, ex, sim = _two_stage(kw, 500, 77)
    assert ex.status == "converged" and sim.status == "converged"
    assert np.all(np.abs(z) <= 3.0), z


def test_real_data_quantizer_differs_from_noise_model_power():
    """INT-RTN-3 on the data is far (> 10 s.e.) from plain SGD and from the additive model Delta^2/12."""
    kw = dict(dim=8, decay=1.5, teacher_decay=0.5, sigma=0.3, gamma=0.25, steps=60, batch=2)
    rtn = sgd_risk(checkpoints=[60], data="int-rtn:3", **kw).risk[-1]
    sim = sgd_simulate(runs=500, seed=3, checkpoints=[60], data="int-rtn:3", **kw)
    plain = sgd_risk(checkpoints=[60], **kw).risk[-1]
    assert abs(sim.mean[-1] - rtn) < 3 * sim.se[-1] and abs(sim.mean[-1] - plain) > 10 * sim.se[-1]


@pytest.mark.parametrize("spec,R", [("int-rtn:3", 2.0), ("int:3", 2.0), ("fp-rtn:1:4", None)])
def test_label_bias_factor_matches_quadrature(spec, R):
    from fastq.sgd.spec import parse_quant

    q = parse_quant("label", spec)
    levels = int_levels(q.bits, R) if q.family == "int" else fp_levels(q.mantissa, q.exponent_bits)
    s = np.array([0.3, 0.9, 1.7])
    c = label_bias_factor(spec, s, range_=R)
    ref = np.array([moment_quad(levels, x, 1, 1, q.nearest) / x ** 2 - 1 for x in s])
    assert np.allclose(c, ref, rtol=0, atol=1e-10)


def test_label_mean_closed_form_matches_simulation():
    """Closed-form mean iterate with INT-RTN-3 labels: the linear statistic E[(w - w*)^T H w*] of the
    simulation within 3 combined s.e. (teacher-average s.e. included) at every checkpoint."""
    s = make_setup(dim=10, decay=1.5, teacher_decay=0.5, sigma=0.4, gamma=0.2, steps=80, label="int-rtn:3")
    lm = label_mean_iterate(s, checkpoints=4, teachers=100_000, seed=1)
    for n, seed in ((1500, 11), (12_000, 100_011)):
        sim = sgd_simulate(s, runs=n, seed=seed, checkpoints=4)
        z = (sim.cross_mean - lm.cross) / np.hypot(sim.cross_se, lm.cross_se)
        if np.max(np.abs(z)) <= 3.0:
            break
    assert np.all(np.abs(z) <= 3.0), z
    # the bias floor is the approximation error: > 0 with RTN labels, and bias <= simulated risk
    assert lm.bias_inf > 5 * lm.bias_inf_se
    assert np.all(lm.bias[1:] <= sim.mean[1:] + 3 * sim.se[1:])


def test_label_mean_unbiased_quantizer_inside_range_has_no_bias_factor():
    c = label_bias_factor("int:8", np.array([0.1, 0.5]), range_=100.0)
    assert np.all(np.abs(c) < 1e-12)


def test_bad_inputs_rtn():
    with pytest.raises(FastqInputError, match="label must be a real quantizer"):
        label_mean_iterate(make_setup(dim=5, gamma=0.1, steps=5))
    with pytest.raises(FastqInputError, match="data"):
        label_mean_iterate(make_setup(dim=5, gamma=0.1, steps=5, label="int-rtn:3", data="int:4"))
    with pytest.raises(FastqInputError, match="label"):
        make_setup(dim=5, gamma=0.1, steps=5, label="int-rtn:x")
    with pytest.raises(FastqInputError, match="gradient uses a real quantizer"):
        sgd_risk(dim=5, gamma=0.1, steps=5, gradient="fp-rtn:3")
    with pytest.raises(FastqInputError, match="limit"):
        sgd_risk(dim=5, gamma=0.1, steps=5, data="int:32")


@pytest.mark.parametrize("spec", ["int:6", "int-rtn:6"])
def test_exact_real_data_quantizer_high_dim_matches_simulation(spec):
    """d = 1e4, a = 1.5 (most coordinates far below the INT grid step): exact vs simulated."""
    kw = dict(dim=10_000, decay=1.5, teacher_decay=0.0, sigma=0.1, gamma=0.1, steps=60, batch=1, data=spec)
    z, ex, sim = _two_stage(kw, 150, 4242)
    assert ex.status == "converged" and np.all(np.abs(z) <= 3.0), z
