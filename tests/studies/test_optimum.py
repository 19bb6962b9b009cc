"""Tests of fastq.optimize (optimal omega, bit budget, frontier) and `fastq optimize`.

References are independent of the optimizer's scan/refine logic: dense brute-force grids of
solve_rs from the uninformed start, then a finer grid and scipy's golden-section search on the
dense bracket; stability is re-checked with fresh solve_rs calls.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import optimize as sopt

import fastq
from fastq import FastqInputError, Quantizer, ridge, solve_rs
from fastq.cli import main
from fastq.plotting.optimize import plot_frontier
from fastq.studies import BitBudgetResult as BitBudget
from fastq.studies import bit_budget, optimal_omega, save_budget

MODEL = (1.4, 0.01, 0.01)  # alpha, sigma, lam of the paper's Fig. 4(a)
EPS = 0.05


def eg_at(scheme, n_p, omega, eps=EPS, model=MODEL):
    r = solve_rs(Quantizer(scheme, n_p, float(omega), eps), *model)
    assert r.converged
    return r


def dense_scan(scheme, n_p, lo, hi, n, eps=EPS, model=MODEL):
    w = np.linspace(lo, hi, n)
    rs = [eg_at(scheme, n_p, x, eps, model) for x in w]
    return w, np.array([r.eg for r in rs]), np.array([r.at for r in rs])


def refine_brute(scheme, n_p, w, eg, k, eps=EPS):
    """Finer grid around the dense minimum k, then golden section on the fine bracket."""
    h = w[1] - w[0]
    wf, egf, _ = dense_scan(scheme, n_p, w[k] - h, w[k] + h, 201, eps)
    j = int(np.argmin(egf))
    hf = wf[1] - wf[0]
    g = sopt.golden(lambda x: eg_at(scheme, n_p, x, eps).eg, brack=(wf[j] - hf, wf[j], wf[j] + hf),
                    tol=1e-9)
    return wf, egf, j, float(g)


@pytest.mark.parametrize("scheme,n_p", [("uniform", 6), ("log", 14), ("uniform", 2)])
def test_optimum_matches_brute_force(scheme, n_p):
    o = optimal_omega({"scheme": scheme, "n_p": n_p}, *MODEL, edge_width=EPS, omega_range=(0.05, 6.0))
    w, eg, _ = dense_scan(scheme, n_p, 0.05, 6.0, 600)
    k = int(np.argmin(eg))
    h = w[1] - w[0]
    # to the dense scan's resolution ...
    assert abs(o.omega_star - w[k]) <= h
    assert o.eg_star <= eg[k] * (1 + 1e-12)
    # ... then refined: a 201-point grid on +-h and golden section
    wf, egf, j, g = refine_brute(scheme, n_p, w, eg, k)
    assert abs(o.omega_star - wf[j]) <= wf[1] - wf[0]
    assert o.eg_star <= egf[j] * (1 + 1e-12)
    assert o.omega_star == pytest.approx(g, rel=1e-5)
    assert o.eg_star == pytest.approx(eg_at(scheme, n_p, g).eg, rel=1e-10)
    assert o.converged and o.status == "ok" and not o.at_boundary
    # reported stability is the AT test at the optimum
    assert o.stable == (eg_at(scheme, n_p, o.omega_star).at < 1)
    assert o.n_solves > 0


def test_close_local_minima_are_reported():
    # log, b = 4: Eg(omega) has two minima 0.25% apart (omega ~ 2.3 and ~ 3.9) and a third ~5% higher
    o = optimal_omega({"scheme": "log", "bits": 4}, *MODEL, edge_width=EPS, margin=0.02)
    w, eg, _ = dense_scan("log", 14, 0.05, 10.0, 1000)
    h = w[1] - w[0]
    loc = [i for i in range(1, len(w) - 1) if eg[i] < eg[i - 1] and eg[i] <= eg[i + 1]]
    assert len(loc) >= 2
    best = min(loc, key=lambda i: eg[i])
    assert abs(o.omega_star - w[best]) <= h
    close = [i for i in loc if i != best and eg[i] <= eg[best] * 1.02]
    assert len(o.other_minima) == len(close) >= 1
    for m, i in zip(sorted(o.other_minima, key=lambda m: m["omega"]), sorted(close)):
        assert abs(m["omega"] - w[i]) <= h
        assert m["eg"] <= eg[i] * (1 + 1e-12)
        assert m["eg"] >= o.eg_star
    # a zero margin reports none
    o0 = optimal_omega({"scheme": "log", "bits": 4}, *MODEL, edge_width=EPS, margin=0.0)
    assert o0.other_minima == [] and o0.omega_star == pytest.approx(o.omega_star, rel=1e-9)


@pytest.mark.parametrize("scheme,n_p,model", [("uniform", 14, MODEL), ("uniform", 14, (1.5, 0.01, 1.0))])
def test_stable_optimum_matches_brute_force(scheme, n_p, model):
    o = optimal_omega({"scheme": scheme, "n_p": n_p}, *model, edge_width=EPS, omega_range=(0.05, 6.0))
    w, eg, at = dense_scan(scheme, n_p, 0.05, 6.0, 600, model=model)
    h = w[1] - w[0]
    st = at < 1
    assert st.any()
    k = int(np.argmin(np.where(st, eg, np.inf)))
    assert o.omega_star_stable is not None
    assert abs(o.omega_star_stable - w[k]) <= h
    assert o.eg_star_stable <= eg[k] * (1 + 1e-12)
    r = solve_rs(Quantizer(scheme, n_p, o.omega_star_stable, EPS), *model)
    assert r.at < 1 and r.eg == pytest.approx(o.eg_star_stable, rel=1e-10)
    if o.stable_on_boundary:
        # bisection to 1e-6: just beyond the reported omega the solution is RSB
        side = 1 if not st[min(k + 1, len(w) - 1)] else -1
        r2 = solve_rs(Quantizer(scheme, n_p, o.omega_star_stable * (1 + side * 3e-6), EPS), *model)
        assert r2.at >= 1
    else:
        assert o.stable and o.omega_star_stable == pytest.approx(o.omega_star, rel=1e-5)
    assert o.stable_message.startswith("best stable omega")


def test_first_case_is_on_boundary_second_interior():
    # Fig. 4(a) setting: the unconstrained optimum is RSB, the best stable omega sits on at = 1;
    # with lam = 1 (Fig. 2b setting) the optimum itself is RS stable
    a = optimal_omega({"scheme": "uniform", "n_p": 14}, *MODEL, edge_width=EPS)
    b = optimal_omega({"scheme": "uniform", "n_p": 14}, 1.5, 0.01, 1.0, edge_width=EPS)
    assert not a.stable and a.stable_on_boundary and a.eg_star_stable > a.eg_star
    assert b.stable and not b.stable_on_boundary and b.eg_star_stable == pytest.approx(b.eg_star, rel=1e-9)


def test_no_stable_omega_hard_quantizer():
    o = optimal_omega({"scheme": "uniform", "bits": 3}, *MODEL, edge_width=0.0)
    assert o.omega_star is not None and not o.stable and o.at_star == math.inf
    assert o.omega_star_stable is None and o.eg_star_stable is None
    assert o.stable_message.startswith("none") and "edge_width = 0" in o.stable_message


def test_no_stable_omega_in_interval():
    rng = (1.2, 3.0)
    o = optimal_omega({"scheme": "uniform", "bits": 3}, *MODEL, edge_width=EPS, omega_range=rng)
    _, _, at = dense_scan("uniform", 6, *rng, 200)
    assert (at >= 1).all()  # independent confirmation that the interval is all RSB
    assert o.omega_star_stable is None and o.eg_star_stable is None
    assert o.stable_message.startswith("none")


def test_interval_edge_flagged():
    o = optimal_omega({"scheme": "uniform", "bits": 3}, *MODEL, edge_width=EPS, omega_range=(0.1, 1.0))
    assert o.at_boundary and o.status == "interval_edge"
    assert o.omega_star == pytest.approx(1.0, rel=1e-5)


def test_coexisting_fixed_points_reported_and_uninformed_one_used():
    # alpha = 0.7, n_p = 2: near omega ~ 9 continuation along omega meets a second fixed point
    o = optimal_omega({"scheme": "uniform", "n_p": 2}, 0.7, 0.01, 0.01, edge_width=EPS,
                      omega_range=(0.05, 10.0))
    assert o.coexisting
    for c in o.coexisting:
        r = solve_rs(Quantizer("uniform", 2, c["omega"], EPS), 0.7, 0.01, 0.01)
        assert r.converged and r.eg == pytest.approx(c["eg"], rel=1e-9)
        assert abs(c["eg_other"] - c["eg"]) > 1e-6
    assert o.eg_star == pytest.approx(eg_at("uniform", 2, o.omega_star, model=(0.7, 0.01, 0.01)).eg, rel=1e-10)


def test_spec_forms_agree_and_omega_ignored():
    q = Quantizer.log(6, omega=123.0, edge_width=EPS)
    a = optimal_omega(q, *MODEL)
    b = optimal_omega({"scheme": "log", "n_p": 6}, *MODEL, edge_width=EPS)
    c = optimal_omega({"scheme": "log", "bits": 3}, *MODEL, edge_width=EPS)
    assert a.omega_star == b.omega_star == c.omega_star and a.edge_width == EPS
    # an explicit edge width overrides the Quantizer's own
    d = optimal_omega(q, *MODEL, edge_width=0.02)
    assert d.edge_width == 0.02 and d.omega_star != a.omega_star
    assert fastq.optimal_omega is optimal_omega and fastq.bit_budget is bit_budget


def test_frontier_uniform_nonincreasing_and_tends_to_ridge():
    eps = 0.01
    bud = bit_budget(*MODEL, bits=range(2, 10), schemes=["uniform"], edge_width=eps, tolerance=0.01)
    eg = bud.frontier("uniform")
    ref = ridge(*MODEL).eg
    assert bud.ridge_eg == ref
    assert np.all(np.diff(eg) <= 1e-12 * eg[:-1])
    gap = eg / ref - 1
    assert np.all(gap > -1e-9)  # never better than ridge
    assert np.all(np.diff(gap) < 0)  # approaches ridge monotonically
    assert gap[0] > 10 and gap[-1] < 0.01
    # min bits: the first b with eg* <= 1.01 ridge (computed independently from the frontier)
    expect = next(b for b, e in zip(bud.bits, eg) if e <= 1.01 * ref)
    assert bud.min_bits["uniform"] == expect == 9


def test_bit_budget_parallel_and_target():
    kw = dict(bits=[2, 3, 4], schemes=["uniform", "log"], edge_width=EPS, target_eg=0.06)
    serial = bit_budget(*MODEL, **kw)
    par = bit_budget(*MODEL, **kw, n_jobs=2, backend="threading")
    for s in ("uniform", "log"):
        assert np.array_equal(serial.frontier(s), par.frontier(s))
    assert serial.reference == "target" and serial.threshold == 0.06
    # uniform b=3 reaches 0.0601 > 0.06 at eps 0.05, b=4 reaches 0.0165; log b=4 reaches 0.0523
    eg_u, eg_l = serial.frontier("uniform"), serial.frontier("log")
    assert serial.min_bits["uniform"] == [2, 3, 4][int(np.argmax(eg_u <= 0.06))]
    assert serial.min_bits["log"] == [2, 3, 4][int(np.argmax(eg_l <= 0.06))]
    rows = serial.rows()
    assert len(rows) == 6 and all(r["meets_threshold"] == (r["eg_star"] <= 0.06) for r in rows)


def test_bit_budget_without_finite_ridge():
    b = bit_budget(0.8, 0.01, 0.0, bits=[2, 3], schemes=["uniform"], edge_width=EPS)
    assert b.ridge_eg is None and "no finite" in b.ridge_message
    assert b.threshold is None and b.min_bits == {"uniform": None}
    assert np.isfinite(b.frontier("uniform")).all()  # the quantized problem itself is fine
    t = bit_budget(0.8, 0.01, 0.0, bits=[2, 3], schemes=["uniform"], edge_width=EPS, target_eg=1.0)
    assert t.min_bits == {"uniform": 2}


def test_plot_frontier_writes_data_and_png(tmp_path):
    b = bit_budget(*MODEL, bits=[2, 3], schemes=["uniform", "log"], edge_width=EPS)
    paths = save_budget(b, tmp_path / "out")
    paths.append(plot_frontier(b, tmp_path / "out" / "frontier.png"))
    names = sorted(p.name for p in paths)
    assert names == ["frontier.csv", "frontier.json", "frontier.png"]
    meta = json.loads((tmp_path / "out" / "frontier.json").read_text())
    assert meta["metadata"]["fastq_version"] == fastq.__version__
    assert meta["metadata"]["params"]["edge_width"] == EPS
    assert len(meta["result"]["rows"]) == 4
    csv = (tmp_path / "out" / "frontier.csv").read_text().splitlines()
    assert len(csv) == 5 and csv[0].startswith("scheme,bits")
    assert (tmp_path / "out" / "frontier.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(FastqInputError, match="budget"):
        save_budget({"not": "a budget"}, tmp_path)
    assert isinstance(b, BitBudget)


@pytest.mark.parametrize("kwargs,match", [
    (dict(alpha=-1.0), r"alpha must be > 0"),
    (dict(sigma=-0.1), r"sigma must be >= 0"),
    (dict(omega_range=(2.0, 1.0)), r"omega_range must have lo < hi"),
    (dict(omega_range=(0.0, 1.0)), r"omega_range lo must be > 0"),
    (dict(omega_range=5.0), r"omega_range must be a pair"),
    (dict(spec={"scheme": "log", "n_p": 6, "bits": 3}), r"exactly one of n_p, bits"),
    (dict(spec={"scheme": "uniform", "bits": 1}), r"bits must give an integer n_p"),
    (dict(spec={"scheme": "cubic", "n_p": 3}), r"scheme must be one of uniform, log"),
    (dict(spec={"scheme": "uniform", "n_p": 0}), r"n_p must be an integer >= 1"),
    (dict(spec=3), r"quantizer_spec must be"),
    (dict(edge_width=-0.1), r"edge_width must be >= 0"),
    (dict(n_scan=3), r"n_scan must be an integer >= 8"),
    (dict(rtol=0.5), r"rtol must be in"),
    (dict(margin=-1), r"margin must be >= 0"),
])
def test_optimal_omega_bad_input(kwargs, match):
    args = dict(spec={"scheme": "uniform", "n_p": 6}, alpha=1.4, sigma=0.01, lam=0.01)
    args.update(kwargs)
    spec = args.pop("spec")
    with pytest.raises(FastqInputError, match=match):
        optimal_omega(spec, **args)


@pytest.mark.parametrize("kwargs,match", [
    (dict(bits=[1, 2]), r"bits must be an integer >= 2"),
    (dict(bits=[]), r"at least one"),
    (dict(bits=[3, 3]), r"must not repeat"),
    (dict(bits=[10]), r"bits must be <= 9 for the log scheme"),
    (dict(schemes=["cubic"]), r"schemes must be"),
    (dict(tolerance=-0.1), r"tolerance must be >= 0"),
    (dict(target_eg=0.0), r"target_eg must be > 0"),
    (dict(n_jobs=0.5), r"n_jobs must be an integer"),
    (dict(backend="mpi"), r"backend must be one of"),
    (dict(lam=-1), r"lam must be >= 0"),
])
def test_bit_budget_bad_input(kwargs, match):
    args = dict(alpha=1.4, sigma=0.01, lam=0.01, bits=[2])
    args.update(kwargs)
    with pytest.raises(FastqInputError, match=match):
        bit_budget(**args)


# ----------------------------------------------------------------------------- CLI
def test_cli_single_json(capsys):
    rc = main(["optimize", "--scheme", "uniform", "--bits", "3", "--alpha", "1.4", "--sigma", "0.01",
               "--lam", "0.01", "--edge-width", "0.05", "--json"])
    assert rc == 0
    d = json.loads(capsys.readouterr().out)
    for k in ("omega_star", "eg_star", "stable", "omega_star_stable", "eg_star_stable"):
        assert k in d
    o = optimal_omega({"scheme": "uniform", "bits": 3}, *MODEL, edge_width=0.05)
    assert d["omega_star"] == o.omega_star and d["eg_star"] == o.eg_star
    assert d["stable"] is False and d["omega_star_stable"] == o.omega_star_stable


def test_cli_no_stable_json_null(capsys):
    rc = main(["optimize", "--n-p", "6", "--alpha", "1.4", "--sigma", "0.01", "--lam", "0.01",
               "--edge-width", "0", "--json"])
    assert rc == 0
    d = json.loads(capsys.readouterr().out)
    assert d["omega_star_stable"] is None and d["eg_star_stable"] is None
    assert d["stable_message"].startswith("none") and d["at_star"] is None


def test_cli_range_json_and_text(capsys, tmp_path):
    base = ["optimize", "--bits-range", "2:4", "--alpha", "1.4", "--sigma", "0.01", "--lam", "0.01",
            "--edge-width", "0.05", "--target-eg", "0.06"]
    assert main(base + ["--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert isinstance(doc, dict) and doc["min_bits"] == {"uniform": 4}
    rows = doc["rows"]
    assert [r["bits"] for r in rows] == [2.0, 3.0, 4.0]
    assert all(r["scheme"] == "uniform" for r in rows)
    assert all({"omega_star", "eg_star", "stable", "omega_star_stable", "eg_star_stable"} <= set(r) for r in rows)
    assert main(base + ["--all-schemes", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "smallest bits meeting the criterion: 4" in out and "log" in out
    stem = "frontier_uniform-log_b2-4_alpha1.4_sigma0.01_lam0.01_eps0.05"
    assert (tmp_path / f"{stem}.png").exists() and (tmp_path / f"{stem}.csv").exists()


@pytest.mark.parametrize("argv,match", [
    (["--bits", "3", "--alpha", "0"], "alpha must be > 0"),
    (["--bits", "3", "--omega-range", "3:1"], "omega-range must be LO:HI"),
    (["--bits", "3", "--omega-range", "1"], "omega-range must be LO:HI"),
    (["--bits", "3", "--target-eg", "0.1"], "--target-eg needs --bits-range"),
    (["--bits", "3", "--all-schemes"], "--all-schemes needs --bits-range"),
    (["--bits-range", "5:3"], "bits-range must be LO:HI with LO <= HI"),
    (["--bits-range", "1:3"], "bits must be an integer >= 2"),
    (["--n-p", "2.5"], "n_p must be an integer"),
    (["--bits", "3", "--edge-width", "-1"], "edge_width must be >= 0"),
])
def test_cli_bad_input(argv, match, capsys):
    full = ["optimize", "--alpha", "1.4", "--sigma", "0.01", "--lam", "0.01"] + argv
    assert main(full) == 2
    err = capsys.readouterr().err
    assert match in err and err.count("\n") == 1


@pytest.mark.parametrize("scheme,n_p,omega,eps", [("uniform", 6, 3.0, 0.1), ("uniform", 6, 3.0, 1.0),
                                                  ("uniform", 6, 3.0, 1.7), ("log", 14, 4.0, 0.05),
                                                  ("log", 6, 2.0, 0.0)])
def test_ramp_fraction_against_grid(scheme, n_p, omega, eps):
    from fastq.studies.omega_search import _ramp_fraction

    q = Quantizer(scheme, n_p, omega, eps)
    w = np.linspace(-omega, omega, 400_001)
    grid = float(np.mean(q.derivative(w) > 0))
    assert _ramp_fraction(q) == pytest.approx(grid, abs=1e-4)
    if scheme == "uniform" and eps > 0:
        assert _ramp_fraction(q) == pytest.approx(min(1.0, n_p * eps / (2 * omega)), abs=1e-12)


def test_smoothing_close_to_identity_is_flagged():
    # eps = 0.1, uniform b = 7: the optimum puts the level gap at eps, where phi_eps is the identity
    o = optimal_omega({"scheme": "uniform", "bits": 7}, *MODEL, edge_width=0.1)
    assert o.ramp_fraction == pytest.approx(1.0)
    assert o.eg_star == pytest.approx(ridge(*MODEL).eg, rel=1e-3)
