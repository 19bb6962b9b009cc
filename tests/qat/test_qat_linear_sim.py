"""Theory against simulation in the linear model (fastq.qat.linear_sim).

Criterion: measured means within 3 standard errors of the exact values (ridge, its training
error, PTQ, QAT via AMP in the RS phase, the rounded QAT weights, and the differences PTQ - ridge
and QAT - PTQ on the same instances).  The default test uses one setting at N = 2000 with 12
instances.  The slow test runs the 24 settings of the docs' validation figure at N = 2000 with
20 instances each, i.e. 192 z-scores: PTQ's Eg and QAT's Eg and Et must be within 3 s.e. at
every setting; for all 192 together a per-comparison 3 s.e. rule would fail by chance alone
(with 20 instances z follows Student's t with 19 dof: P(|z| > 3) = 0.7 %, about 1.4 expected
exceedances), so the multiplicity-aware rule is: at most 4 exceedances of 3 s.e. (a binomial
tail of 1.6 %) and a mean z^2 below 1.5 (1.12 expected; a bias of half a standard error in all
quantities would give 1.37, one of a full s.e. 2.1).  Seeds are fixed (1000 + setting index).
"""
import numpy as np
import pytest

import fastq
from fastq.qat.linear_sim import simulate_compare


def test_one_rs_point_at_n_2000():
    q = fastq.Quantizer.from_bits(4, 1.0, edge_width=0.2)
    r = simulate_compare(q, 1.5, 0.5, 0.1, n=2000, instances=12, seed=5, n_jobs=2)
    assert r.theory.rs and r.converged and r.status == "converged"
    assert set(r.z) >= {"eg_ptq", "eg_qat", "et_qat", "eg_ridge", "et_ridge", "ptq_minus_ridge"}
    assert r.max_abs_z() < 3, r.z


def test_workers_identical_and_validation():
    q = fastq.Quantizer.from_bits(3, 1.0, edge_width=0.3)
    a = simulate_compare(q, 1.5, 0.3, 0.1, n=100, instances=4, seed=1, n_jobs=1)
    b = simulate_compare(q, 1.5, 0.3, 0.1, n=100, instances=4, seed=1, n_jobs=2)
    for k in a.per_instance:
        np.testing.assert_array_equal(a.per_instance[k], b.per_instance[k])
    with pytest.raises(fastq.FastqInputError, match="alpha > 1"):
        simulate_compare(q, 0.5, 0.1, 0.0, n=100, instances=2)
    with pytest.raises(fastq.FastqInputError, match="n must be"):
        simulate_compare(q, 1.5, 0.1, 0.1, n=50_000, instances=2)


@pytest.mark.slow
def test_24_settings_within_3_standard_errors():
    from fastq.figures.qgen import validation_settings

    pts = validation_settings()
    assert len(pts) >= 20
    zs = []
    for i, p in enumerate(pts):
        q = fastq.Quantizer.from_bits(p["bits"], p["omega"], edge_width=p["edge_width"])
        r = simulate_compare(q, p["alpha"], p["sigma"], p["lam"], n=2000, instances=20,
                             seed=1000 + i, n_jobs=2)
        assert r.converged and r.theory.rs
        for k in ("eg_ptq", "eg_qat", "et_qat"):
            assert abs(r.z[k]) < 3, (p, k, r.z[k])
        zs.extend(r.z.values())
    zs = np.array(zs)
    assert zs.size == 8 * len(pts)
    assert np.sum(np.abs(zs) > 3) <= 4
    assert np.mean(zs**2) < 1.5
