"""The labelled result of a sweep: :class:`SweepResult` (arrays over named axes), its files."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import store
from .._status import STATUS_NAMES

#: status code -> name (0-2 for every solver; 3, 4 only from 1RSB points, fastq.studies.rsb_grid)
_STATUS_BY_CODE = {**STATUS_NAMES, 3: "mu_at_edge", 4: "quadrature"}

#: canonical order of the sweepable parameters
AXES = ("n_p", "omega", "alpha", "lam", "sigma", "edge_width")
#: float fields returned per point
FLOAT_FIELDS = ("eg", "chi", "at", "kappa", "Q", "m", "residual", "eg_reverse", "at_reverse")
INT_FIELDS = ("iterations", "status")
BOOL_FIELDS = ("converged", "rs", "coexist")


@dataclass(frozen=True)
class SweepResult:
    """Labelled result of :func:`sweep`.

    Attributes
    ----------
    scheme : "uniform" or "log"
    dims : tuple of axis names, in array order (the last is the continuation axis)
    coords : dict axis name -> 1-D array of its values (``n_p`` also gets ``bits`` in ``extra_coords``)
    fixed : dict of the parameters held fixed (scalars), including ``rho``
    data : dict field -> array of shape ``tuple(len(coords[d]) for d in dims)``; fields ``eg, chi,
        at, kappa, Q, m, residual, iterations, status`` (0 converged, 1 max_iter, 2 diverged),
        ``converged``, ``rs`` (converged and at < 1), ``coexist`` (forward and reverse passes
        reached different fixed points), ``eg_reverse``, ``at_reverse`` (reverse pass; NaN
        where it was not run)
        With ``theory`` "1rsb"/"auto" also ``energy, mu, eg_rs, energy_rs, rsb`` and the theory's
        ``eg, converged, status`` (:mod:`fastq.studies.rsb_grid`)
    options : solver options (tol, max_iter, continuation, check_direction; theory if not RS)
    n_computed, n_reused : points computed in this call / loaded from checkpoints
    checkpoint_folder : where this grid's finished chunks are kept (None without checkpoints);
        :func:`fastq.checkpoints.remove_checkpoints` deletes it once the result is saved
    """

    scheme: str
    dims: tuple
    coords: dict
    fixed: dict
    data: dict
    options: dict
    n_computed: int = 0
    n_reused: int = 0
    extra_coords: dict = field(default_factory=dict)
    checkpoint_folder: Path | None = None

    # -- access ---------------------------------------------------------------------------
    def __getitem__(self, name: str) -> np.ndarray:
        if name in self.data:
            return self.data[name]
        if name in self.coords:
            return self.coords[name]
        if name in self.extra_coords:
            return self.extra_coords[name]
        raise KeyError(name)

    @property
    def shape(self) -> tuple:
        """Array shape: the lengths of the axes in ``dims`` order."""
        return tuple(len(self.coords[d]) for d in self.dims)

    @property
    def n_points(self) -> int:
        """Number of grid points."""
        return int(np.prod(self.shape)) if self.dims else 1

    @property
    def rs_fraction(self) -> float:
        """Fraction of grid points whose RS solution converged and is stable (at < 1)."""
        return float(np.mean(self.data["rs"]))

    def point(self, index) -> dict:
        """All parameters and fields at one grid index (a tuple of ints)."""
        index = tuple(index)
        d = dict(self.fixed)
        d["scheme"] = self.scheme
        for k, dim in enumerate(self.dims):
            d[dim] = self.coords[dim][index[k]].item()
        for k, v in self.data.items():
            d[k] = v[index].item()
        d["status"] = _STATUS_BY_CODE[int(d["status"])]
        return d

    def params(self) -> dict:
        """Everything needed to reproduce the grid (saved as metadata)."""
        return {"scheme": self.scheme, "dims": list(self.dims),
                "coords": {k: np.asarray(v).tolist() for k, v in self.coords.items()},
                "fixed": dict(self.fixed), "options": dict(self.options)}

    # -- labelled arrays and files -------------------------------------------------------
    def to_xarray(self):
        """The grid as an ``xarray.Dataset``: dims and coordinates named as in the paper
        (``n_p`` with ``bits`` beside it, ``omega``, ...), one data variable per field, the fixed
        parameters, solver options and fastq version as attributes (:mod:`fastq.labelled`).
        """
        from ..labelled import dataset

        extra = {k: (("n_p" if k == "bits" else k), v) for k, v in self.extra_coords.items()}
        if "n_p" in self.dims and "bits" not in extra:
            extra["bits"] = ("n_p", np.log2(np.asarray(self.coords["n_p"]) + 2.0))
        attrs = {"kind": "fastq-sweep", "scheme": self.scheme, **self.fixed,
                 "edge_width_convention": self.options.get("edge_convention", "absolute"),
                 "fixed": self.fixed, "options": self.options,
                 "status_codes": "0 converged, 1 max_iter, 2 diverged, 3 mu_at_edge, 4 quadrature (1RSB)"}
        return dataset(self.coords, self.data, tuple(self.dims), attrs, extra_coords=extra)

    @classmethod
    def from_xarray(cls, ds) -> SweepResult:
        """The :class:`SweepResult` of a Dataset made by :meth:`to_xarray` (or read from its
        netCDF file).
        """
        from ..labelled import attrs_of

        a = attrs_of(ds)
        dims = tuple(ds[next(iter(ds.data_vars))].dims)
        coords = {d: ds[d].values for d in dims}
        if "n_p" in coords:
            coords["n_p"] = coords["n_p"].astype(np.int64)
        extra = {k: ds[k].values for k in ds.coords if k not in dims}
        data = {k: ds[k].values for k in ds.data_vars}
        return cls(scheme=a["scheme"], dims=dims, coords=coords, fixed=a["fixed"], data=data,
                   options=a["options"], extra_coords=extra)

    def save(self, path_stem, kind: str = "sweep") -> list[Path]:
        """Write ``<stem>.nc`` (the labelled grid, netCDF) and ``<stem>.json`` (metadata and a
        summary) atomically; :meth:`load` reads them back.
        """
        from ..labelled import write_netcdf

        stem = Path(path_stem)
        nc = write_netcdf(self.to_xarray(), Path(str(stem) + ".nc"))
        meta = store.metadata(kind, self.params())
        meta["dims"] = list(self.dims)
        meta["summary"] = {"n_points": self.n_points, "rs_fraction": self.rs_fraction,
                           "n_converged": int(np.sum(self.data["converged"])),
                           "n_coexist": int(np.sum(self.data["coexist"]))}
        js = store.write_json(Path(str(stem) + ".json"), meta)
        return [nc, js]

    @classmethod
    def load(cls, path_stem) -> SweepResult:
        """Read a result written by :meth:`save` (its netCDF file)."""
        from ..labelled import read_netcdf

        return cls.from_xarray(read_netcdf(Path(str(path_stem) + ".nc")))
