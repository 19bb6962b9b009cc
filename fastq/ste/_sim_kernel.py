"""Kernel of the finite-N online STE simulation (one run)."""
from __future__ import annotations

import math

import numpy as np

from .._jit import njit
from ..quantizers import _count_le, _shift_bin
from ._fp_kernels import _record_state


@njit
def _ste_run(w0, levels, thresholds, eta, sigma, n_steps, record_every, rng,
             eg_rec, m_rec, q_rec, bin_rec):
    """One finite-N STE run from w = 0.

    Per step one fused pass over the coordinates: apply the previous update
    ``w += eta err x``, refresh ``phi(w)`` (bin index moved by at most a few thresholds), draw
    the next sample ``x`` and accumulate ``x . (w0 - phi(w))``.  ``err = x.(w0 - phi(w)) + noise``.
    ``rng`` is a ``numpy.random.Generator`` (Numba draws from it with NumPy's own ziggurat
    algorithm, about 8x faster than the legacy ``np.random`` functions in Numba).
    """
    n = w0.shape[0]
    inv = 1.0 / math.sqrt(n)
    w = np.zeros(n)
    x = np.empty(n)
    kk = np.empty(n, dtype=np.int64)
    k0 = _count_le(thresholds, 0.0)
    s = 0.0
    for i in range(n):
        kk[i] = k0
        xi = rng.standard_normal() * inv
        x[i] = xi
        s += xi * (w0[i] - levels[k0])
    r = 0
    for t in range(n_steps + 1):
        if t % record_every == 0:
            _record_state(w0, levels, kk, sigma, r, eg_rec, m_rec, q_rec, bin_rec)
            r += 1
        if t == n_steps:
            break
        c = eta * (s + sigma * rng.standard_normal())
        s = 0.0
        for i in range(n):
            wi = w[i] + c * x[i]
            w[i] = wi
            kk[i] = _shift_bin(kk[i], wi, thresholds)
            xi = rng.standard_normal() * inv
            x[i] = xi
            s += xi * (w0[i] - levels[kk[i]])
    return r
