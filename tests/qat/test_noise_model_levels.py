"""QGen's noise-model terms for an asymmetric level set, against quad."""
import numpy as np
import pytest
from scipy import integrate, stats

from fastq import Quantizer
from fastq.qat.linear import noise_model_excess


def test_asymmetric_set_clips_at_its_end_levels():
    q = Quantizer.format("int3-asym", 1.2)  # levels -1.2 .. 0.9
    lv, s = q.levels, 0.8
    rounding, clipping = noise_model_excess(q, s)
    pdf = stats.norm(scale=s).pdf
    ref_clip = 0.5 * (integrate.quad(lambda w: (w - lv[-1]) ** 2 * pdf(w), lv[-1], np.inf, epsabs=1e-14)[0]
                      + integrate.quad(lambda w: (lv[0] - w) ** 2 * pdf(w), -np.inf, lv[0], epsabs=1e-14)[0])
    ref_round = 0.5 * sum(integrate.quad(pdf, a, b, epsabs=1e-14)[0] * (b - a) ** 2 / 12
                          for a, b in zip(lv[:-1], lv[1:]))
    assert clipping == pytest.approx(ref_clip, rel=1e-10)
    assert rounding == pytest.approx(ref_round, rel=1e-10)
