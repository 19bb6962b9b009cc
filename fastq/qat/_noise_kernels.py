"""Numba kernels of the noise-injection control (QGen's picture of quantization as weight noise).

Same layout, workspaces and conventions as :mod:`fastq.qat._mlp_kernels`.  Instead of rounding
the weights, every training step perturbs them with independent Gaussian noise of the variance
that uniform rounding with the quantized setting's step would have:

    theta_n = theta + e,   e_k ~ N(0, Delta_l^2 / 12) on the weights of layer l (biases clean),
    Delta_l = clip_mult * rms(W_l) / n_half     (the step ``_quantize`` would use right now),

the gradient of the batch loss is taken at ``theta_n`` and applied to the latent ``theta`` (all
parameters pass: there is no clipping in the noise model).  ``rng`` is a
``numpy.random.Generator`` (NumPy's own stream inside Numba); draws are taken layer by layer,
weight by weight in layout order, one step after the other.

``acc`` accumulates, over every injected draw: ``acc[0] = sum e^2``, ``acc[1] = sum Delta^2/12``
(the nominal variance of that draw), ``acc[2] = sum (Delta^2/12)^2`` and ``acc[3]`` = number of
draws, so ``acc[0] / acc[1]`` is the measured-over-nominal variance ratio and
``sqrt(2 acc[2]) / acc[1]`` its standard error.

Kernels: ``_inject_noise`` (one perturbation), ``_noise_train`` (epochs of noisy SGD).
"""
from __future__ import annotations

import math

from .._jit import njit
from ._mlp_kernels import _LOSS_RUNAWAY, _all_finite, _loss_grad, _offsets


@njit
def _inject_noise(theta, dims, n_half, clip_mult, rng, out, out_step, acc):
    """``out = theta + e`` (see module docstring); ``out_step[l]`` gets Delta_l."""
    w_off, b_off, p = _offsets(dims)
    L = dims.shape[0] - 1
    for k in range(p):
        out[k] = theta[k]
    for l in range(L):
        lo = w_off[l]
        hi = b_off[l]
        ss = 0.0
        for k in range(lo, hi):
            ss += theta[k] * theta[k]
        delta = clip_mult * math.sqrt(ss / (hi - lo)) / n_half
        out_step[l] = delta
        var = delta * delta / 12.0
        sd = math.sqrt(var)
        for k in range(lo, hi):
            e = sd * rng.standard_normal()
            out[k] += e
            acc[0] += e * e
        acc[1] += var * (hi - lo)
        acc[2] += var * var * (hi - lo)
        acc[3] += hi - lo


@njit
def _noise_train(theta, vel, dims, X, y, order, batch, lr, momentum, weight_decay, n_half, clip_mult,
                 a_levels, a_clip, rng, theta_n, step, acc, zbuf, abuf, d1, d2, grad, epoch_loss):
    """Epochs of SGD with heavy-ball momentum on noise-perturbed weights.

    Per batch: ``theta_n = theta + e`` (``_inject_noise``), ``g = grad L(theta_n) + weight_decay
    * theta``, ``vel = momentum * vel + g``, ``theta -= lr * vel``.  Epoch e visits ``order[e]``
    in batches of ``batch``; ``epoch_loss[e]`` gets the mean (noisy) batch loss.  Returns 0
    (converged: all epochs ran with finite numbers) or 2 (diverged; training stops there).
    """
    epochs = order.shape[0]
    n_tr = order.shape[1]
    for e in range(epochs):
        tot = 0.0
        nb = 0
        for s in range(0, n_tr, batch):
            m = min(batch, n_tr - s)
            _inject_noise(theta, dims, n_half, clip_mult, rng, theta_n, step, acc)
            loss = _loss_grad(theta_n, dims, X, y, order[e, s:s + m], m, a_levels, a_clip, zbuf, abuf,
                              d1, d2, batch, grad)
            for q in range(theta.shape[0]):
                g = grad[q] + weight_decay * theta[q]
                vel[q] = momentum * vel[q] + g
                theta[q] -= lr * vel[q]
            tot += loss
            nb += 1
            if not loss < _LOSS_RUNAWAY:  # also catches NaN
                epoch_loss[e] = loss
                return 2
        epoch_loss[e] = tot / nb
    return 0 if _all_finite(theta) else 2
