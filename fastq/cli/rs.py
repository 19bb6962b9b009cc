"""``fastq rs``: one RS saddle point with its stability."""
from __future__ import annotations

from ..replica import solve_rs
from . import _common as C
from . import _options as O


def register(sub):
    """Add this module's subcommand to the subparsers ``sub``."""
    p = sub.add_parser("rs", help="solve the RS saddle point for one quantizer and model",
                       description="Solve the replica-symmetric saddle-point equations of quantized "
                                   "ridge regression and report Eg, overlaps and the AT stability.")
    O.add_quantizer_args(p)
    O.add_model_args(p)
    p.add_argument("--tol", type=C._float, default=1e-12, help="fixed-point tolerance (default: 1e-12)")
    p.add_argument("--max-iter", type=C._float, default=10000, help="maximum iterations (default: 10000)")
    C.add_json_arg(p)
    p.set_defaults(func=run_rs)


def run_rs(args) -> int:
    """Run ``fastq rs`` with the parsed ``args``; returns the exit code."""
    alpha, sigma, lam, rho = O.model_from_args(args)
    q = O.quantizer_from_args(args)
    r = solve_rs(q, alpha, sigma, lam, rho, tol=args.tol, max_iter=args.max_iter)
    d = r.to_dict()
    conv = "" if q.edge_convention == "absolute" else " per jump"
    d.update({**q.to_dict(),  # a custom set adds its levels and thresholds, a format its bits per weight
              "alpha": alpha, "sigma": sigma, "lam": lam, "rho": rho})
    verdict = "RS (stable)" if r.rs else "RSB (at >= 1)" if r.converged else "NOT CONVERGED: " + r.status
    C.emit(d, args.json, title=f"RS saddle point ({q.scheme}, n_p={q.n_p}, omega={q.omega:g}, "
                               f"edge_width={q.edge_width:g}{conv}): {verdict}")
    return 0 if r.converged else 3
