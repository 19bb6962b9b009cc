"""``@njit`` kernels of the quantized-SGD simulation and of the real quantizers.

Quantizer codes (``spec.KIND_CODES``): 0 off, 1 additive Gaussian, 2 multiplicative Gaussian,
3 INT stochastic rounding, 4 FP stochastic rounding.  Parameters per target, ``prm[t] = (p0, p1, p2)``:

* additive / multiplicative: ``p0 = sqrt(eps)``;
* INT: ``p0 = Delta`` (grid step), ``p1 = R`` (range, a grid point: ``R = K Delta``);
* FP: ``p0 = m`` (mantissa bits), ``p1 = Emin`` (smallest normal binade exponent), ``p2`` = the
  largest finite value ``(2 - 2**-m) 2**Emax``.

``stats[t] = (values quantized, values clipped)`` counts every real-quantizer call (INT: ``|v| > R``
clipped to ``+-R``; FP: overflow beyond the largest finite value clipped to it).
Random numbers come from a ``numpy.random.Generator`` passed in (Numba reproduces NumPy's streams).
"""
from __future__ import annotations

import math

from .._jit import njit
from .._status import CONVERGED, DIVERGED

DATA, LABEL, PARAM, ACTIVATION, GRADIENT = 0, 1, 2, 3, 4
#: a run whose risk exceeds this (or is non-finite) is stopped and reported diverged
MC_BLOWUP = 1e100


@njit(inline="always")
def _int_sr(v, delta, R, rng, stats, t):
    """INT stochastic rounding: unbiased on ``[-R, R]``, clipped (and counted) outside."""
    stats[t, 0] += 1
    if v > R:
        stats[t, 1] += 1
        return R
    if v < -R:
        stats[t, 1] += 1
        return -R
    f = v / delta
    fl = math.floor(f)
    if rng.random() < f - fl:
        fl += 1.0
    return fl * delta


@njit(inline="always")
def _fp_sr(v, m, emin, vmax, rng, stats, t):
    """FP stochastic rounding with ``m`` mantissa bits: spacing ``2**(E - m)`` in the binade
    ``[2**E, 2**(E+1))``, ``E >= Emin`` (subnormal spacing below); overflow clipped and counted."""
    stats[t, 0] += 1
    if v == 0.0 or not math.isfinite(v):
        return v
    a = math.fabs(v)
    _, ex = math.frexp(a)          # a = f 2**ex, f in [0.5, 1): binade exponent E = ex - 1
    e = ex - 1
    if e < emin:
        e = emin
    step = math.ldexp(1.0, e - m)
    f = a / step
    fl = math.floor(f)
    if rng.random() < f - fl:
        fl += 1.0
    q = fl * step
    if q > vmax:
        stats[t, 1] += 1
        q = vmax
    return q if v > 0 else -q


@njit(inline="always")
def _quant(v, kind, prm, rng, stats, t):
    """Quantize one value with target ``t``'s quantizer (see the module docstring)."""
    if kind == 0:
        return v
    if kind == 1:
        return v + prm[t, 0] * rng.standard_normal()
    if kind == 2:
        return v * (1.0 + prm[t, 0] * rng.standard_normal())
    if kind == 3:
        return _int_sr(v, prm[t, 0], prm[t, 1], rng, stats, t)
    return _fp_sr(v, int(prm[t, 0]), int(prm[t, 1]), prm[t, 2], rng, stats, t)


@njit
def _record(lam, w, ws, kinds, prm, rng, stats, out_risk, out_dep, j):
    """Risk of ``w`` and of a fresh ``Q_p(w)`` into column ``j``; returns the risk."""
    r = 0.0
    rd = 0.0
    kp = kinds[PARAM]
    for i in range(w.shape[0]):
        e = w[i] - ws[i]
        r += lam[i] * e * e
        if kp != 0:
            e = _quant(w[i], kp, prm, rng, stats, PARAM) - ws[i]
        rd += lam[i] * e * e
    out_risk[j] = 0.5 * r
    out_dep[j] = 0.5 * rd
    return 0.5 * r


@njit
def _mc_run(lam, sqrt_lam, sqrt_pi, gamma, batch, steps, sigma, kinds, prm, rec, rng,
            out_risk, out_dep, stats, w, ws, wq, xb, gs):
    """One run of quantized minibatch SGD from ``w = 0`` with a fresh teacher ``w*_i ~ N(0, pi_i)``.

    Per step: ``w^ = Q_p(w)`` (once); per sample ``x ~ N(0, H)``, ``x~ = Q_d(x)``,
    ``y = x . w* + sigma N``, ``r = Q_a(x~ . w^) - Q_l(y)``, gradient ``Q_o(x~_i r)`` summed over
    the batch; ``w -= gamma / B * sum``.  ``w, ws, wq, xb, gs`` are work arrays of length d.
    Records the risk (and deployed risk) at the steps ``rec``; returns ``(status, last step)``;
    a run whose risk passes ``MC_BLOWUP`` stops with ``DIVERGED`` and +inf in later records.
    """
    d = lam.shape[0]
    kd, kl, kp, ka, ko = kinds[DATA], kinds[LABEL], kinds[PARAM], kinds[ACTIVATION], kinds[GRADIENT]
    for i in range(d):
        ws[i] = sqrt_pi[i] * rng.standard_normal()
        w[i] = 0.0
        gs[i] = 0.0
    n_rec = rec.shape[0]
    j = 0
    scale = gamma / batch
    for t in range(steps + 1):
        if j < n_rec and rec[j] == t:
            r = _record(lam, w, ws, kinds, prm, rng, stats, out_risk, out_dep, j)
            j += 1
            if not (r < MC_BLOWUP):
                for k in range(j, n_rec):
                    out_risk[k] = math.inf
                    out_dep[k] = math.inf
                return DIVERGED, t
        if t == steps:
            break
        if kp != 0:
            for i in range(d):
                wq[i] = _quant(w[i], kp, prm, rng, stats, PARAM)
        else:
            for i in range(d):
                wq[i] = w[i]
        for b in range(batch):
            z = 0.0
            y = 0.0
            for i in range(d):
                x = sqrt_lam[i] * rng.standard_normal()
                xt = _quant(x, kd, prm, rng, stats, DATA)
                xb[i] = xt
                z += xt * wq[i]
                y += x * ws[i]
            y += sigma * rng.standard_normal()
            res = _quant(z, ka, prm, rng, stats, ACTIVATION) - _quant(y, kl, prm, rng, stats, LABEL)
            for i in range(d):
                gs[i] += _quant(xb[i] * res, ko, prm, rng, stats, GRADIENT)
        for i in range(d):
            w[i] -= scale * gs[i]
            gs[i] = 0.0
    return CONVERGED, steps


@njit
def _quantizer_noise(values, kind, prm, rng, stats, out):
    """``out[i] = Q(values[i]) - values[i]`` for one quantizer (target slot 0 of ``prm``)."""
    for i in range(values.shape[0]):
        out[i] = _quant(values[i], kind, prm, rng, stats, 0) - values[i]
