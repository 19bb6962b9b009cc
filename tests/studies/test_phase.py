"""Tests of fastq.phase: boundary to sub-grid precision, kappa map, the paper's robust claims."""
import numpy as np
import pytest

from fastq import DEFAULT_EDGE_WIDTH, FastqInputError, Quantizer, solve_rs
from fastq.studies import phase_diagram, rs_boundary, sweep

FIG2 = dict(alpha=1.5, sigma=0.01)
N_P = list(range(1, 21))
OMEGA = np.linspace(0.1, 10.0, 45)
EPS = 0.1  # the edge width analysed in docs/default_edge_width.md (explicit: the default may change)


@pytest.fixture(scope="module")
def diagrams():
    return {(s, lam): phase_diagram(s, n_p=N_P, omega=OMEGA, lam=lam, edge_width=EPS, **FIG2)
            for s in ("uniform", "log") for lam in (0.0, 1.0)}


def test_boundary_is_a_root_of_at_minus_one_between_the_grid_cells(diagrams):
    d = diagrams["uniform", 0.0]
    assert len(d.boundary) >= len(N_P)  # every row changes phase at least once
    rows = {int(n): i for i, n in enumerate(d.result["n_p"])}
    for b in d.boundary:
        i = rows[b["n_p"]]
        j = np.searchsorted(OMEGA, b["omega"]) - 1
        assert OMEGA[j] <= b["omega"] <= OMEGA[j + 1]
        assert d.result["rs"][i, j] != d.result["rs"][i, j + 1]
        if "jump" in b["kind"]:
            continue
        q = Quantizer("uniform", b["n_p"], b["omega"], EPS)
        r = solve_rs(q, 1.5, 0.01, 0.0)
        assert r.at == pytest.approx(1.0, abs=1e-7)
        lo = solve_rs(Quantizer("uniform", b["n_p"], b["omega"] - 1e-4, EPS), 1.5, 0.01, 0.0).at
        hi = solve_rs(Quantizer("uniform", b["n_p"], b["omega"] + 1e-4, EPS), 1.5, 0.01, 0.0).at
        assert (lo - 1) * (hi - 1) < 0


def test_boundary_needs_n_p_omega_grid_and_skips_hard_quantizer():
    r = sweep("uniform", n_p=[2, 3], omega=[1.0, 2.0], alpha=1.5, sigma=0.01, lam=0.0, edge_width=0.0)
    assert rs_boundary(r) == []
    r = sweep("uniform", n_p=[2, 3], omega=2.0, alpha=[1.0, 2.0], sigma=0.01, lam=0.0)
    with pytest.raises(FastqInputError, match="dims"):
        rs_boundary(r)


def test_at_approaches_kappa_over_eps():
    # THEORY §4: at = kappa / eps + O(1); kappa from the hard quantizer's solution
    for scheme, n_p, w in (("uniform", 3, 2.0), ("uniform", 6, 4.0), ("log", 6, 3.0)):
        q = Quantizer(scheme, n_p, w)
        kappa = solve_rs(q, 1.5, 0.01, 0.0).kappa
        ats = [solve_rs(q.with_edge_width(e), 1.5, 0.01, 0.0).at for e in (1e-2, 1e-3, 1e-4)]
        dev = [abs(a * e / kappa - 1) for a, e in zip(ats, (1e-2, 1e-3, 1e-4))]
        assert dev[2] < dev[0] and dev[2] < 1e-3


def test_kappa_map_predicts_the_phase(diagrams):
    for d in diagrams.values():
        est = d.kappa_rs_fraction(EPS)
        assert abs(est - d.rs_fraction) < 0.05
        agree = np.mean((d.kappa["kappa"] < EPS) == d.result["rs"])
        assert agree > 0.95


def test_claim_II_larger_lam_larger_rs_phase(diagrams):
    for s in ("uniform", "log"):
        assert diagrams[s, 1.0].rs_fraction > diagrams[s, 0.0].rs_fraction + 0.1


@pytest.mark.parametrize("scheme", ["uniform", "log"])
def test_claim_II_at_the_current_default_edge_width(scheme):
    kw = dict(n_p=list(range(1, 15)), omega=np.linspace(0.1, 10.0, 30), edge_width=DEFAULT_EDGE_WIDTH,
              kappa_map=False, boundary=False, **FIG2)
    lam0 = phase_diagram(scheme, lam=0.0, **kw).rs_fraction
    lam1 = phase_diagram(scheme, lam=1.0, **kw).rs_fraction
    assert lam1 > lam0


def test_claim_I_small_omega_and_more_bits_are_rs(diagrams):
    for (s, lam), d in diagrams.items():
        assert d.result["rs"][:, 0].all()  # smallest omega: RS for every b
        frac = d.result["rs"].mean(axis=1)
        assert frac[-1] > frac[0]  # more bits -> more RS


def test_claim_III_even_odd_alternation_at_large_omega(diagrams):
    # uniform, lam = 1: n_p = 2, 4 (0 is a level) are RS at omega = 10, n_p = 1, 3, 5 are RSB
    d = diagrams["uniform", 1.0]
    rs = d.result["rs"][:, -1]
    assert rs[1] and rs[3] and not rs[0] and not rs[2] and not rs[4]


def test_claim_IV_log_vs_uniform_at_eps_0_1(diagrams):
    # holds for lam = 1, does NOT hold for lam = 0 at eps = 0.1 (documented in default_edge_width.md)
    assert diagrams["log", 1.0].rs_fraction > diagrams["uniform", 1.0].rs_fraction
    assert diagrams["log", 0.0].rs_fraction < diagrams["uniform", 0.0].rs_fraction


def test_phase_diagram_input_validation():
    with pytest.raises(FastqInputError, match="omega"):
        phase_diagram("uniform", n_p=[1, 2], omega=2.0)
    with pytest.raises(FastqInputError, match="edge_width"):
        phase_diagram("uniform", n_p=[1, 2], omega=[1.0, 2.0], edge_width=-1)


def test_save_writes_data_and_boundary(tmp_path, diagrams):
    files = diagrams["log", 1.0].save(tmp_path, "pd")
    names = sorted(f.name for f in files)
    assert names == ["pd.json", "pd.nc", "pd_boundary.csv", "pd_kappa.json", "pd_kappa.nc"]
    assert (tmp_path / "pd_boundary.csv").read_text().startswith("n_p,bits,omega,kind")
