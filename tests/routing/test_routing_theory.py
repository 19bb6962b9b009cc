"""Hebb's rule: routing cannot change the law of a coordinate, so the copies follow the closed
forms of online Hebb learning at every p; the b-bit closed form against a direct quadrature."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from fastq.routing import hebb_eg, hebb_overlap
from fastq.routing.study import mean_se, routing_study


def test_hebb_closed_forms_limits():
    # real weights: the textbook formula; binary: erf(sqrt(alpha/pi)); both -> 1 as alpha grows
    a = np.array([0.5, 2.0, 8.0])
    x = 2 * a / math.pi
    np.testing.assert_allclose(hebb_overlap(a), np.sqrt(x / (1 + x)), rtol=1e-15)
    np.testing.assert_allclose(hebb_overlap(a, bits=1), [math.erf(math.sqrt(v / math.pi)) for v in a], rtol=1e-12)


@pytest.mark.parametrize("bits,eta", [(2, 1.0), (3, 0.4)])
def test_hebb_bbit_overlap_against_quadrature(bits, eta):
    from fastq.routing.spec import routing_quantizer

    q = routing_quantizer(bits, 1.0)
    for a in (0.7, 3.0):
        mu, sd = eta * a * math.sqrt(2 / math.pi), eta * math.sqrt(a)
        pdf = stats.norm(mu, sd).pdf
        pts = list(q.thresholds)
        bins = list(zip(q.levels, [-np.inf] + pts, pts + [np.inf]))
        m1 = sum(integrate.quad(lambda u, lv=lv: lv * pdf(u), lo, hi)[0] for lv, lo, hi in bins)
        m2 = sum(integrate.quad(lambda u, lv=lv: lv * lv * pdf(u), lo, hi)[0] for lv, lo, hi in bins)
        assert hebb_overlap(a, bits=bits, eta=eta)[0] == pytest.approx(m1 / math.sqrt(m2), rel=1e-9)


@pytest.mark.parametrize("bits", [0, 1, 2])
def test_routed_hebb_follows_the_closed_form_at_every_p(bits):
    """Mean over 12 paired seeds of the copies' error within 4 standard errors of the closed form,
    at p = 0, 0.3 and 1, both kernels (N = 200; the finite-N correction is O(1/N))."""
    res = routing_study("perceptron", "hebb", bits=bits, n=200, alphas=(1.0, 3.0), copies=(4,),
                        ps=(0.0, 0.3, 1.0), gammas=(0.05,), seeds=12, seed=7, n_test=10)
    theory = hebb_eg(res.coords["alpha"], bits=bits)
    eg = res.data["eg_copies"][0]                   # (kernel, p, alpha, seed)
    m, se = mean_se(eg, axis=-1)
    z = (m - theory) / se
    assert np.all(np.abs(z) < 4.0), z
