"""RS/RSB phase diagrams on the (b, omega) plane, the kappa map and the boundary at = 1.

* :func:`phase_diagram` -- one sweep over (n_p, omega) at edge width eps (continuation along
  omega) giving the AT quantity ``at`` and the RS/RSB label per point (``rs = converged and
  at < 1``), plus, optionally, the *kappa map*: the jump coefficient ``kappa`` of the hard
  quantizer's RS solution (eps = 0).  Because ``at ~ kappa / eps`` for small eps, the contour
  ``kappa = eps`` approximates the phase boundary for every edge width at once (THEORY §4).
* :func:`rs_boundary` -- the boundary ``at(omega) = 1`` for each n_p to sub-grid precision: a
  Brent root search (``scipy.optimize.brentq``) on every pair of neighbouring grid cells whose
  ``at - 1`` changes sign, each evaluation a warm-started :func:`fastq.replica.solve_rs`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import _validate as V
from .. import store
from ..defaults import DEFAULT_EDGE_WIDTH
from ..replica import solve_rs
from .sweep_result import SweepResult
from .sweeps import shape_quantizer, sweep


@dataclass(frozen=True)
class PhaseDiagramResult:
    """Result of :func:`phase_diagram`.

    Attributes
    ----------
    result : SweepResult over (n_p, omega) at ``edge_width`` (fields at, rs, eg, ...)
    kappa : SweepResult over the same grid for the hard quantizer (eps = 0) or None; its
        ``kappa`` field is the kappa map
    boundary : list of dicts ``{n_p, bits, omega, kind, at_left, at_right}``; kind is
        "RS->RSB" or "RSB->RS" (in increasing omega), with ``"jump"`` appended when at is
        discontinuous there (coexisting fixed points) rather than crossing 1 continuously
    """

    result: SweepResult
    kappa: SweepResult | None = None
    boundary: list = field(default_factory=list)

    @property
    def edge_width(self) -> float:
        """The edge width at which stability was judged."""
        return float(self.result.fixed["edge_width"])

    @property
    def edge_convention(self) -> str:
        """How the edge width was read ("absolute" or "jump")."""
        return str(self.result.options.get("edge_convention", "absolute"))

    @property
    def rs_fraction(self) -> float:
        """Fraction of grid points whose RS solution converged and is stable."""
        return self.result.rs_fraction

    def kappa_rs_fraction(self, edge_width: float) -> float:
        """Fraction of the grid with ``kappa < edge_width`` (the kappa-map estimate of RS)."""
        if self.kappa is None:
            raise V.FastqInputError("this diagram was computed without the kappa map")
        k = self.kappa["kappa"]
        ok = self.kappa["converged"]
        return float(np.mean(ok & (k < edge_width)))

    def save(self, out_dir, stem: str) -> list[Path]:
        """NPZ + JSON for the grid(s) and a CSV of the boundary, in ``out_dir``."""
        out = Path(out_dir)
        files = self.result.save(out / stem, kind="phase-diagram")
        if self.kappa is not None:
            files += self.kappa.save(out / f"{stem}_kappa", kind="kappa-map")
        rows = [(b["n_p"], b["bits"], b["omega"], b["kind"], b["at_left"], b["at_right"])
                for b in self.boundary]
        files.append(store.write_csv(out / f"{stem}_boundary.csv",
                                     ["n_p", "bits", "omega", "kind", "at_left", "at_right"], rows))
        return files


def phase_diagram(scheme: str = "uniform", *, n_p=None, bits=None, omega, alpha: float = 1.5,
                  sigma: float = 0.01, lam: float = 0.0, rho: float = 1.0,
                  edge_width: float = DEFAULT_EDGE_WIDTH, edge_convention: str = "absolute",
                  kappa_map: bool = True,
                  boundary: bool = True, n_jobs=1, backend: str = "loky", scheduler=None,
                  lines_per_chunk=None, checkpoint_dir=None, progress: bool = False,
                  theory: str = "rs") -> PhaseDiagramResult:
    """RS/RSB phase diagram over (n_p or bits) x omega (sweep kernel ``_sweep_line``).

    Parameters
    ----------
    scheme : {"uniform", "log"}
    n_p, bits : sequence
        Rows of the diagram (give one of them).
    omega : sequence
        Columns (clipping ranges, > 0), continuation runs along omega.
    alpha, sigma, lam, rho : model parameters (default: the paper's Fig. 2(a) setting)
    edge_width : float >= 0
        eps of the smoothed quantizer at which RS stability is judged.
    edge_convention : {"absolute", "jump"}
        eps in weight units, or the per-jump ratio r (ramp k of width ``r D_k``, r <= 1).
    kappa_map : also compute the hard-quantizer solution and its kappa
    boundary : trace ``at = 1`` to sub-grid precision (:func:`rs_boundary`)
    n_jobs, backend, scheduler, lines_per_chunk, checkpoint_dir, progress : see :func:`fastq.sweep`
    theory : {"rs", "1rsb", "auto"}
        Which theory answers Eg in ``result`` (:func:`fastq.sweep`); the stability fields, the
        boundary and the kappa map are RS whatever the theory.
    """
    for name, v in (("n_p", n_p), ("bits", bits), ("omega", omega)):
        if v is not None and np.ndim(v) != 1:
            raise V.FastqInputError(f"{name} must be a 1-D sequence for a phase diagram")
    common = dict(n_p=n_p, bits=bits, omega=omega, alpha=alpha, sigma=sigma, lam=lam, rho=rho,
                  along="omega", n_jobs=n_jobs, backend=backend, scheduler=scheduler,
                  lines_per_chunk=lines_per_chunk, checkpoint_dir=checkpoint_dir, progress=progress)
    res = sweep(scheme, edge_width=V.nonnegative("edge_width", edge_width),
                edge_convention=edge_convention, desc="phase diagram", theory=theory, **common)
    kap = sweep(scheme, edge_width=0.0, desc="kappa map", **common) if kappa_map else None
    bd = rs_boundary(res) if boundary else []
    return PhaseDiagramResult(result=res, kappa=kap, boundary=bd)


def rs_boundary(result: SweepResult, xtol: float = 1e-10) -> list[dict]:
    """Omega where ``at = 1`` for each n_p, to sub-grid precision (Brent's method).

    ``result`` must have dims ``("n_p", "omega")``.  Only pairs of neighbouring points that both
    converged are bracketed.  Each root is reported with the direction of the change; where the
    solution jumps between coexisting fixed points, the root is the jump location and its kind
    ends in ``"jump"``.
    """
    from scipy.optimize import brentq

    if not hasattr(result, "dims") or not hasattr(result, "fixed"):
        raise TypeError(f"rs_boundary needs a SweepResult (from fastq.sweep), got {type(result).__name__}")
    if tuple(result.dims) != ("n_p", "omega"):
        raise V.FastqInputError(f"rs_boundary needs a sweep with dims (n_p, omega), got {result.dims}")
    fx = result.fixed
    eps = float(fx["edge_width"])
    convention = result.options.get("edge_convention", "absolute")
    if eps == 0.0:
        return []  # hard quantizer: at is infinite wherever thresholds carry weight
    at = result["at"]
    conv = result["converged"]
    oms = result["omega"]
    out = []
    # the cells to bracket, found at once: both ends converged and finite, at - 1 changes sign
    # (or touches 0 at one end) -- a 250 x 4000 grid has a few hundred among its 10^6 cells
    with np.errstate(invalid="ignore", over="ignore"):
        d = at - 1.0
        lo_d, hi_d = d[:, :-1], d[:, 1:]
        cand = (conv[:, :-1] & conv[:, 1:] & np.isfinite(lo_d) & np.isfinite(hi_d)
                & ~(lo_d * hi_d > 0) & ~((lo_d == 0) & (hi_d == 0)))
    for i, j in zip(*np.nonzero(cand)):
        n_p = int(result["n_p"][i])
        a = at[i, j] - 1.0
        start = (float(result["chi"][i, j]), float(result["eg"][i, j]))

        def f(w, n_p=n_p, start=start):
            q = shape_quantizer(result.options, w, eps, convention, result.scheme, n_p)
            r = solve_rs(q, fx["alpha"], fx["sigma"], fx["lam"], fx["rho"], start=start)
            return r.at - 1.0 if r.converged else np.nan

        lo, hi = float(oms[j]), float(oms[j + 1])
        try:
            root = brentq(f, lo, hi, xtol=xtol, rtol=4 * np.finfo(float).eps)
        except ValueError:  # a non-converged or non-finite evaluation inside the cell
            continue
        kind = "RS->RSB" if a < 0 else "RSB->RS"
        # continuous crossing: at(root +- small step) straddles 1 by a small amount
        dw = max(1e-7, 1e-6 * root)
        left, right = f(max(lo, root - dw)), f(min(hi, root + dw))
        if not (np.isfinite(left) and np.isfinite(right)) or max(abs(left), abs(right)) > 1e-2:
            kind += " jump"
        out.append({"n_p": n_p, "bits": float(np.log2(n_p + 2)), "omega": float(root),
                    "kind": kind, "at_left": float(at[i, j]), "at_right": float(at[i, j + 1])})
    return out
