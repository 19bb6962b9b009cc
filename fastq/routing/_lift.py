"""``@njit`` kernels of routed training on a finite training set with a *fixed* lift (THEORY
section 12): the M-cover of the factor graph (samples mu x parameters j) is drawn once.

The fixed lift.  Edge (mu, j) carries one permutation ``pi_{mu,j}`` of the M copies, drawn from
the kernel Q; routed model ``a`` of sample ``mu`` reads parameter ``j`` from copy
``pi_{mu,j}(a)`` and writes its update there, at every visit of ``mu``.  Nothing is stored: the
permutation is a pure function of a 128-bit key (from the seed) and the counters (mu, j, c),
through a SplitMix64-style mixing (:func:`_unit`), so memory stays O(N M) whatever P.

* ``u0 = U(mu, j, 0)``; if ``u0 >= p`` (or p = 0, or M = 1) the identity;
* uniform kernel: keys ``U(mu, j, 1 + b)``, b < M; ``pi(a)`` = the rank of key ``a`` (ties by index);
* ring kernel: parity ``o = U(mu, j, 1) < 1/2``; the pairs ``(o + 2k, o + 2k + 1) mod M``,
  ``k < M // 2``, are swapped (as the online ring kernel);
* circular-Gaussian kernel: ``pi(a) = (a + d) mod M`` with the shift ``d`` the inverse of the
  shift law (``_kernels.shift_cdf``) at ``U(mu, j, 1)``.

Schedule.  Step t of an epoch: copy a = 0, 1, ..., M-1 in turn visits its sample ``order[t, a]``
(every copy has its own shuffle of the training set), computes its routed model from the current
state, and writes its update back at once; then the coupling ``gam[t]`` (0 = none) pulls every
copy towards the copies' mean (``_kernels._elastic``).  With p = 0 every copy touches only its
own slots, so the copies are M independent runs.
"""
from __future__ import annotations

import math

import numpy as np

from .._jit import njit
from ._kernels import KERNEL_GAUSS, KERNEL_UNIFORM, RULE_HEBB, RULE_SBPI, _clip, _elastic, _quant, _shift

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0
#: xor-ed into the key for SBPI's coin flips (a stream apart from the lift's)
_SALT = np.uint64(0xD1B54A32D192ED03)


@njit(inline="always")
def _mix(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(inline="always")
def _unit(k0, k1, mu, j, c):
    """Uniform in [0, 1) from the key (k0, k1) and the counters (mu, j, c)."""
    z = _mix(k0 + np.uint64(mu) * _GOLDEN)
    z = _mix(z ^ (k1 + np.uint64(j) * _GOLDEN))
    z = _mix(z + np.uint64(c) + _GOLDEN)
    return np.float64(z >> _S11) * _INV53


@njit
def _lift_entry(k0, k1, mu, j, a, m, p, kernel, cdf):
    """``pi_{mu,j}(a)``: the copy routed model ``a`` of sample ``mu`` takes parameter ``j`` from."""
    if p == 0.0 or m == 1 or _unit(k0, k1, mu, j, 0) >= p:
        return a
    if kernel == KERNEL_UNIFORM:
        ka = _unit(k0, k1, mu, j, 1 + a)
        r = 0
        for b in range(m):
            kb = _unit(k0, k1, mu, j, 1 + b)
            if kb < ka or (kb == ka and b < a):
                r += 1
        return r
    if kernel == KERNEL_GAUSS:
        return (a + _shift(_unit(k0, k1, mu, j, 1), cdf)) % m
    o = 1 if _unit(k0, k1, mu, j, 1) < 0.5 else 0
    pos = (a - o) % m
    if pos >= 2 * (m // 2):
        return a
    return (a + 1) % m if pos % 2 == 0 else (a - 1) % m


@njit
def _lift_table(k0, k1, n_samples, n_par, m, p, kernel, cdf):
    """The whole lift (P, n_par, M) -- for tests and small cases only (memory O(P N M))."""
    out = np.empty((n_samples, n_par, m), dtype=np.int64)
    for mu in range(n_samples):
        for j in range(n_par):
            for a in range(m):
                out[mu, j, a] = _lift_entry(k0, k1, mu, j, a, m, p, kernel, cdf)
    return out


@njit
def _perceptron_epoch(h, w, X, Y, order, rule, step, quantized, levels, thresholds, p, kernel, cdf, k0, k1,
                      gam, src, thr, clip, ps, t0):
    """One epoch of a perceptron rule on the fixed lift (in place).

    h, w : (M, N); X : (P, N) training set; Y : (P,) labels; order : (T, M) sample of copy a at
    step t; rule, step, thr, clip : as ``_kernels._perceptron_steps``; gam : (T,) coupling per
    step; src (N,) work array.  ``RULE_SBPI`` (Baldassi et al. 2007, on real hidden states): on an
    error (``y w.x <= 0``) the perceptron update; when ``0 < y w.x <= thr``, with probability
    ``ps`` (coin ``U(key ^ SALT; t0 + t, a, 1)``, t0 the step offset of the epoch) the update only
    of the hidden states that agree, ``y x_i h_i > 0`` (reinforcement).
    """
    n_steps, m = order.shape
    n = X.shape[1]
    for t in range(n_steps):
        for a in range(m):
            mu = order[t, a]
            y = Y[mu]
            field = 0.0
            for i in range(n):
                s = _lift_entry(k0, k1, mu, i, a, m, p, kernel, cdf)
                src[i] = s
                field += w[s, i] * X[mu, i]
            if rule != RULE_HEBB and y * field > thr:
                continue
            only_agreeing = False
            if rule == RULE_SBPI and y * field > 0.0:
                if _unit(k0 ^ _SALT, k1, t0 + t, a, 1) >= ps:
                    continue
                only_agreeing = True
            c = step * y
            for i in range(n):
                s = src[i]
                if only_agreeing and y * X[mu, i] * h[s, i] <= 0.0:
                    continue
                h[s, i] = _clip(h[s, i] + c * X[mu, i], clip)
                w[s, i] = _quant(h[s, i], quantized, levels, thresholds)
        if gam[t] > 0.0:
            _elastic(h, w, gam[t], quantized, levels, thresholds)


@njit
def _net_epoch(hW, wW, hv, wv, train_v, X, Y, order, eta, quantized, levels, thresholds, p, kernel, cdf, k0, k1,
               gam, src, act):
    """One epoch of online SGD (STE when quantized) of two-layer networks on the fixed lift.

    The network, loss and update are those of ``_kernels._net_steps``; parameters are numbered
    ``j = k N + i`` then ``K N + k`` (second layer, routed only when ``train_v``).  X : (P, N),
    Y : (P,), order : (T, M), gam : (T,); src (K N + K,) and act (K,) are work arrays.
    """
    n_steps, m = order.shape
    n = X.shape[1]
    k_hidden = hW.shape[1]
    sqn = math.sqrt(n)
    off = k_hidden * n
    for t in range(n_steps):
        for a in range(m):
            mu = order[t, a]
            f = 0.0
            for k in range(k_hidden):
                s = 0.0
                for i in range(n):
                    c = _lift_entry(k0, k1, mu, k * n + i, a, m, p, kernel, cdf)
                    src[k * n + i] = c
                    s += wW[c, k, i] * X[mu, i]
                g = math.tanh(s / sqn)
                act[k] = g
                if train_v:
                    src[off + k] = _lift_entry(k0, k1, mu, off + k, a, m, p, kernel, cdf)
                    f += wv[src[off + k], k] * g
                else:
                    f += wv[a, k] * g
            d = f / k_hidden - Y[mu]
            for k in range(k_hidden):
                g = act[k]
                vk = wv[src[off + k], k] if train_v else wv[a, k]
                c = -eta * d * vk * (1.0 - g * g) / (k_hidden * sqn)
                for i in range(n):
                    s_ = src[k * n + i]
                    hW[s_, k, i] += c * X[mu, i]
                    wW[s_, k, i] = _quant(hW[s_, k, i], quantized, levels, thresholds)
            if train_v:
                for k in range(k_hidden):
                    s_ = src[off + k]
                    hv[s_, k] -= eta * d * act[k] / (k_hidden * n)
                    wv[s_, k] = _quant(hv[s_, k], quantized, levels, thresholds)
        if gam[t] > 0.0:
            _elastic(hW.reshape(m, off), wW.reshape(m, off), gam[t], quantized, levels, thresholds)
            if train_v:
                _elastic(hv, wv, gam[t], quantized, levels, thresholds)
