"""The issue-25 studies in quick mode: shapes, internal consistency, and the equal-risk interpolation.

Numbers of the full studies are in docs/sgd.md; here the drivers run small and their outputs are
checked against independent computations (exact recursion, direct simulation).
"""
import math

import numpy as np

from fastq.sgd import sgd_risk
from fastq.sgd.highdim import INT_BITS, equal_risk_bits, gradient_highdim, intfp_highdim


def test_equal_risk_bits_interpolates_log_linearly():
    bits = (3, 4, 5, 6)
    risk = [1.0, 0.1, 0.01, 0.001]
    b, c = equal_risk_bits(risk, bits, 0.01 ** 0.5 * 0.1 ** 0.5)       # geometric middle of 4 and 5
    assert c == 5 and b == 4.5
    assert equal_risk_bits(risk, bits, 2.0) == (3.0, 3)
    b, c = equal_risk_bits(risk, bits, 1e-4)
    assert math.isnan(b) and c == -1
    assert equal_risk_bits([math.inf, 0.1, 0.01], (3, 4, 5), 0.5) == (4.0, 4)


def test_intfp_highdim_quick_matches_direct_recursion(tmp_path):
    arr, st = intfp_highdim(quick=True, checkpoint_dir=tmp_path)
    kw = dict(dim=st["dims"][0], decay=st["decays"][0], teacher_decay=st["teacher_decay"], batch=st["batch"],
              gamma=st["gamma"], steps=st["steps"], sigma=st["sigma"])
    direct = sgd_risk(**kw, data="int-rtn:6", checkpoints=[kw["steps"]]).risk[-1]
    assert arr["risk_int"][0, 0, 1, INT_BITS.index(6)] == direct
    assert arr["plain"][0, 0] == sgd_risk(**kw, checkpoints=[kw["steps"]]).risk[-1]
    again, _ = intfp_highdim(quick=True, checkpoint_dir=tmp_path)      # from the cache
    assert np.array_equal(again["risk_fp"], arr["risk_fp"])
    # more bits, less excess risk (real grids, both roundings)
    assert np.all(np.diff(arr["risk_int"][0, 0, :2], axis=-1) <= 1e-15)


def test_gradient_highdim_quick_shapes():
    arr, st = gradient_highdim(quick=True)
    assert arr["excess"].shape == (1, 1, 4) and np.all(np.isfinite(arr["excess_se"]))
    assert arr["model_add"][0, 0] > 0 and arr["model_mult"][0, 0] > 0


def test_approx_error_study_quick():
    from fastq.sgd.approx import approx_error_study

    arr, st = approx_error_study(quick=True)
    data = st["targets"].index("data")
    # data rows carry the exact recursion; the simulation of the same setting is within 4 s.e.
    z = (arr["mc_risk"][data] - arr["exact_risk"][data]) / arr["mc_risk_se"][data]
    assert np.all(np.abs(z) < 4.0), z
    label = st["targets"].index("label")
    assert np.all(arr["bias_floor"][label] >= 0) and np.all(np.isnan(arr["exact_risk"][label]))
