"""``fastq ste``: online STE training -- stationary Eg, mean-field trajectory, optional simulation.

The STE model uses the *hard* quantizer (docs/ste.md), so this command has no
``--edge-width`` option (argparse rejects it); the quantizer options are otherwise the shared ones.
"""
from __future__ import annotations

import argparse
import math
import sys

import numpy as np

from .. import _validate as V
from ..limits import check_seconds
from ..parallel import show_progress
from ..quantizers import Quantizer, n_p_from_bits
from . import _common as C
from . import _options as O


def register(sub):
    """Add this module's subcommand to the subparsers ``sub``."""
    p = sub.add_parser(
        "ste", help="learning dynamics of online STE training (mean field, stationary Eg, simulation)",
        description="Online SGD with the straight-through estimator for the hard-quantized student "
                    "(docs/ste.md): the stationary Eg against the unquantized sigma^2/(2 - eta), "
                    "the mean-field (Fokker-Planck) trajectory Eg(tau), tau = t/N, and with --n a "
                    "finite-N simulation averaged over runs with standard errors. The quantizer is "
                    "the hard one (edge width 0); there is no --edge-width option.")
    O.add_quantizer_args(p, edge_width=False, title="quantizer (hard, edge width 0)")
    m = p.add_argument_group("model and training")
    m.add_argument("--lr", dest="lr", type=C._float, help="learning rate eta, in (0, 2) (required)")
    m.add_argument("--eta", dest="lr", type=C._float, help=argparse.SUPPRESS)  # renamed to --lr; hidden alias
    m.add_argument("--sigma", type=C._float, required=True, help="label noise standard deviation (>= 0)")
    m.add_argument("--rho", type=C._float, default=1.0, help="teacher weight variance (> 0) (default: 1.0)")
    m.add_argument("--tau-max", type=C._float, default=10.0, metavar="T",
                   help="training time tau = steps / N to follow (> 0) (default: 10)")
    m.add_argument("--dtau", type=C._float, default=None, metavar="DT",
                   help="recording resolution in tau (default: tau_max / 50)")
    i = p.add_argument_group("data and start (docs/ste.md, quantized inputs)")
    i.add_argument("--input-scheme", choices=("uniform", "log"), default="uniform",
                   help="input quantizer scheme (default: uniform)")
    ex = i.add_mutually_exclusive_group()
    ex.add_argument("--input-bits", type=C._float, metavar="B",
                    help="quantize the inputs with B bits (integer n_p); default: unquantized inputs")
    ex.add_argument("--input-n-p", type=C._float, metavar="N", help="input quantizer sub-intervals (integer >= 1)")
    i.add_argument("--input-omega", type=C._float, metavar="W",
                   help="input quantizer range (> 0; required with --input-bits/--input-n-p)")
    i.add_argument("--init", default="zero", metavar="zero|gaussian[:S0]",
                   help="start of the latent weights: 0, or N(0, S0^2) (S0 > 0, default 1) (default: zero)")
    i.add_argument("--teacher", default="gaussian", metavar="gaussian|constant:C",
                   help="teacher N(0, rho), or w* = C on every coordinate (default: gaussian)")
    m.add_argument("--ode", action="store_true",
                   help="also give the small-learning-rate limit (eta -> 0 at fixed s = eta tau: each weight's "
                        "deterministic ODE) at the same times, as eg_ode with s_ode = eta * tau")
    s = p.add_argument_group("finite-N simulation (only with --n)")
    s.add_argument("--n", type=C._float, metavar="N", help="number of weights N (integer >= 2)")
    s.add_argument("--runs", type=C._float, default=8, metavar="R", help="independent runs (default: 8)")
    s.add_argument("--seed", type=C._float, default=0, metavar="K", help="root seed (integer >= 0) (default: 0)")
    O.add_parallel_args(p)
    O.add_limits_arg(p)
    C.add_json_arg(p)
    p.set_defaults(func=run_ste)


def _input_quantizer(args):
    """The input quantizer from ``--input-*`` (None: unquantized inputs)."""
    if args.input_bits is None and args.input_n_p is None:
        if args.input_omega is not None:
            raise V.FastqInputError("input_omega needs --input-bits or --input-n-p "
                                    f"(got --input-omega {args.input_omega!r} alone)")
        return None
    if args.input_n_p is None:
        try:
            n_p = n_p_from_bits(args.input_bits)
        except V.FastqInputError as exc:
            raise V.FastqInputError(f"input_{exc}") from None
    else:
        n_p = V.integer("input_n_p", args.input_n_p, 1)
    if args.input_omega is None:
        raise V.FastqInputError("input_omega must be given (> 0) with --input-bits/--input-n-p (got nothing)")
    return Quantizer(args.input_scheme, n_p, V.positive("input_omega", args.input_omega), 0.0)


def _init_std(text: str) -> float:
    """``zero`` -> 0, ``gaussian`` -> 1, ``gaussian:S0`` -> S0 (> 0)."""
    if text == "zero":
        return 0.0
    if text == "gaussian":
        return 1.0
    if text.startswith("gaussian:"):
        try:
            s0 = float(text[9:])
        except ValueError:
            s0 = math.nan
        if math.isfinite(s0) and s0 > 0:
            return s0
    raise V.FastqInputError(f"init must be zero, gaussian or gaussian:S0 with S0 > 0 (got {text!r})")


def _teacher(text: str):
    """``gaussian`` -> None, ``constant:C`` -> C (a finite number)."""
    if text == "gaussian":
        return None
    if text.startswith("constant:"):
        try:
            c = float(text[9:])
        except ValueError:
            c = math.nan
        if math.isfinite(c):
            return V._as_float("teacher constant C", c)
    raise V.FastqInputError(f"teacher must be gaussian or constant:C with C a number (got {text!r})")


def run_ste(args) -> int:
    """Run ``fastq ste`` with the parsed ``args``; returns the exit code."""
    from ..ste import ste_mean_field, ste_simulate, ste_stationary

    # validate everything before any work
    q = O.quantizer_from_args(args, edge_width=0.0, edge_convention="absolute")
    if args.lr is None:
        raise V.FastqInputError("lr must be given, in (0, 2) (got nothing)")
    eta = V.in_range("lr", args.lr, 0.0, 2.0, lo_open=True, hi_open=True)
    sigma = V.in_range("sigma", args.sigma, 0.0, 1e3)
    rho = V.positive("rho", args.rho)
    tau_max = V.positive("tau_max", args.tau_max)
    dtau = tau_max / 50.0 if args.dtau is None else V.positive("dtau", args.dtau)
    if dtau > tau_max:
        raise V.FastqInputError(f"dtau must be in (0, tau_max={tau_max:g}] (got {dtau!r})")
    psi = _input_quantizer(args)
    s0 = _init_std(args.init)
    tv = _teacher(args.teacher)
    model = dict(input_quantizer=psi, teacher_value=tv)
    runs = V.integer("runs", args.runs, 1)
    seed = V.integer("seed", args.seed, 0)
    jobs = O.parallel_from_args(args)
    # the mean-field PDE costs about (tau_max / dt) steps x ~1e3 cells x ~40 teacher nodes x ~20 ns
    check_seconds(f"the mean-field solution to tau_max = {tau_max:g}",
                  tau_max / min(0.01, dtau) * 1e3 * 40 * 2e-8, allow_large=args.allow_large)
    if args.n is not None:
        n = V.integer("n", args.n, 2)
        # one simulation step touches every weight a few times: ~10 ns per weight
        check_seconds(f"the simulation ({runs} run(s), N = {n}, tau_max = {tau_max:g})",
                      runs * tau_max * n * n * 1e-8, allow_large=args.allow_large)

    st = ste_stationary(q, eta, sigma, rho, **model)
    mf = ste_mean_field(q, eta, sigma, rho, tau_max=tau_max, dtau=dtau, dt=min(0.01, dtau), init_std=s0, **model)
    out = {
        "scheme": q.scheme, "n_p": q.n_p, "bits": q.bits, "omega": q.omega, "edge_width": 0.0,
        "eta": eta, "sigma": sigma, "rho": rho,
        "input_quantizer": None if psi is None else psi.to_dict(), "c1": st.c1, "c2": st.c2,
        "init_std": s0, "teacher": "gaussian" if tv is None else "constant", "teacher_value": tv,
        "eg_stationary": st.eg, "eg_unquantized": st.eg_unquantized, "eg_float_weights": st.eg_float_weights,
        "deviation": st.deviation, "bin_fraction_stationary": st.bin_fraction,
        "stationary_roots": st.roots,
        "tau": mf.tau, "eg_mean_field": mf.eg, "m_mean_field": mf.m,
        "bin_fraction_mean_field": mf.bin_fraction,
        "mean_field_info": {k: v for k, v in mf.info.items() if k != "params"},
    }
    if args.ode:
        from ..ste import ste_ode

        lim = ste_ode(q, sigma, rho, s_max=eta * tau_max, ds=eta * dtau, input_quantizer=psi, init_std=s0,
                      teacher_value=tv)
        out.update({"s_ode": lim.tau, "eg_ode": lim.eg, "eg_ode_end": lim.info["eg_end"]})
    if args.n is not None:
        sim = ste_simulate(q, eta, sigma, rho, n=n, runs=runs, seed=seed, tau_max=tau_max,
                           dtau=dtau, init_std=s0, **model, n_jobs=jobs, backend=args.backend, scheduler=args.scheduler,
                           progress=show_progress(args.json))
        out.update({"n": n, "runs": runs, "seed": seed, "tau_sim": sim.tau, "eg_sim": sim.eg,
                    "eg_sim_se": sim.eg_se, "m_sim": sim.m, "bin_fraction_sim": sim.bin_fraction})
    unnormalized = st.converged and abs(float(np.sum(st.bin_fraction)) - 1.0) > 1e-6
    code = 3 if not st.converged else (1 if unnormalized else 0)
    if args.json:
        out["status"] = "not_converged" if not st.converged else ("masses_not_normalized" if unnormalized else "ok")
        C.emit(out, True)
        return code
    _print_text(args, q, psi, eta, sigma, rho, st, out, sim if args.n is not None else None, unnormalized)
    return code


def _print_text(args, q, psi, eta, sigma, rho, st, out, sim, unnormalized) -> None:
    """The human-readable report of ``fastq ste`` (the JSON holds the same numbers)."""
    print(f"STE training, hard {q.scheme} quantizer n_p={q.n_p} (b={q.bits:.3g}), omega={q.omega:g}, "
          f"eta={eta:g}, sigma={sigma:g}, rho={rho:g}")
    inputs = "unquantized" if psi is None else f"{psi.scheme} n_p={psi.n_p}, omega={psi.omega:g}"
    print(f"  inputs {inputs} (c1={st.c1:.6g}, c2={st.c2:.6g}), start {args.init}, teacher {args.teacher}")
    print(f"  eg_stationary    {st.eg:.8g}   (unquantized sigma^2/(2-eta) = {st.eg_unquantized:.8g}, "
          f"deviation {st.deviation:+.4g}; float weights, same inputs: {st.eg_float_weights:.6g})")
    print(f"  bins stationary  {np.array2string(st.bin_fraction, precision=4)}")
    if unnormalized:
        print(f"  WARNING          the stationary bin masses sum to {float(np.sum(st.bin_fraction)):.6g}, "
              "not 1: the quadrature did not resolve this teacher law", file=sys.stderr)
    header = "  tau        Eg mean field" + ("   Eg simulation (+- s.e.)" if sim is not None else "")
    print(header)
    show = np.unique(np.linspace(0, out["tau"].size - 1, 11).round().astype(int))
    for i in show:
        t = out["tau"][i]
        line = f"  {t:<9.4g}  {out['eg_mean_field'][i]:.6f}"
        if sim is not None:
            j = int(np.argmin(np.abs(sim.tau - t)))
            line += f"        {sim.eg[j]:.6f} +- {sim.eg_se[j]:.6f}"
        print(line)
