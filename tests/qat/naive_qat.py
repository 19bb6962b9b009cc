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


def train_noise(dims, X, y, *, epochs, batch, lr, momentum, weight_decay, n_half, clip_mult, seed,
                a_levels=0, a_clip=4.0):
    """The noise twin written from its definition: per batch, every weight of layer l gets
    N(0, Delta_l^2/12) noise with Delta_l = clip_mult rms(W_l) / n_half; the gradient at the noisy
    weights updates the latent ones (no mask).  Seeds: child 0 init, 1 order, 2 noise.  Returns
    (theta, list of (injected e, nominal variance) per layer and batch)."""
    root = np.random.SeedSequence(seed)
    s_init, s_order, s_noise = (np.random.SeedSequence(root.entropy, spawn_key=root.spawn_key + (k,))
                                for k in range(3))
    theta = init(dims, np.random.default_rng(s_init))
    rng = np.random.default_rng(s_order)
    order = [rng.permutation(X.shape[0]) for _ in range(epochs)]
    noise_rng = np.random.default_rng(s_noise)
    vel = np.zeros_like(theta)
    draws = []
    for e in range(epochs):
        for s in range(0, X.shape[0], batch):
            idx = order[e][s:s + batch]
            noisy = theta.copy()
            p = 0
            for l in range(len(dims) - 1):
                nw = dims[l] * dims[l + 1]
                var = (clip_mult * math.sqrt(np.mean(theta[p:p + nw] ** 2)) / n_half) ** 2 / 12.0
                eps = math.sqrt(var) * np.array([noise_rng.standard_normal() for _ in range(nw)])
                noisy[p:p + nw] += eps
                draws.append((eps, var))
                p += nw + dims[l + 1]
            _, g = loss_grad(noisy, dims, X[idx], y[idx], a_levels, a_clip)
            vel = momentum * vel + g + weight_decay * theta
            theta = theta - lr * vel
    return theta, draws


def fd_hessian(theta, dims, X, y, h=1e-5):
    """Hessian by central differences of the analytic gradient (symmetrized)."""
    p = theta.size
    H = np.empty((p, p))
    for i in range(p):
        e = np.zeros(p)
        e[i] = h
        H[:, i] = (loss_grad(theta + e, dims, X, y)[1] - loss_grad(theta - e, dims, X, y)[1]) / (2 * h)
    return 0.5 * (H + H.T)


# ----------------------------------------------------------------------------- linear model
def _normal_quad(f, breaks, scale):
    """int f(x) N(x; 0, scale^2) dx by SciPy quad on each interval between sorted breaks."""
    from scipy.integrate import quad

    edges = [-12.0 * scale] + sorted(b for b in breaks if abs(b) < 12 * scale) + [12.0 * scale]
    tot = 0.0
    for a, b in zip(edges[:-1], edges[1:]):
        g = lambda x: f(x) * math.exp(-0.5 * (x / scale) ** 2) / (scale * math.sqrt(2 * math.pi))  # noqa: E731
        tot += quad(g, a, b, epsabs=1e-14, epsrel=1e-12, limit=200)[0]
    return tot


def ptq_eg_quad(levels, mhat, chihat, theta, sigma, rho):
    """Eg of phi(x/Theta) (phi = nearest level), x = mhat w0 + sqrt(chihat) z, by quadrature over x:
    E (w0 - phi)^2 = E[Var(w0|x) + (E[w0|x] - phi(x/Theta))^2]."""
    levels = np.asarray(levels, float)
    thr = 0.5 * (levels[1:] + levels[:-1])
    h2 = mhat * mhat * rho + chihat
    c = mhat * rho / h2
    var = rho - c * c * h2

    def phi(w):
        return levels[np.argmin(np.abs(levels - w))]

    f = lambda x: var + (c * x - phi(x / theta)) ** 2  # noqa: E731
    return 0.5 * (_normal_quad(f, list(thr * theta), math.sqrt(h2)) + sigma * sigma)


def noise_excess_quad(levels, s):
    """QGen's noise-model excess for w ~ N(0, s^2) by quadrature: 1/2 E[D(w)^2/12 inside, (|w|-omega)^2 outside]."""
    levels = np.asarray(levels, float)
    om = levels[-1]

    def e(w):
        if abs(w) > om:
            return (abs(w) - om) ** 2
        k = min(np.searchsorted(levels, w, side="right") - 1, len(levels) - 2)
        return (levels[k + 1] - levels[k]) ** 2 / 12.0

    return 0.5 * _normal_quad(e, list(levels), s)


# ----------------------------------------------------------------------------- measures
def pacbayes_reference(w, w0, sigma, sigma_mag, m, eps=1e-3):
    """Jiang et al. (2019) formulas written out term by term."""
    d = w - w0
    om = w.size
    out = {"pb_flatness": 1 / sigma**2,
           "pb_bound_init": np.sum(d**2) / (4 * sigma**2) + math.log(m / sigma) + 10,
           "pb_mag_flatness": 1 / sigma_mag**2}
    terms = [math.log((eps**2 + (sigma_mag**2 + 1) * np.sum(d**2) / om) / (eps**2 + sigma_mag**2 * di**2)) for di in d]
    out["pb_mag_bound_init"] = 0.25 * sum(terms) + math.log(m / sigma_mag) + 10
    return out
