"""Finite training set with a fixed lift: kernels against the slow NumPy reference (which draws the
whole lift once and reuses it at every visit), p = 0 is M independent copies bit for bit, M = 1
is the base run, the lift is a pure function of (sample, parameter) and a law of the kernel Q."""
from __future__ import annotations

import numpy as np
import pytest

from fastq.routing._kernels import KERNELS, shift_cdf
from fastq.routing._lift import _lift_table
from fastq.routing.finite import lift_key
from fastq.routing.single import _simulate
from fastq.routing.spec import make_routing_setup, routing_quantizer

from . import naive_routing as naive


def _levels(bits):
    q = routing_quantizer(bits, 1.0)
    return None if q is None else list(q.levels)


PERC = [
    dict(rule="clipped", bits=1, p=0.6, kernel="uniform", gamma=0.0, gamma_end=0.0, init_mode="shared", margin=0.4,
         clip=0.5),
    dict(rule="clipped", bits=2, p=1.0, kernel="ring", gamma=0.0, gamma_end=0.0, init_mode="independent"),
    dict(rule="perceptron", bits=0, p=0.5, kernel="gaussian", gamma=0.0, gamma_end=0.0, init_mode="independent"),
    dict(rule="hebb", bits=1, p=0.7, kernel="uniform", gamma=0.0, gamma_end=0.0, init_mode="shared"),
    dict(rule="clipped", bits=1, p=0.0, kernel="uniform", gamma=0.05, gamma_end=1.0, init_mode="independent"),
    dict(rule="sbpi", bits=1, p=0.5, kernel="uniform", gamma=0.0, gamma_end=0.0, init_mode="shared", margin=1.5,
         clip=0.6),
    dict(rule="sbpi", bits=2, p=0.8, kernel="gaussian", gamma=0.0, gamma_end=0.0, init_mode="independent",
         margin=0.8),
    dict(rule="sbpi", bits=3, p=0.7, kernel="ring", gamma=0.05, gamma_end=1.0, init_mode="independent",
         margin=1.2, clip=0.9),
]


@pytest.mark.parametrize("case", PERC, ids=lambda c: f"{c['rule']}-b{c['bits']}-{c['kernel']}-p{c['p']}")
@pytest.mark.parametrize("copies", [1, 3, 4])
def test_finite_perceptron_matches_reference(case, copies):
    n, alpha, epochs = 6, 2.0, 3
    s = make_routing_setup("perceptron", case["rule"], n=n, alpha=alpha, epochs=epochs, copies=copies, p=case["p"],
                           kernel=case["kernel"], bits=case["bits"], gamma=case["gamma"], gamma_end=case["gamma_end"],
                           init=0.3, init_mode=case["init_mode"], width=0.8, n_test=10,
                           margin=case.get("margin", 0.0), clip=case.get("clip", 0.0), ps=0.5)
    _, st = _simulate(s, np.random.SeedSequence(21))
    h = naive.perceptron_finite(21, n=n, alpha=alpha, epochs=epochs, copies=copies, p=case["p"], kernel=case["kernel"],
                                rule=case["rule"], levels=_levels(case["bits"]), gamma=case["gamma"],
                                gamma_end=case["gamma_end"], init=0.3, init_mode=case["init_mode"], width=0.8,
                                margin=case.get("margin", 0.0), clip=case.get("clip", 0.0), ps=0.5)
    np.testing.assert_allclose(st.h, h, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("model,bits,kernel,gamma", [("mlp", 0, "uniform", 0.0), ("committee", 1, "ring", 0.1),
                                                     ("mlp", 2, "gaussian", 0.0)])
def test_finite_network_matches_reference(model, bits, kernel, gamma):
    n, k, m, alpha, epochs = 4, 3, 3, 2.0, 2
    s = make_routing_setup(model, "ste", n=n, hidden=k, alpha=alpha, epochs=epochs, copies=m, p=0.7, kernel=kernel,
                           bits=bits, gamma=gamma, n_test=10, init_mode="independent", width=2.0)
    _, st = _simulate(s, np.random.SeedSequence(9))
    hW, hv = naive.network_finite(9, n=n, hidden=k, alpha=alpha, epochs=epochs, copies=m, p=0.7, kernel=kernel,
                                  mlp=model == "mlp", levels=_levels(bits), gamma=gamma, init_mode="independent",
                                  width=2.0)
    np.testing.assert_allclose(st.h, hW, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(st.hv, hv, rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("kernel", ["uniform", "ring", "gaussian"])
def test_lift_is_fixed_and_a_permutation(kernel):
    """Regenerated twice (as at two visits) the lift is the same table; every edge is a permutation;
    it equals the reference's integer-arithmetic table; ring only moves to ring neighbours."""
    key = lift_key(np.random.SeedSequence(3))
    m, cdf, k = 5, shift_cdf(5, 1.0), KERNELS[kernel]
    a = _lift_table(key[0], key[1], 40, 7, m, 0.6, k, cdf)
    b = _lift_table(key[0], key[1], 40, 7, m, 0.6, k, cdf)
    assert np.array_equal(a, b)
    assert np.array_equal(np.sort(a, axis=2), np.broadcast_to(np.arange(m), a.shape))
    ref = naive.lift([int(x) for x in key], 40, 7, m, 0.6, kernel, 1.0)
    assert np.array_equal(a, np.array(ref))
    moved = (a != np.arange(m)).any(axis=2).mean()
    assert 0.45 < moved < 0.75  # p = 0.6, 280 edges
    if kernel == "ring":
        assert set(np.unique((a - np.arange(m)) % m)) <= {0, 1, m - 1}


def test_lift_laws():
    """The uniform kernel gives every permutation of 3 copies equally often (chi-square), the
    Gaussian kernel's shifts follow exp(-d^2 / (2 w^2)) over the ring distance."""
    from scipy import stats

    key = lift_key(np.random.SeedSequence(12))
    t = _lift_table(key[0], key[1], 3000, 2, 3, 1.0, KERNELS["uniform"], shift_cdf(3, 1.0)).reshape(-1, 3)
    codes = t[:, 0] * 9 + t[:, 1] * 3 + t[:, 2]
    _, counts = np.unique(codes, return_counts=True)
    assert counts.size == 6 and stats.chisquare(counts).pvalue > 1e-3
    m, width = 8, 1.5
    g = _lift_table(key[0], key[1], 4000, 2, m, 1.0, KERNELS["gaussian"], shift_cdf(m, width)).reshape(-1, m)
    d = (g[:, 0] - 0) % m
    assert np.array_equal((g - np.arange(m)) % m, np.repeat(d[:, None], m, axis=1))  # one shift per edge
    dc = np.minimum(np.arange(1, m), m - np.arange(1, m))
    law = np.exp(-dc ** 2 / (2 * width ** 2))
    obs = np.bincount(d, minlength=m)[1:]
    assert stats.chisquare(obs, law / law.sum() * obs.sum()).pvalue > 1e-3


@pytest.mark.parametrize("model,rule,bits", [("perceptron", "clipped", 1), ("mlp", "ste", 0)])
@pytest.mark.parametrize("init_mode", ["shared", "independent"])
def test_finite_p0_is_independent_copies(model, rule, bits, init_mode):
    """p = 0: copy a of an M-copy run equals a one-model run fed by copy a's stream (and, shared,
    copy 0's start), bit for bit; at p > 0 the copies differ."""
    from fastq.routing.finite import _epoch, lift_key, training_set
    from fastq.routing.single import _State

    s = make_routing_setup(model, rule, n=15, alpha=1.5, epochs=4, copies=3, p=0.0, bits=bits, hidden=2,
                           init=0.5, init_mode=init_mode, n_test=20)
    root = np.random.SeedSequence(6)
    _, st = _simulate(s, root)
    one = s.replace(copies=1)
    for a in range(3):
        s1 = _State(one, root)
        X, y = training_set(s1, one, root)
        g = np.random.default_rng(np.random.SeedSequence(6, spawn_key=(3, a)))
        start = s.init * g.standard_normal(s1.h.shape[1:])
        s1.h[0] = start if init_mode == "independent" else s1.h[0]
        s1.w = s1.quant(s1.h)
        for _ in range(4):
            _epoch(s1, one, X, y, g.permutation(X.shape[0])[:, None], np.zeros(X.shape[0]), lift_key(root), 0.0)
        assert np.array_equal(st.h[a], s1.h[0]), a
    _, routed = _simulate(s.replace(p=0.5), root)
    assert not np.array_equal(routed.h, st.h)


@pytest.mark.parametrize("kernel", ["uniform", "ring", "gaussian"])
def test_finite_one_copy_is_the_base_run(kernel):
    base = make_routing_setup("perceptron", "clipped", bits=1, n=25, alphas=(0.8, 1.6), epochs=3, copies=1, p=0.0)
    ref, st_ref = _simulate(base, np.random.SeedSequence(2))
    got, st = _simulate(base.replace(p=1.0, kernel=kernel), np.random.SeedSequence(2))
    assert np.array_equal(st.h, st_ref.h) and np.array_equal(got["eg"], ref["eg"])
    many, st_m = _simulate(base.replace(copies=4), np.random.SeedSequence(2))
    assert np.array_equal(st_m.h[0], st_ref.h[0]) and np.array_equal(many["eg"][:, 0], ref["eg"][:, 0])
    assert np.array_equal(many["et"][:, 0], ref["et"][:, 0])


def test_train_error_is_measured_on_the_training_set():
    """Clipped binary perceptron well below capacity: many epochs drive the training error to 0
    while the test error stays positive (a real train/test gap)."""
    r = make_routing_setup("perceptron", "clipped", bits=1, n=101, alpha=0.4, epochs=60, copies=2, p=0.0)
    out, _ = _simulate(r, np.random.SeedSequence(4))
    assert np.all(out["et"] == 0.0) and np.all(out["eg"] > 0.1)


def test_warmup_starts_every_copy_from_one_model():
    s = make_routing_setup("mlp", n=10, hidden=2, alpha=2.0, epochs=1, warmup=2, copies=3, p=0.0, gamma=0.0)
    from fastq.routing.finite import _warmup, training_set
    from fastq.routing.single import _State

    root = np.random.SeedSequence(1)
    st = _State(s, root)
    X, y = training_set(st, s, root)
    start = st.h[0].copy()
    _warmup(st, s, X, y, root, lift_key(root))
    assert np.all(st.h == st.h[0]) and not np.array_equal(st.h[0], start)


def test_sbpi_reinforces_and_differs_from_the_clipped_rule():
    """SBPI with a margin takes reinforcement steps the clipped rule never takes (different final
    states from the same data), and with ps = 0 it is the clipped rule with errors-only updates
    (margin then only decides when to skip), bit for bit."""
    kw = dict(bits=1, n=41, alpha=1.0, epochs=5, copies=2, p=0.3, margin=1.0)
    _, a = _simulate(make_routing_setup("perceptron", "sbpi", ps=0.5, **kw), np.random.SeedSequence(3))
    _, b = _simulate(make_routing_setup("perceptron", "sbpi", ps=0.0, **kw), np.random.SeedSequence(3))
    _, c = _simulate(make_routing_setup("perceptron", "clipped", **{**kw, "margin": 0.0}), np.random.SeedSequence(3))
    assert not np.array_equal(a.h, b.h)
    assert np.array_equal(b.h, c.h)
