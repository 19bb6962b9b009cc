"""``fastq routing`` (alias ``fastq route``): routed M-copy training against its baselines."""
from __future__ import annotations

import argparse
import sys

from .. import _validate as V
from ..limits import check_seconds
from ..parallel import show_progress
from . import _common as C
from . import _options as O
from ._exit import DEGENERATE


def register(sub):
    """Add this module's subcommand to the subparsers ``sub``."""
    p = sub.add_parser(
        "routing", aliases=["route"],
        help="permutation routing across M model copies vs independent copies, elastic coupling, one model",
        description="Train M copies of a perceptron, committee machine or MLP with the parameters of every "
                    "local update routed through permutations of the copies (identity with probability 1 - p, "
                    "else a uniform permutation, a ring swap of neighbours or a circular-Gaussian shift); "
                    "fastq's reading of Kashiwamura and Leleu (docs/routing.md). Online (default): every copy "
                    "sees its own fresh samples, alpha = steps / N per copy. With --epochs E: P = alpha N "
                    "samples shared by all copies, visited E times, and a fixed lift (one permutation per "
                    "sample and parameter, drawn once). Compares, on the same seeds, with independent copies "
                    "(p = 0), the robust ensemble (replicated: coupling to the centre rising from --coupling "
                    "to 1), elastic coupling (constant --coupling), the vote and the centre of the copies, and "
                    "one model at matched compute; means and standard errors over --runs seeds.")
    g = p.add_argument_group("model and training")
    g.add_argument("--model", choices=("perceptron", "committee", "mlp"), default="perceptron",
                   help="teacher-student model (default: perceptron)")
    g.add_argument("--rule", choices=("hebb", "perceptron", "clipped", "sbpi", "ste"),
                   help="local rule: hebb | perceptron (real weights) | clipped (quantized weights) for the "
                        "perceptron, sbpi (quantized weights, needs --epochs), ste for the networks (default: "
                        "perceptron, clipped with --bits >= 1, ste)")
    g.add_argument("--margin", type=C._float, default=0.0, metavar="K",
                   help="perceptron rules update while the stability y w.x / sqrt(N) <= K, >= 0 (default: 0)")
    g.add_argument("--clip", type=C._float, default=0.0, metavar="C",
                   help="bound of the hidden states, >= 0, 0 = unbounded (default: 0)")
    g.add_argument("--ps", type=C._float, default=0.3, metavar="PS",
                   help="SBPI: probability of a reinforcement step when 0 < stability <= margin (default: 0.3)")
    g.add_argument("--n", type=C._float, default=200, metavar="N", help="input dimension, integer >= 2 (default: 200)")
    g.add_argument("--alpha", type=C._float, default=4.0, metavar="A",
                   help="samples per copy / N, > 0 (default: 4)")
    g.add_argument("--copies", type=C._float, default=4, metavar="M", help="copies, integer in [1, 64] (default: 4)")
    g.add_argument("--p", type=C._float, default=0.3, metavar="P", help="routing probability in [0, 1] (default: 0.3)")
    g.add_argument("--kernel", choices=("uniform", "ring", "gaussian"), default="uniform",
                   help="mixing kernel: uniform permutations, ring neighbour swaps, or a shift of all copies "
                        "by d with weight exp(-d^2 / (2 width^2)) over the ring distance (default: uniform)")
    g.add_argument("--width", type=C._float, default=1.0, metavar="W",
                   help="width of the gaussian kernel in copies, > 0 (default: 1)")
    g.add_argument("--epochs", type=C._float, metavar="E",
                   help="finite training set: P = alpha N samples shared by the copies, E passes, integer >= 1 "
                        "(default: online, fresh samples)")
    g.add_argument("--init", choices=("shared", "independent"), default="shared", dest="init_mode",
                   help="copies start from one draw (shared: a hidden unit means the same in every copy) or "
                        "from their own draws (default: shared)")
    g.add_argument("--warmup", type=C._float, default=0, metavar="W0",
                   help="epochs of one common model before the copies split (needs --epochs; default: 0)")
    g.add_argument("--bits", type=C._float, default=0, metavar="B",
                   help="weights: 0 real, 1 binary +-omega, 2..8 uniform with 2^B - 1 levels (default: 0)")
    g.add_argument("--omega", type=C._float, default=1.0, metavar="W", help="outermost level, > 0 (default: 1)")
    g.add_argument("--lr", type=C._float, metavar="LR", dest="lr",
                   help="learning rate, > 0 (default: 1 perceptron rules, 0.5 ste)")
    g.add_argument("--eta", type=C._float, dest="lr", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    g.add_argument("--hidden", type=C._float, default=3, metavar="K",
                   help="hidden units of the networks, integer in [1, 64], odd for the committee (default: 3)")
    g.add_argument("--coupling", type=C._float, default=0.05, metavar="G", dest="coupling",
                   help="coupling to the centre of the baselines, in (0, 1]: constant for elastic, the start of "
                        "the rise to 1 for replicated (default: 0.05)")
    g.add_argument("--gamma", type=C._float, dest="coupling", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    g.add_argument("--dataset", choices=("teacher", "digits", "mnist1d"), default="teacher",
                   help="teacher: fresh Gaussian samples of a teacher; digits: scikit-learn's 8x8 digits, 5-9 vs "
                        "0-4, networks only, needs --n 64; mnist1d: MNIST-1D made locally, 5-9 vs 0-4, "
                        "networks only, needs --n 40 (default: teacher)")
    g.add_argument("--n-test", type=C._float, default=2000, metavar="T",
                   help="test samples, integer >= 10 (default: 2000)")
    g.add_argument("--runs", type=C._float, default=8, metavar="R", help="seeds, integer >= 2 (default: 8)")
    g.add_argument("--seed", type=C._float, default=0, metavar="K", help="root seed, integer >= 0 (default: 0)")
    O.add_parallel_args(p)
    O.add_limits_arg(p)
    O.add_out_arg(p, what="comparison")
    C.add_json_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    """Run ``fastq routing`` with the parsed ``args``; returns the exit code."""
    from ..checkpoints import checkpointing
    from ..routing import make_routing_setup, route_compare
    from ..store import metadata, to_json, write_json

    if args.lr is not None:
        V.positive("lr", args.lr)
    s = make_routing_setup(args.model, args.rule, n=args.n, alpha=args.alpha, copies=args.copies, p=args.p,
                           kernel=args.kernel, bits=args.bits, omega=args.omega, eta=args.lr,
                           hidden=args.hidden, n_test=args.n_test, dataset=args.dataset, epochs=args.epochs,
                           width=args.width, init_mode=args.init_mode, warmup=args.warmup,
                           margin=args.margin, clip=args.clip, ps=args.ps)
    gamma = V.in_range("coupling", args.coupling, 0.0, 1.0, lo_open=True)
    runs = V.integer("runs", args.runs, 2, 100_000)
    seed = V.integer("seed", args.seed, 0)
    jobs = O.parallel_from_args(args)
    # five settings per seed (routed, independent, replicated, elastic, one model at matched compute);
    # ~20 ns per element, the fixed lift's uniform kernel up to 1 + p M times that
    visits = s.record_steps[-1] * ((s.epochs + s.warmup) if s.finite else 1)
    work = 5.0 * runs * s.copies * visits * s.n_params * (1.0 + (s.p * s.copies if s.finite else 0.0))
    check_seconds(f"the comparison ({runs} runs)", work * 2e-8, allow_large=args.allow_large)
    out_dir = C.prepare_out(args.out) if args.out is not None else None
    ck = None if out_dir is None else out_dir / O.CHECKPOINT_DIRNAME
    with checkpointing(ck, enabled=ck is not None):
        res = route_compare(s, runs=runs, seed=seed, elastic_gamma=gamma, n_jobs=jobs, backend=args.backend,
                            progress=show_progress(args.json))
    out = {"model": s.model, "rule": s.rule, "n": s.n, "alpha": s.alphas[-1], "copies": s.copies, "p": s.p,
           "kernel": s.kernel, "width": s.width, "epochs": s.epochs, "n_train": s.n_train() if s.finite else None,
           "init": s.init_mode, "warmup": s.warmup, "margin": s.margin, "clip": s.clip, "bits": s.bits,
           "omega": s.omega, "lr": s.eta,
           "coupling": gamma, "runs": runs, "seed": seed, **res.values, "status": res.status}
    if out_dir is not None:
        write_json(out_dir / "routing.json", {**metadata("routing", res.params), "result": out})
    if args.json:
        print(to_json(out, indent=None))
    else:
        C.emit(out, False, title="routed copies vs baselines (mean +- standard error over seeds)")
    if res.status == "chance_level":
        print("fastq routing: every test error is at chance level: nothing was learned (is --lr too "
              "large or the training too short?)", file=sys.stderr)
        return DEGENERATE
    return 0 if res.converged else 3
