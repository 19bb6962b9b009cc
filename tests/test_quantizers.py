import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from fastq import FastqInputError, Quantizer
from fastq.quantizers import log_levels, n_p_from_bits, uniform_levels
from tests.replica import naive_rs as naive

SCHEMES = ["uniform", "log"]


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("n_p", [1, 2, 3, 4, 5, 6, 7, 14, 15, 30])
def test_levels_match_theory_formulas(scheme, n_p):
    q = Quantizer(scheme, n_p, 3.7)
    ref = naive.levels(scheme, n_p, 3.7)
    np.testing.assert_allclose(q.levels, ref, rtol=1e-14, atol=1e-14)
    assert q.levels.shape == (n_p + 1,)
    assert q.levels[0] == -3.7 and q.levels[-1] == 3.7  # clipping range is exactly +-omega
    np.testing.assert_allclose(q.levels, -q.levels[::-1], atol=1e-15)  # symmetric
    assert np.all(np.diff(q.levels) > 0)
    np.testing.assert_allclose(q.thresholds, 0.5 * (q.levels[1:] + q.levels[:-1]))
    assert (0.0 in q.levels) == (n_p % 2 == 0)  # 0 is a level only for even n_p


@pytest.mark.parametrize("n_p", [4, 6, 8, 12, 5, 7, 9, 13])
def test_log_widths_double(n_p):
    lv = log_levels(n_p, 10.0)
    pos = lv[lv > 0]
    if n_p % 2 == 0:
        widths = np.diff(np.concatenate([[0.0], pos]))
    else:
        widths = np.diff(pos)  # the central interval (-D0/2, D0/2) is excluded
        d0 = 2 * pos[0]
        assert widths[0] == pytest.approx(2 * d0, rel=1e-13)
    np.testing.assert_allclose(widths[1:] / widths[:-1], 2.0, rtol=1e-12)


@pytest.mark.parametrize("n_p", [1, 2])
def test_log_equals_uniform_for_small_n_p(n_p):
    np.testing.assert_allclose(log_levels(n_p, 2.5), uniform_levels(n_p, 2.5), atol=1e-15)


def test_bits_and_from_bits():
    assert n_p_from_bits(2) == 2 and n_p_from_bits(3) == 6 and n_p_from_bits(4) == 14
    assert n_p_from_bits(math.log2(5)) == 3
    q = Quantizer.from_bits(3, 1.0, scheme="log", edge_width=0.1)
    assert (q.n_p, q.scheme, q.edge_width, q.bits) == (6, "log", 0.1, 3.0)
    with pytest.raises(FastqInputError, match="bits"):
        Quantizer.from_bits(2.5, 1.0)
    with pytest.raises(FastqInputError, match="bits"):
        Quantizer.from_bits(1, 1.0)  # n_p = 0


@pytest.mark.parametrize("kwargs, name", [
    (dict(scheme="uniform", n_p=0, omega=1.0), "n_p"),
    (dict(scheme="uniform", n_p=2.5, omega=1.0), "n_p"),
    (dict(scheme="uniform", n_p=2, omega=0.0), "omega"),
    (dict(scheme="uniform", n_p=2, omega=float("nan")), "omega"),
    (dict(scheme="uniform", n_p=2, omega=float("inf")), "omega"),
    (dict(scheme="uniform", n_p=2, omega=1.0, edge_width=-0.1), "edge_width"),
    (dict(scheme="cubic", n_p=2, omega=1.0), "scheme"),
])
def test_bad_input_names_parameter(kwargs, name):
    with pytest.raises(FastqInputError, match=name):
        Quantizer(**kwargs)


level_sets = st.integers(1, 40).flatmap(
    lambda n: st.tuples(st.sampled_from(SCHEMES), st.just(n), st.floats(0.1, 20.0)))


@settings(max_examples=60, deadline=None)
@given(level_sets, st.lists(st.floats(-50, 50), min_size=1, max_size=40))
def test_hard_phi_is_nearest_level_and_idempotent(spec, ws):
    scheme, n_p, omega = spec
    q = Quantizer(scheme, n_p, omega)
    w = np.array(ws)
    got = q(w)
    dist = np.abs(w[:, None] - q.levels[None, :])
    best = dist.min(axis=1)
    # the chosen level is a nearest one (ties at thresholds may go either way)
    np.testing.assert_allclose(np.abs(w - got), best, rtol=0, atol=1e-12 * omega)
    np.testing.assert_array_equal(q(got), got)  # idempotent
    assert np.all(np.isin(got, q.levels))


@settings(max_examples=40, deadline=None)
@given(level_sets, st.floats(1e-4, 3.0), st.lists(st.floats(-30, 30), min_size=1, max_size=20))
def test_phi_eps_is_definition_and_dither_mean(spec, eps, ws):
    scheme, n_p, omega = spec
    q = Quantizer(scheme, n_p, omega, edge_width=eps)
    hard = q.hard()
    for w in ws:
        # conditioning: a rounding of w or t_k by one ulp moves phi_eps by ulp * D_k / eps
        tol = 1e-12 * omega + 8 * np.finfo(float).eps * (abs(w) + omega) * np.max(q.jumps) / eps
        assert q(w) == pytest.approx(naive.phi_eps(w, q.levels, eps), abs=tol)
        # phi_eps(w) = E phi(w + U), U ~ Unif(-eps/2, eps/2): integrate the hard quantizer exactly
        # piece by piece (it is constant between thresholds), in offsets u from w
        pts = sorted({-eps / 2, eps / 2, *[t - w for t in q.thresholds if abs(t - w) < eps / 2]})
        mean = sum(hard(w + 0.5 * (a + b)) * (b - a) for a, b in zip(pts[:-1], pts[1:])) / eps
        assert q(w) == pytest.approx(mean, abs=tol)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_phi_eps_tends_to_phi(scheme):
    q = Quantizer(scheme, 6, 4.0)
    w = np.linspace(-6, 6, 2001)
    gap = np.min(np.abs(w[:, None] - q.thresholds[None, :]), axis=1)
    for eps in [1e-1, 1e-3, 1e-6]:
        qe = q.with_edge_width(eps)
        far = gap > eps / 2
        np.testing.assert_array_equal(qe(w[far]), q(w[far]))  # identical outside the ramps
        assert np.max(np.abs(qe(w) - q(w))) <= np.max(q.jumps) / 2 + 1e-12


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("eps", [0.05, 0.7, 3.0])  # 3.0 makes neighbouring ramps overlap
def test_derivative_matches_finite_differences(scheme, eps):
    q = Quantizer(scheme, 6, 4.0, edge_width=eps)
    rng = np.random.default_rng(1)
    w = rng.uniform(-6, 6, 300)
    # skip points within 1e-5 of a ramp corner, where phi_eps has a kink
    corners = np.concatenate([q.thresholds - eps / 2, q.thresholds + eps / 2])
    w = w[np.min(np.abs(w[:, None] - corners[None, :]), axis=1) > 1e-5]
    hstep = 1e-7
    fd = (q(w + hstep) - q(w - hstep)) / (2 * hstep)
    np.testing.assert_allclose(q.derivative(w), fd, rtol=1e-6, atol=1e-6)
    assert np.all(q.derivative(w) >= 0)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("eps", [0.0, 0.01, 0.5, 5.0])
def test_piece_table_reproduces_phi_eps(scheme, eps):
    q = Quantizer(scheme, 7, 3.0, edge_width=eps)
    breaks, value, slope, centre = q.pieces
    assert breaks[0] == -np.inf and breaks[-1] == np.inf and np.all(np.diff(breaks) > 0)
    w = np.random.default_rng(0).uniform(-8, 8, 500)
    j = np.searchsorted(breaks, w) - 1
    np.testing.assert_allclose(value[j] + slope[j] * (w - centre[j]), q(w), atol=1e-12)


def test_call_shapes_and_scalars():
    q = Quantizer.uniform(2, 1.0)
    assert isinstance(q(0.3), float) and q(0.3) == 0.0 and q(0.6) == 1.0 and q(-7.0) == -1.0
    a = np.zeros((3, 4, 2)) + 0.7
    assert q(a).shape == (3, 4, 2)
    assert q([0.1, 0.9]).tolist() == [0.0, 1.0]
    assert q.derivative(0.5) == 0.0  # hard quantizer: zero a.e.
    assert q == Quantizer.uniform(2, 1.0) and hash(q) == hash(Quantizer.uniform(2, 1.0))
    import pickle

    assert pickle.loads(pickle.dumps(q.with_edge_width(0.1))) == q.with_edge_width(0.1)


def test_levels_are_read_only():
    q = Quantizer.uniform(4, 1.0)
    with pytest.raises(ValueError):
        q.levels[0] = 5.0


def test_fine_uniform_quantizer_error_is_step_over_sqrt12():
    # rounding error of a fine uniform quantizer on a smooth density ~ Unif(-step/2, step/2)
    q = Quantizer.uniform(2000, 5.0)
    w = np.random.default_rng(3).standard_normal(200_000)
    step = 10.0 / 2000
    rms = np.sqrt(np.mean((q(w) - w) ** 2))
    assert rms == pytest.approx(step / math.sqrt(12), rel=0.02)


def test_quadrature_of_hard_phi_matches_sum_of_levels():
    # int phi(z) N(z) dz over a symmetric quantizer is 0; int phi^2 matches a direct quad
    q = Quantizer.log(5, 2.0)
    val, _ = integrate.quad(lambda z: q(z) ** 2 * math.exp(-z * z / 2) / math.sqrt(2 * math.pi), -12, 12,
                            points=list(q.thresholds), limit=200)
    direct = sum(d * d * (naive.normal_mass(a, b)) for d, a, b in
                 zip(q.levels, np.r_[-np.inf, q.thresholds], np.r_[q.thresholds, np.inf]))
    assert val == pytest.approx(direct, rel=1e-10)
