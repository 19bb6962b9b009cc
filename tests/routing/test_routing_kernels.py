"""Routed kernels against the slow NumPy reference (tests/routing/naive_routing.py), and the
invariances of routing: p = 0 is M independent runs, M = 1 is the base algorithm."""
from __future__ import annotations

import numpy as np
import pytest

from fastq.routing.single import _simulate
from fastq.routing.spec import make_routing_setup, routing_quantizer

from . import naive_routing as naive

CASES = [
    dict(rule="hebb", bits=0, p=0.5, kernel="uniform", gamma=0.0),
    dict(rule="perceptron", bits=0, p=0.7, kernel="uniform", gamma=0.0),
    dict(rule="perceptron", bits=0, p=0.6, kernel="ring", gamma=0.0),
    dict(rule="clipped", bits=1, p=0.4, kernel="uniform", gamma=0.0),
    dict(rule="clipped", bits=2, p=1.0, kernel="ring", gamma=0.0),
    dict(rule="clipped", bits=3, p=0.0, kernel="uniform", gamma=0.2),
    dict(rule="clipped", bits=1, p=0.6, kernel="gaussian", gamma=0.0, margin=0.3, clip=0.4),
]


def _levels(bits):
    q = routing_quantizer(bits, 1.0)
    return None if q is None else list(q.levels)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['rule']}-b{c['bits']}-{c['kernel']}-p{c['p']}")
@pytest.mark.parametrize("copies", [1, 3, 4])
def test_perceptron_kernel_matches_reference(case, copies):
    n, steps = 7, 40
    s = make_routing_setup("perceptron", case["rule"], n=n, alpha=steps / n, copies=copies, p=case["p"],
                           kernel=case["kernel"], bits=case["bits"], gamma=case["gamma"], init=0.3, n_test=10,
                           margin=case.get("margin", 0.0), clip=case.get("clip", 0.0))
    _, st = _simulate(s, np.random.SeedSequence(11))
    h, w0 = naive.perceptron(11, n=n, steps=steps, copies=copies, p=case["p"], kernel=case["kernel"],
                             rule=case["rule"], levels=_levels(case["bits"]), gamma=case["gamma"], init=0.3,
                             margin=case.get("margin", 0.0), clip=case.get("clip", 0.0))
    assert np.array_equal(st.w0, w0)
    np.testing.assert_allclose(st.h, h, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("model", ["committee", "mlp"])
@pytest.mark.parametrize("bits,p,kernel,gamma,init_mode", [(0, 0.5, "uniform", 0.0, "shared"),
                                                           (1, 0.8, "ring", 0.0, "independent"),
                                                           (2, 0.3, "uniform", 0.1, "shared")])
def test_network_kernel_matches_reference(model, bits, p, kernel, gamma, init_mode):
    n, k, steps, m = 5, 3, 30, 3
    s = make_routing_setup(model, "ste", n=n, hidden=k, alpha=steps / n, copies=m, p=p, kernel=kernel,
                           bits=bits, gamma=gamma, n_test=10, init_mode=init_mode)
    _, st = _simulate(s, np.random.SeedSequence(5))
    hW, hv = naive.network(5, n=n, hidden=k, steps=steps, copies=m, p=p, kernel=kernel, mlp=model == "mlp",
                           levels=_levels(bits), gamma=gamma, init_mode=init_mode)
    np.testing.assert_allclose(st.h, hW, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(st.hv, hv, rtol=1e-11, atol=1e-12)


def _copy_streams_alone(s, copies, seed):
    """Each copy of an M-copy p = 0 run against a one-model run fed by that copy's stream."""
    out = []
    for a in range(copies):
        root = np.random.SeedSequence(seed)
        # a one-model run whose copy-0 stream is copy a's stream: same teacher and test streams
        st1 = _simulate(s.replace(copies=1, p=0.0), root)[1]
        st1.gens = [np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(3, a)))]
        init = s.init * st1.gens[0].standard_normal(st1.h.shape[1:])
        g0 = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(3, 0)))
        st1.h[0] = init if s.init_mode == "independent" else s.init * g0.standard_normal(st1.h.shape[1:])
        st1.w = st1.quant(st1.h)
        if s.model == "mlp":
            st1.hv[:] = 1.0
            st1.wv = st1.quant(st1.hv)
        from fastq.routing.single import _advance

        _advance(st1, s.replace(copies=1, p=0.0), int(s.record_steps[-1]))
        out.append(st1.h[0].copy())
    return np.array(out)


@pytest.mark.parametrize("model,rule,bits,init_mode", [("perceptron", "clipped", 1, "shared"),
                                                       ("perceptron", "hebb", 0, "shared"),
                                                       ("mlp", "ste", 2, "shared"), ("mlp", "ste", 0, "independent")])
def test_p0_is_independent_copies(model, rule, bits, init_mode):
    s = make_routing_setup(model, rule, n=20, alpha=3.0, copies=3, p=0.0, bits=bits, hidden=2, n_test=50,
                           init_mode=init_mode)
    _, st = _simulate(s, np.random.SeedSequence(3))
    assert np.array_equal(st.h, _copy_streams_alone(s, 3, 3))


@pytest.mark.parametrize("kernel", ["uniform", "ring"])
def test_one_copy_is_the_base_algorithm(kernel):
    """M = 1: routing has nothing to permute; any p gives the base run bit for bit, and copy 0 of a
    p = 0 run with more copies is the same run."""
    base = make_routing_setup("perceptron", "clipped", n=30, alphas=[1.0, 2.0], copies=1, p=0.0, bits=2)
    ref, st_ref = _simulate(base, np.random.SeedSequence(8))
    got, st = _simulate(base.replace(p=1.0, kernel=kernel), np.random.SeedSequence(8))
    assert np.array_equal(st.h, st_ref.h) and np.array_equal(got["eg"], ref["eg"])
    many, st_m = _simulate(base.replace(copies=4), np.random.SeedSequence(8))
    assert np.array_equal(st_m.h[0], st_ref.h[0]) and np.array_equal(many["eg"][:, 0], ref["eg"][:, 0])


def test_routing_changes_the_copies():
    """The opposite check: with p > 0 the copies do differ from the independent ones."""
    s = make_routing_setup("perceptron", "clipped", n=30, alpha=2.0, copies=4, p=0.5, bits=1)
    _, a = _simulate(s, np.random.SeedSequence(1))
    _, b = _simulate(s.replace(p=0.0), np.random.SeedSequence(1))
    assert not np.array_equal(a.h, b.h)


def test_permutations_are_permutations():
    from fastq.routing._kernels import KERNEL_RING, KERNEL_UNIFORM, _draw_routes, shift_cdf

    for kernel in (KERNEL_UNIFORM, KERNEL_RING):
        for m in (2, 3, 5, 6):
            src = np.empty((500, m), dtype=np.int64)
            _draw_routes(np.random.default_rng(m), 0.5, kernel, src, np.empty(m), shift_cdf(m, 1.0))
            assert all(sorted(r) == list(range(m)) for r in src.tolist())
            moved = np.mean((src != np.arange(m)).any(axis=1))
            assert 0.35 < moved < 0.65 if kernel == KERNEL_RING or m > 2 else 0.15 < moved < 0.4
            if kernel == KERNEL_RING:  # only neighbours on the ring
                d = (src - np.arange(m)) % m
                assert set(np.unique(d)) <= {0, 1, m - 1}
