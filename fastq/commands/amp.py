"""``fastq amp`` (AMP on independent instances vs the RS prediction) and ``fastq se``
(state-evolution trajectory and fixed point)."""
from __future__ import annotations

from .. import _validate as V
from ..parallel import BACKENDS, show_progress
from ..replica import solve_rs
from . import _common as C


def register(sub):
    p = sub.add_parser("amp", help="run AMP on independent synthetic instances and compare with RS",
                       description="Run AMP (THEORY section 7) on RUNS independent teacher-student "
                                   "instances of size N and report the mean generalization error "
                                   "(with its standard error), the error of the re-quantized "
                                   "weights, the converged fraction and the iteration count, beside "
                                   "the replica-symmetric prediction.")
    C.add_quantizer_args(p)
    C.add_model_args(p)
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
    g.add_argument("--jobs", type=C._float, default=1, metavar="J",
                   help="parallel workers (-1 = all cores) (default: 1)")
    g.add_argument("--backend", choices=BACKENDS, default="loky", help="joblib backend (default: loky)")
    g.add_argument("--scheduler", default=None, help="Dask scheduler address (backend dask)")
    C.add_json_arg(p)
    p.set_defaults(func=run_amp)

    p = sub.add_parser("se", help="state-evolution trajectory and fixed point",
                       description="Iterate AMP's state evolution (THEORY section 6) from a start "
                                   "(V0, E0) and print the trajectory (V, E, Eg) and the fixed point.")
    C.add_quantizer_args(p)
    C.add_model_args(p)
    p.add_argument("--t-max", type=C._float, default=1000, help="maximum SE steps (default: 1000)")
    p.add_argument("--tol", type=C._float, default=1e-13,
                   help="stop when V and E change by <= tol (relative); 0 runs t-max (default: 1e-13)")
    p.add_argument("--v0", type=C._float, default=None, help="start V^0 (>= 0) (default: 1)")
    p.add_argument("--e0", type=C._float, default=None,
                   help="start E^0 = ||w0 - mbar^0||^2/N (> 0) (default: rho + 1, AMP's N(0,1) start)")
    C.add_json_arg(p)
    p.set_defaults(func=run_se)


def run_amp(args) -> int:
    import numpy as np

    from ..amp import amp_study

    alpha, sigma, lam, rho = C.model_from_args(args)
    q = C.quantizer_from_args(args)
    n = V.integer("n", args.n, 2)
    runs = V.integer("runs", args.runs, 1)
    seed = V.integer("seed", args.seed, 0)
    restarts = V.integer("restarts", args.restarts, 1, 10_000)
    max_iter = V.integer("max_iter", args.max_iter, 1)
    tol = V.nonnegative("tol", args.tol)
    jobs = V.integer("jobs", args.jobs, -1)
    rs = solve_rs(q, alpha, sigma, lam, rho)
    st = amp_study(q, alpha, sigma, lam, rho, n=n, runs=runs, seed=seed, restarts=restarts,
                   max_iter=max_iter, tol=tol, variance=args.variance,
                   dtype=np.float32 if args.float32 else np.float64, jobs=jobs,
                   backend=args.backend, scheduler=args.scheduler,
                   progress=show_progress(args.json))
    s = st.summary()[0]
    d = {k: s[k] for k in ("eg_mean", "eg_sem", "eg_requantized_mean", "eg_requantized_sem",
                           "converged_fraction", "iterations_mean")}
    d.update({"rs_eg": rs.eg, "rs_at": rs.at, "rs_phase": "RS" if rs.rs else "RSB" if rs.converged else rs.status,
              "rs_converged": rs.converged,
              "scheme": q.scheme, "n_p": q.n_p, "bits": q.bits, "omega": q.omega,
              "edge_width": q.edge_width, "alpha": alpha, "sigma": sigma, "lam": lam, "rho": rho,
              "n": n, "runs": runs, "seed": seed, "restarts": restarts, "max_iter": max_iter,
              "tol": tol, "variance": args.variance})
    if args.json:
        d["per_run"] = {"eg": st.eg[:, 0], "eg_requantized": st.eg_requantized[:, 0],
                        "converged": st.converged[:, 0], "iterations": st.iterations[:, 0],
                        "status": [str(x) for x in st.status[:, 0]]}
    C.emit(d, args.json, title=f"AMP on {runs} instances (N={n}, {q.scheme}, n_p={q.n_p}, "
                               f"omega={q.omega:g}, edge_width={q.edge_width:g}) vs RS prediction")
    return 0


def run_se(args) -> int:
    from ..state_evolution import state_evolution

    alpha, sigma, lam, rho = C.model_from_args(args)
    q = C.quantizer_from_args(args)
    t_max = V.integer("t_max", args.t_max, 1, 10_000_000)
    start = None
    if args.v0 is not None or args.e0 is not None:
        start = (1.0 if args.v0 is None else args.v0, rho + 1.0 if args.e0 is None else args.e0)
    r = state_evolution(q, alpha, sigma, lam, rho, t_max=t_max, start=start, tol=args.tol)
    d = r.to_dict()
    d.update({"scheme": q.scheme, "n_p": q.n_p, "bits": q.bits, "omega": q.omega,
              "alpha": alpha, "sigma": sigma, "lam": lam, "rho": rho})
    if args.json:
        C.emit(d, True)
        return 0 if r.converged else 3
    traj = d.pop("trajectory")
    C.emit(d, False, title=f"state evolution ({q.scheme}, n_p={q.n_p}, omega={q.omega:g}, "
                           f"edge_width={q.edge_width:g}): {r.status} after {r.iterations} steps")
    print("  trajectory:")
    print(f"  {'t':>5}  {'V':>14}  {'E':>14}  {'eg':>14}")
    for t, v, e, g in zip(traj["t"], traj["V"], traj["E"], traj["eg"]):
        print(f"  {t:>5}  {v:>14.8g}  {e:>14.8g}  {g:>14.8g}")
    return 0 if r.converged else 3
