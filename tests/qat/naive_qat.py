"""Slow, independent NumPy references for the QAT system, written from the equations in
docs/qgen.md (not from the kernels): MLP forward/loss/gradient, the weight quantizer, the
STE-SGD training loop, finite-difference Hessians, and the Jiang et al. bound formulas."""
from __future__ import annotations

import math

import numpy as np


def unflatten(theta, dims):
    """[(W_l with shape (d_l, d_{l+1}), b_l)] from the flat layout W_0, b_0, W_1, b_1, ..."""
    out, p = [], 0
    for l in range(len(dims) - 1):
        din, dout = dims[l], dims[l + 1]
        W = theta[p:p + din * dout].reshape(din, dout)
        p += din * dout
        b = theta[p:p + dout]
        p += dout
        out.append((W, b))
    assert p == theta.size
    return out


def act(z, a_levels, a_clip):
    a = np.maximum(z, 0.0)
    if a_levels:
        a = np.minimum(a, a_clip)
        d = a_clip / a_levels
        a = d * np.floor(a / d + 0.5)
    return a


def act_slope(z, a_levels, a_clip):
    s = (z > 0).astype(float)
    if a_levels:
        s *= (z < a_clip)
    return s


def loss_grad(theta, dims, X, y, a_levels=0, a_clip=4.0):
    """Mean softmax cross-entropy and its gradient (backprop written out in matrix form)."""
    layers = unflatten(theta, dims)
    a, zs, acts = X, [], [X]
    for l, (W, b) in enumerate(layers):
        z = a @ W + b
        zs.append(z)
        if l < len(layers) - 1:
            a = act(z, a_levels, a_clip)
            acts.append(a)
    z = zs[-1]
    zmax = z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(z - zmax).sum(axis=1)) + zmax[:, 0]
    n = X.shape[0]
    loss = float(np.mean(lse - z[np.arange(n), y]))
    p = np.exp(z - lse[:, None])
    delta = p.copy()
    delta[np.arange(n), y] -= 1.0
    delta /= n
    grads = []
    for l in range(len(layers) - 1, -1, -1):
        W, _ = layers[l]
        grads.append((acts[l].T @ delta, delta.sum(axis=0)))
        if l > 0:
            delta = (delta @ W.T) * act_slope(zs[l - 1], a_levels, a_clip)
    g = np.concatenate([np.concatenate([gW.ravel(), gb]) for gW, gb in grads[::-1]])
    return loss, g


def accuracy(theta, dims, X, y, a_levels=0, a_clip=4.0):
    layers = unflatten(theta, dims)
    a = X
    for l, (W, b) in enumerate(layers):
        a = a @ W + b
        if l < len(layers) - 1:
            a = act(a, a_levels, a_clip)
    return float(np.mean(np.argmax(a, axis=1) == y))


def quantize(theta, dims, n_half, clip_mult):
    """Per-layer uniform quantizer of the weights (omega = clip_mult * rms), biases unchanged."""
    q = theta.copy()
    mask = np.ones_like(theta)
    p = 0
    for l in range(len(dims) - 1):
        nw = dims[l] * dims[l + 1]
        if n_half:
            w = theta[p:p + nw]
            omega = clip_mult * math.sqrt(np.mean(w * w))
            delta = omega / n_half
            inside = np.abs(w) <= omega
            q[p:p + nw] = np.where(inside, delta * np.floor(w / delta + 0.5), np.sign(w) * omega)
            mask[p:p + nw] = inside
        p += nw + dims[l + 1]
    return q, mask


def init(dims, rng):
    parts = []
    for l in range(len(dims) - 1):
        parts.append((rng.standard_normal((dims[l], dims[l + 1])) * math.sqrt(2.0 / dims[l])).ravel())
        parts.append(np.zeros(dims[l + 1]))
    return np.concatenate(parts)


def train(dims, X, y, *, epochs, batch, lr, momentum, weight_decay, n_half, clip_mult, seed,
          a_levels=0, a_clip=4.0):
    """STE-SGD with heavy-ball momentum; seeds split as documented (child 0 init, child 1 order)."""
    root = np.random.SeedSequence(seed)
    s_init, s_order = (np.random.SeedSequence(root.entropy, spawn_key=root.spawn_key + (k,)) for k in range(2))
    theta = init(dims, np.random.default_rng(s_init))
    rng = np.random.default_rng(s_order)
    order = [rng.permutation(X.shape[0]) for _ in range(epochs)]
    vel = np.zeros_like(theta)
    for e in range(epochs):
        for s in range(0, X.shape[0], batch):
            idx = order[e][s:s + batch]
            q, mask = quantize(theta, dims, n_half, clip_mult)
            _, g = loss_grad(q, dims, X[idx], y[idx], a_levels, a_clip)
            vel = momentum * vel + g * mask + weight_decay * theta
            theta = theta - lr * vel
    return theta, quantize(theta, dims, n_half, clip_mult)[0]


def fd_hessian(theta, dims, X, y, h=1e-5):
    """Hessian by central differences of the analytic gradient (symmetrized)."""
    p = theta.size
    H = np.empty((p, p))
    for i in range(p):
        e = np.zeros(p)
        e[i] = h
        H[:, i] = (loss_grad(theta + e, dims, X, y)[1] - loss_grad(theta - e, dims, X, y)[1]) / (2 * h)
    return 0.5 * (H + H.T)
