"""Slow NumPy references for routed training, written from docs/routing.md's stream contract.

One step at a time, one copy at a time, every sample drawn on its own (``standard_normal(N)``),
every permutation built from its own draws; no code shared with ``fastq.routing``.
"""
from __future__ import annotations

import math

import numpy as np


def rng(root: np.random.SeedSequence, *key):
    return np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=tuple(key)))


def quantize(levels, h):
    """Nearest level (ties at a midpoint go to the upper level); levels None = identity."""
    if levels is None:
        return np.array(h, dtype=float)
    h = np.asarray(h, dtype=float)
    out = np.empty_like(h)
    for idx, x in np.ndenumerate(h):
        k = 0
        while k + 1 < len(levels) and x >= 0.5 * (levels[k] + levels[k + 1]):
            k += 1
        out[idx] = levels[k]
    return out


def permutations(g, n_par, m, p, kernel):
    """List of the n_par permutations (src[j][a]) of one step."""
    src = [list(range(m)) for _ in range(n_par)]
    if p == 0.0 or m == 1:
        return src
    for j in range(n_par):
        if g.random() < p:
            if kernel == "uniform":
                keys = [g.random() for _ in range(m)]
                src[j] = sorted(range(m), key=lambda a: keys[a])
            else:
                o = 1 if g.random() < 0.5 else 0
                for k in range(m // 2):
                    a = (o + 2 * k) % m
                    b = (a + 1) % m
                    src[j][a], src[j][b] = b, a
    return src


def perceptron(seed, *, n, steps, copies, p, kernel, rule, levels=None, eta=1.0, gamma=0.0, init=0.0):
    """Final hidden states (M, N) of routed perceptron training."""
    root = np.random.SeedSequence(seed)
    w0 = np.where(rng(root, 0).random(n) < 0.5, -1.0, 1.0)
    gens = [rng(root, 3, a) for a in range(copies)]
    h = np.array([init * g.standard_normal(n) for g in gens])
    route = rng(root, 2)
    step = eta / math.sqrt(n)
    for _ in range(steps):
        src = permutations(route, n, copies, p, kernel)
        xs = [g.standard_normal(n) for g in gens]
        w = quantize(levels, h)
        new = h.copy()
        for a in range(copies):
            x = xs[a]
            y = 1.0 if x @ w0 >= 0 else -1.0
            routed = np.array([w[src[i][a], i] for i in range(n)])
            if rule != "hebb" and y * float(np.sum(routed * x)) > 0:
                continue
            for i in range(n):
                new[src[i][a], i] = h[src[i][a], i] + step * y * x[i]
        h = new
        if gamma > 0:
            h = h + gamma * (h.mean(axis=0) - h)
    return h, w0


def network(seed, *, n, hidden, steps, copies, p, kernel, mlp, levels=None, eta=0.5, gamma=0.0, init=1.0):
    """Final hidden states (first layer (M, K, N), second layer (M, K)) of routed STE training."""
    root = np.random.SeedSequence(seed)
    t = rng(root, 0)
    W0 = t.standard_normal((hidden, n))
    v0 = t.standard_normal(hidden) if mlp else np.ones(hidden)
    gens = [rng(root, 3, a) for a in range(copies)]
    hW = np.array([init * g.standard_normal((hidden, n)) for g in gens])
    hv = np.ones((copies, hidden))
    route = rng(root, 2)
    n_par = hidden * n + (hidden if mlp else 0)
    for _ in range(steps):
        src = permutations(route, n_par, copies, p, kernel)
        xs = [g.standard_normal(n) for g in gens]
        wW = quantize(levels, hW)
        wv = quantize(levels, hv) if mlp else hv
        nW, nv = hW.copy(), hv.copy()
        for a in range(copies):
            x = xs[a]
            y = 1.0 if np.sign(np.where(W0 @ x >= 0, 1.0, -1.0)) @ v0 >= 0 else -1.0
            rW = np.array([[wW[src[k * n + i][a], k, i] for i in range(n)] for k in range(hidden)])
            rv = np.array([wv[src[hidden * n + k][a], k] if mlp else wv[a, k] for k in range(hidden)])
            g = np.tanh(np.array([float(np.sum(rW[k] * x)) for k in range(hidden)]) / math.sqrt(n))
            d = float(rv @ g) / hidden - y
            for k in range(hidden):
                c = -eta * d * rv[k] * (1.0 - g[k] * g[k]) / (hidden * math.sqrt(n))
                for i in range(n):
                    s = src[k * n + i][a]
                    nW[s, k, i] = hW[s, k, i] + c * x[i]
            if mlp:
                for k in range(hidden):
                    s = src[hidden * n + k][a]
                    nv[s, k] = hv[s, k] - eta * d * g[k] / (hidden * n)
        hW, hv = nW, nv
        if gamma > 0:
            hW = hW + gamma * (hW.mean(axis=0) - hW)
            if mlp:
                hv = hv + gamma * (hv.mean(axis=0) - hv)
    return hW, hv
