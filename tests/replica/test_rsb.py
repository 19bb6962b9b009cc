"""1RSB at zero temperature: RS limit, inner integrals against scipy quad, energy >= RS, ridge limit."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

import fastq
from fastq.replica._rsb_map import _site
from fastq.replica.rsb import energy_at_mu, solve_rsb

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
