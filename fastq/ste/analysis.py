"""Analysis of STE trajectories: the length of the plateau of Eg(tau)."""
from __future__ import annotations

import numpy as np

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
