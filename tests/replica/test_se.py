"""State evolution: fixed point = RS saddle point, one step = quadrature, trajectory bookkeeping."""
import math

import numpy as np
import pytest

import fastq
from fastq.replica import SEResult, state_evolution
from tests.message_passing.naive_amp import se_step

MODELS = [
    # scheme, bits, omega, eps, alpha, sigma, lam
    ("uniform", 5, 2.5, 0.1, 1.5, 0.1, 0.1),
    ("uniform", 4, 2.0, 0.2, 1.5, 0.1, 0.1),
    ("log", 3, 2.0, 0.2, 1.5, 0.01, 0.0),
    ("log", 4, 3.0, 0.05, 0.7, 1.0, 0.01),
    ("uniform", 2, 1.0, 0.1, 1.4, 0.01, 1.0),
    ("uniform", 3, 5.0, 0.05, 2.0, 0.5, 0.5),
]


@pytest.mark.parametrize("scheme,bits,omega,eps,alpha,sigma,lam", MODELS)
def test_fixed_point_equals_solve_rs(scheme, bits, omega, eps, alpha, sigma, lam):
    q = fastq.Quantizer.from_bits(bits, omega, scheme, edge_width=eps)
    rs = fastq.solve_rs(q, alpha, sigma, lam)
    se = state_evolution(q, alpha, sigma, lam, t_max=5000)
    assert rs.converged and se.converged, (rs.status, se.status)
    assert abs(se.eg_final - rs.eg) <= 1e-10 * max(1.0, rs.eg)
    assert abs(se.chi - rs.chi) <= 1e-10 * max(1.0, rs.chi)
    assert se.at == pytest.approx(rs.at, rel=1e-8)


@pytest.mark.parametrize("start", [(1.0, 2.0), (0.3, 0.5), (4.0, 1.0)])
def test_one_step_matches_quadrature(start):
    q = fastq.Quantizer.from_bits(3, 2.0, "uniform", edge_width=0.2)
    alpha, sigma, lam, rho = 1.5, 0.1, 0.1, 1.0
    se = state_evolution(q, alpha, sigma, lam, rho, t_max=1, start=start, tol=0.0)
    v1, e1 = se_step(q.levels, q.edge_width, alpha, sigma, lam, rho, *start)
    assert se.iterations == 1
    assert se.V[1] == pytest.approx(v1, rel=1e-9, abs=1e-12)
    assert se.E[1] == pytest.approx(e1, rel=1e-9, abs=1e-12)


def test_trajectory_bookkeeping():
    q = fastq.Quantizer.from_bits(4, 2.0, edge_width=0.1)
    sigma = 0.3
    se = state_evolution(q, 1.5, sigma, 0.1, t_max=25, tol=0.0)
    assert se.iterations == 25 and se.status == "max_iter" and not se.converged
    assert se.V.shape == se.E.shape == se.eg.shape == (26,)
    assert (se.V[0], se.E[0]) == (1.0, 2.0)  # default start: AMP's N(0, 1) initialization
    np.testing.assert_allclose(se.eg, 0.5 * (se.E + sigma**2), rtol=0, atol=0)
    # each step is one application of the RS map at (V, Eg)
    for t in (0, 5, 24):
        m = fastq.replica.rs_map(q, se.V[t], se.eg[t], 1.5, sigma, 0.1)
        assert se.V[t + 1] == pytest.approx(m["chi"], rel=1e-14)
        assert se.eg[t + 1] == pytest.approx(m["eg"], rel=1e-13)
    d = se.to_dict()
    assert {"eg", "chi", "trajectory"} <= set(d)
    assert d["trajectory"]["eg"][-1] == se.eg_final


def test_fine_uniform_quantizer_approaches_ridge():
    # eps equal to the step makes phi_eps the identity on [-omega + step/2, omega - step/2]
    omega, n_p = 8.0, 2**12 - 2
    q = fastq.Quantizer.uniform(n_p, omega, edge_width=2 * omega / n_p)
    se = state_evolution(q, 1.5, 0.2, 0.1)
    ridge = fastq.ridge(1.5, 0.2, 0.1)
    assert se.converged
    assert se.eg_final == pytest.approx(ridge.eg, rel=1e-7)
    assert se.chi == pytest.approx(ridge.chi, rel=1e-7)


@pytest.mark.parametrize("kwargs,name", [
    (dict(alpha=0.0), "alpha"), (dict(sigma=-1.0), "sigma"), (dict(lam=-0.1), "lam"),
    (dict(rho=0.0), "rho"), (dict(t_max=0), "t_max"), (dict(tol=-1.0), "tol"),
    (dict(start=(-1.0, 1.0)), "V0"), (dict(start=(1.0, 0.0)), "E0"),
])
def test_bad_input_names_parameter(kwargs, name):
    q = fastq.Quantizer.from_bits(3, 2.0, edge_width=0.1)
    args = dict(alpha=1.5, sigma=0.1, lam=0.1)
    args.update({k: v for k, v in kwargs.items() if k in args})
    rest = {k: v for k, v in kwargs.items() if k not in args}
    with pytest.raises(fastq.FastqInputError, match=name):
        state_evolution(q, args["alpha"], args["sigma"], args["lam"], **rest)


def test_package_level_export():
    # the lazy export and the module of the same name both call state_evolution
    q = fastq.Quantizer.from_bits(2, 1.0, edge_width=0.1)
    for _ in range(2):
        r = fastq.state_evolution(q, 1.5, 0.1, 0.1)
        assert isinstance(r, SEResult)
        assert math.isfinite(r.eg_final)
    assert r.eg_final == state_evolution(q, 1.5, 0.1, 0.1).eg_final
