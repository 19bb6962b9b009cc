"""RS saddle point, stability, kappa, state evolution and 1RSB for formats and custom level sets,
against the quad-based slow reference (tests/replica/naive_rs.py) with arbitrary levels."""
from __future__ import annotations

import math

import numpy as np
import pytest

import fastq
from fastq import Quantizer, rs_map, solve_rs, state_evolution
from tests.replica import naive_rs as naive

ASYM = ([-1.3, -0.4, 0.05, 0.6, 0.9, 2.0], [-0.6, -0.3, 0.5, 0.7, 1.2])  # levels, thresholds


def _quantizers():
    return [
        ("nf4", Quantizer.format("nf4", 2.0, edge_width=0.05), None),
        ("nf4-hard", Quantizer.format("nf4", 2.0), None),
        ("fp4", Quantizer.format("fp4-e2m1", 3.0, edge_width=0.1), None),
        ("int3-asym", Quantizer.format("int3-asym", 1.5, edge_width=0.2, edge_convention="jump"), None),
        ("lloyd-max2", Quantizer.format("lloyd-max2", 1.6, edge_width=0.1), None),
        ("custom", Quantizer.from_levels(ASYM[0], thresholds=ASYM[1], edge_width=0.15), ASYM[1]),
        ("custom-hard", Quantizer.from_levels(ASYM[0], thresholds=ASYM[1]), ASYM[1]),
        ("custom-overlap", Quantizer.from_levels(ASYM[0], thresholds=ASYM[1], edge_width=0.4), ASYM[1]),
    ]


def _naive_levels_eps(q, t):
    """The reference only knows the absolute convention: a per-jump ramp set is checked through
    its pieces elsewhere, so use its levels with eps = r * D where all jumps are equal (int)."""
    if q.edge_convention == "jump":
        d = np.diff(q.levels)
        assert np.allclose(d, d[0])
        return q.levels, q.edge_width * d[0]
    return q.levels, q.edge_width


@pytest.mark.parametrize("case", _quantizers(), ids=lambda c: c[0])
def test_map_matches_quad_reference(case):
    _, q, t = case
    lv, eps = _naive_levels_eps(q, t)
    for chi, eg in [(1.0, 0.5), (0.3, 0.05)]:
        got = rs_map(q, chi, eg, 1.5, 0.1, 0.1)
        ref = naive.rs_map(chi, eg, np.asarray(lv), eps, 1.5, 0.1, 0.1, t=t)
        for key in ("chi", "eg", "Q", "m", "kappa"):
            assert got[key] == pytest.approx(ref[key], rel=1e-10, abs=1e-12), key
        if eps > 0:
            assert got["at"] == pytest.approx(ref["at"], rel=1e-9)


@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.slow) if c[0] == "nf4" else c
                                  for c in _quantizers()[:6]], ids=lambda c: c[0])
def test_fixed_point_matches_quad_reference(case):
    _, q, t = case
    lv, eps = _naive_levels_eps(q, t)
    r = solve_rs(q, 1.5, 0.1, 0.1)
    assert r.converged and r.residual <= 1e-12
    ref = naive.solve_rs(np.asarray(lv), eps, 1.5, 0.1, 0.1, t=t)
    assert r.eg == pytest.approx(ref["eg"], rel=0, abs=1e-9)
    assert r.chi == pytest.approx(ref["chi"], rel=1e-8)
    assert r.kappa == pytest.approx(ref["kappa"], rel=1e-8)
    se = state_evolution(q, 1.5, 0.1, 0.1, t_max=2000, tol=1e-13)
    assert se.converged and se.eg[-1] == pytest.approx(r.eg, abs=1e-9)


def test_fp8_e4m3_map_matches_quad_reference():
    """253 levels with gaps from 2^-9 to 32 (relative to 448): one map application by quad."""
    for eps in (0.0, 0.02):
        q = Quantizer.format("fp8-e4m3", 2.0, edge_width=eps)
        got = rs_map(q, 0.8, 0.1, 1.5, 0.1, 0.1)
        ref = naive.rs_map(0.8, 0.1, q.levels, eps, 1.5, 0.1, 0.1)
        for key in ("chi", "eg", "Q", "m", "kappa"):
            assert got[key] == pytest.approx(ref[key], rel=1e-9, abs=1e-12), key


def test_kappa_is_the_jump_sum():
    q = Quantizer.from_levels(ASYM[0], thresholds=ASYM[1])
    r = solve_rs(q, 1.5, 0.1, 0.1)
    d = np.diff(q.levels)
    z = r.theta * np.asarray(ASYM[1]) / r.h
    k = 1.5 / (1 + r.chi) ** 2 * np.sum(d**2 * np.exp(-z**2 / 2) / math.sqrt(2 * math.pi)) / (r.h * r.theta)
    assert r.kappa == pytest.approx(k, rel=1e-12)
    # AT ~ kappa / eps as eps -> 0
    at = [solve_rs(q.with_edge_width(e), 1.5, 0.1, 0.1).at * e for e in (1e-3, 1e-4)]
    assert at[1] == pytest.approx(r.kappa, rel=2e-3) and abs(at[1] - r.kappa) < abs(at[0] - r.kappa)


def test_rsb_for_formats():
    from fastq.replica.rsb import energy_at_mu

    q = Quantizer.format("nf4", 1.5)
    model = (1.4, 0.01, 0.01, 1.0)
    rs = fastq.solve_rs(q, *model)
    r = energy_at_mu(q, 0.0, *model)
    assert r["converged"]
    assert r["eg"] == pytest.approx(rs.eg, abs=1e-9) and r["chi"] == pytest.approx(rs.chi, abs=1e-9)
    res = fastq.solve_rsb(Quantizer.format("int2-asym", 1.0), *model)  # 4 asymmetric levels
    rs = fastq.solve_rs(Quantizer.format("int2-asym", 1.0), *model)
    alpha, _, lam, _ = model
    assert res.energy_rs == pytest.approx(alpha * rs.eg / (1 + rs.chi) ** 2 + lam * rs.Q / 2, abs=1e-9)
    assert res.converged and res.energy >= res.energy_rs - 1e-10
