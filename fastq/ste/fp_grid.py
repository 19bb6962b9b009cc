"""Grid, start and teacher quadrature of the Fokker-Planck solver of STE training.

The domain and grid choices are explained in :mod:`fastq.ste._fp_kernels`.
"""
from __future__ import annotations

import math

import numpy as np

from ..gauss import gauss_legendre


def domain_length(eta: float, eg_bound: float, tau_max: float) -> float:
    """Distance ``L`` kept beyond the outer thresholds.

    A walker with outward drift ``a`` and diffusion ``D = eta^2 Eg`` reaches distance ``L`` by
    ``tau_max`` with probability ``~exp(-(L - a tau)^2 / (4 D tau))`` and, once there, returns with
    probability ``~exp(-a L / D)``.  For ``a tau < L/2`` the first is below ``exp(-L^2/(16 D tau))``,
    otherwise the second is below ``exp(-L^2 / (2 D tau))``; ``L = sqrt(16 * 14 D tau)`` makes both
    smaller than ``1e-6``.
    """
    d = eta * eta * eg_bound
    return max(6.0, math.sqrt(16.0 * 14.0 * d * tau_max))


def build_grid(levels, thresholds, h: float, length: float, *, margin: float = 2.0,
               growth: float = 1.05, h_max: float = 0.5):
    """Cell faces for the finite-volume solver.

    Uniform cells of width ``h`` on ``[t_1 - margin, t_np + margin]`` (aligned so that 0 is a cell
    centre), every threshold inserted as a face (uniform faces closer than ``h/3`` to a threshold
    are dropped), then cells growing by ``growth`` (at most ``h_max`` wide) out to ``length``
    beyond the outer thresholds.
    """
    t = np.asarray(thresholds, dtype=np.float64)
    lo_in = t[0] - margin
    hi_in = t[-1] + margin
    k_lo = math.floor(lo_in / h - 0.5)
    k_hi = math.ceil(hi_in / h - 0.5)
    uni = (np.arange(k_lo, k_hi + 1) + 0.5) * h
    if t.size:
        dist = np.min(np.abs(uni[:, None] - t[None, :]), axis=1)
        uni = uni[dist > h / 3.0]
    inner = np.sort(np.concatenate([uni, t]))
    # geometric outer cells
    right = [inner[-1]]
    width = h
    while right[-1] < t[-1] + length:
        width = min(width * growth, h_max)
        right.append(right[-1] + width)
    left = [inner[0]]
    width = h
    while left[-1] > t[0] - length:
        width = min(width * growth, h_max)
        left.append(left[-1] - width)
    faces = np.concatenate([np.array(left[:0:-1]), inner, np.array(right[1:])])
    return faces


def initial_masses(faces, w_init: float = 0.0):
    """Unit mass at ``w_init``: in the cell containing it, split evenly if it lies on a face."""
    n = faces.size - 1
    m = np.zeros(n)
    j = np.searchsorted(faces, w_init, side="right") - 1
    j = min(max(j, 0), n - 1)
    if faces[j] == w_init and j > 0:
        m[j - 1] = 0.5
        m[j] = 0.5
    else:
        m[j] = 1.0
    return m


def gaussian_masses(faces, s0: float):
    """Cell masses of N(0, s0^2) (exact differences of the distribution function; the end cells
    take the tails beyond the domain).
    """
    from scipy.special import ndtr

    cdf = ndtr(np.asarray(faces, dtype=np.float64) / s0)
    cdf[0] = 0.0
    cdf[-1] = 1.0
    m = np.diff(cdf)
    return m / m.sum()


def teacher_nodes(omega: float, rho: float, n_inner: int, n_outer: int):
    """Quadrature nodes ``w0 >= 0`` and weights for ``E_{w0 ~ N(0, rho)}`` of an even function.

    Gauss-Legendre on ``[0, min(omega, 8 sqrt(rho))]`` and on ``[omega, omega + 8 sqrt(rho)]``
    (the split at omega is where a weight stops being confined); each weight includes the
    Gaussian density and the factor 2 of the mirror image ``-w0``.  The mass beyond
    ``8 sqrt(rho)`` (< 1.3e-15) is dropped.
    """
    s = math.sqrt(rho)
    pieces = []
    a_hi = min(omega, 8.0 * s)
    pieces.append((0.0, a_hi, n_inner))
    if omega < 8.0 * s:
        pieces.append((omega, omega + 8.0 * s, n_outer))
    nodes, weights = [], []
    for a, b, n in pieces:
        xx, wq = gauss_legendre(a, b, n)
        nodes.append(xx)
        weights.append(wq * 2.0 * np.exp(-0.5 * xx * xx / rho) / math.sqrt(2.0 * math.pi * rho))
    return np.concatenate(nodes), np.concatenate(weights)
