"""Online training of the quantized student with the straight-through estimator (THEORY section 9).

The student predicts ``phi(w) . x`` with the *hard* quantizer ``phi`` (edge width 0); one fresh
sample ``x ~ N(0, I/N)``, ``y = x . w0 + e`` arrives per step and STE SGD updates the latent
weights with the gradient taken with respect to ``phi(w)``:

.. math::

    w \\leftarrow w + \\eta\\,(y - \\phi(w)\\cdot x)\\,x ,\\qquad \\tau = t / N,\\qquad w(0) = 0 .

Three views of the same dynamics:

* :func:`ste_simulate` -- finite-N simulation (kernel ``_ste_run``), many runs in parallel;
* :func:`ste_mean_field` -- the N -> infinity limit, a non-linear Fokker-Planck equation solved by
  finite volumes (kernel :func:`fastq.fokker_planck._fp_solve`) or by interacting particles
  (kernel :func:`fastq.fokker_planck._particles`);
* :func:`ste_stationary` -- the self-consistent stationary state from the per-bin closed forms
  (kernel ``_stationary_rhs``), compared with the unquantized value ``sigma^2 / (2 - eta)``.

The instance error is ``Eg = (||w0 - phi(w)||^2 / N + sigma^2) / 2``.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

from . import _validate as V
from . import fokker_planck as FP
from ._jit import njit
from .quantizers import Quantizer, _count_le

__all__ = ["ste_simulate", "ste_mean_field", "ste_stationary", "STETrajectory", "STEStationary"]


# ----------------------------------------------------------------------------- validation
def _check_quantizer(quantizer) -> Quantizer:
    if not isinstance(quantizer, Quantizer):
        raise V.FastqInputError(f"quantizer must be a fastq.Quantizer (got {type(quantizer).__name__})")
    if quantizer.edge_width != 0.0:
        raise V.FastqInputError(
            f"quantizer.edge_width must be 0: STE training uses the hard quantizer "
            f"(got {quantizer.edge_width!r}; pass quantizer.hard())")
    return quantizer


def _check_common(quantizer, eta, sigma, rho):
    q = _check_quantizer(quantizer)
    eta = V.in_range("eta", eta, 0.0, 2.0, lo_open=True, hi_open=True)
    sigma = V.nonnegative("sigma", sigma)
    rho = V.positive("rho", rho)
    return q, eta, sigma, rho


def _check_times(tau_max, dtau):
    tau_max = V.positive("tau_max", tau_max)
    dtau = V.positive("dtau", dtau)
    if dtau > tau_max:
        raise V.FastqInputError(f"dtau must be in (0, tau_max={tau_max:g}] (got {dtau!r})")
    n_rec = int(round(tau_max / dtau)) + 1
    if n_rec > 1_000_001:
        raise V.FastqInputError(f"dtau must give at most 1e6 records (tau_max/dtau = {tau_max / dtau:.3g})")
    return tau_max, dtau, n_rec


# ----------------------------------------------------------------------------- results
@dataclass
class STETrajectory:
    """Eg(tau) and friends from a simulation or a mean-field solver.

    Attributes
    ----------
    method : "simulation", "pde" or "particles"
    tau : (T,) times
    eg : (T,) generalization error (mean over runs for a simulation)
    m : (T,) overlap ``phi(w) . w0 / N``;  q : (T,) ``||phi(w)||^2 / N``
    bin_fraction : (T, n_p + 1) fraction of weights quantized to each level
    eg_se, m_se, bin_fraction_se : standard errors over runs (simulation only, else None)
    eg_runs : (runs, T) every run's Eg (simulation only)
    info : solver details (grid size, mass error, ...) and the parameters
    """

    method: str
    tau: np.ndarray
    eg: np.ndarray
    m: np.ndarray
    q: np.ndarray
    bin_fraction: np.ndarray
    eg_se: np.ndarray | None = None
    m_se: np.ndarray | None = None
    bin_fraction_se: np.ndarray | None = None
    eg_runs: np.ndarray | None = None
    info: dict = field(default_factory=dict)

    def to_dict(self, *, runs: bool = False) -> dict:
        d = {"method": self.method, "tau": self.tau, "eg": self.eg, "m": self.m, "q": self.q,
             "bin_fraction": self.bin_fraction}
        if self.eg_se is not None:
            d.update(eg_se=self.eg_se, m_se=self.m_se, bin_fraction_se=self.bin_fraction_se)
        if runs and self.eg_runs is not None:
            d["eg_runs"] = self.eg_runs
        d["info"] = self.info
        return d


@dataclass
class STEStationary:
    """Self-consistent stationary state of STE training.

    Attributes
    ----------
    eg : stationary generalization error (the smallest root; see ``roots``)
    eg_unquantized : ``sigma^2 / (2 - eta)``
    deviation : ``eg - eg_unquantized``
    bin_fraction : (n_p + 1,) fraction of weights on each level at stationarity
    escaped_fraction : mass of teachers with ``|w0| >= omega`` (their weights drift off)
    roots : every root of ``Eg = RHS(Eg)`` found on a scan of the bracket
    converged, iterations, residual : root-finder report
    """

    eg: float
    eg_unquantized: float
    deviation: float
    bin_fraction: np.ndarray
    escaped_fraction: float
    roots: list
    converged: bool
    iterations: int
    residual: float
    params: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"eg": self.eg, "eg_unquantized": self.eg_unquantized, "deviation": self.deviation,
                "relative_deviation": self.deviation / self.eg_unquantized if self.eg_unquantized > 0 else None,
                "bin_fraction": self.bin_fraction, "escaped_fraction": self.escaped_fraction,
                "roots": self.roots, "converged": self.converged, "iterations": self.iterations,
                "residual": self.residual, "params": self.params}


# ----------------------------------------------------------------------------- simulation
@njit
def _ste_run(w0, levels, thresholds, eta, sigma, n_steps, record_every, rng,
             eg_rec, m_rec, q_rec, bin_rec):
    """One finite-N STE run from w = 0.

    Per step one fused pass over the coordinates: apply the previous update
    ``w += eta err x``, refresh ``phi(w)`` (bin index moved by at most a few thresholds), draw
    the next sample ``x`` and accumulate ``x . (w0 - phi(w))``.  ``err = x.(w0 - phi(w)) + noise``.
    ``rng`` is a ``numpy.random.Generator`` (Numba draws from it with NumPy's own ziggurat
    algorithm, about 8x faster than the legacy ``np.random`` functions in Numba).
    """
    n = w0.shape[0]
    n_th = thresholds.shape[0]
    inv = 1.0 / math.sqrt(n)
    w = np.zeros(n)
    x = np.empty(n)
    kk = np.empty(n, dtype=np.int64)
    k0 = _count_le(thresholds, 0.0)
    s = 0.0
    for i in range(n):
        kk[i] = k0
        xi = rng.standard_normal() * inv
        x[i] = xi
        s += xi * (w0[i] - levels[k0])
    r = 0
    for t in range(n_steps + 1):
        if t % record_every == 0:
            FP._record_state(w0, levels, kk, sigma, r, eg_rec, m_rec, q_rec, bin_rec)
            r += 1
        if t == n_steps:
            break
        c = eta * (s + sigma * rng.standard_normal())
        s = 0.0
        for i in range(n):
            wi = w[i] + c * x[i]
            w[i] = wi
            k = kk[i]
            while k > 0 and wi < thresholds[k - 1]:
                k -= 1
            while k < n_th and wi >= thresholds[k]:
                k += 1
            kk[i] = k
            xi = rng.standard_normal() * inv
            x[i] = xi
            s += xi * (w0[i] - levels[k])
    return r


def _one_run(seed_seq, *, n, levels, thresholds, eta, sigma, rho, n_steps, record_every, n_rec):
    """One simulation run from a SeedSequence (module level, so joblib can pickle it)."""
    from .teacher import spawn_seeds

    teacher_ss, noise_ss = spawn_seeds(seed_seq, 2)  # stateless: same children on every call
    w0 = np.random.default_rng(teacher_ss).standard_normal(n) * math.sqrt(rho)
    rng = np.random.default_rng(noise_ss)
    eg = np.empty(n_rec)
    m = np.empty(n_rec)
    q = np.empty(n_rec)
    bins = np.empty((n_rec, levels.shape[0]))
    _ste_run(w0, levels, thresholds, eta, sigma, n_steps, record_every, rng, eg, m, q, bins)
    return eg, m, q, bins


def ste_simulate(quantizer, eta, sigma, rho=1.0, *, n, runs, seed, tau_max=10.0, dtau=0.1,
                 n_jobs=1, backend="loky", progress=False) -> STETrajectory:
    """Finite-N online STE SGD, ``runs`` independent runs (kernel ``_ste_run``).

    Parameters
    ----------
    quantizer : Quantizer with ``edge_width = 0``
    eta : float in (0, 2)
        Learning rate (per sample; time ``tau = t / N``).
    sigma : float >= 0
        Label noise.
    rho : float > 0
        Teacher variance.
    n : int >= 2
        Number of weights N.
    runs : int >= 1
        Independent runs (teacher and samples drawn from child ``k`` of ``seed``; results do not
        depend on ``n_jobs`` or ``backend``).
    seed : int >= 0 or SeedSequence
    tau_max, dtau : float
        Horizon and recording resolution in ``tau`` (``dtau * n`` is rounded to whole steps).
    n_jobs, backend, progress : see :func:`fastq.parallel.parallel_map`

    Returns
    -------
    STETrajectory
        Means over runs with standard errors (``eg_se`` etc., NaN-free: 0 for a single run).
    """
    from .parallel import parallel_map
    from .teacher import spawn_seeds

    q, eta, sigma, rho = _check_common(quantizer, eta, sigma, rho)
    n = V.integer("n", n, 2)
    runs = V.integer("runs", runs, 1)
    tau_max, dtau, _ = _check_times(tau_max, dtau)
    record_every = max(1, int(round(dtau * n)))
    n_steps = int(round(tau_max * n))
    n_steps -= n_steps % record_every
    n_rec = n_steps // record_every + 1
    seeds = spawn_seeds(seed, runs)
    fn = functools.partial(_one_run, n=n, levels=np.ascontiguousarray(q.levels),
                           thresholds=np.ascontiguousarray(q.thresholds), eta=eta, sigma=sigma,
                           rho=rho, n_steps=n_steps, record_every=record_every, n_rec=n_rec)
    res = parallel_map(fn, seeds, n_jobs=n_jobs, backend=backend, progress=progress,
                       desc="fastq ste runs")
    eg = np.array([r[0] for r in res])
    m = np.array([r[1] for r in res])
    qq = np.array([r[2] for r in res])
    bins = np.array([r[3] for r in res])

    def se(a):
        return a.std(axis=0, ddof=1) / math.sqrt(runs) if runs > 1 else np.zeros(a.shape[1:])

    tau = np.arange(n_rec) * record_every / n
    info = {"n": n, "runs": runs, "steps": n_steps, "record_every": record_every,
            "params": _params(q, eta, sigma, rho)}
    return STETrajectory("simulation", tau, eg.mean(0), m.mean(0), qq.mean(0), bins.mean(0),
                         se(eg), se(m), se(bins), eg, info)


def _params(q, eta, sigma, rho):
    d = q.to_dict()
    d.update(eta=eta, sigma=sigma, rho=rho)
    return d


# ----------------------------------------------------------------------------- mean field
def ste_mean_field(quantizer, eta, sigma, rho=1.0, *, tau_max=10.0, dtau=0.1, method="pde",
                   dt=0.005, h=0.02, nodes=(24, 16), particles=200_000, seed=None) -> STETrajectory:
    """Eg(tau) in the N -> infinity limit (THEORY section 9).

    ``method="pde"``: the non-linear Fokker-Planck equation for ``p(w | w0)``, finite volumes with
    exponentially fitted upwind fluxes and backward Euler (kernel
    :func:`fastq.fokker_planck._fp_solve`); teacher nodes from
    :func:`fastq.fokker_planck.teacher_nodes` (Gauss-Legendre split at omega, ``nodes =
    (inside, outside)``), grid from :func:`fastq.fokker_planck.build_grid`.  ``info`` reports the
    largest mass error ``max |sum p - 1|`` and the smallest cell mass over the run.

    ``method="particles"``: ``particles`` interacting SDE particles, Euler-Maruyama with step
    ``dt`` (kernel :func:`fastq.fokker_planck._particles`); teachers stratified over the quantiles
    of N(0, rho); needs ``seed``.

    Parameters
    ----------
    quantizer : Quantizer with ``edge_width = 0``
    eta : float in (0, 2);  sigma : float >= 0;  rho : float > 0
    tau_max, dtau : horizon and recording step in tau
    dt : time step (rounded down so that it divides ``dtau``)
    h : cell width near the quantizer range (PDE)
    nodes : (int, int) Gauss-Legendre nodes on ``[0, omega]`` and ``[omega, omega + 8 sqrt(rho)]``
    particles : int, seed : int or SeedSequence (particle method)
    """
    q, eta, sigma, rho = _check_common(quantizer, eta, sigma, rho)
    tau_max, dtau, n_rec = _check_times(tau_max, dtau)
    if method not in ("pde", "particles"):
        raise V.FastqInputError(f"method must be one of pde, particles (got {method!r})")
    dt = V.positive("dt", dt)
    if dt > dtau:
        raise V.FastqInputError(f"dt must be in (0, dtau={dtau:g}] (got {dt!r})")
    n_sub = int(math.ceil(dtau / dt - 1e-9))
    dt_eff = dtau / n_sub
    levels = np.ascontiguousarray(q.levels)
    thresholds = np.ascontiguousarray(q.thresholds)
    n_bins = levels.shape[0]
    tau = np.arange(n_rec) * dtau
    eg = np.empty(n_rec)
    m = np.empty(n_rec)
    qq = np.empty(n_rec)
    bins = np.empty((n_rec, n_bins))
    params = _params(q, eta, sigma, rho)
    if method == "particles":
        from .teacher import as_seed_sequence, spawn_seeds

        particles = V.integer("particles", particles, 2)
        if seed is None:
            raise V.FastqInputError("seed is required for method='particles' (an int >= 0)")
        ss = as_seed_sequence(seed)
        t_ss, k_ss = spawn_seeds(ss, 2)
        # stratified teachers: one per probability stratum, a random position inside it, so
        # that the empirical law of w0 (hence Eg at tau = 0) has almost no sampling error
        from scipy.special import ndtri

        u = (np.arange(particles) + np.random.default_rng(t_ss).random(particles)) / particles
        w0 = ndtri(u) * math.sqrt(rho)
        FP._particles(w0, levels, thresholds, eta, sigma, dt_eff, n_sub, n_rec,
                      np.random.default_rng(k_ss), eg, m, qq, bins)
        info = {"dt": dt_eff, "particles": particles, "params": params}
        return STETrajectory("particles", tau, eg, m, qq, bins, info=info)

    h = V.positive("h", h)
    try:
        n_in, n_out = nodes
    except (TypeError, ValueError):
        raise V.FastqInputError(f"nodes must be a pair of integers >= 2 (got {nodes!r})") from None
    n_in = V.integer("nodes[0]", n_in, 2, 512)
    n_out = V.integer("nodes[1]", n_out, 2, 512)
    # Eg at w = 0, doubled: the domain is sized for this diffusion and checked afterwards
    phi0 = float(levels[np.searchsorted(thresholds, 0.0, side="right")])
    eg_bound = 2.0 * 0.5 * (rho + phi0 * phi0 + sigma * sigma)
    length = FP.domain_length(eta, eg_bound, tau_max)
    faces = FP.build_grid(levels, thresholds, h, length)
    centres = 0.5 * (faces[1:] + faces[:-1])
    cell_bin = np.searchsorted(thresholds, centres, side="right").astype(np.int64)
    cell_phi = levels[cell_bin]
    w0n, wq = FP.teacher_nodes(q.omega, rho, n_in, n_out)
    masses = np.tile(FP.initial_masses(faces), (w0n.size, 1))
    mass_err = np.empty(n_rec)
    min_mass = np.empty(n_rec)
    FP._fp_solve(faces, cell_phi, cell_bin, n_bins, w0n, wq, masses, eta, sigma, dt_eff, n_sub,
                 n_rec, eg, m, qq, bins, mass_err, min_mass)
    ok = bool(np.max(eg) <= eg_bound)
    info = {"dt": dt_eff, "h": h, "cells": int(faces.size - 1), "nodes": int(w0n.size),
            "domain": [float(faces[0]), float(faces[-1])], "eg_bound": eg_bound,
            "domain_ok": ok, "max_mass_error": float(mass_err.max()),
            "min_mass": float(min_mass.min()), "params": params}
    return STETrajectory("pde", tau, eg, m, qq, bins, info=info)


# ----------------------------------------------------------------------------- stationary
@njit
def _bin_log_masses(w0, temp, levels, thresholds, out):
    """log of ``int_bin exp(-U(w)/temp) dw`` for every bin (|w0| < omega), U(t_1) = 0.

    ``U(w) = int (phi(u) - w0) du`` is linear on each bin with slope ``d_k - w0``; each bin is a
    closed form, evaluated in log space (``log(-expm1(.))`` for the finite bins).
    """
    n_th = thresholds.shape[0]
    u = 0.0  # U at thresholds[k-1] while walking
    s0 = levels[0] - w0
    out[0] = math.log(temp / (-s0))
    for k in range(1, n_th):
        s = levels[k] - w0
        length = thresholds[k] - thresholds[k - 1]
        if s == 0.0:
            out[k] = -u / temp + math.log(length)
        elif s > 0.0:
            out[k] = -u / temp + math.log(temp / s) + math.log(-math.expm1(-s * length / temp))
        else:
            ub = u + s * length
            out[k] = -ub / temp + math.log(temp / (-s)) + math.log(-math.expm1(s * length / temp))
        u += s * length
    s = levels[n_th] - w0
    out[n_th] = -u / temp + math.log(temp / s)


@njit
def _bin_probs(w0, temp, levels, thresholds, out):
    _bin_log_masses(w0, temp, levels, thresholds, out)
    mx = out.max()
    tot = 0.0
    for k in range(out.shape[0]):
        out[k] = math.exp(out[k] - mx)
        tot += out[k]
    for k in range(out.shape[0]):
        out[k] /= tot


@njit
def _stationary_rhs(eg, eta, sigma, rho, omega, levels, thresholds, nodes, weights, tail, bins):
    """RHS(Eg) = (E_w0 E[(w0 - phi)^2 | w0] + sigma^2) / 2 and the stationary bin fractions.

    ``nodes, weights``: quadrature of ``E_{w0}`` restricted to ``0 <= w0 < omega`` (factor 2 for
    the mirror image included); ``tail``: the closed-form ``E[(|w0| - omega)^2; |w0| >= omega]``.
    """
    temp = eta * eg
    nb = levels.shape[0]
    p = np.empty(nb)
    for k in range(nb):
        bins[k] = 0.0
    acc = 0.0
    for j in range(nodes.shape[0]):
        w0 = nodes[j]
        _bin_probs(w0, temp, levels, thresholds, p)
        g = 0.0
        for k in range(nb):
            d = w0 - levels[k]
            g += p[k] * d * d
            bins[k] += 0.5 * weights[j] * p[k]
            bins[nb - 1 - k] += 0.5 * weights[j] * p[k]
        acc += weights[j] * g
    return 0.5 * (acc + tail + sigma * sigma)


def _stationary_quadrature(q, rho, per_piece):
    """Composite Gauss-Legendre on [0, omega] split at the levels and thresholds (where the
    low-temperature bin occupation switches), weights times 2 N(w0; 0, rho)."""
    pts = np.concatenate([[0.0, q.omega], q.levels, q.thresholds])
    pts = np.unique(pts[(pts >= 0.0) & (pts <= q.omega)])
    x, wq = np.polynomial.legendre.leggauss(per_piece)
    a, b = pts[:-1], pts[1:]
    nodes = (0.5 * (b - a)[:, None] * x[None, :] + 0.5 * (a + b)[:, None]).ravel()
    w = (0.5 * (b - a)[:, None] * wq[None, :]).ravel()
    w = w * 2.0 * np.exp(-0.5 * nodes * nodes / rho) / math.sqrt(2.0 * math.pi * rho)
    return nodes, w


def _tail(omega, rho):
    """E[(|w0| - omega)^2 ; |w0| >= omega] for w0 ~ N(0, rho), and P(|w0| >= omega)."""
    from scipy.special import erfc

    s = math.sqrt(rho)
    a = omega / s
    qa = 0.5 * erfc(a / math.sqrt(2.0))
    pdf = math.exp(-0.5 * a * a) / math.sqrt(2.0 * math.pi)
    return 2.0 * rho * ((1.0 + a * a) * qa - a * pdf), 2.0 * qa


def ste_stationary(quantizer, eta, sigma, rho=1.0, *, per_piece=None, tol=1e-13) -> STEStationary:
    """Self-consistent stationary Eg of STE training (THEORY section 9; kernel ``_stationary_rhs``).

    At stationarity ``p(w | w0) ~ exp(-U(w) / (eta Eg))`` with ``U(w) = int_0^w (phi(u) - w0) du``
    for ``|w0| < omega``; teachers with ``|w0| >= omega`` contribute ``(|w0| - omega)^2``.  Solves

    .. math::

        E_g = \\tfrac12\\left(\\mathbb{E}_{w_0}\\,\\mathbb{E}[(w_0 - \\phi(w))^2 \\mid w_0] + \\sigma^2\\right)

    by a scan of ``[sigma^2/2, Eg_max]`` for sign changes followed by Brent's method on each.

    Parameters
    ----------
    quantizer : Quantizer with ``edge_width = 0``
    eta : float in (0, 2);  sigma : float >= 0;  rho : float > 0
    per_piece : Gauss-Legendre nodes per piece of ``[0, omega]`` (default 24, or 8 beyond 64 pieces)
    tol : absolute tolerance on Eg

    Returns
    -------
    STEStationary
    """
    from scipy.optimize import brentq

    q, eta, sigma, rho = _check_common(quantizer, eta, sigma, rho)
    tol = V.positive("tol", tol)
    levels = np.ascontiguousarray(q.levels)
    thresholds = np.ascontiguousarray(q.thresholds)
    if per_piece is None:
        per_piece = 24 if 2 * q.n_p <= 64 else 8
    per_piece = V.integer("per_piece", per_piece, 2, 256)
    nodes, weights = _stationary_quadrature(q, rho, per_piece)
    tail, escaped = _tail(q.omega, rho)
    bins = np.empty(levels.shape[0])
    calls = [0]

    def f(eg):
        calls[0] += 1
        return eg - _stationary_rhs(eg, eta, sigma, rho, q.omega, levels, thresholds, nodes, weights,
                                    tail, bins)

    lo = max(0.5 * sigma * sigma, 1e-12 * rho)
    hi = 0.5 * (rho + 2.0 * q.omega * math.sqrt(2.0 * rho / math.pi) + q.omega ** 2 + sigma * sigma) * 1.01
    grid = np.geomspace(lo, hi, 65)
    vals = np.array([f(x) for x in grid])
    roots = []
    for i in range(grid.size - 1):
        if vals[i] == 0.0:
            roots.append(float(grid[i]))
        elif vals[i] * vals[i + 1] < 0.0:
            roots.append(float(brentq(f, grid[i], grid[i + 1], xtol=tol, rtol=4 * np.finfo(float).eps)))
    eg_u = sigma * sigma / (2.0 - eta)
    params = _params(q, eta, sigma, rho)
    if not roots:
        return STEStationary(math.nan, eg_u, math.nan, np.full(levels.shape[0], math.nan), escaped, [],
                             False, calls[0], math.nan, params)
    eg = roots[0]
    res = f(eg)
    frac = bins.copy()
    frac[0] += 0.5 * escaped
    frac[-1] += 0.5 * escaped
    return STEStationary(eg, eg_u, eg - eg_u, frac, escaped, roots, True, calls[0], abs(res), params)
