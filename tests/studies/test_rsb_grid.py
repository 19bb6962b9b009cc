"""theory = "1rsb" | "auto" through the grid machinery: sweep, curves, workers, checkpoints, CLI."""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest

import fastq
from fastq.studies import curves, rsb_grid, sweep

GRID = dict(bits=[2, 3], omega=[0.3, 0.6, 0.9, 1.2], alpha=1.4, sigma=0.01, lam=0.01, along="omega")


@pytest.fixture(scope="module")
def auto_grid():
    return sweep("uniform", edge_width=0.1, theory="auto", **GRID)


def test_1rsb_grid_equals_solve_rsb_per_point():
    r = sweep("uniform", edge_width=0.0, theory="1rsb", bits=2, omega=[0.9, 1.0, 1.1], alpha=1.4, sigma=0.01,
              lam=0.01)
    rs = sweep("uniform", edge_width=0.0, bits=2, omega=[0.9, 1.0, 1.1], alpha=1.4, sigma=0.01, lam=0.01)
    for j, w in enumerate([0.9, 1.0, 1.1]):
        p = fastq.solve_rsb(fastq.Quantizer.uniform(2, w), 1.4, 0.01, 0.01)
        assert p.converged and r["converged"][j] and r["rsb"][j]
        assert r["eg"][j] == pytest.approx(p.eg, rel=1e-8)
        assert r["energy"][j] == pytest.approx(p.energy, rel=1e-10)
        assert r["mu"][j] == pytest.approx(p.mu, rel=1e-6)
        assert r["eg_rs"][j] == rs["eg"][j]  # the run's RS value, untouched
        assert r["energy_rs"][j] == pytest.approx(p.energy_rs, rel=1e-9)  # edge 0: the hard RS point
        assert r["chi"][j] == rs["chi"][j] and r["at"][j] == rs["at"][j]


def test_auto_is_1rsb_exactly_where_rs_is_unstable(auto_grid):
    r = auto_grid
    rs = sweep("uniform", edge_width=0.1, **GRID)
    unstable = rs["converged"] & ~rs["rs"]
    assert unstable.any() and (~unstable).any()  # both kinds on this grid: the test can fail
    assert np.array_equal(r["rsb"], unstable)
    assert np.array_equal(r["eg"][~unstable], rs["eg"][~unstable])
    assert np.all(np.isnan(r["mu"][~unstable]))
    for i, j in zip(*np.nonzero(unstable)):
        p = fastq.solve_rsb(fastq.Quantizer.uniform(int(r["n_p"][i]), float(r["omega"][j])), 1.4, 0.01, 0.01)
        assert r["eg"][i, j] == pytest.approx(p.eg, rel=1e-7)
        assert r["status"][i, j] == rsb_grid.RSB_STATUS_CODES[p.status]
    assert r.point((0, 1))["status"] in ("converged", "mu_at_edge", "quadrature", "max_iter", "diverged")


def test_workers_do_not_change_values(auto_grid):
    two = sweep("uniform", edge_width=0.1, theory="auto", n_jobs=2, backend="threading", lines_per_chunk=1,
                **GRID)
    for k in ("eg", "energy", "mu", "status"):
        assert np.array_equal(two[k], auto_grid[k], equal_nan=True), k


def test_checkpoints_are_reused(tmp_path, monkeypatch):
    kw = dict(edge_width=0.0, theory="1rsb", bits=2, omega=[0.9, 1.0], alpha=1.4, sigma=0.01, lam=0.01,
              checkpoint_dir=tmp_path)
    first = sweep("uniform", **kw)
    assert list(tmp_path.glob("rsb-sweep-*/chunk_*.npz"))

    def trip(*a, **k):
        raise AssertionError("recomputed a checkpointed 1RSB point")

    monkeypatch.setattr(rsb_grid, "solve_rsb_warm", trip)
    again = sweep("uniform", **kw)
    assert np.array_equal(again["eg"], first["eg"])


def test_curves_csv_and_netcdf_columns(tmp_path):
    cs = curves("omega", bits=[2], omega=[0.9, 1.1], alpha=1.4, sigma=0.01, lam=0.01, edge_width=0.0,
                theory="1rsb")
    files = cs.save(tmp_path / "c")
    with open(files[0]) as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[-4:] == ["energy", "mu", "eg_rs", "energy_rs"]
    assert float(rows[1]["eg"]) < float(rows[1]["eg_rs"])  # omega = 1.1: 1RSB lowers Eg (docs/rsb.md)
    back = type(cs).from_xarray(cs.to_xarray())
    assert np.allclose(back.results["uniform"]["energy"], cs.results["uniform"]["energy"])
    rs = curves("omega", bits=[2], omega=[0.9, 1.1], alpha=1.4, sigma=0.01, lam=0.01, edge_width=0.0)
    assert rs.header() == type(rs).HEADER


def test_bad_theory():
    with pytest.raises(fastq.FastqInputError, match="theory"):
        sweep("uniform", bits=2, omega=1.0, alpha=1.4, sigma=0.01, lam=0.01, theory="2rsb")


def test_cli_curve_theory(tmp_path, capsys):
    from fastq.cli import main

    code = main(["curve", "--vary", "omega", "--bits", "2", "--omega", "0.9:1.1:3", "--alpha", "1.4",
                 "--sigma", "0.01", "--lam", "0.01", "--edge-width", "0", "--theory", "1rsb", "--json",
                 "--no-plot", "--out", str(tmp_path)])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["theory"] == "1rsb" and out["files"][0].endswith("_1rsb.csv")


def test_optimal_omega_1rsb_is_the_minimum_of_the_1rsb_eg():
    o = fastq.optimal_omega({"scheme": "uniform", "bits": 2}, 1.4, 0.01, 0.01, edge_width=0.0,
                            omega_range=(0.8, 1.6), n_scan=12, theory="1rsb")
    assert o.converged and o.status == "ok" and o.theory == "1rsb"
    eg = {w: fastq.solve_rsb(fastq.Quantizer.uniform(2, w), 1.4, 0.01, 0.01) for w in
          (o.omega_star * 0.97, o.omega_star, o.omega_star * 1.03)}
    assert all(r.converged for r in eg.values())
    assert o.eg_star == pytest.approx(eg[o.omega_star].eg, rel=1e-7)
    assert eg[o.omega_star].eg < min(eg[o.omega_star * 0.97].eg, eg[o.omega_star * 1.03].eg)
    rs = fastq.optimal_omega({"scheme": "uniform", "bits": 2}, 1.4, 0.01, 0.01, edge_width=0.0,
                             omega_range=(0.8, 1.6), n_scan=12)
    assert o.omega_star > rs.omega_star + 0.05  # 1RSB moves the optimum up (docs/rsb.md: ~1.05 -> ~1.15)


def test_bit_budget_passes_the_theory():
    b = fastq.bit_budget(1.4, 0.01, 0.01, bits=[2], schemes=["uniform"], edge_width=0.0,
                         omega_range=(0.8, 1.6), n_scan=10, theory="1rsb")
    o = fastq.optimal_omega({"scheme": "uniform", "bits": 2}, 1.4, 0.01, 0.01, edge_width=0.0,
                            omega_range=(0.8, 1.6), n_scan=10, theory="1rsb")
    assert b.optima["uniform"][0].eg_star == o.eg_star and b.optima["uniform"][0].theory == "1rsb"


def test_estimate_accounts_for_1rsb():
    from fastq.studies.cost import estimate_sweep

    kw = dict(n_p=[1, 2], omega=np.linspace(0.5, 1.5, 12), alpha=1.4, sigma=0.01, lam=0.01, kappa_map=False)
    rs = estimate_sweep("uniform", **kw)
    est = estimate_sweep("uniform", theory="1rsb", **kw)
    assert rs.rsb_seconds == 0.0 and est.rsb_seconds > 0.0
    assert est.seconds == pytest.approx(est.rsb_seconds + est.seconds_per_point * est.n_points, rel=1e-9)
    assert "1RSB" in est.describe()
