"""Study driver, data sets and summaries (fastq.qat.study, datasets, analysis).

Checks are exact (bit-identical tables for 1 and 2 workers and after resuming; file contents
equal to the in-memory table) except the data standardization (1e-12: floating-point means).
Digits tests skip when scikit-learn is not installed (the optional extra fastq[data]).
"""
import json
import math

import numpy as np
import pytest

import fastq
from fastq.qat.analysis import rank_correlations, summarize
from fastq.qat.datasets import load_dataset, mnist1d_available, sklearn_available
from fastq.qat.study import CHECKPOINT_DIRNAME, load_study, qat_study, study_config

TINY = dict(bits=(2, 0), widths=(6,), lrs=(0.1,), seeds=3, epochs=2, n_measure=50, probes=2, mc=1,
            corruption=(0.0, 1.0), n_train=120, n_test=200)
needs_sklearn = pytest.mark.skipif(not sklearn_available(), reason="scikit-learn not installed (fastq[data])")


def _same(t1, t2):
    assert t1.keys() == t2.keys()
    for c in t1:
        if c == "seconds":
            continue
        a, b = t1[c], t2[c]
        if a.dtype == object:
            assert list(a) == list(b), c
        else:
            np.testing.assert_array_equal(a, b, err_msg=c)


def test_one_and_two_workers_identical(tmp_path):
    r1 = qat_study("teacher", out=None, n_jobs=1, chunk_size=2, **TINY)
    r2 = qat_study("teacher", out=tmp_path, n_jobs=2, chunk_size=1, **TINY)
    _same(r1.table, r2.table)
    assert r1.n_models == 6 and r1.summary["n_trained"] == 6


def test_resume_and_files(tmp_path, monkeypatch):
    import fastq.qat.study as study_mod

    r1 = qat_study("teacher", out=None, chunk_size=2, **TINY)
    real = study_mod._run_chunk
    calls = []

    def dies_on_second_chunk(chunk, cfg):
        calls.append(chunk)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(chunk, cfg)

    monkeypatch.setattr(study_mod, "_run_chunk", dies_on_second_chunk)
    with pytest.raises(KeyboardInterrupt):
        qat_study("teacher", out=tmp_path, chunk_size=2, **TINY)
    assert len(list((tmp_path / CHECKPOINT_DIRNAME).glob("*/chunk_*.npz"))) == 1
    monkeypatch.setattr(study_mod, "_run_chunk", real)
    r2 = qat_study("teacher", out=tmp_path, chunk_size=2, **TINY)
    assert r2.resumed == 2 and r2.computed == 4
    _same(r1.table, r2.table)
    assert not list((tmp_path / CHECKPOINT_DIRNAME).glob("*/chunk_*.npz"))  # cleaned after saving
    csv = (tmp_path / f"qat-teacher-{r1.key}.csv").read_text().splitlines()
    header = csv[0].split(",")
    assert header == list(r1.table) and len(csv) == 7
    meta = json.loads((tmp_path / f"qat-teacher-{r1.key}.json").read_text())
    assert meta["fastq_version"] == fastq.__version__ and meta["key"] == r1.key
    assert meta["params"]["bits"] == [2, 0] and set(meta["columns"]) == set(header)
    back = load_study(tmp_path / f"qat-teacher-{r1.key}.json")
    _same(r1.table, back.table)
    # another setting never touches these files
    r3 = qat_study("teacher", out=tmp_path, chunk_size=2, **{**TINY, "seeds": 2})
    assert r3.key != r1.key and r3.computed == 4


def test_columns_are_consistent():
    r = qat_study("teacher", **TINY)
    t = r.table
    np.testing.assert_allclose(t["gap_loss"], t["test_loss"] - t["train_loss"], rtol=0, atol=1e-15)
    np.testing.assert_allclose(t["gap_acc"], t["train_acc"] - t["test_acc"], rtol=0, atol=1e-15)
    fp = t["bits"] == 0
    assert np.all(t["noise_reg_term"][fp] == 0) and np.all(np.isnan(t["qnoise_sigma"][fp]))
    assert np.all(t["qnoise_sigma"][~fp] > 0)
    # models differing only in bits share the initial draws: the fp model's init equals the 2-bit one's
    assert list(t["seed_index"][:3]) == [0, 1, 2]


def test_refusals_and_validation():
    with pytest.raises(fastq.FastqInputError, match="limit is 100000"):
        study_config("teacher", bits=(2, 0), widths=(4, 5), lrs=(0.1,), seeds=30_000)
    with pytest.raises(fastq.FastqInputError, match="flop"):
        study_config("teacher", widths=(4096,), seeds=50, epochs=1000)
    with pytest.raises(fastq.FastqInputError, match="bits"):
        study_config("teacher", bits=(1,))
    with pytest.raises(fastq.FastqInputError, match="repeat"):
        study_config("teacher", widths=(8, 8))
    with pytest.raises(fastq.FastqInputError, match="dataset"):
        study_config("cifar")
    with pytest.raises(fastq.FastqInputError, match="batch"):
        study_config("teacher", n_train=10, batch=32)


def test_teacher_dataset():
    d = load_dataset("teacher", n_train=4000, n_test=100, label_noise=0.0, seed=3)
    assert d.X_train.shape == (4000, 20) and d.classes == 4
    assert np.bincount(d.y_train, minlength=4).min() > 200  # centred logits: no empty class
    noisy = load_dataset("teacher", n_train=4000, n_test=100, label_noise=0.5, seed=3)
    flipped = np.mean(noisy.y_train != d.y_train)
    assert abs(flipped - 0.5 * 0.75) < 0.03  # half relabelled, 3/4 of those to another class
    with pytest.raises(fastq.FastqInputError, match="label_noise"):
        load_dataset("teacher", label_noise=2.0)
    with pytest.raises(fastq.FastqInputError, match="limit of 100000000 values"):
        load_dataset("teacher", n_train=1_000_000, n_test=1_000_000, n_features=4096)


@needs_sklearn
def test_digits_dataset_and_tiny_study(tmp_path):
    d = load_dataset("digits", n_train=1000, seed=0)
    assert d.X_train.shape == (1000, 64) and d.X_test.shape == (797, 64) and d.classes == 10
    sd = d.X_train.std(axis=0)
    assert np.all(np.abs(d.X_train.mean(axis=0)) < 1e-12) and np.all((np.abs(sd - 1) < 1e-12) | (sd == 0))
    r = qat_study("digits", out=tmp_path, **{k: v for k, v in TINY.items() if k != "n_test"})
    assert r.summary["n_trained"] == r.n_models


@pytest.mark.skipif(not mnist1d_available(), reason="mnist1d not installed (fastq[data])")
def test_mnist1d_dataset_is_local_deterministic_and_leaves_global_rngs_alone():
    import random

    import fastq.qat.datasets as D

    D._cached.cache_clear()
    np.random.seed(123)
    random.seed(7)
    before = (np.random.random(), random.random())
    np.random.seed(123)
    random.seed(7)
    d = load_dataset("mnist1d", seed=1)
    assert (np.random.random(), random.random()) == before  # make_dataset's global seeding undone
    assert d.X_train.shape == (4000, 40) and d.X_test.shape == (1000, 40) and d.classes == 10
    assert np.all(np.abs(d.X_train.mean(axis=0)) < 1e-12)
    assert np.bincount(d.y_train, minlength=10).min() > 300
    D._cached.cache_clear()
    again = load_dataset("mnist1d", seed=1, n_train=3000)
    np.testing.assert_array_equal(np.concatenate([again.y_train, again.y_test]),
                                  np.concatenate([d.y_train, d.y_test]))
    with pytest.raises(fastq.FastqInputError, match="n_train"):
        load_dataset("mnist1d", n_train=5000)


def test_digits_missing_sklearn_message(monkeypatch):
    import fastq.qat.datasets as D

    monkeypatch.setattr(D, "sklearn_available", lambda: False)
    D._cached.cache_clear()
    with pytest.raises(fastq.FastqInputError, match=r"fastq\[data\]"):
        load_dataset("digits", n_train=500, seed=99)
    D._cached.cache_clear()


def test_rank_correlations_and_summary():
    from scipy.stats import kendalltau

    x = np.array([1.0, 2.0, 3.0, 4.0, np.nan, 6.0])
    y = np.array([2.0, 1.0, 4.0, 3.0, 5.0, 7.0])
    r = rank_correlations(x, y)
    ok = np.isfinite(x)
    assert r["n"] == 5 and r["kendall"] == pytest.approx(kendalltau(x[ok], y[ok]).statistic)
    assert math.isnan(rank_correlations(np.ones(5), y[:5])["kendall"])
    # paired differences on a hand-made table
    t = {"status": np.array(["converged"] * 4, dtype=object), "bits": np.array([2, 2, 0, 0]),
         "width": np.array([8, 8, 8, 8]), "lr": np.array([0.1] * 4), "seed_index": np.array([0, 1, 0, 1]),
         "sigma_status": np.array(["converged"] * 4, dtype=object),
         "sigma_mag_status": np.array(["converged"] * 4, dtype=object)}
    for c in ("train_loss", "test_loss", "train_acc", "test_acc", "hessian_trace", "sigma", "sigma_mag",
              "pb_flatness", "pb_bound_init", "pb_mag_flatness", "pb_mag_bound_init", "pb_bound_qnoise",
              "noise_reg_term", "param_norm", "dist_init", "qnoise_sigma", "acc_noise_0", "acc_noise_1"):
        t[c] = np.arange(4, dtype=float)
    t["gap_loss"] = np.array([0.1, 0.2, 0.3, 0.5])
    t["gap_acc"] = np.array([0.0, 0.0, 0.0, 0.0])
    s = summarize(t, {"bits": [2, 0]})
    p = s["paired"]["2"]["gap_loss"]
    assert p["mean_diff"] == pytest.approx(-0.25) and p["frac_smaller"] == 1.0
    assert s["by_bits"]["2"]["gap_loss"] == pytest.approx(0.15)
