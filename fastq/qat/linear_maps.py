"""Maps over (bits, omega) and curves versus alpha of :func:`fastq.qat.compare` (driver).

Every grid point is one exact :func:`~fastq.qat.linear.compare` (an RS solve plus closed-form
integrals, milliseconds), so a map of thousands of points takes seconds and needs no
checkpoints; rows are spread over workers with :func:`fastq.parallel.parallel_map` and the
result does not depend on the number of workers (each point is deterministic).

QAT's edge width is either absolute (``edge_width``) or relative to the quantizer's smallest
level spacing (``edge_fraction``, eps = fraction x step), so that at many bits the smoothed
quantizer keeps flat plateaus.  The summary answers the issue's three questions (noise model
within 10 %, QAT vs PTQ, QAT's gap vs ridge's) over all points and over the RS-stable ones.

Public: :func:`compare_map`, :func:`compare_curve`, :class:`CompareGrid`.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

from .. import _validate as V
from ..quantizers import Quantizer, n_p_from_bits
from .linear import compare

#: numeric fields of CompareResult stored on the grid (in this order)
FIELDS = ("eg_qat", "et_qat", "gap_qat", "eg_qat_rounded", "eg_ptq", "eg_ridge", "et_ridge",
          "gap_ridge", "eg_noise_model", "noise_rounding", "noise_clipping", "rel_err_noise_ptq",
          "rel_err_noise_qat", "qat_gain", "qat_gain_rel", "chi_qat", "at", "kappa", "edge_width")
#: refuse grids larger than this many points (about a minute per core at ~5 ms a point)
MAX_POINTS = 200_000
#: the noise model counts as accurate within this relative error (the issue's 10 %)
NOISE_TOLERANCE = 0.10


@dataclass(frozen=True)
class CompareGrid:
    """:func:`compare` on a grid; every field of ``values`` has the grid's shape.

    Attributes
    ----------
    axes : dict name -> 1-D array (``{"bits", "omega"}`` for a map, ``{"alpha"}`` for a curve)
    values : dict field -> array (see ``FIELDS``; NaN where ridge has no finite solution)
    rs, converged : bool arrays (RS-stable and converged QAT solve)
    params : settings (for metadata)
    """

    axes: dict
    values: dict
    rs: np.ndarray
    converged: np.ndarray
    params: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """Answers over all converged points and over the RS-stable ones (see module doc)."""
        out = {}
        for name, mask in (("all", self.converged), ("rs", self.converged & self.rs)):
            v = {k: a[mask] for k, a in self.values.items()}
            ok = np.isfinite(v["eg_ptq"])
            n = int(ok.sum())
            if n == 0:
                out[name] = {"points": 0}
                continue
            gain = v["qat_gain_rel"][ok]
            out[name] = {
                "points": n,
                "noise_within_10pct_of_ptq": float(np.mean(v["rel_err_noise_ptq"][ok] <= NOISE_TOLERANCE)),
                "noise_within_10pct_of_qat": float(np.mean(v["rel_err_noise_qat"][ok] <= NOISE_TOLERANCE)),
                "max_rel_err_noise_ptq": float(np.max(v["rel_err_noise_ptq"][ok])),
                "qat_beats_ptq": float(np.mean(gain > 0)),
                "qat_gain_rel_max": float(np.max(gain)),
                "qat_gain_rel_median": float(np.median(gain)),
                "qat_gain_rel_min": float(np.min(gain)),
                "qat_gap_smaller_than_ridge": float(np.mean(v["gap_qat"][ok] < v["gap_ridge"][ok])),
                "gap_qat_minus_ridge_median": float(np.median(v["gap_qat"][ok] - v["gap_ridge"][ok])),
            }
        return out

    def to_npz_dict(self) -> dict:
        """The grid as a dict of arrays (axes prefixed ``axis_``) for an NPZ file."""
        d = {f"axis_{k}": np.asarray(a) for k, a in self.axes.items()}
        d.update({k: np.asarray(a) for k, a in self.values.items()})
        d["rs"] = self.rs
        d["converged"] = self.converged
        return d


def _point(spec):
    """One grid point: spec = (scheme, n_p, omega, eps, alpha, sigma, lam, rho)."""
    scheme, n_p, omega, eps, alpha, sigma, lam, rho = spec
    c = compare(Quantizer(scheme, n_p, omega, eps), alpha, sigma, lam, rho)
    vals = [getattr(c, k) for k in FIELDS]
    return [math.nan if x is None else float(x) for x in vals], bool(c.rs), bool(c.converged)


def _row(specs):
    return [_point(s) for s in specs]


def _eps_for(q_levels_step: float, edge_width, edge_fraction) -> float:
    return edge_fraction * q_levels_step if edge_fraction is not None else edge_width


def _edge_args(edge_width, edge_fraction):
    from ..defaults import DEFAULT_EDGE_WIDTH

    if edge_width is not None and edge_fraction is not None:
        raise V.FastqInputError("give either edge_width or edge_fraction, not both")
    if edge_width is None and edge_fraction is None:
        edge_width = DEFAULT_EDGE_WIDTH
    if edge_width is not None:
        edge_width = V.nonnegative("edge_width", edge_width)
    if edge_fraction is not None:
        edge_fraction = V.in_range("edge_fraction", edge_fraction, 0.0, 1.0)
    return edge_width, edge_fraction


def _run_rows(rows, n_jobs, progress, desc):
    from ..parallel import parallel_map

    out = parallel_map(_row, rows, n_jobs=n_jobs, progress=progress, desc=desc, chunk_size=1)
    vals = np.array([[p[0] for p in r] for r in out], dtype=float)  # (rows, cols, fields)
    rs = np.array([[p[1] for p in r] for r in out], dtype=bool)
    conv = np.array([[p[2] for p in r] for r in out], dtype=bool)
    return {k: vals[:, :, i] for i, k in enumerate(FIELDS)}, rs, conv


def compare_map(bits, omegas, alpha: float, sigma: float, lam: float, rho: float = 1.0, *,
                scheme: str = "uniform", edge_width: float | None = None,
                edge_fraction: float | None = None, n_jobs: int = 1,
                progress: bool = False) -> CompareGrid:
    """:func:`compare` on the grid ``bits x omegas`` at fixed (alpha, sigma, lam, rho).

    Parameters
    ----------
    bits : sequence of bit widths b (each must give an integer ``n_p = 2^b - 2``)
    omegas : sequence of clipping ranges (> 0)
    alpha, sigma, lam, rho : model
    scheme : "uniform" or "log"
    edge_width : QAT's absolute edge width eps (default ``fastq.DEFAULT_EDGE_WIDTH`` when neither
        option is given);  edge_fraction : eps as a fraction (in [0, 1]) of the smallest level
        spacing, instead
    n_jobs, progress : see :func:`fastq.parallel.parallel_map` (rows = bits)

    Returns
    -------
    CompareGrid with arrays of shape ``(len(bits), len(omegas))``.
    """
    bits = [float(V.positive("bits", b)) for b in np.atleast_1d(bits)]
    n_ps = [n_p_from_bits(b) for b in bits]
    omegas = [V.positive("omega", w) for w in np.atleast_1d(omegas)]
    alpha, sigma, lam, rho = V.model(alpha, sigma, lam, rho)
    edge_width, edge_fraction = _edge_args(edge_width, edge_fraction)
    if len(bits) * len(omegas) > MAX_POINTS:
        raise V.FastqInputError(f"grid has {len(bits) * len(omegas)} points; the limit is {MAX_POINTS}")
    rows = []
    for n_p in n_ps:
        row = []
        for om in omegas:
            step = float(np.min(np.diff(Quantizer(scheme, n_p, om).levels)))
            row.append((scheme, n_p, om, _eps_for(step, edge_width, edge_fraction), alpha, sigma, lam, rho))
        rows.append(row)
    vals, rs, conv = _run_rows(rows, n_jobs, progress, "compare map")
    params = {"scheme": scheme, "alpha": alpha, "sigma": sigma, "lam": lam, "rho": rho,
              "edge_width": edge_width, "edge_fraction": edge_fraction, "bits": bits,
              "n_p": n_ps, "omega": omegas}
    return CompareGrid(axes={"bits": np.array(bits), "omega": np.array(omegas)}, values=vals,
                       rs=rs, converged=conv, params=params)


def compare_curve(bits: float, omega: float, alphas, sigma: float, lam: float, rho: float = 1.0, *,
                  scheme: str = "uniform", edge_width: float | None = None,
                  edge_fraction: float | None = None, n_jobs: int = 1,
                  progress: bool = False) -> CompareGrid:
    """:func:`compare` along ``alphas`` for one quantizer (arrays of shape ``(len(alphas),)``).

    Parameters are those of :func:`compare_map` with one ``bits`` and one ``omega``.
    """
    n_p = n_p_from_bits(bits)
    omega = V.positive("omega", omega)
    alphas = [V.positive("alpha", a) for a in np.atleast_1d(alphas)]
    _, sigma, lam, rho = V.model(1.0, sigma, lam, rho)
    edge_width, edge_fraction = _edge_args(edge_width, edge_fraction)
    if len(alphas) > MAX_POINTS:
        raise V.FastqInputError(f"curve has {len(alphas)} points; the limit is {MAX_POINTS}")
    step = float(np.min(np.diff(Quantizer(scheme, n_p, omega).levels)))
    eps = _eps_for(step, edge_width, edge_fraction)
    rows = [[(scheme, n_p, omega, eps, a, sigma, lam, rho)] for a in alphas]
    vals, rs, conv = _run_rows(rows, n_jobs, progress, "compare curve")
    params = {"scheme": scheme, "bits": float(bits), "n_p": n_p, "omega": omega, "sigma": sigma,
              "lam": lam, "rho": rho, "edge_width": edge_width, "edge_fraction": edge_fraction,
              "alpha": alphas}
    squeeze = functools.partial(np.squeeze, axis=1)
    return CompareGrid(axes={"alpha": np.array(alphas)}, values={k: squeeze(v) for k, v in vals.items()},
                       rs=squeeze(rs), converged=squeeze(conv), params=params)
