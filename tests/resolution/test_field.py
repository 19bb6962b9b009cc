"""The field convention (eps = dz h / Theta) and the small-width readings of every convention;
the claims bookkeeping on hand-made panels."""
import numpy as np
import pytest

from fastq import FastqInputError, Quantizer, solve_rs
from fastq.studies.resolution import claims, field_terms, leading_at, solve_field

POINTS = [("uniform", 2, 1.0, 0.0), ("log", 6, 3.0, 1.0), ("uniform", 7, 2.0, 0.0)]


@pytest.mark.parametrize("scheme,n_p,omega,lam", POINTS)
def test_field_solution_is_self_consistent_and_tends_to_the_kappa_reading(scheme, n_p, omega, lam):
    """The outer iteration's eps equals dz h / Theta at its own solution; its at approaches the
    leading-order reading kappa Theta / (h dz) of the hard solution with an O(dz) error."""
    hard = solve_rs(Quantizer(scheme, n_p, omega), 1.5, 0.01, lam)
    errs = []
    for dz in (0.05, 0.01, 0.002):
        r = solve_field(scheme, n_p, omega, 1.5, 0.01, lam, dz=dz)
        assert r.converged
        assert r.edge_width == pytest.approx(dz * r.h / r.theta, rel=1e-9)
        lead = leading_at("field", dz, chi=hard.chi, eg=hard.eg, kappa=hard.kappa, alpha=1.5, lam=lam)
        errs.append(abs(r.at / lead - 1.0))
    assert errs[2] < 0.3 * errs[1] < 0.09 * errs[0]  # a factor 5 in dz: ~5 in the error
    assert errs[2] < 1e-3


@pytest.mark.parametrize("scheme,n_p,omega,lam", POINTS)
def test_absolute_and_jump_readings_are_the_small_width_limits(scheme, n_p, omega, lam):
    hard = solve_rs(Quantizer(scheme, n_p, omega), 1.5, 0.01, lam)
    h, th = field_terms(hard.chi, hard.eg, 1.5, lam)
    assert (h, th) == pytest.approx((hard.h, hard.theta), rel=1e-12)
    for conv, w in (("absolute", 1e-4), ("jump", 1e-5)):
        r = solve_rs(Quantizer(scheme, n_p, omega, w, conv), 1.5, 0.01, lam, start=(hard.chi, hard.eg))
        lead = leading_at(conv, w, chi=hard.chi, eg=hard.eg, kappa=hard.kappa, alpha=1.5, lam=lam)
        assert r.converged and r.at == pytest.approx(lead, rel=2e-3)


def test_leading_at_checks_its_inputs():
    with pytest.raises(FastqInputError, match="convention"):
        leading_at("pixel", 0.1, chi=1.0, eg=0.1, kappa=0.1, alpha=1.5, lam=0.0)
    with pytest.raises(FastqInputError, match="value"):
        leading_at("field", 0.0, chi=1.0, eg=0.1, kappa=0.1, alpha=1.5, lam=0.0)
    with pytest.raises(FastqInputError, match="dz"):
        solve_field("uniform", 2, 1.0, 1.5, 0.01, 0.0, dz=-1.0)


def _panel(rs):
    rs = np.asarray(rs, bool)
    return np.arange(1, rs.shape[0] + 1), np.linspace(1.0, 10.0, rs.shape[1]), rs


def test_claims_on_hand_made_panels():
    n_rows, n_cols = 8, 10
    base = np.zeros((n_rows, n_cols), bool)
    base[:, 0] = True            # smallest omega RS everywhere
    base[4:, :8] = True          # larger b: more RS
    alt = base.copy()
    alt[[1, 3, 5], 4:] = True    # n_p = 2, 4, 6 RS at omega >= 5 (rows are n_p - 1)
    more = alt.copy()
    more[:, 1] = True            # a larger RS phase
    panels = {("uniform", 0.0): _panel(base), ("uniform", 1.0): _panel(alt),
              ("log", 0.0): _panel(alt), ("log", 1.0): _panel(more)}
    c = claims(panels)
    assert c["I"]["verdict"] == "holds"
    assert c["II"]["verdict"] == "holds"
    assert c["III"]["even_peaks"]["uniform lam=0"] == [] and c["III"]["even_peaks"]["log lam=0"] == [2, 4, 6]
    assert c["III"]["verdict"] == "depends"
    assert c["IV"]["verdict"] == "holds"
    assert c["fractions"]["uniform lam=0"] == pytest.approx(base.mean())
    flipped = {("uniform", 0.0): panels[("log", 1.0)], ("uniform", 1.0): panels[("log", 0.0)],
               ("log", 0.0): panels[("uniform", 1.0)], ("log", 1.0): panels[("uniform", 0.0)]}
    c2 = claims(flipped)
    assert c2["II"]["verdict"] == "does not hold" and c2["IV"]["verdict"] == "does not hold"
