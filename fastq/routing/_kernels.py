"""``@njit`` kernels of routed training across M model copies (THEORY section 12, fastq's reading).

At every step and for every parameter ``j`` one permutation ``pi_j`` of the copies is drawn from
the mixing kernel Q (:func:`_draw_routes`); routed model ``a`` takes parameter ``j`` from copy
``src[j, a] = pi_j(a)``.  Copy ``a``'s own sample drives the local rule on its routed model, and
the update of parameter ``j`` is written back to copy ``src[j, a]``.  Because ``pi_j`` is a
permutation, each (copy, parameter) slot is read and written by exactly one routed model per step,
so processing the routed models one after the other is the same as updating them all at once
from the state at the start of the step.

Random numbers.  Routing draws come from a NumPy ``Generator`` passed into the kernel (Numba
calls its bit generator, so the stream is the one NumPy would produce); per parameter and step:
``u = rng.random()``; when ``u < p`` the uniform kernel draws ``M`` keys ``rng.random()`` and
takes ``argsort(keys)`` as the permutation, the ring kernel draws one ``rng.random() < 1/2`` (the
parity ``o``) and swaps the neighbour pairs ``(o + 2k, o + 2k + 1) mod M``, ``k < M // 2``; the
circular-Gaussian kernel draws one ``rng.random()`` and shifts every copy by ``d`` (``src = (a + d)
mod M``), ``d`` in 1..M-1 with weight ``exp(-dc^2 / (2 width^2))``, ``dc = min(d, M - d)`` the
distance on the ring of copies (:func:`shift_cdf`).
With ``p = 0`` or ``M = 1`` nothing is drawn.  Samples are drawn by the caller (in NumPy).

Weights: each copy keeps hidden real states ``h``; the weights used in the forward pass are
``w = phi(h)`` with the hard quantizer of :mod:`fastq.quantizers` (``quantized``), else ``w = h``.
"""
from __future__ import annotations

import math

import numpy as np

from .._jit import njit
from ..quantizers import _phi

KERNEL_UNIFORM = 0
KERNEL_RING = 1
KERNEL_GAUSS = 2
RULE_HEBB = 0
KERNELS = {"uniform": KERNEL_UNIFORM, "ring": KERNEL_RING, "gaussian": KERNEL_GAUSS}
RULE_PERCEPTRON = 1  # also the clipped perceptron: same rule on the hidden states of quantized weights
RULE_SBPI = 2  # finite training sets only (fastq.routing._lift)


def shift_cdf(m: int, width: float) -> np.ndarray:
    """Cumulative law of the circular-Gaussian shift d = 1..M-1 (empty for M = 1)."""
    d = np.arange(1, m)
    dc = np.minimum(d, m - d).astype(float)
    wt = np.exp(-dc * dc / (2.0 * width * width))
    c = np.cumsum(wt)
    return c / c[-1] if m > 1 else np.zeros(0)


@njit(inline="always")
def _shift(u, cdf):
    """The shift d in 1..M-1 of a uniform ``u`` (inverse of ``cdf``)."""
    k = 0
    while k < cdf.size - 1 and u >= cdf[k]:
        k += 1
    return k + 1


@njit
def _draw_routes(rng, p, kernel, src, keys, cdf):
    """Fill ``src`` (P, M): ``src[j, a]`` is the copy routed model ``a`` takes parameter ``j`` from."""
    n_par, m = src.shape
    for j in range(n_par):
        for a in range(m):
            src[j, a] = a
    if p == 0.0 or m == 1:
        return
    for j in range(n_par):
        if rng.random() < p:
            if kernel == KERNEL_UNIFORM:
                for a in range(m):
                    keys[a] = rng.random()
                order = np.argsort(keys)
                for a in range(m):
                    src[j, a] = order[a]
            elif kernel == KERNEL_GAUSS:
                d = _shift(rng.random(), cdf)
                for a in range(m):
                    src[j, a] = (a + d) % m
            else:
                o = 1 if rng.random() < 0.5 else 0
                for k in range(m // 2):
                    a = (o + 2 * k) % m
                    b = (a + 1) % m
                    src[j, a] = b
                    src[j, b] = a


@njit(inline="always")
def _quant(x, quantized, levels, thresholds):
    return _phi(x, levels, thresholds, 0.0) if quantized else x


@njit(inline="always")
def _clip(x, clip):
    if clip > 0.0:
        return min(clip, max(-clip, x))
    return x


@njit
def _elastic(h, w, gamma, quantized, levels, thresholds):
    """Elastic coupling (replicated SGD): ``h_a += gamma (mean_b h_b - h_a)`` per parameter.

    ``h`` and ``w`` are 2-D views (copies, parameters).
    """
    m, n_par = h.shape
    for j in range(n_par):
        s = 0.0
        for a in range(m):
            s += h[a, j]
        mean = s / m
        for a in range(m):
            h[a, j] += gamma * (mean - h[a, j])
            w[a, j] = _quant(h[a, j], quantized, levels, thresholds)


@njit
def _perceptron_steps(h, w, X, Y, rule, step, quantized, levels, thresholds, p, kernel, gam, rng,
                      src, keys, cdf, thr, clip):
    """Run ``X.shape[0]`` routed steps of a perceptron rule on M copies (in place).

    h, w : (M, N) hidden states and weights; X : (B, M, N) the copies' samples; Y : (B, M) labels
    +-1; rule : ``RULE_HEBB`` (update always) or ``RULE_PERCEPTRON`` (update when the routed model
    errs, ``y * (w . x) <= 0``); step : eta / sqrt(N); the update ``h += step * y * x`` goes to
    the source copies; gam (B,) the coupling after each step (0 = none); cdf the Gaussian kernel's
    shift law; thr : the rule updates when ``y * (w . x) <= thr`` (margin kappa sqrt(N)); clip > 0
    keeps every hidden state in [-clip, clip] (the clipped perceptron).  src (N, M) int64 and keys
    (M,) are work arrays.
    """
    n_steps, m, n = X.shape
    for t in range(n_steps):
        _draw_routes(rng, p, kernel, src, keys, cdf)
        for a in range(m):
            y = Y[t, a]
            if rule != RULE_HEBB:
                field = 0.0
                for i in range(n):
                    field += w[src[i, a], i] * X[t, a, i]
                if y * field > thr:
                    continue
            c = step * y
            for i in range(n):
                s = src[i, a]
                h[s, i] = _clip(h[s, i] + c * X[t, a, i], clip)
                w[s, i] = _quant(h[s, i], quantized, levels, thresholds)
        if gam[t] > 0.0:
            _elastic(h, w, gam[t], quantized, levels, thresholds)


@njit
def _net_steps(hW, wW, hv, wv, train_v, X, Y, eta, quantized, levels, thresholds, p, kernel, gam,
               rng, src, keys, act, cdf):
    """Run ``X.shape[0]`` routed online SGD steps (STE when quantized) of two-layer networks.

    Network of copy ``a``: ``f(x) = (1/K) sum_k v_k tanh(lambda_k)``, ``lambda_k = w_k . x / sqrt(N)``;
    squared loss ``(f - y)^2 / 2``.  hW, wW : (M, K, N) hidden states and weights of the first
    layer; hv, wv : (M, K) of the second (fixed at 1 and not routed for the committee machine,
    ``train_v`` False).  Parameters are numbered ``j = k N + i`` (first layer) then ``K N + k``.
    Steps: ``hW -= eta * dL/dw * sqrt(N)`` scaled so that ``eta`` is per unit of alpha
    (``h_ki -= eta d v_k (1 - g_k^2) x_i / (K sqrt(N))``), ``hv_k -= eta d g_k / (K N)``; the
    gradient with respect to the quantized weight is applied to the hidden state (STE).
    gam (B,) coupling per step; src, keys, act (K,) are work arrays.
    """
    n_steps, m, n = X.shape
    k_hidden = hW.shape[1]
    sqn = math.sqrt(n)
    off = k_hidden * n
    for t in range(n_steps):
        _draw_routes(rng, p, kernel, src, keys, cdf)
        for a in range(m):
            f = 0.0
            for k in range(k_hidden):
                s = 0.0
                for i in range(n):
                    s += wW[src[k * n + i, a], k, i] * X[t, a, i]
                g = math.tanh(s / sqn)
                act[k] = g
                vk = wv[src[off + k, a], k] if train_v else wv[a, k]
                f += vk * g
            d = f / k_hidden - Y[t, a]
            for k in range(k_hidden):
                g = act[k]
                vk = wv[src[off + k, a], k] if train_v else wv[a, k]
                c = -eta * d * vk * (1.0 - g * g) / (k_hidden * sqn)
                for i in range(n):
                    s_ = src[k * n + i, a]
                    hW[s_, k, i] += c * X[t, a, i]
                    wW[s_, k, i] = _quant(hW[s_, k, i], quantized, levels, thresholds)
            if train_v:
                for k in range(k_hidden):
                    s_ = src[off + k, a]
                    hv[s_, k] -= eta * d * act[k] / (k_hidden * n)
                    wv[s_, k] = _quant(hv[s_, k], quantized, levels, thresholds)
        if gam[t] > 0.0:
            _elastic(hW.reshape(m, off), wW.reshape(m, off), gam[t], quantized, levels, thresholds)
            if train_v:
                _elastic(hv, wv, gam[t], quantized, levels, thresholds)
