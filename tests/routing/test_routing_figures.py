"""The routing figure group in quick mode: data files, metadata, PNG; the claims rows."""
from __future__ import annotations

import json

import numpy as np

from fastq import figures


def test_routing_group_quick(tmp_path):
    assert set(figures.figures_of("routing")) == {"routing_claims", "routing_hebb", "routing_finite",
                                                  "routing_networks"}
    made = [p for name in ("routing_hebb", "routing_claims") for p in figures.make(name, tmp_path, quick=True)]
    assert all(p.exists() and p.stat().st_size > 0 for p in made)
    rows = json.loads((tmp_path / "routing_claims.json").read_text())["rows"]
    assert len(rows) == 6 and all(r["p"] > 0 for r in rows)
    for r in rows:  # the paired difference is the difference of the means (same seeds)
        assert np.isclose(r["routed_minus_independent"], r["routed"] - r["independent"])
    with np.load(tmp_path / "routing_hebb.npz") as z:
        assert z["mean"].shape == (3, 2, 2) and np.all(z["se"] > 0)


def test_routing_finite_quick(tmp_path):
    made = figures.make("routing_finite", tmp_path, quick=True)
    assert all(p.exists() and p.stat().st_size > 0 for p in made)
    rows = json.loads((tmp_path / "routing_finite.json").read_text())["rows"]
    assert len(rows) == 2 * 2 * 2 and all(r["p"] > 0 for r in rows)  # settings x alphas x copies
    for r in rows:  # paired differences are differences of means over the same reported seeds
        assert np.isclose(r["routed_minus_independent"], r["routed"] - r["independent"])
        assert np.isclose(r["routed_minus_replicated"], r["routed"] - r["replicated"])
        assert r["seeds_reported"] == 2


def test_routing_networks_quick_and_resumable(tmp_path):
    made = figures.make("routing_networks", tmp_path, quick=True)
    assert all(p.exists() and p.stat().st_size > 0 for p in made)
    assert list((tmp_path / "checkpoints").rglob("chunk_*.npz"))
    first = json.loads((tmp_path / "routing_networks.json").read_text())["rows"]
    assert len(first) == 2 * 2 * 2 and {r["setting"] for r in first} == {
        "committee K=3 / STE / binary", "MLP K=4 / SGD / real"}
    for r in first:
        assert np.isclose(r["routed_minus_one_model"], r["routed"] - r["one_model"]) and r["seeds_reported"] == 2
        assert 0.0 <= r["centre_routed"] <= 1.0 and 0.0 <= r["train_routed"] <= 1.0
    figures.make("routing_networks", tmp_path, quick=True)  # rerun from the checkpoints: same rows
    assert json.loads((tmp_path / "routing_networks.json").read_text())["rows"] == first
