"""``fastq amp``: AMP on independent instances against the RS prediction."""
from __future__ import annotations

from .. import _validate as V
from ..checkpoints import checkpointing
from ..parallel import show_progress
from ..replica import solve_rs
from . import _common as C
from . import _options as O


def register(sub):
    """Add this module's subcommand to the subparsers ``sub``."""
    p = sub.add_parser("amp", help="run AMP on independent synthetic instances and compare with RS",
                       description="Run AMP (docs/amp.md) on RUNS independent teacher-student "
                                   "instances of size N and report the mean generalization error "
                                   "(with its standard error), the error of the re-quantized "
                                   "weights, the converged fraction and the iteration count, beside "
                                   "the replica-symmetric prediction.")
    O.add_quantizer_args(p)
    O.add_model_args(p)
    g = p.add_argument_group("experiment")
    g.add_argument("--n", type=C._float, required=True, metavar="N", help="number of weights N (integer >= 2)")
    g.add_argument("--runs", type=C._float, default=10, metavar="R",
                   help="independent instances (integer >= 1) (default: 10)")
    g.add_argument("--seed", type=C._float, default=0, metavar="K",
                   help="root seed; run k uses its k-th spawned child (integer >= 0) (default: 0)")
    g.add_argument("--restarts", type=C._float, default=1, metavar="K",
                   help="starts per instance advanced together; the converged one of lowest "
                        "training loss is kept (integer >= 1) (default: 1)")
    g.add_argument("--max-iter", type=C._float, default=500, help="maximum AMP iterations (default: 500)")
    g.add_argument("--tol", type=C._float, default=1e-12,
                   help="stop when ||mbar^t - mbar^{t-1}||^2 / N < tol; 0 runs max-iter (default: 1e-12)")
    g.add_argument("--variance", choices=("full", "scalar"), default="full",
                   help="per-row/column variances from X*X, or the scalar-variance form (default: full)")
    g.add_argument("--float32", action="store_true", help="store X in float32 (half the memory)")
    O.add_parallel_args(p)
    O.add_out_arg(p, what="summary and per-run values")
    O.add_limits_arg(p)
    C.add_json_arg(p)
    p.set_defaults(func=run_amp)



def run_amp(args) -> int:
    """Run ``fastq amp`` with the parsed ``args``; returns the exit code."""
    import numpy as np

    from ..message_passing import amp_study

    alpha, sigma, lam, rho = O.model_from_args(args)
    q = O.quantizer_from_args(args)
    n = V.integer("n", args.n, 2)
    runs = V.integer("runs", args.runs, 1)
    seed = V.integer("seed", args.seed, 0)
    restarts = V.integer("restarts", args.restarts, 1, 10_000)
    max_iter = V.integer("max_iter", args.max_iter, 1)
    tol = V.nonnegative("tol", args.tol)
    jobs = O.parallel_from_args(args)
    m = int(round(alpha * n))
    if m < 1:
        raise V.FastqInputError(f"alpha * n must give at least one sample, round(alpha * n) >= 1 "
                                f"(got alpha * n = {alpha * n:.3g})")
    _check_size(n, m, runs, restarts, max_iter, args, jobs)
    out = C.prepare_out(args.out) if args.out is not None else None
    rs = solve_rs(q, alpha, sigma, lam, rho)
    with checkpointing(out / O.CHECKPOINT_DIRNAME if out else None, enabled=out is not None) as scope:
        C.keep_note(scope, out / O.CHECKPOINT_DIRNAME if out else None)
        st = amp_study(q, alpha, sigma, lam, rho, n=n, runs=runs, seed=seed, restarts=restarts,
                       max_iter=max_iter, tol=tol, variance=args.variance,
                       dtype=np.float32 if args.float32 else np.float64, n_jobs=jobs,
                       backend=args.backend, scheduler=args.scheduler,
                       progress=show_progress(args.json))
        files = _save(st, out, q, n, runs, seed) if out else []
    s = st.summary()[0]
    d = {k: s[k] for k in ("eg_mean", "eg_sem", "eg_requantized_mean", "eg_requantized_sem",
                           "eg_mean_max_iter", "n_converged", "n_max_iter", "n_diverged",
                           "converged_fraction", "iterations_mean")}
    d.update({"rs_eg": rs.eg, "rs_at": rs.at, "rs_phase": "RS" if rs.rs else "RSB" if rs.converged else rs.status,
              "rs_converged": rs.converged,
              "scheme": q.scheme, "n_p": q.n_p, "bits": q.bits, "omega": q.omega,
              "edge_width": q.edge_width, "edge_convention": q.edge_convention,
              "alpha": alpha, "sigma": sigma, "lam": lam, "rho": rho,
              "n": n, "runs": runs, "seed": seed, "restarts": restarts, "max_iter": max_iter,
              "tol": tol, "variance": args.variance, "files": [str(f) for f in files],
              **C.reuse_counts(scope)})
    if args.json:
        d["per_run"] = {"eg": st.eg[:, 0], "eg_requantized": st.eg_requantized[:, 0],
                        "converged": st.converged[:, 0], "iterations": st.iterations[:, 0],
                        "status": [str(x) for x in st.status[:, 0]]}
    C.emit(d, args.json, title=f"AMP on {runs} instances (N={n}, {q.scheme}, n_p={q.n_p}, "
                               f"omega={q.omega:g}, edge_width={q.edge_width:g}) vs RS prediction")
    return 0


#: single-core cost of one multiply-add pass over one element of X (measured: N = 2500, M = 3750,
#: scalar-variance, about 0.3 ns; rounded up)
_NS_PER_ELEMENT_PASS = 0.5


def _check_size(n, m, runs, restarts, max_iter, args, jobs):
    """Refuse runs that do not fit in memory or would take longer than the time limit."""
    from ..limits import check_memory, check_seconds

    itemsize = 4 if args.float32 else 8
    copies = 2 if args.variance == "full" else 1  # X, and X * X for the full variances
    check_memory(f"AMP at N = {n} (M = {m}, {min(jobs, runs)} worker(s))",
                 copies * itemsize * m * n * min(jobs, runs) + 8 * 8 * (m + n) * restarts)
    passes = 4 if args.variance == "full" else 2
    check_seconds(f"AMP with {runs} run(s) x {restarts} restart(s) x {max_iter} iterations at N = {n}",
                  runs * restarts * max_iter * passes * m * n * _NS_PER_ELEMENT_PASS * 1e-9,
                  allow_large=args.allow_large)


def _save(st, out, q, n, runs, seed):
    """Summary (JSON) and per-run values (NPZ) of an AMP study, in file names that carry the setting."""
    from ..store import metadata, write_json, write_npz

    stem = (f"amp_{O.quantizer_tag(q)}_np{q.n_p}_omega{q.omega:g}_eps{q.edge_width:g}"
            f"{'' if q.edge_convention == 'absolute' else q.edge_convention}_alpha{st.params['alpha']:g}"
            f"_sigma{st.params['sigma']:g}_lam{st.params['lam']:g}_n{n}_runs{runs}_seed{seed}")
    doc = metadata("amp-study", st.params)
    doc["summary"] = st.summary()
    return [write_json(out / f"{stem}.json", doc),
            write_npz(out / f"{stem}.npz", eg=st.eg, eg_requantized=st.eg_requantized,
                      converged=st.converged, iterations=st.iterations,
                      status=st.status.astype(str))]
