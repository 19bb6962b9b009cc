"""``fastq se``: AMP's state-evolution trajectory and its fixed point."""
from __future__ import annotations

from .. import _validate as V
from ..replica import state_evolution
from . import _common as C
from . import _options as O


def register(sub):
    """Add this module's subcommand to the subparsers ``sub``."""
    p = sub.add_parser("se", help="state-evolution trajectory and fixed point",
                       description="Iterate AMP's state evolution (docs/amp.md) from a start "
                                   "(V0, E0) and print the trajectory (V, E, Eg) and the fixed point.")
    O.add_quantizer_args(p)
    O.add_model_args(p)
    p.add_argument("--t-max", type=C._float, default=1000, help="maximum SE steps (default: 1000)")
    p.add_argument("--tol", type=C._float, default=1e-13,
                   help="stop when V and E change by <= tol (relative); 0 runs t-max (default: 1e-13)")
    p.add_argument("--v0", type=C._float, default=None, help="start V^0 (>= 0) (default: 1)")
    p.add_argument("--e0", type=C._float, default=None,
                   help="start E^0 = ||w0 - mbar^0||^2/N (> 0) (default: rho + 1, AMP's N(0,1) start)")
    C.add_json_arg(p)
    p.set_defaults(func=run_se)


def run_se(args) -> int:
    """Run ``fastq se`` with the parsed ``args``; returns the exit code."""
    alpha, sigma, lam, rho = O.model_from_args(args)
    q = O.quantizer_from_args(args)
    t_max = V.integer("t_max", args.t_max, 1, 10_000_000)
    start = None
    if args.v0 is not None or args.e0 is not None:
        start = (1.0 if args.v0 is None else args.v0, rho + 1.0 if args.e0 is None else args.e0)
    r = state_evolution(q, alpha, sigma, lam, rho, t_max=t_max, start=start, tol=args.tol)
    d = r.to_dict()
    conv = "" if q.edge_convention == "absolute" else " per jump"
    d.update({"scheme": q.scheme, "n_p": q.n_p, "bits": q.bits, "omega": q.omega,
              "edge_convention": q.edge_convention,
              "alpha": alpha, "sigma": sigma, "lam": lam, "rho": rho})
    if args.json:
        C.emit(d, True)
        return 0 if r.converged else 3
    traj = d.pop("trajectory")
    C.emit(d, False, title=f"state evolution ({q.scheme}, n_p={q.n_p}, omega={q.omega:g}, "
                           f"edge_width={q.edge_width:g}{conv}): {r.status} after {r.iterations} steps")
    print("  trajectory:")
    print(f"  {'t':>5}  {'V':>14}  {'E':>14}  {'eg':>14}")
    for t, v, e, g in zip(traj["t"], traj["V"], traj["E"], traj["eg"]):
        print(f"  {t:>5}  {v:>14.8g}  {e:>14.8g}  {g:>14.8g}")
    return 0 if r.converged else 3
