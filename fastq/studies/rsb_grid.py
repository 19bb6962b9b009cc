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
#: single-core seconds per warm 1RSB point ~ RSB_SECONDS_COEF (n_p + 1)^2: the outer rule and the
#: inner sums both grow with the number of levels.  Measured on the loaded 2-core machine
#: (bench/test_rsb.py): 3-15 ms at n_p = 2, 24-45 ms at 6, 0.1-0.3 s at 14, 0.3-0.8 s at 30; at
#: n_p = 62 the 1RSB maximum leaves the mu range and points cost 2-40 s (cold rescans)
RSB_SECONDS_COEF = 1.3e-3


def rsb_seconds(n_p, points_per_n_p):
    """Predicted single-core seconds of 1RSB points: ``points_per_n_p`` points at each ``n_p``."""
    return float(sum(RSB_SECONDS_COEF * (int(n) + 1) ** 2 * points_per_n_p for n in n_p))


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


def _rsb_lines(spec, chunk):
    """Worker: a chunk of ``(line_index, need mask)`` -> arrays (n_lines, line_length)."""
    out = {k: [] for k in ("eg", "energy", "mu", "status", "converged")}
    for line_index, need in chunk:
        pts = _line_points(spec, line_index)
        row = {k: np.full(len(pts), np.nan) for k in ("eg", "energy", "mu")}
        status = np.zeros(len(pts), dtype=np.int64)
        conv = np.zeros(len(pts), dtype=bool)
        warm = None
        for i, p in enumerate(pts):
            if not need[i]:
                continue
            q = Quantizer(spec["scheme"], int(p["n_p"]), float(p["omega"]))
            r, warm = solve_rsb_warm(q, p["alpha"], p["sigma"], p["lam"], p["rho"], warm)
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
