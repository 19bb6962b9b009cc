"""1RSB at zero temperature: RS limit, inner integrals against scipy quad, energy >= RS, ridge limit."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

import fastq
from fastq.replica._rsb_map import _site
from fastq.replica.rsb import energy_at_mu, functional, solve_rsb

MODEL = (1.4, 0.01, 0.01, 1.0)


def _rs_energy(q, alpha, sigma, lam, rho):
    rs = fastq.solve_rs(q, alpha, sigma, lam, rho)
    return alpha * rs.eg / (1 + rs.chi) ** 2 + lam * rs.Q / 2, rs


@pytest.mark.parametrize("q", [fastq.Quantizer.uniform(2, 1.0), fastq.Quantizer.log(3, 1.2)])
def test_mu_zero_is_rs(q):
    """At mu = 0 the 1RSB map and functional are the RS ones whatever Delta (docs/rsb.md)."""
    e_rs, rs = _rs_energy(q, *MODEL)
    r = energy_at_mu(q, 0.0, *MODEL)
    assert r["converged"] and r["delta"] > 1e-3  # a genuinely two-level average, not Delta = 0
    assert r["energy"] == pytest.approx(e_rs, abs=1e-10)
    assert r["eg"] == pytest.approx(rs.eg, abs=1e-10)
    assert r["chi"] == pytest.approx(rs.chi, abs=1e-10)


def test_small_mu_approaches_rs_linearly():
    q = fastq.Quantizer.uniform(2, 1.0)
    e_rs, _ = _rs_energy(q, *MODEL)
    d = [energy_at_mu(q, mu, *MODEL)["energy"] - e_rs for mu in (1e-3, 2e-3)]
    assert 0 < d[0] < 1e-5
    assert d[1] / d[0] == pytest.approx(2.0, rel=2e-2)


def _site_quad(c, h1, mu, theta, levels):
    def e(x):
        return float(np.min(theta * levels**2 / 2 - x * levels))

    def dstar(x):
        return float(levels[np.argmin(theta * levels**2 / 2 - x * levels)])

    g = lambda z: math.exp(-mu * e(c + h1 * z) - z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    th = 0.5 * (levels[1:] + levels[:-1])
    pts = sorted((theta * th - c) / h1)
    kw = {"points": pts, "limit": 200, "epsabs": 0, "epsrel": 1e-12}
    Z = integrate.quad(g, -40, 40, **kw)[0]
    m1 = integrate.quad(lambda z: g(z) * dstar(c + h1 * z), -40, 40, **kw)[0] / Z
    m2 = integrate.quad(lambda z: g(z) * dstar(c + h1 * z) ** 2, -40, 40, **kw)[0] / Z
    return math.log(Z), m1, m2


@pytest.mark.parametrize("c,h1,mu", [(0.3, 0.4, 5.0), (-1.1, 0.2, 17.0), (2.0, 0.9, 0.5)])
def test_inner_average_matches_quad(c, h1, mu):
    levels = np.asarray(fastq.Quantizer.log(4, 1.0).levels)
    theta = 1.3
    logw = np.empty(levels.size)
    lz, m1, m2, _ = _site(c, h1, mu, theta, levels, 0.5 * (levels[1:] + levels[:-1]), logw)
    rlz, rm1, rm2 = _site_quad(c, h1, mu, theta, levels)
    assert lz == pytest.approx(rlz, abs=1e-9)
    assert m1 == pytest.approx(rm1, abs=1e-9)
    assert m2 == pytest.approx(rm2, abs=1e-9)


def test_rsb_energy_above_rs_and_quadrature_converged():
    r = solve_rsb(fastq.Quantizer.uniform(2, 1.0), *MODEL)
    assert r.converged and not r.collapsed
    assert r.quad_error < 1e-7
    assert r.energy > r.energy_rs + 1e-3
    assert r.d2e_dmu2 < 0
    # jump density consistency: chi equals sum_k D_k p_k (Stein vs explicit densities)
    assert 0 < r.mu < 500


def test_many_levels_approach_ridge_rs():
    """A fine quantizer (close to ridge): the 1RSB gain over RS is orders of magnitude below b = 2."""
    fine = fastq.Quantizer.uniform(40, 3.0)
    e_rs, _ = _rs_energy(fine, *MODEL)
    gain_fine = energy_at_mu(fine, 5.0, *MODEL)["energy"] - e_rs
    coarse = fastq.Quantizer.uniform(2, 1.0)
    gain_coarse = energy_at_mu(coarse, 5.0, *MODEL)["energy"] - _rs_energy(coarse, *MODEL)[0]
    assert 0 <= gain_fine < 1e-2 * gain_coarse


def test_bad_input():
    with pytest.raises(fastq.FastqInputError):
        solve_rsb("x", *MODEL)
    with pytest.raises(fastq.FastqInputError):
        energy_at_mu(fastq.Quantizer.uniform(2, 1.0), -1.0, *MODEL)


# ---------------------------------------------------------------- robustness: statuses, not exceptions


def test_omega_07_no_exception_and_converged():
    """Formerly a math domain error (chi < -1 during the mu scan); now a converged result."""
    r = solve_rsb(fastq.Quantizer("uniform", 2, 0.7), *MODEL)
    assert r.converged and r.status == "converged"
    assert r.chi >= 0 and r.delta > 0 and r.energy >= r.energy_rs


def test_start_outside_domain_is_a_status():
    q = fastq.Quantizer.uniform(2, 1.0)
    r = energy_at_mu(q, 5.0, *MODEL, start=(-2.0, 0.1, 0.6, 0.6))
    assert not r["converged"] and r["status"] == "diverged" and math.isnan(r["energy"])


@pytest.mark.parametrize("q,model", [(fastq.Quantizer.uniform(2, 3.0), (0.5, 0.0, 0.0, 1.0)),
                                     (fastq.Quantizer.log(5, 0.2), (3.0, 1.0, 2.0, 1.0))])
def test_extreme_settings_never_raise(q, model):
    r = solve_rsb(q, *model, mu_grid=[0.5, 5.0, 50.0, 500.0])
    if r.converged:
        assert all(math.isfinite(v) for v in (r.energy, r.eg, r.chi, r.delta, r.mu))
        assert not math.isfinite(r.energy_rs) or r.energy >= r.energy_rs - 1e-12
    else:
        assert r.status in fastq._status.STATUS_CODES or r.status in fastq._status.OTHER_STATUSES


# ---------------------------------------------------------------- the map is the functional's stationary point


def _args(r):
    mo = r["moments"]
    return np.array([r["Q"], r["m"], r["chi"], r["delta"], mo["theta"], mo["mhat"], mo["h0sq"], mo["h1sq"]])


def _grad(q, x, mu, rule, h=1e-6):
    g = np.empty(x.size)
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = h * max(1.0, abs(x[i]))
        g[i] = (functional(q, x + e, mu, MODEL, rule) - functional(q, x - e, mu, MODEL, rule)) / (2 * e[i])
    return g


@pytest.mark.parametrize("q,mu", [(fastq.Quantizer.uniform(2, 1.0), 10.0), (fastq.Quantizer.uniform(2, 1.4), 3.0),
                                  (fastq.Quantizer.log(3, 1.2), 25.0)])
def test_fixed_point_is_stationary_in_all_eight_arguments(q, mu):
    """Central differences of f(Q, m, chi, Delta, theta, mhat, h0^2, h1^2) vanish at the fixed point
    (docs/rsb.md); off the fixed point they do not (the check can fail).  20 outer nodes: the h1^2
    component rests on Gaussian integration by parts in z0, exact only to quadrature accuracy
    (up to 2.4e-7 with the default 10 nodes at the log case, 1e-9 with 20)."""
    r = energy_at_mu(q, mu, *MODEL, n_nodes=20)
    assert r["converged"] and r["delta"] > 1e-3
    x, rule = _args(r), r["moments"]["rule"]
    assert functional(q, x, mu, MODEL, rule) == pytest.approx(r["energy"], abs=1e-14)
    g = _grad(q.hard(), x, mu, rule)
    assert np.max(np.abs(g)) < 1e-8, g
    off = x.copy()
    off[3] *= 1.2  # Delta off its stationary value
    assert np.max(np.abs(_grad(q.hard(), off, mu, rule))) > 1e-3


def test_outer_average_matches_scipy_quad():
    """Q, q0, S and F from the composite Gauss-Legendre rule against adaptive quad over z0."""
    q = fastq.Quantizer.uniform(2, 1.0)
    r = energy_at_mu(q, 10.0, *MODEL)
    mo = r["moments"]
    lv, th = np.asarray(q.levels), np.asarray(q.thresholds)
    h1, H0, theta, mu = math.sqrt(mo["h1sq"]), mo["H0"], mo["theta"], 10.0
    logw = np.empty(lv.size)

    def site(z0, k):
        lz, m1, m2, _ = _site(H0 * z0, h1, mu, theta, lv, th, logw)
        return (m2, m1 * m1, z0 * m1, -lz / mu)[k] * math.exp(-z0 * z0 / 2) / math.sqrt(2 * math.pi)

    pts = sorted(theta * th / H0)
    ref = [integrate.quad(site, -12, 12, args=(k,), points=pts, limit=400, epsabs=1e-13, epsrel=1e-12)[0]
           for k in range(4)]
    for key, v in zip(("Q", "q0", "S", "F"), ref):
        assert mo[key] == pytest.approx(v, abs=1e-10), key


# ---------------------------------------------------------------- limits and bounds


@pytest.mark.parametrize("q", [fastq.Quantizer.uniform(2, 1.0), fastq.Quantizer.log(3, 1.2)])
def test_delta_to_zero_is_rs(q):
    """At the hard-RS point with Delta = 1e-14 (any mu) the functional is the RS energy to 1e-10 and
    one map step returns the RS Q, m and Stein chi (S / H0 = chi + mu Delta).  The new Delta is
    not ~0: it grows like sqrt(Delta) -- Delta = 0 is a fixed point that repels (the 1RSB face of
    the hard quantizer's RS instability) -- with the closed-form coefficient
    Delta' = h1 / sqrt(pi) * sum_k D_k^2 N(z_k) / H0 (mu = 0), checked here."""
    from fastq.replica.rsb import _update
    hq = q.hard()
    rs = fastq.solve_rs(hq, *MODEL)
    e_rs = MODEL[0] * rs.eg / (1 + rs.chi) ** 2 + MODEL[2] * rs.Q / 2
    state = np.array([rs.chi, 1e-14, rs.Q, rs.m])
    for mu in (0.0, 3.0, 30.0):
        new, mo = _update(hq, state, mu, MODEL, 10)
        x = np.array([rs.Q, rs.m, rs.chi, 1e-14, mo["theta"], mo["mhat"], mo["h0sq"], mo["h1sq"]])
        assert functional(hq, x, mu, MODEL, mo["rule"]) == pytest.approx(e_rs, abs=1e-10)
        assert new[0] + mu * new[1] == pytest.approx(rs.chi, abs=1e-10)
        assert new[2] == pytest.approx(rs.Q, abs=1e-10)
        assert new[3] == pytest.approx(rs.m, abs=1e-10)
        if mu == 0.0:
            z = mo["theta"] * np.asarray(hq.thresholds) / mo["H0"]
            dens = np.exp(-z * z / 2) / math.sqrt(2 * math.pi) / mo["H0"]
            pred = math.sqrt(mo["h1sq"] / math.pi) * float(np.sum(np.asarray(hq.jumps) ** 2 * dens))
            assert new[1] == pytest.approx(pred, rel=1e-4)


@pytest.mark.parametrize("q", [fastq.Quantizer.uniform(2, 0.4), fastq.Quantizer.uniform(2, 1.4),
                               fastq.Quantizer.log(3, 1.0)])
def test_rsb_energy_at_least_rs(q):
    r = solve_rsb(q, *MODEL)
    assert r.converged and r.quad_error < 1e-7 and r.d2e_dmu2 < 0
    assert r.energy > r.energy_rs


@pytest.mark.parametrize("q", [fastq.Quantizer.uniform(2, 1.0), fastq.Quantizer.log(4, 1.5)])
def test_kappa1_at_mu_zero_is_the_rs_kappa(q):
    """At mu = 0 (any Delta) the threshold densities are those of one Gaussian field of variance
    H0^2 + h1^2 = h^2, so kappa1 equals the RS jump coefficient of solve_rs."""
    from fastq.replica.rsb import _kappa1, _update
    hq = q.hard()
    rs = fastq.solve_rs(hq, *MODEL)
    _, mo = _update(hq, np.array([rs.chi, 0.05, rs.Q, rs.m]), 0.0, MODEL, 10)
    assert _kappa1(hq, rs.chi, mo, MODEL[0]) == pytest.approx(rs.kappa, rel=1e-10)


def test_kappa1_below_rs_kappa():
    """The 1RSB state has less weight at the thresholds than RS (omega = 1: 0.078 vs 0.452)."""
    r = solve_rsb(fastq.Quantizer.uniform(2, 1.0), *MODEL, mu_grid=[5.0, 15.0, 30.0])
    assert r.converged and 0 < r.kappa1 < 0.5 * r.kappa_rs
