"""Kernels of the stationary state of STE training: per-bin closed forms in log space."""
from __future__ import annotations

import math

import numpy as np

from .._jit import njit


@njit
def _bin_log_masses(w0, temp, levels, thresholds, out):
    """Log of ``int_bin exp(-U(w)/temp) dw`` for every bin (|w0| < omega), U(t_1) = 0.

    ``U(w) = int (phi(u) - w0) du`` is linear on each bin with slope ``d_k - w0``; each bin is a
    closed form, evaluated in log space (``log(-expm1(.))`` for the finite bins).
    """
    n_th = thresholds.shape[0]
    u = 0.0  # U at thresholds[k-1] while walking
    s0 = levels[0] - w0
    out[0] = math.log(temp / (-s0))
    for k in range(1, n_th):
        s = levels[k] - w0
        length = thresholds[k] - thresholds[k - 1]
        if s == 0.0:
            out[k] = -u / temp + math.log(length)
        elif s > 0.0:
            out[k] = -u / temp + math.log(temp / s) + math.log(-math.expm1(-s * length / temp))
        else:
            ub = u + s * length
            out[k] = -ub / temp + math.log(temp / (-s)) + math.log(-math.expm1(s * length / temp))
        u += s * length
    s = levels[n_th] - w0
    out[n_th] = -u / temp + math.log(temp / s)


@njit
def _bin_probs(w0, temp, levels, thresholds, out):
    _bin_log_masses(w0, temp, levels, thresholds, out)
    mx = out.max()
    tot = 0.0
    for k in range(out.shape[0]):
        out[k] = math.exp(out[k] - mx)
        tot += out[k]
    for k in range(out.shape[0]):
        out[k] /= tot


@njit
def _stationary_rhs(eg, eta, sigma, levels, thresholds, nodes, weights, tail, c1, c2, mirror, bins):
    """RHS(Eg) = (E_w0 E[w0^2 - 2 c1 w0 phi + c2 phi^2 | w0] + sigma^2) / 2 and the stationary bin
    fractions; the conditional law of ``w`` is the one of the effective target ``(c1/c2) w0``.

    ``nodes, weights``: quadrature of ``E_{w0}`` over the confined teachers ``|c1 w0 / c2| < omega``
    (for a Gaussian teacher: ``w0 >= 0`` with the factor 2 of the mirror image in the weights, and
    ``mirror`` true); ``tail``: the closed-form contribution of the escaped teachers.  The
    conditional error is written ``(w0 - phi)^2 + 2 (1 - c1) w0 phi + (c2 - 1) phi^2`` so that
    ``c1 = c2 = 1`` adds exact zeros.
    """
    temp = eta * eg
    ratio = c1 / c2
    nb = levels.shape[0]
    p = np.empty(nb)
    for k in range(nb):
        bins[k] = 0.0
    acc = 0.0
    for j in range(nodes.shape[0]):
        w0 = nodes[j]
        _bin_probs(ratio * w0, temp, levels, thresholds, p)
        g = 0.0
        for k in range(nb):
            d = w0 - levels[k]
            g += p[k] * d * d + p[k] * (2.0 * (1.0 - c1) * w0 * levels[k] + (c2 - 1.0) * levels[k] * levels[k])
            if mirror:
                bins[k] += 0.5 * weights[j] * p[k]
                bins[nb - 1 - k] += 0.5 * weights[j] * p[k]
            else:
                bins[k] += weights[j] * p[k]
        acc += weights[j] * g
    return 0.5 * (acc + tail + sigma * sigma)
