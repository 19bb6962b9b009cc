"""``fastq compare``: QAT vs PTQ vs ridge vs QGen's additive-noise model, exactly (one setting)."""
from __future__ import annotations

import sys

import numpy as np

from .. import _validate as V
from ..defaults import DEFAULT_EDGE_WIDTH
from ..quantizers import EDGE_CONVENTIONS, check_edge
from . import _common as C
from . import _options as O


def register(sub):
    """Add this module's subcommand to the subparsers ``sub``."""
    p = sub.add_parser(
        "compare", help="QAT vs PTQ vs ridge vs the additive-noise model in the linear model (exact)",
        description="Exact generalization errors, training errors and gaps of quantization-aware "
                    "training (the quantized ERM, RS saddle point), post-training quantization "
                    "(ridge then round), ridge, and QGen's additive-noise model, at one setting of "
                    "the teacher-student linear model. QAT's numbers are exact where rs is true.")
    O.add_quantizer_args(p, edge_width=False)
    g = p.add_argument_group("QAT edge width (one of)")
    ex = g.add_mutually_exclusive_group()
    ex.add_argument("--edge-width", type=C._float, metavar="E",
                    help=f"edge width eps of QAT's smoothed quantizer (>= 0, weight units; 0 = hard) "
                         f"(default: {DEFAULT_EDGE_WIDTH})")
    ex.add_argument("--edge-fraction", type=C._float, metavar="F",
                    help="eps as a fraction in [0, 1] of the smallest level spacing (instead of --edge-width)")
    g.add_argument("--edge-convention", choices=EDGE_CONVENTIONS, default="absolute",
                   help="absolute: --edge-width in weight units; jump: the ramp at each threshold has "
                        "width --edge-width (<= 1) times its jump (default: absolute)")
    O.add_model_args(p)
    p.add_argument("--max-iter", type=C._float, default=10_000,
                   help="iteration budget of QAT's saddle-point solve, integer >= 1 (default: 10000)")
    C.add_json_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    """Run ``fastq compare`` with the parsed ``args``; returns the exit code."""
    from ..qat.linear import compare

    alpha, sigma, lam, rho = O.model_from_args(args)
    omega = V.positive("omega", args.omega)
    shape = O.quantizer_from_args(args, omega, edge_width=0.0, edge_convention="absolute")
    conv = args.edge_convention
    if args.edge_fraction is not None and conv != "absolute":
        raise V.FastqInputError("edge_fraction needs --edge-convention absolute (it sets an absolute "
                                "width); with jump give the ratio as --edge-width")
    if args.edge_fraction is not None:
        frac = V.in_range("edge_fraction", args.edge_fraction, 0.0, 1.0)
        eps = frac * float(np.min(np.diff(shape.levels)))
    else:
        eps = check_edge(DEFAULT_EDGE_WIDTH if args.edge_width is None else args.edge_width, conv)
    q = shape.with_edge_width(eps, conv)
    r = compare(q, alpha, sigma, lam, rho, max_iter=V.integer("max_iter", args.max_iter, 1))
    d = r.to_dict()
    d.pop("params")
    d.update({"scheme": q.scheme, "n_p": q.n_p, "bits": q.bits, "omega": q.omega, "edge_convention": conv,
              "alpha": alpha, "sigma": sigma, "lam": lam, "rho": rho})
    phase = "RS (QAT exact)" if r.rs else ("RSB (QAT: RS approximation)" if r.converged
                                           else "NOT CONVERGED: " + r.status)
    C.emit(d, args.json, title=f"QAT vs PTQ vs ridge vs noise model ({q.scheme}, n_p={q.n_p}, "
                               f"omega={q.omega:g}, edge_width={q.edge_width:g}"
                               f"{'' if conv == 'absolute' else ' per jump'}): {phase}")
    if r.ramps_overlap and not args.json:
        print(f"fastq compare: note: edge_width {q.edge_width:g} exceeds the level spacing "
              f"{r.min_step:.3g}; QAT's smoothed quantizer has no flat steps left "
              f"(use --edge-fraction)", file=sys.stderr)
    return 0 if r.converged else 3
