"""Weight formats side by side: the format axis of the RS theory (THEORY section 15).

:func:`format_study` runs, for each named format, a sweep over the scale omega (Eg, AT at the edge
width, kappa, convergence: sweep kernel ``_sweep_line`` with the format's levels ``omega * base``)
and the omega optimizer (:func:`fastq.optimal_omega`: the best scale, its Eg, stability, and the
best RS-stable scale).  :meth:`FormatStudyResult.ranking` sorts the formats by their best Eg within
groups of equal bits per weight (block-scale overhead counted: MXFP4 4.25, NVFP4 4.5).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import _validate as V
from ..defaults import DEFAULT_EDGE_WIDTH
from ..formats import check_format, format_info
from ..store import metadata, write_csv, write_json, write_npz
from .optimum import optimal_omega
from .sweeps import sweep

#: the 4-bit and 8-bit formats compared by default
FORMATS_4BIT = ("int4", "int4-asym", "nf4", "fp4-e2m1", "mxfp4", "nvfp4", "lloyd-max4", "uniform4", "log4")
FORMATS_8BIT = ("int8", "int8-asym", "fp8-e4m3", "fp8-e5m2", "uniform8", "log8")
_TABLE = ("format", "bits", "bits_per_weight", "n_levels", "omega_star", "eg_star", "at_star", "kappa_star",
          "stable", "omega_star_stable", "eg_star_stable", "converged")


@dataclass(frozen=True)
class FormatStudyResult:
    """Result of :func:`format_study`.

    Attributes
    ----------
    formats : list of str
    alpha, sigma, lam, rho, edge_width : the setting
    omega : ndarray, the scale grid
    eg, at, kappa, converged : ndarray (n_formats, n_omega), from the sweep
    table : list of dict, one per format (keys of ``_TABLE``: the best scale and its Eg, AT,
        kappa and stability; the best RS-stable scale)
    """

    formats: list
    alpha: float
    sigma: float
    lam: float
    rho: float
    edge_width: float
    omega: np.ndarray
    eg: np.ndarray
    at: np.ndarray
    kappa: np.ndarray
    converged: np.ndarray
    table: list = field(default_factory=list)

    def ranking(self) -> list[dict]:
        """The table sorted by bits per weight, then by best Eg (not converged last)."""
        return sorted(self.table, key=lambda r: (r["bits_per_weight"], _key(r["eg_star"])))

    def to_dict(self) -> dict:
        """The setting and the table (the arrays are in :meth:`save`'s NPZ)."""
        return {"formats": list(self.formats), "alpha": self.alpha, "sigma": self.sigma, "lam": self.lam,
                "rho": self.rho, "edge_width": self.edge_width, "table": self.ranking()}

    def save(self, out_dir, *, stem: str = "formats") -> list[Path]:
        """``<stem>.npz`` (grids), ``<stem>.csv`` (ranking) and ``<stem>.json`` (metadata and
        table) in ``out_dir``, atomically; returns the paths.
        """
        out_dir = Path(out_dir)
        params = {k: v for k, v in self.to_dict().items() if k != "table"}
        rows = [[r[k] for k in _TABLE] for r in self.ranking()]
        return [write_npz(out_dir / f"{stem}.npz", omega=self.omega, eg=self.eg, at=self.at, kappa=self.kappa,
                          converged=self.converged, formats=np.array(self.formats)),
                write_csv(out_dir / f"{stem}.csv", list(_TABLE), rows),
                write_json(out_dir / f"{stem}.json", {"metadata": metadata("format_study", params),
                                                      "result": self.to_dict()})]


def _key(v):
    return math.inf if v is None or not math.isfinite(v) else v


def format_study(formats=FORMATS_4BIT, *, alpha: float, sigma: float, lam: float, rho: float = 1.0,
                 edge_width: float = DEFAULT_EDGE_WIDTH, omega=None, n_scan: int = 48,
                 n_jobs: int = 1, backend: str = "loky") -> FormatStudyResult:
    """Eg, AT and kappa against the scale for each format, and each format's best scale.

    Parameters
    ----------
    formats : sequence of str
        Names of :data:`fastq.formats.FORMATS` (default: the 4-bit ones).
    alpha, sigma, lam, rho : model
    edge_width : float >= 0
        Absolute edge width at which Eg and AT are evaluated (0: hard, AT infinite).
    omega : sequence, optional
        Scale grid of the sweep (default 60 points geometric in ``[0.1, 12] sqrt(rho)``).
    n_scan : coarse scan points of :func:`fastq.optimal_omega`.
    n_jobs, backend : workers of the sweeps.
    """
    names = [check_format(f) for f in formats]
    if not names:
        raise V.FastqInputError("formats must name at least one format")
    alpha, sigma, lam, rho = V.model(alpha, sigma, lam, rho)
    eps = V.nonnegative("edge_width", edge_width)
    grid = (np.geomspace(0.1, 12.0, 60) * math.sqrt(rho) if omega is None
            else np.array([V.positive("omega", w) for w in np.atleast_1d(omega)]))
    arrays = {k: np.empty((len(names), grid.size)) for k in ("eg", "at", "kappa")}
    conv = np.zeros((len(names), grid.size), dtype=bool)
    table = []
    for i, name in enumerate(names):
        s = sweep(name, omega=grid, alpha=alpha, sigma=sigma, lam=lam, rho=rho, edge_width=eps,
                  n_jobs=n_jobs, backend=backend)
        for k in arrays:
            arrays[k][i] = s[k]
        conv[i] = s["converged"]
        o = optimal_omega({"scheme": name}, alpha, sigma, lam, rho, edge_width=eps, n_scan=n_scan)
        info = format_info(name)
        table.append({"format": name, "bits": info["bits"], "bits_per_weight": info["bits_per_weight"],
                      "n_levels": info["n_levels"], "omega_star": o.omega_star, "eg_star": o.eg_star,
                      "at_star": o.at_star, "kappa_star": o.kappa_star, "stable": o.stable,
                      "omega_star_stable": o.omega_star_stable, "eg_star_stable": o.eg_star_stable,
                      "converged": o.converged})
    return FormatStudyResult(formats=names, alpha=alpha, sigma=sigma, lam=lam, rho=rho, edge_width=eps,
                             omega=grid, eg=arrays["eg"], at=arrays["at"], kappa=arrays["kappa"], converged=conv,
                             table=table)
