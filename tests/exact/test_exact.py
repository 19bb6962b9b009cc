"""Tests of fastq.exact: sphere decoding against brute-force enumeration, invariances, the study."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from fastq import FastqInputError
from fastq.exact import ExactResult, exact_erm, exact_study, fit_inverse_n, load_study, objective, save_study
from fastq.exact.study import _instance_seed
from fastq.plotting.exact import plot_study
from fastq.quantizers import Quantizer
from fastq.synthetic import generalization_error, teacher
from tests.exact.naive_exact import brute_force

REL = 1e-10


def _check_against_brute(X, y, levels, lam, r: ExactResult):
    wb, fb, sb = brute_force(X, y, levels, lam)
    assert r.optimal and r.status == "optimal"
    assert abs(r.objective - fb) <= REL * (1.0 + abs(fb)), (r.objective, fb)
    # the reported objective is the one of the reported w
    assert r.objective == pytest.approx(objective(X, y, r.w, lam), rel=1e-13, abs=1e-13)
    assert np.all(np.isin(r.w, levels))
    if sb - fb > 1e-8 * (1.0 + abs(fb)):  # unique minimizer: same weights
        np.testing.assert_array_equal(r.w, wb)


CASES = [
    # (scheme, n_p, omega, N): 3 levels up to N = 10, 7 levels up to N = 6
    ("uniform", 2, 1.0, 10),
    ("log", 2, 1.5, 9),
    ("uniform", 6, 2.0, 6),
    ("log", 6, 3.0, 6),
    ("uniform", 3, 0.7, 7),
    ("log", 5, 2.0, 5),
]


@pytest.mark.parametrize("scheme,n_p,omega,n", CASES)
@pytest.mark.parametrize("alpha", [0.5, 1.5])
@pytest.mark.parametrize("lam", [0.0, 0.2])
def test_matches_brute_force(scheme, n_p, omega, n, alpha, lam):
    q = Quantizer(scheme, n_p, omega)
    for seed in range(3):
        X, y, _ = teacher(n, alpha, 0.5, seed=1000 * seed + n)
        r = exact_erm(X, y, q, lam)
        _check_against_brute(X, y, q.levels, lam, r)
        if lam == 0.0 and alpha < 1:
            assert r.free_coordinates == n - X.shape[0] > 0


@pytest.mark.parametrize("seed", range(6))
def test_random_level_sets_and_scales(seed):
    """Any sorted level set (asymmetric, no zero level), larger weights and noise."""
    rng = np.random.default_rng(seed)
    nl = int(rng.integers(2, 5))
    levels = np.sort(rng.normal(scale=1.5, size=nl))
    n = int(rng.integers(2, 8))
    m = int(rng.integers(1, 12))
    X = rng.normal(size=(m, n)) / math.sqrt(n)
    y = X @ rng.normal(scale=2.0, size=n) + rng.normal(scale=float(rng.uniform(0, 2)), size=m)
    lam = float(rng.choice([0.0, 0.05, 1.0]))
    r = exact_erm(X, y, levels, lam)
    _check_against_brute(X, y, levels, lam, r)


@pytest.mark.parametrize("variant", [dict(order="natural"), dict(box_bound=False),
                                     dict(order="natural", box_bound=False)])
def test_search_variants_agree(variant):
    """Ordering and the box bound change the work, never the answer."""
    q = Quantizer.uniform(2, 0.5)
    for seed in range(4):
        for alpha, lam in ((1.4, 0.01), (0.7, 0.0)):
            X, y, _ = teacher(14, alpha, 0.1, seed=seed)
            a = exact_erm(X, y, q, lam)
            b = exact_erm(X, y, q, lam, **variant)
            assert a.optimal and b.optimal
            assert b.objective == pytest.approx(a.objective, rel=REL, abs=REL)


def test_rank_deficient_columns_lam0():
    """Zero and duplicated columns with lam = 0 (exactly singular R, also with M >= N)."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(9, 6))
    X[:, 2] = 0.0
    X[:, 4] = X[:, 1]
    y = rng.normal(size=9) * 2
    for levels in (Quantizer.uniform(2, 1.0).levels, Quantizer.log(6, 2.0).levels):
        r = exact_erm(X, y, levels, 0.0)
        _check_against_brute(X, y, levels, 0.0, r)
    # a single sample
    X1 = rng.normal(size=(1, 7))
    r = exact_erm(X1, np.array([1.3]), Quantizer.uniform(2, 1.0), 0.0)
    _check_against_brute(X1, np.array([1.3]), Quantizer.uniform(2, 1.0).levels, 0.0, r)


@pytest.mark.parametrize("m,n", [(1, 1), (3, 1), (1, 2), (2, 2)])
def test_smallest_problems(m, n):
    rng = np.random.default_rng(m * 10 + n)
    X = rng.normal(size=(m, n))
    y = rng.normal(size=m) * 3
    for levels, lam in (([-1.0, 1.0], 0.0), ([-2.0, 0.1, 0.5], 0.3)):
        r = exact_erm(X, y, np.array(levels), lam)
        _check_against_brute(X, y, np.array(levels), lam, r)


def test_edge_width_is_ignored():
    """Omega is the hard level set whatever the quantizer's edge width."""
    X, y, _ = teacher(8, 1.2, 0.3, seed=5)
    a = exact_erm(X, y, Quantizer.uniform(3, 1.0), 0.1)
    b = exact_erm(X, y, Quantizer.uniform(3, 1.0, edge_width=0.3), 0.1)
    np.testing.assert_array_equal(a.w, b.w)


def test_never_worse_than_incumbent_and_node_limit():
    q = Quantizer.uniform(2, 0.4)
    stopped = 0
    for seed in range(20):
        X, y, _ = teacher(24, 1.4, 0.01, seed=seed)
        full = exact_erm(X, y, q, 0.01)
        assert full.optimal
        assert full.objective <= full.incumbent_objective
        assert full.incumbent_objective <= full.rounded_ridge_objective + 1e-12
        assert full.objective == pytest.approx(objective(X, y, full.w, 0.01), rel=1e-13)
        lim = exact_erm(X, y, q, 0.01, node_limit=30)
        assert lim.nodes <= 30
        assert lim.objective <= lim.incumbent_objective
        assert lim.objective >= full.objective - 1e-12 * full.objective
        if not lim.optimal:
            stopped += 1
            assert lim.status == "node_limit" and lim.nodes == 30
    assert stopped > 0  # the limit really cut some searches


@pytest.mark.parametrize("alpha,lam", [(1.5, 0.0), (0.6, 0.0), (0.8, 0.3)])
def test_column_permutation_invariance(alpha, lam):
    q = Quantizer.log(3, 1.5)
    rng = np.random.default_rng(11)
    for seed in range(4):
        X, y, w0 = teacher(12, alpha, 0.2, seed=seed)
        perm = rng.permutation(12)
        a = exact_erm(X, y, q, lam)
        b = exact_erm(X[:, perm], y, q, lam)
        assert a.optimal and b.optimal
        assert b.objective == pytest.approx(a.objective, rel=REL, abs=REL)
        # same Eg against the permuted teacher when the minimizer is the same point
        if np.array_equal(b.w, a.w[perm]):
            assert generalization_error(b.w, w0[perm], 0.2) == pytest.approx(generalization_error(a.w, w0, 0.2))


def test_bad_input():
    X, y, _ = teacher(5, 1.0, 0.1, seed=0)
    q = Quantizer.uniform(2, 1.0)
    with pytest.raises(FastqInputError, match="lam"):
        exact_erm(X, y, q, -0.1)
    with pytest.raises(FastqInputError, match="node_limit"):
        exact_erm(X, y, q, 0.1, node_limit=0)
    with pytest.raises(FastqInputError, match="y must be"):
        exact_erm(X, y[:-1], q, 0.1)
    with pytest.raises(FastqInputError, match="X must be"):
        exact_erm(X[0], y, q, 0.1)
    with pytest.raises(FastqInputError, match="increasing"):
        exact_erm(X, y, np.array([1.0, 0.0, 2.0]), 0.1)
    with pytest.raises(FastqInputError, match="finite"):
        exact_erm(X * np.nan, y, q, 0.1)
    with pytest.raises(FastqInputError, match="quantizer"):
        exact_erm(X, y, "uniform", 0.1)
    with pytest.raises(FastqInputError, match="quantizer"):
        exact_erm(X, y, [0.5], 0.1)
    with pytest.raises(FastqInputError, match="order"):
        exact_erm(X, y, q, 0.1, order="random")


# ----------------------------------------------------------------------------- study driver
@pytest.mark.slow
def test_matches_brute_force_many_instances():
    """More instances at the largest brute-force sizes (3 levels, N = 11)."""
    for seed in range(30):
        for alpha, lam in ((0.6, 0.0), (1.4, 0.01)):
            X, y, _ = teacher(11, alpha, 0.05, seed=seed)
            q = Quantizer.uniform(2, 0.4 + 0.1 * (seed % 8))
            _check_against_brute(X, y, q.levels, lam, exact_erm(X, y, q, lam))


def test_fit_inverse_n_matches_weighted_polyfit():
    sizes = np.array([8, 12, 16, 24, 32])
    se = np.array([0.01, 0.02, 0.015, 0.01, 0.03])
    mean = 0.2 + 0.8 / sizes + np.array([0.004, -0.01, 0.007, -0.003, 0.02])
    f = fit_inverse_n(sizes, mean, se)
    coef, cov = np.polyfit(1.0 / sizes, mean, 1, w=1.0 / se, cov="unscaled")
    assert f["b"] == pytest.approx(coef[0], rel=1e-10)
    assert f["a"] == pytest.approx(coef[1], rel=1e-10)
    scale = max(1.0, math.sqrt(f["chi2_dof"]))
    assert f["a_err"] == pytest.approx(math.sqrt(cov[1, 1]) * scale, rel=1e-10)
    # an exact line is recovered
    g = fit_inverse_n(sizes, 0.3 - 0.5 / sizes, se)
    assert g["a"] == pytest.approx(0.3, abs=1e-12) and g["b"] == pytest.approx(-0.5, abs=1e-10)


def test_instance_seeds_do_not_depend_on_other_sizes():
    a = _instance_seed(7, 10, 3)
    b = _instance_seed(7, 10, 3)
    assert a.generate_state(4).tolist() == b.generate_state(4).tolist()
    assert _instance_seed(7, 11, 3).generate_state(4).tolist() != a.generate_state(4).tolist()


def test_study_workers_and_brute_force():
    q = Quantizer.uniform(2, 1.0)
    kw = dict(sizes=[5, 7], instances=4, seed=3, amp=False)
    s1 = exact_study(q, 1.4, 0.3, 0.05, **kw, n_jobs=1)
    s2 = exact_study(q, 1.4, 0.3, 0.05, **kw, n_jobs=2, backend="threading")
    for k in s1.per_instance:
        np.testing.assert_array_equal(s1.per_instance[k] if k != "seconds" else 0,
                                      s2.per_instance[k] if k != "seconds" else 0)
    # instance (N=7, k) is the same in a study with other sizes
    s3 = exact_study(q, 1.4, 0.3, 0.05, sizes=[7, 9], instances=4, seed=3, amp=False)
    np.testing.assert_array_equal(s3.per_instance["eg_exact"][0], s1.per_instance["eg_exact"][1])
    # each Eg is the one of the brute-force minimizer of that instance
    for a, n in enumerate(s1.sizes):
        for k in range(4):
            X, y, w0 = teacher(n, 1.4, 0.3, seed=_instance_seed(3, n, k))
            wb, fb, sb = brute_force(X, y, q.levels, 0.05)
            assert s1.per_instance["eg_exact"][a, k] == pytest.approx(generalization_error(wb, w0, 0.3), rel=1e-12)
    row = s1.summary[0]
    v = s1.per_instance["eg_exact"][0]
    assert row["eg_exact"] == pytest.approx(v.mean())
    assert row["eg_exact_se"] == pytest.approx(v.std(ddof=1) / 2.0)
    assert all(r["not_optimal"] == 0 for r in s1.summary)


def test_study_node_limit_is_reported(tmp_path):
    q = Quantizer.uniform(2, 0.4)
    s = exact_study(q, 1.4, 0.01, 0.01, sizes=[16, 20], instances=3, seed=0, node_limit=5, amp=False)
    assert sum(r["not_optimal"] for r in s.summary) > 0
    paths = save_study(s, tmp_path, "t")
    paths.append(plot_study(s, tmp_path / "t.png"))
    names = sorted(p.name for p in paths)
    assert names == ["t.csv", "t.json", "t.npz", "t.png"]
    doc = json.loads((tmp_path / "t.json").read_text())
    assert doc["kind"] == "exact_study" and "fastq_version" in doc
    assert doc["params"]["node_limit"] == 5
    assert doc["summary"][0]["not_optimal"] == sum(~s.per_instance["optimal"][0])
    back = load_study(tmp_path, "t")
    np.testing.assert_array_equal(back.per_instance["eg_exact"], s.per_instance["eg_exact"])
    assert back.fit == pytest.approx(s.fit, nan_ok=True) and back.sizes == s.sizes


def test_study_with_amp():
    q = Quantizer.uniform(2, 1.0)
    s = exact_study(q, 1.4, 0.3, 0.05, sizes=[6, 8], instances=3, seed=1, amp=True, amp_edge_width=0.1)
    assert s.amp_available
    assert np.all(np.isfinite(s.per_instance["eg_amp_requantized"]))
    assert np.isfinite(s.rs["eg"]) and s.rs["converged"]


def test_study_bad_input():
    q = Quantizer.uniform(2, 1.0)
    with pytest.raises(FastqInputError, match="sizes"):
        exact_study(q, 1.4, 0.1, 0.0, sizes=[8], instances=3, seed=0)
    with pytest.raises(FastqInputError, match="instances"):
        exact_study(q, 1.4, 0.1, 0.0, sizes=[8, 10], instances=1, seed=0)
    with pytest.raises(FastqInputError, match="alpha"):
        exact_study(q, 0.0, 0.1, 0.0, sizes=[8, 10], instances=3, seed=0)
    with pytest.raises(FastqInputError, match="seed"):
        exact_study(q, 1.4, 0.1, 0.0, sizes=[8, 10], instances=3, seed=-1)


# ----------------------------------------------------------------------------- CLI
def test_cli_json(tmp_path, capsys):
    from fastq.cli import main

    rc = main(["exact", "--bits", "2", "--omega", "1.0", "--alpha", "1.4", "--sigma", "0.1", "--lam", "0.01",
               "--n", "4:8:2", "--runs", "3", "--seed", "2", "--no-amp", "--json",
               "--out", str(tmp_path)])
    assert rc == 0
    d = json.loads(capsys.readouterr().out)
    assert d["sizes"] == [4, 6, 8]
    assert d["not_optimal_total"] == 0
    assert set(d["fit"]) >= {"a", "a_err", "b", "b_err", "chi2_dof"}
    stem = "exact_uniform_np2_omega1_alpha1.4_sigma0.1_lam0.01_N4-8x3_k3_seed2"
    assert (tmp_path / f"{stem}.png").stat().st_size > 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{stem}{x}" for x in (".csv", ".json", ".npz", ".png"))


@pytest.mark.parametrize("argv,word", [
    (["--n", "8:4:2"], "n must"),
    (["--n", "8"], "n must"),
    (["--n", "4:8", "--runs", "1"], "runs"),
    (["--n", "4:8", "--seed", "-2"], "seed"),
    (["--n", "4:8", "--node-limit", "0"], "node_limit"),
    (["--n", "4:8", "--lam", "-1"], "lam"),
])
def test_cli_bad_input(argv, word, capsys, tmp_path):
    from fastq.cli import main

    base = {"--bits": "2", "--omega": "1", "--alpha": "1.4", "--sigma": "0.1", "--lam": "0.0",
            "--runs": "3", "--seed": "0"}
    for k, v in zip(argv[::2], argv[1::2]):
        base[k] = v
    args = ["exact", "--no-amp", "--out", str(tmp_path)] + [x for kv in base.items() for x in kv]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert word in err and err.count("\n") == 1


@pytest.mark.parametrize("name,omega,n", [("int2-asym", 1.0, 7), ("fp4-e2m1", 2.0, 4), ("nf4", 1.5, 4)])
def test_formats_match_brute_force(name, omega, n):
    """Named formats (asymmetric, non-uniform) as Quantizers: the exact minimizer over their levels."""
    q = Quantizer.format(name, omega, edge_width=0.1)  # the edge width is ignored by the exact part
    for seed in range(2):
        X, y, _ = teacher(n, 1.5, 0.3, seed=77 + seed)
        _check_against_brute(X, y, q.levels, 0.1, exact_erm(X, y, q, 0.1))
