"""``fastq ridge``: the closed-form RS solution of ridge regression (no quantization)."""
from __future__ import annotations

from ..replica import ridge
from . import _common as C
from . import _options as O


def register(sub):
    """Add this module's subcommand to the subparsers ``sub``."""
    p = sub.add_parser("ridge", help="closed-form RS solution of ridge regression (no quantization)",
                       description="Closed-form replica solution of ridge regression, fastq's reference curve.")
    O.add_model_args(p)
    C.add_json_arg(p)
    p.set_defaults(func=run_ridge)


def run_ridge(args) -> int:
    """Run ``fastq ridge`` with the parsed ``args``; returns the exit code."""
    alpha, sigma, lam, rho = O.model_from_args(args)
    r = ridge(alpha, sigma, lam, rho)
    d = r.to_dict()
    d.pop("edge_width")  # ridge has no quantizer
    d.update({"alpha": alpha, "sigma": sigma, "lam": lam, "rho": rho})
    C.emit(d, args.json, title="ridge regression (closed form)")
    return 0
