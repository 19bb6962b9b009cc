"""The per-jump edge convention (ramp k of width r D_k): pointwise kernels, piece table, Gaussian
moments, sweeps and the r -> 0 limit, each against an independent reference."""
import math
import pickle

import numpy as np
import pytest
from scipy import integrate
from scipy.stats import norm

from fastq import FastqInputError, Quantizer, rs_map, solve_rs, sweep

from .naive_jump import dphi_jump, phi_jump

CASES = [("uniform", 1, 1.0), ("uniform", 6, 3.0), ("uniform", 14, 0.7), ("log", 2, 2.0), ("log", 5, 4.0),
         ("log", 14, 8.0)]
RATIOS = [0.0, 0.02, 0.3, 0.75, 1.0]


@pytest.mark.parametrize("scheme,n_p,omega", CASES)
@pytest.mark.parametrize("r", RATIOS)
def test_phi_and_derivative_match_the_naive_sum_over_all_ramps(scheme, n_p, omega, r):
    q = Quantizer(scheme, n_p, omega, r, "jump")
    w = np.random.default_rng(n_p).uniform(-1.3 * omega, 1.3 * omega, 4000)
    np.testing.assert_allclose(q(w), phi_jump(w, q.levels, r), rtol=0, atol=1e-13 * omega)
    np.testing.assert_allclose(q.derivative(w), dphi_jump(w, q.levels, r), rtol=1e-13)


@pytest.mark.parametrize("scheme,n_p,omega", CASES)
@pytest.mark.parametrize("r", RATIOS)
def test_piece_table_reproduces_phi(scheme, n_p, omega, r):
    q = Quantizer(scheme, n_p, omega, r, "jump")
    breaks, value, slope, centre = q.pieces
    assert np.all(np.diff(breaks) > 0)
    w = np.random.default_rng(7).uniform(-1.3 * omega, 1.3 * omega, 3000)
    j = np.searchsorted(breaks, w) - 1
    np.testing.assert_allclose(value[j] + slope[j] * (w - centre[j]), phi_jump(w, q.levels, r),
                               rtol=0, atol=1e-12 * omega)
    # every ramp has slope 1/r, every other piece is flat
    assert set(np.round(slope * max(r, 1e-300), 12)) <= ({0.0, 1.0} if r > 0 else {0.0})


def test_end_cases_hard_and_clipped_identity():
    for scheme, n_p, omega in CASES:
        hard = Quantizer(scheme, n_p, omega)
        q0 = Quantizer(scheme, n_p, omega, 0.0, "jump")
        for a, b in zip(q0.pieces, hard.pieces):
            np.testing.assert_array_equal(a, b)
        w = np.linspace(-2 * omega, 2 * omega, 1001)
        np.testing.assert_array_equal(q0(w), hard(w))
        q1 = Quantizer(scheme, n_p, omega, 1.0, "jump")  # ramps meet at the levels
        np.testing.assert_allclose(q1(w), np.clip(w, -omega, omega), atol=1e-12 * omega)


def test_convention_is_part_of_identity_and_validated():
    a = Quantizer.uniform(6, 3.0, 0.3, edge_convention="jump")
    b = Quantizer.uniform(6, 3.0, 0.3)
    assert a != b and hash(a) != hash(b)
    assert a.to_dict()["edge_convention"] == "jump" and b.to_dict()["edge_convention"] == "absolute"
    assert pickle.loads(pickle.dumps(a)) == a
    assert a.with_edge_width(0.1).edge_convention == "jump" and a.hard().edge_convention == "jump"
    np.testing.assert_allclose(a.ramp_widths, 0.3 * a.jumps)
    assert "edge_convention='jump'" in repr(a) and "edge_convention" not in repr(b)
    with pytest.raises(FastqInputError, match="edge_width"):
        Quantizer.uniform(6, 3.0, 1.5, edge_convention="jump")  # ramps would overlap
    with pytest.raises(FastqInputError, match="edge_convention"):
        Quantizer.uniform(6, 3.0, 0.3, edge_convention="field")
    Quantizer.uniform(6, 3.0, 1.5)  # the absolute convention keeps accepting eps > step


def _quad(f, pts):
    lo, hi = -12.0, 12.0
    inner = sorted(p for p in pts if lo < p < hi)
    return integrate.quad(lambda z: f(z) * norm.pdf(z), lo, hi, points=inner or None, limit=800,
                          epsabs=1e-14, epsrel=1e-12)[0]


@pytest.mark.parametrize("scheme,n_p,omega,r", [("uniform", 3, 1.5, 0.2), ("log", 6, 4.0, 0.5),
                                                 ("uniform", 2, 0.8, 0.05)])
def test_gaussian_moments_of_the_pieces_match_quad(scheme, n_p, omega, r):
    q = Quantizer(scheme, n_p, omega, r, "jump")
    alpha, lam, chi, eg = 1.5, 0.3, 0.8, 0.2
    out = rs_map(q, chi, eg, alpha, 0.01, lam)
    h, th = out["h"], out["theta"]
    pts = np.concatenate([q.thresholds - 0.5 * q.ramp_widths, q.thresholds + 0.5 * q.ramp_widths]) * th / h
    f = lambda z: float(phi_jump(h * z / th, q.levels, r))  # noqa: E731
    d = lambda z: float(dphi_jump(h * z / th, q.levels, r)) / th  # noqa: E731
    assert out["Q"] == pytest.approx(_quad(lambda z: f(z) ** 2, pts), rel=1e-9)
    assert out["chi"] == pytest.approx(_quad(lambda z: z * f(z), pts) / h, rel=1e-9)
    at_ref = alpha / (1 + chi) ** 2 * _quad(lambda z: d(z) ** 2, pts)
    assert out["at"] == pytest.approx(at_ref, rel=1e-9)


def test_sweep_with_the_jump_convention_equals_solve_rs_point_by_point():
    oms = np.linspace(0.3, 4.0, 9)
    for scheme in ("uniform", "log"):
        res = sweep(scheme, n_p=[1, 2, 6], omega=oms, alpha=1.5, sigma=0.01, lam=0.5,
                    edge_width=0.25, edge_convention="jump", continuation=False, check_direction=False)
        assert res.options["edge_convention"] == "jump"
        for i, n_p in enumerate(res["n_p"]):
            for j, w in enumerate(oms):
                r = solve_rs(Quantizer(scheme, int(n_p), w, 0.25, "jump"), 1.5, 0.01, 0.5)
                assert r.converged and res["converged"][i, j]
                for k in ("eg", "chi", "at", "kappa"):
                    assert res[k][i, j] == pytest.approx(getattr(r, k), rel=1e-10), (scheme, n_p, w, k)


def test_sweep_rejects_overlapping_ratios():
    with pytest.raises(FastqInputError, match="edge_width"):
        sweep("uniform", n_p=2, omega=[1.0, 2.0], alpha=1.5, sigma=0.01, lam=0.0,
              edge_width=[0.5, 1.2], edge_convention="jump")


@pytest.mark.parametrize("scheme,n_p,omega,lam", [("uniform", 2, 1.0, 0.0), ("log", 6, 3.0, 1.0)])
def test_at_is_alpha_chi_over_r_theta_and_r_to_zero_gives_the_hard_solution(scheme, n_p, omega, lam):
    """Every ramp has slope 1/r, so chi = P(ramps) / (r Theta) and
    at = alpha P(ramps) / ((1 + chi)^2 (r Theta)^2) = alpha chi / ((1 + chi)^2 Theta r) exactly, at
    every r (THEORY §14 states it as the r -> 0 reading); the solution tends to the hard one."""
    hard = solve_rs(Quantizer(scheme, n_p, omega), 1.5, 0.01, lam)
    gaps = []
    for r in (0.5, 1e-1, 1e-2, 1e-3):
        s = solve_rs(Quantizer(scheme, n_p, omega, r, "jump"), 1.5, 0.01, lam)
        assert s.converged
        assert s.at * r == pytest.approx(1.5 * s.chi / ((1 + s.chi) ** 2 * s.theta), rel=1e-10)
        gaps.append(abs(s.eg - hard.eg))
    assert gaps[-1] < 0.02 * gaps[1]  # linear in r (two decades of r: a factor ~100)
    assert math.isfinite(hard.kappa) and hard.at == math.inf


def test_amp_with_the_jump_convention_matches_the_naive_reference(monkeypatch):
    """AMP's denoiser under the per-jump convention equals the naive AMP run with the naive
    per-jump phi (the reference's phi swapped for tests/resolution/naive_jump.py)."""
    import fastq
    from tests.message_passing import naive_amp

    monkeypatch.setattr(naive_amp, "phi_eps", lambda w, lv, r: float(phi_jump(w, lv, r)))
    monkeypatch.setattr(naive_amp, "dphi_eps", lambda w, lv, r: float(dphi_jump(w, lv, r)))
    X, y, w0 = fastq.teacher(80, 1.5, 0.1, seed=11)
    q = Quantizer.from_bits(3, 2.0, "log", edge_width=0.3, edge_convention="jump")
    init = np.random.default_rng(3).standard_normal(80)
    for variance in ("full", "scalar"):
        ref = naive_amp.amp_reference(X, y, q.levels, q.edge_width, 0.1, init, 6, variance)
        r = fastq.amp(X, y, q, 0.1, max_iter=6, tol=0.0, init=init, variance=variance)
        np.testing.assert_allclose(r.mbar, ref[-1], rtol=0, atol=1e-10)


def test_omega_optimizer_under_the_jump_convention():
    """The optimum is a solve_rs point of the per-jump quantizer, and its ramps cover exactly the
    fraction r of [-omega, omega] for the uniform scheme (n_p ramps of width r * 2 omega / n_p)."""
    from fastq import bit_budget, optimal_omega

    o = optimal_omega({"scheme": "uniform", "bits": 3}, 1.5, 0.01, 0.01, edge_width=0.1,
                      edge_convention="jump", n_scan=24)
    assert o.edge_convention == "jump" and o.summary()["edge_convention"] == "jump"
    r = solve_rs(Quantizer("uniform", 6, o.omega_star, 0.1, "jump"), 1.5, 0.01, 0.01)
    assert o.eg_star == pytest.approx(r.eg, rel=1e-9)
    assert o.ramp_fraction == pytest.approx(0.1, rel=1e-12)
    q = Quantizer.from_bits(3, 2.0, edge_width=0.1, edge_convention="jump")  # convention from the Quantizer
    assert optimal_omega(q, 1.5, 0.01, 0.01, n_scan=24).omega_star == pytest.approx(o.omega_star, rel=1e-12)
    b = bit_budget(1.5, 0.01, 0.01, bits=[2], schemes=["uniform"], edge_width=0.2, edge_convention="jump",
                   n_scan=16)
    assert b.to_dict()["edge_convention"] == "jump" and b.optima["uniform"][0].edge_convention == "jump"
    with pytest.raises(FastqInputError, match="edge_width"):
        bit_budget(1.5, 0.01, 0.01, bits=[2], edge_width=1.5, edge_convention="jump")
