"""Options shared by several subcommands, declared once: quantizer, model, parallel execution."""
from __future__ import annotations

import argparse

from .. import _validate as V
from ..defaults import DEFAULT_EDGE_WIDTH
from ..formats import FORMATS
from ..parallel import BACKENDS, effective_n_jobs, validate_backend
from ..quantizers import EDGE_CONVENTIONS, Quantizer, check_edge, n_p_from_bits
from ._common import _float

#: where resumable commands keep finished chunks, under their --out directory
CHECKPOINT_DIRNAME = ".fastq-checkpoints"


SCHEME_HELP = "level spacing: uniform, or log (widths doubling away from 0)"


def add_scheme_arg(g, *, both: bool = False):
    """--scheme (uniform | log, or also ``both`` for commands that draw the two side by side)."""
    if both:
        g.add_argument("--scheme", choices=("uniform", "log", "both"), default="both",
                       help=f"{SCHEME_HELP}; both = uniform solid and log dashed (default: both)")
    else:
        g.add_argument("--scheme", choices=("uniform", "log"), default="uniform",
                       help=f"{SCHEME_HELP} (default: uniform)")


def add_edge_width_arg(g, *, purpose: str = "edge width eps of the smoothed quantizer"):
    """--edge-width (default :data:`fastq.DEFAULT_EDGE_WIDTH`) and --edge-convention (how it is
    read: weight units, or the ratio of each ramp to its jump; docs/resolution.md).
    """
    g.add_argument("--edge-width", type=_float, default=DEFAULT_EDGE_WIDTH, metavar="E",
                   help=f"{purpose} (>= 0, weight units; 0 = hard rounding; with --edge-convention "
                        f"jump the ratio r in [0, 1]) (default: {DEFAULT_EDGE_WIDTH})")
    g.add_argument("--edge-convention", choices=EDGE_CONVENTIONS, default="absolute",
                   help="absolute: every ramp has width E (weight units); jump: the ramp at each "
                        "threshold has width E times its jump, E <= 1 so ramps never overlap "
                        "(default: absolute)")


def edge_from_args(args) -> tuple[float, str]:
    """(edge width, convention) from --edge-width/--edge-convention, checked (jump: ratio <= 1)."""
    conv = getattr(args, "edge_convention", "absolute")
    return check_edge(args.edge_width, conv), conv


def add_quantizer_args(p: argparse.ArgumentParser, *, omega_required: bool = True, bits_range: bool = False,
                       edge_width: bool = True, title: str = "quantizer", levels_count: bool = False):
    """--scheme, --n-p | --bits [| --bits-range], --omega, and --edge-width unless ``edge_width``
    is False (commands that use the hard quantizer only).
    """
    g = p.add_argument_group(title)
    add_scheme_arg(g)
    ex = g.add_mutually_exclusive_group(required=True)
    ex.add_argument("--n-p", type=_float, metavar="N",
                    help="number of sub-intervals of [-omega, omega] (integer >= 1; n_p + 1 levels)")
    ex.add_argument("--bits", type=_float, metavar="B",
                    help="bits b = log2(n_p + 2); must give an integer n_p (e.g. 2, 3, 4)")
    if bits_range:
        ex.add_argument("--bits-range", metavar="LO:HI", help="every integer number of bits from LO to HI")
    add_level_set_args(g, ex)
    if levels_count:
        ex.add_argument("--levels-count", type=_float, metavar="K",
                        help="search the set of K levels (2..64) with the smallest RS Eg, scale included")
    if omega_required:
        g.add_argument("--omega", type=_float, required=True, metavar="W",
                       help="clipping range: outermost levels are +-omega (> 0, weight units)")
    if edge_width:
        add_edge_width_arg(g)
    return g


def add_level_set_args(g, ex):
    """--format NAME | --levels L1,L2,... (in the exclusive group ``ex`` beside --n-p/--bits) and
    --thresholds T1,... (for --levels).  --scheme applies to --n-p/--bits only.
    """
    ex.add_argument("--format", metavar="NAME",
                    help="a named weight format scaled so its largest |level| is omega: "
                         + ", ".join(FORMATS))
    ex.add_argument("--levels", metavar="L1,L2,...",
                    help="a custom strictly increasing level set, rescaled so its largest |level| is omega")
    g.add_argument("--thresholds", metavar="T1,T2,...",
                   help="thresholds of --levels, one between each pair of neighbours, in the units of "
                        "--levels (default: midpoints)")


def n_p_from_args(args) -> int:
    if args.n_p is not None:
        return V.integer("n_p", args.n_p, 1)
    return n_p_from_bits(args.bits)


def _float_list(name: str, text: str) -> list[float]:
    out = []
    for part in str(text).split(","):
        try:
            out.append(float(part))
        except ValueError:
            raise V.FastqInputError(f"{name} must be comma-separated numbers (got {part.strip()!r})") from None
    return out


def quantizer_tag(q: Quantizer) -> str:
    """The level set's name for file names: the scheme or format, or for a custom set "custom-"
    and 8 hex digits of a hash of its levels and thresholds (two custom sets never share a file).
    """
    if q.scheme != "custom":
        return q.scheme
    import hashlib

    h = hashlib.sha256(q.levels.tobytes() + q.thresholds.tobytes()).hexdigest()[:8]
    return f"custom-{h}"


def quantizer_from_args(args, omega=None, *, edge_width=None, edge_convention=None) -> Quantizer:
    """The quantizer of --scheme with --n-p/--bits, or --format, or --levels [--thresholds], at
    ``omega`` (default --omega) and edge width/convention (default the command's options, else 0).
    """
    omega = args.omega if omega is None else omega
    eps = getattr(args, "edge_width", 0.0) if edge_width is None else edge_width
    eps = 0.0 if eps is None else eps
    conv = getattr(args, "edge_convention", "absolute") if edge_convention is None else edge_convention
    fmt, levels = getattr(args, "format", None), getattr(args, "levels", None)
    thresholds = getattr(args, "thresholds", None)
    if thresholds is not None and levels is None:
        raise V.FastqInputError("--thresholds needs --levels")
    if (fmt is not None or levels is not None) and getattr(args, "scheme", "uniform") not in (None, "uniform"):
        raise V.FastqInputError("--scheme applies to --n-p/--bits only (not to --format or --levels)")
    if fmt is not None:
        return Quantizer.format(fmt, omega, edge_width=eps, edge_convention=conv)
    if levels is not None:
        th = None if thresholds is None else _float_list("thresholds", thresholds)
        q = Quantizer.from_levels(_float_list("levels", levels), thresholds=th, edge_width=eps,
                                  edge_convention=conv)
        return q if q.omega == V.positive("omega", omega) else q.with_omega(omega)
    return Quantizer(args.scheme, n_p_from_args(args), omega, eps, conv)


def add_model_args(p: argparse.ArgumentParser, *, defaults: dict | None = None, grid: tuple = ()):
    """--alpha, --sigma, --lam, --rho.  ``defaults`` makes them optional with those values;
    parameters named in ``grid`` are left out (the command declares them as grids itself).
    """
    d = defaults or {}
    g = p.add_argument_group("model")

    def arg(name, help_):
        if name in grid:
            return
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


def add_parallel_args(p, *, resume: bool = False, backend: str = "loky"):
    """--jobs, --backend, --scheduler; with ``resume`` also --chunk-lines and --no-resume.

    ``backend`` is the default backend: "threading" for commands whose work is all in nogil
    kernels (measured faster there: no worker start-up, no pickled results), else "loky".
    """
    g = p.add_argument_group("execution")
    g.add_argument("--jobs", type=_float, default=1, metavar="J",
                   help="parallel workers (1 = serial in this process, -1 = all cores) (default: 1)")
    g.add_argument("--backend", choices=BACKENDS, default=backend,
                   help=f"joblib backend: loky (processes), threading, or dask (default: {backend})")
    g.add_argument("--scheduler", metavar="ADDR",
                   help="Dask scheduler address, e.g. tcp://host:8786 (with --backend dask)")
    if resume:
        g.add_argument("--chunk-lines", type=_float, metavar="K",
                       help="omega-lines per task and per checkpoint file (default: about 16 chunks)")
        g.add_argument("--no-resume", action="store_true",
                       help="recompute everything instead of reusing finished chunks saved under "
                            f"OUT/{CHECKPOINT_DIRNAME}")
    return g


def parallel_from_args(args) -> int:
    """Validated number of workers from ``--jobs`` (with ``--backend``/``--scheduler`` checked)."""
    jobs = effective_n_jobs(args.jobs, name="jobs")
    validate_backend(args.backend, args.scheduler)
    if args.backend == "dask" and args.scheduler is None:
        raise V.FastqInputError("backend dask needs --scheduler ADDR (a dask.distributed scheduler)")
    return jobs


def add_limits_arg(p):
    """--allow-large: start a job beyond the time or grid-size limit of :mod:`fastq.limits`."""
    p.add_argument("--allow-large", action="store_true",
                   help="start a job even if its estimated compute time exceeds 24 h or its grid "
                        "exceeds 1e7 points (the memory limit always applies)")


def add_out_arg(p, *, default=None, what="results"):
    """--out DIR (created if needed; checked writable before any work)."""
    if default is None:
        p.add_argument("--out", metavar="DIR",
                       help=f"write the {what} (JSON + NPZ) there and keep finished work for a rerun "
                            f"under DIR/{CHECKPOINT_DIRNAME} (default: print only; nothing is kept)")
    else:
        p.add_argument("--out", default=default, metavar="DIR",
                       help=f"output directory for the {what}, created if needed (default: {default})")
