"""The study driver: same numbers for any n_jobs, resumable, labelled; the comparison's baselines."""
from __future__ import annotations

import numpy as np
import pytest

from fastq import FastqInputError
from fastq.routing import route, route_compare, routing_study

KW = dict(bits=1, n=20, alphas=(1.0, 2.0), copies=(1, 3), ps=(0.0, 0.5), gammas=(0.1,), seeds=3, seed=4,
          n_test=50)


def test_study_same_for_any_n_jobs_and_resumable(tmp_path):
    a = routing_study("perceptron", "clipped", **KW)
    b = routing_study("perceptron", "clipped", n_jobs=2, checkpoint_dir=tmp_path, **KW)
    for k in a.data:
        assert np.array_equal(a.data[k], b.data[k]), k
    files = list(tmp_path.rglob("chunk_*.npz"))
    assert files
    c = routing_study("perceptron", "clipped", checkpoint_dir=tmp_path, **KW)  # reuses every chunk
    assert all(np.array_equal(a.data[k], c.data[k]) for k in a.data)
    ds = a.dataset()
    assert ds["eg_copies"].dims == ("copies", "kernel", "p", "alpha", "seed")
    assert float(ds["eg_copies"].sel(copies=1, kernel="ring", p=0.5, alpha=2.0, seed=0)) == \
        float(ds["eg_copies"].sel(copies=1, kernel="uniform", p=0.0, alpha=2.0, seed=0))  # M=1: nothing to route


def test_study_run_is_the_single_run():
    from fastq.routing.single import seed_child

    res = routing_study("perceptron", "clipped", **KW)
    root = np.random.SeedSequence(4)
    one = route(model="perceptron", rule="clipped", bits=1, n=20, alphas=(1.0, 2.0), copies=3, p=0.5, n_test=50,
                seed=seed_child(root, 2))
    assert np.array_equal(res.data["eg_copies"][1, 0, 1, :, 2], one.eg_copies)
    assert np.array_equal(res.data["eg_vote"][1, 0, 1, :, 2], one.eg_vote)


def test_compare_baselines():
    c = route_compare(model="perceptron", rule="hebb", n=40, alpha=2.0, copies=3, p=0.0, runs=3, seed=1, n_test=50)
    v = c.values
    assert v["eg_copies"] == v["eg_independent"] and v["diff"] == 0.0  # p = 0 is the independent run
    assert v["eg_elastic"] < v["eg_independent"]  # Hebb + coupling averages the copies' samples
    assert c.converged and c.runs == 3


@pytest.mark.parametrize("kw,word", [
    (dict(p=1.5), "p"), (dict(copies=0), "copies"), (dict(kernel="x"), "kernel"),
    (dict(rule="clipped", bits=0), "bits"), (dict(model="committee", hidden=2), "hidden"),
    (dict(alphas=(2.0, 1.0)), "alpha"), (dict(bits=9), "bits")])
def test_bad_setting_is_refused(kw, word):
    base = dict(model="perceptron", n=20, alpha=1.0, seed=0)
    base.update(kw)
    if "alphas" in kw:
        base.pop("alpha")
    with pytest.raises(FastqInputError, match=word):
        route(**base)


def test_digits_mlp_learns_and_p0_is_independent():
    pytest.importorskip("sklearn")
    kw = dict(model="mlp", dataset="digits", n=64, hidden=4, alphas=(2.0, 20.0), copies=2, n_test=10)
    r0 = route(p=0.0, seed=3, **kw)
    one = route(p=0.0, seed=3, **{**kw, "copies": 1})
    assert np.array_equal(r0.eg[:, 0], one.eg[:, 0])  # copy 0 is the one-model run
    assert r0.eg_copies[-1] < 0.25  # 5-9 vs 0-4 is learnt (chance is about 0.5)
    with pytest.raises(FastqInputError, match="n must be 64"):
        route(p=0.0, seed=3, **{**kw, "n": 20})


FIN = dict(bits=1, n=25, alphas=(0.8, 1.6), copies=(1, 3), ps=(0.0, 0.5), kernels=("uniform", "gaussian:0.7"),
           gammas=(0.1,), seeds=3, seed=4, n_test=50, epochs=3)


def test_finite_study_same_for_any_n_jobs_and_resumable(tmp_path):
    a = routing_study("perceptron", "clipped", **FIN)
    b = routing_study("perceptron", "clipped", n_jobs=2, checkpoint_dir=tmp_path, **FIN)
    assert a.data.keys() == b.data.keys() and all(np.array_equal(a.data[k], b.data[k]) for k in a.data)
    c = routing_study("perceptron", "clipped", checkpoint_dir=tmp_path, **FIN)
    assert all(np.array_equal(a.data[k], c.data[k]) for k in a.data)
    ds = a.dataset()
    assert ds["et_copies"].dims == ("copies", "kernel", "p", "alpha", "seed")
    assert ds["eg_replicated"].dims == ("copies", "gamma", "alpha", "seed")
    assert ds["eg_one_model"].dims == ("copies", "alpha", "seed")
    one = ds["eg_copies"].sel(copies=1, p=0.0)
    # one model with M E epochs at M = 1 is the M = 1 run itself
    assert np.array_equal(ds["eg_one_model"].sel(copies=1).values, one.isel(kernel=0).values)
    assert np.all((ds["et_copies"] >= 0) & (ds["et_copies"] <= 1))


def test_finite_compare_baselines():
    kw = dict(model="perceptron", rule="clipped", bits=1, n=41, alpha=1.0, epochs=5, copies=3, runs=3, seed=2,
              n_test=200)
    c = route_compare(p=0.0, **kw)
    v = c.values
    assert v["eg_copies"] == v["eg_independent"] and v["diff"] == 0.0 and v["et_copies"] == v["et_independent"]
    keys = ("eg_copies", "eg_copies_se", "eg_independent", "eg_replicated", "eg_elastic", "eg_vote", "eg_one_model",
            "eg_centre", "et_copies", "et_independent", "et_replicated", "et_elastic", "et_vote", "et_one_model")
    assert all(isinstance(v[k], float) and 0.0 <= v[k] <= 1.0 for k in keys)
    online = route_compare(model="perceptron", rule="clipped", bits=1, n=41, alpha=1.0, copies=3, p=0.5, runs=2,
                           n_test=50)
    assert online.values["et_copies"] is None and online.values["eg_one_model"] == online.values["eg_single_total"]


def test_replicated_coupling_collapses_the_copies():
    """Robust-ensemble schedule (coupling rising to 1): the copies end within a small spread of
    their centre; constant weak coupling and no coupling leave them apart (finite set, shared start)."""
    from fastq.routing.single import _simulate
    from fastq.routing.spec import make_routing_setup

    s = make_routing_setup("mlp", n=20, hidden=3, alpha=2.0, epochs=6, copies=4, p=0.0, init_mode="shared")
    spread = {}
    runs = {"independent": {}, "elastic": dict(gamma=0.01), "replicated": dict(gamma=0.01, gamma_end=1.0)}
    for name, kw in runs.items():
        _, st = _simulate(s.replace(**kw), np.random.SeedSequence(8))
        spread[name] = float(np.abs(st.h - st.h.mean(axis=0)).mean())
    assert spread["replicated"] < 0.05 * spread["independent"]
    assert spread["elastic"] < spread["independent"]
    assert spread["replicated"] < spread["elastic"]
