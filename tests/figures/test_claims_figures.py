"""The ``claims`` figure group in quick mode, and the peak/verdict rules of fastq.studies.eg_claims."""
from __future__ import annotations

import json

import numpy as np
import pytest

import fastq
from fastq.cli import main
from fastq.studies import eg_claims as E


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("claims")
    rc = main(["figures", "--quick", "--group", "claims", "--out", str(out), "--json"])
    return rc, out / "quick"


def test_quick_group_writes_data_and_pictures(quick_run):
    rc, out = quick_run
    assert rc == 0
    for name in ("claims_optimum", "claims_schemes", "claims_double_descent"):
        assert (out / f"{name}.png").stat().st_size > 10_000
        doc = json.loads((out / f"{name}.json").read_text())
        assert doc["fastq_version"] == fastq.__version__ and doc["params"]["quick"] is True


def test_quick_optimum_rows_match_direct_solves(quick_run):
    _, out = quick_run
    rows = json.loads((out / "claims_optimum.json").read_text())["rows"]
    r = next(x for x in rows if x["scheme"] == "uniform" and x["bits"] == 3)
    assert r["status_1rsb"] == "ok" and r["eg_1rsb"] < r["eg_rs"]
    q = fastq.Quantizer("uniform", 6, r["omega_1rsb"])
    assert fastq.solve_rsb(q, 1.4, 0.01, 0.01).eg == pytest.approx(r["eg_1rsb"], rel=1e-6)
    rs = fastq.solve_rs(fastq.Quantizer("uniform", 6, r["omega_rs"], 0.0), 1.4, 0.01, 0.01)
    assert rs.eg == pytest.approx(r["eg_rs"], rel=1e-9)
    # 1RSB at the RS omega* is no better than at the 1RSB optimum
    assert r["eg_1rsb_at_omega_rs"] >= r["eg_1rsb"] - 1e-9


def test_quick_double_descent_curves(quick_run):
    _, out = quick_run
    z = np.load(out / "claims_double_descent.npz")
    doc = json.loads((out / "claims_double_descent.json").read_text())
    curves = doc["curves"]
    i = next(k for k, c in enumerate(curves) if c[1] == 2 and c[4] == 3.0)
    a = z["alpha"]
    k = int(np.argmin(np.abs(a - 1.2)))
    rs = fastq.solve_rs(fastq.Quantizer("uniform", 2, 3.0, 0.0), float(a[k]), 0.5, 0.01)
    assert z[f"eg_rs_{i}"][k] == pytest.approx(rs.eg, rel=1e-9)
    assert z[f"eg_ridge_{i}"][k] == pytest.approx(fastq.ridge(float(a[k]), 0.5, 0.01).eg, rel=1e-12)
    if z[f"rsb_converged_{i}"][k]:
        r1 = fastq.solve_rsb(fastq.Quantizer("uniform", 2, 3.0), float(a[k]), 0.5, 0.01)
        assert r1.eg == pytest.approx(z[f"eg_1rsb_{i}"][k], rel=1e-6)
    assert {r["verdict_rs"] for r in doc["rows"]} <= {"earlier", "same", "later", "no peak", "undetermined",
                                                      "no ridge peak"}


def test_peak_rules():
    x = np.linspace(0.5, 1.5, 11)
    y = -(x - 0.9) ** 2
    ok = np.ones(11, bool)
    p = E.peak(x, y, ok)
    assert p["kind"] == "interior" and p["alpha"] == pytest.approx(0.9) and p["eg"] == pytest.approx(0.0)
    y_off = -(x - 0.93) ** 2  # the parabolic refinement finds a peak between grid points
    assert E.peak(x, y_off, ok)["alpha"] == pytest.approx(0.93, abs=1e-9)
    assert E.peak(x, -x, ok)["kind"] == "none"  # monotone: the maximum is at the grid's end
    bad = ok.copy()
    bad[5] = False  # a neighbour of the maximum did not converge
    assert E.peak(x, y, bad)["kind"] == "undetermined"
    far = ok.copy()
    far[0] = False
    y2 = y.copy()
    y2[0] = 1.0  # a non-converged point reports more than the candidate
    assert E.peak(x, y2, far)["kind"] == "undetermined"
    y2[0] = np.nan
    assert E.peak(x, y2, far)["kind"] == "interior"


def test_verdicts_and_overall():
    pr = {"kind": "interior", "alpha": 1.0, "eg": 0.7}
    assert E._verdict({"kind": "interior", "alpha": 0.8}, pr) == "earlier"
    assert E._verdict({"kind": "interior", "alpha": 0.99}, pr) == "same"
    assert E._verdict({"kind": "interior", "alpha": 1.2}, pr) == "later"
    assert E._verdict({"kind": "none", "alpha": None}, pr) == "no peak"
    rows = [{"verdict_rs": "earlier"}, {"verdict_rs": "undetermined"}]
    assert E.overall(rows, "rs") == "holds"
    assert E.overall(rows + [{"verdict_rs": "same"}], "rs") == "depends"
    assert E.overall([{"verdict_rs": "no peak"}], "rs") == "does not hold"


def test_double_descent_resumes_from_checkpoints(tmp_path, monkeypatch):
    curves = [("uniform", 2, 0.5, 0.01, 3.0)]
    first = E.double_descent(curves, [0.9, 1.0, 1.1], checkpoint_dir=tmp_path)

    def boom(spec):
        raise AssertionError("recomputed a checkpointed curve")

    monkeypatch.setattr(E, "_chunk", boom)
    again = E.double_descent(curves, [0.9, 1.0, 1.1], checkpoint_dir=tmp_path)
    for k, v in first[0].items():
        np.testing.assert_array_equal(np.asarray(again[0][k]), np.asarray(v))
    assert first[0]["rsb_converged"].all()
