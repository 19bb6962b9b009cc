"""Generalization-error curves: Eg vs omega, vs alpha (double descent) and vs bits, with ridge.

:func:`curves` runs one :func:`fastq.sweep` per scheme with the curve parameter as the
continuation axis and the number of bits as the other axis, and attaches the ridge reference
(:func:`fastq.ridge`; NaN with ``ridge_finite = False`` where ridge has no finite
solution, i.e. lam = 0 and alpha <= 1).  RSB points (``at >= 1``) and non-converged points stay
in the data, flagged by ``rs``/``converged``; plots mark them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import _validate as V
from .. import store
from ..defaults import DEFAULT_EDGE_WIDTH
from ..quantizers import SCHEMES
from ..replica import NoFiniteSolution, ridge
from .rsb_grid import RSB_FLOAT_FIELDS, check_theory
from .sweep_result import SweepResult
from .sweeps import sweep

VARY = ("omega", "alpha", "bits")


@dataclass(frozen=True)
class CurvesResult:
    """Curves of :func:`curves`: one :class:`SweepResult` per scheme (dims ``(n_p, vary)``,
    or ``(n_p,)`` for ``vary="bits"``) plus the ridge reference on the same x values.
    """

    vary: str
    x: np.ndarray
    results: dict  # scheme -> SweepResult
    ridge_eg: np.ndarray
    ridge_finite: np.ndarray
    params: dict = field(default_factory=dict)

    def rows(self):
        """Long-format rows (one per scheme, bits, x) for CSV output."""
        out = []
        for scheme, r in self.results.items():
            bits = np.log2(np.asarray(r["n_p"]) + 2.0)
            if self.vary == "bits":
                for i in range(len(bits)):
                    out.append(self._row(scheme, bits[i], r["n_p"][i], bits[i], r, (i,), i))
            else:
                for i in range(len(bits)):
                    for j, xv in enumerate(self.x):
                        out.append(self._row(scheme, bits[i], r["n_p"][i], xv, r, (i, j), j))
        return out

    def _row(self, scheme, b, n_p, xv, r, idx, k):
        row = [scheme, float(b), int(n_p), float(xv), float(r["eg"][idx]), float(r["chi"][idx]),
               float(r["at"][idx]), float(r["kappa"][idx]), bool(r["rs"][idx]),
               bool(r["converged"][idx]), bool(r["coexist"][idx]), int(r["status"][idx]),
               float(self.ridge_eg[k]) if self.ridge_finite[k] else float("nan")]
        return row + [float(r[f][idx]) for f in self._extra()]

    HEADER = ["scheme", "bits", "n_p", "x", "eg", "chi", "at", "kappa", "rs", "converged",
              "coexist", "status", "ridge_eg"]

    def _extra(self):
        """The 1RSB columns (theory "1rsb"/"auto"; none for RS)."""
        return list(RSB_FLOAT_FIELDS) if self.params.get("theory", "rs") != "rs" else []

    def header(self):
        """CSV header: :attr:`HEADER`, plus ``energy, mu, eg_rs, energy_rs`` unless RS."""
        return self.HEADER + self._extra()

    def to_xarray(self):
        """All curves as one ``xarray.Dataset``: the grids of every scheme stacked along a
        ``scheme`` dimension, with ``ridge_eg``/``ridge_finite`` along the varied parameter.
        """
        import xarray as xr

        parts = [r.to_xarray().expand_dims(scheme=[s]) for s, r in self.results.items()]
        ds = xr.concat(parts, dim="scheme", combine_attrs="override")
        xdim = "n_p" if self.vary == "bits" else self.vary
        ds["ridge_eg"] = (xdim, np.where(self.ridge_finite, self.ridge_eg, np.nan))
        ds["ridge_finite"] = (xdim, np.asarray(self.ridge_finite, dtype=bool))
        ds.attrs.update(kind="fastq-curves", vary=self.vary, scheme=",".join(self.results))
        ds.attrs["params_json"] = store.to_json(self.params, indent=None)
        return ds

    @classmethod
    def from_xarray(cls, ds) -> CurvesResult:
        """The :class:`CurvesResult` of a Dataset made by :meth:`to_xarray`."""
        from ..labelled import attrs_of

        a = attrs_of(ds)
        vary = a["vary"]
        xdim = "n_p" if vary == "bits" else vary
        results = {}
        for s in ds["scheme"].values:
            part = ds.sel(scheme=s).drop_vars(["ridge_eg", "ridge_finite", "scheme"])
            part.attrs = {**ds.attrs, "scheme": str(s)}
            results[str(s)] = SweepResult.from_xarray(part)
        x = np.log2(ds["n_p"].values + 2.0) if vary == "bits" else ds[xdim].values
        return cls(vary=vary, x=x, results=results, ridge_eg=ds["ridge_eg"].values,
                   ridge_finite=ds["ridge_finite"].values, params=a["params"])

    def save(self, stem) -> list[Path]:
        """``<stem>.csv`` (long format; column x is the varied parameter), ``<stem>.nc`` (the
        labelled curves, netCDF) and ``<stem>.json`` (metadata).
        """
        from ..labelled import write_netcdf

        stem = Path(stem)
        csv = store.write_csv(Path(str(stem) + ".csv"), self.header(), self.rows())
        nc = write_netcdf(self.to_xarray(), Path(str(stem) + ".nc"))
        meta = store.metadata(f"curve-{self.vary}", dict(self.params, vary=self.vary,
                                                         x=np.asarray(self.x).tolist()))
        meta["summary"] = {s: {"rs_fraction": r.rs_fraction, "n_points": r.n_points}
                           for s, r in self.results.items()}
        js = store.write_json(Path(str(stem) + ".json"), meta)
        return [csv, nc, js]


def _ridge_eg(alpha, sigma, lam, rho):
    try:
        return ridge(alpha, sigma, lam, rho).eg, True
    except NoFiniteSolution:
        return float("nan"), False


def curves(vary: str, *, schemes=("uniform",), bits=(2, 3, 4), omega=2.0, alpha=1.5, sigma=0.01,
           lam=0.01, rho=1.0, edge_width=DEFAULT_EDGE_WIDTH, edge_convention="absolute", n_jobs=1,
           backend="loky",
           scheduler=None, progress=False, theory="rs") -> CurvesResult:
    """Eg curves (sweep kernel ``_sweep_line``) for each scheme and number of bits.

    Parameters
    ----------
    vary : {"omega", "alpha", "bits"}
        The x axis; pass its values as a sequence in the argument of the same name (``bits``
        is the list of curves for "omega"/"alpha" and the x values for "bits").
    schemes : sequence of "uniform"/"log"
    bits, omega, alpha, sigma, lam, rho, edge_width, edge_convention : parameters (see
        :func:`fastq.sweep`)
    theory : {"rs", "1rsb", "auto"}
        Which theory answers Eg (see :func:`fastq.sweep`); with "1rsb"/"auto" the CSV gets the
        columns ``energy, mu, eg_rs, energy_rs``.
    """
    check_theory(theory)
    if vary not in VARY:
        raise V.FastqInputError(f"vary must be one of {', '.join(VARY)} (got {vary!r})")
    schemes = tuple([schemes] if isinstance(schemes, str) else schemes)
    for s in schemes:
        if s not in SCHEMES:
            raise V.FastqInputError(f"scheme must be one of {', '.join(SCHEMES)} (got {s!r})")
    if not schemes:
        raise V.FastqInputError("schemes must name at least one scheme")
    bits_l = list(np.atleast_1d(bits))
    sigma = V.nonnegative("sigma", sigma)
    lam = V.nonnegative("lam", lam)
    rho = V.positive("rho", rho)
    kw = dict(bits=bits_l, sigma=sigma, lam=lam, rho=rho, edge_width=edge_width,
              edge_convention=edge_convention, n_jobs=n_jobs,
              backend=backend, scheduler=scheduler, progress=progress, theory=theory)
    if vary == "omega":
        x = np.asarray([V.positive("omega", w) for w in np.atleast_1d(omega)])
        if np.ndim(alpha):
            raise V.FastqInputError("alpha must be a single value when varying omega")
        kw.update(omega=x, alpha=alpha, along="omega")
        r_eg, r_ok = _ridge_eg(alpha, sigma, lam, rho)
        ridge_eg, ridge_ok = np.full(len(x), r_eg), np.full(len(x), r_ok)
    elif vary == "alpha":
        x = np.asarray([V.positive("alpha", a) for a in np.atleast_1d(alpha)])
        if np.ndim(omega):
            raise V.FastqInputError("omega must be a single value when varying alpha")
        kw.update(omega=omega, alpha=x, along="alpha")
        pairs = [_ridge_eg(a, sigma, lam, rho) for a in x]
        ridge_eg = np.array([p[0] for p in pairs])
        ridge_ok = np.array([p[1] for p in pairs])
    else:
        if np.ndim(omega) or np.ndim(alpha):
            raise V.FastqInputError("omega and alpha must be single values when varying bits")
        x = np.asarray(bits_l, dtype=float)
        kw.update(omega=omega, alpha=alpha, along="n_p")
        r_eg, r_ok = _ridge_eg(alpha, sigma, lam, rho)
        ridge_eg, ridge_ok = np.full(len(x), r_eg), np.full(len(x), r_ok)
    results = {s: sweep(s, desc=f"Eg vs {vary} ({s})", **kw) for s in schemes}
    params = {"schemes": list(schemes), "bits": [float(b) for b in bits_l], "sigma": sigma, "lam": lam,
              "rho": rho, "edge_width": float(edge_width), "edge_convention": edge_convention,
              "omega": np.asarray(omega).tolist(), "alpha": np.asarray(alpha).tolist()}
    if theory != "rs":
        params["theory"] = theory
    return CurvesResult(vary=vary, x=x, results=results, ridge_eg=ridge_eg, ridge_finite=ridge_ok,
                    params=params)
