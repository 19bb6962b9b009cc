"""Kernel of the finite-N online STE simulation (one run)."""
from __future__ import annotations

import math

import numpy as np

from .._jit import njit
from ..quantizers import _count_le, _shift_bin
from ._fp_kernels import _record_state


@njit
def _psi_bin(z, psi_thresholds):
    """Bin of ``z`` under the input quantizer: a branch-free count of the thresholds ``<= z`` for
    up to 16 thresholds (random ``z`` defeats branch prediction in a binary search), else a
    binary search.
    """
    n_th = psi_thresholds.shape[0]
    if n_th > 16:
        return _count_le(psi_thresholds, z)
    k = 0
    for j in range(n_th):
        k += psi_thresholds[j] <= z
    return k


@njit
def _ste_run(w0, w_init, levels, thresholds, psi_levels, psi_thresholds, quant_in, c1, c2, eta, sigma,
             n_steps, record_every, rng, eg_rec, m_rec, q_rec, bin_rec, snap_steps, snap_out):
    """One finite-N STE run from the latent weights ``w_init``.

    Per step one fused pass over the coordinates: apply the previous update
    ``w += eta err psi(x)`` (``x`` already carries ``1/sqrt(N)``), refresh ``phi(w)`` (bin index
    moved by at most a few thresholds), draw the next sample ``z ~ N(0, 1)`` and accumulate the
    error ``y - y_hat = sum_i (w0_i z_i - phi(w_i) psi(z_i)) / sqrt(N) + noise``.  With
    ``quant_in`` false the input is not quantized and the arithmetic is that of THEORY section 9
    (``x_i = z_i / sqrt(N)``, error ``x . (w0 - phi(w))``).  The instance error recorded is the
    exact ``E_x (y - y_hat)^2 / 2`` given the weights (moments ``c1, c2``).  The latent weights are
    copied into ``snap_out[j]`` before step ``snap_steps[j]`` (sorted).  ``rng`` is a
    ``numpy.random.Generator`` (NumPy's own ziggurat inside Numba).

    The input draw is written out twice (start and step) on purpose: moving it into an inlined
    helper returning a tuple made the step 1.6-2x slower (6.9 -> 10.9-11.6 us at N = 1000).
    """
    n = w0.shape[0]
    inv = 1.0 / math.sqrt(n)
    psi_s = psi_levels * inv
    w = w_init.copy()
    x = np.empty(n)
    kk = np.empty(n, dtype=np.int64)
    s = 0.0
    for i in range(n):
        kk[i] = _count_le(thresholds, w[i])
        z = rng.standard_normal()
        if quant_in:
            xi = psi_s[_psi_bin(z, psi_thresholds)]
            x[i] = xi
            s += (z * inv) * w0[i] - xi * levels[kk[i]]
        else:
            xi = z * inv
            x[i] = xi
            s += xi * (w0[i] - levels[kk[i]])
    r = 0
    ns = 0
    for t in range(n_steps + 1):
        if t % record_every == 0:
            _record_state(w0, levels, kk, sigma, c1, c2, r, eg_rec, m_rec, q_rec, bin_rec)
            r += 1
        while ns < snap_steps.shape[0] and snap_steps[ns] == t:
            snap_out[ns, :] = w
            ns += 1
        if t == n_steps:
            break
        c = eta * (s + sigma * rng.standard_normal())
        s = 0.0
        for i in range(n):
            wi = w[i] + c * x[i]
            w[i] = wi
            kk[i] = _shift_bin(kk[i], wi, thresholds)
            z = rng.standard_normal()
            if quant_in:
                xi = psi_s[_psi_bin(z, psi_thresholds)]
                x[i] = xi
                s += (z * inv) * w0[i] - xi * levels[kk[i]]
            else:
                xi = z * inv
                x[i] = xi
                s += xi * (w0[i] - levels[kk[i]])
    return r
