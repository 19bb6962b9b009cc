"""The Newton 1RSB solver against the slow reference (tests/replica/naive_rsb.py, the solver as it was):
same energy to 1e-7 relative and Eg to 1e-6; de/dmu against finite differences of the reference's
e(mu); the fused residual at the reference's fixed point; warm = cold along a line; statuses."""
from __future__ import annotations

import numpy as np
import pytest

import fastq
from fastq.replica import _rsb_newton as N
from fastq.replica._rsb_fast import OUT_DE_DMU, OUT_ENERGY
from fastq.replica.rsb import solve_rsb_warm

from . import naive_rsb

MODEL = (1.4, 0.01, 0.01, 1.0)
SHORT = [2.0, 6.0, 20.0, 60.0, 200.0]  # a short mu grid keeps the reference at ~1 s


def _compare(q, model, mu_grid=None):
    new = fastq.solve_rsb(q, *model, mu_grid=mu_grid)
    ref = naive_rsb.solve_rsb(q, *model, mu_grid=mu_grid)
    assert ref.converged, ref  # the reference is the referee only where it converged
    assert new.converged and new.status == "converged", new
    assert new.energy == pytest.approx(ref.energy, rel=1e-7)
    assert new.eg == pytest.approx(ref.eg, rel=1e-6)
    assert new.energy_rs == pytest.approx(ref.energy_rs, rel=1e-12)
    assert new.eg_rs == pytest.approx(ref.eg_rs, rel=1e-12)
    # mu, chi, Delta are flat directions of the energy: the reference's Brent stops at xatol = 1e-5 mu
    assert new.mu == pytest.approx(ref.mu, rel=1e-4)
    assert new.delta == pytest.approx(ref.delta, rel=1e-4)
    assert new.d2e_dmu2 == pytest.approx(ref.d2e_dmu2, rel=1e-2)
    assert new.kappa1 == pytest.approx(ref.kappa1, rel=1e-4)
    assert new.quad_error < 1e-7
    return new, ref


@pytest.mark.parametrize("q", [fastq.Quantizer.uniform(2, 1.4), fastq.Quantizer.log(3, 1.2)])
def test_matches_reference_short_grid(q):
    _compare(q, MODEL, SHORT)


SETTINGS = [
    (fastq.Quantizer.uniform(2, 1.0), MODEL),
    (fastq.Quantizer.uniform(2, 0.4), MODEL),
    (fastq.Quantizer.uniform(2, 0.7), (1.4, 0.01, 0.1, 1.0)),
    (fastq.Quantizer.uniform(3, 1.0), (2.0, 0.1, 0.01, 1.0)),
    (fastq.Quantizer.uniform(6, 1.5), (1.4, 0.01, 0.0, 1.0)),
    (fastq.Quantizer.log(4, 1.0), MODEL),
    (fastq.Quantizer.log(6, 2.0), (0.8, 0.5, 0.01, 1.0)),
    (fastq.Quantizer.uniform(2, 1.2), (3.0, 0.2, 1.0, 1.0)),
]


@pytest.mark.slow
@pytest.mark.parametrize("q,model", SETTINGS, ids=[f"{q.scheme}{q.n_p}-w{q.omega}-{m}" for q, m in SETTINGS])
def test_matches_reference_default_grid(q, model):
    """Default mu grid across schemes, n_p (b = 2, log2 5, 3), omega, alpha, sigma and lam."""
    _compare(q, model)


def test_de_dmu_is_the_derivative_of_the_reference_energy():
    """The kernel's df/dmu at a fixed point (envelope theorem) equals the centred difference of the
    reference's e(mu) -- fixed points recomputed by the damped iteration at mu +- h."""
    q = fastq.Quantizer.uniform(2, 1.0).hard()
    mu, h = 10.0, 0.05
    ep, em = (naive_rsb.energy_at_mu(q, mu + s, *MODEL, n_nodes=20)["energy"] for s in (h, -h))
    r = naive_rsb.energy_at_mu(q, mu, *MODEL, n_nodes=20)
    assert r["converged"]
    x = np.array([r["chi"], r["delta"], r["Q"], r["m"]])
    sys = N.System(np.asarray(q.levels), np.asarray(q.thresholds), MODEL, r["moments"]["rule"], mu=mu)
    res = sys(x)
    assert np.max(np.abs(res)) < 1e-9  # the reference's fixed point is a root of the fused residual
    assert sys.out[OUT_ENERGY] == pytest.approx(r["energy"], abs=1e-13)
    fd = (ep - em) / (2 * h)
    assert abs(fd) > 1e-5  # not at the maximum: the check can fail
    assert sys.out[OUT_DE_DMU] == pytest.approx(fd, rel=1e-4)


def test_warm_line_equals_cold():
    """Along omega, warm-started points equal cold solves (same maximum, same numbers)."""
    warm = None
    for w in (0.9, 0.95, 1.0):
        q = fastq.Quantizer.uniform(2, w)
        r, warm = solve_rsb_warm(q, *MODEL, warm=warm)
        c = fastq.solve_rsb(q, *MODEL)
        assert r.converged and c.converged and warm is not None
        assert r.energy == pytest.approx(c.energy, rel=1e-10)
        assert r.eg == pytest.approx(c.eg, rel=1e-8)
        assert r.mu == pytest.approx(c.mu, rel=1e-6)


def test_bad_warm_start_falls_back_to_cold():
    q = fastq.Quantizer.uniform(2, 1.0)
    c = fastq.solve_rsb(q, *MODEL)
    bad = (np.array([-3.0, 0.1, 0.6, 0.6, 0.0]), None)  # outside the domain (chi < -1)
    r, _ = solve_rsb_warm(q, *MODEL, warm=bad)
    assert r.converged and r.energy == pytest.approx(c.energy, rel=1e-10)


def test_coarse_rule_is_refined_or_flagged():
    """Two outer nodes per interval: from the solution the doubling check refines the rule (2 -> 8
    nodes) to the default energy; a whole solve at 2 nodes ends converged and equal, or with a
    failure status (never a silent wrong number)."""
    q = fastq.Quantizer.uniform(2, 1.0)
    ref, (v, J) = solve_rsb_warm(q, *MODEL)
    res = N.point((np.asarray(q.levels), np.asarray(q.thresholds), MODEL), v, J, 2)
    assert res["status"] == "converged" and res["n_nodes"] > 2 and res["quad_error"] < 1e-7
    assert res["out"][OUT_ENERGY] == pytest.approx(ref.energy, rel=1e-7)
    r = fastq.solve_rsb(q, *MODEL, n_nodes=2)
    if r.converged:
        assert r.quad_error < 1e-7 and r.energy == pytest.approx(ref.energy, rel=1e-7)
    else:
        assert r.status in ("quadrature", "mu_at_edge", "max_iter", "diverged")


# ----------------------------------------------------------------------------- many levels (issue 22, the map)
FIG2A = (1.5, 0.01, 0.0, 1.0)  # the Fig. 2(a) model
LARGE = [(fastq.Quantizer.uniform(30, 5.0), [20.0, 60.0, 200.0, 300.0]),
         (fastq.Quantizer.uniform(62, 8.0), [30.0, 100.0, 300.0, 1000.0])]


@pytest.mark.slow
@pytest.mark.parametrize("q,grid", LARGE, ids=["uniform30-w5", "uniform62-w8"])
def test_matches_reference_many_levels(q, grid):
    """31 and 63 levels (b = 5, 6) on the Fig. 2(a) model, where the level cut of the kernel skips
    all but a handful of levels per outer node: same numbers as the reference."""
    _compare(q, FIG2A, grid)


def test_maximum_beyond_the_grid_is_followed():
    """At uniform n_p = 1, omega = 8 the maximum of e(mu) lies below the grid's 0.1: the cold scan is
    extended beyond the grid's end and the joint solve lands on a genuine maximum there (converged,
    d2e/dmu2 < 0), which is higher than e at the grid's end and at a point further out."""
    q = fastq.Quantizer.uniform(1, 8.0)
    r = fastq.solve_rsb(q, *FIG2A)
    assert r.converged and r.status == "converged", r
    assert r.mu < 0.1 and r.d2e_dmu2 < 0.0
    args = (np.asarray(q.levels), np.asarray(q.thresholds), FIG2A)
    start = np.array([r.chi, r.delta, r.Q, r.m])
    for mu in (0.1, r.mu / 3.0):
        x, _, e, st = N.fixed_mu(args, start, mu, 10, pre=200)
        assert st == "converged"
        assert e < r.energy
