"""Formats and custom level sets in the studies: sweeps, optimal_omega, and optimal_levels
(never worse than Lloyd-Max or uniform at their best scale; a brute-force grid for 4 levels)."""
from __future__ import annotations

import numpy as np
import pytest

import fastq
from fastq import FastqInputError, Quantizer, optimal_levels, optimal_omega, solve_rs, sweep

MODEL = (1.5, 0.1, 0.1)


@pytest.mark.parametrize("make", [
    lambda: "nf4",
    lambda: Quantizer.format("fp8-e5m2", 1.0),
    lambda: Quantizer.from_levels([-1.0, -0.1, 0.3, 2.0], thresholds=[-0.5, 0.0, 1.5]),
])
def test_sweep_equals_solve_rs(make):
    spec = make()
    proto = Quantizer.format(spec, 1.0) if isinstance(spec, str) else spec
    om = np.array([0.4, 1.1, 2.5])
    r = sweep(spec, omega=om, alpha=MODEL[0], sigma=MODEL[1], lam=MODEL[2], edge_width=0.05)
    assert r.scheme == proto.scheme and r.dims == ("omega",)
    for j, w in enumerate(om):
        ref = solve_rs(proto.with_omega(w).with_edge_width(0.05), *MODEL)
        assert ref.converged and r["converged"][j]
        assert r["eg"][j] == pytest.approx(ref.eg, rel=1e-9) and r["at"][j] == pytest.approx(ref.at, rel=1e-8)


def test_sweep_format_refuses_n_p_and_bad_names():
    with pytest.raises(FastqInputError, match="fixed by the level set"):
        sweep("nf4", n_p=3, omega=[1.0, 2.0], alpha=1.5, sigma=0.1, lam=0.1)
    with pytest.raises(FastqInputError, match="format"):
        sweep("nf9", omega=[1.0, 2.0], alpha=1.5, sigma=0.1, lam=0.1)
    # a uniform format is the paper's grid
    r = sweep("uniform3", omega=[1.0, 2.0], alpha=1.5, sigma=0.1, lam=0.1)
    assert r.scheme == "uniform" and r.fixed["n_p"] == 6


def test_optimal_omega_of_formats_and_custom_sets():
    for spec in ({"scheme": "nf4"}, Quantizer.from_levels([-0.5, 0.0, 0.2, 1.0])):
        o = optimal_omega(spec, *MODEL, edge_width=0.05, n_scan=24)
        assert o.converged and o.omega_star is not None
        proto = Quantizer.format("nf4", 1.0) if isinstance(spec, dict) else spec
        # a brute check: no scanned scale beats the optimum
        grid = np.geomspace(0.3 * o.omega_star, 3 * o.omega_star, 41)
        egs = [solve_rs(proto.with_omega(w).with_edge_width(0.05), *MODEL).eg for w in grid]
        assert o.eg_star <= min(egs) * (1 + 1e-9)


def test_optimal_levels_beats_references_and_brute_force_for_four_levels():
    r = optimal_levels(4, alpha=1.5, sigma=0.1, lam=0.1)
    assert r.converged and r.n_agree == r.n_starts
    assert r.eg <= r.lloyd_max["eg"] and r.eg <= r.uniform["eg"]  # both re-solved like the objective
    lv = np.asarray(r.levels)
    assert np.allclose(lv, -lv[::-1]) and len(lv) == 4
    # brute force over the two parameters (p1, p2) of a symmetric 4-level set
    p1s = np.linspace(0.05, 1.2, 47)
    p2s = np.linspace(0.6, 3.0, 49)
    best = (np.inf, None)
    for p1 in p1s:
        for p2 in p2s[p2s > p1]:
            s = solve_rs(Quantizer.from_levels([-p2, -p1, p1, p2]), *MODEL)
            if s.converged and s.eg < best[0]:
                best = (s.eg, (p1, p2))
    assert r.eg <= best[0] * (1 + 1e-12)
    # the grid optimum is within one grid step of the found one
    assert abs(best[1][0] - lv[2]) <= p1s[1] - p1s[0] and abs(best[1][1] - lv[3]) <= p2s[1] - p2s[0]
    assert best[0] - r.eg < 1e-3 * r.eg


def test_optimal_levels_asymmetric_and_inputs():
    r = optimal_levels(3, alpha=1.5, sigma=0.1, lam=0.1, symmetric=False, n_random=2)
    rs = optimal_levels(3, alpha=1.5, sigma=0.1, lam=0.1, n_random=2)
    # the free search contains the symmetric sets: never worse (same model is symmetric in w)
    assert r.eg <= rs.eg * (1 + 1e-7)
    assert r.quantizer.n_p == 2
    with pytest.raises(FastqInputError, match="theory"):
        optimal_levels(4, alpha=1.5, sigma=0.1, lam=0.1, theory="1rsb")
    with pytest.raises(FastqInputError, match="n_levels"):
        optimal_levels(1, alpha=1.5, sigma=0.1, lam=0.1)
    assert fastq.OptimalLevelsResult(**r.to_dict()) == r
