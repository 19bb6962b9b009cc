"""``fastq sgd``: exact risk of quantized one-pass SGD in linear regression, and its simulation.

Exit codes: 0 done; 2 bad input (one line naming the parameter); 3 diverged (the step is at or
beyond the stability limit, the moments overflowed, or a simulated run blew up); 130 interrupted
(finished simulation blocks are kept in ``--out``).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
from pathlib import Path

import numpy as np

from .. import _validate as V
from ..checkpoints import checkpointing
from ..parallel import show_progress
from . import _common as C
from . import _options as O

TARGET_HELP = ("quantize the {what}: add:EPS (v + N(0, EPS)), mult:EPS (v (1 + N(0, EPS))), EPS in "
               "[0, 1e4]; or a real quantizer for the simulation: int:BITS[:RANGE] (stochastic rounding, "
               "BITS in [2, 32], RANGE > 0, default 4 s.d. of the {what} at w = 0), fp:MANTISSA[:EXP_BITS] "
               "(MANTISSA in [0, 52], EXP_BITS in [2, 11], default 8); int-rtn:... and fp-rtn:... round to "
               "the nearest grid point instead (deterministic, biased) (default: not quantized)")


def register(sub):
    """Add this module's subcommand to the subparsers ``sub``."""
    p = sub.add_parser(
        "sgd", help="quantized one-pass SGD in linear regression: exact risk, bias/variance, simulation",
        description="Exact expected excess risk of one-pass minibatch SGD on y = x.w* + noise, "
                    "x ~ N(0, diag(i^-A)), w*_i ~ N(0, i^-P), w_0 = 0, with data, label, parameter, "
                    "activation and gradient quantized by additive or multiplicative Gaussian noise "
                    "(O(d) recursion per step; also real INT/FP quantizers of the data), and a Monte Carlo "
                    "of the same algorithm (also with real INT/FP quantizers, stochastic rounding or "
                    "round-to-nearest, on every target) with --runs. See docs/sgd.md.")
    m = p.add_argument_group("problem")
    m.add_argument("--n", dest="n", type=C._float, default=200, metavar="D",
                   help="dimension d, integer in [1, 1e7] (default: 200)")
    m.add_argument("--dim", dest="n", type=C._float, help=argparse.SUPPRESS)
    m.add_argument("--decay", type=C._float, default=2.0, metavar="A",
                   help="spectrum lambda_i = i^-A, A in [0, 50] (default: 2)")
    m.add_argument("--teacher-decay", type=C._float, default=0.0, metavar="P",
                   help="teacher variances E[w*_i^2] = i^-P, P in [-10, 50] (default: 0, isotropic)")
    m.add_argument("--sigma", type=C._float, default=0.1, metavar="S",
                   help="label noise standard deviation, >= 0 (default: 0.1)")
    t = p.add_argument_group("training")
    t.add_argument("--batch", type=C._float, default=1, metavar="B",
                   help="batch size, integer in [1, 1e6] (default: 1)")
    t.add_argument("--lr", type=C._float, default=0.1, metavar="G", help="learning rate (step size gamma), > 0 "
                   "(default: 0.1)")
    t.add_argument("--steps", type=C._float, default=2000, metavar="T",
                   help="number of SGD steps T, integer in [0, 1e9]; d*T <= 1e11 (default: 2000)")
    t.add_argument("--checkpoints", type=C._float, default=20, metavar="N",
                   help="record the curve at N+1 evenly spaced steps from 0 to T, integer >= 1 (default: 20)")
    q = p.add_argument_group("quantization (each target independently)")
    for name, what in (("data", "features x"), ("label", "labels y"), ("param", "parameters w (once per step)"),
                       ("activation", "activations x~.w^"), ("gradient", "per-sample gradients")):
        q.add_argument(f"--{name}", metavar="SPEC", default=None, help=TARGET_HELP.format(what=what))
    s = p.add_argument_group("simulation")
    s.add_argument("--runs", type=C._float, default=0, metavar="R",
                   help="independent simulated runs, 0 or an integer >= 2; runs*T*B*d <= 1e12 (default: 0 = none)")
    s.add_argument("--seed", type=C._float, default=0, metavar="K", help="root seed, integer >= 0 (default: 0)")
    O.add_parallel_args(p)
    O.add_out_arg(p, what="risk curves")
    C.add_json_arg(p)
    p.set_defaults(func=run_sgd)


def _clean(x):
    """JSON-ready: arrays to lists, non-finite floats to None."""
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return _clean(x.tolist())
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(x) else None
    return x


def run_sgd(args) -> int:
    """Run ``fastq sgd`` with the parsed ``args``; returns the exit code."""
    from ..sgd.recursion import check_data_grid, check_recursion_size, sgd_risk
    from ..sgd.simulation import check_simulation_size, sgd_simulate
    from ..sgd.spec import make_setup, record_steps

    # validate everything before any work
    setup = make_setup(V.integer("--n", args.n, 1, 10_000_000), decay=args.decay, teacher_decay=args.teacher_decay,
                       batch=args.batch, gamma=V.positive("--lr", args.lr), steps=args.steps, sigma=args.sigma,
                       data=args.data, label=args.label, param=args.param, activation=args.activation,
                       gradient=args.gradient)
    rec = record_steps(setup.steps, V.integer("checkpoints", args.checkpoints, 1, 1_000_000))
    runs = V.integer("runs", args.runs, 0)
    if runs == 1:
        raise V.FastqInputError("runs must be 0 or an integer >= 2 (a standard error needs two runs)")
    seed = V.integer("seed", args.seed, 0)
    jobs = O.parallel_from_args(args)
    exact_ok = setup.has_exact_risk
    if not exact_ok and runs == 0:
        raise V.FastqInputError("real quantizers (int:/fp:, -rtn) off the data have no exact risk; give --runs >= 2 "
                                "to simulate them")
    if exact_ok:
        check_recursion_size(setup)
        try:
            check_data_grid(setup)
        except V.FastqInputError:
            if runs == 0:
                raise
            exact_ok = False      # a data grid too fine for the exact moments: simulate only
    if runs:
        check_simulation_size(setup, runs, rec.size)
    out_dir = C.prepare_out(args.out) if args.out is not None else None

    out = {"risk": None, "bias": None, "variance": None, "risk_deployed": None, "status": None}
    status = "converged"
    curves = {"steps": rec}
    if exact_ok:
        r = sgd_risk(setup, checkpoints=rec)
        out.update(risk=r.risk[-1], bias=r.bias[-1], variance=r.variance[-1], risk_deployed=r.risk_deployed[-1],
                   risk_inf=r.risk_inf, gamma_max=r.gamma_max, spectral_radius=r.spectral_radius)
        status = r.status
        curves.update(risk=r.risk, bias=r.bias, variance=r.variance, risk_deployed=r.risk_deployed)
    if runs:
        ck = None if out_dir is None else out_dir / O.CHECKPOINT_DIRNAME
        with checkpointing(ck, enabled=ck is not None) as scope:
            C.keep_note(scope, ck)
            sim = sgd_simulate(setup, runs=runs, seed=seed, checkpoints=rec, n_jobs=jobs,
                               backend=args.backend, scheduler=args.scheduler,
                               progress=show_progress(args.json))
        out.update(mc_mean=sim.mean[-1], mc_se=sim.se[-1], mc_deployed_mean=sim.deployed_mean[-1],
                   mc_deployed_se=sim.deployed_se[-1], mc_status=sim.status, mc_diverged_runs=sim.diverged_runs,
                   mc_max_share=float(sim.max_share[-1]), quantizers=sim.quantizers, runs=runs, seed=seed)
        curves.update(mc_mean=sim.mean, mc_se=sim.se)
        if sim.status == "diverged":
            status = "diverged"
    out["status"] = status
    if runs:
        out.update(C.reuse_counts(scope))
    out["steps"] = int(setup.steps)
    out["curve"] = curves
    out["params"] = setup.to_dict()
    if out_dir is not None:
        out["files"] = [str(p) for p in _save(out_dir, out, curves)]
    code = 3 if status == "diverged" else 0
    if args.json:
        C.emit(_clean(out), True)
        return code
    _print_human(out, setup, runs)
    return code


def _save(out_dir: Path, out: dict, curves: dict):
    from .. import store

    key = hashlib.sha256(json.dumps(store._jsonable(out["params"]), sort_keys=True).encode()
                         + json.dumps(store._jsonable({k: out.get(k) for k in ("runs", "seed")})).encode()
                         + np.asarray(curves["steps"]).tobytes()).hexdigest()[:12]
    meta = store.metadata("sgd", out["params"])
    meta["result"] = _clean({k: v for k, v in out.items() if k not in ("curve", "params")})
    js = store.write_json(out_dir / f"sgd-{key}.json", meta)
    npz = store.write_npz(out_dir / f"sgd-{key}.npz", **{k: np.asarray(v) for k, v in curves.items()})
    return [js, npz]


def _fmt(v):
    return "n/a" if v is None else (f"{v:.6g}" if math.isfinite(v) else str(v))


def _print_human(out, setup, runs):
    q = ", ".join(f"{t}={spec}" for t, spec in setup.quant.items()) or "none"
    print(f"quantized SGD: d={setup.dim}, B={setup.batch}, gamma={setup.gamma:g}, T={setup.steps}, "
          f"sigma={setup.sigma:g}; quantized: {q}")
    if out["risk"] is not None:
        print(f"  risk at T       {_fmt(out['risk'])}  (bias {_fmt(out['bias'])}, variance {_fmt(out['variance'])})")
        print(f"  deployed Q_p(w) {_fmt(out['risk_deployed'])}")
        print(f"  gamma_max       {_fmt(out['gamma_max'])}  (spectral radius {_fmt(out['spectral_radius'])}); "
              f"T -> inf risk {_fmt(out['risk_inf'])}")
    if runs:
        print(f"  simulation      {_fmt(out['mc_mean'])} +- {_fmt(out['mc_se'])} ({runs} runs, "
              f"{out['mc_diverged_runs']} diverged)")
        for t, info in out["quantizers"].items():
            if "clipped_fraction" in info:
                print(f"  {t:<15} {info['spec']}: clipped/overflowed fraction {info['clipped_fraction']:.3g}")
    print(f"  status          {out['status']}")
    c = out["curve"]
    header = "  step        exact risk" + ("      simulation (+- se)" if runs else "")
    print(header)
    for j in np.unique(np.linspace(0, len(c["steps"]) - 1, min(11, len(c["steps"]))).round().astype(int)):
        exact = _fmt(float(c["risk"][j])) if "risk" in c else "n/a"
        line = f"  {int(c['steps'][j]):<10}  " + exact.ljust(14)
        if runs:
            line += f"  {_fmt(float(c['mc_mean'][j]))} +- {_fmt(float(c['mc_se'][j]))}"
        print(line)
