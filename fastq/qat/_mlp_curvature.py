"""Second-order and perturbation kernels of the MLP block (conventions of ``_mlp_kernels``).

* ``_hvp_batch`` / ``_hvp`` -- exact Hessian-vector products of the mean cross-entropy by
  Pearlmutter's R-operator (needs the extra workspaces ``rz``, ``ra``, ``r1``, ``r2``);
* ``_perturbed_accuracy`` -- mean accuracy over given Gaussian perturbations of theta, plain or
  magnitude-aware (Jiang et al. 2019).
"""
from __future__ import annotations

import math

from .._jit import njit
from ._mlp_kernels import _act_slope, _block_starts, _evaluate, _forward, _offsets


@njit
def _hvp_batch(theta, v, dims, X, y, idx, n, inv_n, a_levels, a_clip, zbuf, abuf, rz, ra,
               d1, d2, r1, r2, cap, out):
    """Add ``H v`` of ``inv_n * sum_k CE_k`` over the batch ``idx[:n]`` to ``out`` (exact).

    Pearlmutter's R-operator: a forward pass of the directional derivatives ``R z``, ``R a``
    beside the forward pass, then a backward pass of ``R delta`` beside the gradient's.  The
    network is the STE surrogate (activation rounding replaced by the identity; ReLU'' = 0), so
    the result is the exact Hessian of that network away from ReLU kinks.  (It stays one function,
    about 95 lines: the R-forward and R-backward passes share their loop nest and workspaces with the
    forward/backward passes; splitting them would duplicate the index bookkeeping.)
    """
    w_off, b_off, _ = _offsets(dims)
    hs = _block_starts(dims, cap)
    L = dims.shape[0] - 1
    _forward(theta, dims, X, idx, n, a_levels, a_clip, False, zbuf, abuf, cap)
    # ---- R-forward (slices keep the inner loops vectorizable)
    for l in range(L):
        din = dims[l]
        dout = dims[l + 1]
        zo = hs[l]
        wo = w_off[l]
        vb = v[b_off[l]:b_off[l] + dout]
        for k in range(n):
            base = zo + k * dout
            rr = rz[base:base + dout]
            for j in range(dout):
                rr[j] = vb[j]
            for i in range(din):
                if l == 0:
                    a = X[idx[k], i]
                    ra_i = 0.0
                else:
                    a = abuf[hs[l - 1] + k * din + i]
                    ra_i = ra[hs[l - 1] + k * din + i]
                if a != 0.0:
                    vr = v[wo + i * dout:wo + (i + 1) * dout]
                    for j in range(dout):
                        rr[j] += a * vr[j]
                if ra_i != 0.0:
                    wr = theta[wo + i * dout:wo + (i + 1) * dout]
                    for j in range(dout):
                        rr[j] += ra_i * wr[j]
            if l < L - 1:
                for j in range(dout):
                    ra[base + j] = _act_slope(zbuf[base + j], a_levels, a_clip) * rz[base + j]
    # ---- output layer: delta = (p - e_y) inv_n, R delta = p * (Rz - p . Rz) inv_n
    c = dims[L]
    base0 = hs[L - 1]
    for k in range(n):
        lab = y[idx[k]]
        pr = 0.0
        for j in range(c):
            pr += abuf[base0 + k * c + j] * rz[base0 + k * c + j]
        for j in range(c):
            pj = abuf[base0 + k * c + j]
            d1[k * c + j] = pj * inv_n
            r1[k * c + j] = pj * (rz[base0 + k * c + j] - pr) * inv_n
        d1[k * c + lab] -= inv_n
    cur, nxt, rcur, rnxt = d1, d2, r1, r2
    for l in range(L - 1, -1, -1):
        din = dims[l]
        dout = dims[l + 1]
        wo = w_off[l]
        ob = out[b_off[l]:b_off[l] + dout]
        for k in range(n):
            cr = cur[k * dout:(k + 1) * dout]
            rc = rcur[k * dout:(k + 1) * dout]
            for j in range(dout):
                ob[j] += rc[j]
            for i in range(din):
                if l == 0:
                    a = X[idx[k], i]
                    ra_i = 0.0
                else:
                    a = abuf[hs[l - 1] + k * din + i]
                    ra_i = ra[hs[l - 1] + k * din + i]
                orow = out[wo + i * dout:wo + (i + 1) * dout]
                for j in range(dout):
                    orow[j] += ra_i * cr[j] + a * rc[j]
        if l > 0:
            for k in range(n):
                cr = cur[k * dout:(k + 1) * dout]
                rc = rcur[k * dout:(k + 1) * dout]
                for i in range(din):
                    s = _act_slope(zbuf[hs[l - 1] + k * din + i], a_levels, a_clip)
                    acc = 0.0
                    racc = 0.0
                    if s != 0.0:
                        wr = theta[wo + i * dout:wo + (i + 1) * dout]
                        vr = v[wo + i * dout:wo + (i + 1) * dout]
                        for j in range(dout):
                            acc += wr[j] * cr[j]
                            racc += wr[j] * rc[j] + vr[j] * cr[j]
                    nxt[k * din + i] = s * acc
                    rnxt[k * din + i] = s * racc
            cur, nxt = nxt, cur
            rcur, rnxt = rnxt, rcur


@njit
def _hvp(theta, v, dims, X, y, idx, a_levels, a_clip, zbuf, abuf, rz, ra, d1, d2, r1, r2, cap, out):
    """``out = H v`` for the mean cross-entropy over all rows ``idx`` (chunks of ``cap``)."""
    for q in range(out.shape[0]):
        out[q] = 0.0
    n = idx.shape[0]
    inv_n = 1.0 / n
    for s in range(0, n, cap):
        m = min(cap, n - s)
        _hvp_batch(theta, v, dims, X, y, idx[s:s + m], m, inv_n, a_levels, a_clip, zbuf, abuf,
                   rz, ra, d1, d2, r1, r2, cap, out)


# ----------------------------------------------------------------------------- perturbations
@njit
def _perturbed_accuracy(theta, dims, X, y, idx, noise, sigma, magnitude, eps, a_levels, a_clip,
                        zbuf, abuf, cap, tmp):
    """Mean accuracy over the draws ``theta + u_s`` (s < noise.shape[0]) on the rows ``idx``.

    ``u_s = sigma * noise[s]`` (plain) or, with ``magnitude``, ``u_s,i = noise[s, i] *
    sqrt(sigma^2 theta_i^2 + eps^2)`` (Jiang et al.'s magnitude-aware perturbation).  ``noise``
    holds standard normal draws (common random numbers across sigma).
    """
    mc = noise.shape[0]
    p = theta.shape[0]
    acc = 0.0
    for s in range(mc):
        for q in range(p):
            if magnitude:
                sc = math.sqrt(sigma * sigma * theta[q] * theta[q] + eps * eps)
            else:
                sc = sigma
            tmp[q] = theta[q] + sc * noise[s, q]
        _, a = _evaluate(tmp, dims, X, y, idx, a_levels, a_clip, zbuf, abuf, cap)
        acc += a
    return acc / mc
