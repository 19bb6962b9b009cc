"""``fastq optimize``: the optimal clipping range omega for one quantizer, or the bit budget."""
from __future__ import annotations

import sys

from .. import _validate as V
from ..parallel import show_progress
from ..quantizers import SCHEMES
from ..store import to_json
from ..studies import bit_budget, optimal_omega, save_budget
from ..studies.omega_search import DEFAULT_N_SCAN
from ..studies.rsb_grid import rsb_seconds
from . import _common as C
from . import _options as O
from ._exit import DEGENERATE, NOT_CONVERGED, OK
from ._theory import add_theory_arg, check_theory_cost

#: 1RSB solves of the refinement after the scan (Brent on the minima, stability edge), for the
#: up-front time check of --theory 1rsb/auto
_REFINE_SOLVES = 60
#: --rsb-optimum auto computes the 1RSB optimum beside an RS one when the cost model predicts at
#: most this many single-core seconds: b <= 4 (predicted 1.3, 3.4, 7.9 s at b = 2, 3, 4; measured
#: 4.9 s at b = 4 on the loaded 2-core machine); b = 5 (predicted 18 s) and b = 6 (predicted 38 s,
#: measured 39 s) need --rsb-optimum on
AUTO_RSB_SECONDS = 10.0
#: warm-grid-point equivalents of that search (a 24-point scan, Brent, the Eg at the RS omega*;
#: mostly cold solves): measured 310 at b = 4 and 510 at b = 6 (4.9 s and 39 s of CPU against
#: the warm-point cost law of fastq.studies.rsb_grid)
_ADVISOR_RSB_SOLVES = 500


def register(sub):
    """Add this module's subcommand to the subparsers ``sub``."""
    p = sub.add_parser(
        "optimize", help="optimal clipping range omega, and the smallest sufficient number of bits",
        description="Find the clipping range omega that minimizes the RS generalization error Eg for "
                    "a quantizer (coarse scan + bounded Brent refinement to 1e-6 relative), its RS "
                    "stability at the given edge width, and the best RS-stable omega. With "
                    "--bits-range, do this for every number of bits and report the smallest one "
                    "whose Eg is within --tolerance of ridge regression (or below --target-eg).")
    O.add_quantizer_args(p, omega_required=False, bits_range=True, levels_count=True)
    O.add_model_args(p)
    g = p.add_argument_group("search")
    g.add_argument("--omega-range", metavar="LO:HI",
                   help="search interval for omega (0 < LO < HI, weight units) "
                        "(default: 0.01:12 times sqrt(rho))")
    g.add_argument("--target-eg", type=C._float, metavar="T",
                   help="with --bits-range: the Eg to reach (> 0) instead of the ridge criterion")
    g.add_argument("--tolerance", type=C._float, default=None, metavar="TOL",
                   help="with --bits-range: a quantizer matches ridge when Eg* <= (1 + TOL) ridge Eg "
                        "(>= 0) (default: 0.05)")
    g.add_argument("--margin", type=C._float, default=0.02,
                   help="report other local minima with Eg <= (1 + MARGIN) Eg* (>= 0) (default: 0.02)")
    g.add_argument("--n-scan", type=C._float, default=DEFAULT_N_SCAN,
                   help=f"coarse scan points over the interval (integer >= 8) (default: {DEFAULT_N_SCAN})")
    g.add_argument("--all-schemes", action="store_true",
                   help="with --bits-range: search both schemes (uniform and log), not only --scheme")
    g.add_argument("--asymmetric", action="store_true",
                   help="with --levels-count: search all sorted sets, not only symmetric ones")
    g.add_argument("--out", metavar="DIR",
                   help="with --bits-range: write the frontier Eg*(b) as CSV + JSON + PNG in DIR")
    g.add_argument("--rsb-optimum", choices=("auto", "on", "off"), default="auto",
                   help="one quantizer with --theory rs: also report the 1RSB optimum of the hard "
                        "quantizer (omega* and Eg under 1RSB, and the 1RSB Eg at the RS omega*). auto "
                        f"(default): only when the cost model predicts <= {AUTO_RSB_SECONDS:g} s on one "
                        "core, i.e. uniform/log b <= 3 (about 2-4 s); b = 4 takes 10-20 s and needs on; "
                        "on: always (subject to the time limit); off: never. With --theory 1rsb/auto "
                        "the RS optimum is reported beside instead. Ridge-then-round (PTQ) at its best "
                        "omega is always reported (milliseconds)")
    O.add_parallel_args(p)
    add_theory_arg(p)
    O.add_limits_arg(p)
    C.add_json_arg(p)
    p.set_defaults(func=run_optimize)


def _omega_range(text):
    if text is None:
        return None
    parts = str(text).split(":")
    if len(parts) != 2:
        raise V.FastqInputError(f"omega-range must be LO:HI with 0 < LO < HI (got {text!r})")
    lo = V.positive("omega-range LO", parts[0])
    hi = V.positive("omega-range HI", parts[1])
    if not hi > lo:
        raise V.FastqInputError(f"omega-range must be LO:HI with 0 < LO < HI (got {text!r})")
    return lo, hi


def _conv(result) -> str:
    return "" if result.edge_convention == "absolute" else " per jump"


def run_optimize(args) -> int:
    """Run ``fastq optimize`` with the parsed ``args``; returns the exit code."""
    alpha, sigma, lam, rho = O.model_from_args(args)
    edge_width, conv = O.edge_from_args(args)
    omega_range = _omega_range(args.omega_range)
    margin = V.nonnegative("margin", args.margin)
    n_scan = V.integer("n_scan", args.n_scan, 8, 100_000)
    is_range = getattr(args, "bits_range", None) is not None
    tolerance = 0.05 if args.tolerance is None else V.nonnegative("tolerance", args.tolerance)
    if args.target_eg is not None:
        V.positive("target_eg", args.target_eg)
    if not is_range:
        for flag, val in (("--target-eg", args.target_eg), ("--out", args.out),
                          ("--tolerance", args.tolerance)):
            if val is not None:
                raise V.FastqInputError(f"{flag} needs --bits-range")
        if args.all_schemes:
            raise V.FastqInputError("--all-schemes needs --bits-range")
        if getattr(args, "levels_count", None) is not None:
            return _run_levels(args, alpha, sigma, lam, rho, edge_width, conv)
        if args.asymmetric:
            raise V.FastqInputError("--asymmetric needs --levels-count")
        spec = O.quantizer_from_args(args, 1.0, edge_width=edge_width, edge_convention=conv)
        check_theory_cost("the omega search", args.theory, n_scan + _REFINE_SOLVES, n_p=[spec.n_p],
                          allow_large=args.allow_large)
        also, skipped = _advisor(args, spec.n_p)
        o = optimal_omega(spec, alpha, sigma, lam, rho, edge_width=edge_width, edge_convention=conv,
                          omega_range=omega_range, n_scan=n_scan, margin=margin, theory=args.theory, also=also)
        _emit_one(o, args.json, skipped)
        if not o.converged:
            return NOT_CONVERGED
        return DEGENERATE if o.at_boundary else OK

    bits = C.parse_int_range("bits-range", args.bits_range)
    schemes = list(SCHEMES) if args.all_schemes else [args.scheme]
    check_theory_cost("the bit budget", args.theory, len(schemes) * (n_scan + _REFINE_SOLVES),
                      n_p=[2**b - 2 for b in bits], allow_large=args.allow_large)
    out = C.prepare_out(args.out) if args.out is not None else None
    b = bit_budget(alpha, sigma, lam, rho, bits=bits, schemes=schemes, edge_width=edge_width,
                   edge_convention=conv,
                   omega_range=omega_range, tolerance=tolerance, target_eg=args.target_eg,
                   n_scan=n_scan, margin=margin, n_jobs=O.parallel_from_args(args), backend=args.backend,
                   progress=show_progress(quiet=args.json), theory=args.theory)
    paths = []
    if out is not None:
        from ..plotting.optimize import plot_frontier

        stem = (f"frontier_{'-'.join(schemes)}_b{bits[0]}-{bits[-1]}_alpha{alpha:g}_sigma{sigma:g}"
                f"_lam{lam:g}" + (f"_rho{rho:g}" if rho != 1.0 else "") + f"_eps{edge_width:g}"
                + ("" if conv == "absolute" else conv) + ("" if args.theory == "rs" else f"_{args.theory}"))
        paths = save_budget(b, out, stem=stem)
        paths.append(plot_frontier(b, out / f"{stem}.png"))
    if args.json:
        doc = b.to_dict()
        doc["files"] = [str(pth) for pth in paths]
        print(to_json(doc, indent=None))
    else:
        _print_budget(b)
        for pth in paths:
            print(f"wrote {pth}")
    return 0 if all(o.converged for s in schemes for o in b.optima[s]) else 3


def _advisor(args, n_p):
    """``(also, skipped)``: what :func:`fastq.optimal_omega` reports beside its optimum, and the
    JSON record of a 1RSB optimum left out (None when computed or not applicable).
    """
    if args.theory != "rs":
        if args.rsb_optimum != "auto":
            raise V.FastqInputError("--rsb-optimum needs --theory rs (with 1rsb/auto the RS optimum "
                                    "is reported beside)")
        return ("rs", "ptq"), None
    if args.bits_range is not None or getattr(args, "levels_count", None) is not None:
        return (), None
    seconds = rsb_seconds([n_p], _ADVISOR_RSB_SOLVES)
    if args.rsb_optimum == "on":
        check_theory_cost("the 1RSB optimum (--rsb-optimum on)", "1rsb", _ADVISOR_RSB_SOLVES, n_p=[n_p],
                          allow_large=args.allow_large)
        return ("1rsb", "ptq"), None
    if args.rsb_optimum == "auto" and seconds <= AUTO_RSB_SECONDS:
        return ("1rsb", "ptq"), None
    why = ("--rsb-optimum off" if args.rsb_optimum == "off" else
           f"predicted {seconds:.0f} s on one core (above {AUTO_RSB_SECONDS:g} s); pass --rsb-optimum on")
    return ("ptq",), {"status": "not_computed", "reason": why}


def _run_levels(args, alpha, sigma, lam, rho, edge_width, conv) -> int:
    """``--levels-count K``: the best set of K levels (fastq.optimal_levels)."""
    from ..studies import optimal_levels

    k = V.integer("levels_count", args.levels_count, 2, 64)
    if conv != "absolute":
        raise V.FastqInputError("--levels-count needs --edge-convention absolute")
    r = optimal_levels(k, alpha=alpha, sigma=sigma, lam=lam, rho=rho, symmetric=not args.asymmetric,
                       edge_width=edge_width)
    if args.json:
        print(to_json(r.to_dict(), indent=None))
        return 0 if r.converged else 3
    kind = "asymmetric" if args.asymmetric else "symmetric"
    print(f"optimal {kind} set of {k} levels (RS Eg; edge_width={edge_width:g}; alpha={alpha:g}, "
          f"sigma={sigma:g}, lam={lam:g}, rho={rho:g})")
    print("  levels  " + ", ".join(f"{v:.6g}" for v in r.levels))
    stab = "RS stable" if r.stable else ("at = inf (hard)" if edge_width == 0 else f"at = {r.at:.3g}")
    print(f"  eg      {r.eg:.7g}   kappa {r.kappa:.4g}   [{stab}]")
    for name, ref, gain in (("Lloyd-Max", r.lloyd_max, r.gain_vs_lloyd_max), ("uniform", r.uniform, r.gain_vs_uniform)):
        if ref:
            print(f"  {name:<10} best omega {ref['omega']:.5g}  eg {ref['eg']:.7g}  gain {100 * gain:.3g}%")
    print(f"  distance from Lloyd-Max at its best scale: {r.distance_lloyd_max:.3g} omega "
          f"(shape only: {r.shape_distance_lloyd_max:.3g}); starts agreeing {r.n_agree}/{r.n_starts}")
    return 0 if r.converged else 3


def _fmt(v, spec=".4g"):
    return "-" if v is None else format(v, spec)


def _emit_one(o, as_json, skipped=None):
    s = o.summary()
    if skipped is not None:
        s["optimum_1rsb"] = skipped
    if as_json:
        print(to_json(s, indent=None))
        return
    out = sys.stdout
    print(f"optimal omega ({o.scheme}, n_p={o.n_p}, bits={o.bits:.4g}, edge_width={o.edge_width:g}{_conv(o)}; "
          f"alpha={o.alpha:g}, sigma={o.sigma:g}, lam={o.lam:g}, rho={o.rho:g}; "
          f"omega in [{o.omega_range[0]:g}, {o.omega_range[1]:g}])", file=out)
    if o.omega_star is None:
        print(f"  no result: {o.status}", file=out)
        return
    verdict = "RS stable" if o.stable else f"RSB (at = {o.at_star:.3g} >= 1)"
    print(f"  omega_star         {o.omega_star:.7g}", file=out)
    print(f"  eg_star            {o.eg_star:.7g}   [{verdict}]"
          + ("" if o.theory == "rs" else f"  (Eg from {o.theory}: 1RSB of the hard quantizer)"), file=out)
    print(f"  omega_star_stable  {_fmt(o.omega_star_stable, '.7g')}", file=out)
    print(f"  eg_star_stable     {_fmt(o.eg_star_stable, '.7g')}", file=out)
    print(f"  stability          {o.stable_message}", file=out)
    for m in o.other_minima:
        print(f"  other minimum      omega = {m['omega']:.6g}, Eg = {m['eg']:.6g} "
              f"({'stable' if m['stable'] else 'RSB'})", file=out)
    if o.coexisting:
        print(f"  note               a second RS fixed point was found at {len(o.coexisting)} omega(s); "
              "Eg is the one from the uninformed start", file=out)
    if o.ramp_fraction is not None and o.ramp_fraction > 0.5:
        print(f"  note               at omega_star the ramps of phi_eps cover {100 * o.ramp_fraction:.0f}% "
              "of [-omega, omega]: the smoothed quantizer is nearly linear there (Eg close to ridge); "
              "use a smaller --edge-width (or --edge-convention jump) to model hard rounding", file=out)
    if o.at_boundary:
        print("  warning            the optimum is at the edge of the search interval: widen --omega-range",
              file=out)
    print(f"  cost               {o.n_solves} RS solves", file=out)
    _print_advisor(o, s.get("optimum_1rsb") if skipped is not None else None, out)


def _print_advisor(o, skipped, out):
    """The advisor block: the other theory's optimum and PTQ beside this one."""
    alt = o.alternatives
    if not alt and skipped is None:
        return
    main = "1RSB" if o.theory != "rs" else "RS"
    print(f"  advisor            at the same levels; '@ omega*' = at this run's omega* = {o.omega_star:.5g}",
          file=out)
    for key, name in (("1rsb", "1RSB"), ("rs", "RS")):
        a = alt.get(key)
        if a is None:
            continue
        if a["omega_star"] is None:
            print(f"    {name:<5} optimum: none ({a['status']})", file=out)
            continue
        hard = " (hard quantizer)" if key == "1rsb" else f" (edge_width {a['edge_width']:g})"
        at_main = "" if a["eg_at_omega_main"] is None else f"; {name} Eg @ omega* {a['eg_at_omega_main']:.6g}"
        print(f"    {name:<5} omega* {a['omega_star']:.5g}  Eg* {a['eg_star']:.6g}{hard}{at_main}"
              f"  [{a['status']}, {a['seconds']:.1f} s]", file=out)
    if skipped is not None:
        print(f"    1RSB  not computed: {skipped['reason']}", file=out)
    p = alt.get("ptq")
    if p is not None:
        if p["omega_star"] is None:
            print(f"    PTQ   none: {p['message']}", file=out)
        else:
            print(f"    PTQ   omega* {p['omega_star']:.5g}  Eg* {p['eg_star']:.6g}  (ridge at lam = {o.lam:g}, "
                  f"Eg {p['ridge_eg']:.6g}, rounded to the levels; exact)  PTQ Eg @ omega* "
                  f"{p['eg_at_omega_main']:.6g}  [{p['status']}]", file=out)
    if main == "RS" and "1rsb" in alt and alt["1rsb"]["eg_star"] is not None and not o.stable:
        print("    note  RS is unstable at omega*: for the hard quantizer the 1RSB line is the better "
              "estimate (the exact minimizer follows it where tested, docs/replica_claims.md)", file=out)


def _print_budget(b):
    ref = (f"ridge Eg = {b.ridge_eg:.6g}" if b.ridge_eg is not None else f"ridge: {b.ridge_message}")
    print(f"bit budget (alpha={b.alpha:g}, sigma={b.sigma:g}, lam={b.lam:g}, rho={b.rho:g}, "
          f"edge_width={b.edge_width:g}{_conv(b)}); {ref}")
    if b.threshold is not None:
        crit = (f"Eg <= target {b.target_eg:g}" if b.reference == "target"
                else f"Eg <= (1 + {b.tolerance:g}) x ridge = {b.threshold:.6g}")
    else:
        crit = "no criterion (pass --target-eg)"
    print(f"  criterion: {crit}")
    print(f"  {'scheme':<8} {'bits':>4} {'n_p':>5} {'omega*':>9} {'Eg*':>10} {'RS?':>4} "
          f"{'omega*_st':>9} {'Eg*_st':>10} {'ramps':>6}")
    for s in b.schemes:
        for o in b.optima[s]:
            print(f"  {s:<8} {o.bits:>4g} {o.n_p:>5d} {_fmt(o.omega_star):>9} {_fmt(o.eg_star):>10} "
                  f"{'yes' if o.stable else 'no':>4} {_fmt(o.omega_star_stable):>9} "
                  f"{_fmt(o.eg_star_stable):>10} {_fmt(o.ramp_fraction, '.2f'):>6}")
    if any(o.ramp_fraction is not None and o.ramp_fraction > 0.5 for s in b.schemes for o in b.optima[s]):
        print("  note: 'ramps' is the fraction of [-omega*, omega*] on the ramps of phi_eps; above 0.5 the "
              "smoothed quantizer is nearly linear (close to ridge), not hard rounding: lower --edge-width "
              "or use --edge-convention jump")
    for s in b.schemes:
        mb, ms = b.min_bits[s], b.min_bits_stable[s]
        print(f"  {s}: smallest bits meeting the criterion: {mb if mb is not None else 'none in range'}"
              f"; with an RS-stable omega: {ms if ms is not None else 'none in range'}")
