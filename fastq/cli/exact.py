"""``fastq exact``: exact finite-N minimizers (sphere decoding) against AMP and the RS prediction."""
from __future__ import annotations

from .. import _validate as V
from . import _common as C
from . import _options as O


def parse_sizes(text: str) -> list[int]:
    """'LO:HI:STEP' (e.g. 8:40:8), 'LO:HI' (step 1) or a comma list '8,12,16' -> sizes N."""
    text = str(text).strip()
    if "," in text:
        items = [t.strip() for t in text.split(",")]
        if not all(items):
            raise V.FastqInputError(f"n must be a comma list of integers without empty entries (got {text!r})")
        sizes = [V.integer("n", t, 1) for t in items]
    else:
        parts = text.split(":")
        if len(parts) not in (2, 3):
            raise V.FastqInputError(f"n must be LO:HI:STEP, LO:HI or N1,N2,... (got {text!r})")
        lo = V.integer("n LO", parts[0], 1)
        hi = V.integer("n HI", parts[1], 1)
        step = V.integer("n STEP", parts[2], 1) if len(parts) == 3 else 1
        if hi < lo:
            raise V.FastqInputError(f"n must have LO <= HI (got {text!r})")
        sizes = list(range(lo, hi + 1, step))
    sizes = sorted(set(sizes))
    if len(sizes) < 2:
        raise V.FastqInputError(f"n must give at least 2 distinct N for the 1/N fit (got {text!r})")
    if sizes[-1] > 200:
        raise V.FastqInputError(f"n must be <= 200 (exact search is exponential in N; got {sizes[-1]})")
    return sizes


#: seconds per search-tree node of the sphere decoder, rounded up from 2-4e-8 s measured on the
#: 2-core workstation; with the node limit it bounds an instance's time from above
NODE_SECONDS = 5e-8


def _check_limits(sizes, instances: int, node_limit: int, allow_large: bool) -> None:
    """Refuse, before any file is made, a study whose worst case (every instance stopped by the
    node limit) exceeds the time limit, or whose instance count cannot be held.
    """
    from ..limits import check_memory, check_seconds

    n_inst = instances * len(sizes)
    check_memory(f"the study ({n_inst:,} instances)", n_inst * 400.0)  # ~50 floats kept per instance
    check_seconds(f"the study ({instances:,} instances at each of {len(sizes)} sizes, node limit "
                  f"{node_limit:.3g}; worst case)", n_inst * node_limit * NODE_SECONDS,
                  allow_large=allow_large)


def register(sub):
    """Add this module's subcommand to the subparsers ``sub``."""
    p = sub.add_parser(
        "exact", help="exact quantized ERM at small N (sphere decoding), extrapolated to N -> inf",
        description="Solve min over d in Omega^N of ||y - X d||^2/2 + lam ||d||^2/2 exactly by "
                    "sphere decoding on many teacher instances per N; compare the generalization "
                    "error with AMP and the rounded ridge heuristic on the same instances; fit "
                    "Eg(N) = a + b/N and put the RS prediction (edge width 0) beside a. Writes "
                    "exact.json/.csv/.npz and the plot exact.png (Eg vs 1/N) to --out.")
    O.add_quantizer_args(p)
    O.add_model_args(p)
    C.add_renamed(p, "--n", "--sizes", required=True, metavar="LO:HI:STEP",
                  help="sizes N: LO:HI:STEP (e.g. 8:40:8), LO:HI, or a list 8,12,16 (at least 2 "
                       "distinct, each <= 200)")
    C.add_renamed(p, "--runs", "--instances", required=True, type=C._float, metavar="K",
                  help="independent teacher instances per N (integer >= 2)")
    p.add_argument("--seed", type=C._float, required=True, metavar="S",
                   help="root seed (integer >= 0); instance (N, k) depends only on (seed, N, k)")
    O.add_parallel_args(p)
    p.add_argument("--node-limit", type=C._float, default=None, metavar="L",
                   help="search-tree nodes per instance before giving up on optimality "
                        "(integer >= 1) (default: 2e8)")
    p.add_argument("--no-amp", action="store_true", help="skip AMP (it uses --edge-width)")
    O.add_limits_arg(p)
    p.add_argument("--out", default="fastq-out/exact", metavar="DIR",
                   help="directory for the study's .json/.csv/.npz/.png, named after the setting; "
                        f"finished instances are kept under DIR/{O.CHECKPOINT_DIRNAME} for a rerun "
                        "(default: fastq-out/exact)")
    C.add_json_arg(p)
    p.set_defaults(func=run_exact)


def run_exact(args) -> int:
    """Run ``fastq exact`` with the parsed ``args``; returns the exit code."""
    from ..checkpoints import checkpointing
    from ..exact import DEFAULT_NODE_LIMIT, exact_study, save_study
    from ..parallel import show_progress
    from ..plotting.exact import plot_study

    alpha, sigma, lam, rho = O.model_from_args(args)
    O.edge_from_args(args)
    q = O.quantizer_from_args(args)
    sizes = parse_sizes(args.n)
    instances = V.integer("runs", args.runs, 2)
    seed = V.integer("seed", args.seed, 0)
    jobs = O.parallel_from_args(args)
    node_limit = DEFAULT_NODE_LIMIT if args.node_limit is None else V.integer("node_limit", args.node_limit, 1)
    if args.edge_width <= 0 and not args.no_amp:
        raise V.FastqInputError("edge_width must be > 0 for AMP (or pass --no-amp)")
    _check_limits(sizes, instances, node_limit, args.allow_large)
    out = C.prepare_out(args.out)
    stem = (f"exact_{O.quantizer_tag(q)}_np{q.n_p}_omega{q.omega:g}_alpha{alpha:g}_sigma{sigma:g}_lam{lam:g}"
            + (f"_rho{rho:g}" if rho != 1.0 else "")
            + f"_N{sizes[0]}-{sizes[-1]}x{len(sizes)}_k{instances}_seed{seed}")
    with checkpointing(out / O.CHECKPOINT_DIRNAME) as scope:
        C.keep_note(scope, out / O.CHECKPOINT_DIRNAME)
        res = exact_study(q, alpha, sigma, lam, rho, sizes=sizes, instances=instances, seed=seed,
                          node_limit=node_limit, amp=not args.no_amp,
                          amp_edge_width=args.edge_width if args.edge_width > 0 else None,
                          n_jobs=jobs, backend=args.backend, scheduler=args.scheduler,
                          progress=show_progress(args.json))
        paths = save_study(res, out, stem)
        paths.append(plot_study(res, out / f"{stem}.png"))
    not_opt = sum(r["not_optimal"] for r in res.summary)
    if args.json:
        d = res.to_dict()
        d["files"] = [str(p) for p in paths]
        d["not_optimal_total"] = not_opt
        d.update(C.reuse_counts(scope))
        C.emit(d, True)
        return 0
    f, rs = res.fit, res.rs
    print(f"exact quantized ERM ({q.scheme}, n_p={q.n_p}, omega={q.omega:g}; alpha={alpha:g}, "
          f"sigma={sigma:g}, lam={lam:g}, rho={rho:g}; {instances} instances per N, seed {seed})")
    amp_note = "" if res.amp_available else "   (AMP unavailable or skipped)"
    print(f"  {'N':>4}  {'Eg exact':>18}  {'Eg AMP phi(mbar)':>18}  {'Eg rounded ridge':>18}  "
          f"{'not opt':>7}  {'nodes mean':>10}{amp_note}")
    def fmt(r, k):
        return f"{r[k]:.5f} ± {r[k + '_se']:.5f}" if r[k] == r[k] else "n/a"

    for r in res.summary:
        print(f"  {r['n']:>4}  {fmt(r, 'eg_exact'):>18}  {fmt(r, 'eg_amp_requantized'):>18}  "
              f"{fmt(r, 'eg_rounded_ridge'):>18}  {r['not_optimal']:>7}  {r['nodes_mean']:>10.3g}")
    print(f"  fit Eg(N) = a + b/N: a = {f['a']:.5f} ± {f['a_err']:.5f}, b = {f['b']:.4f} ± {f['b_err']:.4f}, "
          + (f"chi2/dof = {f['chi2_dof']:.3g}" if f['chi2_dof'] == f['chi2_dof']
             else "chi2/dof = n/a (two sizes leave no degree of freedom for the fit's quality)"))
    if rs["converged"]:
        print(f"  RS (edge width 0): Eg = {rs['eg']:.5f}; a - Eg_RS = {f['a'] - rs['eg']:+.5f} "
              f"({rs['deviation_sigmas']:+.1f} sigma)")
    else:
        print(f"  RS (edge width 0): not converged ({rs['status']})")
    print(f"  phase at edge width {rs['edge_width']:g}: {'RS' if rs['rs_phase_edge'] else 'RSB'} "
          f"(AT = {rs['at_edge']:.3g})")
    if not_opt:
        print(f"  WARNING: {not_opt} instance(s) stopped by the node limit ({node_limit}); "
              f"their Eg is that of the best point found, not proven optimal")
    print(f"  wrote {', '.join(str(p) for p in paths)}")
    return 0
