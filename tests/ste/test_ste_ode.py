"""The small-learning-rate limit of STE training (fastq.ste.ode): the deterministic ODE.

References and tolerances:
* closed form (zero start, b = 2, Gaussian teacher): a weight leaves the zero bin at
  s = omega / (2 |w0|) and then contributes |w0| (omega - |w0|) (|w0| < omega) or (|w0| - omega)^2;
  Eg(s) by SciPy quad.  Tolerance 1e-4: the midpoint rule misplaces the crossing teacher by at
  most half a node spacing (20 sqrt(rho) / 200000 / 2 = 5e-5), times pdf x jump (< 0.4 x 0.8) on
  each side: < 3.2e-5 worst case.
* the stationary state (closed form, any eta) at eta = 1e-3 against the ODE's s -> infinity
  limit: the corrections are O(eta) (measured 3e-8 at eta = 1e-3), tolerance 1e-4 for the node
  error as above.
* the finite-N simulation (N = 1000) against the ODE of the *same instance* (its own teachers,
  so no teacher-sampling noise), at eta = 0.1 and 0.05 and s = eta tau <= 2: the bias is first
  order in eta (measured max |D| = 0.041, 0.022, 0.013 at eta = 0.1, 0.05, 0.025), so the
  Richardson value 2 D(eta/2) - D(eta) must vanish within 5 standard errors at every record
  (12 runs: a t-distribution with 11 dof; 5 s.e. keeps the false-alarm rate over 21 records
  below 1e-2), and max |D| must halve (ratio in [0.35, 0.7]).
"""
import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.stats import norm

import fastq
from fastq import Quantizer, input_moments, ste_ode, ste_simulate, ste_stationary
from fastq.synthetic import spawn_seeds


def _closed_form_b2(s, omega, sigma):
    def g(w):
        a = abs(w)
        return a * (omega - a) if a < omega else (a - omega) ** 2

    if s == 0:
        return 0.5 * (1 + sigma**2)
    c = omega / (2 * s)
    pts = [c, omega] if c < omega else [c]
    lost = 2 * quad(lambda w: (w * w - g(w)) * norm.pdf(w), c, 12, points=pts, limit=200)[0]
    return 0.5 * (1 + sigma**2 - lost)


@pytest.mark.parametrize("omega", [1.0, 3.0])
def test_ode_against_closed_form(omega):
    r = ste_ode(Quantizer.uniform(2, omega), 0.3, s_max=6.0, ds=0.25)
    ref = np.array([_closed_form_b2(s, omega, 0.3) for s in r.tau])
    assert np.abs(r.eg - ref).max() < 1e-4
    assert r.method == "ode" and np.allclose(r.bin_fraction.sum(axis=1), 1.0, atol=1e-12)
    end = 0.5 * (0.09 + 2 * quad(lambda w: (w * (omega - w) if w < omega else (w - omega) ** 2) * norm.pdf(w),
                                 0, 12, points=[omega])[0])
    assert r.info["eg_end"] == pytest.approx(end, abs=1e-4)


@pytest.mark.parametrize("q,psi,tv,s0", [
    (Quantizer.uniform(2, 1.5), None, None, 0.0),
    (Quantizer.uniform(6, 2.0), None, None, 0.5),
    (Quantizer.log(6, 2.0), None, None, 0.0),
    (Quantizer.uniform(2, 2.0), Quantizer.uniform(2, 2.0), 1.0, 1.0),  # the seed's setting
])
def test_ode_end_is_the_small_eta_stationary_state(q, psi, tv, s0):
    r = ste_ode(q, 0.1, s_max=1.0, ds=0.5, input_quantizer=psi, teacher_value=tv, init_std=s0)
    st = [ste_stationary(q, eta, 0.1, input_quantizer=psi, teacher_value=tv).eg for eta in (1e-2, 1e-3)]
    assert st[1] == pytest.approx(r.info["eg_end"], abs=1e-4)
    assert abs(st[1] - r.info["eg_end"]) <= abs(st[0] - r.info["eg_end"]) + 1e-6
    c1, c2 = input_moments(psi)
    assert r.eg[0] == pytest.approx(0.5 * ((1.0 if tv is None else tv**2) + 0.01 - 2 * c1 * r.m[0] + c2 * r.q[0]),
                                    rel=1e-12)


def test_constant_teacher_zero_start_is_a_step():
    """w* = 1, b = 2, omega = 3: every weight moves at speed 1 and leaves the zero bin at s = 1.5."""
    r = ste_ode(Quantizer.uniform(2, 3.0), 0.0, s_max=3.0, ds=0.25, teacher_value=1.0)
    assert np.all(r.eg[r.tau < 1.5] == 0.5)
    # then it slides on the threshold 1.5 with a third of its time on the level 3: E(1 - phi)^2 = 2/3 * 1 + 1/3 * 4
    assert np.allclose(r.eg[r.tau >= 1.5], 0.5 * (2 / 3 + 4 / 3), rtol=1e-12)


def test_validation():
    q = Quantizer.uniform(2, 1.5)
    with pytest.raises(fastq.FastqInputError, match="instance"):
        ste_ode(q, 0.1, instance=(np.zeros(3), np.zeros(4)))
    with pytest.raises(fastq.FastqInputError, match="edge_width"):
        ste_ode(Quantizer.uniform(2, 1.5, edge_width=0.1), 0.1)
    with pytest.raises(fastq.FastqInputError, match="sigma"):
        ste_ode(q, -1.0)


def test_cli_ode(capsys):
    import json

    from fastq.cli import main

    rc = main(["ste", "--bits", "2", "--omega", "1.5", "--lr", "0.1", "--sigma", "0.3", "--tau-max", "20",
               "--dtau", "5", "--ode", "--json"])
    assert rc == 0
    d = json.loads(capsys.readouterr().out)
    r = ste_ode(Quantizer.uniform(2, 1.5), 0.3, s_max=2.0, ds=0.5)
    np.testing.assert_allclose(d["s_ode"], np.asarray(d["tau"]) * 0.1, rtol=1e-12)
    np.testing.assert_allclose(d["eg_ode"], r.eg, rtol=1e-12)
    assert d["eg_ode_end"] == pytest.approx(r.info["eg_end"], rel=1e-12)


def _instance_gap(q, sigma, eta, n, runs, seed, s_max, ds, odes):
    sim = ste_simulate(q, eta, sigma, n=n, runs=runs, seed=seed, tau_max=s_max / eta, dtau=ds / eta)
    d = sim.eg_runs - odes
    return d.mean(axis=0), d.std(axis=0, ddof=1) / math.sqrt(runs)


def test_small_eta_simulation_converges_to_the_ode():
    q, sigma, n, runs, seed, s_max, ds = Quantizer.uniform(2, 1.5), 0.3, 1000, 12, 5, 2.0, 0.1
    odes = []
    for ss in spawn_seeds(seed, runs):  # run k: child k; its child 0 draws the teacher (ste_simulate)
        w0 = np.random.default_rng(spawn_seeds(ss, 3)[0]).standard_normal(n)
        odes.append(ste_ode(q, sigma, s_max=s_max, ds=ds, instance=(w0, np.zeros(n))).eg)
    odes = np.array(odes)
    d1, se1 = _instance_gap(q, sigma, 0.1, n, runs, seed, s_max, ds, odes)
    d2, se2 = _instance_gap(q, sigma, 0.05, n, runs, seed, s_max, ds, odes)
    assert np.all(np.abs(2 * d2 - d1) <= 5 * np.sqrt(4 * se2**2 + se1**2) + 1e-12)
    ratio = np.abs(d2).max() / np.abs(d1).max()
    assert 0.35 <= ratio <= 0.7, ratio
