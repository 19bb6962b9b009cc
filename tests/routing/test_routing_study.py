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
