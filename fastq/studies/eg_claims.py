"""The paper's Eg claims under RS, 1RSB and ridge-then-round (issue 22, item 3): the data behind
the ``claims`` figure group and the table of ``docs/replica_claims.md``.

* :func:`optimum_rows` -- claims (ii) and (iv): per scheme and number of bits, the omega that
  minimizes Eg under RS and under 1RSB (hard quantizer), the 1RSB Eg at the RS choice, and PTQ at
  its own best omega (:func:`fastq.optimal_omega` with ``also=("1rsb", "ptq")``).
* :func:`alpha_curve` / :func:`double_descent` -- claim (iii): Eg against alpha for one quantizer
  at a fixed omega or at the omega that minimizes the RS Eg *at each alpha* ("opt"), under RS
  (hard quantizer), 1RSB at the same omega (warm-started along alpha, a point whose maximum over mu
  is beyond the default grid solved again on :data:`RETRY_MU_GRID`; only up to
  :data:`RSB_MAX_N_P` levels), PTQ (at its own best omega when "opt", else at omega) and ridge at
  the same lam.  :func:`double_descent` runs many curves through
  :func:`fastq.checkpoints.run_chunks` (one curve per chunk: parallel, checkpointed, resumable).
* :func:`peak` and :func:`dd_rows` -- where each curve peaks and the verdict on the claim.

**Reading of claim (iii).** The paper: quantization "delays the onset of overparameterization",
i.e. the interpolation peak of Eg(alpha) sits at a smaller alpha = M/N than ridge's (for a fixed
number of samples, a quantized model needs more weights before it interpolates).  A curve
*supports* the claim when its peak (located by a parabola through the largest grid value and its
neighbours) is more than :data:`PEAK_TOL` below ridge's; with ``lam = 0``
ridge diverges at alpha = 1 and that is its peak.
"""
from __future__ import annotations

import math

import numpy as np

from ..checkpoints import run_chunks
from ..quantizers import Quantizer, n_p_from_bits
from ..replica import NoFiniteSolution, ridge, solve_rs, solve_rsb
from ..replica.rsb import solve_rsb_warm
from .advisor import ptq_eg, ptq_optimum
from .optimum import optimal_omega
from .rsb_grid import RSB_STATUS_CODES

#: 1RSB is solved up to this many sub-intervals (b = 6).  With the fast solver a warm point at
#: n_p = 62 costs about 50-70 ms; measured (loaded 2-core machine, CPU time): the b = 6 optimum of
#: claim (ii) 31 s, one 57-point b = 6 double-descent curve at omega = 3 about 55 s
RSB_MAX_N_P = 62
#: a 1RSB point whose maximum over mu lies beyond the default grid (status ``mu_at_edge``, typical
#: where the 1RSB correction is small: mu of 500-5000) is solved again cold on this wider grid
RETRY_MU_GRID = tuple(np.geomspace(0.1, 2e4, 24))
#: search interval and scan of the per-alpha RS optimum ("opt" curves)
OPT_RANGE = (0.05, 8.0)
OPT_SCAN = 24


def optimum_row(spec) -> dict:
    """Claims (ii)/(iv) for ``spec = (scheme, bits, alpha, sigma, lam, omega_range, n_scan)``: the
    RS, 1RSB (up to :data:`RSB_MAX_N_P`) and PTQ optima of the hard quantizer.
    """
    scheme, b, alpha, sigma, lam, omega_range, n_scan = spec
    also = ("1rsb", "ptq") if n_p_from_bits(b) <= RSB_MAX_N_P else ("ptq",)
    o = optimal_omega({"scheme": scheme, "bits": b}, alpha, sigma, lam, edge_width=0.0,
                      omega_range=tuple(omega_range), n_scan=n_scan, also=also)
    r1 = o.alternatives.get("1rsb", {})
    p = o.alternatives["ptq"]
    eg1, at_rs = r1.get("eg_star"), r1.get("eg_at_omega_main")
    return {"scheme": scheme, "bits": b, "omega_rs": o.omega_star, "eg_rs": o.eg_star,
            "status_rs": o.status, "omega_1rsb": r1.get("omega_star"), "eg_1rsb": eg1,
            "status_1rsb": r1.get("status", "not_computed"), "eg_1rsb_at_omega_rs": at_rs,
            "cost_of_following_rs": None if eg1 is None or at_rs is None else at_rs - eg1,
            "omega_ptq": p["omega_star"], "eg_ptq": p["eg_star"], "ridge_eg": p["ridge_eg"]}


def _optimum_chunk(spec):
    return {k: np.asarray(math.nan if v is None else v) for k, v in optimum_row(spec).items()}


def optimum_rows(schemes, bits, alpha, sigma, lam, *, omega_range=(0.2, 6.0), n_scan=48, n_jobs=1,
                 progress=False, checkpoint_dir=None) -> list[dict]:
    """:func:`optimum_row` for every (scheme, b), one checkpointed chunk each (run_chunks)."""
    specs = [(s, int(b), alpha, sigma, lam, tuple(omega_range), n_scan) for s in schemes for b in bits]
    run = run_chunks(_optimum_chunk, specs, kind="claims-optimum", inputs={"specs": [list(map(str, x)) for x in specs]},
                     checkpoint_dir=checkpoint_dir, n_jobs=n_jobs, progress=progress, desc="fastq claims optima")
    rows = []
    for r in run.results:
        row = {}
        for k, v in r.items():
            v = v.item() if hasattr(v, "item") else v
            row[k] = None if isinstance(v, float) and math.isnan(v) else v
        rows.append(row)
    return rows


def _ridge_eg(alpha, sigma, lam):
    try:
        return ridge(alpha, sigma, lam).eg
    except NoFiniteSolution:
        return math.nan


def alpha_curve(spec) -> dict:
    """One Eg(alpha) curve; ``spec = (scheme, bits, sigma, lam, omega, alphas, rsb)`` with omega a
    float or "opt" (module docstring).  Arrays over alpha; non-convergence is kept as a status.
    """
    scheme, bits, sigma, lam, omega, alphas, rsb = spec
    n_p = n_p_from_bits(bits)
    proto = Quantizer(scheme, n_p, 1.0, 0.0)
    n = len(alphas)
    out = {k: np.full(n, np.nan) for k in ("omega", "eg_rs", "eg_1rsb", "eg_ptq", "omega_ptq", "eg_ridge")}
    out["rs_converged"] = np.zeros(n, bool)
    out["rsb_converged"] = np.zeros(n, bool)
    out["rsb_status"] = np.full(n, -1, np.int64)  # -1: not attempted
    warm = None
    for i, a in enumerate(alphas):
        a = float(a)
        out["eg_ridge"][i] = _ridge_eg(a, sigma, lam)
        if omega == "opt":
            o = optimal_omega(proto, a, sigma, lam, edge_width=0.0, omega_range=OPT_RANGE, n_scan=OPT_SCAN)
            w, eg, ok = o.omega_star, o.eg_star, o.converged and o.omega_star is not None
            p = ptq_optimum(proto, a, sigma, lam, 1.0, OPT_RANGE, n_scan=OPT_SCAN)
            out["eg_ptq"][i] = np.nan if p["eg_star"] is None else p["eg_star"]
            out["omega_ptq"][i] = np.nan if p["omega_star"] is None else p["omega_star"]
        else:
            w = float(omega)
            r = solve_rs(proto.with_omega(w), a, sigma, lam)
            eg, ok = r.eg, r.converged
            try:
                out["eg_ptq"][i], out["omega_ptq"][i] = ptq_eg(proto.with_omega(w), a, sigma, lam), w
            except NoFiniteSolution:
                pass
        if w is None:
            continue
        out["omega"][i], out["eg_rs"][i], out["rs_converged"][i] = w, eg, ok
        if rsb:
            r1, warm = solve_rsb_warm(proto.with_omega(w), a, sigma, lam, 1.0, warm)
            if r1.status == "mu_at_edge":
                r1 = solve_rsb(proto.with_omega(w), a, sigma, lam, mu_grid=np.array(RETRY_MU_GRID))
            out["eg_1rsb"][i] = r1.eg
            out["rsb_converged"][i] = r1.converged
            out["rsb_status"][i] = RSB_STATUS_CODES[r1.status]
    return out


def double_descent(curves, alphas, *, n_jobs=1, progress=False, checkpoint_dir=None) -> list[dict]:
    """:func:`alpha_curve` for every ``(scheme, bits, sigma, lam, omega)`` in ``curves`` on the
    grid ``alphas`` (1RSB where ``n_p <= RSB_MAX_N_P``), one checkpointed chunk per curve.
    """
    alphas = tuple(float(a) for a in alphas)
    specs = [(s, b, sg, lm, om, alphas, n_p_from_bits(b) <= RSB_MAX_N_P) for s, b, sg, lm, om in curves]
    run = run_chunks(_chunk, specs, kind="claims-double-descent",
                     inputs={"curves": [list(map(str, c)) for c in curves], "alphas": list(alphas)},
                     checkpoint_dir=checkpoint_dir, n_jobs=n_jobs, progress=progress, desc="fastq claims")
    return [dict(r) for r in run.results]


def _chunk(spec):
    return alpha_curve(spec)


def peak(alphas, eg, ok) -> dict:
    """The interpolation peak of one curve: the largest value of ``eg`` over the converged points
    (``ok``).  ``kind``: "interior" (a maximum with converged neighbours on both sides), "none" (the
    maximum is at an end of the grid: Eg falls or rises monotonically there) or "undetermined" (a
    neighbour of the maximum did not converge, or a non-converged point reports a larger Eg, so
    the peak may be elsewhere).
    """
    x = np.asarray(alphas, float)
    eg = np.asarray(eg, float)
    ok = np.asarray(ok, bool) & np.isfinite(eg)
    y = np.where(ok, eg, np.nan)
    if ok.sum() < 3:
        return {"kind": "undetermined", "alpha": None, "eg": None}
    k = int(np.nanargmax(y))
    if np.any(~ok & np.isfinite(eg) & (eg > y[k])):
        return {"kind": "undetermined", "alpha": float(x[k]), "eg": float(y[k])}
    if k == 0 or k == len(x) - 1:
        return {"kind": "none", "alpha": None, "eg": None}
    if not (ok[k - 1] and ok[k + 1]):
        return {"kind": "undetermined", "alpha": float(x[k]), "eg": float(y[k])}
    # the vertex of the parabola through the maximum and its two neighbours (grid-free location)
    c = np.polyfit(x[k - 1:k + 2], y[k - 1:k + 2], 2)
    xv = float(np.clip(-c[1] / (2 * c[0]), x[k - 1], x[k + 1])) if c[0] < 0 else float(x[k])
    return {"kind": "interior", "alpha": xv, "eg": float(y[k]), "alpha_grid": float(x[k])}


def _ridge_peak(alphas, eg_ridge, lam):
    if lam == 0.0:  # ridge diverges at alpha -> 1+ and has no finite solution below
        return {"kind": "divergent", "alpha": 1.0, "eg": math.inf}
    return peak(alphas, eg_ridge, np.isfinite(eg_ridge))


#: two peaks closer than this in alpha (after the parabolic refinement of :func:`peak`) are "same"
PEAK_TOL = 0.02


def _verdict(pq, pr):
    """The verdict of one curve on "the peak moves to a smaller alpha than ridge's"."""
    if pq["kind"] == "undetermined":
        return "undetermined"
    if pr["kind"] != "interior" and pr["kind"] != "divergent":
        return "no ridge peak"  # the claim cannot show against ridge (a quantized peak is reported)
    if pq["kind"] == "none":
        return "no peak"
    d = pq["alpha"] - pr["alpha"]
    return "earlier" if d < -PEAK_TOL else ("later" if d > PEAK_TOL else "same")


def dd_rows(curves, results, alphas) -> list[dict]:
    """One row per curve: peaks under RS, 1RSB, PTQ and ridge, heights, and the verdict per theory
    ("earlier" supports the claim; "same", "later", "no peak" do not; "undetermined": 1RSB did
    not converge around the peak).
    """
    x = np.asarray(alphas, float)
    rows = []
    for (scheme, b, sg, lm, om), r in zip(curves, results):
        pr = _ridge_peak(x, r["eg_ridge"], lm)
        row = {"scheme": scheme, "bits": b, "sigma": sg, "lam": lm, "omega": om,
               "peak_alpha_ridge": pr["alpha"], "peak_eg_ridge": pr["eg"], "ridge_peak": pr["kind"]}
        for th, eg, ok in (("rs", r["eg_rs"], r["rs_converged"]), ("1rsb", r["eg_1rsb"], r["rsb_converged"]),
                           ("ptq", r["eg_ptq"], np.isfinite(r["eg_ptq"]))):
            if th == "1rsb" and np.all(r["rsb_status"] < 0):
                row.update({"peak_alpha_1rsb": None, "peak_eg_1rsb": None, "verdict_1rsb": "not computed"})
                continue
            pq = peak(x, eg, ok)
            row[f"peak_alpha_{th}"], row[f"peak_eg_{th}"] = pq["alpha"], pq["eg"]
            row[f"verdict_{th}"] = _verdict(pq, pr)
            if th == "ptq" and lm == 0.0:  # ridge, hence PTQ, has no solution for alpha <= 1
                row[f"verdict_{th}"] = "n/a"
            row[f"higher_than_ridge_{th}"] = (None if pq["eg"] is None or pr["kind"] != "interior"
                                             else bool(pq["eg"] > pr["eg"]))
        row["n_1rsb_not_converged"] = int(np.sum((r["rsb_status"] >= 0) & ~r["rsb_converged"]))
        rows.append(row)
    return rows


def overall(rows, theory) -> str:
    """The verdict over rows: "holds" (every determined row "earlier"), "does not hold" (none), else
    "depends"; rows where the claim cannot show ("undetermined", "not computed", "n/a", "no ridge
    peak") are left out.
    """
    skip = ("undetermined", "not computed", "n/a", "no ridge peak")
    vs = [r[f"verdict_{theory}"] for r in rows if r.get(f"verdict_{theory}") not in skip]
    if not vs:
        return "undetermined"
    n = sum(v == "earlier" for v in vs)
    return "holds" if n == len(vs) else ("does not hold" if n == 0 else "depends")


#: the referees at a few points: AMP (N, runs, edge width, iterations) and the exact minimizer
#: (sizes, instances; extrapolated as a + b/N by ``fastq.exact_study``)
AMP_REFEREE = {"n": 1000, "runs": 8, "edge_width": 0.1, "max_iter": 500}
EXACT_REFEREE = {"sizes": [8, 12, 16, 20], "instances": 60}


def referee_point(scheme, bits, sigma, lam, omega, alpha, *, seed=0, n_jobs=1, amp=AMP_REFEREE,
                  exact=EXACT_REFEREE) -> dict:
    """RS, 1RSB, PTQ and ridge at one point, beside AMP (converged runs only; edge width
    ``amp["edge_width"]``, its Eg of the rounded estimate) and the exact minimizer extrapolated in N
    (``exact=None`` skips it).
    """
    from ..exact import exact_study
    from ..message_passing import amp_study

    n_p = n_p_from_bits(bits)
    q = Quantizer(scheme, n_p, float(omega), 0.0)
    rs = solve_rs(q, alpha, sigma, lam)
    r1, _ = solve_rsb_warm(q, alpha, sigma, lam, 1.0, None)
    try:
        p = ptq_eg(q, alpha, sigma, lam)
    except NoFiniteSolution:
        p = math.nan
    row = {"scheme": scheme, "bits": bits, "sigma": sigma, "lam": lam, "omega": omega, "alpha": alpha,
           "eg_rs": rs.eg if rs.converged else None, "eg_1rsb": r1.eg if r1.converged else None,
           "status_1rsb": r1.status, "eg_ptq": None if math.isnan(p) else p,
           "eg_ridge": None if math.isnan(_ridge_eg(alpha, sigma, lam)) else _ridge_eg(alpha, sigma, lam)}
    a = amp_study(q.with_edge_width(amp["edge_width"]), alpha, sigma, lam, n=amp["n"], runs=amp["runs"],
                  seed=seed, max_iter=amp["max_iter"], n_jobs=n_jobs).summary()[0]
    row.update(amp_converged=f"{a['n_converged']}/{a['runs']}", eg_amp=a["eg_requantized_mean"],
               eg_amp_se=a["eg_requantized_sem"])
    if exact is not None:
        s = exact_study(q, alpha, sigma, lam, sizes=exact["sizes"], instances=exact["instances"], seed=seed,
                        amp=False, n_jobs=n_jobs)
        last = s.summary[-1]
        row.update(eg_exact=s.fit["a"], eg_exact_se=s.fit["a_err"],
                   eg_ptq_finite_n=last["eg_rounded_ridge"], eg_ptq_finite_n_se=last["eg_rounded_ridge_se"],
                   exact_not_optimal=int(sum(r["not_optimal"] for r in s.summary)))
    return row
