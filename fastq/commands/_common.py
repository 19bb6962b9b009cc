"""Argument helpers shared by the CLI subcommands (one spelling per idea across commands)."""
from __future__ import annotations

import argparse
import math
import sys

from .. import _validate as V
from ..defaults import DEFAULT_EDGE_WIDTH
from ..quantizers import Quantizer, n_p_from_bits
from ..store import to_json


class FastqArgumentParser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump) and exit code 2."""

    def error(self, message):  # noqa: D401
        self.exit(2, f"{self.prog}: error: {message}\n")


def _float(text):
    """Parse a float without judging its range (ranges are checked with named messages later)."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def add_quantizer_args(p: argparse.ArgumentParser, *, omega_required: bool = True, bits_range: bool = False,
                       edge_width: bool = True, title: str = "quantizer"):
    """--scheme, --n-p | --bits [| --bits-range], --omega, and --edge-width unless ``edge_width``
    is False (commands that use the hard quantizer only)."""
    g = p.add_argument_group(title)
    g.add_argument("--scheme", choices=("uniform", "log"), default="uniform",
                   help="level spacing: uniform, or log (widths doubling away from 0) (default: uniform)")
    ex = g.add_mutually_exclusive_group(required=True)
    ex.add_argument("--n-p", type=_float, metavar="N",
                    help="number of sub-intervals of [-omega, omega] (integer >= 1; n_p + 1 levels)")
    ex.add_argument("--bits", type=_float, metavar="B",
                    help="bits b = log2(n_p + 2); must give an integer n_p (e.g. 2, 3, 4)")
    if bits_range:
        ex.add_argument("--bits-range", metavar="LO:HI", help="every integer number of bits from LO to HI")
    if omega_required:
        g.add_argument("--omega", type=_float, required=True, metavar="W",
                       help="clipping range: outermost levels are +-omega (> 0, weight units)")
    if not edge_width:
        return g
    g.add_argument("--edge-width", type=_float, default=DEFAULT_EDGE_WIDTH, metavar="E",
                   help=f"edge width eps of the smoothed quantizer (>= 0, weight units; 0 = hard "
                        f"rounding) (default: {DEFAULT_EDGE_WIDTH})")
    return g


def n_p_from_args(args) -> int:
    if args.n_p is not None:
        return V.integer("n_p", args.n_p, 1)
    return n_p_from_bits(args.bits)


def quantizer_from_args(args, omega=None) -> Quantizer:
    return Quantizer(args.scheme, n_p_from_args(args), args.omega if omega is None else omega,
                     args.edge_width)


def add_model_args(p: argparse.ArgumentParser, *, defaults: dict | None = None):
    """--alpha, --sigma, --lam, --rho.  ``defaults`` makes them optional with those values."""
    d = defaults or {}
    g = p.add_argument_group("model")

    def arg(name, help_):
        if name in d:
            g.add_argument(f"--{name}", type=_float, default=d[name], help=f"{help_} (default: {d[name]})")
        else:
            g.add_argument(f"--{name}", type=_float, required=True, help=help_)

    arg("alpha", "sample ratio M/N (> 0)")
    arg("sigma", "output noise standard deviation (>= 0)")
    arg("lam", "ridge penalty lambda on the quantized weights (>= 0)")
    g.add_argument("--rho", type=_float, default=d.get("rho", 1.0),
                   help=f"teacher weight variance (> 0) (default: {d.get('rho', 1.0)})")
    return g


def model_from_args(args):
    return V.model(args.alpha, args.sigma, args.lam, args.rho)


def add_json_arg(p):
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout (no progress bar)")


def emit(obj: dict, as_json: bool, *, title: str | None = None, file=None):
    """Print ``obj`` as one JSON object, or as aligned ``key  value`` lines."""
    out = file or sys.stdout
    if as_json:
        print(to_json(obj, indent=None), file=out)
        return
    if title:
        print(title, file=out)
    width = max((len(k) for k in obj), default=0)
    for k, v in obj.items():
        print(f"  {k:<{width}}  {_human(v)}", file=out)


def _human(v):
    if isinstance(v, float):
        if math.isinf(v) or math.isnan(v):
            return str(v)
        return f"{v:.10g}"
    if isinstance(v, (list, tuple)) and len(v) > 8:
        return f"[{len(v)} values]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_human(x)}" for k, x in v.items()) + "}"
    return str(v)


def parse_int_range(name: str, text: str) -> list[int]:
    """'LO:HI' -> every integer from LO to HI inclusive (LO <= HI)."""
    parts = str(text).split(":")
    if len(parts) != 2:
        raise V.FastqInputError(f"{name} must be LO:HI with integers LO <= HI (got {text!r})")
    lo = V.integer(f"{name} LO", parts[0])
    hi = V.integer(f"{name} HI", parts[1])
    if hi < lo:
        raise V.FastqInputError(f"{name} must be LO:HI with LO <= HI (got {text!r})")
    return list(range(lo, hi + 1))


def parse_float_grid(name: str, text: str, *, positive: bool = False) -> list[float]:
    """'LO:HI:COUNT' -> COUNT evenly spaced values from LO to HI inclusive; 'X' -> [X]."""
    import numpy as np

    parts = str(text).split(":")
    chk = V.positive if positive else (lambda n, v: V._as_float(n, v))
    if len(parts) == 1:
        return [chk(name, parts[0])]
    if len(parts) != 3:
        raise V.FastqInputError(f"{name} must be LO:HI:COUNT (got {text!r})")
    lo = chk(f"{name} LO", parts[0])
    hi = chk(f"{name} HI", parts[1])
    count = V.integer(f"{name} COUNT", parts[2], 1, 100_000)
    if hi < lo:
        raise V.FastqInputError(f"{name} must have LO <= HI (got {text!r})")
    if count == 1 and hi != lo:
        raise V.FastqInputError(f"{name} COUNT must be >= 2 when LO < HI (got {text!r})")
    return [float(v) for v in np.linspace(lo, hi, count)]
