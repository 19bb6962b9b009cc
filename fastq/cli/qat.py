"""``fastq qat``: the many-models study of quantization-aware training on small networks."""
from __future__ import annotations

import argparse
import sys

from .. import _validate as V
from . import _common as C
from . import _options as O

_DEFAULTS = {"bits": "2,3,4,8,0", "widths": "16,32,64,128", "lr": "0.02,0.1", "corruption": "0,0.5,1,2"}


def _list(name, text, conv):
    parts = [t.strip() for t in str(text).split(",") if t.strip()]
    if not parts:
        raise V.FastqInputError(f"{name} must be a comma-separated list (got {text!r})")
    return [conv(name, t) for t in parts]


def register(sub):
    """Add this module's subcommand to the subparsers ``sub``."""
    p = sub.add_parser(
        "qat", help="train and measure many quantized MLPs (gap, sharpness, PAC-Bayes, robustness)",
        description="QGen-style study: MLPs trained with the straight-through estimator at several "
                    "weight bit widths and full precision, over bits x width x learning rate x seed; "
                    "per model the train/test loss and accuracy, the generalization gap, the Hessian "
                    "trace, Jiang et al.'s sharpness and PAC-Bayes measures and the accuracy under "
                    "input noise. Checkpointed under OUT/.fastq-checkpoints (rerun to resume); "
                    "results as OUT/qat-DATASET-KEY.{csv,npz,json}.")
    g = p.add_argument_group("grid")
    g.add_argument("--dataset", choices=("digits", "teacher", "mnist1d"), default="digits",
                   help="digits: scikit-learn's bundled 8x8 digits (needs fastq[data]); teacher: a random "
                        "teacher network; mnist1d: MNIST-1D made locally by the mnist1d package (needs "
                        "fastq[data]) (default: digits)")
    g.add_argument("--bits", default=_DEFAULTS["bits"], metavar="B,..",
                   help=f"weight bits, integers in [2, 16], 0 = full precision (default: {_DEFAULTS['bits']})")
    g.add_argument("--widths", default=_DEFAULTS["widths"], metavar="W,..",
                   help=f"hidden widths, integers in [1, 4096] (default: {_DEFAULTS['widths']})")
    g.add_argument("--lr", dest="lr", default=_DEFAULTS["lr"], metavar="LR,..",
                   help=f"learning rates in (0, 10], comma list (default: {_DEFAULTS['lr']})")
    g.add_argument("--lrs", dest="lr", help=argparse.SUPPRESS)  # renamed to --lr; hidden alias
    g.add_argument("--runs", dest="runs", type=C._float, default=25, metavar="R",
                   help="seeds (repeats) per grid point, integer >= 1 (default: 25; 1000 models with the defaults)")
    g.add_argument("--seeds", dest="runs", type=C._float, help=argparse.SUPPRESS)  # renamed to --runs
    g.add_argument("--noise-control", action="store_true",
                   help="also train, for every quantized model, its noise twin: the same network and seeds "
                        "with Gaussian weight noise of variance Delta^2/12 at every step instead of rounding")
    g.add_argument("--depth", type=C._float, default=1, help="hidden layers, 1 or 2 (default: 1)")
    g.add_argument("--act-bits", type=C._float, default=0,
                   help="hidden-activation bits in [1, 16], 0 = not quantized (default: 0)")
    g.add_argument("--act-clip", type=C._float, default=4.0,
                   help="activation range [0, A] when --act-bits > 0 (> 0) (default: 4)")
    t = p.add_argument_group("training")
    t.add_argument("--epochs", type=C._float, default=40, help="epochs, integer in [1, 10000] (default: 40)")
    t.add_argument("--batch", type=C._float, default=32, help="minibatch size, integer in [1, n_train] (default: 32)")
    t.add_argument("--momentum", type=C._float, default=0.9, help="heavy-ball momentum in [0, 1) (default: 0.9)")
    t.add_argument("--weight-decay", type=C._float, default=0.0, help="L2 weight decay >= 0 (default: 0)")
    t.add_argument("--seed", type=C._float, default=0, help="study seed, integer >= 0 (default: 0)")
    d = p.add_argument_group("data")
    d.add_argument("--data-seed", type=C._float, default=0,
                   help="seed of the split (digits), of make_dataset (mnist1d) or of the teacher and its samples, "
                        "integer >= 0 (default: 0)")
    d.add_argument("--n-train", type=C._float,
                   help="training rows (digits: 1..1796, mnist1d: 1..4999, the rest is test) "
                        "(default: 1000; mnist1d 4000)")
    d.add_argument("--n-test", type=C._float, default=5000, help="teacher: test rows (default: 5000)")
    d.add_argument("--n", dest="n", type=C._float, default=20, help="teacher: input dimension (default: 20)")
    d.add_argument("--n-features", dest="n", type=C._float, help=argparse.SUPPRESS)  # renamed to --n
    d.add_argument("--teacher-width", type=C._float, default=32, help="teacher: hidden width (default: 32)")
    d.add_argument("--classes", type=C._float, default=4, help="teacher: classes in [2, 100] (default: 4)")
    d.add_argument("--label-noise", type=C._float, default=0.1,
                   help="teacher: probability of a uniformly random label, in [0, 1] (default: 0.1)")
    m = p.add_argument_group("measures")
    m.add_argument("--n-measure", type=C._float, default=500,
                   help="training rows used for the Hessian trace and the sigma' searches (default: 500)")
    m.add_argument("--probes", type=C._float, default=16, help="Hutchinson probes, integer >= 2 (default: 16)")
    m.add_argument("--mc", type=C._float, default=4, help="perturbation draws per sigma, integer >= 1 (default: 4)")
    m.add_argument("--corruption", default=_DEFAULTS["corruption"], metavar="S,..",
                   help=f"input-noise levels in feature standard deviations, >= 0 (default: {_DEFAULTS['corruption']})")
    O.add_parallel_args(p)
    e = p.add_argument_group("study")
    e.add_argument("--chunk-size", type=C._float, default=10,
                   help="models per task and per checkpoint file, integer in [1, 1000] (default: 10)")
    e.add_argument("--no-resume", action="store_true", help="recompute instead of reusing finished chunks")
    e.add_argument("--out", default="fastq-out/qat", metavar="DIR", help="output directory (default: fastq-out/qat)")
    C.add_json_arg(p)
    p.set_defaults(func=run)


def run(args) -> int:
    """Run ``fastq qat`` with the parsed ``args``; returns the exit code."""
    from ..checkpoints import checkpointing
    from ..parallel import show_progress
    from ..qat.study import qat_study, study_config

    def num(name, t):
        return float(V._as_float(name, t))

    settings = dict(
        bits=_list("bits", args.bits, V.integer), widths=_list("widths", args.widths, V.integer),
        lrs=_list("lr", args.lr, lambda n_, t: V.in_range(n_, num(n_, t), 0.0, 10.0, lo_open=True)),
        seeds=V.integer("runs", args.runs, 1),
        depth=V.integer("depth", args.depth, 1, 2), act_bits=V.integer("act_bits", args.act_bits, 0, 16),
        act_clip=args.act_clip, epochs=V.integer("epochs", args.epochs, 1),
        batch=V.integer("batch", args.batch, 1), momentum=args.momentum, weight_decay=args.weight_decay,
        seed=V.integer("seed", args.seed, 0), data_seed=V.integer("data_seed", args.data_seed, 0),
        n_train=None if args.n_train is None else V.integer("n_train", args.n_train, 1),
        n_measure=V.integer("n_measure", args.n_measure, 2), probes=V.integer("probes", args.probes, 2),
        mc=V.integer("mc", args.mc, 1), corruption=_list("corruption", args.corruption, num),
        noise_control=bool(args.noise_control))
    if args.dataset == "teacher":
        settings.update(n_test=V.integer("n_test", args.n_test, 1),
                        n_features=V.integer("n", args.n, 1),
                        teacher_width=V.integer("teacher_width", args.teacher_width, 1),
                        classes=V.integer("classes", args.classes, 2), label_noise=args.label_noise)
    jobs = O.parallel_from_args(args)
    study_config(args.dataset, **settings)  # every range checked before the output folder exists
    chunk_size = V.integer("chunk_size", args.chunk_size, 1, 1000)
    out = C.prepare_out(args.out)
    ck = out / O.CHECKPOINT_DIRNAME
    with checkpointing(ck, enabled=not args.no_resume) as scope:
        C.keep_note(scope, ck)
        r = qat_study(args.dataset, out=out, n_jobs=jobs, backend=args.backend, scheduler=args.scheduler,
                      resume=not args.no_resume,
                      chunk_size=chunk_size,
                      progress=show_progress(args.json), **settings)
    n_bad = r.n_models - r.summary["n_trained"]
    status = "converged" if n_bad == 0 else "diverged"
    keys = ("models", "test_acc", "gap_loss", "gap_loss_se", "gap_acc", "gap_acc_se", "hessian_trace_median")
    by_bits = {b: {k: v[k] for k in keys + tuple(c for c in v if c.startswith("acc_noise_") and not c.endswith("_se"))}
               for b, v in r.summary["by_bits"].items()}
    rep = {"status": status, "dataset": args.dataset, "key": r.key, "n_models": r.n_models,
           "trained": r.summary["n_trained"], "diverged": n_bad, "computed": r.computed,
           "resumed": r.resumed, "seconds": round(r.seconds, 2), "files": [str(f) for f in r.files],
           "by_bits": by_bits}
    if "noise_control" in r.summary:
        rep["noise_control"] = _noise_report(r.summary["noise_control"])
    C.emit(_finite(rep), args.json, title=f"QAT study ({args.dataset}): {r.n_models} models")
    if n_bad and not args.json:
        print(f"fastq qat: {n_bad} model(s) diverged (NaN rows in the table)", file=sys.stderr)
    return 0 if n_bad == 0 else 3


def _noise_report(nc):
    """The noise twins in brief: their means and the paired QAT - twin, twin - fp differences."""
    out = {}
    for b, v in nc.items():
        row = {k: v[k] for k in ("twins", "test_acc", "gap_acc", "gap_acc_se", "gap_loss", "hessian_trace_median",
                                 "noise_var_ratio")}
        for side in ("qat_minus_twin", "twin_minus_fp"):
            row[side] = {k: [v[side][k]["mean_diff"], v[side][k]["se"]]
                         for k in ("gap_acc", "gap_loss", "test_acc", "hessian_trace", "sigma", "sigma_mag")
                         if k in v[side]}
        out[b] = row
    return out


def _finite(x):
    """Non-finite floats -> None (JSON null), recursively."""
    import math

    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_finite(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x
