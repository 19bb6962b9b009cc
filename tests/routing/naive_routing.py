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


def _gauss_shift(u, m, width):
    wts = [math.exp(-min(d, m - d) ** 2 / (2 * width ** 2)) for d in range(1, m)]
    u, acc = u * sum(wts), 0.0
    for k, wt in enumerate(wts):
        acc += wt
        if u < acc:
            return k + 1
    return m - 1


def permutations(g, n_par, m, p, kernel, width=1.0):
    """List of the n_par permutations (src[j][a]) of one step."""
    src = [list(range(m)) for _ in range(n_par)]
    if p == 0.0 or m == 1:
        return src
    for j in range(n_par):
        if g.random() < p:
            if kernel == "uniform":
                keys = [g.random() for _ in range(m)]
                src[j] = sorted(range(m), key=lambda a: keys[a])
            elif kernel == "gaussian":
                d = _gauss_shift(g.random(), m, width)
                src[j] = [(a + d) % m for a in range(m)]
            else:
                o = 1 if g.random() < 0.5 else 0
                for k in range(m // 2):
                    a = (o + 2 * k) % m
                    b = (a + 1) % m
                    src[j][a], src[j][b] = b, a
    return src


def perceptron(seed, *, n, steps, copies, p, kernel, rule, levels=None, eta=1.0, gamma=0.0, init=0.0,
               init_mode="shared", margin=0.0, clip=0.0):
    """Final hidden states (M, N) of routed perceptron training."""
    root = np.random.SeedSequence(seed)
    w0 = np.where(rng(root, 0).random(n) < 0.5, -1.0, 1.0)
    gens = [rng(root, 3, a) for a in range(copies)]
    h = np.array([init * g.standard_normal(n) for g in gens])
    if init_mode == "shared":
        h[:] = h[0]
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
            if rule != "hebb" and y * float(np.sum(routed * x)) / math.sqrt(n) > margin:
                continue
            for i in range(n):
                v = h[src[i][a], i] + step * y * x[i]
                new[src[i][a], i] = min(clip, max(-clip, v)) if clip > 0 else v
        h = new
        if gamma > 0:
            h = h + gamma * (h.mean(axis=0) - h)
    return h, w0


def network(seed, *, n, hidden, steps, copies, p, kernel, mlp, levels=None, eta=0.5, gamma=0.0, init=1.0,
            init_mode="shared"):
    """Final hidden states (first layer (M, K, N), second layer (M, K)) of routed STE training."""
    root = np.random.SeedSequence(seed)
    t = rng(root, 0)
    W0 = t.standard_normal((hidden, n))
    v0 = t.standard_normal(hidden) if mlp else np.ones(hidden)
    gens = [rng(root, 3, a) for a in range(copies)]
    hW = np.array([init * g.standard_normal((hidden, n)) for g in gens])
    if init_mode == "shared":
        hW[:] = hW[0]
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


# --- finite training set, fixed lift (docs/routing.md; fastq/routing/_lift.py's contract) ---
MASK = (1 << 64) - 1
GOLD = 0x9E3779B97F4A7C15


def _mix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def unit(key, mu, j, c):
    """The counter-based uniform of edge (mu, j), counter c, in plain Python integers."""
    z = _mix((key[0] + mu * GOLD) & MASK)
    z = _mix(z ^ ((key[1] + j * GOLD) & MASK))
    z = _mix((z + c + GOLD) & MASK)
    return (z >> 11) / 2.0 ** 53


def lift(key, n_samples, n_par, m, p, kernel, width=1.0):
    """The whole fixed lift as nested lists lift[mu][j][a], drawn once."""
    out = []
    for mu in range(n_samples):
        rows = []
        for j in range(n_par):
            perm = list(range(m))
            if p > 0 and m > 1 and unit(key, mu, j, 0) < p:
                if kernel == "uniform":
                    keys = [unit(key, mu, j, 1 + b) for b in range(m)]
                    perm = [sorted(range(m), key=lambda b: (keys[b], b)).index(a) for a in range(m)]
                elif kernel == "gaussian":
                    d = _gauss_shift(unit(key, mu, j, 1), m, width)
                    perm = [(a + d) % m for a in range(m)]
                else:
                    o = 1 if unit(key, mu, j, 1) < 0.5 else 0
                    for k in range(m // 2):
                        a = (o + 2 * k) % m
                        perm[a], perm[(a + 1) % m] = (a + 1) % m, a
            rows.append(perm)
        out.append(rows)
    return out


def _finite_common(seed, n, alpha, copies, init_shape, init, init_mode):
    root = np.random.SeedSequence(seed)
    gens = [rng(root, 3, a) for a in range(copies)]
    h = np.array([init * g.standard_normal(init_shape) for g in gens])
    if init_mode == "shared":
        h[:] = h[0]
    n_p = int(round(alpha * n))
    key = [int(k) for k in np.random.SeedSequence(seed, spawn_key=(2,)).generate_state(2, np.uint64)]
    return root, gens, h, n_p, key


def _gamma(gamma, gamma_end, t, total):
    if gamma == 0 or gamma_end == 0:
        return gamma
    return gamma * (gamma_end / gamma) ** (t / total)


def perceptron_finite(seed, *, n, alpha, epochs, copies, p, kernel, rule, levels=None, eta=1.0, gamma=0.0,
                      gamma_end=0.0, init=0.0, init_mode="independent", width=1.0, margin=0.0, clip=0.0, ps=0.3):
    """Final hidden states (M, N) of routed perceptron training on a finite set, fixed lift."""
    root, gens, h, n_p, key = _finite_common(seed, n, alpha, copies, n, init, init_mode)
    w0 = np.where(rng(root, 0).random(n) < 0.5, -1.0, 1.0)
    X = rng(root, 4).standard_normal((n_p, n))
    Y = np.where(X @ w0 >= 0, 1.0, -1.0)
    pi = lift(key, n_p, n, copies, p, kernel, width)
    step = eta / math.sqrt(n)
    for e in range(epochs):
        orders = [g.permutation(n_p) for g in gens]
        for t in range(n_p):
            for a in range(copies):  # sequential: copy a sees the updates of copies < a
                mu = orders[a][t]
                w = quantize(levels, h)
                routed = np.array([w[pi[mu][i][a], i] for i in range(n)])
                stab = Y[mu] * float(np.sum(routed * X[mu]))
                if rule != "hebb" and stab / math.sqrt(n) > margin:
                    continue
                agreeing = rule == "sbpi" and stab > 0
                if agreeing and unit([key[0] ^ 0xD1B54A32D192ED03, key[1]], e * n_p + t, a, 1) >= ps:
                    continue
                for i in range(n):
                    s = pi[mu][i][a]
                    if agreeing and Y[mu] * X[mu, i] * h[s, i] <= 0:
                        continue
                    v = h[s, i] + step * Y[mu] * X[mu, i]
                    h[s, i] = min(clip, max(-clip, v)) if clip > 0 else v
            g = _gamma(gamma, gamma_end, e * n_p + t, epochs * n_p)
            if g > 0 and copies > 1:
                h = h + g * (h.mean(axis=0) - h)
    return h


def network_finite(seed, *, n, hidden, alpha, epochs, copies, p, kernel, mlp, levels=None, eta=0.5, gamma=0.0,
                   init=1.0, init_mode="shared", width=1.0):
    """Final hidden states (first layer (M, K, N), second (M, K)) of routed STE training, finite set."""
    root, gens, hW, n_p, key = _finite_common(seed, n, alpha, copies, (hidden, n), init, init_mode)
    t_ = rng(root, 0)
    W0 = t_.standard_normal((hidden, n))
    v0 = t_.standard_normal(hidden) if mlp else np.ones(hidden)
    hv = np.ones((copies, hidden))
    X = rng(root, 4).standard_normal((n_p, n))
    Y = np.array([1.0 if np.where(W0 @ x >= 0, 1.0, -1.0) @ v0 >= 0 else -1.0 for x in X])
    n_par = hidden * n + (hidden if mlp else 0)
    pi = lift(key, n_p, n_par, copies, p, kernel, width)
    for _ in range(epochs):
        orders = [g.permutation(n_p) for g in gens]
        for t in range(n_p):
            for a in range(copies):
                mu, x = orders[a][t], X[orders[a][t]]
                wW = quantize(levels, hW)
                wv = quantize(levels, hv) if mlp else hv
                src = [[pi[mu][k * n + i][a] for i in range(n)] for k in range(hidden)]
                rv = np.array([wv[pi[mu][hidden * n + k][a], k] if mlp else wv[a, k] for k in range(hidden)])
                g = np.tanh(np.array([sum(wW[src[k][i], k, i] * x[i] for i in range(n))
                                      for k in range(hidden)]) / math.sqrt(n))
                d = float(rv @ g) / hidden - Y[mu]
                for k in range(hidden):
                    c = -eta * d * rv[k] * (1.0 - g[k] * g[k]) / (hidden * math.sqrt(n))
                    for i in range(n):
                        hW[src[k][i], k, i] += c * x[i]
                if mlp:
                    for k in range(hidden):
                        hv[pi[mu][hidden * n + k][a], k] -= eta * d * g[k] / (hidden * n)
            if gamma > 0 and copies > 1:
                hW = hW + gamma * (hW.mean(axis=0) - hW)
                if mlp:
                    hv = hv + gamma * (hv.mean(axis=0) - hv)
    return hW, hv
