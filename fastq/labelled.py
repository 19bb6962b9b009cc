"""Labelled grids: every grid result as an ``xarray.Dataset``, and netCDF files of them.

Grid results (sweeps, phase diagrams, curves, the maps of the further systems) convert to an
``xarray.Dataset`` whose dimensions and coordinates carry the papers' names (``n_p`` with
``bits`` beside it, ``omega``, ``alpha``, ``lam``, ``sigma``, ``edge_width``, ...), whose data
variables are the result fields, and whose attributes hold the fixed parameters, the solver
options, the edge-width convention and the fastq version.  :func:`write_netcdf` stores one
atomically as netCDF (format 3, written by SciPy: readable by ``xarray.open_dataset`` on any
machine, with or without fastq); :func:`read_netcdf` reads it back.

netCDF 3 has no booleans, no 64-bit integers and no nested attributes: booleans are stored as
``int8`` and integers as ``int32`` with the attribute ``fastq_dtype`` naming the original type,
which :func:`read_netcdf` restores (``xarray.open_dataset`` alone gives the stored types);
attributes that are not numbers or strings are stored as JSON strings whose names end in
``_json``.

xarray is imported only here and only when used, so ``import fastq`` stays light.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from . import store


def dataset(coords: dict, data: dict, dims: tuple, attrs: dict, *, extra_coords: dict | None = None):
    """An ``xarray.Dataset`` with data variables ``data`` (each of shape ``len(coords[d])`` over
    ``dims``), dimension coordinates ``coords``, optional non-dimension coordinates
    ``extra_coords`` (``name -> (dim, values)``) and the attributes ``attrs``.
    """
    import xarray as xr

    from . import __version__

    ds = xr.Dataset(
        {k: (dims, np.asarray(v)) for k, v in data.items()},
        coords={**{d: np.asarray(coords[d]) for d in dims},
                **{k: (d, np.asarray(v)) for k, (d, v) in (extra_coords or {}).items()}})
    ds.attrs.update(_flat_attrs(attrs))
    ds.attrs["fastq_version"] = __version__
    return ds


def _flat_attrs(attrs: dict) -> dict:
    out = {}
    for k, v in attrs.items():
        if isinstance(v, (bool, np.bool_)):
            out[k] = int(v)
        elif isinstance(v, (int, float, str, np.integer, np.floating)):
            out[k] = v
        elif v is None:
            out[k] = "none"
        else:
            out[f"{k}_json"] = store.to_json(v, indent=None)
    return out


def attrs_of(ds) -> dict:
    """The attributes of a Dataset with the ``*_json`` ones decoded."""
    out = {}
    for k, v in ds.attrs.items():
        if k.endswith("_json"):
            out[k[:-5]] = json.loads(v)
        else:
            out[k] = v.item() if isinstance(v, np.generic) else v
    return out


def write_netcdf(ds, path) -> Path:
    """Write a Dataset as netCDF atomically (format 3 by SciPy); booleans become int8."""
    enc = ds.copy()
    for name, var in list(enc.data_vars.items()):
        if var.dtype == bool:
            enc[name] = var.astype(np.int8)
            enc[name].attrs["fastq_dtype"] = "bool"
        elif var.dtype == np.int64:  # netCDF 3 stores 32-bit integers
            if var.size and np.abs(var.values).max() >= 2**31:
                raise ValueError(f"{name} does not fit netCDF 3's 32-bit integers")
            enc[name] = var.astype(np.int32)
            enc[name].attrs["fastq_dtype"] = "int64"
    return store.atomic_write_bytes(path, enc.to_netcdf(engine="scipy"))


def read_netcdf(path):
    """Read a file written by :func:`write_netcdf` (booleans restored), fully loaded."""
    import xarray as xr

    with xr.open_dataset(path, engine="scipy") as ds:
        ds = ds.load()
    for name, var in list(ds.data_vars.items()):
        kind = var.attrs.get("fastq_dtype")
        if kind in ("bool", "int64"):
            attrs = {k: v for k, v in var.attrs.items() if k != "fastq_dtype"}
            ds[name] = var.astype(bool if kind == "bool" else np.int64)
            ds[name].attrs = attrs
    return ds
