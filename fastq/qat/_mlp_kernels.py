"""Numba kernels of fully connected ReLU networks on flat parameter arrays (a reusable block).

**Parameter layout.**  A network is given by ``dims = (d_0, d_1, ..., d_L)`` (int64): input
width, hidden widths, number of classes.  Layer l (l = 0..L-1) maps ``d_l -> d_{l+1}`` as
``z = a @ W_l + b_l`` with ``W_l`` stored row-major with shape ``(d_l, d_{l+1})`` (``W[i, j]``
connects input i to output j), followed by its bias ``b_l``.  The flat vector is
``theta = [W_0.ravel(), b_0, W_1.ravel(), b_1, ...]`` (see :func:`_offsets`).  Hidden layers use
ReLU (optionally clipped at ``a_clip`` and rounded to ``a_levels`` steps: activation
quantization); the last layer is linear and feeds a softmax cross-entropy averaged over the batch.

**Workspaces.**  Kernels never allocate per call.  For batches of at most ``cap`` samples:
``zbuf``, ``abuf`` hold pre-activations and activations of layers 1..L, size
``cap * sum(dims[1:])`` (layer l's block starts at ``cap * sum(dims[1:l])``); ``d1``, ``d2`` are
back-propagation buffers of size ``cap * max(dims[1:])``.  The R-operator (Hessian-vector
product) needs two more of each (``rz``, ``ra`` like zbuf; ``r1``, ``r2`` like d1).
:func:`fastq.qat.mlp.Workspace` builds them.

**Samples** are rows ``X[idx[k]]``, ``k < n``, of a C-contiguous float64 matrix, with integer
labels ``y`` (int64), so minibatches need no copies.

**Quantization of weights** (:func:`_quantize`): per layer, ``omega = clip_mult * rms(W_l)``,
step ``delta = omega / n_half`` and ``q(w) = delta * floor(w / delta + 1/2)`` for ``|w| <= omega``,
``sign(w) omega`` beyond (``2 n_half + 1`` levels, i.e. ``n_half = 2^(b-1) - 1`` for b bits).
Biases stay in full precision.  ``n_half = 0`` means full precision.  ``mask`` is the
straight-through estimator's pass-through (1 inside the clipping range, 0 outside).

Kernels (all private, documented for reuse): ``_offsets``, ``_quantize``, ``_forward``,
``_loss_grad``, ``_ste_step``, ``_train``, ``_evaluate``; the Hessian-vector product and the
perturbed accuracy are in :mod:`fastq.qat._mlp_curvature` (same conventions).
"""
from __future__ import annotations

import math

import numpy as np

from .._jit import njit

#: a minibatch cross-entropy above this (logit gaps of ~1e6) is a run-away: training diverged
_LOSS_RUNAWAY = 1e6


# ----------------------------------------------------------------------------- layout
@njit
def _offsets(dims):
    """``(w_off, b_off, n_params)``: start of W_l and b_l in theta for l = 0..L-1."""
    L = dims.shape[0] - 1
    w_off = np.empty(L, dtype=np.int64)
    b_off = np.empty(L, dtype=np.int64)
    p = 0
    for l in range(L):
        w_off[l] = p
        p += dims[l] * dims[l + 1]
        b_off[l] = p
        p += dims[l + 1]
    return w_off, b_off, p


@njit
def _block_starts(dims, cap):
    """Start of layer l+1's block (l = 0..L-1) in zbuf/abuf for capacity ``cap``."""
    L = dims.shape[0] - 1
    h = np.empty(L, dtype=np.int64)
    s = 0
    for l in range(L):
        h[l] = s
        s += cap * dims[l + 1]
    return h


# ----------------------------------------------------------------------------- quantization
@njit
def _quantize(theta, dims, n_half, clip_mult, out_q, out_mask, out_step):
    """Weights of every layer to ``2 n_half + 1`` levels (biases copied); see module docstring.

    Fills ``out_q`` (quantized theta), ``out_mask`` (1.0 where the STE passes the gradient) and
    ``out_step[l]`` (step delta of layer l; 0 for full precision).
    """
    w_off, b_off, p = _offsets(dims)
    L = dims.shape[0] - 1
    for k in range(p):
        out_q[k] = theta[k]
        out_mask[k] = 1.0
    for l in range(L):
        out_step[l] = 0.0
        if n_half == 0:
            continue
        lo = w_off[l]
        hi = b_off[l]
        ss = 0.0
        for k in range(lo, hi):
            ss += theta[k] * theta[k]
        omega = clip_mult * math.sqrt(ss / (hi - lo))
        if not omega > 0.0:
            for k in range(lo, hi):
                out_q[k] = 0.0
            continue
        delta = omega / n_half
        out_step[l] = delta
        for k in range(lo, hi):
            w = theta[k]
            if w > omega:
                out_q[k] = omega
                out_mask[k] = 0.0
            elif w < -omega:
                out_q[k] = -omega
                out_mask[k] = 0.0
            else:
                out_q[k] = delta * math.floor(w / delta + 0.5)


# ----------------------------------------------------------------------------- forward / backward
@njit
def _act(z, a_levels, a_clip):
    """Hidden activation: ReLU; with a_levels > 0, clipped at a_clip and rounded to a_levels steps."""
    if z <= 0.0:
        return 0.0
    if a_levels == 0:
        return z
    if z >= a_clip:
        return a_clip
    d = a_clip / a_levels
    return d * math.floor(z / d + 0.5)


@njit
def _act_slope(z, a_levels, a_clip):
    """Derivative used in back-propagation (STE for the rounding: 1 on (0, a_clip))."""
    if z <= 0.0:
        return 0.0
    if a_levels > 0 and z >= a_clip:
        return 0.0
    return 1.0


@njit
def _forward(theta, dims, X, idx, n, a_levels, a_clip, round_acts, zbuf, abuf, cap):
    """Forward pass of samples ``X[idx[:n]]``; the last layer's block of abuf gets the softmax.

    ``round_acts`` False replaces the activation rounding by the identity (the STE surrogate:
    ReLU clipped at a_clip), used by the Hessian kernels.
    """
    w_off, b_off, _ = _offsets(dims)
    hs = _block_starts(dims, cap)
    L = dims.shape[0] - 1
    for l in range(L):
        din = dims[l]
        dout = dims[l + 1]
        zo = hs[l]
        wo = w_off[l]
        bias = theta[b_off[l]:b_off[l] + dout]
        for k in range(n):
            base = zo + k * dout
            zr = zbuf[base:base + dout]  # slices: the inner loops then vectorize
            for j in range(dout):
                zr[j] = bias[j]
            for i in range(din):
                if l == 0:
                    a = X[idx[k], i]
                else:
                    a = abuf[hs[l - 1] + k * din + i]
                if a == 0.0:
                    continue
                wr = theta[wo + i * dout:wo + (i + 1) * dout]
                for j in range(dout):
                    zr[j] += a * wr[j]
            if l < L - 1:
                for j in range(dout):
                    z = zbuf[base + j]
                    if round_acts or a_levels == 0:
                        abuf[base + j] = _act(z, a_levels, a_clip)
                    else:
                        abuf[base + j] = min(max(z, 0.0), a_clip)
            else:
                zmax = -np.inf
                for j in range(dout):
                    zmax = max(zmax, zbuf[base + j])
                tot = 0.0
                for j in range(dout):
                    e = math.exp(zbuf[base + j] - zmax)
                    abuf[base + j] = e
                    tot += e
                for j in range(dout):
                    abuf[base + j] /= tot


@njit
def _ce_and_correct(dims, y, idx, n, zbuf, abuf, cap):
    """Sum over the n samples of the cross-entropy and of the correct argmax predictions."""
    hs = _block_starts(dims, cap)
    L = dims.shape[0] - 1
    c = dims[L]
    base0 = hs[L - 1]
    loss = 0.0
    correct = 0
    for k in range(n):
        base = base0 + k * c
        lab = y[idx[k]]
        zmax = -np.inf
        arg = 0
        for j in range(c):
            if zbuf[base + j] > zmax:
                zmax = zbuf[base + j]
                arg = j
        tot = 0.0
        for j in range(c):
            tot += math.exp(zbuf[base + j] - zmax)
        loss += math.log(tot) + zmax - zbuf[base + lab]
        if arg == lab:
            correct += 1
    return loss, correct


@njit
def _backward(theta, dims, X, y, idx, n, a_levels, a_clip, zbuf, abuf, d1, d2, cap, grad):
    """Gradient of the mean cross-entropy over the batch (after :func:`_forward`) into ``grad``."""
    w_off, b_off, p = _offsets(dims)
    hs = _block_starts(dims, cap)
    L = dims.shape[0] - 1
    for q in range(p):
        grad[q] = 0.0
    c = dims[L]
    inv_n = 1.0 / n
    for k in range(n):
        lab = y[idx[k]]
        for j in range(c):
            d1[k * c + j] = abuf[hs[L - 1] + k * c + j] * inv_n
        d1[k * c + lab] -= inv_n
    cur = d1
    nxt = d2
    for l in range(L - 1, -1, -1):
        din = dims[l]
        dout = dims[l + 1]
        wo = w_off[l]
        gb = grad[b_off[l]:b_off[l] + dout]
        for k in range(n):
            cr = cur[k * dout:(k + 1) * dout]
            for j in range(dout):
                gb[j] += cr[j]
            for i in range(din):
                if l == 0:
                    a = X[idx[k], i]
                else:
                    a = abuf[hs[l - 1] + k * din + i]
                if a == 0.0:
                    continue
                gr = grad[wo + i * dout:wo + (i + 1) * dout]
                for j in range(dout):
                    gr[j] += a * cr[j]
        if l > 0:
            for k in range(n):
                cr = cur[k * dout:(k + 1) * dout]
                for i in range(din):
                    s = _act_slope(zbuf[hs[l - 1] + k * din + i], a_levels, a_clip)
                    if s == 0.0:
                        nxt[k * din + i] = 0.0
                        continue
                    wr = theta[wo + i * dout:wo + (i + 1) * dout]
                    acc = 0.0
                    for j in range(dout):
                        acc += wr[j] * cr[j]
                    nxt[k * din + i] = s * acc
            tmp = cur
            cur = nxt
            nxt = tmp


@njit
def _loss_grad(theta, dims, X, y, idx, n, a_levels, a_clip, zbuf, abuf, d1, d2, cap, grad):
    """Mean cross-entropy of the batch at theta; its gradient into ``grad`` (STE for rounding)."""
    _forward(theta, dims, X, idx, n, a_levels, a_clip, True, zbuf, abuf, cap)
    loss, _ = _ce_and_correct(dims, y, idx, n, zbuf, abuf, cap)
    _backward(theta, dims, X, y, idx, n, a_levels, a_clip, zbuf, abuf, d1, d2, cap, grad)
    return loss / n


# ----------------------------------------------------------------------------- training
@njit
def _ste_step(theta, vel, dims, X, y, idx, n, lr, momentum, weight_decay, n_half, clip_mult,
              a_levels, a_clip, theta_q, mask, step, zbuf, abuf, d1, d2, cap, grad):
    """One STE step of SGD with heavy-ball momentum on the batch ``idx[:n]``; returns its loss.

    ``theta_q, mask = quantize(theta)``; ``g = grad L(theta_q) * mask + weight_decay * theta``;
    ``vel = momentum * vel + g``; ``theta -= lr * vel`` (the usual deep-learning convention).
    """
    _quantize(theta, dims, n_half, clip_mult, theta_q, mask, step)
    loss = _loss_grad(theta_q, dims, X, y, idx, n, a_levels, a_clip, zbuf, abuf, d1, d2, cap, grad)
    for q in range(theta.shape[0]):
        g = grad[q] * mask[q] + weight_decay * theta[q]
        vel[q] = momentum * vel[q] + g
        theta[q] -= lr * vel[q]
    return loss


@njit
def _train(theta, vel, dims, X, y, order, batch, lr, momentum, weight_decay, n_half, clip_mult,
           a_levels, a_clip, theta_q, mask, step, zbuf, abuf, d1, d2, grad, epoch_loss):
    """Epochs of STE-SGD: epoch e visits ``order[e]`` (a permutation of the training rows) in
    batches of ``batch`` (the last one may be smaller).  ``epoch_loss[e]`` gets the mean batch
    loss.  Returns a status: 0 converged (all epochs run), 2 diverged (non-finite loss or
    weights; training stops there).  ``theta_q``/``mask`` end as the quantization of the final
    theta.
    """
    epochs = order.shape[0]
    n_tr = order.shape[1]
    for e in range(epochs):
        tot = 0.0
        nb = 0
        for s in range(0, n_tr, batch):
            m = min(batch, n_tr - s)
            loss = _ste_step(theta, vel, dims, X, y, order[e, s:s + m], m, lr, momentum,
                             weight_decay, n_half, clip_mult, a_levels, a_clip, theta_q, mask,
                             step, zbuf, abuf, d1, d2, batch, grad)
            tot += loss
            nb += 1
            if not loss < _LOSS_RUNAWAY:  # also catches NaN
                epoch_loss[e] = loss
                return 2
        epoch_loss[e] = tot / nb
    if not _all_finite(theta):
        return 2
    _quantize(theta, dims, n_half, clip_mult, theta_q, mask, step)
    return 0


@njit
def _all_finite(theta):
    """Whether every parameter is finite (a training run that overflowed ends with status 2)."""
    for q in range(theta.shape[0]):
        if not math.isfinite(theta[q]):
            return False
    return True


@njit
def _evaluate(theta, dims, X, y, idx, a_levels, a_clip, zbuf, abuf, cap):
    """``(mean cross-entropy, accuracy)`` over the rows ``idx`` (in chunks of ``cap``)."""
    n = idx.shape[0]
    loss = 0.0
    correct = 0
    for s in range(0, n, cap):
        m = min(cap, n - s)
        _forward(theta, dims, X, idx[s:s + m], m, a_levels, a_clip, True, zbuf, abuf, cap)
        l_, c_ = _ce_and_correct(dims, y, idx[s:s + m], m, zbuf, abuf, cap)
        loss += l_
        correct += c_
    return loss / n, correct / n
