"""``fastq rsb``: the zero-temperature 1RSB ground state beside the RS one (docs/rsb.md)."""
from __future__ import annotations

import sys

from ..limits import _human_seconds, check_seconds
from ..replica import solve_rsb
from ..studies.rsb_grid import rsb_seconds
from . import _common as C
from . import _options as O

#: warm-grid-point equivalents of one cold 1RSB solve (a 16-point mu scan, then the joint solve)
_COLD_POINTS = 40


def register(sub):
    """Add this module's subcommand to the subparsers ``sub``."""
    p = sub.add_parser("rsb", help="zero-temperature 1RSB ground state of the hard quantizer vs RS",
                       description="Solve the one-step RSB saddle point at zero temperature for the "
                                   "hard quantizer (edge width 0), maximize the energy over the Parisi "
                                   "parameter mu, and report the ground-state energy per weight, Eg, "
                                   "the order parameters and the RS values.")
    O.add_quantizer_args(p, edge_width=False)
    O.add_model_args(p)
    O.add_limits_arg(p)
    C.add_json_arg(p)
    p.set_defaults(func=run_rsb)


def run_rsb(args) -> int:
    """Run ``fastq rsb`` with the parsed ``args``; returns the exit code (3 when not converged)."""
    alpha, sigma, lam, rho = O.model_from_args(args)
    args.edge_width = 0.0
    q = O.quantizer_from_args(args)
    # a cold solve scans mu and then solves jointly: about as much as 40 warm grid points
    seconds = rsb_seconds([q.n_p], _COLD_POINTS)
    check_seconds(f"the 1RSB solve at {q.n_p + 1} levels", seconds, allow_large=args.allow_large)
    if seconds > 10 and not args.json:
        print(f"fastq rsb: about {_human_seconds(seconds)} of compute for {q.n_p + 1} levels",
              file=sys.stderr)
    r = solve_rsb(q, alpha, sigma, lam, rho)
    d = r.to_dict()
    d.update({"scheme": q.scheme, "n_p": q.n_p, "bits": q.bits, "omega": q.omega,
              "alpha": alpha, "sigma": sigma, "lam": lam, "rho": rho})
    verdict = "converged" if r.converged else "NOT CONVERGED: " + r.status
    C.emit(d, args.json, title=f"1RSB ground state ({q.scheme}, n_p={q.n_p}, omega={q.omega:g}, hard): "
                               f"{verdict}")
    return 0 if r.converged else 3
