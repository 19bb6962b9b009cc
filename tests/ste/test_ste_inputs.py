"""Tests of the generalized STE model (THEORY 9b): quantized inputs, Gaussian start, constant teacher.

References and tolerances:
* c1 = E[x psi(x)], c2 = E[psi(x)^2] against scipy quad per bin: rtol 1e-11;
* the simulation kernel against a dense NumPy reference drawing the same random numbers: 1e-10;
* fine weight quantizer: stationary Eg against the closed form
  (sigma^2 + rho (1 - c1^2/c2) + c2 Delta^2/12) / (2 - eta c2) (rounding noise of step Delta on top of
  the float-weight OU fixed point), 3 % of the quantization excess (the same tolerance as section 9's
  test: the excess is only approximately uniform rounding noise);
* constant teacher: stationary Eg against a brentq solve whose right-hand side integrates
  exp(-U/T) with scipy quad: rtol 1e-9;
* stationary closed form vs PDE at tau = 300 (seed setting, h = 0.0025; the cell-mass error is
  O((h slope / (eta Eg))^2), measured 3.4e-5): 1e-3 relative;
* PDE vs 2e5 particles: 1 % of Eg (particle noise ~0.3 %, the time discretizations ~0.3 % each);
* simulation (N = 2000, 8 runs) vs PDE: |diff| <= 4 s.e. + 1 % of Eg at every recorded tau (the
  issue's criterion; measured at most 0.43 of that bound); Kolmogorov-Smirnov distance between the
  simulated latent weights and the PDE law <= 1.63/sqrt(n) (the 99 % quantile of the KS statistic
  of n independent draws; the runs' weights are independent given the teacher up to O(1/N)).
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import integrate, optimize
from scipy.special import ndtr

from fastq import FastqInputError
from fastq.cli import main
from fastq.quantizers import Quantizer
from fastq.ste import eg_drop, input_moments, ste_mean_field, ste_simulate, ste_stationary
from fastq.ste.analysis import ks_distance, pde_cdf
from fastq.ste.model import _model
from fastq.ste.simulation import _one_run
from fastq.synthetic import spawn_seeds

from .test_ste import _naive_bin_probs

PSI = Quantizer.uniform(2, 2.0)


def _quad_moments(q):
    dens = lambda x: math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)  # noqa: E731
    edges = [-12.0, *q.thresholds, 12.0]  # Gaussian mass beyond 12 is 3.6e-33
    c1 = c2 = 0.0
    for k, lv in enumerate(q.levels):
        a, b = edges[k], edges[k + 1]
        c1 += lv * integrate.quad(lambda x: x * dens(x), a, b, epsabs=1e-14, epsrel=1e-12, limit=200)[0]
        c2 += lv * lv * integrate.quad(dens, a, b, epsabs=1e-14, epsrel=1e-12, limit=200)[0]
    return c1, c2


@pytest.mark.parametrize("q", [Quantizer.uniform(2, 2.0), Quantizer.uniform(1, 1.0), Quantizer.uniform(6, 0.7),
                               Quantizer.log(6, 3.0), Quantizer.log(5, 2.0), Quantizer.uniform(254, 4.0)],
                         ids=repr)
def test_input_moments_vs_quad(q):
    c1, c2 = input_moments(q)
    r1, r2 = _quad_moments(q)
    assert c1 == pytest.approx(r1, rel=1e-11)
    assert c2 == pytest.approx(r2, rel=1e-11)
    assert c1 * c1 <= c2 * (1 + 1e-15)  # Cauchy-Schwarz


def test_input_moments_identity_and_fine_limit():
    assert input_moments(None) == (1.0, 1.0)
    # a fine wide quantizer: c1 -> 1, c2 -> 1 + Delta^2/12 (uniform rounding noise)
    q = Quantizer.uniform(1000, 8.0)
    c1, c2 = input_moments(q)
    d = 2 * q.omega / q.n_p
    assert c1 == pytest.approx(1.0, abs=1e-9)
    assert c2 == pytest.approx(1.0 + d * d / 12, rel=1e-6)
    # sign quantizer levels +-omega: c1 = omega sqrt(2/pi), c2 = omega^2
    c1, c2 = input_moments(Quantizer.uniform(1, 1.5))
    assert c1 == pytest.approx(1.5 * math.sqrt(2 / math.pi), rel=1e-14)
    assert c2 == pytest.approx(2.25, rel=1e-14)


# ----------------------------------------------------------------------------- simulation kernel
def _naive_run(seed_seq, q, psi, n, eta, sigma, c, s0, n_steps):
    """Dense reference with quantized inputs, drawing the random numbers in the kernel's order."""
    _, k_ss, i_ss = spawn_seeds(seed_seq, 3)
    w0 = np.full(n, c)
    w = np.random.default_rng(i_ss).standard_normal(n) * s0
    rng = np.random.default_rng(k_ss)
    c1, c2 = input_moments(psi)

    def eg(w):
        ph = q(w)
        return 0.5 * (np.mean(w0 ** 2 - 2 * c1 * w0 * ph + c2 * ph ** 2) + sigma ** 2)

    z = np.array([rng.standard_normal() for _ in range(n)])
    egs = [eg(w)]
    for _ in range(n_steps):
        y = z @ w0 / math.sqrt(n) + sigma * rng.standard_normal()
        yhat = q(w) @ psi(z) / math.sqrt(n)
        w = w + eta / math.sqrt(n) * (y - yhat) * psi(z)
        z = np.array([rng.standard_normal() for _ in range(n)])
        egs.append(eg(w))
    return np.array(egs), w


def test_simulation_kernel_quantized_inputs_matches_dense_reference():
    q = Quantizer.log(6, 1.5)
    psi = Quantizer.uniform(6, 2.5)
    ss = spawn_seeds(8, 1)[0]
    n, n_steps = 40, 200
    ref, w_ref = _naive_run(ss, q, psi, n, 0.7, 0.3, 0.8, 0.6, n_steps)
    model = _model(psi, 0.6, 0.8, 1.0)
    eg, m, qq, bins, snaps = _one_run(ss, n=n, levels=np.ascontiguousarray(q.levels),
                                      thresholds=np.ascontiguousarray(q.thresholds), eta=0.7, sigma=0.3,
                                      rho=1.0, n_steps=n_steps, record_every=1, n_rec=n_steps + 1,
                                      model=model, snap_steps=np.array([0, n_steps]))
    np.testing.assert_allclose(eg, ref, rtol=1e-10)
    np.testing.assert_allclose(snaps[-1], w_ref, rtol=1e-10, atol=1e-12)


def test_simulation_new_options_independent_of_workers():
    kw = dict(n=300, runs=3, seed=9, tau_max=2.0, dtau=0.5, input_quantizer=PSI, init_std=1.0,
              teacher_value=1.0, snapshots=(0.5, 2.0))
    a = ste_simulate(PSI, 0.5, 0.2, n_jobs=1, **kw)
    b = ste_simulate(PSI, 0.5, 0.2, n_jobs=2, backend="threading", **kw)
    np.testing.assert_array_equal(a.eg_runs, b.eg_runs)
    np.testing.assert_array_equal(a.snapshots, b.snapshots)
    assert a.snapshots.shape == (3, 2, 300)
    np.testing.assert_allclose(a.snapshot_tau, [0.5, 2.0])


# ----------------------------------------------------------------------------- closed forms
@pytest.mark.parametrize("eta", [0.3, 1.0])
def test_fine_weights_tend_to_float_weight_fixed_point(eta):
    sigma = 0.5
    c1, c2 = input_moments(PSI)
    for n_p in (60, 120):
        q = Quantizer.uniform(n_p, 6.0)
        st = ste_stationary(q, eta, sigma, input_quantizer=PSI)
        d = 2 * q.omega / n_p
        ref_float = (sigma ** 2 + 1.0 - c1 * c1 / c2) / (2 - eta * c2)
        assert st.eg_float_weights == pytest.approx(ref_float, rel=1e-14)
        excess = c2 * d * d / (12 * (2 - eta * c2))
        assert st.eg - ref_float == pytest.approx(excess, rel=0.03)
        assert (st.c1, st.c2) == (c1, c2)


def test_identity_inputs_float_weights_is_unquantized():
    st = ste_stationary(Quantizer.uniform(2, 2.0), 0.5, 0.3)
    assert st.eg_float_weights == pytest.approx(st.eg_unquantized, rel=1e-15)
    assert (st.c1, st.c2) == (1.0, 1.0)


@pytest.mark.parametrize("q, psi, c", [(Quantizer.uniform(2, 2.0), PSI, 1.0),
                                       (Quantizer.log(6, 1.5), Quantizer.uniform(6, 1.0), -0.6),
                                       (Quantizer.uniform(3, 1.0), None, 0.4)], ids=["seed", "log", "id"])
def test_constant_teacher_stationary_vs_quad(q, psi, c):
    eta, sigma = 0.3, 0.2
    c1, c2 = input_moments(psi)

    def rhs(eg):
        p = _naive_bin_probs(q, c1 / c2 * c, eta * eg)
        lv = q.levels
        return 0.5 * (np.sum(p * (c * c - 2 * c1 * c * lv + c2 * lv * lv)) + sigma ** 2)

    ref = optimize.brentq(lambda e: e - rhs(e), 0.5 * sigma ** 2, 10.0, xtol=1e-14)
    st = ste_stationary(q, eta, sigma, input_quantizer=psi, teacher_value=c)
    assert st.converged and st.eg == pytest.approx(ref, rel=1e-9)
    assert st.bin_fraction.sum() == pytest.approx(1.0, abs=1e-12)


def test_constant_teacher_out_of_range_escapes():
    q = Quantizer.uniform(2, 1.0)
    c1, c2 = input_moments(PSI)
    st = ste_stationary(q, 0.5, 0.1, input_quantizer=PSI, teacher_value=2.0)  # c1/c2 * 2 = 1.53 > 1
    assert st.escaped_fraction == 1.0 and st.bin_fraction[-1] == 1.0
    assert st.eg == pytest.approx(0.5 * (4 - 2 * c1 * 2 + c2 + 0.01), rel=1e-14)


def test_pde_initial_eg_gaussian_start_closed_form():
    q = Quantizer.uniform(2, 2.0)
    c1, c2 = input_moments(PSI)
    r = ste_mean_field(q, 0.05, 0.1, tau_max=1.0, dtau=1.0, input_quantizer=PSI, init_std=1.0, teacher_value=1.0)
    p_out = 2 * ndtr(-1.0)  # P(|w| > 1): phi = +-2, symmetric so E[phi] = 0
    assert r.eg[0] == pytest.approx(0.5 * (1.0 + c2 * 4 * p_out + 0.01), rel=1e-12)
    assert r.info["max_mass_error"] < 1e-10 and r.info["domain_ok"]


# ----------------------------------------------------------------------------- mean field
def test_stationary_vs_long_pde_seed_setting():
    q = Quantizer.uniform(2, 2.0)
    kw = dict(input_quantizer=PSI, teacher_value=1.0)
    st = ste_stationary(q, 0.05, 0.1, **kw)
    pde = ste_mean_field(q, 0.05, 0.1, tau_max=300.0, dtau=50.0, dt=0.05, h=0.0025, init_std=1.0, **kw)
    assert abs(pde.eg[-1] - pde.eg[-2]) < 1e-6  # settled
    assert pde.eg[-1] == pytest.approx(st.eg, rel=1e-3)
    np.testing.assert_allclose(pde.bin_fraction[-1], st.bin_fraction, atol=1e-3)


def test_pde_vs_particles_quantized_inputs():
    q = Quantizer.uniform(6, 1.5)
    kw = dict(input_quantizer=Quantizer.log(6, 3.0), init_std=0.5, tau_max=6.0, dtau=1.0)
    pde = ste_mean_field(q, 0.8, 0.2, dt=0.005, h=0.01, **kw)
    par = ste_mean_field(q, 0.8, 0.2, method="particles", particles=200_000, dt=0.01, seed=3, **kw)
    np.testing.assert_allclose(par.eg, pde.eg, rtol=0.01)


def _sim_vs_pde(q, psi, eta, sigma, tv, s0, tau_max, dtau, snaps, n=2000):
    kw = dict(input_quantizer=psi, init_std=s0, teacher_value=tv, snapshots=snaps, tau_max=tau_max, dtau=dtau)
    sim = ste_simulate(q, eta, sigma, n=n, runs=8, seed=13, n_jobs=2, **kw)
    pde = ste_mean_field(q, eta, sigma, dt=0.01, h=0.005, **kw)
    diff = np.abs(sim.eg - pde.eg)
    assert np.all(diff <= 4 * sim.eg_se + 0.01 * pde.eg), (sim.eg, sim.eg_se, pde.eg)
    for j in range(len(snaps)):
        f, cdf = pde_cdf(pde.info["faces"], pde.snapshots[j], pde.info["teacher_weights"], mirror=tv is None)
        samples = sim.snapshots[:, j, :]
        assert ks_distance(samples, f, cdf) <= 1.63 / math.sqrt(samples.size)


@pytest.mark.parametrize("case", ["seed_eta0.5", "gauss_zero"])
def test_simulation_vs_pde_quantized_inputs(case):
    if case == "seed_eta0.5":
        _sim_vs_pde(Quantizer.uniform(2, 2.0), PSI, 0.5, 0.1, 1.0, 1.0, 6.0, 1.0, (1.0, 6.0))
    else:
        _sim_vs_pde(Quantizer.uniform(2, 2.0), PSI, 0.5, 0.1, None, 0.0, 6.0, 1.0, (2.0, 6.0))


@pytest.mark.slow
@pytest.mark.parametrize("case", ["log_in", "const05", "narrow_in", "sign_in"])
def test_simulation_vs_pde_quantized_inputs_slow(case):
    u, lg = Quantizer.uniform, Quantizer.log
    args = {"log_in": (u(6, 1.5), lg(6, 3.0), 1.0, 0.2, None, 0.5, 10.0, 1.0, (2.0, 5.0, 10.0)),
            "const05": (lg(14, 2.0), u(6, 1.0), 0.3, 0.1, 0.5, 1.0, 20.0, 2.0, (4.0, 10.0, 20.0)),
            "narrow_in": (u(2, 3.0), u(2, 0.5), 0.5, 0.1, None, 0.0, 20.0, 2.0, (4.0, 10.0, 20.0)),
            "sign_in": (u(6, 2.0), u(1, 1.0), 0.2, 0.3, -0.7, 0.3, 20.0, 2.0, (4.0, 10.0, 20.0))}[case]
    _sim_vs_pde(*args)


@pytest.mark.slow
def test_simulation_vs_pde_seed_figure_setting():
    _sim_vs_pde(Quantizer.uniform(2, 2.0), PSI, 0.05, 0.1, 1.0, 1.0, 100.0, 5.0, (10.0, 25.0, 50.0, 100.0), n=3000)


# ----------------------------------------------------------------------------- analysis
def test_eg_drop_on_known_curves():
    tau = np.linspace(0, 10, 10001)
    d = eg_drop(tau, 1 + np.exp(-tau))  # exponential: tau_early = ln(1/0.9), tau_late = ln 10
    assert d["tau_early"] == pytest.approx(math.log(1 / 0.9), abs=1e-3)
    assert d["tau_late"] == pytest.approx(math.log(10), abs=1e-3)
    assert d["sharpness"] < 0.1 and d["overshoot"] < 1e-4
    step = 1 + 1 / (1 + np.exp(20 * (tau - 5)))  # plateau to tau = 5, then a quick fall
    d = eg_drop(tau, step)
    assert d["sharpness"] > 5 and d["tau_early"] == pytest.approx(5 - math.log(9) / 20, abs=1e-3)
    assert math.isnan(eg_drop(tau, 1 + tau)["tau_early"])


def test_ks_distance_vs_scipy():
    from scipy import stats

    x = np.random.default_rng(1).standard_normal(5000)
    faces = np.linspace(-9, 9, 20001)
    assert ks_distance(x, faces, ndtr(faces)) == pytest.approx(stats.kstest(x, "norm").statistic, abs=1e-7)


# ----------------------------------------------------------------------------- validation, CLI
def test_bad_model_inputs():
    q = Quantizer.uniform(2, 1.0)
    with pytest.raises(FastqInputError, match="input_quantizer"):
        ste_stationary(q, 0.5, 0.1, input_quantizer="b2")
    with pytest.raises(FastqInputError, match="input_quantizer.edge_width"):
        ste_stationary(q, 0.5, 0.1, input_quantizer=q.with_edge_width(0.1))
    with pytest.raises(FastqInputError, match="init_std"):
        ste_mean_field(q, 0.5, 0.1, init_std=-1.0)
    with pytest.raises(FastqInputError, match="teacher_value"):
        ste_simulate(q, 0.5, 0.1, n=10, runs=1, seed=0, teacher_value=float("nan"))
    with pytest.raises(FastqInputError, match="snapshots"):
        ste_mean_field(q, 0.5, 0.1, tau_max=1.0, dtau=0.5, snapshots=(0.3,))
    with pytest.raises(FastqInputError, match="snapshots"):
        ste_simulate(q, 0.5, 0.1, n=10, runs=1, seed=0, tau_max=1.0, dtau=0.5, snapshots=(2.0,))


def test_cli_json_quantized_inputs(capsys):
    rc = main(["ste", "--bits", "2", "--omega", "2", "--lr", "0.5", "--sigma", "0.1", "--input-bits", "2",
               "--input-omega", "2", "--init", "gaussian:1", "--teacher", "constant:1", "--tau-max", "2",
               "--dtau", "0.5", "--n", "200", "--runs", "2", "--json"])
    assert rc == 0
    d = json.loads(capsys.readouterr().out)
    c1, c2 = input_moments(PSI)
    assert (d["c1"], d["c2"]) == (c1, c2)
    st = ste_stationary(Quantizer.uniform(2, 2.0), 0.5, 0.1, input_quantizer=PSI, teacher_value=1.0)
    assert d["eg_stationary"] == pytest.approx(st.eg, rel=1e-12)
    assert d["eg_mean_field"][0] == pytest.approx(0.5 * (1 + c2 * 8 * ndtr(-1.0) + 0.01), rel=1e-12)
    assert len(d["eg_sim"]) == 5


def test_quick_seed_figures(tmp_path):
    from fastq import make_figure

    paths = make_figure("ste_density", tmp_path, quick=True)
    assert {p.suffix for p in paths} == {".npz", ".json", ".png"}
    meta = json.loads((tmp_path / "ste_density.json").read_text())
    # the KS distance of the quick run (600 weights) is within its 99 % sampling quantile
    assert max(meta["ks_distance"].values()) <= 1.63 / math.sqrt(600)
    paths = make_figure("ste_maps", tmp_path, quick=True)
    meta = json.loads((tmp_path / "ste_maps.json").read_text())
    tp = np.array(meta["plateau_times_eta_c1_over_reach_weights"], dtype=float)
    assert np.all(np.isfinite(tp)) and np.all(tp > 0)
