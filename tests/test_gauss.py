import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special

from fastq import FastqInputError, gaussian_moments
from fastq.gauss import _interval, _mass

SQ2PI = math.sqrt(2 * math.pi)


def _quad(f, a, b):
    lo, hi = max(a, -40.0), min(b, 40.0)
    if hi <= lo:
        return 0.0
    # split the window into unit pieces so each quad call meets its tolerance comfortably
    edges = np.unique(np.concatenate([[lo, hi], np.arange(math.ceil(lo), math.floor(hi) + 1.0)]))
    return sum(integrate.quad(lambda z: f(z) * math.exp(-0.5 * z * z) / SQ2PI, u, v,
                              epsabs=1e-13, epsrel=1e-12, limit=200)[0]
               for u, v in zip(edges[:-1], edges[1:]))


def _reference(breaks, c, s, m):
    out = np.zeros(4)
    for j in range(len(c)):
        a, b = breaks[j], breaks[j + 1]
        g = lambda z, j=j: c[j] + s[j] * (z - m[j])  # noqa: E731
        out[0] += _quad(g, a, b)
        out[1] += _quad(lambda z: g(z) ** 2, a, b)
        out[2] += _quad(lambda z: z * g(z), a, b)
        out[3] += _quad(lambda z, j=j: s[j] ** 2, a, b)
    return out


@st.composite
def piecewise_linear(draw):
    k = draw(st.integers(1, 6))
    # breaks on a 1e-3 grid: distinct breaks are at least 1e-3 apart, so the quad reference is
    # never asked to integrate over a sub-normal sliver
    inner = sorted(v / 1000 for v in draw(st.lists(st.integers(-6000, 6000), min_size=k - 1,
                                                   max_size=k - 1, unique=True)))
    breaks = [-math.inf] + inner + [math.inf]
    c = draw(st.lists(st.floats(-5, 5), min_size=k, max_size=k))
    # end pieces may be linear too (the Gaussian tails make every moment finite)
    s = draw(st.lists(st.floats(-3, 3), min_size=k, max_size=k))
    m = draw(st.lists(st.floats(-4, 4), min_size=k, max_size=k))
    return np.array(breaks), np.array(c), np.array(s), np.array(m)


@settings(max_examples=80, deadline=None, derandomize=True)
@given(piecewise_linear())
def test_moments_match_quad(pl):
    breaks, c, s, m = pl
    got = np.array(gaussian_moments(breaks, c, s, m))
    ref = _reference(breaks, c, s, m)
    err = np.abs(got - ref)
    assert np.all(err <= 1e-10 * (1 + np.abs(ref))), (got, ref, err)


def test_stein_identity_includes_jumps():
    # g = step function: int z g Dz = sum of jumps * N(threshold)
    breaks = np.array([-np.inf, -1.0, 0.5, np.inf])
    c = np.array([-2.0, 0.0, 3.0])
    mom = gaussian_moments(breaks, c, np.zeros(3))
    expected = 2.0 * math.exp(-0.5) / SQ2PI + 3.0 * math.exp(-0.125) / SQ2PI
    assert mom.z_moment == pytest.approx(expected, rel=1e-14)
    assert mom.slope_square == 0.0


@pytest.mark.parametrize("a, b", [(40.0, np.inf), (-np.inf, -40.0), (40.0, 41.0), (-41.0, -40.0),
                                  (8.0, 9.0), (-9.0, -8.0), (38.0, 1e300), (-np.inf, np.inf)])
def test_far_tails_are_exact_and_finite(a, b):
    p, d, e = _interval(a, b)
    assert all(math.isfinite(v) for v in (p, d, e))
    assert p >= 0 and e >= 0
    ref = special.ndtr(b) - special.ndtr(a) if a > 0 or b < 0 else None
    if (a >= 38 and b >= 38) or (a <= -38 and b <= -38):
        assert p == 0.0 or p < 1e-300  # mass 40 sd out underflows to exactly 0, never negative
    elif ref is not None:
        # relative accuracy in the tail where 1 - ndtr would cancel
        lo, hi = min(abs(a), abs(b)), max(abs(a), abs(b))
        exact = 0.5 * (special.erfc(lo / math.sqrt(2)) - special.erfc(hi / math.sqrt(2)))
        assert p == pytest.approx(exact, rel=1e-13)
    if a == -np.inf and b == np.inf:
        assert (p, d, e) == (1.0, 0.0, 1.0)


def test_tail_mass_relative_accuracy():
    # P(z > 8) is 6.2e-16: a naive 1 - Phi(8) would give 0 or noise
    assert _mass(8.0, np.inf) == pytest.approx(0.5 * special.erfc(8 / math.sqrt(2)), rel=1e-14)
    assert _mass(-np.inf, -8.0) == pytest.approx(0.5 * special.erfc(8 / math.sqrt(2)), rel=1e-14)
    assert _mass(-1.0, 2.0) == pytest.approx(special.ndtr(2.0) - special.ndtr(-1.0), rel=1e-15)


def test_far_out_breaks_no_nan():
    breaks = np.array([-np.inf, 40.0, 45.0, np.inf])
    mom = gaussian_moments(breaks, np.array([1.0, 1e6, 2.0]), np.array([0.0, 1e8, 0.0]), np.array([0.0, 42.0, 0.0]))
    assert np.all(np.isfinite(mom))
    assert mom.mean == pytest.approx(1.0, abs=1e-15)


def test_bad_input():
    with pytest.raises(FastqInputError, match="breaks"):
        gaussian_moments([1.0, 0.0], [1.0], [0.0])
    with pytest.raises(FastqInputError, match="len"):
        gaussian_moments([-np.inf, 0.0, np.inf], [1.0], [0.0])
    with pytest.raises(FastqInputError, match="slopes"):
        gaussian_moments([-np.inf, np.inf], [1.0], [np.nan])


# ----------------------------------------------------------------------------- narrow steep pieces
@pytest.mark.parametrize("z0", [0.3, -1.7, 2.5, 6.0])
@pytest.mark.parametrize("width", [1e-2, 1e-4, 1e-6, 1e-8, 1e-9])
def test_narrow_steep_ramp_against_mpmath(z0, width):
    """A ramp from 0 to 1 over [z0 - w/2, z0 + w/2] (slope 1/w) between constant pieces 0 and 1:
    every moment to 1e-13 relative against mpmath at 40 digits (the float64 breaks, intercept
    and slope taken exactly).  The uncentred formulas lost every digit of the second moment
    at w = 1e-8; the moments about the piece's centre keep full precision."""
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 40
    a_f, b_f, s_f = z0 - width / 2, z0 + width / 2, 1.0 / width
    mom = gaussian_moments([-np.inf, a_f, b_f, np.inf], [0.0, 0.5, 1.0], [0.0, s_f, 0.0], [0.0, z0, 0.0])
    a, b, s, c = mp.mpf(a_f), mp.mpf(b_f), mp.mpf(s_f), mp.mpf(z0)

    def g(z):
        return mp.mpf("0.5") + s * (z - c)

    ref = [mp.quad(lambda z: g(z) * mp.npdf(z), [a, b]) + mp.ncdf(-b),
           mp.quad(lambda z: g(z) ** 2 * mp.npdf(z), [a, b]) + mp.ncdf(-b),
           mp.quad(lambda z: z * g(z) * mp.npdf(z), [a, b]) + mp.npdf(b),
           s ** 2 * (mp.ncdf(b) - mp.ncdf(a))]
    for got, want in zip(mom, ref):
        assert got == pytest.approx(float(want), rel=1e-13, abs=0)


def test_narrow_piece_series_matches_the_erf_route_where_both_are_accurate():
    from fastq.gauss import _H_SERIES, _narrow

    for mid in (-5.0, -0.7, 0.0, 1.3, 4.0, 30.0):
        h = _H_SERIES
        p, u1, u2 = _narrow(mid, h)
        pp, d, e = _interval(mid - h, mid + h)
        assert p == pytest.approx(pp, rel=1e-13)
        assert u1 == pytest.approx(d - mid * pp, rel=1e-9, abs=1e-300)
        assert u2 == pytest.approx(e - 2 * mid * d + mid * mid * pp, rel=1e-6, abs=1e-300)
