"""Tests of fastq.sweep: grid == single solves, workers/backends agree, continuation, checkpoints."""
import numpy as np
import pytest

from fastq import FastqInputError, Quantizer, solve_rs
from fastq._status import STATUS_NAMES
from fastq.quantizers import _levels, log_levels, uniform_levels
from fastq.studies import SweepResult, sweep
from fastq.studies.sweeps import _combine

GRID = dict(n_p=[1, 2, 3, 6, 14], omega=np.linspace(0.2, 7.0, 9), alpha=1.5, sigma=0.01, lam=0.0,
            edge_width=0.1)
FIELDS = ("eg", "chi", "at", "kappa", "Q", "m", "iterations", "status", "converged", "rs", "coexist",
          "eg_reverse", "at_reverse")


def same(a, b):
    return all(np.array_equal(a[k], b[k], equal_nan=True) for k in FIELDS)


@pytest.mark.parametrize("n_p", [1, 2, 3, 4, 5, 6, 7, 14, 15, 30, 62, 255])
@pytest.mark.parametrize("omega", [0.3, 1.0, 7.7])
def test_level_kernel_is_bit_identical_to_quantizer(n_p, omega):
    assert np.array_equal(_levels(False, n_p, omega), uniform_levels(n_p, omega))
    assert np.array_equal(_levels(True, n_p, omega), log_levels(n_p, omega))


@pytest.mark.parametrize("scheme", ["uniform", "log"])
def test_cold_grid_equals_solve_rs(scheme):
    # Same start, same kernel: equal up to last-bits differences of the inlined compiled code
    # (seen: 5e-12 relative at a slowly contracting point), far below the 1e-12 residual's effect.
    r = sweep(scheme, continuation=False, check_direction=False, **GRID)
    assert r.dims == ("n_p", "omega") and r.shape == (5, 9)
    for i, n_p in enumerate(GRID["n_p"]):
        for j, w in enumerate(GRID["omega"]):
            s = solve_rs(Quantizer(scheme, n_p, w, 0.1), 1.5, 0.01, 0.0)
            assert r["eg"][i, j] == pytest.approx(s.eg, rel=1e-10)
            assert r["chi"][i, j] == pytest.approx(s.chi, rel=1e-10)
            assert r["at"][i, j] == pytest.approx(s.at, rel=1e-10)
            assert r["kappa"][i, j] == pytest.approx(s.kappa, rel=1e-10)
            assert abs(int(r["iterations"][i, j]) - s.iterations) <= 1
            assert STATUS_NAMES[int(r["status"][i, j])] == s.status
            assert bool(r["rs"][i, j]) == s.rs


@pytest.mark.parametrize("scheme", ["uniform", "log"])
def test_continuation_grid_matches_solve_rs(scheme):
    r = sweep(scheme, **GRID)
    assert r["converged"].all() and not r["coexist"].any()
    for i, n_p in enumerate(GRID["n_p"]):
        for j, w in enumerate(GRID["omega"]):
            s = solve_rs(Quantizer(scheme, n_p, w, 0.1), 1.5, 0.01, 0.0)
            # same fixed point from another start: agree to the solver tolerance (amplified by 1/(1-L))
            assert r["eg"][i, j] == pytest.approx(s.eg, rel=1e-8)
            assert r["chi"][i, j] == pytest.approx(s.chi, rel=1e-8)
            assert r["at"][i, j] == pytest.approx(s.at, rel=1e-7)
            # the reverse pass found the same point
            assert r["eg_reverse"][i, j] == pytest.approx(s.eg, rel=1e-8)


def test_other_axes_and_along():
    r = sweep("log", bits=[2, 3], omega=2.0, alpha=[0.8, 1.5, 3.0], lam=[0.01, 1.0], sigma=[0.1, 0.3],
              edge_width=[0.05, 0.2])
    assert r.dims == ("n_p", "alpha", "lam", "sigma", "edge_width")
    assert r.shape == (2, 3, 2, 2, 2)
    assert list(r["n_p"]) == [2, 6] and np.allclose(r["bits"], [2, 3])
    idx = (1, 2, 0, 1, 0)
    s = solve_rs(Quantizer("log", 6, 2.0, 0.05), 3.0, 0.3, 0.01)
    assert r["eg"][idx] == pytest.approx(s.eg, rel=1e-8)
    p = r.point(idx)
    assert (p["n_p"], p["alpha"], p["lam"], p["sigma"], p["edge_width"]) == (6, 3.0, 0.01, 0.3, 0.05)
    r2 = sweep("log", bits=[2, 3], omega=2.0, alpha=[0.8, 1.5, 3.0], lam=1.0, sigma=0.1, along="n_p")
    assert r2.dims == ("alpha", "n_p")


def test_scalar_sweep_is_one_point():
    r = sweep("uniform", n_p=6, omega=2.0, alpha=1.5, sigma=0.01, lam=0.0, edge_width=0.1)
    assert r.dims == () and r.n_points == 1
    s = solve_rs(Quantizer("uniform", 6, 2.0, 0.1), 1.5, 0.01, 0.0)
    assert float(r["eg"]) == s.eg


def test_one_and_two_workers_and_threads_identical():
    kw = dict(GRID, n_p=list(range(1, 13)), lines_per_chunk=2)
    a = sweep("uniform", n_jobs=1, **kw)
    b = sweep("uniform", n_jobs=2, **kw)
    c = sweep("uniform", n_jobs=2, backend="threading", **kw)
    assert same(a, b) and same(a, c)


def test_dask_local_cluster_identical_to_loky():
    distributed = pytest.importorskip("dask.distributed")
    kw = dict(GRID, n_p=list(range(1, 9)), lines_per_chunk=2)
    ref = sweep("uniform", n_jobs=2, **kw)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        d = sweep("uniform", n_jobs=2, backend="dask", scheduler=cluster.scheduler_address, **kw)
    assert same(ref, d)


def test_coexisting_fixed_points_are_flagged():
    # uniform n_p = 2 near omega = 6.2 at (alpha, sigma, lam) = (1.4, 0.5, 0.01): the forward
    # continuation and the reverse one end on two different fixed points.
    r = sweep("uniform", n_p=[2], omega=np.linspace(0.1, 8, 80), alpha=1.4, sigma=0.5, lam=0.01,
              edge_width=[0.0, 0.1])
    idx = np.argwhere(r["coexist"])
    assert len(idx) >= 1
    i, j, k = idx[0]
    p = r.point((i, j, k))
    assert abs(p["eg"] - p["eg_reverse"]) > 0.1
    q = Quantizer("uniform", 2, p["omega"], p["edge_width"])
    # both are genuine fixed points: solve_rs started at each stays there
    for eg_start, chi_start in ((p["eg"], p["chi"]), (p["eg_reverse"], None)):
        start = (chi_start if chi_start is not None else 1.0, eg_start)
        s = solve_rs(q, 1.4, 0.5, 0.01, start=start)
        assert s.converged
    a = solve_rs(q, 1.4, 0.5, 0.01, start=(p["chi"], p["eg"]))
    assert a.eg == pytest.approx(p["eg"], rel=1e-8)


def test_combine_flags_direction_dependence():
    fwd = np.zeros((1, 3, 11))
    fwd[..., 0] = 1.0
    fwd[..., 1] = 0.5
    fwd[..., 6] = 0.5
    rev = fwd.copy()
    rev[0, 1, 1] = 0.7  # different fixed point at the middle point
    rev[0, 2, 9] = 1  # reverse pass did not converge at the last point
    out = _combine(fwd, rev)
    assert list(out["coexist"][0]) == [False, True, False]
    fwd[0, 0, 9] = 2  # forward diverged, reverse converged -> reverse value used
    rev[0, 0, 1] = 0.9
    out = _combine(fwd, rev)
    assert out["eg"][0, 0] == 0.9 and out["converged"][0, 0]


def test_checkpoint_resume_reuses_and_matches(tmp_path):
    kw = dict(GRID, lines_per_chunk=1)
    a = sweep("uniform", checkpoint_dir=tmp_path, **kw)
    assert a.n_computed == a.n_points == 45 and a.n_reused == 0
    (key,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    chunks = sorted(key.glob("chunk_*.npz"))
    assert len(chunks) == 5
    chunks[1].unlink()
    chunks[3].write_bytes(b"truncated")  # unreadable -> recomputed
    b = sweep("uniform", checkpoint_dir=tmp_path, **kw)
    assert b.n_reused == 27 and b.n_computed == 18
    assert same(a, b)
    c = sweep("uniform", checkpoint_dir=tmp_path, **dict(kw, lam=0.5))  # other inputs: no reuse
    assert c.n_reused == 0


def test_save_load_roundtrip(tmp_path):
    r = sweep("log", bits=[2, 3], omega=[1.0, 2.0], alpha=1.5, sigma=0.01, lam=1.0, edge_width=0.1)
    files = r.save(tmp_path / "grid_eps0.1")
    assert [f.name for f in files] == ["grid_eps0.1.nc", "grid_eps0.1.json"]
    r2 = SweepResult.load(tmp_path / "grid_eps0.1")
    assert same(r, r2) and r2.dims == r.dims and r2.fixed == r.fixed
    import json

    meta = json.loads(files[1].read_text())
    assert meta["fastq_version"] and meta["params"]["fixed"]["edge_width"] == 0.1


@pytest.mark.parametrize("kw, word", [
    (dict(omega=[1.0, -2.0]), "omega"), (dict(alpha=0.0), "alpha"), (dict(lam=-1.0), "lam"),
    (dict(sigma=[0.1, float("nan")]), "sigma"), (dict(edge_width=-0.1), "edge_width"),
    (dict(n_p=[0, 1]), "n_p"), (dict(bits=2.5, n_p=None), "bits"), (dict(bits=2), "one of n_p and bits"),
    (dict(along="rho"), "along"), (dict(n_jobs=0.5), "jobs"), (dict(backend="mpi"), "backend"),
])
def test_bad_input_rejected(kw, word):
    base = dict(n_p=[1, 2], omega=[1.0, 2.0], alpha=1.5, sigma=0.01, lam=0.0)
    base.update(kw)
    if base.get("n_p") is None:
        base.pop("n_p")
    with pytest.raises(FastqInputError, match=word):
        sweep("uniform", **base)


def test_predictors_agree_and_quadratic_saves_iterations():
    # a fine omega line (the 10^6 grid's step): every predictor reaches the same fixed points
    # (to the 1e-12 residual amplified by 1/(1-L)); the higher the order the fewer map evaluations
    kw = dict(n_p=[5, 64], omega=np.linspace(0.05, 10.0, 800), alpha=1.5, sigma=0.01, lam=0.0, edge_width=0.1)
    runs = {p: sweep("uniform", predictor=p, **kw) for p in ("previous", "secant", "quadratic")}
    for p, r in runs.items():
        assert r["converged"].all(), p
        assert r.options["predictor"] == p
        np.testing.assert_allclose(r["eg"], runs["previous"]["eg"], rtol=1e-7, atol=1e-11, err_msg=p)
    its = {p: int(r["iterations"].sum()) for p, r in runs.items()}
    assert its["quadratic"] < its["secant"] < its["previous"], its


def test_extrapolate_is_quadratic_where_smooth_and_linear_at_a_kink():
    from fastq.replica._layout import CHI, EG, N_SOLVE, STATUS
    from fastq.studies._sweep_kernels import _extrapolate
    rows = np.zeros((4, N_SOLVE))
    rows[:, STATUS] = 0
    t = np.arange(4.0)
    rows[:, CHI] = 1.0 + 0.1 * t + 0.01 * t ** 2   # smooth: exact for a quadratic
    rows[:, EG] = 2.0 - 0.2 * t + 0.02 * t ** 2
    c, e = _extrapolate(rows, 3, 2)
    assert c == pytest.approx(1.0 + 0.3 + 0.09) and e == pytest.approx(2.0 - 0.6 + 0.18)
    c1, e1 = _extrapolate(rows, 3, 1)
    assert c1 == pytest.approx(2 * rows[2, CHI] - rows[1, CHI]) and e1 == pytest.approx(2 * rows[2, EG] - rows[1, EG])
    rows[:, EG] = [1.0, 1.0, 1.0, 0.0]   # a kink at row 2: the second difference exceeds the first
    rows[2, EG] = 1.5
    c, e = _extrapolate(rows, 3, 2)
    assert e == pytest.approx(2 * rows[2, EG] - rows[1, EG])
    rows[0, STATUS] = 1                  # no third converged row: linear
    rows[:, EG] = 2.0 - 0.2 * t + 0.02 * t ** 2
    assert _extrapolate(rows, 3, 2)[1] == pytest.approx(2 * rows[2, EG] - rows[1, EG])


def test_unknown_predictor_is_refused():
    with pytest.raises(FastqInputError, match="predictor"):
        sweep("uniform", n_p=2, omega=[1.0, 2.0], alpha=1.5, sigma=0.01, lam=0.0, predictor="cubic")


def test_fresh_history_ignores_stale_columns_and_carried_history_saves_evaluations():
    # _solve_hist with count 0 must equal _solve bit for bit whatever the arrays hold (a stale
    # column once leaked into the first Anderson step); a history carried from a nearby point
    # reaches the same fixed point in fewer map evaluations
    from fastq.replica._layout import CHI, EG, ITERATIONS, N_SOLVE, STATUS
    from fastq.replica._solver import _solve, _solve_hist
    q = Quantizer("uniform", 6, 2.0, 0.1)
    args = (*q.pieces, q.thresholds, q.jumps, 0.1, 1.5, 0.01, 0.0, 1.0)
    ref = np.empty(N_SOLVE)
    _solve(*args, 1.0, 0.5, 1e-12, 1000, 3, 1.0, ref)
    out = np.empty(N_SOLVE)
    dX, dF = np.full((2, 3), 7.0), np.full((2, 3), -3.0)
    hist = np.array([0, 2], dtype=np.int64)
    _solve_hist(*args, 1.0, 0.5, 1e-12, 1000, 3, 1.0, dX, dF, hist, out)
    assert np.array_equal(out, ref, equal_nan=True)
    # the history left by that solve, reused at a point 1e-3 away in omega
    q2 = Quantizer("uniform", 6, 2.001, 0.1)
    args2 = (*q2.pieces, q2.thresholds, q2.jumps, 0.1, 1.5, 0.01, 0.0, 1.0)
    cold, warm = np.empty(N_SOLVE), np.empty(N_SOLVE)
    _solve(*args2, ref[CHI], ref[EG], 1e-12, 1000, 3, 1.0, cold)
    _solve_hist(*args2, ref[CHI], ref[EG], 1e-12, 1000, 3, 1.0, dX, dF, hist, warm)
    assert cold[STATUS] == 0 and warm[STATUS] == 0 and hist[0] > 0
    assert warm[EG] == pytest.approx(cold[EG], rel=1e-9)
    assert warm[ITERATIONS] < cold[ITERATIONS]
