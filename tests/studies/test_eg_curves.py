"""Tests of fastq.curves: the paper's robust claims about Eg curves, ridge reference, files."""
import csv

import numpy as np
import pytest

from fastq import FastqInputError, ridge
from fastq.studies import curves

FIG4A = dict(sigma=0.01, lam=0.01, alpha=1.4)


def test_uniform_approaches_ridge_as_bits_grow_but_log_does_not():
    bits = list(range(3, 10))
    cs = curves("bits", schemes=("uniform", "log"), bits=bits, omega=4.0, alpha=1.5, sigma=0.1, lam=0.01,
                edge_width=0.1)
    r0 = ridge(1.5, 0.1, 0.01).eg
    assert np.allclose(cs.ridge_eg, r0)
    gap_u = cs.results["uniform"]["eg"] / r0 - 1
    gap_l = cs.results["log"]["eg"] / r0 - 1
    assert np.all(np.diff(np.abs(gap_u)) < 0)  # monotone approach
    assert abs(gap_u[-1]) < 0.05  # within 5% of ridge at b = 9 (clipping at omega = 4 remains)
    assert gap_l[-1] > 1.0  # log stays far: its outer step is omega / 2 for every b
    assert cs.results["uniform"]["rs"][-1]


# log b = 4 has a shallow optimum (Eg 0.0468 at omega ~ 3.9 vs 0.0493 at omega = 6): weaker margin
@pytest.mark.parametrize("scheme, margin", [("uniform", 0.8), ("log", 0.97)])
def test_interior_optimal_omega_fig4a(scheme, margin):
    omega = np.linspace(0.1, 6.0, 60)
    cs = curves("omega", schemes=(scheme,), bits=[2, 3, 4], omega=omega, edge_width=0.1, **FIG4A)
    r = cs.results[scheme]
    assert r["converged"].all()
    for i in range(3):
        eg = r["eg"][i]
        j = int(np.argmin(eg))
        assert 2 <= j <= len(omega) - 3
        assert eg[j] < margin * eg[0] and eg[j] < margin * eg[-1]


def test_optimum_sharper_at_small_bits():
    omega = np.linspace(0.1, 6.0, 60)
    r = curves("omega", schemes=("uniform",), bits=[2, 4], omega=omega, edge_width=0.1, **FIG4A).results["uniform"]
    rel = r["eg"] / r["eg"].min(axis=1, keepdims=True)
    width = (rel < 1.5).sum(axis=1)  # omega values within 50% of each curve's minimum
    assert width[0] < width[1]


def test_alpha_curve_ridge_flags_no_finite_solution(tmp_path):
    alpha = np.linspace(0.5, 2.0, 7)
    cs = curves("alpha", schemes=("uniform",), bits=[3], omega=2.0, alpha=alpha, sigma=0.1, lam=0.0,
                edge_width=0.1)
    assert list(cs.ridge_finite) == [a > 1 for a in alpha]
    assert np.all(np.isnan(cs.ridge_eg[~cs.ridge_finite]))
    files = cs.save(tmp_path / "c_eps0.1")
    assert [f.name for f in files] == ["c_eps0.1.csv", "c_eps0.1.nc", "c_eps0.1.json"]
    with open(files[0]) as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 7 and rows[0]["ridge_eg"] == "nan" and rows[-1]["ridge_eg"] != "nan"
    assert float(rows[3]["eg"]) == cs.results["uniform"]["eg"][0, 3]


def test_bad_curve_input():
    with pytest.raises(FastqInputError, match="vary"):
        curves("lam")
    with pytest.raises(FastqInputError, match="scheme"):
        curves("omega", schemes=("linear",), omega=[1.0, 2.0])
    with pytest.raises(FastqInputError, match="alpha"):
        curves("omega", omega=[1.0, 2.0], alpha=[1.0, 2.0])
    with pytest.raises(FastqInputError, match="bits"):
        curves("omega", omega=[1.0, 2.0], bits=[2.5])
