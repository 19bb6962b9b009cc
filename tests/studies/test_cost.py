import json

import numpy as np
import pytest

from fastq.cli import main
from fastq.studies.cost import BASE_MEMORY, BYTES_PER_POINT, calibration_rows, estimate_sweep


def test_calibration_rows_spread_and_include_the_ends():
    assert calibration_rows(250, 3) == [0, 124, 249]
    assert calibration_rows(2, 3) == [0, 1]
    assert calibration_rows(1, 3) == [0]


def test_estimate_scales_with_points_maps_and_workers():
    kw = dict(n_p=list(range(1, 41)), omega=np.linspace(0.1, 5, 50), alpha=1.5, sigma=0.01, lam=0.0)
    one = estimate_sweep("uniform", kappa_map=False, n_jobs=1, **kw)
    assert one.n_points == 2000 and one.maps == 1 and one.calibration_points == 150
    assert one.seconds == pytest.approx(one.seconds_per_point * 2000)
    assert one.memory_bytes == BASE_MEMORY + BYTES_PER_POINT * 2000
    two = estimate_sweep("uniform", kappa_map=True, n_jobs=2, **kw)
    assert two.maps == 2 and two.calibration_points == 300
    assert two.memory_bytes == BASE_MEMORY + BYTES_PER_POINT * 4000
    assert two.seconds < two.seconds_per_point * 4000  # two workers share the work
    assert "worker" in two.describe() and "MiB" in two.describe()


def test_cli_estimate_runs_nothing_and_creates_no_folder(tmp_path, capsys):
    out = tmp_path / "never"
    rc = main(["phase", "--n-p", "1:30", "--omega", "0.1:5:40", "--estimate", "--json", "--out", str(out)])
    assert rc == 0 and not out.exists()
    d = json.loads(capsys.readouterr().out)
    assert d["n_points"] == 1200 and d["maps"] == 2 and d["seconds"] > 0


def test_cli_refuses_a_grid_beyond_memory_before_creating_out(tmp_path, capsys, monkeypatch):
    import fastq.limits as L

    monkeypatch.setattr(L, "physical_memory", lambda: 100 * 2**20)  # a 100 MiB machine
    out = tmp_path / "never"
    rc = main(["phase", "--n-p", "1:4", "--omega", "0.1:5:20", "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and "memory" in err and "limit" in err and not out.exists()
