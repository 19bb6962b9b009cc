"""Sharpness, PAC-Bayes and robustness measures of one trained network (see docs/qgen.md).

All measures are taken at the *deployed* parameters (quantized weights) on a fixed "measure
set" of training rows, with every random draw from an explicit seed:

* :func:`hessian_trace` -- Hutchinson's estimator ``tr H ~ mean_k v_k^T H v_k`` with Rademacher
  probes and exact Hessian-vector products (kernel ``_hvp``), plus the per-layer block traces
  (``sum_{i in layer} v_i (H v)_i`` is unbiased for the block's trace) and a standard error;
  :func:`exact_hessian_trace` sums ``e_i^T H e_i`` (for checks on tiny networks).
* :func:`perturbation_sigma` -- the largest perturbation scale whose expected training-accuracy
  drop stays at a target (0.1), found by bracketing and bisection in log sigma on common random
  numbers (kernel ``_perturbed_accuracy``): Jiang et al. (2019)'s sigma' for Gaussian
  perturbations ``u ~ N(0, sigma^2 I)``, and the magnitude-aware sigma' for
  ``u_i ~ N(0, sigma^2 theta_i^2 + eps^2)``.
* :func:`pacbayes_measures` -- the flatness and bound measures built from them (formulas in
  the docstring), and the bound with the perturbation fixed at the quantization noise level.
* :func:`corruption_accuracy` -- test accuracy when the inputs get Gaussian noise.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _validate as V
from . import _mlp_curvature as C2
from . import _mlp_kernels as K
from .mlp import EVAL_CHUNK, MLPSpec, Workspace, _check_data, _check_theta, hessian_vector_product

#: Jiang et al.'s settings: accuracy drop that defines sigma', and eps of the magnitude-aware noise
TARGET_DROP = 0.1
MAG_EPS = 1e-3


@dataclass(frozen=True)
class TraceResult:
    """Hutchinson estimate of the Hessian trace (``trace``), its standard error over probes,
    the per-layer block traces (weights and bias of each layer together) and the probe count.
    """

    trace: float
    se: float
    layer_traces: np.ndarray
    probes: int


def hessian_trace(spec: MLPSpec, theta, X, y, *, probes: int = 16, seed) -> TraceResult:
    """Hutchinson estimate of ``tr H`` of the mean cross-entropy at theta (see module doc)."""
    from ..synthetic import as_seed_sequence

    t = _check_theta(spec, theta)
    X, y = _check_data(spec, X, y)
    probes = V.integer("probes", probes, 2, 100_000)
    rng = np.random.default_rng(as_seed_sequence(seed))
    ws = Workspace(spec, min(EVAL_CHUNK, X.shape[0]))
    sl = spec.layer_slices()
    vals = np.empty((probes, len(sl)))
    for k in range(probes):
        v = rng.integers(0, 2, t.shape[0]).astype(np.float64) * 2.0 - 1.0
        hv = hessian_vector_product(spec, t, v, X, y, workspace=ws)
        prod = v * hv
        for l, (a, b) in enumerate(sl):
            vals[k, l] = prod[a].sum() + prod[b].sum()
    tot = vals.sum(axis=1)
    return TraceResult(trace=float(tot.mean()), se=float(tot.std(ddof=1) / math.sqrt(probes)),
                       layer_traces=vals.mean(axis=0), probes=probes)


def exact_hessian_trace(spec: MLPSpec, theta, X, y) -> float:
    """``sum_i e_i^T H e_i`` with exact Hessian-vector products (one per parameter)."""
    t = _check_theta(spec, theta)
    if t.shape[0] > 20_000:
        raise V.FastqInputError(f"exact_hessian_trace needs one H v per parameter; limit 20000 (got {t.shape[0]})")
    X, y = _check_data(spec, X, y)
    ws = Workspace(spec, min(EVAL_CHUNK, X.shape[0]))
    tr = 0.0
    e = np.zeros_like(t)
    for i in range(t.shape[0]):
        e[i] = 1.0
        tr += hessian_vector_product(spec, t, e, X, y, workspace=ws)[i]
        e[i] = 0.0
    return tr


@dataclass(frozen=True)
class SigmaResult:
    """Outcome of :func:`perturbation_sigma`: sigma' (NaN when no bracket was found), the
    interpolated accuracy drop there, the clean accuracy, evaluations, and converged/status
    ("converged": bracket narrowed to ``rtol``; "max_iter": evaluation budget spent first, the
    interpolation in the wider bracket is returned; "diverged": no bracket, e.g. a model so
    close to chance that no perturbation costs ``target`` accuracy).
    """

    sigma: float
    drop: float
    clean_accuracy: float
    evaluations: int
    converged: bool
    status: str


def perturbation_sigma(spec: MLPSpec, theta, X, y, *, magnitude: bool = False, mc: int = 4,
                       target: float = TARGET_DROP, rtol: float = 0.02, max_evals: int = 60,
                       seed, eps: float = MAG_EPS) -> SigmaResult:
    """Largest sigma with ``acc(theta) - E acc(theta + u_sigma) <= target`` (see module doc).

    Bracketing by factors of 4 from sigma = 0.05 (plain) or 0.5 (magnitude-aware), bisection in
    log sigma until ``hi / lo <= 1 + rtol``, then log-linear interpolation of the drop between
    the two bracket ends.  ``mc`` standard normal draws of the full parameter vector are made
    once from ``seed`` and reused at every sigma (common random numbers: the measured drop is
    then a smooth, nearly monotone function of sigma, and models are compared on equal terms).
    """
    from ..synthetic import as_seed_sequence

    t = _check_theta(spec, theta)
    X, y = _check_data(spec, X, y)
    mc = V.integer("mc", mc, 1, 10_000)
    target = V.in_range("target", target, 0.0, 1.0, lo_open=True, hi_open=True)
    rtol = V.in_range("rtol", rtol, 0.0, 1.0, lo_open=True)
    max_evals = V.integer("max_evals", max_evals, 2, 10_000)
    noise = np.random.default_rng(as_seed_sequence(seed)).standard_normal((mc, t.shape[0]))
    ws = Workspace(spec, min(EVAL_CHUNK, X.shape[0]))
    idx = np.arange(X.shape[0], dtype=np.int64)
    tmp = np.empty_like(t)
    dims = spec.dims_array
    _, acc0 = K._evaluate(t, dims, X, y, idx, spec.a_levels, spec.act_clip, ws.zbuf, ws.abuf, ws.cap)
    evals = 0

    def drop(s):
        nonlocal evals
        evals += 1
        a = C2._perturbed_accuracy(t, dims, X, y, idx, noise, s, magnitude, eps, spec.a_levels,
                                  spec.act_clip, ws.zbuf, ws.abuf, ws.cap, tmp)
        return acc0 - a

    lo = hi = None
    s = 0.5 if magnitude else 0.05
    while lo is None or hi is None:  # bracket: drop(lo) < target <= drop(hi)
        if evals >= max_evals or not 1e-12 < s < 1e6:
            return SigmaResult(math.nan, math.nan, acc0, evals, False, "diverged")
        d = drop(s)
        if d < target:
            lo, d_lo = s, d
            s *= 4.0
        else:
            hi, d_hi = s, d
            s /= 4.0
    while hi / lo > 1.0 + rtol:
        if evals >= max_evals:
            break
        s = math.sqrt(lo * hi)
        d = drop(s)
        if d < target:
            lo, d_lo = s, d
        else:
            hi, d_hi = s, d
    f = (target - d_lo) / (d_hi - d_lo) if d_hi > d_lo else 0.5
    sig = math.exp(math.log(lo) + f * (math.log(hi) - math.log(lo)))
    ok = hi / lo <= 1.0 + rtol
    return SigmaResult(sig, d_lo + f * (d_hi - d_lo), acc0, evals, ok, "converged" if ok else "max_iter")


def pacbayes_measures(theta, theta_init, sigma: float, sigma_mag: float, m: int, *,
                      sigma_q: float = math.nan, eps: float = MAG_EPS) -> dict:
    """Jiang et al. (2019)'s sharpness-based measures from the plain and magnitude-aware sigma'.

    ``m`` training samples, ``omega`` parameters, ``w`` = theta, ``w0`` = theta_init:

    * ``pb_flatness = 1 / sigma^2``,  ``pb_bound_init = ||w - w0||^2 / (4 sigma^2) + log(m / sigma) + 10``
    * ``pb_mag_flatness = 1 / sigma_mag^2``,
      ``pb_mag_bound_init = 1/4 sum_i log[(eps^2 + (sigma_mag^2 + 1) ||w - w0||^2 / omega)
      / (eps^2 + sigma_mag^2 (w_i - w0_i)^2)] + log(m / sigma_mag) + 10``
    * ``pb_bound_qnoise``: ``pb_bound_init`` with sigma set to the quantization noise level
      ``sigma_q`` instead of searched (NaN for full precision).

    These are the KL-plus-confidence terms of the bounds (the gap bound is their square root
    over 2(m - 1), a monotone map that rank correlations ignore).  NaN inputs give NaN.
    """
    w = np.asarray(theta, dtype=np.float64)
    d = w - np.asarray(theta_init, dtype=np.float64)
    dist2 = float(d @ d)
    om = w.shape[0]

    def init_bound(s):
        return dist2 / (4.0 * s * s) + math.log(m / s) + 10.0 if s > 0 else math.nan

    out = {"pb_flatness": 1.0 / sigma**2 if sigma > 0 else math.nan,
           "pb_bound_init": init_bound(sigma),
           "pb_mag_flatness": 1.0 / sigma_mag**2 if sigma_mag > 0 else math.nan,
           "pb_bound_qnoise": init_bound(sigma_q)}
    if sigma_mag > 0:
        num = eps * eps + (sigma_mag**2 + 1.0) * dist2 / om
        den = eps * eps + sigma_mag**2 * d * d
        out["pb_mag_bound_init"] = 0.25 * float(np.sum(np.log(num / den))) + math.log(m / sigma_mag) + 10.0
    else:
        out["pb_mag_bound_init"] = math.nan
    return out


def quantization_noise_sigma(spec: MLPSpec, steps) -> float:
    """``sqrt(mean over weights of Delta_l^2 / 12)``: the rms of uniform rounding noise of the
    per-layer steps (NaN for full precision).
    """
    if spec.bits is None:
        return math.nan
    steps = np.asarray(steps, dtype=np.float64)
    nw = np.array([spec.dims[l] * spec.dims[l + 1] for l in range(len(spec.dims) - 1)], dtype=float)
    return float(math.sqrt(np.sum(nw * steps**2 / 12.0) / nw.sum()))


def corruption_accuracy(spec: MLPSpec, theta, X, y, levels, *, seed) -> np.ndarray:
    """Accuracy on ``X + s * xi`` for each s in ``levels`` (xi standard normal, one draw from
    ``seed`` shared by all levels; inputs are standardized, so s is in units of a feature's std).
    """
    from ..synthetic import as_seed_sequence

    t = _check_theta(spec, theta)
    X, y = _check_data(spec, X, y)
    levels = [V.nonnegative("corruption level", s) for s in levels]
    xi = np.random.default_rng(as_seed_sequence(seed)).standard_normal(X.shape)
    ws = Workspace(spec, min(EVAL_CHUNK, X.shape[0]))
    idx = np.arange(X.shape[0], dtype=np.int64)
    out = np.empty(len(levels))
    for k, s in enumerate(levels):
        Xc = np.ascontiguousarray(X + s * xi)
        _, out[k] = K._evaluate(t, spec.dims_array, Xc, y, idx, spec.a_levels, spec.act_clip,
                                ws.zbuf, ws.abuf, ws.cap)
    return out
