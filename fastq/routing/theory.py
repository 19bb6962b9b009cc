r"""Closed forms of online Hebbian learning in the perceptron teacher-student scenario.

Hebb's rule ``h += eta y x / sqrt(N)`` does not look at the weights, so routing only reshuffles
which copy's sample reaches which (copy, parameter) slot: every coordinate of every copy still
sums ``alpha N`` independent terms ``eta y x_i / sqrt(N)`` from ``alpha N`` different samples.
The mean and variance of each coordinate are unchanged by routing; the only difference is that
two coordinates of one copy may come from different samples (their O(1/N) covariance through the
shared label is lost), which leaves the overlap R unchanged as N -> infinity.  Starting from
``h = 0`` with Gaussian inputs:

* real weights: :math:`R(\alpha) = \sqrt{2\alpha/\pi} / \sqrt{1 + 2\alpha/\pi}`;
* binary weights ``sign(h)`` and a binary teacher: each ``h_i w0_i`` is Gaussian with mean
  :math:`\alpha\sqrt{2/\pi}` and variance :math:`\alpha`, so
  :math:`R = P(h_i w_{0,i} > 0) - P(h_i w_{0,i} < 0) = \mathrm{erf}(\sqrt{\alpha/\pi})`;
* b-bit weights ``phi(h)`` with levels ``d_k`` and ``eta``:
  :math:`R = E[\phi(h) w_0] / \sqrt{E[\phi(h)^2]}` over the same Gaussian (scaled by ``eta``),
  each a finite sum of level times bin probability.

The generalization error of the perceptron is :math:`\varepsilon_g = \arccos(R)/\pi`.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr

from .. import _validate as V
from .spec import routing_quantizer

__all__ = ["hebb_overlap", "hebb_eg"]


def hebb_overlap(alpha, *, bits: int = 0, omega: float = 1.0, eta: float = 1.0) -> np.ndarray:
    """Overlap R(alpha) of online Hebb learning from h = 0 (real, binary or b-bit weights)."""
    a = np.atleast_1d(V.float_array("alpha", alpha))
    if (a < 0).any():
        raise V.FastqInputError("alpha must be >= 0")
    bits = V.integer("bits", bits, 0, 16)
    V.positive("omega", omega)
    eta = V.positive("eta", eta)
    if bits == 0:
        x = 2.0 * a / math.pi
        return np.sqrt(x) / np.sqrt(1.0 + x)
    q = routing_quantizer(bits, omega)
    mean = eta * a * math.sqrt(2.0 / math.pi)  # of h_i w0_i
    sd = eta * np.sqrt(a)
    lv, th = q.levels, q.thresholds
    edges = np.concatenate([[-np.inf], th, [np.inf]])
    # bin probabilities of u = h_i w0_i ~ N(mean, sd^2); phi is odd, so phi(h) w0 = phi(u)
    cdf = ndtr((edges[None, :] - mean[:, None]) / sd[:, None])
    prob = np.diff(cdf, axis=1)
    m1 = prob @ lv
    m2 = prob @ (lv * lv)
    return m1 / np.sqrt(m2)


def hebb_eg(alpha, **kw) -> np.ndarray:
    """``arccos(hebb_overlap(alpha)) / pi``."""
    return np.arccos(np.clip(hebb_overlap(alpha, **kw), -1.0, 1.0)) / math.pi
