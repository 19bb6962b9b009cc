"""``fastq formats``: the registry of weight formats, or the formats ranked at one setting."""
from __future__ import annotations

import math

from .. import _validate as V
from ..formats import FORMATS, format_info
from ..store import to_json
from . import _common as C
from . import _options as O


def register(sub):
    """Add this module's subcommand to the subparsers ``sub``."""
    p = sub.add_parser(
        "formats", help="list the weight formats, or rank them by RS Eg at their best scale",
        description="Without --alpha: list every registered weight format (levels, bits, bits per "
                    "weight with block-scale overhead). With --alpha/--sigma/--lam: for each format of "
                    "--formats sweep the scale omega (Eg, AT, kappa) and find its best scale and best "
                    "RS-stable scale, then rank the formats at equal bits per weight.")
    p.add_argument("--formats", metavar="A,B,...",
                   help="formats to compare (default: every 4-bit format; 'all8' for the 8-bit ones)")
    g = p.add_argument_group("model (all three to rank; none to list)")
    for name, h in (("alpha", "sample ratio M/N (> 0)"), ("sigma", "noise std (>= 0)"),
                    ("lam", "ridge penalty (>= 0)")):
        g.add_argument(f"--{name}", type=C._float, help=h)
    g.add_argument("--rho", type=C._float, default=1.0, help="teacher weight variance (> 0) (default: 1)")
    O.add_edge_width_arg(g)
    g.add_argument("--n-scan", type=C._float, default=48,
                   help="coarse scan points of the best-scale search (integer >= 8) (default: 48)")
    p.add_argument("--out", metavar="DIR", help="write NPZ + CSV + JSON + PNG there (default: print only)")
    C.add_json_arg(p)
    p.set_defaults(func=run)


def _names(text):
    from ..studies.format_compare import FORMATS_4BIT, FORMATS_8BIT

    if text is None:
        return list(FORMATS_4BIT)
    if text.strip() == "all8":
        return list(FORMATS_8BIT)
    names = [t.strip() for t in text.split(",")]
    for n in names:
        if n not in FORMATS:
            raise V.FastqInputError(f"formats must be names from {', '.join(FORMATS)} or all8 (got {n!r})")
    return names


def f(v, spec) -> str:
    """``v`` formatted, or "-" for None/NaN."""
    return "-" if v is None or not math.isfinite(v) else format(v, spec)


def run(args) -> int:
    """Run ``fastq formats`` with the parsed ``args``; returns the exit code."""
    names = _names(args.formats)
    given = [getattr(args, k) is not None for k in ("alpha", "sigma", "lam")]
    if not any(given):
        rows = [format_info(n) for n in names if args.formats is not None] or [format_info(n) for n in FORMATS]
        if args.json:
            print(to_json(rows, indent=None))
            return 0
        print(f"{'format':<12} {'family':<13} {'bits':>4} {'bits/weight':>11} {'levels':>6}")
        for r in rows:
            print(f"{r['format']:<12} {r['family']:<13} {r['bits']:>4} {r['bits_per_weight']:>11g} {r['n_levels']:>6}")
        return 0
    if not all(given):
        raise V.FastqInputError("give all of --alpha, --sigma, --lam to rank formats (or none to list them)")
    alpha, sigma, lam, rho = V.model(args.alpha, args.sigma, args.lam, args.rho)
    eps, conv = O.edge_from_args(args)
    if conv != "absolute":
        raise V.FastqInputError("fastq formats needs --edge-convention absolute")
    n_scan = V.integer("n_scan", args.n_scan, 8, 100_000)
    out = C.prepare_out(args.out) if args.out is not None else None
    from ..studies.format_compare import format_study

    st = format_study(names, alpha=alpha, sigma=sigma, lam=lam, rho=rho, edge_width=eps, n_scan=n_scan)
    paths = []
    if out is not None:
        from ..plotting.formats import plot_formats

        stem = f"formats_alpha{alpha:g}_sigma{sigma:g}_lam{lam:g}_rho{rho:g}_eps{eps:g}"
        paths = st.save(out, stem=stem) + [plot_formats([st], out / f"{stem}.png")]
    if args.json:
        print(to_json({**st.to_dict(), "files": [str(p) for p in paths]}, indent=None))
        return 0
    print(f"formats at their best scale (RS; alpha={alpha:g}, sigma={sigma:g}, lam={lam:g}, rho={rho:g}, "
          f"edge_width={eps:g})")
    print(f"  {'format':<11} {'b/w':>5} {'omega*':>8} {'Eg*':>11} {'AT*':>8} {'kappa*':>8} {'phase':>5} "
          f"{'stable omega':>12} {'stable Eg':>11}")
    for r in st.ranking():
        print(f"  {r['format']:<11} {r['bits_per_weight']:>5g} {f(r['omega_star'], '.4g'):>8} "
              f"{f(r['eg_star'], '.5g'):>11} {f(r['at_star'], '.3g'):>8} {f(r['kappa_star'], '.3g'):>8} "
              f"{'RS' if r['stable'] else 'RSB':>5} {f(r['omega_star_stable'], '.4g'):>12} "
              f"{f(r['eg_star_stable'], '.5g'):>11}")
    for pth in paths:
        print(f"wrote {pth}")
    return 0 if all(r["converged"] for r in st.table) else 3
