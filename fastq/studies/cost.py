"""The cost model of a grid: time and memory of a phase diagram, from a short calibration.

:func:`estimate_sweep` solves a few whole lines of the grid (rows spread over ``n_p``, every
``omega``: the continuation and the reverse check behave as in the real run, and the rows with
many levels, which cost more, are represented), times them on one core, and scales up:

* time = (seconds per point measured) x points / (workers x :data:`PARALLEL_EFFICIENCY`);
* memory = :data:`BASE_MEMORY` + :data:`BYTES_PER_POINT` x points per map.

The two constants were measured on the 10^6-point diagram of the Fig. 2 setting (2-core
machine): about 600 MiB peak for one map, of which ~250 MiB is the interpreter with NumPy,
Numba, xarray and matplotlib loaded; the result arrays (91 bytes per point) exist about four
times at the peak (chunks, the joined arrays, the Dataset, the netCDF buffer); 2 workers ran
1.5-1.9 times faster than one.
"""
from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass

import numpy as np

from .. import _validate as V
from ..limits import _human_bytes, _human_seconds
from ..parallel import effective_n_jobs, worker_cap

#: interpreter + libraries, measured (bytes)
BASE_MEMORY = 300 * 2**20
#: bytes per grid point and map at the peak: 4 copies of 9 float64, 2 int64 and 3 bool fields
BYTES_PER_POINT = 4 * (9 * 8 + 2 * 8 + 3)
#: speed-up per extra worker relative to perfect scaling (measured 0.75-0.95 for 2 workers)
PARALLEL_EFFICIENCY = 0.85


@dataclass(frozen=True)
class CostEstimate:
    """Predicted cost of a grid run.

    n_points : grid points per map;  maps : 1, or 2 with the kappa map
    calibration_points, calibration_seconds : what was solved to measure the cost
    seconds_per_point : single-core seconds per point and map, measured
    workers : workers assumed;  seconds : predicted wall time;  memory_bytes : predicted peak
    rsb_seconds : the part of ``seconds`` for the 1RSB points (``theory`` "1rsb"/"auto"; an upper
        bound for "auto", which solves 1RSB only where RS is unstable)
    """

    n_points: int
    maps: int
    calibration_points: int
    calibration_seconds: float
    seconds_per_point: float
    workers: int
    seconds: float
    memory_bytes: float
    rsb_seconds: float = 0.0

    def describe(self) -> str:
        """One line for a terminal."""
        return (f"about {_human_seconds(self.seconds)} on {self.workers} worker(s) and "
                f"{_human_bytes(self.memory_bytes)} of memory for {self.n_points * self.maps:,} solves "
                f"({self.seconds_per_point * 1e6:.3g} us per solve, measured on {self.calibration_points:,} "
                f"points in {self.calibration_seconds:.2g} s)"
                + (f", of which {_human_seconds(self.rsb_seconds)} for 1RSB" if self.rsb_seconds else ""))

    def to_dict(self) -> dict:
        """The record as a plain dict."""
        return asdict(self)


def memory_estimate(n_points: int, maps: int = 1) -> float:
    """Predicted peak bytes of a grid run with ``maps`` maps of ``n_points`` points."""
    return BASE_MEMORY + BYTES_PER_POINT * n_points * maps


def calibration_rows(n_rows: int, lines: int) -> list[int]:
    """Indices of ``lines`` rows spread evenly over ``n_rows`` (first and last included)."""
    return sorted(set(np.linspace(0, n_rows - 1, min(lines, n_rows)).round().astype(int).tolist()))


def estimate_sweep(scheme: str = "uniform", *, n_p, omega, alpha, sigma, lam, rho: float = 1.0,
                   edge_width: float = 0.1, edge_convention: str = "absolute", kappa_map: bool = True,
                   n_jobs: int | None = 1,
                   lines: int = 3, theory: str = "rs") -> CostEstimate:
    """Time and memory of ``phase_diagram(scheme, n_p=..., omega=..., ...)`` with ``n_jobs``
    workers, from solving ``lines`` whole rows of the grid here (see the module docstring).
    With ``theory`` "1rsb"/"auto" also 8 warm 1RSB points of the last calibration row (the largest
    n_p, which dominates) are timed and scaled to the grid with the cost law of
    :func:`fastq.studies.rsb_grid.rsb_point_weight` (for "auto" an upper bound: every point counted).
    """
    from .rsb_grid import check_theory
    from .sweeps import sweep

    check_theory(theory)
    n_p = [V.integer("n_p", v, 1) for v in np.atleast_1d(V.float_array("n_p", n_p))]
    omega = np.atleast_1d(V.float_array("omega", omega))
    if not n_p or omega.size == 0:
        raise V.FastqInputError("n_p and omega must each hold at least one value")
    V.model(alpha, sigma, lam, rho)
    lines = V.integer("lines", lines, 1, 100)
    workers = min(effective_n_jobs(n_jobs), worker_cap("threading")[0], max(1, len(n_p)))
    rows = [n_p[i] for i in calibration_rows(len(n_p), lines)]
    model = dict(omega=omega, alpha=alpha, sigma=sigma, lam=lam, rho=rho)
    edge = dict(edge_width=edge_width, edge_convention=edge_convention)
    sweep(scheme, n_p=rows[:1], **dict(model, omega=omega[:2]), **edge)  # JIT warm-up
    t0 = time.perf_counter()
    sweep(scheme, n_p=rows, **model, **edge)
    if kappa_map:
        sweep(scheme, n_p=rows, **model, edge_width=0.0)
    spent = time.perf_counter() - t0
    maps = 2 if kappa_map else 1
    cal_points = len(rows) * omega.size
    per_point = spent / (cal_points * maps)
    n_points = len(n_p) * omega.size
    # more workers than cores only queue for the same cores
    speedup = 1.0 if workers == 1 else min(workers, os.cpu_count() or 1) * PARALLEL_EFFICIENCY
    rsb = _rsb_calibration(scheme, rows[-1], omega, (alpha, sigma, lam, rho), n_p) if theory != "rs" else 0.0
    return CostEstimate(n_points=n_points, maps=maps, calibration_points=cal_points * maps,
                        calibration_seconds=spent, seconds_per_point=per_point, workers=workers,
                        seconds=(per_point * n_points * maps + rsb) / speedup,
                        memory_bytes=memory_estimate(n_points, maps), rsb_seconds=rsb / speedup)


def _rsb_calibration(scheme, row, omega, model, n_p, points=8):
    """Single-core seconds of the 1RSB points of the whole grid: 8 warm points of row ``row`` in the
    middle of the omega range timed here, scaled per row by the cost law of
    :func:`fastq.studies.rsb_grid.rsb_point_weight` and by the row length.
    """
    from ..quantizers import Quantizer
    from ..replica.rsb import solve_rsb_warm
    from .rsb_grid import rsb_point_weight

    mid = omega.size // 2
    ws = omega[max(0, mid - points // 2): mid + points // 2 + 1][:points]
    warm = solve_rsb_warm(Quantizer(scheme, row, float(ws[0])), *model)[1]  # cold start, untimed
    t0 = time.perf_counter()
    for w in ws:
        _, warm = solve_rsb_warm(Quantizer(scheme, row, float(w)), *model, warm=warm)
    coef = (time.perf_counter() - t0) / (len(ws) * rsb_point_weight(row))
    return coef * omega.size * sum(rsb_point_weight(n) for n in n_p)
