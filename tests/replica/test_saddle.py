import math
import warnings

import pytest

import fastq
from fastq import FastqInputError, NoFiniteSolution, Quantizer, ridge, solve_rs
from fastq.replica import rs_map
from tests.replica import naive_rs as naive

# (scheme, n_p, omega, eps, alpha, sigma, lam): RS and RSB points, both schemes, eps = 0 and > 0
POINTS = [
    ("uniform", 2, 2.0, 0.0, 1.5, 0.01, 0.0),
    ("uniform", 6, 3.0, 0.05, 1.5, 0.01, 1.0),
    ("log", 6, 3.0, 0.05, 1.4, 0.01, 0.01),
    ("log", 5, 6.0, 0.0, 0.7, 1.0, 0.01),
    ("uniform", 3, 8.0, 0.3, 0.7, 1.0, 1.0),
    ("uniform", 14, 2.0, 0.01, 2.5, 0.1, 0.1),
]


def _q(scheme, n_p, omega, eps):
    return Quantizer(scheme, n_p, omega, edge_width=eps)


@pytest.mark.parametrize("point", POINTS)
def test_map_matches_quad_reference(point):
    scheme, n_p, omega, eps, alpha, sigma, lam = point
    q = _q(scheme, n_p, omega, eps)
    for chi, eg in [(1.0, 0.5), (0.3, 0.05), (4.0, 1.2)]:
        got = rs_map(q, chi, eg, alpha, sigma, lam)
        ref = naive.rs_map(chi, eg, naive.levels(scheme, n_p, omega), eps, alpha, sigma, lam)
        for key in ("chi", "eg", "Q", "m", "h", "theta", "kappa"):
            assert got[key] == pytest.approx(ref[key], rel=1e-10, abs=1e-12), key
        if eps > 0:
            assert got["at"] == pytest.approx(ref["at"], rel=1e-9)
        else:
            assert got["at"] == math.inf


@pytest.mark.parametrize("point", POINTS)
def test_fixed_point_matches_quad_reference(point):
    scheme, n_p, omega, eps, alpha, sigma, lam = point
    r = solve_rs(_q(scheme, n_p, omega, eps), alpha, sigma, lam)
    assert r.converged and r.status == "converged" and r.residual <= 1e-12
    ref = naive.solve_rs(naive.levels(scheme, n_p, omega), eps, alpha, sigma, lam)
    assert r.eg == pytest.approx(ref["eg"], rel=0, abs=1e-9)
    assert r.chi == pytest.approx(ref["chi"], rel=1e-8)
    assert r.kappa == pytest.approx(ref["kappa"], rel=1e-8)


def test_fixed_point_matches_root_finder():
    # a second, independent route to the same fixed point (scipy.optimize.root on the quad map)
    scheme, n_p, omega, eps, alpha, sigma, lam = POINTS[2]
    r = solve_rs(_q(scheme, n_p, omega, eps), alpha, sigma, lam)
    ref = naive.solve_rs_root(naive.levels(scheme, n_p, omega), eps, alpha, sigma, lam)
    assert r.eg == pytest.approx(ref["eg"], abs=1e-10)


def test_result_is_self_consistent():
    q = _q("uniform", 6, 2.0, 0.05)
    r = solve_rs(q, 1.5, 0.01, 0.0)
    mp = rs_map(q, r.chi, r.eg, 1.5, 0.01, 0.0)
    assert mp["chi"] == pytest.approx(r.chi, rel=1e-12) and mp["eg"] == pytest.approx(r.eg, rel=1e-11)
    assert r.eg == pytest.approx(0.5 * (r.Q - 2 * r.m + 1 + 0.01**2), rel=1e-12)
    assert r.theta == pytest.approx(1.5 / (1 + r.chi))
    d = r.to_dict()
    assert set(d) >= {"eg", "Q", "m", "chi", "h", "theta", "at", "kappa", "edge_width", "converged",
                      "iterations", "rs"}


@pytest.mark.parametrize("scheme", ["uniform", "log"])
def test_at_behaves_as_kappa_over_eps(scheme):
    """at * eps -> kappa and the smoothed solution -> the hard one, linearly in eps, down to
    eps = 1e-8 -- every solve checked converged.  The bound on |at eps / kappa - 1| is
    0.05 eps (the O(eps) term; observed 1.5e-3 eps uniform, 1.3e-2 eps log) plus the rounding of
    the ramp's ends, ~1e-16 |t| / eps relative (1e-15 / eps covers |t| <= 3 with margin)."""
    base = _q(scheme, 6, 3.0, 0.0)
    hard = solve_rs(base, 1.5, 0.01, 1.0)
    assert hard.converged and hard.at == math.inf and hard.kappa > 0
    for eps in [1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8]:
        r = solve_rs(base.with_edge_width(eps), 1.5, 0.01, 1.0)
        assert r.converged, (eps, r.status)
        assert r.kappa == pytest.approx(hard.kappa, rel=20 * eps)
        assert abs(r.at * eps / hard.kappa - 1.0) <= 0.05 * eps + 1e-15 / eps
        # the smoothed quantizer differs from the hard one on a set of width eps: O(eps) changes
        assert abs(r.Q - hard.Q) <= 0.5 * eps and abs(r.eg - hard.eg) <= 0.5 * eps


def test_anderson_reduces_iterations_and_agrees():
    for scheme, n_p, omega, eps, alpha, sigma, lam in POINTS:
        q = _q(scheme, n_p, omega, eps)
        fast = solve_rs(q, alpha, sigma, lam)
        plain = solve_rs(q, alpha, sigma, lam, anderson=0)
        assert fast.converged and plain.converged
        assert fast.iterations <= plain.iterations
        assert fast.eg == pytest.approx(plain.eg, abs=1e-10)
    q = _q("uniform", 6, 2.0, 0.05)
    assert solve_rs(q, 1.5, 0.01, 0.0).iterations * 3 < solve_rs(q, 1.5, 0.01, 0.0, anderson=0).iterations


@pytest.mark.parametrize("point", POINTS[:4])
def test_several_starts_reach_same_solution(point):
    scheme, n_p, omega, eps, alpha, sigma, lam = point
    q = _q(scheme, n_p, omega, eps)
    sols = [solve_rs(q, alpha, sigma, lam, start=s) for s in [None, (0.1, 0.01), (5.0, 2.0), (1.0, 1e-4)]]
    assert all(s.converged for s in sols)
    for s in sols[1:]:
        assert s.eg == pytest.approx(sols[0].eg, abs=1e-10)
        assert s.chi == pytest.approx(sols[0].chi, rel=1e-9)


@pytest.mark.parametrize("alpha, sigma, lam", [(1.5, 0.01, 0.0), (0.7, 1.0, 0.01), (3.0, 0.3, 1.0)])
def test_fine_wide_uniform_quantizer_approaches_ridge(alpha, sigma, lam):
    ref = ridge(alpha, sigma, lam)
    errs = []
    for n_p in [100, 1000, 10000]:
        r = solve_rs(Quantizer.uniform(n_p, 12.0), alpha, sigma, lam)
        assert r.converged
        errs.append(abs(r.eg - ref.eg))
    # rounding noise of step 24/n_p adds ~ step^2 / 12 to Q: the gap shrinks like n_p^-2
    assert errs[2] < errs[1] < errs[0]
    assert errs[2] < 1e-6 * max(1.0, ref.eg) + 1e-8
    r = solve_rs(Quantizer.uniform(10000, 12.0), alpha, sigma, lam)
    assert r.chi == pytest.approx(ref.chi, rel=1e-4)


def test_ridge_closed_form_solves_its_equations():
    for alpha, sigma, lam, rho in [(1.5, 0.01, 0.0, 1.0), (0.5, 0.5, 0.1, 2.0), (3.0, 1.0, 1.0, 0.5)]:
        r = ridge(alpha, sigma, lam, rho)
        assert lam * r.chi**2 + (alpha + lam - 1) * r.chi - 1 == pytest.approx(0, abs=1e-13)
        assert r.chi == pytest.approx(1 / r.theta, rel=1e-13)  # chi = int dphi*/dx = 1/Theta
        assert r.eg == pytest.approx(0.5 * (r.Q - 2 * r.m + rho + sigma**2), rel=1e-12)
        assert r.at < 1


def test_ridge_lam0_alpha1_known_values():
    # lam = 0: chi = 1/(alpha-1) and Eg = sigma^2/2 * alpha/(alpha-1) (classical OLS result)
    r = ridge(1.5, 0.1, 0.0)
    assert r.chi == pytest.approx(2.0)
    assert r.eg == pytest.approx(0.5 * 0.01 * 1.5 / 0.5, rel=1e-13)


@pytest.mark.parametrize("alpha, sigma, lam", [(1.5, 0.3, 0.0), (0.6, 0.5, 0.2), (2.0, 1.0, 1.0)])
def test_ridge_matches_simulation(alpha, sigma, lam):
    n, k = 1000, 12
    egs = naive.ridge_simulation(n, alpha, sigma, lam, 1.0, k, seed=7)
    mean, sem = egs.mean(), egs.std(ddof=1) / math.sqrt(k)
    # finite-N bias is O(1/N); allow 3 standard errors plus that bias scale
    assert abs(mean - ridge(alpha, sigma, lam).eg) < 3 * sem + 2.0 / n * mean


def test_ridge_no_finite_solution():
    with pytest.raises(NoFiniteSolution, match="alpha"):
        ridge(1.0, 0.1, 0.0)
    with pytest.raises(NoFiniteSolution):
        ridge(0.5, 0.1, 0.0)
    assert math.isfinite(ridge(0.5, 0.1, 1e-3).eg)


def test_non_convergence_is_reported():
    q = _q("uniform", 6, 2.0, 0.05)
    r = solve_rs(q, 1.5, 0.01, 0.0, max_iter=2)
    assert not r.converged and r.status == "max_iter" and r.iterations == 2
    assert not r.rs
    # a run-away susceptibility (wide range, few samples, no penalty): no finite fixed point
    r = solve_rs(_q("uniform", 1, 50.0, 0.0), 0.3, 0.01, 0.0)
    assert not r.converged and r.status == "diverged"


@pytest.mark.parametrize("kwargs, name", [
    (dict(alpha=0.0), "alpha"), (dict(alpha=-1.0), "alpha"), (dict(sigma=-0.1), "sigma"),
    (dict(lam=-1.0), "lam"), (dict(rho=0.0), "rho"), (dict(alpha=float("nan")), "alpha"),
    (dict(sigma=float("inf")), "sigma"), (dict(tol=0.0), "tol"), (dict(max_iter=0), "max_iter"),
    (dict(start=(-1.0, 0.5)), "chi"), (dict(damping=1.5), "damping"),
])
def test_bad_input(kwargs, name):
    args = dict(alpha=1.5, sigma=0.01, lam=0.0)
    args.update(kwargs)
    with pytest.raises(FastqInputError, match=name):
        solve_rs(Quantizer.uniform(2, 1.0), **args)


def test_no_nan_anywhere_on_a_coarse_grid():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for scheme in ["uniform", "log"]:
            for n_p in [1, 2, 3, 6, 14]:
                for omega in [0.1, 1.0, 5.0, 20.0]:
                    for lam in [0.0, 1.0]:
                        r = solve_rs(Quantizer(scheme, n_p, omega, 0.05), 1.5, 0.01, lam)
                        vals = [r.eg, r.chi, r.Q, r.m, r.kappa, r.at]
                        assert r.converged, (scheme, n_p, omega, lam, r)
                        assert all(math.isfinite(v) for v in vals)


def test_top_level_api():
    assert fastq.Quantizer is Quantizer and callable(fastq.solve_rs) and callable(fastq.ridge)
    assert isinstance(fastq.__version__, str)
