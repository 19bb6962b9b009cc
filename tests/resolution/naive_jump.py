"""Slow NumPy reference of the per-jump edge convention, written from the formula alone:

    phi(w) = d_0 + sum_k D_k clip((w - t_k) / (r D_k) + 1/2, 0, 1),

evaluated with every ramp summed (no search, no assumption that ramps do not overlap), and its
derivative as the sum of ``1 / r`` over the ramps whose open interior contains w.
"""
import numpy as np


def levels_of(q):
    return np.asarray(q.levels, dtype=float)


def phi_jump(w, levels, r):
    w = np.asarray(w, dtype=float)[..., None]
    d = np.diff(levels)
    t = 0.5 * (levels[1:] + levels[:-1])
    if r == 0.0:
        return levels[0] + np.sum(d * (w >= t), axis=-1)
    u = np.clip((w - t) / (r * d) + 0.5, 0.0, 1.0)
    return levels[0] + np.sum(d * u, axis=-1)


def dphi_jump(w, levels, r):
    w = np.asarray(w, dtype=float)[..., None]
    d = np.diff(levels)
    t = 0.5 * (levels[1:] + levels[:-1])
    if r == 0.0:
        return np.zeros(w.shape[:-1])
    inside = np.abs(w - t) < 0.5 * r * d
    return np.sum(inside, axis=-1) / r
