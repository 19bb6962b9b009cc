"""``fastq routing`` (alias ``fastq route``): routed M-copy training against its baselines."""
from __future__ import annotations

from .. import _validate as V
from ..limits import check_seconds
from ..parallel import show_progress
from . import _common as C
from . import _options as O


def register(sub):
    """Add this module's subcommand to the subparsers ``sub``."""
    p = sub.add_parser(
        "routing", aliases=["route"],
        help="permutation routing across M model copies vs independent copies, elastic coupling, one model",
        description="Train M copies of a perceptron, committee machine or MLP online, each on its own fresh "
                    "samples (alpha = steps / N per copy), with the parameters of every local update routed "
                    "through permutations of the copies (identity with probability 1 - p, else a uniform "
                    "permutation or a ring swap of neighbours); fastq's reading of Kashiwamura and Leleu "
                    "(docs/routing.md). Compares, on the same seeds, with independent copies (p = 0), "
                    "elastic coupling (--gamma) and one model with all M alpha N samples; means and "
                    "standard errors over --runs seeds.")
    g = p.add_argument_group("model and training")
    g.add_argument("--model", choices=("perceptron", "committee", "mlp"), default="perceptron",
                   help="teacher-student model (default: perceptron)")
    g.add_argument("--rule", choices=("hebb", "perceptron", "clipped", "ste"),
                   help="local rule: hebb | perceptron (real weights) | clipped (quantized weights) for the "
                        "perceptron, ste for the networks (default: perceptron, clipped with --bits >= 1, ste)")
    g.add_argument("--n", type=C._float, default=200, metavar="N", help="input dimension, integer >= 2 (default: 200)")
    g.add_argument("--alpha", type=C._float, default=4.0, metavar="A",
                   help="samples per copy / N, > 0 (default: 4)")
    g.add_argument("--copies", type=C._float, default=4, metavar="M", help="copies, integer in [1, 64] (default: 4)")
    g.add_argument("--p", type=C._float, default=0.3, metavar="P", help="routing probability in [0, 1] (default: 0.3)")
    g.add_argument("--kernel", choices=("uniform", "ring"), default="uniform",
                   help="mixing kernel: uniform permutations or ring neighbour swaps (default: uniform)")
    g.add_argument("--bits", type=C._float, default=0, metavar="B",
                   help="weights: 0 real, 1 binary +-omega, 2..8 uniform with 2^B - 1 levels (default: 0)")
    g.add_argument("--omega", type=C._float, default=1.0, metavar="W", help="outermost level, > 0 (default: 1)")
    g.add_argument("--eta", type=C._float, metavar="E",
                   help="learning rate, > 0 (default: 1 perceptron rules, 0.5 ste)")
    g.add_argument("--hidden", type=C._float, default=3, metavar="K",
                   help="hidden units of the networks, integer in [1, 64], odd for the committee (default: 3)")
    g.add_argument("--gamma", type=C._float, default=0.05, metavar="G",
                   help="elastic-coupling strength of the baseline, in (0, 1] (default: 0.05)")
    g.add_argument("--dataset", choices=("teacher", "digits"), default="teacher",
                   help="teacher: fresh Gaussian samples of a teacher; digits: scikit-learn's 8x8 digits, 5-9 vs "
                        "0-4, networks only, needs --n 64 (default: teacher)")
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

    s = make_routing_setup(args.model, args.rule, n=args.n, alpha=args.alpha, copies=args.copies, p=args.p,
                           kernel=args.kernel, bits=args.bits, omega=args.omega, eta=args.eta,
                           hidden=args.hidden, n_test=args.n_test, dataset=args.dataset)
    gamma = V.in_range("gamma", args.gamma, 0.0, 1.0, lo_open=True)
    runs = V.integer("runs", args.runs, 2, 100_000)
    seed = V.integer("seed", args.seed, 0)
    jobs = O.parallel_from_args(args)
    # four settings per seed (routed, independent, elastic, one model at M alpha); ~20 ns per element
    work = 4.0 * runs * s.copies * s.record_steps[-1] * s.n_params
    check_seconds(f"the comparison ({runs} runs)", work * 2e-8, allow_large=args.allow_large)
    out_dir = C.prepare_out(args.out) if args.out is not None else None
    ck = None if out_dir is None else out_dir / O.CHECKPOINT_DIRNAME
    with checkpointing(ck, enabled=ck is not None):
        res = route_compare(s, runs=runs, seed=seed, elastic_gamma=gamma, n_jobs=jobs, backend=args.backend,
                            progress=show_progress(args.json))
    out = {"model": s.model, "rule": s.rule, "n": s.n, "alpha": s.alphas[-1], "copies": s.copies, "p": s.p,
           "kernel": s.kernel, "bits": s.bits, "omega": s.omega, "eta": s.eta, "gamma": gamma, "runs": runs,
           "seed": seed, **res.values, "status": res.status}
    if out_dir is not None:
        write_json(out_dir / "routing.json", {**metadata("routing", res.params), "result": out})
    if args.json:
        print(to_json(out, indent=None))
    else:
        C.emit(out, False, title="routed copies vs baselines (mean +- standard error over seeds)")
    return 0 if res.converged else 3
