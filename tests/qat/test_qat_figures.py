"""The ``qgen`` figure group: quick mode writes data + JSON + PNG, and the PNG can be redrawn
from the written data alone."""
import inspect
import json

import pytest

from fastq.figures.qgen import FIGURES
from fastq.plotting import qgen as P


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_quick_figure_and_redraw(name, tmp_path):
    fn = FIGURES[name]
    assert list(inspect.signature(fn).parameters) == ["out_dir", "quick", "n_jobs", "progress"]
    files = fn(tmp_path, quick=True)
    png = tmp_path / f"{name}.png"
    assert png in files and png.stat().st_size > 10_000
    meta = json.loads((tmp_path / f"{name}.json").read_text())
    assert "fastq_version" in meta and meta["params"]
    png.unlink()
    data = meta.get("study_json")
    src = tmp_path / data if data else tmp_path / f"{name}.npz"
    getattr(P, f"plot_{name}")(src, png)
    assert png.stat().st_size > 10_000
