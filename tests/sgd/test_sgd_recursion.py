"""Exact risk recursion of quantized SGD against independent references and limits.

References and tolerances:
* full d x d matrix recursion with fourth-moment tensors built entry by entry (tests/sgd/naive_sgd.py):
  relative 1e-12 -- the same expectation computed by different algebra, so only rounding differs
  (observed ~2e-15 over 15 steps at d = 4);
* d = 1 closed form with the one-step moments from exact Gauss-Hermite quadrature: relative 1e-11
  (geometric sums of a 2 x 2 map; observed ~1e-13);
* plain SGD's exact risk (textbook recursion in the error variable) when every eps = 0: relative 1e-12;
* the mean's closed form D_t = (lam / A)(1 - (1 - gamma A)^t) for the bias: relative 1e-12;
* the fixed point w_inf against THEORY section 10's formulas: relative 1e-14;
* stationary risk (Sherman-Morrison) against a long run: absolute 1e-12 after convergence;
* spectral radius (secular equation) against numpy.linalg.eigvalsh of the dense E-block: 1e-10.
"""
import re

import numpy as np
import pytest

from fastq import FastqInputError
from fastq.sgd import make_setup, sgd_risk, sgd_stability, sgd_w_inf
from fastq.sgd.moments import recursion_coefficients
from tests.sgd.naive_sgd import d1_closed_form, matrix_recursion, plain_sgd_risk

TARGETS = ("data", "label", "param", "activation", "gradient")
LAM4 = np.arange(1, 5) ** -1.5
PI4 = np.arange(1, 5) ** -0.5


def _rel(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b)) / np.abs(np.asarray(b))))


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("kind", ["add", "mult"])
@pytest.mark.parametrize("target", TARGETS)
def test_matches_matrix_recursion_single_target(target, kind, batch):
    r = sgd_risk(spectrum=LAM4, teacher_var=PI4, batch=batch, gamma=0.2, steps=15, sigma=0.3,
                 **{target: f"{kind}:0.3"})
    risk, bias, dep = matrix_recursion(LAM4, PI4, batch, 0.2, 15, 0.3, {target: (kind, 0.3)})
    assert r.status == "converged"
    assert _rel(r.risk, risk) < 1e-12
    assert _rel(r.risk_deployed, dep) < 1e-12
    assert np.max(np.abs(r.bias - bias)) < 1e-12 * np.max(bias)


@pytest.mark.parametrize("combo", [
    dict(data="mult:0.2", label="add:0.1", param="mult:0.3", activation="mult:0.2", gradient="add:0.05"),
    dict(data="add:0.1", label="mult:0.2", param="add:0.05", activation="add:0.1", gradient="mult:0.3"),
])
def test_matches_matrix_recursion_all_targets(combo):
    r = sgd_risk(spectrum=LAM4, teacher_var=PI4, batch=2, gamma=0.15, steps=12, sigma=0.2, **combo)
    spec = {k: (v.split(":")[0], float(v.split(":")[1])) for k, v in combo.items()}
    risk, bias, dep = matrix_recursion(LAM4, PI4, 2, 0.15, 12, 0.2, spec)
    assert _rel(r.risk, risk) < 1e-12 and _rel(r.risk_deployed, dep) < 1e-12


@pytest.mark.parametrize("target,kind,batch", [
    ("data", "add", 1), ("data", "mult", 4), ("label", "mult", 1), ("param", "add", 4),
    ("param", "mult", 1), ("activation", "mult", 4), ("gradient", "add", 1), ("gradient", "mult", 4)])
def test_d1_closed_form(target, kind, batch):
    ref = d1_closed_form(0.7, 1.3, batch, 0.3, 50, 0.4, {target: (kind, 0.2)})
    r = sgd_risk(spectrum=[0.7], teacher_var=[1.3], batch=batch, gamma=0.3, steps=50, sigma=0.4,
                 **{target: f"{kind}:0.2"})
    assert _rel(r.risk, ref) < 1e-11


@pytest.mark.parametrize("batch", [1, 7])
def test_zero_eps_is_plain_sgd(batch):
    lam, pi = np.arange(1, 31) ** -2.0, np.arange(1, 31) ** -0.5
    ref = plain_sgd_risk(lam, pi, batch, 0.25, 300, 0.2)
    plain = sgd_risk(spectrum=lam, teacher_var=pi, batch=batch, gamma=0.25, steps=300, sigma=0.2)
    zeros = sgd_risk(spectrum=lam, teacher_var=pi, batch=batch, gamma=0.25, steps=300, sigma=0.2,
                     data="add:0", label="mult:0", param="add:0", activation="mult:0", gradient="add:0")
    assert _rel(plain.risk, ref) < 1e-12 and _rel(zeros.risk, ref) < 1e-12
    assert np.array_equal(plain.risk, plain.risk_deployed)


@pytest.mark.parametrize("data", [None, "add:0.05", "mult:0.05"])
def test_bias_is_risk_of_the_mean(data):
    lam = np.arange(1, 21) ** -2.0
    pi = np.arange(1, 21) ** -1.0
    g, T = 0.3, 400
    r = sgd_risk(spectrum=lam, teacher_var=pi, gamma=g, steps=T, data=data, gradient="add:0.01")
    eps = 0.0 if data is None else float(data.split(":")[1])
    A = lam + eps if (data or "").startswith("add") else lam * (1 + eps)
    t = r.steps[:, None]
    D = lam / A * (1 - (1 - g * A) ** t)        # E[w_t | w*] = D_t w*, closed form
    bias = 0.5 * np.sum(lam * pi * (D - 1) ** 2, axis=1)
    assert _rel(r.bias, bias) < 1e-12
    assert np.allclose(r.bias + r.variance, r.risk, rtol=1e-12, atol=0)


def test_w_inf_matches_theory():
    lam = np.arange(1, 101) ** -1.5
    w = np.random.default_rng(0).standard_normal(100)
    eps = 0.01
    assert _rel(sgd_w_inf(lam, w, data=f"add:{eps}"), lam / (lam + eps) * w) < 1e-14
    assert _rel(sgd_w_inf(lam, w, data=f"mult:{eps}"), w / (1 + eps)) < 1e-14
    assert np.array_equal(sgd_w_inf(lam, w), w)
    for t in ("label", "param", "activation", "gradient"):
        r = sgd_risk(spectrum=lam, gamma=0.1, steps=1, **{t: "add:0.1"})
        assert np.array_equal(r.w_inf_factor, np.ones(100))
    r = sgd_risk(spectrum=lam, gamma=0.1, steps=1, data=f"add:{eps}")
    assert _rel(r.w_inf_factor, lam / (lam + eps)) < 1e-14


def test_stationary_risk_and_long_run():
    lam = np.arange(1, 11) ** -1.0
    r = sgd_risk(spectrum=lam, gamma=0.3, steps=20000, sigma=0.3, data="mult:0.1", param="add:0.01",
                 activation="add:0.05", checkpoints=[20000])
    assert r.converged and r.risk_inf is not None
    assert abs(r.risk[-1] - r.risk_inf) < 1e-12
    assert abs(r.bias[-1] - r.bias_inf) < 1e-12


def test_spectral_radius_and_gamma_max():
    lam = np.arange(1, 41) ** -1.5
    kw = dict(spectrum=lam, batch=4, steps=10, sigma=0.1, data="add:0.02", activation="mult:0.1",
              gradient="mult:0.2", param="mult:0.1")
    s = make_setup(gamma=0.4, **kw)
    c = recursion_coefficients(s)
    M = np.diag(c.aE) + np.outer(c.h, c.gE)
    assert np.allclose(M, M.T, rtol=1e-13, atol=1e-16)   # the E-block is symmetric
    eig = np.linalg.eigvalsh(0.5 * (M + M.T))
    st = sgd_stability(s)
    assert abs(st.spectral_radius - eig.max()) < 1e-10 and eig.min() > -1e-12
    g = st.gamma_max
    assert (sgd_stability(gamma=0.999 * g, **kw).spectral_radius < 1
            < sgd_stability(gamma=1.001 * g, **kw).spectral_radius)
    below = sgd_risk(gamma=0.98 * g, **{**kw, "steps": 4000}, checkpoints=[2000, 4000])
    above = sgd_risk(gamma=1.02 * g, **{**kw, "steps": 4000}, checkpoints=[2000, 4000])
    assert below.status == "converged" and below.risk[1] < 1.01 * below.risk[0]
    assert above.status == "diverged" and above.risk[1] > 10 * above.risk[0]


def test_additive_data_noise_lowers_stability_with_dimension():
    g = [sgd_stability(dim=d, decay=2.0, gamma=0.1, steps=1, data="add:0.01").gamma_max for d in (50, 400, 3000)]
    assert g[0] > g[1] > g[2] and g[2] < 0.1            # gamma = 0.1 becomes unstable at large d
    m = [sgd_stability(dim=d, decay=2.0, gamma=0.1, steps=1, data="mult:0.01").gamma_max for d in (50, 3000)]
    assert abs(m[0] - m[1]) < 0.01 * m[0]


def test_divergence_is_a_status_not_nan():
    r = sgd_risk(dim=50, gamma=5.0, steps=3000)
    assert r.status == "diverged" and not r.converged and r.risk_inf is None
    assert not np.any(np.isnan(r.risk)) and not np.any(np.isnan(r.bias)) and not np.any(np.isnan(r.variance))
    assert np.isinf(r.risk[-1])


def test_checkpoints():
    kw = dict(dim=20, gamma=0.2, steps=100, data="add:0.01")
    full = sgd_risk(**kw)
    assert full.steps.size == 101
    some = sgd_risk(**kw, checkpoints=[0, 7, 100])
    assert np.array_equal(some.risk, full.risk[[0, 7, 100]])
    n = sgd_risk(**kw, checkpoints=4)
    assert list(n.steps) == [0, 25, 50, 75, 100]
    assert np.array_equal(n.risk, full.risk[n.steps])


@pytest.mark.parametrize("kw,name", [
    (dict(dim=0, gamma=0.1, steps=1), "dim"),
    (dict(dim=5, gamma=0.0, steps=1), "gamma"),
    (dict(dim=5, gamma=0.1, steps=-1), "steps"),
    (dict(dim=5, gamma=0.1, steps=1, batch=0), "batch"),
    (dict(dim=5, gamma=0.1, steps=1, sigma=-1), "sigma"),
    (dict(dim=5, gamma=0.1, steps=1, decay=-1), "decay"),
    (dict(dim=5, gamma=0.1, steps=1, data="add:-1"), "data eps"),
    (dict(dim=5, gamma=0.1, steps=1, label="foo:1"), "label"),
    (dict(dim=5, gamma=0.1, steps=1, gradient="int:4"), "gradient"),
    (dict(spectrum=[1.0, 0.0], gamma=0.1, steps=1), "spectrum"),
    (dict(spectrum=[1.0, 0.5], teacher_var=[1.0], gamma=0.1, steps=1), "teacher_var"),
    (dict(dim=10 ** 6, gamma=0.1, steps=10 ** 6), "dim * steps"),
    (dict(dim=5, gamma=0.1, steps=10, checkpoints=[5, 3]), "checkpoints"),
    (dict(dim=5, gamma=0.1, steps=10, checkpoints=[11]), "checkpoints"),
])
def test_bad_input_names_the_parameter(kw, name):
    with pytest.raises(FastqInputError, match=re.escape(name)) as exc:
        sgd_risk(**kw)
    assert "\n" not in str(exc.value)


def test_recursion_speed_goal_shape():
    """d = 1000, T = 1e5 in one call (the benchmark times it); here only that it runs and is finite."""
    r = sgd_risk(dim=1000, decay=2.0, gamma=0.1, steps=100_000, sigma=0.1, data="add:1e-3",
                 gradient="mult:1e-2", checkpoints=10)
    assert r.converged and np.all(np.isfinite(r.risk))
