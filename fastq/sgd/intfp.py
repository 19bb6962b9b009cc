"""INT versus FP: effective noise levels of the real quantizers and bit budgets of equal risk.

* :func:`quantizer_levels` -- for a Gaussian input ``v ~ N(0, scale^2)``, the noise
  ``n = Q(v) - v`` of an INT or FP stochastic-rounding quantizer, measured by simulation (kernel
  ``_quantizer_noise``) and computed exactly (Gauss-Legendre on every grid cell: stochastic rounding
  inside ``[a, b]`` has conditional variance ``(v - a)(b - v)``).  Reported as an additive level
  ``eps_add = E[n^2]``, a multiplicative level ``eps_mult = E[n^2] / E[v^2]`` and the constants
  ``eps_add / Delta^2`` (INT; 1/6 when ``scale >> Delta``) and ``eps_mult 2^(2m)`` (FP).
* :func:`int_fp_equivalence` -- with the noise models at those levels, the INT bit width whose exact
  risk equals FP with ``m`` mantissa bits, for one target, spectrum and dimension.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtr

from .. import _validate as V
from .spec import QuantSpec, parse_quant

__all__ = ["quantizer_levels", "int_fp_equivalence", "QuantizerLevelsResult", "IntFpEquivalenceResult",
           "FP_CONSTANT_EXACT"]

_GL_X, _GL_W = np.polynomial.legendre.leggauss(8)
#: FP constant c in eps_mult = c 2^(-2m) for Gaussian inputs and m >= 6 (exact quadrature; see docs)
FP_CONSTANT_EXACT = None  # filled lazily by _fp_constant_limit()


@dataclass(frozen=True)
class QuantizerLevelsResult:
    """Noise of one real quantizer on ``v ~ N(0, scale^2)``.

    eps_add, eps_mult : exact (quadrature) additive and multiplicative levels; constant :
    ``eps_add / Delta^2`` (INT) or ``eps_mult 2^(2m)`` (FP); mc_eps_add, mc_eps_add_se,
    mc_mean_noise, mc_mean_noise_se : simulation with ``samples`` draws; clipped_fraction : exact
    probability of clipping (INT: |v| > R) or overflow (FP); params : the spec and scale.
    """

    eps_add: float
    eps_mult: float
    constant: float
    mc_eps_add: float
    mc_eps_add_se: float
    mc_mean_noise: float
    mc_mean_noise_se: float
    clipped_fraction: float
    params: dict = field(default_factory=dict)


def _cells_int(q: QuantSpec, R: float, scale: float):
    """Grid points of INT inside ``[-40 scale, 40 scale]`` (the rest has Gaussian mass < e^-800),
    or None when there would be more than 2e5 cells (then ``scale >> Delta`` and the continuum
    value ``Delta^2 / 6`` is exact up to terms of order ``exp(-2 pi^2 scale^2 / Delta^2)``).
    """
    delta = q.grid_step(R)
    K = 2 ** (q.bits - 1) - 1
    kmax = min(K, int(math.ceil(40.0 * scale / delta)))
    if 2 * kmax > 200_000:
        return None, delta, K * delta
    return np.arange(-kmax, kmax + 1) * delta, delta, K * delta


def _cells_fp(q: QuantSpec, scale: float):
    """FP grid points covering ``[-40 scale, 40 scale]`` (binades below ``scale 2^-60`` merged into
    one cell: their share of the noise is below 2^-120).
    """
    emin, emax, vmax = q.fp_limits
    lo_e = max(emin, int(math.floor(math.log2(scale))) - 60)
    hi_e = min(emax, int(math.ceil(math.log2(40 * scale))) + 1)
    if lo_e == emin:  # subnormals: spacing 2^(emin - m) on [0, 2^emin)
        pts = list(np.arange(0, 2 ** q.mantissa) * 2.0 ** (emin - q.mantissa))
    else:
        pts = [0.0]
    for e in range(lo_e, hi_e + 1):
        pts.extend(2.0 ** e + np.arange(0, 2 ** q.mantissa) * 2.0 ** (e - q.mantissa))
    pts.append(2.0 ** (hi_e + 1))
    pos = np.unique(np.array(pts))
    pos = pos[pos <= vmax]
    if pos[-1] < vmax and hi_e == emax:
        pos = np.append(pos, vmax)
    return np.concatenate([-pos[:0:-1], pos]), float(min(vmax, pos[-1]) if hi_e == emax else vmax)


def _sr_variance_exact(edges, clip: float, scale: float, delta: float = 0.0):
    """E[(Q(v) - v)^2] and P(|v| > clip) for v ~ N(0, scale^2) under stochastic rounding on the
    grid ``edges`` (values beyond +-clip clipped).  Each cell ``[a, b]`` contributes
    ``int phi (v - a)(b - v)``; cells wider than ``scale / 4`` are split for the quadrature
    (8-point Gauss-Legendre per piece).  ``edges=None``: the continuum value ``delta^2 / 6`` inside.
    """
    z = clip / scale
    phi = math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    tail_p = float(ndtr(-z))
    tail = scale * scale * ((1 + z * z) * tail_p - z * phi)   # E[(v - clip)^2; v > clip]
    if edges is None:
        return delta * delta / 6.0 * (1.0 - 2 * tail_p) + 2 * tail, 2 * tail_p
    a, b = edges[:-1], edges[1:]
    nsub = np.clip(np.ceil((b - a) / (0.25 * scale)), 1, 4096).astype(np.int64)
    pa, pb = np.repeat(a, nsub), np.repeat(b, nsub)
    j = np.arange(nsub.sum()) - np.repeat(np.cumsum(nsub) - nsub, nsub)
    w = (pb - pa) / np.repeat(nsub, nsub)
    lo = pa + j * w
    mid, half = lo + 0.5 * w, 0.5 * w
    v = mid[:, None] + half[:, None] * _GL_X[None, :]
    pdf = np.exp(-0.5 * (v / scale) ** 2) / (scale * math.sqrt(2 * math.pi))
    inner = float(np.sum(half[:, None] * _GL_W[None, :] * pdf * (v - pa[:, None]) * (pb[:, None] - v)))
    return inner + 2 * tail, 2 * tail_p


def quantizer_levels(spec, scale=1.0, *, range_=None, samples=1_000_000, seed=0) -> QuantizerLevelsResult:
    """Effective noise levels of an INT or FP quantizer on ``N(0, scale^2)`` inputs.

    spec : QuantSpec or "int:BITS[:RANGE]" / "fp:MANTISSA[:EXP_BITS]"; scale > 0;
    range_ : INT range when the spec has none (default ``4 scale``); samples : simulation size
    (in [1000, 1e8]); seed : int >= 0.
    """
    from ._mc_kernels import _quantizer_noise
    from .spec import KIND_CODES

    q = parse_quant("spec", spec)
    if q is None or q.kind not in ("int", "fp"):
        raise V.FastqInputError(f"spec must be a real quantizer int:BITS[:RANGE] or fp:MANTISSA (got {spec!r})")
    scale = V.positive("scale", scale)
    samples = V.integer("samples", samples, 1000, 100_000_000)
    prm = np.zeros((5, 3))
    if q.kind == "int":
        R = q.range if q.range is not None else (4.0 * scale if range_ is None else V.positive("range_", range_))
        edges, delta, clip = _cells_int(q, R, scale)
        prm[0] = (delta, clip, 0.0)
        params = {"spec": str(q), "scale": scale, "range": clip, "grid_step": delta}
    else:
        if q.mantissa > 14:
            raise V.FastqInputError(f"mantissa must be <= 14 for the exact levels (got {q.mantissa})")
        edges, clip = _cells_fp(q, scale)
        emin, _, vmax = q.fp_limits
        prm[0] = (q.mantissa, emin, vmax)
        params = {"spec": str(q), "scale": scale}
    eps_add, p_clip = _sr_variance_exact(edges, clip, scale, delta if q.kind == "int" else 0.0)
    eps_mult = eps_add / scale ** 2
    const = eps_add / delta ** 2 if q.kind == "int" else eps_mult * 4.0 ** q.mantissa
    from ._rng import seed_state

    rng = seed_state(np.random.SeedSequence(V.integer("seed", seed, 0)))
    v = np.random.default_rng(np.random.SeedSequence([V.integer("seed", seed, 0), 1])).standard_normal(samples) * scale
    n = np.empty(samples)
    _quantizer_noise(v, KIND_CODES[q.kind], prm, rng, np.zeros((5, 2), dtype=np.int64), n)
    n2 = n * n
    return QuantizerLevelsResult(eps_add, eps_mult, const, float(n2.mean()), float(n2.std() / math.sqrt(samples)),
                           float(n.mean()), float(n.std() / math.sqrt(samples)), p_clip, params)


@dataclass(frozen=True)
class IntFpEquivalenceResult:
    """INT bits of equal final risk for each FP mantissa width (one target, spectrum, dimension).

    mantissa : (k,) FP mantissa bits m; eps_fp : (k,) multiplicative levels ``c_fp 2^(-2m)``;
    risk_fp : (k,) exact final risk with FP; int_bits : (k,) real-valued INT width b* with
    ``risk_int(b*) = risk_fp`` (log-linear interpolation in b; nan if no b in [2, 32] reaches it);
    int_bits_ceil : smallest integer b with ``risk_int(b) <= risk_fp``; fp_exponent_bits : exponent
    width the target's dynamic range needs; bits_grid, risk_int : the INT curve; params.
    """

    mantissa: np.ndarray
    eps_fp: np.ndarray
    risk_fp: np.ndarray
    int_bits: np.ndarray
    int_bits_ceil: np.ndarray
    fp_exponent_bits: int
    bits_grid: np.ndarray
    risk_int: np.ndarray
    params: dict = field(default_factory=dict)


def _fp_constant_limit(samples=0) -> float:
    """c_fp = eps_mult 2^(2m) for Gaussian inputs at m = 10 (m-independent to <1e-3 from m >= 6)."""
    global FP_CONSTANT_EXACT
    if FP_CONSTANT_EXACT is None:
        FP_CONSTANT_EXACT = quantizer_levels(QuantSpec.fp(10), 1.0, samples=1000).constant
    return FP_CONSTANT_EXACT


def int_fp_equivalence(decay, dim, *, target="data", mantissa=tuple(range(1, 9)), teacher_decay=0.0,
                       batch=1, gamma=0.1, steps=2000, sigma=0.1, c_int=1.0 / 6.0, c_fp=None,
                       int_range=None) -> IntFpEquivalenceResult:
    """Equal-risk bit widths of INT (additive ``c_int Delta^2``, ``Delta = R / (2^(b-1) - 1)``) and
    FP (multiplicative ``c_fp 2^(-2m)``) quantization of ``target``, from the exact recursion.

    ``R`` is ``int_range`` or the target's default (4 s.d. of its scale at w = 0); ``c_fp`` defaults
    to the exact Gaussian constant.  A risk that diverges (step beyond the stability limit) is +inf.
    """
    from .recursion import sgd_risk
    from .spec import TARGETS, make_setup

    if target not in TARGETS:
        raise V.FastqInputError(f"target must be one of {', '.join(TARGETS)} (got {target!r})")
    ms = np.array([V.integer("mantissa", m, 0, 30) for m in np.atleast_1d(mantissa)], dtype=np.int64)
    c_int = V.positive("c_int", c_int)
    c_fp = _fp_constant_limit() if c_fp is None else V.positive("c_fp", c_fp)
    base = dict(dim=dim, decay=decay, teacher_decay=teacher_decay, batch=batch, gamma=gamma,
                steps=steps, sigma=sigma)
    s0 = make_setup(**base)
    R = s0.default_range(target) if int_range is None else V.positive("int_range", int_range)

    def final(kind, eps):
        r = sgd_risk(checkpoints=[steps], **base, **{target: QuantSpec(kind, eps=float(eps))})
        return float(r.risk[-1]) if r.status == "converged" else math.inf

    eps_fp = c_fp * 4.0 ** -ms.astype(float)
    risk_fp = np.array([final("mult", e) for e in eps_fp])
    bits = np.arange(2, 33)
    risk_int = np.array([final("add", c_int * (R / (2.0 ** (b - 1) - 1)) ** 2) for b in bits])
    b_star = np.full(ms.size, np.nan)
    b_ceil = np.full(ms.size, -1, dtype=np.int64)
    for k, rf in enumerate(risk_fp):
        ok = np.nonzero(risk_int <= rf)[0]
        if ok.size == 0:
            continue
        j = ok[0]
        b_ceil[k] = bits[j]
        if j == 0:
            b_star[k] = bits[0]
        elif np.isinf(risk_int[j - 1]):
            b_star[k] = bits[j]
        else:  # log-linear interpolation between b_{j-1} (risk above) and b_j (risk at or below)
            l0, l1, lf = np.log(risk_int[j - 1]), np.log(risk_int[j]), np.log(rf)
            b_star[k] = bits[j - 1] + (l0 - lf) / (l0 - l1) if l0 != l1 else bits[j]
    params = {**base, "target": target, "c_int": c_int, "c_fp": c_fp, "int_range": R}
    return IntFpEquivalenceResult(ms, eps_fp, risk_fp, b_star, b_ceil, _exponent_bits(s0, target),
                                  bits, risk_int, params)


def _exponent_bits(setup, target: str) -> int:
    """FP exponent width whose normal binades span ``[s_min / 16, R]`` for the target's entries
    (``s_min``: the smallest entry scale, e.g. ``sqrt(lam_d)`` for the data), plus the zero/subnormal
    and the inf/nan codes (IEEE-like).
    """
    lam, pi = setup.lam, setup.pi
    y2 = setup.label_second_moment()
    s_min = {"data": math.sqrt(lam.min()), "label": math.sqrt(y2), "activation": math.sqrt(y2),
             "param": math.sqrt(pi[pi > 0].min()) if np.any(pi > 0) else 1.0,
             "gradient": math.sqrt(float(np.min(lam * y2)))}[target]
    R = setup.default_range(target)
    binades = math.ceil(math.log2(R)) - math.floor(math.log2(s_min / 16.0)) + 1
    return max(2, math.ceil(math.log2(binades + 2)))
