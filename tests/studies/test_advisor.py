"""The advisor beside an omega optimum (fastq.studies.advisor): the 1RSB optimum against a brute
scan of solve_rsb, PTQ against fastq.compare, a dense grid and a direct simulation, the CLI keys."""
from __future__ import annotations

import json

import numpy as np
import pytest

import fastq
from fastq.cli import main

MODEL = dict(alpha=1.4, sigma=0.01, lam=0.01)


def test_1rsb_optimum_is_the_minimum_of_a_brute_scan_of_solve_rsb():
    o = fastq.optimal_omega({"scheme": "uniform", "bits": 2}, **MODEL, omega_range=(0.5, 2.5), n_scan=12,
                            also=("1rsb",))
    a = o.alternatives["1rsb"]
    assert a["status"] == "ok" and a["edge_width"] == 0.0
    grid = np.round(np.arange(1.05, 1.291, 0.02), 6)
    egs = []
    for w in grid:
        r = fastq.solve_rsb(fastq.Quantizer("uniform", 2, float(w)), **MODEL)
        assert r.converged, (w, r.status)
        egs.append(r.eg)
    egs = np.array(egs)
    k = int(np.argmin(egs))
    assert 0 < k < len(grid) - 1  # an interior minimum of the scan
    # vertex of the parabola through the three best points of the brute scan
    c = np.polyfit(grid[k - 1:k + 2], egs[k - 1:k + 2], 2)
    w_par = -c[1] / (2 * c[0])
    assert abs(a["omega_star"] - w_par) < 0.01
    assert a["eg_star"] <= egs.min() + 1e-9  # the refined optimum is at least as good as the scan
    assert a["eg_star"] > egs.min() - 2e-4
    r = fastq.solve_rsb(fastq.Quantizer("uniform", 2, a["omega_star"]), **MODEL)
    assert r.converged and r.eg == pytest.approx(a["eg_star"], rel=1e-6)
    # the 1RSB Eg at the RS omega*: a direct solve, and no lower than the 1RSB optimum
    r_main = fastq.solve_rsb(fastq.Quantizer("uniform", 2, o.omega_star), **MODEL)
    assert r_main.eg == pytest.approx(a["eg_at_omega_main"], rel=1e-6)
    assert a["eg_at_omega_main"] >= a["eg_star"] - 1e-9


def _simulated_ptq(q, alpha, sigma, lam, n, instances, seed):
    """Ridge on teacher instances, rounded to the levels; per-instance Eg (direct NumPy)."""
    rng = np.random.default_rng(seed)
    m = int(round(alpha * n))
    out = []
    for _ in range(instances):
        X = rng.standard_normal((m, n)) / np.sqrt(n)
        w0 = rng.standard_normal(n)
        y = X @ w0 + sigma * rng.standard_normal(m)
        w = np.linalg.solve(X.T @ X + lam * np.eye(n), X.T @ y)
        levels = q.levels
        idx = np.abs(w[:, None] - levels[None, :]).argmin(axis=1)  # nearest level
        d = w0 - levels[idx]
        out.append(0.5 * (d @ d / n + sigma**2))
    return np.array(out)


@pytest.mark.parametrize("scheme,bits,sigma,lam", [("uniform", 2, 0.01, 0.01), ("log", 3, 0.5, 0.1)])
def test_ptq_optimum_matches_compare_grid_and_simulation(scheme, bits, sigma, lam):
    o = fastq.optimal_omega({"scheme": scheme, "bits": bits}, 1.4, sigma, lam, n_scan=16, also=("ptq",))
    p = o.alternatives["ptq"]
    assert p["status"] == "ok"
    n_p = 2**bits - 2
    # the existing PTQ of fastq.compare (qat) at the same omega
    c = fastq.compare(fastq.Quantizer(scheme, n_p, p["omega_star"]), 1.4, sigma, lam)
    assert c.eg_ptq == pytest.approx(p["eg_star"], rel=1e-12)
    assert c.eg_ridge == pytest.approx(p["ridge_eg"], rel=1e-12)
    c_main = fastq.compare(fastq.Quantizer(scheme, n_p, o.omega_star), 1.4, sigma, lam)
    assert c_main.eg_ptq == pytest.approx(p["eg_at_omega_main"], rel=1e-12)
    # a dense grid of compare's PTQ finds nothing better
    grid = np.linspace(0.8, 1.25, 181) * p["omega_star"]
    dense = [fastq.compare(fastq.Quantizer(scheme, n_p, float(w)), 1.4, sigma, lam).eg_ptq for w in grid]
    assert p["eg_star"] <= min(dense) + 1e-12
    # direct simulation: ridge, rounded, on teacher instances (N = 600, 24 instances)
    eg = _simulated_ptq(fastq.Quantizer(scheme, n_p, p["omega_star"]), 1.4, sigma, lam, 600, 24, seed=5)
    se = eg.std(ddof=1) / np.sqrt(eg.size)
    assert abs(eg.mean() - p["eg_star"]) < 4 * se + 2e-3 * p["eg_star"], (eg.mean(), se, p["eg_star"])


def test_ptq_without_finite_ridge_is_a_status():
    o = fastq.optimal_omega({"scheme": "uniform", "bits": 2}, 0.8, 0.1, 0.0, n_scan=8, also="ptq")
    p = o.alternatives["ptq"]
    assert p["status"] == "no_finite_ridge" and p["eg_star"] is None


def test_also_checked():
    with pytest.raises(fastq.FastqInputError, match="also"):
        fastq.optimal_omega({"scheme": "uniform", "bits": 2}, **MODEL, n_scan=8, also=("2rsb",))


def _json(capsys, argv):
    rc = main(argv)
    out = capsys.readouterr().out
    return rc, json.loads(out)


def test_cli_optimize_reports_the_advisor(capsys):
    base = ["optimize", "--bits", "2", "--alpha", "1.4", "--sigma", "0.01", "--lam", "0.01", "--n-scan", "8",
            "--omega-range", "0.5:2.5", "--json"]
    rc, d = _json(capsys, base)
    assert rc == 0 and d["theory"] == "rs" and "omega_star" in d and "eg_star" in d  # old keys kept
    assert d["optimum_1rsb"]["status"] == "ok" and d["optimum_1rsb"]["omega_star"] > d["omega_star"]
    assert d["ptq"]["status"] == "ok"
    rc, d = _json(capsys, base + ["--rsb-optimum", "off"])
    assert d["optimum_1rsb"]["status"] == "not_computed" and "ptq" in d
    # b = 6: predicted far above the automatic limit, so left out with the reason
    rc, d = _json(capsys, ["optimize", "--bits", "6", *base[3:]])
    assert d["optimum_1rsb"]["status"] == "not_computed" and "--rsb-optimum on" in d["optimum_1rsb"]["reason"]
    rc = main([*base[:-1]])
    text = capsys.readouterr().out
    assert "1RSB  omega*" in text and "PTQ   omega*" in text


def test_cli_optimize_1rsb_reports_the_rs_optimum_beside(capsys):
    rc, d = _json(capsys, ["optimize", "--bits", "2", "--alpha", "1.4", "--sigma", "0.01", "--lam", "0.01",
                           "--n-scan", "8", "--omega-range", "0.5:2.5", "--theory", "1rsb", "--json"])
    assert rc == 0 and d["theory"] == "1rsb" and "optimum_1rsb" not in d
    rs = d["optimum_rs"]
    assert rs["status"] == "ok" and rs["omega_star"] < d["omega_star"]
    # the RS Eg at the 1RSB omega*, from a direct solve at the run's edge width
    r = fastq.solve_rs(fastq.Quantizer("uniform", 2, d["omega_star"], d["edge_width"]), 1.4, 0.01, 0.01)
    assert r.eg == pytest.approx(rs["eg_at_omega_main"], rel=1e-9)
    assert d["ptq"]["status"] == "ok"
