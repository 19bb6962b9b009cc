"""Bit budget: the optimal omega for every number of bits and scheme, and the frontier ``Eg*(b)``.

:func:`bit_budget` runs :func:`fastq.optimal_omega` for every ``(scheme, bits)`` in parallel
(:func:`fastq.parallel.parallel_map`), compares the frontier with ridge regression
(:func:`fastq.ridge`) or a target Eg, and reports the smallest sufficient number of bits;
:func:`save_budget` writes it as CSV + JSON metadata.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import _validate as V
from .. import defaults
from ..parallel import effective_n_jobs, parallel_map, validate_backend
from ..quantizers import MAX_N_P_LOG, SCHEMES, check_edge
from ..replica import NoFiniteSolution, ridge
from ..store import metadata, write_csv, write_json
from .omega_search import DEFAULT_N_SCAN, _omega_range
from .optimum import optimal_omega
from .rsb_grid import check_theory


@dataclass(frozen=True)
class BitBudgetResult:
    """Result of :func:`bit_budget`.

    Attributes
    ----------
    bits : list of bits values searched
    schemes : schemes searched
    optima : ``{scheme: [OmegaOptimum per bits]}``
    ridge_eg : Eg of ridge regression (None when it has no finite solution)
    ridge_message : why ``ridge_eg`` is None (else "")
    reference : "ridge" or "target"; ``threshold``: the Eg a quantizer must reach
        (``(1 + tolerance) * ridge_eg`` or ``target_eg``; None if undefined)
    min_bits, min_bits_stable : ``{scheme: smallest bits whose eg_star (eg_star_stable) is
        <= threshold, or None}``
    """

    alpha: float
    sigma: float
    lam: float
    rho: float
    edge_width: float
    bits: list
    schemes: list
    optima: dict
    ridge_eg: float | None
    ridge_message: str
    tolerance: float
    target_eg: float | None
    reference: str
    threshold: float | None
    min_bits: dict
    min_bits_stable: dict
    edge_convention: str = "absolute"

    def rows(self) -> list[dict]:
        """One flat dict per (scheme, bits), in order."""
        out = []
        for s in self.schemes:
            for o in self.optima[s]:
                r = o.summary()
                r["meets_threshold"] = _meets(o.eg_star, self.threshold)
                r["meets_threshold_stable"] = _meets(o.eg_star_stable, self.threshold)
                r["reference_eg"] = self.threshold
                out.append(r)
        return out

    def frontier(self, scheme: str, stable: bool = False) -> np.ndarray:
        """``Eg*(b)`` (or the stable one) for ``scheme`` as an array aligned with :attr:`bits`
        (NaN where undefined).
        """
        key = "eg_star_stable" if stable else "eg_star"
        return np.array([np.nan if getattr(o, key) is None else getattr(o, key)
                         for o in self.optima[scheme]], dtype=float)

    def to_dict(self) -> dict:
        """The record as a plain dict (JSON-ready through :func:`fastq.store.to_json`)."""
        d = {k: getattr(self, k) for k in ("alpha", "sigma", "lam", "rho", "edge_width",
                                           "edge_convention", "bits",
                                           "schemes", "ridge_eg", "ridge_message", "tolerance",
                                           "target_eg", "reference", "threshold", "min_bits",
                                           "min_bits_stable")}
        d["rows"] = self.rows()
        return d


def _meets(eg, threshold):
    return bool(eg is not None and threshold is not None and eg <= threshold)


def _budget_item(item, alpha, sigma, lam, rho, edge_width, omega_range, n_scan, rtol, margin,
                 edge_convention="absolute", theory="rs"):
    scheme, bits = item
    return optimal_omega({"scheme": scheme, "bits": bits}, alpha, sigma, lam, rho,
                         edge_width=edge_width, edge_convention=edge_convention,
                         omega_range=omega_range, n_scan=n_scan, rtol=rtol,
                         margin=margin, theory=theory)


def _check_grid(bits, schemes):
    """Sorted distinct bits (>= 2; <= 9 for the log scheme, whose n_p is capped) and schemes."""
    bits = [V.integer("bits", b, 2, 16) for b in bits]
    if not bits:
        raise V.FastqInputError("bits must contain at least one value")
    if len(set(bits)) != len(bits):
        raise V.FastqInputError(f"bits must not repeat values (got {bits})")
    schemes = list(schemes)
    if not schemes or any(s not in SCHEMES for s in schemes):
        raise V.FastqInputError(f"schemes must be a non-empty subset of {', '.join(SCHEMES)} "
                                f"(got {schemes!r})")
    if "log" in schemes and max(bits) > 9:
        # n_p = 2**bits - 2 must stay <= MAX_N_P_LOG for the log scheme
        raise V.FastqInputError(f"bits must be <= 9 for the log scheme (n_p <= {MAX_N_P_LOG}); "
                                f"got {max(bits)}")
    return sorted(bits), schemes


def bit_budget(alpha: float, sigma: float, lam: float, rho: float = 1.0, *,
               bits: Sequence[int] = range(2, 9), schemes: Sequence[str] = SCHEMES,
               edge_width: float | None = None, edge_convention: str = "absolute",
               omega_range: tuple | None = None, tolerance: float = 0.05, target_eg: float | None = None,
               n_scan: int = DEFAULT_N_SCAN, rtol: float = 1e-6, margin: float = 0.02,
               n_jobs: int = 1, backend: str = "loky", progress: bool = False,
               theory: str = "rs") -> BitBudgetResult:
    """Optimal omega and Eg for every bits value and scheme; the smallest sufficient bits.

    Each ``(scheme, bits)`` is an independent :func:`optimal_omega` call, run through
    :func:`fastq.parallel.parallel_map` (results do not depend on ``n_jobs``).

    Parameters
    ----------
    alpha, sigma, lam, rho : model
    bits : integers >= 2 (``n_p = 2**bits - 2``)
    schemes : subset of ("uniform", "log")
    edge_width : eps (default :data:`fastq.DEFAULT_EDGE_WIDTH`)
    edge_convention : "absolute" (eps in weight units) or "jump" (eps = ratio r of each ramp to
        its jump, r <= 1; the same smoothing at every number of bits)
    tolerance : float >= 0
        A quantizer is "as good as ridge" when ``eg_star <= (1 + tolerance) * ridge_eg``.
    target_eg : float > 0, optional
        Use ``eg_star <= target_eg`` instead of the ridge criterion.  Needed when ridge has no
        finite solution (``lam = 0``, ``alpha <= 1``).
    n_jobs, backend, progress : parallel execution (see :func:`fastq.parallel.parallel_map`)
    theory : {"rs", "1rsb", "auto"}
        Which theory's Eg each optimum minimizes (:func:`optimal_omega`).

    Returns
    -------
    BitBudgetResult
    """
    alpha, sigma, lam, rho = V.model(alpha, sigma, lam, rho)
    bits, schemes = _check_grid(bits, schemes)
    eps = check_edge(defaults.DEFAULT_EDGE_WIDTH if edge_width is None else edge_width, edge_convention)
    omega_range = _omega_range(omega_range, rho)
    tolerance = V.nonnegative("tolerance", tolerance)
    if target_eg is not None:
        target_eg = V.positive("target_eg", target_eg)
    n_scan = V.integer("n_scan", n_scan, 8, 100_000)
    rtol = V.in_range("rtol", rtol, 1e-12, 1e-2)
    margin = V.nonnegative("margin", margin)
    effective_n_jobs(n_jobs)
    validate_backend(backend)
    try:
        ridge_eg, ridge_message = ridge(alpha, sigma, lam, rho).eg, ""
    except NoFiniteSolution as exc:
        ridge_eg, ridge_message = None, str(exc)
    if target_eg is not None:
        reference, threshold = "target", target_eg
    elif ridge_eg is not None:
        reference, threshold = "ridge", (1.0 + tolerance) * ridge_eg
    else:
        reference, threshold = "ridge", None

    items = [(s, b) for s in schemes for b in bits]
    fn = functools.partial(_budget_item, alpha=alpha, sigma=sigma, lam=lam, rho=rho, edge_width=eps,
                           edge_convention=edge_convention,
                           omega_range=omega_range, n_scan=n_scan, rtol=rtol, margin=margin,
                           theory=check_theory(theory))
    res = parallel_map(fn, items, n_jobs=n_jobs, backend=backend, progress=progress,
                       desc="optimal omega")
    optima = {s: [] for s in schemes}
    for (s, _), o in zip(items, res):
        optima[s].append(o)

    def first(s, key):
        for b, o in zip(bits, optima[s]):
            if _meets(getattr(o, key), threshold):
                return b
        return None

    return BitBudgetResult(alpha=alpha, sigma=sigma, lam=lam, rho=rho, edge_width=eps, bits=bits,
                     schemes=schemes, optima=optima, ridge_eg=ridge_eg, ridge_message=ridge_message,
                     tolerance=tolerance, target_eg=target_eg, reference=reference,
                     threshold=threshold, min_bits={s: first(s, "eg_star") for s in schemes},
                     min_bits_stable={s: first(s, "eg_star_stable") for s in schemes},
                     edge_convention=edge_convention)


def save_budget(budget: BitBudgetResult, out_dir, *, stem: str = "frontier") -> list[Path]:
    """Write the frontier ``Eg*(b)`` of ``budget`` as ``<stem>.csv`` and ``<stem>.json``
    (metadata and the full result) in ``out_dir``; returns the written paths.  The PNG is drawn
    by :func:`fastq.plotting.optimize.plot_frontier`.
    """
    if not isinstance(budget, BitBudgetResult):
        raise V.FastqInputError(f"budget must be a BitBudget from fastq.bit_budget (got {type(budget).__name__})")
    out_dir = Path(out_dir)
    header = ["scheme", "bits", "n_p", "omega_star", "eg_star", "stable", "at_star",
              "omega_star_stable", "eg_star_stable", "ridge_eg", "threshold"]
    rows = []
    for s in budget.schemes:
        for o in budget.optima[s]:
            rows.append([s, o.bits, o.n_p, _nan(o.omega_star), _nan(o.eg_star), o.stable, _nan(o.at_star),
                         _nan(o.omega_star_stable), _nan(o.eg_star_stable), _nan(budget.ridge_eg),
                         _nan(budget.threshold)])
    params = {k: getattr(budget, k) for k in ("alpha", "sigma", "lam", "rho", "edge_width",
                                              "edge_convention", "bits", "schemes", "tolerance", "target_eg")}
    paths = [write_csv(out_dir / f"{stem}.csv", header, rows),
             write_json(out_dir / f"{stem}.json", {"metadata": metadata("bit_budget", params),
                                                   "result": budget.to_dict()})]
    return paths


def _nan(v):
    return math.nan if v is None else v
