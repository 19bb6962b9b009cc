"""Tests of fastq.ste / fastq.fokker_planck (online STE training, THEORY section 9).

Tolerances and why:
* closed-form bin masses vs scipy quad of exp(-U/T): rtol 1e-8 (both are exact up to quad error);
* fine quantizer: the stationary deviation from sigma^2/(2 - eta) equals Delta^2/(12 (2 - eta))
  (uniform rounding noise of step Delta added to the OU fluctuation) within 3 %;
* PDE mass error < 1e-10 and masses >= 0 for any time step;
* PDE vs particles (2e5 stratified particles): 1 % of Eg at every recorded tau (particle noise
  ~0.3 %, Euler-Maruyama and backward-Euler bias ~0.3 % each);
* PDE vs finite-N simulation (N = 2000, averaged over runs): |diff| <= 4 s.e. + 1.5 % of Eg at every
  recorded tau (the 1.5 % covers O(1/N) finite-size effects and the PDE time discretization);
* stationary vs long-time PDE: 2e-3 relative in Eg, 5e-4 absolute in the bin fractions.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import integrate

from fastq import FastqInputError
from fastq.cli import main
from fastq.quantizers import Quantizer
from fastq.ste import ste_mean_field, ste_simulate, ste_stationary
from fastq.ste._stationary_kernels import _bin_probs
from fastq.ste.simulation import _one_run
from fastq.ste.stationary import _tail
from fastq.synthetic import spawn_seeds


# ----------------------------------------------------------------------------- stationary
def _naive_bin_probs(q, w0, temp):
    """Bin masses of exp(-U(w)/temp) by direct numerical integration (U by quad of phi - w0)."""
    th = q.thresholds

    def u(w):
        pts = [t for t in th if min(0, w) < t < max(0, w)]
        val, _ = integrate.quad(lambda v: q(v) - w0, 0.0, w, points=pts or None, limit=200,
                                epsabs=1e-13, epsrel=1e-13)
        return val

    # shift by the minimum of U over the thresholds to keep exp() in range
    shift = min(u(t) for t in th)
    edges = [-np.inf, *th, np.inf]
    masses = []
    for a, b in zip(edges[:-1], edges[1:]):
        if np.isinf(a):  # U linear beyond the outer threshold: integrate in the distance from b
            ub, s = u(b), q.levels[0] - w0
            f = lambda x: math.exp(-(ub - s * x - shift) / temp)  # noqa: E731
            val, _ = integrate.quad(f, 0.0, np.inf, epsabs=0, epsrel=1e-12)
        elif np.isinf(b):
            ua, s = u(a), q.levels[-1] - w0
            f = lambda x: math.exp(-(ua + s * x - shift) / temp)  # noqa: E731
            val, _ = integrate.quad(f, 0.0, np.inf, epsabs=0, epsrel=1e-12)
        else:
            val, _ = integrate.quad(lambda w: math.exp(-(u(w) - shift) / temp), a, b,
                                    epsabs=0, epsrel=1e-12)
        masses.append(val)
    masses = np.array(masses)
    return masses / masses.sum()


@pytest.mark.parametrize("q", [Quantizer.uniform(2, 1.5), Quantizer.uniform(3, 2.0),
                               Quantizer.log(6, 3.0), Quantizer.log(5, 2.0)], ids=repr)
@pytest.mark.parametrize("w0, temp", [(0.3, 0.1), (-1.2, 0.05), (0.0, 0.4), (1.0, 0.02)])
def test_bin_masses_closed_form_vs_quad(q, w0, temp):
    if abs(w0) >= q.omega:
        pytest.skip("not normalizable")
    got = np.empty(q.n_p + 1)
    _bin_probs(w0, temp, np.ascontiguousarray(q.levels), np.ascontiguousarray(q.thresholds), got)
    ref = _naive_bin_probs(q, w0, temp)
    np.testing.assert_allclose(got, ref, rtol=1e-8, atol=1e-14)


def test_bin_masses_extreme_temperature_finite():
    q = Quantizer.log(14, 4.0)
    out = np.empty(15)
    for temp in (1e-6, 1e6):
        _bin_probs(0.7, temp, np.ascontiguousarray(q.levels), np.ascontiguousarray(q.thresholds), out)
        assert np.all(np.isfinite(out)) and np.all(out >= 0) and abs(out.sum() - 1) < 1e-12


def test_tail_closed_form_vs_quad():
    for omega, rho in [(1.0, 1.0), (2.5, 0.7), (0.3, 2.0)]:
        tail, esc = _tail(omega, rho)
        dens = lambda w: math.exp(-0.5 * w * w / rho) / math.sqrt(2 * math.pi * rho)  # noqa: E731
        ref = 2 * integrate.quad(lambda w: (w - omega) ** 2 * dens(w), omega, np.inf, epsrel=1e-12)[0]
        ref_p = 2 * integrate.quad(dens, omega, np.inf, epsrel=1e-12)[0]
        assert tail == pytest.approx(ref, rel=1e-10)
        assert esc == pytest.approx(ref_p, rel=1e-10)


@pytest.mark.parametrize("eta", [0.5, 1.0, 1.5])
def test_fine_quantizer_tends_to_unquantized(eta):
    sigma = 0.5
    devs = []
    for n_p in (50, 100, 200):
        q = Quantizer.uniform(n_p, 6.0)
        st = ste_stationary(q, eta, sigma)
        delta = 2 * q.omega / n_p
        assert st.converged and len(st.roots) == 1
        assert st.eg_unquantized == pytest.approx(sigma ** 2 / (2 - eta), rel=1e-15)
        # rounding noise Delta^2/12 on top of the OU fluctuation eta*Eg
        assert st.deviation == pytest.approx(delta ** 2 / (12 * (2 - eta)), rel=0.03)
        devs.append(st.deviation)
    assert devs[0] > devs[1] > devs[2] > 0
    assert devs[-1] / st.eg_unquantized < 2.5e-3


def test_stationary_bin_fraction_and_escape():
    q = Quantizer.uniform(2, 1.0)
    st = ste_stationary(q, 0.5, 0.2)
    assert st.bin_fraction.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(st.bin_fraction, st.bin_fraction[::-1], atol=1e-14)
    assert st.escaped_fraction == pytest.approx(math.erfc(1 / math.sqrt(2)), rel=1e-12)
    # every escaped weight sits on an end level
    assert st.bin_fraction[0] > 0.5 * st.escaped_fraction


# ----------------------------------------------------------------------------- PDE numerics
@pytest.mark.parametrize("dt", [0.01, 0.5])
def test_pde_mass_conservation_and_positivity(dt):
    q = Quantizer.log(6, 2.0)
    r = ste_mean_field(q, 0.8, 0.2, tau_max=5.0, dtau=0.5, dt=dt)
    assert r.info["max_mass_error"] < 1e-10
    assert r.info["min_mass"] >= 0.0
    assert r.info["domain_ok"]
    np.testing.assert_allclose(r.bin_fraction.sum(axis=1), 1.0, atol=1e-10)
    assert np.all(np.isfinite(r.eg))


def test_pde_time_step_first_order():
    """Backward Euler: halving dt halves the error (difference ratio ~ 2)."""
    q = Quantizer.uniform(2, 1.5)
    e = [ste_mean_field(q, 0.5, 0.3, tau_max=3.0, dtau=0.5, dt=dt).eg for dt in (0.04, 0.02, 0.01)]
    d1 = np.max(np.abs(e[0] - e[1]))
    d2 = np.max(np.abs(e[1] - e[2]))
    assert 1.6 < d1 / d2 < 2.4
    # first order: the error at dt is about the dt vs dt/2 difference (measured 0.46 % at dt=0.02)
    assert d2 / e[2].min() < 6e-3


def test_pde_vs_particles_whole_trajectory():
    q = Quantizer.uniform(2, 1.5)
    pde = ste_mean_field(q, 0.5, 0.3, tau_max=8.0, dtau=0.5, dt=0.005, h=0.01)
    par = ste_mean_field(q, 0.5, 0.3, tau_max=8.0, dtau=0.5, method="particles", particles=200_000,
                         dt=0.01, seed=11)
    np.testing.assert_allclose(par.eg, pde.eg, rtol=0.01)
    np.testing.assert_allclose(par.bin_fraction, pde.bin_fraction, atol=0.01)


def test_stationary_matches_long_time_pde():
    q = Quantizer.uniform(6, 3.0)
    st = ste_stationary(q, 0.5, 0.3)
    pde = ste_mean_field(q, 0.5, 0.3, tau_max=60.0, dtau=10.0, dt=0.02, h=0.02)
    assert pde.eg[-1] == pytest.approx(st.eg, rel=2e-3)
    np.testing.assert_allclose(pde.bin_fraction[-1], st.bin_fraction, atol=5e-4)
    # and it has settled: the last two records agree to 1e-4
    assert abs(pde.eg[-1] - pde.eg[-2]) < 1e-4 * st.eg


# ----------------------------------------------------------------------------- simulation
def _naive_run(seed_seq, q, n, eta, sigma, rho, n_steps):
    """Dense reference of one STE run, drawing the random numbers in the kernel's order."""
    t_ss, k_ss = spawn_seeds(seed_seq, 2)
    w0 = np.random.default_rng(t_ss).standard_normal(n) * math.sqrt(rho)
    rng = np.random.default_rng(k_ss)
    w = np.zeros(n)
    x = np.array([rng.standard_normal() for _ in range(n)]) / math.sqrt(n)
    egs = [0.5 * (np.mean((w0 - q(w)) ** 2) + sigma ** 2)]
    for _ in range(n_steps):
        y = x @ w0 + sigma * rng.standard_normal()
        w = w + eta * (y - q(w) @ x) * x
        x = np.array([rng.standard_normal() for _ in range(n)]) / math.sqrt(n)
        egs.append(0.5 * (np.mean((w0 - q(w)) ** 2) + sigma ** 2))
    return np.array(egs), q(w), w0


def test_simulation_kernel_matches_dense_reference():
    q = Quantizer.log(6, 1.5)
    ss = spawn_seeds(5, 1)[0]
    n, n_steps = 40, 300
    ref, phi_ref, w0 = _naive_run(ss, q, n, 0.7, 0.3, 1.0, n_steps)
    eg, m, qq, bins = _one_run(ss, n=n, levels=np.ascontiguousarray(q.levels),
                               thresholds=np.ascontiguousarray(q.thresholds), eta=0.7, sigma=0.3,
                               rho=1.0, n_steps=n_steps, record_every=1, n_rec=n_steps + 1)
    np.testing.assert_allclose(eg, ref, rtol=1e-10)
    assert m[-1] == pytest.approx(phi_ref @ w0 / n, rel=1e-10)
    assert qq[-1] == pytest.approx(phi_ref @ phi_ref / n, rel=1e-10)
    counts = np.array([(phi_ref == lv).sum() for lv in q.levels]) / n
    np.testing.assert_allclose(bins[-1], counts, atol=1e-15)


def test_simulation_independent_of_workers():
    q = Quantizer.uniform(2, 1.0)
    kw = dict(n=300, runs=4, seed=9, tau_max=2.0, dtau=0.5)
    a = ste_simulate(q, 0.5, 0.2, n_jobs=1, **kw)
    b = ste_simulate(q, 0.5, 0.2, n_jobs=2, backend="threading", **kw)
    np.testing.assert_array_equal(a.eg_runs, b.eg_runs)
    assert a.eg_se.shape == a.eg.shape and np.all(a.eg_se > 0)
    assert a.bin_fraction.shape == (5, 3)


def test_simulation_matches_mean_field_n2000():
    q = Quantizer.uniform(2, 1.5)
    eta, sigma = 0.5, 0.3
    sim = ste_simulate(q, eta, sigma, n=2000, runs=12, seed=2024, tau_max=6.0, dtau=0.5, n_jobs=2)
    pde = ste_mean_field(q, eta, sigma, tau_max=6.0, dtau=0.5, dt=0.005, h=0.01)
    np.testing.assert_allclose(sim.tau, pde.tau)
    diff = np.abs(sim.eg - pde.eg)
    assert np.all(diff <= 4 * sim.eg_se + 0.015 * pde.eg), (sim.eg, sim.eg_se, pde.eg)
    assert np.all(np.abs(sim.bin_fraction - pde.bin_fraction) <= 4 * sim.bin_fraction_se + 0.01)


@pytest.mark.slow
@pytest.mark.parametrize("q, eta, sigma", [(Quantizer.uniform(2, 3.0), 0.5, 0.3),
                                           (Quantizer.log(6, 2.0), 1.0, 0.1)], ids=["u2w3", "log6w2"])
def test_simulation_matches_mean_field_slow(q, eta, sigma):
    sim = ste_simulate(q, eta, sigma, n=4000, runs=16, seed=7, tau_max=15.0, dtau=1.0, n_jobs=2)
    pde = ste_mean_field(q, eta, sigma, tau_max=15.0, dtau=1.0, dt=0.005, h=0.01)
    diff = np.abs(sim.eg - pde.eg)
    assert np.all(diff <= 4 * sim.eg_se + 0.015 * pde.eg), (sim.eg, sim.eg_se, pde.eg)


# ----------------------------------------------------------------------------- validation, CLI
@pytest.mark.parametrize("kw, name", [({"eta": 2.0}, "eta"), ({"eta": 0.0}, "eta"),
                                      ({"sigma": -1.0}, "sigma"), ({"rho": 0.0}, "rho")])
def test_bad_input(kw, name):
    args = {"eta": 0.5, "sigma": 0.1, "rho": 1.0}
    args.update(kw)
    q = Quantizer.uniform(2, 1.0)
    for fn in (ste_stationary, ste_mean_field):
        with pytest.raises(FastqInputError, match=name):
            fn(q, args["eta"], args["sigma"], args["rho"])
    with pytest.raises(FastqInputError, match=name):
        ste_simulate(q, args["eta"], args["sigma"], args["rho"], n=10, runs=1, seed=0)


def test_bad_input_other():
    q = Quantizer.uniform(2, 1.0)
    with pytest.raises(FastqInputError, match="edge_width"):
        ste_stationary(q.with_edge_width(0.1), 0.5, 0.1)
    with pytest.raises(FastqInputError, match="dtau"):
        ste_mean_field(q, 0.5, 0.1, tau_max=1.0, dtau=2.0)
    with pytest.raises(FastqInputError, match="method"):
        ste_mean_field(q, 0.5, 0.1, method="euler")
    with pytest.raises(FastqInputError, match="seed"):
        ste_mean_field(q, 0.5, 0.1, method="particles")
    with pytest.raises(FastqInputError, match="runs"):
        ste_simulate(q, 0.5, 0.1, n=10, runs=0, seed=0)


def test_cli_json(capsys):
    rc = main(["ste", "--bits", "2", "--omega", "1.5", "--lr", "0.5", "--sigma", "0.3",
               "--tau-max", "2", "--dtau", "0.5", "--n", "300", "--runs", "3", "--seed", "4", "--json"])
    assert rc == 0
    d = json.loads(capsys.readouterr().out)
    st = ste_stationary(Quantizer.uniform(2, 1.5), 0.5, 0.3)
    assert d["eg_stationary"] == pytest.approx(st.eg, rel=1e-12)
    assert d["eg_unquantized"] == pytest.approx(0.09 / 1.5)
    assert len(d["tau"]) == len(d["eg_mean_field"]) == 5
    assert len(d["eg_sim"]) == len(d["eg_sim_se"]) == 5
    assert d["eg_mean_field"][0] == pytest.approx(0.5 * (1 + 0.09))


def test_cli_errors(capsys):
    assert main(["ste", "--bits", "2", "--omega", "1.5", "--lr", "2", "--sigma", "0.3"]) == 2
    assert "lr must be in (0, 2)" in capsys.readouterr().err
    # the old spelling --eta stays as a hidden alias of --lr
    assert main(["ste", "--bits", "2", "--omega", "1.5", "--eta", "2", "--sigma", "0.3"]) == 2
    assert "lr must be in (0, 2)" in capsys.readouterr().err
    assert main(["ste", "--n-p", "2", "--omega", "1.5", "--lr", "0.5", "--sigma", "0.3",
                 "--n", "10", "--runs", "0"]) == 2
    assert "runs" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["ste", "--bits", "2", "--omega", "1.5", "--lr", "0.5", "--sigma", "0.3",
              "--edge-width", "0.1"])
    assert e.value.code == 2


@pytest.mark.parametrize("rho", [1.0, 1e-3, 1e-6, 1e-12])
def test_stationary_bin_masses_sum_to_one_for_narrow_teachers(rho):
    """A teacher law much narrower than the bins must still be integrated exactly: the quadrature
    splits on the teacher's scale (it once gave masses summing to 0.27 at rho = 1e-6, 0 below)."""
    import fastq

    st = fastq.ste_stationary(fastq.Quantizer.uniform(2, 2.0), 0.5, 0.1, rho)
    assert st.converged
    assert abs(st.bin_fraction.sum() - 1.0) < 1e-9
    # the narrow teacher sits in the middle bin, so nearly every weight does too
    if rho <= 1e-6:
        assert st.bin_fraction[1] > 0.99
