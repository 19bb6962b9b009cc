"""Brute-force reference for :mod:`fastq.exact` (tests and benchmarks only).

Enumerates all ``|Omega|^N`` candidate weight vectors in blocks and evaluates the quantized
ridge loss ``||y - X d||^2 / 2 + lam ||d||^2 / 2`` directly (no QR, no pruning, nothing from
fastq), so it is an independent check of the sphere decoder.
"""
from __future__ import annotations

import itertools

import numpy as np


def brute_force(X, y, levels, lam, block: int = 1 << 16):
    """Return ``(w, objective, second_best)`` over every point of ``levels^N``.

    ``second_best`` (the smallest objective of any *other* point) tells the tests whether the
    minimizer is unique up to rounding.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    lv = np.asarray(levels, dtype=np.float64)
    n = X.shape[1]
    best = np.inf
    second = np.inf
    best_w = None
    it = itertools.product(range(lv.size), repeat=n)
    while True:
        chunk = list(itertools.islice(it, block))
        if not chunk:
            break
        D = lv[np.array(chunk)]                       # (B, N)
        r = y[None, :] - D @ X.T                      # (B, M)
        f = 0.5 * np.einsum("ij,ij->i", r, r) + 0.5 * lam * np.einsum("ij,ij->i", D, D)
        order = np.argsort(f)[:2]
        for k in order:
            v = f[k]
            if v < best:
                second = best
                best = v
                best_w = D[k].copy()
            elif v < second:
                second = v
    return best_w, float(best), float(second)
