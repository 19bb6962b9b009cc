"""The quantized-SGD figures in quick mode: every figure writes NPZ + JSON (with the fastq version and
its settings) + PNG, and the PNG can be redrawn from the data file alone.  Also the INT/FP
equal-risk search's basic properties (monotone, about one INT bit per FP mantissa bit when the
additive level dominates) and the claims table's shape."""
import json

import numpy as np
import pytest

from fastq.figures import sgd as F
from fastq.plotting import sgd as P


@pytest.mark.parametrize("name", sorted(F.FIGURES))
def test_quick_figure(tmp_path, name):
    paths = F.FIGURES[name](tmp_path, quick=True)
    npz, js, png = paths[:3]
    assert npz.suffix == ".npz" and js.suffix == ".json" and png.suffix == ".png"
    meta = json.loads(js.read_text())
    assert meta["fastq_version"] and meta["params"]["quick"] is True
    assert png.stat().st_size > 5000
    redraw = getattr(P, f"plot_{name}")(npz, tmp_path / "again.png")
    assert redraw.stat().st_size > 5000


def test_int_fp_equivalence_properties():
    from fastq.sgd.intfp import int_fp_equivalence

    r = int_fp_equivalence(2.0, 100, target="gradient", mantissa=(2, 4, 6), steps=300)
    assert np.all(np.diff(r.risk_fp) < 0) and np.all(np.diff(r.int_bits) > 0)
    assert np.all(np.abs(np.diff(r.int_bits) - 2.0) < 0.3)        # 2 mantissa bits ~ 2 INT bits
    for k, b in enumerate(r.int_bits_ceil):
        assert r.risk_int[list(r.bits_grid).index(b)] <= r.risk_fp[k]


def test_claims_rows():
    from fastq.sgd.claims import seed_claims

    rows = seed_claims(quick=True)
    assert len(rows) >= 7
    assert {r["verdict"] for r in rows} <= {"holds", "does not hold", "depends"}
