"""1RSB benchmarks: one evaluation of the 1RSB map against one RS map evaluation, side by side; the
warm 1RSB point against a warm RS point on a line of 131 omegas; a cold solve against the previous
solver (tests/replica/naive_rsb.py); the whole ``fastq curve ... --theory 1rsb`` process against RS;
one row of the Fig. 2(a) map in 1RSB (n_p = 14, 30, 62) as the map solves it.

Run: ``python -m pytest bench/test_rsb.py --benchmark-only -s`` (``-s`` prints the ratio).
No absolute time is asserted.
"""

import numpy as np
import pytest
from timing import best_of

import fastq
from fastq.replica.rsb import _update, solve_rsb

MODEL = (1.4, 0.01, 0.01, 1.0)


@pytest.mark.parametrize("n_p", [2, 6])
def test_map_vs_rs_map(benchmark, n_p):
    """One 1RSB map call (outer Gauss-Legendre x exact inner per piece) vs one RS map call."""
    q = fastq.Quantizer.uniform(n_p, 1.0)
    rs = fastq.solve_rs(q, *MODEL)
    state = np.array([rs.chi, 0.05, rs.Q, rs.m])

    def rsb():
        _update(q, state, 10.0, MODEL, 10)

    def rsmap():
        fastq.rs_map(q, rs.chi, rs.eg, *MODEL)

    rsb()
    rsmap()
    t_rsb, t_rs = best_of(rsb, 5), best_of(rsmap, 5)
    benchmark.extra_info.update(t_rsb_map_s=t_rsb, t_rs_map_s=t_rs, ratio=t_rsb / t_rs)
    print(f"\nn_p={n_p}: 1RSB map {t_rsb * 1e3:.2f} ms, RS map {t_rs * 1e3:.3f} ms (ratio {t_rsb / t_rs:.0f})")
    benchmark.pedantic(rsb, rounds=3, iterations=1)


def test_solve_rsb(benchmark):
    """The full solve (mu scan, Brent, quadrature check) at uniform b = 2, omega = 1."""
    q = fastq.Quantizer.uniform(2, 1.0)
    benchmark.pedantic(lambda: solve_rsb(q, *MODEL), rounds=1, iterations=1)


# ----------------------------------------------------------------------------- the fast solver (issue 22)
OMEGA_LINE = np.linspace(0.3, 1.6, 131)
CURVE = ["curve", "--vary", "omega", "--scheme", "uniform", "--bits", "2", "--omega", "0.3:1.6:131",
         "--alpha", "1.4", "--sigma", "0.01", "--lam", "0.01", "--edge-width", "0", "--json", "--no-plot"]


def _rsb_line():
    from fastq.replica.rsb import solve_rsb_warm

    warm = None
    for w in OMEGA_LINE:
        _, warm = solve_rsb_warm(fastq.Quantizer.uniform(2, w), *MODEL, warm=warm)


def _rs_line():
    from fastq.studies import sweep

    sweep("uniform", bits=2, omega=OMEGA_LINE, alpha=1.4, sigma=0.01, lam=0.01, edge_width=0.0)


def _rs_warm_loop():
    from fastq.replica.saddle import solve_rs

    start = None
    for w in OMEGA_LINE:
        r = solve_rs(fastq.Quantizer.uniform(2, w, 0.0), *MODEL, start=start)
        start = (r.chi, r.eg)


def test_warm_point_ratio(benchmark):
    """Warm 1RSB point (line of 131 omegas, b = 2) vs a warm RS point: the RS sweep of the same
    line (kernel, with its reverse check) and a loop of warm ``solve_rs`` calls; interleaved rounds."""
    fns = {"1rsb line": _rsb_line, "rs sweep line": _rs_line, "rs warm solve_rs loop": _rs_warm_loop}
    for fn in fns.values():
        fn()
    t = {k: float("inf") for k in fns}
    for _ in range(3):
        for k, fn in fns.items():
            t[k] = min(t[k], best_of(fn, 1))
    per = {k: v / OMEGA_LINE.size for k, v in t.items()}
    print("\nper point (ms):", {k: round(v * 1e3, 3) for k, v in per.items()})
    print("1RSB / RS sweep point:", round(per["1rsb line"] / per["rs sweep line"]),
          " 1RSB / warm solve_rs:", round(per["1rsb line"] / per["rs warm solve_rs loop"]))
    benchmark.extra_info.update({k.replace(" ", "_") + "_s_per_point": v for k, v in per.items()})
    benchmark.pedantic(_rsb_line, rounds=1, iterations=1)


def test_cold_solve_vs_reference(benchmark):
    """One cold ``solve_rsb`` (mu scan + joint Newton) vs the previous solver (tests/replica/naive_rsb.py)."""
    from tests.replica import naive_rsb

    settings = [fastq.Quantizer.uniform(2, 1.0), fastq.Quantizer.uniform(2, 1.4), fastq.Quantizer.log(3, 1.2)]
    solve_rsb(settings[0], *MODEL)
    for q in settings:
        t_new = best_of(lambda q=q: solve_rsb(q, *MODEL), 2)
        t_ref = best_of(lambda q=q: naive_rsb.solve_rsb(q, *MODEL), 1)
        print(f"\n{q.scheme} n_p={q.n_p} omega={q.omega}: new {t_new:.3f} s, reference {t_ref:.2f} s "
              f"(x{t_ref / t_new:.0f})")
    benchmark.pedantic(lambda: solve_rsb(settings[0], *MODEL), rounds=1, iterations=1)


def test_curve_command_1rsb_vs_rs(benchmark, tmp_path):
    """Whole process ``fastq curve ... --theory 1rsb`` vs the same RS curve (interleaved, 3 rounds)."""
    import subprocess
    import sys
    import time

    def run(theory):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "fastq", *CURVE, "--theory", theory, "--out", str(tmp_path)],
                       check=True, capture_output=True)
        return time.perf_counter() - t

    run("rs"), run("1rsb")  # compile caches
    t = {"rs": [], "1rsb": []}
    for _ in range(3):
        for th in t:
            t[th].append(run(th))
    ratios = [a / b for a, b in zip(t["1rsb"], t["rs"])]
    print(f"\nwhole process: rs {min(t['rs']):.2f}-{max(t['rs']):.2f} s, 1rsb {min(t['1rsb']):.2f}-"
          f"{max(t['1rsb']):.2f} s, ratio {min(ratios):.2f}-{max(ratios):.2f}")
    benchmark.extra_info.update(rs_s=t["rs"], rsb_s=t["1rsb"])
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)


# ----------------------------------------------------------------------------- a row of the Fig. 2(a) map
FIG2A_OMEGA = np.linspace(0.05, 10.0, 200)


@pytest.mark.parametrize("n_p", [14, 30, 62])
def test_fig2a_row_1rsb(benchmark, n_p):
    """One row of the Fig. 2(a) grid in 1RSB (uniform, alpha = 1.5, sigma = 0.01, lam = 0, 200
    omegas in [0.05, 10]) through the map's own line worker (from the largest omega down, no cold
    rescan after a failure).  Prints the row's CPU seconds, per point, and the statuses."""
    import time
    from collections import Counter

    from fastq.replica.rsb import solve_rsb_warm
    from fastq.studies.rsb_grid import RSB_STATUS_CODES, _rsb_lines

    solve_rsb_warm(fastq.Quantizer.uniform(2, 1.0), 1.5, 0.01, 0.0)  # compile
    spec = {"scheme": "uniform", "dims": ("omega",), "coords": {"omega": FIG2A_OMEGA},
            "fixed": {"n_p": n_p, "alpha": 1.5, "sigma": 0.01, "lam": 0.0, "rho": 1.0}}
    chunk = [((), np.ones(FIG2A_OMEGA.size, dtype=bool))]
    t = time.process_time()
    out = _rsb_lines(spec, chunk)
    cpu = time.process_time() - t
    names = {v: k for k, v in RSB_STATUS_CODES.items()}
    status = dict(Counter(names[int(c)] for c in out["status"].ravel()))
    print(f"\nn_p={n_p}: row {cpu:.1f} s CPU, {cpu / FIG2A_OMEGA.size * 1e3:.1f} ms per point, {status}")
    benchmark.extra_info.update(row_cpu_s=cpu, statuses=status)
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
