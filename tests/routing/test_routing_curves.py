"""The finite-set studies of fastq.routing.finite_studies (selection on the vote, held-out rows,
the width sweep) and routing on MNIST-1D (made locally): p = 0 is independent copies, copy 0 the one-model
run, the same numbers for 1 and 2 workers."""
from __future__ import annotations

import numpy as np
import pytest

from fastq import FastqInputError
from fastq.routing import route, routing_study
from fastq.routing.claims import finite_rows
from fastq.routing.finite_studies import routing_network_curves, routing_vote_study, routing_width_sweep
from fastq.routing.single import _simulate
from fastq.routing.spec import make_routing_setup

FIN = dict(bits=1, n=25, alphas=(0.8, 1.6), copies=(2, 3), ps=(0.0, 0.5, 1.0), kernels=("uniform", "gaussian:0.7"),
           gammas=(0.1,), seeds=5, seed=4, n_test=60, epochs=3)


def test_rows_select_on_the_target_and_report_held_out_seeds():
    res = routing_study("perceptron", "clipped", **FIN)
    d = res.data
    for target in ("copies", "vote"):
        rows = finite_rows("x", res, target=target, n_select=2)
        assert len(rows) == 4 and all(r["seeds_reported"] == 3 and r["target"] == target for r in rows)
        for r in rows:
            ai, mi = list(res.coords["alpha"]).index(r["alpha"]), list(res.coords["copies"]).index(r["copies"])
            score = d[f"eg_{target}"][mi, :, 1:, ai, :2].mean(axis=-1)  # p > 0 only, selection seeds
            ki, pi = np.unravel_index(np.argmin(score), score.shape)
            assert (r["kernel"], r["p"]) == (str(res.coords["kernel"][ki]), float(res.coords["p"][1 + pi]))
            assert np.isclose(r["routed"], d["eg_copies"][mi, ki, 1 + pi, ai, 2:].mean())  # held-out seeds
            assert np.isclose(r["vote_routed_minus_vote_independent"], r["vote_routed"] - r["vote_independent"])
            assert np.isclose(r["centre_routed_minus_centre_independent"],
                              r["centre_routed"] - r["centre_independent"])
    with pytest.raises(ValueError, match="n_select"):
        finite_rows("x", res, n_select=4)


def test_vote_study_and_width_sweep_quick(tmp_path):
    rows, res = routing_vote_study(quick=True, checkpoint_dir=tmp_path)
    assert len(rows) == 2 and all(r["target"] == "vote" and r["seeds_reported"] == 4 for r in rows)
    assert routing_vote_study(quick=True, n_jobs=2)[0] == rows  # 2 workers, computed afresh
    assert routing_vote_study(quick=True, checkpoint_dir=tmp_path)[0] == rows  # resumed from checkpoints
    rows, res = routing_width_sweep(quick=True)
    assert {r["width"] for r in rows} == {0.5, 2.0} and len(rows) == 2 * 2  # widths x p > 0
    d = res.data
    for r in rows:  # paired difference over every seed: the difference of the means
        ki = [0.5, 2.0].index(r["width"])
        pi = list(res.coords["p"]).index(r["p"])
        x = d["eg_copies"][0, ki, pi, 0] - d["eg_copies"][0, 0, 0, 0]
        assert np.isclose(r["copies_minus_independent"], x.mean())


def test_network_curves_same_for_1_and_2_workers():
    a, _ = routing_network_curves(quick=True, learners=("MLP K=4 / SGD / real",), init_mode="independent")
    b, _ = routing_network_curves(quick=True, learners=("MLP K=4 / SGD / real",), init_mode="independent", n_jobs=2)
    assert a == b and len(a) == 4 and {r["setting"] for r in a} == {"MLP K=4 / SGD / real"}


mnist = pytest.mark.skipif(not __import__("fastq._mnist1d", fromlist=["x"]).mnist1d_available(),
                           reason="mnist1d not installed (fastq[data])")


@mnist
@pytest.mark.parametrize("epochs", [None, 2])
def test_mnist1d_p0_is_independent_and_learns(epochs):
    kw = dict(model="mlp", dataset="mnist1d", n=40, hidden=4, alphas=(5.0, 25.0), n_test=10, epochs=epochs)
    s = make_routing_setup(copies=3, p=0.0, **kw)
    out, st = _simulate(s, np.random.SeedSequence(3))
    one, st1 = _simulate(s.replace(copies=1), np.random.SeedSequence(3))
    assert np.array_equal(out["eg"][:, 0], one["eg"][:, 0]) and np.array_equal(st.h[0], st1.h[0])
    assert st.X_test.shape == (1000, 40) and st.Xtr.shape == (4000, 40)
    assert np.all(out["eg"][-1] < 0.45)  # 5-9 against 0-4 is learnt (chance is about 0.5)
    routed = route(copies=3, p=1.0, seed=3, **kw)
    assert not np.array_equal(routed.eg, out["eg"])


@mnist
def test_mnist1d_bad_settings():
    with pytest.raises(FastqInputError, match="n must be 40"):
        make_routing_setup("mlp", dataset="mnist1d", n=64, alpha=1.0)
    with pytest.raises(FastqInputError, match="4000 training rows"):
        make_routing_setup("mlp", dataset="mnist1d", n=40, alpha=101.0, epochs=1)
    with pytest.raises(FastqInputError, match="dataset must be teacher"):
        make_routing_setup("perceptron", dataset="mnist1d", n=40, alpha=1.0)
