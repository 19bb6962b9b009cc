"""The labelled result of a sweep: :class:`SweepResult` (arrays over named axes), its files."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import store
from .._status import STATUS_NAMES

#: canonical order of the sweepable parameters
AXES = ("n_p", "omega", "alpha", "lam", "sigma", "edge_width")
#: float fields returned per point
FLOAT_FIELDS = ("eg", "chi", "at", "kappa", "Q", "m", "residual", "eg_reverse", "at_reverse")
INT_FIELDS = ("iterations", "status")
BOOL_FIELDS = ("converged", "rs", "coexist")
#: relative difference of (chi, eg) above which forward and reverse fixed points count as different
COEXIST_RTOL = 1e-6


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
    options : solver options (tol, max_iter, continuation, check_direction)
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
        d["status"] = STATUS_NAMES[int(d["status"])]
        return d

    def params(self) -> dict:
        """Everything needed to reproduce the grid (saved as metadata)."""
        return {"scheme": self.scheme, "dims": list(self.dims),
                "coords": {k: np.asarray(v).tolist() for k, v in self.coords.items()},
                "fixed": dict(self.fixed), "options": dict(self.options)}

    # -- files ----------------------------------------------------------------------------
    def save(self, path_stem, kind: str = "sweep") -> list[Path]:
        """Write ``<stem>.npz`` (arrays, coordinates) and ``<stem>.json`` (metadata) atomically."""
        stem = Path(path_stem)
        arrays = {f"coord_{k}": np.asarray(v) for k, v in self.coords.items()}
        arrays.update({f"extra_{k}": np.asarray(v) for k, v in self.extra_coords.items()})
        arrays.update({k: np.asarray(v) for k, v in self.data.items()})
        npz = store.write_npz(Path(str(stem) + ".npz"), **arrays)
        meta = store.metadata(kind, self.params())
        meta["dims"] = list(self.dims)
        meta["summary"] = {"n_points": self.n_points, "rs_fraction": self.rs_fraction,
                           "n_converged": int(np.sum(self.data["converged"])),
                           "n_coexist": int(np.sum(self.data["coexist"]))}
        js = store.write_json(Path(str(stem) + ".json"), meta)
        return [npz, js]

    @classmethod
    def load(cls, path_stem) -> SweepResult:
        """Read a result written by :meth:`save`."""
        stem = Path(path_stem)
        meta = store.read_json(Path(str(stem) + ".json"))
        p = meta["params"]
        with np.load(Path(str(stem) + ".npz")) as z:
            coords = {k[6:]: z[k] for k in z.files if k.startswith("coord_")}
            extra = {k[6:]: z[k] for k in z.files if k.startswith("extra_")}
            data = {k: z[k] for k in z.files if not k.startswith(("coord_", "extra_"))}
        return cls(scheme=p["scheme"], dims=tuple(p["dims"]), coords=coords, fixed=p["fixed"],
                   data=data, options=p["options"], extra_coords=extra)
