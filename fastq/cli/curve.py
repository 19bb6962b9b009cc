"""``fastq curve``: Eg vs omega, vs alpha (double descent) or vs bits, with ridge and RSB marks."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from .. import _validate as V
from ..limits import check_points
from ..parallel import show_progress
from . import _common as C
from . import _options as O
from ._theory import add_theory_arg, check_theory_cost


def register(sub):
    """Add this module's subcommand to the subparsers ``sub``."""
    p = sub.add_parser(
        "curve", help="Eg curves vs omega, alpha or bits (ridge reference, RSB points marked)",
        description="Generalization error of the RS solution along one parameter, one curve per "
                    "number of bits (and per scheme), with the ridge closed form as reference. "
                    "Points with at >= 1 (RSB) or without convergence are kept and flagged (rs, "
                    "converged columns) and drawn as open circles. Writes CSV + JSON (+ PNG).")
    p.add_argument("--vary", choices=("omega", "alpha", "bits"), required=True,
                   help="x axis of the curves")
    O.add_scheme_arg(p, both=True)
    p.add_argument("--bits", default="2,3,4", metavar="B1,B2,..|LO:HI",
                   help="numbers of bits (each must give integer n_p = 2^b - 2): a comma list, or "
                        "LO:HI for every integer (default: 2,3,4; with --vary bits: the x values)")
    p.add_argument("--omega", default="0.1:6:120", metavar="W|LO:HI:COUNT",
                   help="clipping range(s) (> 0, weight units); a grid with --vary omega "
                        "(default: 0.1:6:120, or 3 when not varied)")
    p.add_argument("--alpha", default="1.4", metavar="A|LO:HI:COUNT",
                   help="sample ratio M/N (> 0); a grid with --vary alpha (default: 1.4, "
                        "or 0.1:3:120 with --vary alpha)")
    O.add_model_args(p, defaults={"sigma": 0.01, "lam": 0.01}, grid=("alpha",))
    O.add_edge_width_arg(p)
    p.add_argument("--out", default="fastq-out/curve", metavar="DIR",
                   help="output directory (default: fastq-out/curve)")
    p.add_argument("--no-plot", action="store_true", help="write data only, no PNG")
    O.add_parallel_args(p)
    O.add_limits_arg(p)
    add_theory_arg(p)
    C.add_json_arg(p)
    p.set_defaults(func=run)


def _bits_list(text):
    text = str(text)
    if ":" in text:
        lo, hi = C.parse_int_range("bits", text)[0], C.parse_int_range("bits", text)[-1]
        return list(range(lo, hi + 1))
    out = []
    for part in text.split(","):
        out.append(V.positive("bits", part.strip()))
    return out


def run(args) -> int:
    """Run ``fastq curve`` with the parsed ``args``; returns the exit code."""
    t0 = time.perf_counter()
    sigma = V.nonnegative("sigma", args.sigma)
    lam = V.nonnegative("lam", args.lam)
    rho = V.positive("rho", args.rho)
    eps, conv = O.edge_from_args(args)
    bits = _bits_list(args.bits)
    from ..quantizers import n_p_from_bits

    for b in bits:
        n_p_from_bits(b)
    omega_txt = args.omega if args.vary == "omega" else (args.omega if args.omega != "0.1:6:120" else "3")
    alpha_txt = args.alpha if args.vary != "alpha" or args.alpha != "1.4" else "0.1:3:120"
    omega = C.parse_float_grid("omega", omega_txt, positive=True)
    alpha = C.parse_float_grid("alpha", alpha_txt, positive=True)
    if args.vary != "omega" and len(omega) != 1:
        raise V.FastqInputError("omega must be a single value unless --vary omega")
    if args.vary != "alpha" and len(alpha) != 1:
        raise V.FastqInputError("alpha must be a single value unless --vary alpha")
    jobs = O.parallel_from_args(args)
    schemes = ("uniform", "log") if args.scheme == "both" else (args.scheme,)
    xs = {"omega": omega, "alpha": alpha, "bits": bits}[args.vary]
    n_points = len(schemes) * len(xs) * (1 if args.vary == "bits" else len(bits))
    check_points("the curves", n_points, allow_large=args.allow_large)
    check_theory_cost("the curves", args.theory, len(schemes) * (1 if args.vary == "bits" else len(xs)),
                      n_p=[n_p_from_bits(b) for b in bits], allow_large=args.allow_large)
    out = C.prepare_out(args.out)
    from ..checkpoints import checkpointing
    from ..studies import curves

    stem = out / (f"curve_{args.vary}_{args.scheme}_sigma{sigma:g}_lam{lam:g}_eps{eps:g}"
                  + ("" if conv == "absolute" else conv)
                  + (f"_alpha{alpha[0]:g}" if args.vary != "alpha" else "")
                  + (f"_omega{omega[0]:g}" if args.vary != "omega" else "")
                  + "_b" + "-".join(f"{b:g}" for b in bits)
                  + (f"_x{xs[0]:g}-{xs[-1]:g}n{len(xs)}" if args.vary != "bits" else "")
                  + ("" if args.theory == "rs" else f"_{args.theory}"))
    with checkpointing(out / O.CHECKPOINT_DIRNAME) as scope:
        C.keep_note(scope, out / O.CHECKPOINT_DIRNAME)
        cs = curves(args.vary, schemes=schemes, bits=bits,
                    omega=omega if args.vary == "omega" else omega[0],
                    alpha=alpha if args.vary == "alpha" else alpha[0], sigma=sigma, lam=lam, rho=rho,
                    edge_width=eps, edge_convention=conv, n_jobs=jobs, backend=args.backend, scheduler=args.scheduler,
                    progress=show_progress(args.json), theory=args.theory)
        files = cs.save(stem)
        if not args.no_plot:
            from ..plotting.eg_curves import draw_curves

            files.append(draw_curves(cs, Path(str(stem) + ".png"),
                                     title=f"σ={sigma:g}, λ={lam:g}, ε={eps:g}"))
    summary = {"vary": args.vary, "schemes": list(schemes), "bits": bits, "n_points": n_points,
        "rs_fraction": float(np.mean(np.concatenate([r["rs"].ravel() for r in cs.results.values()]))),
        "files": [str(f) for f in files], **C.reuse_counts(scope), "theory": args.theory,
        "wall_time_s": round(time.perf_counter() - t0, 3)}
    C.emit(summary, args.json, title=f"Eg vs {args.vary}")
    return 0
