"""``fastq phase``: RS/RSB phase diagram over (n_p, omega), the kappa map and the boundary.

With no grid flags it computes the paper's Fig. 2(a) setting (uniform, alpha = 1.5,
sigma = 0.01, lam = 0) on n_p = 1..62 (b = 1.58..6) and 200 values of omega in [0.05, 10].
"""
from __future__ import annotations

import sys
import time

from .. import _validate as V
from ..limits import check_memory, check_points, check_seconds
from ..parallel import show_progress
from . import _common as C
from . import _options as O
from ._theory import add_theory_arg, check_theory_cost

#: single-core seconds per RS solve on a grid line (measured: about 90 us with continuation;
#: rounded up) -- for the up-front time estimate only
_SECONDS_PER_SOLVE = 1.5e-4
#: grids with at least this many solves print their cost estimate before they start
ANNOUNCE_SOLVES = 200_000
DEFAULT_N_P = "1:62"
DEFAULT_OMEGA = "0.05:10:200"


def register(sub):
    """Add this module's subcommand to the subparsers ``sub``."""
    p = sub.add_parser(
        "phase", help="RS/RSB phase diagram on the (b, omega) plane (+ kappa map, boundary)",
        description="Phase diagram of the RS solution over n_p (rows) and omega (columns): the AT "
                    "quantity at the given edge width (RS iff at < 1), the boundary at = 1 traced to "
                    "sub-grid precision along omega for each n_p, and the kappa map of the hard "
                    "quantizer (RS roughly where kappa < edge width, for every edge width at once). "
                    "Writes netCDF + JSON (parameters, edge width, fastq version), a boundary CSV and "
                    "PNGs to --out. Finished chunks are checkpointed: rerunning the same command "
                    "reuses them. Without grid flags: the paper's Fig. 2(a) setting.")
    g = p.add_argument_group("quantizer")
    O.add_scheme_arg(g)
    g.add_argument("--n-p", default=DEFAULT_N_P, metavar="LO:HI",
                   help=f"rows: every integer n_p from LO to HI inclusive (b = log2(n_p + 2)) "
                        f"(default: {DEFAULT_N_P})")
    g.add_argument("--omega", default=DEFAULT_OMEGA, metavar="LO:HI:COUNT",
                   help=f"columns: COUNT evenly spaced clipping ranges from LO to HI inclusive "
                        f"(> 0, weight units) (default: {DEFAULT_OMEGA})")
    O.add_edge_width_arg(g, purpose="edge width eps at which stability is judged (must be > 0 here)")
    O.add_model_args(p, defaults={"alpha": 1.5, "sigma": 0.01, "lam": 0.0})
    o = p.add_argument_group("output")
    o.add_argument("--out", default="fastq-out/phase", metavar="DIR",
                   help="output directory (created if needed) (default: fastq-out/phase)")
    o.add_argument("--no-kappa", action="store_true", help="skip the kappa map (halves the work)")
    o.add_argument("--no-plot", action="store_true", help="write data only, no PNG")
    o.add_argument("--estimate", action="store_true",
                   help="print the predicted time and memory (from solving a few rows here) and exit "
                        "without running; large grids print it anyway before they start")
    # threads: the sweep kernels release the GIL; the 10^6-point grid took 24.3-27.3 s with 2
    # threads against 27.1-29.8 s with 2 loky processes (whole process, 3 runs each, quiet machine)
    O.add_parallel_args(p, resume=True, backend="threading")
    O.add_limits_arg(p)
    add_theory_arg(p)
    C.add_json_arg(p)
    p.set_defaults(func=run)


def _estimate(args, n_p, omega, alpha, sigma, lam, rho, eps, conv, jobs):
    """The cost model of :mod:`fastq.studies.cost` for this command line."""
    from ..studies.cost import estimate_sweep

    return estimate_sweep(args.scheme, n_p=n_p, omega=omega, alpha=alpha, sigma=sigma, lam=lam, rho=rho,
                          edge_width=eps, edge_convention=conv, kappa_map=not args.no_kappa,
                          n_jobs=jobs, theory=args.theory)


def file_stem(scheme, alpha, sigma, lam, rho, eps, n_p, omega) -> str:
    """File name stem of a phase diagram: the model, the edge width and the grid, so that
    diagrams of different settings or grids never overwrite each other in one --out.
    """
    s = f"phase_{scheme}_alpha{alpha:g}_sigma{sigma:g}_lam{lam:g}"
    if rho != 1.0:
        s += f"_rho{rho:g}"
    return s + f"_eps{eps:g}_np{n_p[0]}-{n_p[-1]}_omega{omega[0]:g}-{omega[-1]:g}x{len(omega)}"


def run(args) -> int:
    """Run ``fastq phase`` with the parsed ``args``; returns the exit code."""
    t0 = time.perf_counter()
    alpha, sigma, lam, rho = O.model_from_args(args)
    eps = V.positive("edge_width", args.edge_width)
    eps, conv = O.edge_from_args(args)
    n_p = C.parse_int_range("n_p", args.n_p)
    V.integer("n_p LO", n_p[0], 1)
    omega = C.parse_float_grid("omega", args.omega, positive=True)
    jobs = O.parallel_from_args(args)
    chunk = None if args.chunk_lines is None else V.integer("chunk_lines", args.chunk_lines, 1)
    from ..quantizers import MAX_N_P_LOG, MAX_N_P_UNIFORM

    V.integer("n_p HI", n_p[-1], 1, MAX_N_P_UNIFORM if args.scheme == "uniform" else MAX_N_P_LOG)
    n_points = len(n_p) * len(omega)
    check_points("the phase diagram", n_points, allow_large=args.allow_large)
    solves = n_points * (1 if args.no_kappa else 2)
    check_seconds(f"the phase diagram ({solves:,} RS solves with the reverse-direction check)",
                  solves * 2 * _SECONDS_PER_SOLVE, allow_large=args.allow_large)
    from ..studies.cost import memory_estimate

    check_memory("the phase diagram", memory_estimate(n_points, 1 if args.no_kappa else 2))
    check_theory_cost("the phase diagram", args.theory, len(omega), n_p=n_p, allow_large=args.allow_large)
    if args.estimate:
        est = _estimate(args, n_p, omega, alpha, sigma, lam, rho, eps, conv, jobs)
        C.emit(est.to_dict() | {"summary": est.describe()}, args.json, title="fastq phase: cost estimate")
        return 0
    out = C.prepare_out(args.out)
    if solves >= ANNOUNCE_SOLVES:
        est = _estimate(args, n_p, omega, alpha, sigma, lam, rho, eps, conv, jobs)
        print(f"fastq phase: {est.describe()}", file=sys.stderr, flush=True)
    from ..checkpoints import checkpointing
    from ..studies import phase_diagram

    stem = file_stem(args.scheme, alpha, sigma, lam, rho, eps, n_p, omega)
    if conv != "absolute":
        stem = stem.replace(f"_eps{eps:g}_", f"_eps{eps:g}{conv}_")
    stem += "" if args.theory == "rs" else f"_{args.theory}"
    with checkpointing(out / O.CHECKPOINT_DIRNAME, enabled=not args.no_resume) as scope:
        C.keep_note(scope, out / O.CHECKPOINT_DIRNAME)
        diag = phase_diagram(args.scheme, n_p=n_p, omega=omega, alpha=alpha, sigma=sigma, lam=lam,
                             rho=rho, edge_width=eps, edge_convention=conv,
                             kappa_map=not args.no_kappa, n_jobs=jobs,
                             backend=args.backend, scheduler=args.scheduler, lines_per_chunk=chunk,
                             progress=show_progress(args.json), theory=args.theory)
        files = diag.save(out, stem)
        if not args.no_plot:
            from ..plotting.phase import plot_diagram

            files += plot_diagram(diag, out, stem)
    res = diag.result
    n_solves = res.n_points + (diag.kappa.n_points if diag.kappa is not None else 0)
    n_computed = res.n_computed + (diag.kappa.n_computed if diag.kappa is not None else 0)
    n_reused = res.n_reused + (diag.kappa.n_reused if diag.kappa is not None else 0)
    summary = {
        "scheme": args.scheme, "alpha": alpha, "sigma": sigma, "lam": lam, "rho": rho,
        "edge_width": eps, "edge_convention": conv,
        "n_p": [n_p[0], n_p[-1]], "omega": [omega[0], omega[-1], len(omega)],
        "n_points": res.n_points, "n_solves": n_solves, "n_computed": n_computed, "n_reused": n_reused,
        "rs_fraction": res.rs_fraction,
        "kappa_rs_fraction": diag.kappa_rs_fraction(eps) if diag.kappa is not None else None,
        "n_not_converged": int((~res["converged"]).sum()),
        "n_coexist": int(res["coexist"].sum()),
        "n_boundary_points": len(diag.boundary),
        "files": [str(f) for f in files], **C.reuse_counts(scope), "theory": args.theory,
        "wall_time_s": round(time.perf_counter() - t0, 3),
    }
    C.emit(summary, args.json, title=f"phase diagram ({args.scheme}, alpha={alpha:g}, sigma={sigma:g}, "
                                     f"lam={lam:g}, edge_width={eps:g})")
    return 0
