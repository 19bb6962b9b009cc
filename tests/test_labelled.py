"""Labelled results: sweep -> netCDF -> xarray.open_dataset -> the same values, coordinates and
attributes; a saved result loads back into the same object (curves too)."""
import json

import numpy as np
import pytest
import xarray as xr

import fastq
from fastq.labelled import read_netcdf, write_netcdf
from fastq.studies import CurvesResult, SweepResult


@pytest.fixture(scope="module")
def grid():
    return fastq.sweep("log", bits=[2, 3, 4], omega=np.linspace(0.5, 4, 7), alpha=[1.0, 1.5],
                       sigma=0.01, lam=0.1, edge_width=0.05, along="omega")


def test_plain_xarray_reads_the_netcdf_file(grid, tmp_path):
    path = write_netcdf(grid.to_xarray(), tmp_path / "g.nc")
    with xr.open_dataset(path) as ds:  # no fastq decoding at all
        assert ds["eg"].dims == ("n_p", "alpha", "omega")
        assert list(ds["n_p"].values) == [2, 6, 14] and list(ds["bits"].values) == [2.0, 3.0, 4.0]
        np.testing.assert_array_equal(ds["omega"].values, grid["omega"])
        np.testing.assert_array_equal(ds["alpha"].values, [1.0, 1.5])
        for k in ("eg", "chi", "at", "kappa", "Q", "m", "iterations", "status"):
            np.testing.assert_array_equal(ds[k].values, grid[k])
        np.testing.assert_array_equal(ds["rs"].values.astype(bool), grid["rs"])
        assert ds.attrs["scheme"] == "log" and ds.attrs["lam"] == 0.1 and ds.attrs["sigma"] == 0.01
        assert ds.attrs["edge_width"] == 0.05 and ds.attrs["edge_width_convention"] == "absolute"
        assert ds.attrs["fastq_version"] == fastq.__version__
        assert json.loads(ds.attrs["options_json"])["tol"] == 1e-12
        # slicing by label, as a researcher would
        assert float(ds["eg"].sel(n_p=6, alpha=1.5).isel(omega=0)) == \
            pytest.approx(float(grid["eg"][1, 1, 0]))


def test_saved_sweep_loads_back_into_the_same_object(grid, tmp_path):
    files = grid.save(tmp_path / "g")
    assert [f.name for f in files] == ["g.nc", "g.json"]
    back = SweepResult.load(tmp_path / "g")
    assert back.dims == grid.dims and back.scheme == grid.scheme
    assert back.fixed == grid.fixed and back.options == grid.options
    for k in grid.coords:
        np.testing.assert_array_equal(back.coords[k], grid.coords[k])
    for k, v in grid.data.items():
        assert back[k].dtype == v.dtype, k
        np.testing.assert_array_equal(back[k], v)
    assert back.rs_fraction == grid.rs_fraction


def test_curves_round_trip(tmp_path):
    c = fastq.curves("alpha", schemes=("uniform", "log"), bits=[2, 3], omega=2.0,
                     alpha=np.linspace(0.3, 2.0, 5), lam=0.0)
    ds = c.to_xarray()
    assert ds["eg"].dims == ("scheme", "n_p", "alpha") and list(ds["scheme"].values) == ["uniform", "log"]
    assert not bool(ds["ridge_finite"].values[0])  # alpha = 0.3 <= 1 at lam = 0: no finite ridge
    back = CurvesResult.from_xarray(read_netcdf(write_netcdf(ds, tmp_path / "c.nc")))
    assert back.vary == "alpha" and back.params == c.params
    np.testing.assert_array_equal(back.ridge_eg, np.where(c.ridge_finite, c.ridge_eg, np.nan))
    for s in c.results:
        for k, v in c.results[s].data.items():
            np.testing.assert_array_equal(back.results[s][k], v)
