"""1RSB on a grid: the ``theory`` option of :func:`fastq.sweep` and the studies built on it.

``theory="rs"`` is the RS grid as it always was.  ``"1rsb"`` solves the zero-temperature 1RSB
ground state of the hard quantizer (:func:`fastq.solve_rsb`, THEORY 13/13b) at every point;
``"auto"`` only where the RS point of the run is unstable under the run's convention (converged
with ``at >= 1``, i.e. ``rs`` False), keeping RS elsewhere.  The 1RSB points are solved line by
line along the sweep's continuation axis, each warm-started from the previous 1RSB point of the
line (Broyden-Newton in (chi, Delta, Q, m, log mu)); lines go in chunks through
:func:`fastq.checkpoints.run_chunks` (parallel, checkpointed, resumable) exactly as the RS lines.

Fields of the result (:func:`apply_theory`): ``eg`` becomes the theory's Eg; ``converged`` and
``status`` become the theory's (1RSB status codes :data:`RSB_STATUS_CODES`: 3 ``mu_at_edge``,
4 ``quadrature`` besides 0-2); new float fields ``energy`` (ground-state energy per weight),
``mu`` (the Parisi parameter; NaN where RS is kept), ``eg_rs`` and ``energy_rs`` (the RS values
of the run, energy ``alpha Eg / (1 + chi)^2 + lam Q / 2``) and the bool ``rsb`` (the point is
answered by 1RSB).  ``chi, at, kappa, rs, Q, m`` stay those of the RS point (its stability).
"""
from __future__ import annotations

import functools
import math

import numpy as np

from .. import _validate as V
from ..checkpoints import run_chunks
from ..quantizers import Quantizer
from ..replica.rsb import solve_rsb_warm

THEORIES = ("rs", "1rsb", "auto")
#: 1RSB status names -> the integer codes of the ``status`` field (0-2 as for RS)
RSB_STATUS_CODES = {"converged": 0, "max_iter": 1, "diverged": 2, "mu_at_edge": 3, "quadrature": 4}
RSB_FLOAT_FIELDS = ("energy", "mu", "eg_rs", "energy_rs")
#: single-core seconds per 1RSB point of a grid line ~ RSB_SECONDS_COEF (n_p + 1)^RSB_COST_POWER.  The
#: kernel evaluates only the few levels within reach of each outer node, so a point costs about the
#: number of outer nodes (which grows with the thresholds in range) times a handful of levels.
#: Measured on rows of the Fig. 2(a) grid (200 omegas, warm from the largest omega; loaded 2-core
#: machine, CPU time, docs/rsb.md): 2.1 ms per point at n_p = 2, 15 ms at 14, 35 ms at 30, 66 ms at
#: 62 (failures included); the law below is about 1.15 times those (the whole map: 458 s predicted,
#: 441 s measured)
RSB_SECONDS_COEF = 8e-4
RSB_COST_POWER = 1.1


def rsb_point_weight(n_p) -> float:
    """Relative cost of a 1RSB point at ``n_p``: ``(n_p + 1)^RSB_COST_POWER`` up to 63 levels (the
    measured range), times ``((n_p + 1) / 64)^(2 - RSB_COST_POWER)`` beyond: the level bound is
    computed for every level at every outer node and the nodes grow with the thresholds in range,
    so far beyond the measured range the cost is quadratic again (a cold solve at 2001 levels took
    about 5 minutes and did not converge).
    """
    k = int(n_p) + 1
    return float(k**RSB_COST_POWER * max(1.0, k / 64.0) ** (2.0 - RSB_COST_POWER))


def rsb_seconds(n_p, points_per_n_p):
    """Predicted single-core seconds of 1RSB points: ``points_per_n_p`` points at each ``n_p``."""
    return float(sum(RSB_SECONDS_COEF * rsb_point_weight(n) * points_per_n_p for n in n_p))


def check_theory(theory) -> str:
    """``theory`` is one of :data:`THEORIES`."""
    if theory not in THEORIES:
        raise V.FastqInputError(f"theory must be one of {', '.join(THEORIES)} (got {theory!r})")
    return theory


def _line_points(spec, line_index):
    """Per-point (n_p, omega, alpha, lam, sigma, rho) of one line of the grid."""
    dims, coords, fixed = spec["dims"], spec["coords"], spec["fixed"]
    n = len(coords[dims[-1]]) if dims else 1
    names = ("n_p", "omega", "alpha", "lam", "sigma")
    cols = {}
    for name in names + ("rho",):
        if name in fixed:
            cols[name] = [fixed[name]] * n
    for k, dim in enumerate(dims[:-1]):
        cols[dim] = [coords[dim][line_index[k]]] * n
    if dims:
        cols[dims[-1]] = list(coords[dims[-1]])
    return [{k: cols[k][i] for k in names + ("rho",)} for i in range(n)]


def _order(spec, n):
    """The order in which a line's points are solved: along omega from the largest omega down (the
    maximum of e(mu) moves to large mu as omega falls: continuation follows it from where a cold
    start finds it inside the scan grid), along any other axis as given.
    """
    dims = spec["dims"]
    if dims and dims[-1] == "omega":
        return [int(i) for i in np.argsort(-np.asarray(spec["coords"]["omega"], dtype=float), kind="stable")]
    return list(range(n))


def _rsb_lines(spec, chunk):
    """Worker: a chunk of ``(line_index, need mask)`` -> arrays (n_lines, line_length).  Each line
    starts warm from the first point of the previous line of the chunk (the neighbouring n_p row at
    the same omega, on a phase diagram), cold only for the chunk's first line or when that fails;
    the chunks never depend on the number of workers, so neither do the results.  After a point
    without a converged solution the next one starts warm from the last solution of the line and is
    not rescanned cold (a cold rescan costs a hundred warm points and, at the small omegas where
    points fail in a row, found no converged maximum: docs/rsb.md); the first failure of a streak
    is always solved cold.
    """
    out = {k: [] for k in ("eg", "energy", "mu", "status", "converged")}
    first = None  # warm token of the first point of the previous line of this chunk
    for line_index, need in chunk:
        pts = _line_points(spec, line_index)
        row = {k: np.full(len(pts), np.nan) for k in ("eg", "energy", "mu")}
        status = np.zeros(len(pts), dtype=np.int64)
        conv = np.zeros(len(pts), dtype=bool)
        warm, at_first, streak = first, True, False
        for i in _order(spec, len(pts)):
            p = pts[i]
            if not need[i]:
                continue
            q = Quantizer(spec["scheme"], int(p["n_p"]), float(p["omega"]))
            r, token = solve_rsb_warm(q, p["alpha"], p["sigma"], p["lam"], p["rho"], warm, cold=not streak)
            warm = token if token is not None else warm
            streak = not r.converged
            if at_first:
                first, at_first = token, False
            row["eg"][i], row["energy"][i], row["mu"][i] = r.eg, r.energy, r.mu
            status[i], conv[i] = RSB_STATUS_CODES[r.status], r.converged
        for k in ("eg", "energy", "mu"):
            out[k].append(row[k])
        out["status"].append(status)
        out["converged"].append(conv)
    return {k: np.stack(v) for k, v in out.items()}


def rs_energy(eg, chi, Q, alpha, lam):
    """The RS ground-state energy per weight ``alpha Eg / (1 + chi)^2 + lam Q / 2`` (docs/rsb.md)."""
    return alpha * eg / (1.0 + chi) ** 2 + 0.5 * lam * Q


def _broadcast(result, name):
    if name in result.coords:
        idx = result.dims.index(name)
        shape = [1] * len(result.dims)
        shape[idx] = -1
        return np.broadcast_to(np.asarray(result.coords[name], dtype=float).reshape(shape), result.shape)
    return np.full(result.shape, float(result.fixed[name]))


def apply_theory(result, theory, *, lines, chunks_of, n_jobs=1, backend="loky", scheduler=None,
                 checkpoint_dir=None, progress=False, desc="fastq 1RSB"):
    """The :class:`SweepResult` ``result`` (RS) answered by ``theory`` (module docstring).

    ``lines`` are the sweep's line indices in order and ``chunks_of(items)`` cuts a list of
    per-line items into the sweep's chunks (so the chunking never depends on the workers).
    """
    from dataclasses import replace

    check_theory(theory)
    if theory == "rs":
        return result
    d = dict(result.data)
    shape = result.shape
    line_len = shape[-1] if result.dims else 1
    rs_unstable = d["converged"] & ~d["rs"]
    need = np.ones(shape, dtype=bool) if theory == "1rsb" else rs_unstable
    need_lines = need.reshape(-1, line_len)
    items = [(li, need_lines[k].copy()) for k, li in enumerate(lines)]
    spec = {"scheme": result.scheme, "dims": result.dims, "coords": result.coords, "fixed": result.fixed}
    chunks = chunks_of(items)
    run = run_chunks(functools.partial(_rsb_lines, spec), chunks, kind="rsb-sweep",
                     inputs={"scheme": result.scheme, "dims": list(result.dims), "coords": result.coords,
                             "fixed": result.fixed, "options": result.options, "theory": theory,
                             "need": need},
                     checkpoint_dir=checkpoint_dir, n_jobs=n_jobs, backend=backend, scheduler=scheduler,
                     progress=progress, desc=desc)
    new = {k: np.concatenate([r[k] for r in run.results], axis=0).reshape(shape) for k in run.results[0]}
    alpha, lam = _broadcast(result, "alpha"), _broadcast(result, "lam")
    d["eg_rs"] = d["eg"].copy()
    d["energy_rs"] = rs_energy(d["eg"], d["chi"], d["Q"], alpha, lam)
    d["eg"] = np.where(need, new["eg"], d["eg"])
    d["energy"] = np.where(need, new["energy"], d["energy_rs"])
    d["mu"] = np.where(need, new["mu"], math.nan)
    d["status"] = np.where(need, new["status"], d["status"])
    d["converged"] = np.where(need, new["converged"], d["converged"])
    d["rsb"] = need
    options = dict(result.options, theory=theory)
    return replace(result, data=d, options=options)
