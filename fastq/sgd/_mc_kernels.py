"""``@njit`` kernels of the quantized-SGD simulation and of the real quantizers.

Quantizer codes (``spec.KIND_CODES``): 0 off, 1 additive Gaussian, 2 multiplicative Gaussian,
3 INT stochastic rounding, 4 FP stochastic rounding, 5 INT round-to-nearest, 6 FP round-to-nearest
(ties away from zero; same grids, ranges and clipping as 3 and 4).  Parameters per target,
``prm[t] = (p0, p1, p2)``:

* additive / multiplicative: ``p0 = sqrt(eps)``;
* INT (3, 5): ``p0 = Delta`` (grid step), ``p1 = R`` (range, a grid point: ``R = K Delta``);
* FP (4, 6): ``p0 = m`` (mantissa bits), ``p1 = Emin`` (smallest normal binade exponent), ``p2`` = the
  largest finite value ``(2 - 2**-m) 2**Emax``.

``stats[t] = (values quantized, values clipped)`` counts every real-quantizer call (INT: ``|v| > R``
clipped to ``+-R``; FP: overflow beyond the largest finite value clipped to it).
Random numbers: a xoshiro256++ state (:mod:`fastq.sgd._rng`) kept in a uint64[4] array between
calls and threaded through the kernels as a tuple (``x, st = _normal(st)``) so it stays in registers.
"""
from __future__ import annotations

import math

from .._jit import njit
from .._status import CONVERGED, DIVERGED
from ._rng import _load, _normal, _store, _uniform

DATA, LABEL, PARAM, ACTIVATION, GRADIENT = 0, 1, 2, 3, 4
#: a run whose risk exceeds this (or is non-finite) is stopped and reported diverged
MC_BLOWUP = 1e100


@njit(inline="always")
def _int_sr(v, delta, R, st):
    """INT stochastic rounding: ``(q, clipped, state)``; unbiased on ``[-R, R]``, clipped outside."""
    if v > R:
        return R, 1, st
    if v < -R:
        return -R, 1, st
    f = v / delta
    fl = math.floor(f)
    u, st = _uniform(st)
    if u < f - fl:
        fl += 1.0
    return fl * delta, 0, st


@njit(inline="always")
def _fp_sr(v, m, emin, vmax, st):
    """FP stochastic rounding with ``m`` mantissa bits: ``(q, overflowed, state)``; spacing
    ``2**(E - m)`` in the binade ``[2**E, 2**(E+1))``, ``E >= Emin`` (subnormal spacing below);
    results beyond the largest finite value ``vmax`` are clipped to it.
    """
    if v == 0.0 or not math.isfinite(v):
        return v, 0, st
    a = math.fabs(v)
    _, ex = math.frexp(a)          # a = f 2**ex, f in [0.5, 1): binade exponent E = ex - 1
    e = max(ex - 1, emin)
    step = math.ldexp(1.0, e - m)
    f = a / step
    fl = math.floor(f)
    u, st = _uniform(st)
    if u < f - fl:
        fl += 1.0
    q = fl * step
    over = 0
    if q > vmax:
        over = 1
        q = vmax
    return (q if v > 0 else -q), over, st


@njit(inline="always")
def _int_rtn(v, delta, R):
    """INT round-to-nearest (ties away from zero): ``(q, clipped)``; ``|v| > R`` clipped to ``+-R``."""
    if v > R:
        return R, 1
    if v < -R:
        return -R, 1
    k = math.floor(math.fabs(v) / delta + 0.5)
    return (k * delta if v >= 0 else -k * delta), 0


@njit(inline="always")
def _fp_rtn(v, m, emin, vmax):
    """FP round-to-nearest (ties away from zero) on the grid of :func:`_fp_sr`: ``(q, overflowed)``."""
    if v == 0.0 or not math.isfinite(v):
        return v, 0
    a = math.fabs(v)
    _, ex = math.frexp(a)
    e = max(ex - 1, emin)
    step = math.ldexp(1.0, e - m)
    q = math.floor(a / step + 0.5) * step
    over = 0
    if q > vmax:
        over = 1
        q = vmax
    return (q if v > 0 else -q), over


@njit(inline="always")
def _real(v, kind, p0, p1, p2, st):
    """One real quantizer (kind 3..6): ``(q, clipped, state)``."""
    if kind == 3:
        return _int_sr(v, p0, p1, st)
    if kind == 4:
        return _fp_sr(v, int(p0), int(p1), p2, st)
    if kind == 5:
        q, c = _int_rtn(v, p0, p1)
        return q, c, st
    q, c = _fp_rtn(v, int(p0), int(p1), p2)
    return q, c, st


@njit(inline="always")
def _gauss(v, scale, mult, st):
    """Gaussian noise model without a branch: ``v + scale n`` (mult = 0) or ``v (1 + scale n)``
    (mult = 1).
    """
    n, st = _normal(st)
    return v + scale * n * (mult * v + (1.0 - mult)), st


@njit(inline="always")
def _quant(v, kind, prm, st, stats, t):
    """Quantize one value with target ``t``'s quantizer: ``(Q(v), new rng state)``; counts the
    real quantizers' values and clips in ``stats[t]``.  For scalars; loops over coordinates use
    :func:`_quant_vec` (one loop per kind).
    """
    if kind == 0:
        return v, st
    if kind <= 2:
        return _gauss(v, prm[t, 0], float(kind - 1), st)
    stats[t, 0] += 1
    q, c, st = _real(v, kind, prm[t, 0], prm[t, 1], prm[t, 2], st)
    stats[t, 1] += c
    return q, st


@njit
def _record(lam, w, ws, kinds, prm, st, stats, out_risk, out_dep, out_lin, j):
    """Risk of ``w``, of a fresh ``Q_p(w)``, and the linear statistic ``(w - w*)^T H w*`` (its mean
    is fixed by the mean iterate alone) into column ``j``; returns ``(risk, state)``.
    """
    r = 0.0
    rd = 0.0
    lin = 0.0
    kp = kinds[PARAM]
    for i in range(w.shape[0]):
        e = w[i] - ws[i]
        r += lam[i] * e * e
        lin += lam[i] * e * ws[i]
        if kp != 0:
            q, st = _quant(w[i], kp, prm, st, stats, PARAM)
            e = q - ws[i]
        rd += lam[i] * e * e
    out_risk[j] = 0.5 * r
    out_dep[j] = 0.5 * rd
    out_lin[j] = lin
    return 0.5 * r, st


@njit
def _sample(sqrt_lam, ws, wsrc, xb, kd, prm, st, stats):
    """Draw ``x ~ N(0, H)``, store ``x~ = Q_d(x)`` in ``xb``; return ``(x~ . wsrc, x . ws, state)``.
    One loop per quantizer kind: a kind test inside the loop (with the real quantizers' code)
    costs registers and made the plain loop 3-4x slower.
    """
    d = xb.shape[0]
    z = 0.0
    y = 0.0
    if kd == 0:
        for i in range(d):
            g, st = _normal(st)
            x = sqrt_lam[i] * g
            xb[i] = x
            z += x * wsrc[i]
            y += x * ws[i]
    elif kd <= 2:
        sc, mult = prm[DATA, 0], float(kd - 1)
        for i in range(d):
            g, st = _normal(st)
            x = sqrt_lam[i] * g
            xt, st = _gauss(x, sc, mult, st)
            xb[i] = xt
            z += xt * wsrc[i]
            y += x * ws[i]
    else:
        for i in range(d):
            g, st = _normal(st)
            x = sqrt_lam[i] * g
            xb[i] = x
            y += x * ws[i]
        st = _quant_vec(xb, xb, kd, prm, st, stats, DATA)
        for i in range(d):
            z += xb[i] * wsrc[i]
    return z, y, st


@njit
def _gradient(xb, res, acc, factor, ko, prm, st, stats):
    """``acc[i] += factor * Q_o(xb[i] res)`` (one loop per quantizer kind, as in :func:`_sample`;
    the kind test inside the real-quantizer loop is predictable).
    """
    d = xb.shape[0]
    if ko == 0:
        for i in range(d):
            acc[i] += factor * (xb[i] * res)
    elif ko <= 2:
        sc, mult = prm[GRADIENT, 0], float(ko - 1)
        for i in range(d):
            g, st = _gauss(xb[i] * res, sc, mult, st)
            acc[i] += factor * g
    else:
        sc = prm[GRADIENT]
        clip = 0
        for i in range(d):
            g, c, st = _real(xb[i] * res, ko, sc[0], sc[1], sc[2], st)
            clip += c
            acc[i] += factor * g
        stats[GRADIENT, 0] += d
        stats[GRADIENT, 1] += clip
    return st


@njit
def _quant_vec(v, out, kind, prm, st, stats, t):
    """``out[i] = Q_t(v[i])`` (kind != 0; ``out`` may be ``v``); one loop per kind."""
    if kind <= 2:
        sc, mult = prm[t, 0], float(kind - 1)
        for i in range(v.shape[0]):
            out[i], st = _gauss(v[i], sc, mult, st)
    elif kind == 3:
        clip = 0
        for i in range(v.shape[0]):
            out[i], c, st = _int_sr(v[i], prm[t, 0], prm[t, 1], st)
            clip += c
        stats[t, 0] += v.shape[0]
        stats[t, 1] += clip
    elif kind == 4:
        m, emin, vmax = int(prm[t, 0]), int(prm[t, 1]), prm[t, 2]
        clip = 0
        for i in range(v.shape[0]):
            out[i], c, st = _fp_sr(v[i], m, emin, vmax, st)
            clip += c
        stats[t, 0] += v.shape[0]
        stats[t, 1] += clip
    elif kind == 5:
        clip = 0
        for i in range(v.shape[0]):
            out[i], c = _int_rtn(v[i], prm[t, 0], prm[t, 1])
            clip += c
        stats[t, 0] += v.shape[0]
        stats[t, 1] += clip
    else:
        m, emin, vmax = int(prm[t, 0]), int(prm[t, 1]), prm[t, 2]
        clip = 0
        for i in range(v.shape[0]):
            out[i], c = _fp_rtn(v[i], m, emin, vmax)
            clip += c
        stats[t, 0] += v.shape[0]
        stats[t, 1] += clip
    return st


@njit
def _mc_run(lam, sqrt_lam, sqrt_pi, gamma, batch, steps, sigma, kinds, prm, rec, rng,
            out_risk, out_dep, out_lin, stats, w, ws, wq, xb, gs):
    """One run of quantized minibatch SGD from ``w = 0`` with a fresh teacher ``w*_i ~ N(0, pi_i)``.

    Per step: ``w^ = Q_p(w)`` (once); per sample ``x ~ N(0, H)``, ``x~ = Q_d(x)``,
    ``y = x . w* + sigma N``, ``r = Q_a(x~ . w^) - Q_l(y)``, gradient ``Q_o(x~_i r)`` summed over
    the batch; ``w -= gamma / B * sum`` (B = 1: applied in the gradient pass).  ``rng`` is the
    run's xoshiro256++ state (uint64[4], updated); ``w, ws, wq, xb, gs`` are work arrays of
    length d.  Records the risk (deployed risk, linear statistic) at the steps ``rec``; returns
    ``(status, last step)``; a run whose risk passes ``MC_BLOWUP`` stops with ``DIVERGED`` and
    +inf in later records.  Long because the whole step is fused for speed.
    """
    d = lam.shape[0]
    kd, kl, kp, ka, ko = kinds[DATA], kinds[LABEL], kinds[PARAM], kinds[ACTIVATION], kinds[GRADIENT]
    st = _load(rng)
    for i in range(d):
        g, st = _normal(st)
        ws[i] = sqrt_pi[i] * g
        w[i] = 0.0
        gs[i] = 0.0
    n_rec = rec.shape[0]
    j = 0
    scale = gamma / batch
    status = CONVERGED
    last = steps
    for t in range(steps + 1):
        if j < n_rec and rec[j] == t:
            r, st = _record(lam, w, ws, kinds, prm, st, stats, out_risk, out_dep, out_lin, j)
            j += 1
            if not (r < MC_BLOWUP):
                for k in range(j, n_rec):
                    out_risk[k] = math.inf
                    out_dep[k] = math.inf
                    out_lin[k] = math.inf
                status = DIVERGED
                last = t
                break
        if t == steps:
            break
        wsrc = w                  # the weights the activations see (w itself unless quantized)
        if kp != 0:
            st = _quant_vec(w, wq, kp, prm, st, stats, PARAM)
            wsrc = wq
        for _ in range(batch):
            z, y, st = _sample(sqrt_lam, ws, wsrc, xb, kd, prm, st, stats)
            g, st = _normal(st)
            y += sigma * g
            a, st = _quant(z, ka, prm, st, stats, ACTIVATION)
            yt, st = _quant(y, kl, prm, st, stats, LABEL)
            # B = 1: apply the step at once (z above was summed before any update)
            st = _gradient(xb, a - yt, w if batch == 1 else gs, -scale if batch == 1 else 1.0,
                           ko, prm, st, stats)
        if batch > 1:
            for i in range(d):
                w[i] -= scale * gs[i]
                gs[i] = 0.0
    _store(rng, st)
    return status, last


@njit
def _quantizer_noise(values, kind, prm, rng, stats, out):
    """``out[i] = Q(values[i]) - values[i]`` for one quantizer (target slot 0 of ``prm``);
    ``rng``: a xoshiro256++ state array (updated).
    """
    st = _load(rng)
    for i in range(values.shape[0]):
        q, st = _quant(values[i], kind, prm, st, stats, 0)
        out[i] = q - values[i]
    _store(rng, st)
