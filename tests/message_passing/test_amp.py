"""AMP on instances: naive reference, state evolution, RS prediction, ridge limit, batching,
workers, divergence handling, inputs and the CLI."""
import importlib
import json
import math

import numpy as np
import pytest

import fastq
from fastq.cli import main as cli_main
from fastq.message_passing import amp, amp_batched, amp_study, training_loss
from fastq.replica import state_evolution
from fastq.synthetic import generalization_error
from tests.message_passing.naive_amp import amp_reference

ALPHA, SIGMA, LAM = 1.5, 0.1, 0.1


def q5(omega=2.5, eps=0.1):
    return fastq.Quantizer.from_bits(5, omega, "uniform", edge_width=eps)


@pytest.mark.parametrize("variance", ["full", "scalar"])
def test_matches_naive_reference(variance):
    X, y, w0 = fastq.teacher(80, ALPHA, SIGMA, seed=11)
    q = fastq.Quantizer.from_bits(3, 2.0, "log", edge_width=0.2)
    init = np.random.default_rng(3).standard_normal(80)
    ref = amp_reference(X, y, q.levels, q.edge_width, LAM, init, 6, variance)
    r = amp(X, y, q, LAM, max_iter=6, tol=0.0, init=init, variance=variance, w0=w0, sigma=SIGMA)
    assert r.iterations == 6 and r.status == "max_iter"
    np.testing.assert_allclose(r.mbar, ref[-1], rtol=0, atol=1e-10)
    change = [np.sum((b - a) ** 2) / 80 for a, b in zip([init] + ref[:-1], ref)]
    np.testing.assert_allclose(r.trace_change, change, rtol=1e-8, atol=1e-14)
    np.testing.assert_allclose(r.trace_eg, [generalization_error(m, w0, SIGMA) for m in ref], rtol=1e-10)


def test_tol_zero_runs_exactly_max_iter_and_records():
    X, y, w0 = fastq.teacher(200, ALPHA, SIGMA, seed=1)
    r = amp(X, y, q5(), LAM, max_iter=37, tol=0.0, w0=w0, sigma=SIGMA)
    assert r.iterations == 37 and not r.converged and r.status == "max_iter"
    assert r.trace_change.shape == r.trace_eg.shape == (37,)
    assert r.eg == pytest.approx(r.trace_eg[-1], rel=1e-14)
    hard = q5().hard()(r.mbar)
    assert r.eg_requantized == pytest.approx(0.5 * (np.mean((w0 - hard) ** 2) + SIGMA**2), rel=1e-12)
    assert np.all(np.isin(hard, q5().levels))
    r2 = amp(X, y, q5(), LAM, max_iter=500, tol=1e-12)
    assert r2.converged and r2.status == "converged" and r2.trace_change[-1] < 1e-12
    assert r2.eg is None and r2.trace_eg is None


def test_mean_trajectory_follows_state_evolution():
    q = q5()
    runs, n, T = 12, 2000, 8
    se = state_evolution(q, ALPHA, SIGMA, LAM, t_max=T, tol=0.0)  # start (1, rho + 1) = AMP's default
    tr = []
    for s in range(runs):
        X, y, w0 = fastq.teacher(n, ALPHA, SIGMA, seed=100 + s)
        tr.append(amp(X, y, q, LAM, max_iter=T, tol=0.0, seed=500 + s, variance="scalar", w0=w0,
                      sigma=SIGMA).trace_eg)
    tr = np.array(tr)
    mean = tr.mean(0)
    sem = tr.std(0, ddof=1) / math.sqrt(runs)
    z = (mean - se.eg[1:]) / sem
    assert np.all(np.abs(z) < 3.0), z


def test_mean_eg_matches_rs_at_rs_points():
    # several RS points (at < 1), shared instances, N = 1500, 16 runs
    qs = [fastq.Quantizer.from_bits(6, 2.5, edge_width=0.1), fastq.Quantizer.from_bits(5, 1.0, edge_width=0.1),
          fastq.Quantizer.from_bits(4, 2.0, "uniform", edge_width=0.2)]
    st = amp_study(qs, ALPHA, SIGMA, LAM, n=1500, runs=16, seed=7, max_iter=300, tol=1e-10,
                   variance="scalar")
    for q, s in zip(qs, st.summary()):
        rs = fastq.solve_rs(q, ALPHA, SIGMA, LAM)
        assert rs.rs, (q, rs.at)
        assert abs(s["eg_mean"] - rs.eg) < 3 * s["eg_sem"], (q, s, rs.eg)
        assert s["converged_fraction"] == 1.0


def test_fine_uniform_quantizer_gives_ridge_solution():
    n = 300
    X, y, w0 = fastq.teacher(n, ALPHA, SIGMA, seed=4)
    omega, n_p = 8.0, 2**12 - 2
    q = fastq.Quantizer.uniform(n_p, omega, edge_width=2 * omega / n_p)  # phi_eps = identity on the range
    r = amp(X, y, q, LAM, max_iter=2000, tol=1e-26)
    w_ridge = np.linalg.solve(X.T @ X + LAM * np.eye(n), X.T @ y)
    assert r.converged
    np.testing.assert_allclose(r.mbar, w_ridge, rtol=0, atol=1e-9)


def test_rsb_point_does_not_converge():
    # b = 2, omega = 2.5, eps = 0.1: at ~ 12 (clearly RSB).  AMP keeps moving (documented).
    q = fastq.Quantizer.from_bits(2, 2.5, edge_width=0.1)
    assert fastq.solve_rs(q, ALPHA, SIGMA, LAM).at > 10
    st = amp_study(q, ALPHA, SIGMA, LAM, n=400, runs=4, seed=2, max_iter=300, tol=1e-10, variance="scalar")
    assert st.summary()[0]["converged_fraction"] == 0.0
    assert np.all(st.status == "max_iter")


def test_batched_equals_sequential():
    X, y, w0 = fastq.teacher(150, ALPHA, SIGMA, seed=9)
    qs = [q5(), fastq.Quantizer.from_bits(3, 2.0, "log", edge_width=0.2), q5(4.0)]
    init = np.random.default_rng(1).standard_normal((150, 3))
    rb = amp_batched(X, y, qs, LAM, init=init, max_iter=120, tol=1e-12, w0=w0, sigma=SIGMA)
    for c, q in enumerate(qs):
        r = amp(X, y, q, LAM, init=init[:, c], max_iter=120, tol=1e-12, w0=w0, sigma=SIGMA)
        assert rb[c].iterations == r.iterations and rb[c].status == r.status
        np.testing.assert_allclose(rb[c].mbar, r.mbar, rtol=0, atol=1e-12)
        np.testing.assert_allclose(rb[c].trace_eg, r.trace_eg, rtol=1e-12)


def test_batched_gemm_path_equals_loops():
    # K >= _GEMM_MIN_K goes to BLAS: same iterates as the loop path to rounding
    from fastq.message_passing._products import _GEMM_MIN_K

    X, y, _ = fastq.teacher(120, ALPHA, SIGMA, seed=3)
    K = _GEMM_MIN_K
    rb = amp_batched(X, y, q5(), LAM, restarts=K, seed=4, max_iter=15, tol=0.0)
    init = np.random.default_rng(4).standard_normal((K, 120)).T
    for c in (0, K - 1):
        r = amp(X, y, q5(), LAM, init=init[:, c], max_iter=15, tol=0.0)
        np.testing.assert_allclose(rb[c].mbar, r.mbar, rtol=0, atol=1e-9)


def test_study_identical_for_one_and_two_workers():
    qs = [q5(), fastq.Quantizer.from_bits(3, 2.0, edge_width=0.1)]
    kw = dict(n=120, runs=4, seed=21, restarts=2, max_iter=80, tol=1e-10)
    a = amp_study(qs, ALPHA, SIGMA, LAM, n_jobs=1, **kw)
    b = amp_study(qs, ALPHA, SIGMA, LAM, n_jobs=2, **kw)
    np.testing.assert_array_equal(a.eg, b.eg)
    np.testing.assert_array_equal(a.eg_requantized, b.eg_requantized)
    np.testing.assert_array_equal(a.iterations, b.iterations)
    assert a.eg.shape == (4, 2)
    # the kept restart is the lowest-loss converged one; runs are independent instances
    assert len(set(np.round(a.eg[:, 0], 12))) == 4


def test_float32_close_to_float64():
    X, y, w0 = fastq.teacher(400, ALPHA, SIGMA, seed=8)
    r64 = amp(X, y, q5(), LAM, max_iter=60, tol=0.0, w0=w0, sigma=SIGMA)
    r32 = amp(X.astype(np.float32), y, q5(), LAM, max_iter=60, tol=0.0, w0=w0, sigma=SIGMA)
    assert abs(r32.eg - r64.eg) < 1e-4 * r64.eg


@pytest.mark.parametrize("variance", ["full", "scalar"])
def test_non_finite_values_reported_as_diverged(variance):
    X, y, _ = fastq.teacher(50, ALPHA, SIGMA, seed=1)
    Xbig = X * 1e200  # X * X and the products overflow
    init = np.random.default_rng(0).standard_normal(50)
    r = amp(Xbig, y, q5(), LAM, init=init, max_iter=20, variance=variance)
    assert r.status == "diverged" and not r.converged and r.iterations == 1
    np.testing.assert_array_equal(r.mbar, init)  # last finite iterate
    assert np.all(np.isfinite(r.mbar))


def test_training_loss_of_ridge_limit():
    X, y, _ = fastq.teacher(60, ALPHA, SIGMA, seed=2)
    w = np.linalg.solve(X.T @ X + LAM * np.eye(60), X.T @ y)
    base = training_loss(X, y, w, LAM)
    assert base < training_loss(X, y, w + 1e-3, LAM)


@pytest.mark.parametrize("kwargs,name", [
    (dict(lam=-1.0), "lam"), (dict(max_iter=0), "max_iter"), (dict(tol=-1.0), "tol"),
    (dict(variance="diag"), "variance"), (dict(init=np.zeros(3)), "init"),
    (dict(w0=np.zeros(40)), "sigma"), (dict(y=np.zeros(5)), "y"), (dict(X=np.zeros(5)), "X"),
    (dict(dtype=np.int32), "dtype"), (dict(quantizer="q"), "quantizer"),
])
def test_bad_input_names_parameter(kwargs, name):
    X, y, _ = fastq.teacher(40, ALPHA, SIGMA, seed=1)
    args = dict(X=X, y=y, quantizer=q5(), lam=LAM)
    for k in list(kwargs):
        if k in args:
            args[k] = kwargs.pop(k)
    with pytest.raises(fastq.FastqInputError, match=name):
        amp(args["X"], args["y"], args["quantizer"], args["lam"], **kwargs)


def test_study_bad_input():
    with pytest.raises(fastq.FastqInputError, match="runs"):
        amp_study(q5(), ALPHA, SIGMA, LAM, n=100, runs=0, seed=1)
    with pytest.raises(fastq.FastqInputError, match="backend"):
        amp_study(q5(), ALPHA, SIGMA, LAM, n=100, runs=1, seed=1, backend="mpi")


def test_package_level_amp_callable():
    X, y, _ = fastq.teacher(60, ALPHA, SIGMA, seed=1)
    importlib.import_module("fastq.message_passing.solver")  # importing the module changes nothing

    for _ in range(2):
        assert fastq.amp(X, y, q5(), LAM, max_iter=5, tol=0).iterations == 5
    assert len(fastq.amp_batched(X, y, q5(), LAM, restarts=2, max_iter=3)) == 2


# ----------------------------------------------------------------------------- CLI
CLI_Q = ["--bits", "5", "--omega", "2.5", "--edge-width", "0.1", "--alpha", "1.5", "--sigma", "0.1",
         "--lam", "0.1"]


def test_cli_amp_json(capsys):
    rc = cli_main(["amp", *CLI_Q, "--n", "150", "--runs", "3", "--seed", "4", "--json"])
    assert rc == 0
    d = json.loads(capsys.readouterr().out)
    for k in ("eg_mean", "eg_sem", "eg_requantized_mean", "converged_fraction", "iterations_mean", "rs_eg"):
        assert k in d
    st = amp_study(q5(), 1.5, 0.1, 0.1, n=150, runs=3, seed=4)
    assert d["eg_mean"] == pytest.approx(st.eg.mean(), rel=1e-14)
    assert d["rs_eg"] == pytest.approx(fastq.solve_rs(q5(), 1.5, 0.1, 0.1).eg, rel=1e-14)
    assert len(d["per_run"]["eg"]) == 3


def test_cli_se_json_and_text(capsys):
    rc = cli_main(["se", *CLI_Q, "--json"])
    d = json.loads(capsys.readouterr().out)
    assert rc == 0 and {"eg", "chi", "trajectory"} <= set(d)
    assert d["eg"] == pytest.approx(fastq.solve_rs(q5(), 1.5, 0.1, 0.1).eg, rel=1e-10)
    assert d["trajectory"]["V"][0] == 1.0
    rc = cli_main(["se", *CLI_Q, "--t-max", "3", "--tol", "0"])
    out = capsys.readouterr().out
    assert rc == 3 and "trajectory" in out and "max_iter" in out


@pytest.mark.parametrize("argv,name", [
    (["amp", *CLI_Q, "--n", "1", "--runs", "2"], "n"),
    (["amp", *CLI_Q, "--n", "50", "--runs", "0"], "runs"),
    (["amp", "--bits", "5", "--omega", "-1", "--alpha", "1.5", "--sigma", "0.1", "--lam", "0.1", "--n", "50"], "omega"),
    (["se", *CLI_Q[:-2], "--lam", "-1"], "lam"),
    (["se", *CLI_Q, "--t-max", "0"], "t_max"),
])
def test_cli_bad_input_exit_2(argv, name, capsys):
    assert cli_main(argv) == 2
    err = capsys.readouterr().err
    assert name in err and err.count("\n") == 1


@pytest.mark.slow
def test_full_scale_rs_point_n2500_100_runs():
    q = q5(2.0)
    st = amp_study(q, ALPHA, SIGMA, LAM, n=2500, runs=100, seed=99, max_iter=300, tol=1e-10,
                   variance="full", n_jobs=2)
    s = st.summary()[0]
    rs = fastq.solve_rs(q, ALPHA, SIGMA, LAM)
    assert rs.rs and abs(s["eg_mean"] - rs.eg) < 3 * s["eg_sem"]


def test_fig06_quick(tmp_path):
    from fastq.figures.replica import fig06

    paths = fig06.make(tmp_path, quick=True)
    names = {p.name for p in paths}
    assert names == {"fig06.png", "fig06.npz", "fig06.json", "fig06_points.csv"}
    meta = json.loads((tmp_path / "fig06.json").read_text())
    assert meta["params"]["n"] == 200 and meta["params"]["edge_width"] == 0.1
    data = np.load(tmp_path / "fig06.npz")
    assert data["eg"].shape == (4, len(data["bits"]))


def test_custom_levels_match_reference():
    """AMP with a non-uniform, asymmetric level set: the naive reference step by step."""
    X, y, w0 = fastq.teacher(80, ALPHA, SIGMA, seed=12)
    q = fastq.Quantizer.from_levels([-1.1, -0.3, 0.2, 0.4, 1.6], edge_width=0.3)
    init = np.random.default_rng(4).standard_normal(80)
    ref = amp_reference(X, y, q.levels, q.edge_width, LAM, init, 6, "full")
    r = amp(X, y, q, LAM, max_iter=6, tol=0.0, init=init, variance="full")
    np.testing.assert_allclose(r.mbar, ref[-1], rtol=0, atol=1e-10)


@pytest.mark.slow
def test_nf4_mean_eg_matches_rs():
    """The mean Eg of converged runs at an RS point of NF4 against the RS prediction."""
    nf4 = fastq.Quantizer.format("nf4", 1.2, edge_width=0.3)
    rs = fastq.solve_rs(nf4, ALPHA, SIGMA, LAM)
    assert rs.converged and rs.rs, rs.at
    st = amp_study([nf4], ALPHA, SIGMA, LAM, n=1500, runs=12, seed=9, max_iter=400, tol=1e-10, variance="scalar")
    s = st.summary()[0]
    assert s["converged_fraction"] == 1.0
    assert abs(s["eg_mean"] - rs.eg) < 3 * s["eg_sem"], (s, rs.eg)
