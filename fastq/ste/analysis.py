"""Analysis of STE trajectories: plateau length, the drop of Eg(tau), distance between densities."""
from __future__ import annotations

import math

import numpy as np

from .. import _validate as V

#: share of its eventual (stationary) loss the zero level must have lost to end the plateau
PLATEAU_LEFT = 0.10


def plateau_length(tau, zero_fraction, zero_stationary, left=PLATEAU_LEFT):
    """First tau at which the zero level has lost ``left`` of its eventual loss
    ``1 - zero_stationary`` (linear interpolation); ``inf`` if not reached on the grid.
    """
    z = np.asarray(zero_fraction)
    target = 1.0 - left * (1.0 - zero_stationary)
    idx = np.nonzero(z < target)[0]
    if idx.size == 0:
        return float("inf")
    i = int(idx[0])
    if i == 0:
        return float(tau[0])
    t0, t1, z0, z1 = tau[i - 1], tau[i], z[i - 1], z[i]
    return float(t0 + (target - z0) * (t1 - t0) / (z1 - z0))


def _first_below(tau, y, target):
    idx = np.nonzero(y <= target)[0]
    if idx.size == 0:
        return math.inf
    i = int(idx[0])
    if i == 0:
        return float(tau[0])
    t0, t1, y0, y1 = tau[i - 1], tau[i], y[i - 1], y[i]
    return float(t0 + (target - y0) * (t1 - t0) / (y1 - y0))


def eg_drop(tau, eg, *, early=0.10, late=0.90):
    """Plateau and drop of a decreasing Eg(tau), read off the curve itself.

    With ``E0 = eg[0]`` and ``Emin = min(eg)`` (the lowest point reached), ``tau_early`` and
    ``tau_late`` are the first times Eg has covered ``early`` and ``late`` of the descent
    ``E0 - Emin`` (linear interpolation).  ``tau_early`` is the plateau length; the drop lasts
    ``tau_late - tau_early``; ``sharpness = tau_early / (tau_late - tau_early)`` is about 0.05
    for a pure exponential decay and large when a long flat stretch ends in a quick fall ("plateau
    then sharp drop" means sharpness > 1 here).  ``overshoot = (Eg_end - Emin) / (E0 - Emin)``
    says how much of the descent is given back by the end of the record (0 for a monotone curve).
    Returns a dict; all NaN when Eg never goes below ``E0``.
    """
    tau = V.float_array("tau", tau, ndim=1)
    eg = V.float_array("eg", eg, ndim=1, finite=False)
    if tau.size < 2 or tau.shape != eg.shape:
        raise V.FastqInputError(f"tau and eg must be 1-D arrays of the same length >= 2 "
                                f"(got shapes {tau.shape} and {eg.shape})")
    e0, emin = float(eg[0]), float(eg.min())
    nan = dict(tau_early=math.nan, tau_late=math.nan, sharpness=math.nan, overshoot=math.nan,
               eg_min=emin, tau_min=float(tau[int(np.argmin(eg))]))
    if not e0 > emin:
        return nan
    drop = e0 - emin
    t_e = _first_below(tau, eg, e0 - early * drop)
    t_l = _first_below(tau, eg, e0 - late * drop)
    width = t_l - t_e
    sharp = t_e / width if width > 0 else math.inf
    return dict(tau_early=t_e, tau_late=t_l, sharpness=sharp, overshoot=(float(eg[-1]) - emin) / drop,
                eg_min=emin, tau_min=float(tau[int(np.argmin(eg))]))


def pde_cdf(faces, masses, nodes_weights=None, mirror=False):
    """Distribution function of the latent weight from PDE cell masses, as ``(faces, F)``
    (piecewise linear between faces).  ``masses`` is ``(nodes, cells)``; with ``nodes_weights``
    the marginal over the teacher nodes is formed, with ``mirror`` the mirror-image teachers
    ``-w0`` (whose densities are ``p(-w)``) are included.
    """
    faces = np.asarray(faces, dtype=float)
    m = np.atleast_2d(np.asarray(masses, dtype=float))
    wts = np.ones(m.shape[0]) / m.shape[0] if nodes_weights is None else np.asarray(nodes_weights, float)
    wts = wts / wts.sum()
    cell = wts @ m
    f = np.concatenate([[0.0], np.cumsum(cell)])
    f /= f[-1]
    if mirror:
        # F_mirror(w) = 1 - F(-w): evaluate at the same faces
        fm = 1.0 - np.interp(-faces, faces, f, left=0.0, right=1.0)
        f = 0.5 * (f + fm)
    return faces, f


def ks_distance(samples, faces, cdf):
    """Kolmogorov-Smirnov distance ``sup_w |F_n(w) - F(w)|`` between the empirical law of
    ``samples`` and the piecewise-linear distribution function ``(faces, cdf)``.
    """
    x = np.sort(np.ravel(np.asarray(samples, dtype=float)))
    n = x.size
    f = np.interp(x, faces, cdf, left=0.0, right=1.0)
    above = np.arange(1, n + 1) / n - f
    below = f - np.arange(0, n) / n
    return float(max(above.max(), below.max()))
