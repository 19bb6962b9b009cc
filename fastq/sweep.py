"""Grids of RS saddle points: labelled arrays, parallel chunks, continuation, checkpoints.

:func:`sweep` evaluates :func:`fastq.replica.solve_rs` (through its kernel ``_solve``) on the
Cartesian product of any of ``n_p`` (or ``bits``), ``omega``, ``alpha``, ``lam``, ``sigma``,
``edge_width``; every parameter given as a 1-D sequence becomes an axis, every scalar stays
fixed.  Axes are ordered ``n_p/bits, omega, alpha, lam, sigma, edge_width`` unless ``along``
names the axis to continue along, which is then moved last.

Lines and continuation
    The grid is cut into *lines* along the last axis.  Along a line each point starts from the
    solution at its neighbour (continuation), the first point from the uninformed start
    ``chi = 1, Eg = (rho + sigma^2) / 2``.  With ``check_direction=True`` (default) every line is
    also solved in the reverse direction; where the two passes converge to different fixed
    points (coexisting solutions, e.g. near a discontinuous transition) ``coexist`` is True and
    the reverse value is kept in ``eg_reverse``/``at_reverse``.  The forward value is reported
    (or the reverse one where only the reverse pass converged).

Chunks, workers, checkpoints
    Whole lines are grouped into chunks (the unit of parallel work and of checkpointing; the
    chunking never depends on the number of workers, so the values do not either).  Chunks run
    through :func:`fastq.parallel.parallel_map` (loky processes by default, threads, or Dask).
    With ``checkpoint_dir`` every finished chunk is written atomically to
    ``checkpoint_dir/<key>/chunk_NNNNN.npz`` where ``key`` hashes every input that affects the
    values; a rerun with the same inputs loads finished chunks and computes only the rest.
"""
from __future__ import annotations

import functools
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import _validate as V
from .defaults import DEFAULT_EDGE_WIDTH
from .parallel import effective_n_jobs, parallel_map, validate_backend
from ._jit import njit
from .quantizers import MAX_N_P_LOG, MAX_N_P_UNIFORM, SCHEMES, _piece_table, n_p_from_bits
from .replica import CONVERGED, STATUS_NAMES, _solve
from . import store

#: canonical order of the sweepable parameters
AXES = ("n_p", "omega", "alpha", "lam", "sigma", "edge_width")
#: float fields returned per point
FLOAT_FIELDS = ("eg", "chi", "at", "kappa", "Q", "m", "residual", "eg_reverse", "at_reverse")
INT_FIELDS = ("iterations", "status")
BOOL_FIELDS = ("converged", "rs", "coexist")
#: relative difference of (chi, eg) above which forward and reverse fixed points count as different
COEXIST_RTOL = 1e-6


@dataclass
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
        return tuple(len(self.coords[d]) for d in self.dims)

    @property
    def n_points(self) -> int:
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
    def load(cls, path_stem) -> "SweepResult":
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


# ----------------------------------------------------------------------------- validation
def _as_axis(name, value, check):
    arr = np.atleast_1d(np.asarray(value, dtype=np.float64)) if np.ndim(value) else None
    if arr is None:
        return None, check(name, value)
    if arr.ndim != 1 or arr.size == 0:
        raise V.FastqInputError(f"{name} must be a number or a non-empty 1-D sequence of numbers")
    return np.array([check(name, v) for v in arr]), None


def _validate(scheme, n_p, bits, omega, alpha, sigma, lam, rho, edge_width):
    if scheme not in SCHEMES:
        raise V.FastqInputError(f"scheme must be one of {', '.join(SCHEMES)} (got {scheme!r})")
    if (n_p is None) == (bits is None):
        raise V.FastqInputError("give exactly one of n_p and bits")
    max_np = MAX_N_P_UNIFORM if scheme == "uniform" else MAX_N_P_LOG
    if bits is not None:
        vals = np.atleast_1d(np.asarray(bits, dtype=object))
        conv = [n_p_from_bits(b) for b in vals]
        for c in conv:
            V.integer("n_p (from bits)", c, 1, max_np)
        n_p = conv if np.ndim(bits) else conv[0]
    if np.ndim(n_p):
        n_p = [V.integer("n_p", v, 1, max_np) for v in np.asarray(n_p).ravel()]
        if len(n_p) == 0:
            raise V.FastqInputError("n_p must be non-empty")
    else:
        n_p = V.integer("n_p", n_p, 1, max_np)
    checks = {
        "omega": V.positive, "alpha": V.positive, "lam": V.nonnegative, "sigma": V.nonnegative,
        "edge_width": V.nonnegative,
    }
    values = {"omega": omega, "alpha": alpha, "lam": lam, "sigma": sigma, "edge_width": edge_width}
    coords, fixed = {}, {}
    if np.ndim(n_p):
        coords["n_p"] = np.asarray(n_p, dtype=np.int64)
    else:
        fixed["n_p"] = int(n_p)
    for name in AXES[1:]:
        arr, scalar = _as_axis(name, values[name], checks[name])
        if arr is None:
            fixed[name] = scalar
        else:
            coords[name] = arr
    fixed["rho"] = V.positive("rho", rho)
    return coords, fixed


# ----------------------------------------------------------------------------- kernels
@njit
def _levels(log_scheme, n_p, omega):
    """Levels of the uniform (``log_scheme=False``) or log quantizer; the same arithmetic as
    :func:`fastq.quantizers.uniform_levels` / :func:`~fastq.quantizers.log_levels` (bit-identical)."""
    lv = np.empty(n_p + 1)
    if not log_scheme:
        for k in range(n_p + 1):
            lv[k] = -omega + 2.0 * omega * k / n_p
        lv[0] = -omega
        lv[n_p] = omega
        if n_p % 2 == 0:
            lv[n_p // 2] = 0.0
        return lv
    if n_p % 2 == 0:
        half = n_p // 2
        d0 = 2.0 * omega / (2.0 ** ((n_p + 2) / 2) - 2.0)
        for j in range(half + 1):
            v = d0 * (2.0 ** j - 1.0)
            if j == half:
                v = omega
            lv[half + j] = v
            lv[half - j] = -v
        lv[half] = 0.0
        return lv
    half = (n_p - 1) // 2
    d0 = 2.0 * omega / (2.0 ** ((n_p + 3) / 2) - 3.0)
    for j in range(half + 1):
        v = d0 / 2.0 + d0 * (2.0 ** (j + 1.0) - 2.0)
        if j == half:
            v = omega
        lv[half + 1 + j] = v
        lv[half - j] = -v
    return lv


@njit
def _solve_one(log_scheme, n_p, omega, eps, alpha, sigma, lam, rho, chi0, eg0, tol, max_iter, out):
    lv = _levels(log_scheme, n_p, omega)
    th = 0.5 * (lv[1:] + lv[:-1])
    jumps = lv[1:] - lv[:-1]
    breaks, value, slope, centre = _piece_table(lv, th, eps)
    _solve(breaks, value, slope, centre, th, jumps, eps, alpha, sigma, lam, rho, chi0, eg0, tol,
           max_iter, 3, 1.0, out)


@njit
def _sweep_line(log_scheme, n_p, omega, eps, alpha, sigma, lam, rho, tol, max_iter, continuation,
                check_direction, fwd, rev):
    """Solve one line of points (parameter arrays of equal length ``n``).

    Forward pass: point j starts from the converged solution at j - 1 (``continuation``) or from
    the uninformed start ``(1, (rho + sigma^2) / 2)``.  Reverse pass (``check_direction``): the
    same from the other end; without continuation it starts from ``(0, eg_forward / 2)``.
    ``fwd``/``rev`` (n x 11) receive the ``_solve`` output rows; ``rev`` is left untouched when
    the reverse pass is not run.
    """
    n = n_p.shape[0]
    buf = np.empty(11)
    have = False
    c0 = 0.0
    e0 = 0.0
    for j in range(n):
        if not (continuation and have):
            c0 = 1.0
            e0 = 0.5 * (rho[j] + sigma[j] * sigma[j])
        _solve_one(log_scheme, n_p[j], omega[j], eps[j], alpha[j], sigma[j], lam[j], rho[j], c0, e0,
                   tol, max_iter, buf)
        for k in range(11):
            fwd[j, k] = buf[k]
        have = buf[9] == 0.0
        c0 = buf[0]
        e0 = buf[1]
    if not check_direction or n < 2:
        return
    have = False
    for jj in range(n):
        j = n - 1 - jj
        if continuation:
            if not have:
                c0 = 1.0
                e0 = 0.5 * (rho[j] + sigma[j] * sigma[j])
        else:
            c0 = 0.0
            e0 = 0.5 * fwd[j, 1] if fwd[j, 9] == 0.0 else 1e-3
        _solve_one(log_scheme, n_p[j], omega[j], eps[j], alpha[j], sigma[j], lam[j], rho[j], c0, e0,
                   tol, max_iter, buf)
        for k in range(11):
            rev[j, k] = buf[k]
        have = buf[9] == 0.0
        c0 = buf[0]
        e0 = buf[1]


# ----------------------------------------------------------------------------- worker
def _line_params(spec, line_index):
    """Per-point parameter arrays of one line (multi-index over all dims but the last)."""
    dims = spec["dims"]
    n = len(spec["coords"][dims[-1]]) if dims else 1
    p = {}
    for name in ("n_p",) + AXES[1:] + ("rho",):
        if name in spec["fixed"]:
            p[name] = np.full(n, spec["fixed"][name])
    for k, dim in enumerate(dims[:-1]):
        p[dim] = np.full(n, spec["coords"][dim][line_index[k]])
    if dims:
        p[dims[-1]] = np.asarray(spec["coords"][dims[-1]])
    p["n_p"] = p["n_p"].astype(np.int64)
    for name in AXES[1:] + ("rho",):
        p[name] = np.ascontiguousarray(p[name], dtype=np.float64)
    return p, n


def _solve_line(spec, line_index):
    """Forward (and optionally reverse) continuation along one line (kernel ``_sweep_line``)."""
    p, n = _line_params(spec, line_index)
    fwd = np.empty((n, 11))
    rev = np.full((n, 11), np.nan)
    _sweep_line(spec["scheme"] == "log", p["n_p"], p["omega"], p["edge_width"], p["alpha"], p["sigma"],
                p["lam"], p["rho"], spec["tol"], spec["max_iter"], spec["continuation"],
                spec["check_direction"], fwd, rev)
    return fwd, rev


def _solve_lines(spec, line_indices):
    """Worker entry point: a chunk of whole lines -> dict of arrays (n_lines, line_length)."""
    outs = [_solve_line(spec, li) for li in line_indices]
    fwd = np.stack([o[0] for o in outs])
    rev = np.stack([o[1] for o in outs])
    return _combine(fwd, rev)


def _combine(fwd, rev):
    f_conv = fwd[..., 9] == CONVERGED
    r_conv = rev[..., 9] == CONVERGED
    use_rev = (~f_conv) & r_conv
    chosen = np.where(use_rev[..., None], rev, fwd)
    scale_chi = np.maximum(1.0, np.abs(fwd[..., 0]))
    scale_eg = np.maximum(1.0, np.abs(fwd[..., 1]))
    with np.errstate(invalid="ignore"):
        differ = (np.abs(fwd[..., 0] - rev[..., 0]) > COEXIST_RTOL * scale_chi) | (
            np.abs(fwd[..., 1] - rev[..., 1]) > COEXIST_RTOL * scale_eg)
    coexist = f_conv & r_conv & differ
    status = chosen[..., 9].astype(np.int64)
    converged = status == CONVERGED
    return {
        "chi": chosen[..., 0], "eg": chosen[..., 1], "Q": chosen[..., 2], "m": chosen[..., 3],
        "at": chosen[..., 6], "kappa": chosen[..., 7], "iterations": chosen[..., 8].astype(np.int64),
        "status": status, "residual": chosen[..., 10], "converged": converged,
        "rs": converged & (chosen[..., 6] < 1.0), "coexist": coexist,
        "eg_reverse": rev[..., 1], "at_reverse": rev[..., 6],
    }


# ----------------------------------------------------------------------------- public API
def sweep(scheme: str = "uniform", *, n_p=None, bits=None, omega, alpha, sigma, lam, rho: float = 1.0,
          edge_width=DEFAULT_EDGE_WIDTH, along: str | None = None, continuation: bool = True,
          check_direction: bool = True, tol: float = 1e-12, max_iter: int = 10_000,
          n_jobs: int | None = 1, backend: str = "loky", scheduler: str | None = None,
          lines_per_chunk: int | None = None, checkpoint_dir=None, progress: bool = False,
          desc: str = "fastq sweep") -> SweepResult:
    """RS saddle points on a grid (kernel ``fastq.replica._solve``, one line per continuation).

    Parameters
    ----------
    scheme : {"uniform", "log"}
    n_p, bits : int or sequence of int / float or sequence
        Quantizer size; give exactly one (``bits`` must give integer ``n_p = 2**bits - 2``).
        A ``bits`` axis is stored as ``n_p`` with ``bits`` in ``extra_coords``.
    omega, alpha, sigma, lam, edge_width : float or 1-D sequence
        Model and quantizer parameters (omega > 0, alpha > 0, sigma >= 0, lam >= 0,
        edge_width >= 0).  A sequence makes that parameter an axis of the grid.
    rho : float > 0
        Teacher weight variance (fixed).
    along : str, optional
        Axis to continue along (default: the last one in the order n_p, omega, alpha, lam,
        sigma, edge_width).  It becomes the last array dimension.
    continuation : bool
        Warm-start each point from its neighbour on the line (default).  False gives every point
        the uninformed start of ``solve_rs(...)`` with default options (same kernel; values agree
        to ~1e-11 relative, the last bits depending on how the compiled code was inlined).
    check_direction : bool
        Also solve each line in reverse (with ``continuation=False``: from a second start
        ``chi = 0``) and flag points where the fixed point differs (``coexist``).
    tol, max_iter : solver tolerance and iteration cap (as in ``solve_rs``).
    n_jobs, backend, scheduler : parallel execution (see :func:`fastq.parallel.parallel_map`).
    lines_per_chunk : int, optional
        Lines per task/checkpoint (default: about 16 chunks, at most ~4096 points each).
    checkpoint_dir : path, optional
        Keep finished chunks there and reuse them on a rerun with identical inputs.
    progress : bool
        Show a progress bar (chunks).

    Returns
    -------
    SweepResult
    """
    coords, fixed = _validate(scheme, n_p, bits, omega, alpha, sigma, lam, rho, edge_width)
    tol = V.in_range("tol", tol, 0.0, 1e-2, lo_open=True)
    max_iter = V.integer("max_iter", max_iter, 1)
    validate_backend(backend, scheduler)
    effective_n_jobs(n_jobs)
    dims = [d for d in AXES if d in coords]
    if along is not None:
        if along == "bits":
            along = "n_p"
        if along not in coords:
            raise V.FastqInputError(f"along must name a swept parameter ({', '.join(dims) or 'none'}); got {along!r}")
        dims.remove(along)
        dims.append(along)
    dims = tuple(dims)
    extra = {}
    if bits is not None and "n_p" in coords:
        extra["bits"] = np.log2(coords["n_p"] + 2.0)
    shape = tuple(len(coords[d]) for d in dims)
    line_len = shape[-1] if dims else 1
    line_shape = shape[:-1]
    lines = list(np.ndindex(*line_shape)) if dims else [()]
    n_lines = len(lines)
    if lines_per_chunk is None:
        lines_per_chunk = max(1, min(math.ceil(n_lines / 16), math.ceil(4096 / line_len)))
    lines_per_chunk = V.integer("lines_per_chunk", lines_per_chunk, 1)
    chunks = [lines[s:s + lines_per_chunk] for s in range(0, n_lines, lines_per_chunk)]
    options = {"tol": tol, "max_iter": max_iter, "continuation": bool(continuation),
               "check_direction": bool(check_direction), "lines_per_chunk": lines_per_chunk}
    spec = {"scheme": scheme, "dims": dims, "coords": coords, "fixed": fixed, "tol": tol,
            "max_iter": max_iter, "continuation": bool(continuation),
            "check_direction": bool(check_direction)}

    # checkpoints ------------------------------------------------------------------------
    ck_dir = None
    done: dict[int, dict] = {}
    if checkpoint_dir is not None:
        ck_dir = Path(checkpoint_dir) / _key(scheme, dims, coords, fixed, options)
        for ci in range(len(chunks)):
            f = ck_dir / f"chunk_{ci:05d}.npz"
            if f.exists():
                try:
                    with np.load(f) as z:
                        done[ci] = {k: z[k] for k in z.files}
                except (OSError, ValueError, EOFError):  # unreadable file: recompute the chunk
                    pass
        if not (ck_dir / "inputs.json").exists():
            store.write_json(ck_dir / "inputs.json", store.metadata("sweep-checkpoint", {
                "scheme": scheme, "dims": list(dims), "coords": coords, "fixed": fixed,
                "options": options}))
    todo = [ci for ci in range(len(chunks)) if ci not in done]

    def on_result(i, res):
        ci = todo[i]
        done[ci] = res
        if ck_dir is not None:
            store.write_npz(ck_dir / f"chunk_{ci:05d}.npz", **res)

    fn = functools.partial(_solve_lines, spec)
    parallel_map(fn, [chunks[ci] for ci in todo], n_jobs=n_jobs, backend=backend,
                 scheduler=scheduler, chunk_size=1, progress=progress, desc=desc,
                 on_result=on_result)

    # assemble ---------------------------------------------------------------------------
    data = {}
    for name in FLOAT_FIELDS + INT_FIELDS + BOOL_FIELDS:
        parts = [done[ci][name] for ci in range(len(chunks))]
        arr = np.concatenate(parts, axis=0)  # (n_lines, line_len)
        data[name] = arr.reshape(shape) if dims else arr.reshape(())
    n_reused = sum(len(chunks[ci]) for ci in range(len(chunks)) if ci not in todo) * line_len
    n_computed = sum(len(chunks[ci]) for ci in todo) * line_len
    return SweepResult(scheme=scheme, dims=dims, coords=coords, fixed=fixed, data=data,
                       options=options, n_computed=n_computed, n_reused=n_reused,
                       extra_coords=extra)


def _key(scheme, dims, coords, fixed, options) -> str:
    """Hash of every input that affects the values (and the chunking), for checkpoint reuse."""
    blob = json.dumps({"scheme": scheme, "dims": list(dims),
                       "coords": {k: [repr(float(x)) for x in v] for k, v in coords.items()},
                       "fixed": {k: repr(float(v)) for k, v in fixed.items()},
                       "options": options, "format": 1}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]
