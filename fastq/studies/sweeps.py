"""Grids of RS saddle points: labelled arrays, parallel chunks, continuation, checkpoints.

:func:`sweep` evaluates :func:`fastq.solve_rs` (through its kernel ``_solve``) on the
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
    ``checkpoint_dir/sweep-<hash>/chunk_NNNNN.npz`` (:mod:`fastq.checkpoints`) where ``hash``
    covers every input that affects the values; a rerun with the same inputs loads finished
    chunks and computes only the rest.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from .. import _validate as V
from .._status import CONVERGED
from ..checkpoints import run_chunks
from ..defaults import DEFAULT_EDGE_WIDTH
from ..formats import FORMATS
from ..parallel import effective_n_jobs, validate_backend
from ..quantizers import MAX_N_P_LOG, MAX_N_P_UNIFORM, SCHEMES, Quantizer, _format_name, check_edge, n_p_from_bits
from ..replica._layout import AT, CHI, EG, ITERATIONS, KAPPA, N_SOLVE, RESIDUAL, STATUS, M, Q
from ._sweep_kernels import COEXIST_RTOL, REVERSE_FULL, REVERSE_NONE, REVERSE_TARGETED, _sweep_line
from .rsb_grid import apply_theory, check_theory
from .sweep_result import AXES, BOOL_FIELDS, FLOAT_FIELDS, INT_FIELDS, SweepResult


# ----------------------------------------------------------------------------- validation
def _as_axis(name, value, check):
    arr = np.atleast_1d(np.asarray(value, dtype=np.float64)) if np.ndim(value) else None
    if arr is None:
        return None, check(name, value)
    if arr.ndim != 1 or arr.size == 0:
        raise V.FastqInputError(f"{name} must be a number or a non-empty 1-D sequence of numbers")
    return np.array([check(name, v) for v in arr]), None


def _level_shape(scheme, n_p, bits):
    """-> (scheme, n_p, bits, shape): a format name or a Quantizer becomes its scheme with a fixed
    ``n_p`` and ``shape = {"base": [...], "base_th": [...]}`` (levels and given thresholds at
    omega = 1; empty for the paper's grids, which keep their own kernel).
    """
    if isinstance(scheme, str) and scheme in SCHEMES:
        return scheme, n_p, bits, {}
    proto = scheme if isinstance(scheme, Quantizer) else Quantizer.format(_format_name(scheme), 1.0)
    if proto.scheme in SCHEMES:
        if n_p is None and bits is None:
            n_p = proto.n_p
        return proto.scheme, n_p, bits, {}
    if n_p is not None or bits is not None:
        raise V.FastqInputError(f"n_p and bits are fixed by the level set of {proto.scheme!r}; leave them out")
    th = [] if proto.base_thresholds is None else proto.base_thresholds.tolist()
    return proto.scheme, proto.n_p, None, {"base": proto.base.tolist(), "base_th": th}


def _validate(scheme, n_p, bits, omega, alpha, sigma, lam, rho, edge_width):
    if (n_p is None) == (bits is None):
        raise V.FastqInputError("give exactly one of n_p and bits")
    max_np = MAX_N_P_UNIFORM if scheme == "uniform" else MAX_N_P_LOG if scheme == "log" else n_p
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


#: extrapolation order of each continuation predictor (kernel ``_extrapolate``)
_PREDICTOR_ORDER = {"previous": 0, "secant": 1, "quadratic": 2}
#: check_direction -> reverse mode of the kernel
_REVERSE = {"none": REVERSE_NONE, "full": REVERSE_FULL, "targeted": REVERSE_TARGETED}


def _check_reverse(check_direction) -> str:
    """``True``/``False``/"targeted"/"full"/"none" -> one of the names of :data:`_REVERSE`."""
    if check_direction is True:
        return "targeted"
    if check_direction is False:
        return "none"
    if check_direction in _REVERSE:
        return check_direction
    raise V.FastqInputError("check_direction must be True, False, 'targeted', 'full' or 'none' "
                            f"(got {check_direction!r})")


def _solve_line(spec, line_index):
    """Forward (and optionally reverse) continuation along one line (kernel ``_sweep_line``)."""
    p, n = _line_params(spec, line_index)
    fwd = np.empty((n, N_SOLVE))
    rev = np.full((n, N_SOLVE), np.nan)
    base = np.asarray(spec.get("base", ()), dtype=np.float64)
    base_th = np.asarray(spec.get("base_th", ()), dtype=np.float64)
    _sweep_line(spec["scheme"] == "log", base, base_th, p["n_p"], p["omega"], p["edge_width"],
                spec["edge_convention"] == "jump", p["alpha"], p["sigma"],
                p["lam"], p["rho"], spec["tol"], spec["max_iter"], spec["continuation"],
                _REVERSE[spec["check_direction"]], _PREDICTOR_ORDER[spec["predictor"]], fwd, rev)
    return fwd, rev


def _solve_lines(spec, line_indices):
    """Worker entry point: a chunk of whole lines -> dict of arrays (n_lines, line_length)."""
    outs = [_solve_line(spec, li) for li in line_indices]
    fwd = np.stack([o[0] for o in outs])
    rev = np.stack([o[1] for o in outs])
    return _combine(fwd, rev)


def _combine(fwd, rev):
    f_conv = fwd[..., STATUS] == CONVERGED
    r_conv = rev[..., STATUS] == CONVERGED
    use_rev = (~f_conv) & r_conv
    chosen = np.where(use_rev[..., None], rev, fwd)
    scale_chi = np.maximum(1.0, np.abs(fwd[..., CHI]))
    scale_eg = np.maximum(1.0, np.abs(fwd[..., EG]))
    with np.errstate(invalid="ignore"):
        differ = (np.abs(fwd[..., CHI] - rev[..., CHI]) > COEXIST_RTOL * scale_chi) | (
            np.abs(fwd[..., EG] - rev[..., EG]) > COEXIST_RTOL * scale_eg)
    coexist = f_conv & r_conv & differ
    status = chosen[..., STATUS].astype(np.int64)
    converged = status == CONVERGED
    return {
        "chi": chosen[..., CHI], "eg": chosen[..., EG], "Q": chosen[..., Q], "m": chosen[..., M],
        "at": chosen[..., AT], "kappa": chosen[..., KAPPA],
        "iterations": chosen[..., ITERATIONS].astype(np.int64),
        "status": status, "residual": chosen[..., RESIDUAL], "converged": converged,
        "rs": converged & (chosen[..., AT] < 1.0), "coexist": coexist,
        "eg_reverse": rev[..., EG], "at_reverse": rev[..., AT],
    }


# ----------------------------------------------------------------------------- public API
def sweep(scheme: str = "uniform", *, n_p=None, bits=None, omega, alpha, sigma, lam, rho: float = 1.0,
          edge_width=DEFAULT_EDGE_WIDTH, edge_convention: str = "absolute", along: str | None = None,
          continuation: bool = True, check_direction: bool | str = True, predictor: str = "quadratic",
          tol: float = 1e-12, max_iter: int = 10_000,
          n_jobs: int | None = 1, backend: str = "loky", scheduler: str | None = None,
          lines_per_chunk: int | None = None, checkpoint_dir=None, progress: bool = False,
          desc: str = "fastq sweep", theory: str = "rs") -> SweepResult:
    """RS saddle points on a grid (kernel ``_sweep_line``, one line per continuation).

    Parameters
    ----------
    scheme : {"uniform", "log"}, a format name or a Quantizer (its shape ``omega * base`` is
        swept over omega, ``n_p`` fixed: leave n_p/bits out; the shape is kept in ``options``)
    n_p, bits : int or sequence of int / float or sequence
        Size of the paper's grids; give one (``bits`` must give integer ``n_p = 2**bits - 2``).
        A ``bits`` axis is stored as ``n_p`` with ``bits`` in ``extra_coords``.
    omega, alpha, sigma, lam, edge_width : float or 1-D sequence
        Model and quantizer parameters (omega > 0, alpha > 0, sigma >= 0, lam >= 0,
        edge_width >= 0).  A sequence makes that parameter an axis of the grid.
    edge_convention : {"absolute", "jump"}
        ``edge_width`` in weight units, or as the ramp-to-jump ratio r <= 1 (see Quantizer).
    rho : float > 0
        Teacher weight variance (fixed).
    along : str, optional
        Axis to continue along (default: the last one in the order n_p, omega, alpha, lam,
        sigma, edge_width).  It becomes the last array dimension.
    continuation : bool
        Warm-start each point from its neighbour on the line (default).  False gives every point
        the uninformed start of ``solve_rs(...)`` with default options (same kernel; values agree
        to ~1e-11 relative, the last bits depending on how the compiled code was inlined).
    check_direction : bool or {"targeted", "full"}
        Look for a second fixed point by solving lines in reverse and flag points where the two
        passes differ (``coexist``).  ``True``/"targeted" (default): reverse segments only where
        a second branch can exist -- from the far end and from every candidate jump of the
        forward pass, each until it meets the forward solution (see
        :func:`fastq.studies._sweep_kernels._sweep_line`; it flags the same points as "full" on
        every grid checked, at a fraction of the cost).  "full": the whole line again from the
        other end (with ``continuation=False``: every point from a second start ``chi = 0``).
        False: no reverse pass.
    predictor : {"quadratic", "secant", "previous"}
        Start of each continuation step: quadratic extrapolation of the three previous solutions
        where smooth, else linear (default); always linear; or the previous solution.
    tol, max_iter, n_jobs, backend, scheduler : as in ``solve_rs``; :func:`fastq.parallel.parallel_map`.
    lines_per_chunk : int, optional
        Lines per task/checkpoint (default: about 16 chunks, at most ~4096 points each).
    checkpoint_dir : path, optional
        Keep finished chunks there and reuse them on a rerun with identical inputs.
    progress : bool
        Show a progress bar (chunks).
    theory : {"rs", "1rsb", "auto"}
        RS (default); 1RSB of the hard quantizer at every point; or 1RSB only where the RS point
        is unstable (``rs`` False).  See :mod:`fastq.studies.rsb_grid` for the added fields.

    Returns
    -------
    SweepResult
    """
    check_theory(theory)
    scheme, n_p, bits, shape_opts = _level_shape(scheme, n_p, bits)
    _check_theory_shape(theory, shape_opts)
    coords, fixed = _validate(scheme, n_p, bits, omega, alpha, sigma, lam, rho, edge_width)
    options = _solver_options(tol, max_iter, continuation, check_direction, predictor)
    options.update(shape_opts, edge_convention=_check_convention(edge_convention, coords, fixed, shape_opts))
    validate_backend(backend, scheduler)
    effective_n_jobs(n_jobs)
    dims = _order_dims(coords, along)
    shape = tuple(len(coords[d]) for d in dims)
    line_len = shape[-1] if dims else 1
    lines, chunks, lines_per_chunk = _chunk_lines(shape, dims, line_len, lines_per_chunk)
    options["lines_per_chunk"] = lines_per_chunk
    spec = {"scheme": scheme, "dims": dims, "coords": coords, "fixed": fixed, **options}
    run = run_chunks(functools.partial(_solve_lines, spec), chunks, kind="sweep",
                     inputs={"scheme": scheme, "dims": list(dims), "coords": coords, "fixed": fixed,
                             "options": options},
                     checkpoint_dir=checkpoint_dir, n_jobs=n_jobs, backend=backend,
                     scheduler=scheduler, progress=progress, desc=desc)
    result = _assemble(run, chunks, lines, shape, scheme, dims, coords, fixed, options, bits)
    par = dict(checkpoint_dir=checkpoint_dir, n_jobs=n_jobs, backend=backend, scheduler=scheduler, progress=progress)
    return apply_theory(result, theory, lines=lines, chunks_of=functools.partial(_cut, size=lines_per_chunk),
                        desc=desc + " (1RSB)", **par)


def _assemble(run, chunks, lines, shape, scheme, dims, coords, fixed, options, bits):
    """The :class:`SweepResult` of the finished chunks of ``run``."""
    line_len = shape[-1] if dims else 1
    data = {}
    for name in FLOAT_FIELDS + INT_FIELDS + BOOL_FIELDS:
        arr = np.concatenate([r[name] for r in run.results], axis=0)  # (n_lines, line_len)
        data[name] = arr.reshape(shape) if dims else arr.reshape(())
    n_computed = sum(len(chunks[ci]) for ci in run.computed) * line_len
    extra = {"bits": np.log2(coords["n_p"] + 2.0)} if bits is not None and "n_p" in coords else {}
    return SweepResult(scheme=scheme, dims=dims, coords=coords, fixed=fixed, data=data, options=options,
                       n_computed=n_computed, n_reused=len(lines) * line_len - n_computed,
                       extra_coords=extra, checkpoint_folder=run.folder)


def _check_theory_shape(theory, shape_opts) -> None:
    if theory != "rs" and shape_opts:
        raise V.FastqInputError("theory 1rsb/auto grids take the uniform and log schemes; for a named "
                                "format or a custom level set solve points with fastq.solve_rsb")


def _cut(items, size):
    """``items`` in consecutive chunks of ``size`` (the sweep's chunking of its lines)."""
    return [items[s:s + size] for s in range(0, len(items), size)]


def _check_convention(edge_convention, coords, fixed, shape_opts=None):
    """The convention is known and every edge width of the grid is valid under it (for a custom
    set with given thresholds: per-jump ramps that do not overlap, at any omega).
    """
    widths = coords["edge_width"] if "edge_width" in coords else [fixed["edge_width"]]
    for w in widths:
        check_edge(w, edge_convention)
        if shape_opts and shape_opts["base_th"]:
            shape_quantizer(shape_opts, 1.0, w, edge_convention)
    return edge_convention


def shape_quantizer(options, omega, edge_width, edge_convention, scheme="custom", n_p=None) -> Quantizer:
    """The Quantizer of a grid point: ``scheme``/``n_p`` for the paper's grids and formats, or the
    custom shape recorded in a sweep's ``options`` (``base``, ``base_th``).
    """
    if options.get("base") and scheme not in SCHEMES and scheme not in FORMATS:
        base = np.asarray(options["base"])
        th = np.asarray(options["base_th"]) if options.get("base_th") else None
        return Quantizer("custom", base.shape[0] - 1, omega, edge_width, edge_convention, base=base,
                         base_thresholds=th)
    return Quantizer(scheme, n_p, omega, edge_width, edge_convention)


def _solver_options(tol, max_iter, continuation, check_direction, predictor):
    """The per-point solver options of a sweep, checked (also stored with the result)."""
    tol = V.in_range("tol", tol, 0.0, 1e-2, lo_open=True)
    max_iter = V.integer("max_iter", max_iter, 1)
    if predictor not in _PREDICTOR_ORDER:
        raise V.FastqInputError(f"predictor must be 'quadratic', 'secant' or 'previous' (got {predictor!r})")
    return {"tol": tol, "max_iter": max_iter, "continuation": bool(continuation),
            "check_direction": _check_reverse(check_direction), "predictor": predictor}


def _chunk_lines(shape, dims, line_len, lines_per_chunk):
    """The lines of the grid (index tuples of all axes but the last) cut into chunks of
    ``lines_per_chunk`` lines (default: about 16 chunks of at most ~4096 points each).
    """
    lines = list(np.ndindex(*shape[:-1])) if dims else [()]
    if lines_per_chunk is None:
        lines_per_chunk = max(1, min(math.ceil(len(lines) / 16), math.ceil(4096 / line_len)))
    lines_per_chunk = V.integer("lines_per_chunk", lines_per_chunk, 1)
    chunks = [lines[s:s + lines_per_chunk] for s in range(0, len(lines), lines_per_chunk)]
    return lines, chunks, lines_per_chunk


def _order_dims(coords, along) -> tuple:
    """Swept axes in canonical order, with the continuation axis ``along`` moved last."""
    dims = [d for d in AXES if d in coords]
    if along is not None:
        if along == "bits":
            along = "n_p"
        if along not in coords:
            raise V.FastqInputError(f"along must name a swept parameter ({', '.join(dims) or 'none'}); "
                                    f"got {along!r}")
        dims.remove(along)
        dims.append(along)
    return tuple(dims)
