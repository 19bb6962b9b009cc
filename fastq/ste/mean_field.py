"""The N -> infinity limit of online STE training (THEORY section 9): :func:`ste_mean_field`.

Each coordinate pair ``(w, w0)`` follows ``dw = eta (w0 - phi(w)) dtau + eta sqrt(2 Eg(tau)) dB``;
the conditional density obeys a non-linear Fokker-Planck equation, solved by finite volumes
(kernel ``_fp_kernels._fp_solve``, grid from :mod:`fastq.ste.fp_grid`) or by interacting
particles (kernel ``_fp_kernels._particles``).
"""
from __future__ import annotations

import math

import numpy as np

from .. import _validate as V
from ..synthetic import as_seed_sequence, spawn_seeds
from ._fp_kernels import _fp_solve, _particles
from .fp_grid import build_grid, domain_length, initial_masses, teacher_nodes
from .records import STETrajectoryResult, _check_common, _check_times, _params


def ste_mean_field(quantizer, eta, sigma, rho=1.0, *, tau_max=10.0, dtau=0.1, method="pde",
                   dt=0.005, h=0.02, nodes=(24, 16), particles=200_000, seed=None) -> STETrajectoryResult:
    """Eg(tau) in the N -> infinity limit (THEORY section 9).

    ``method="pde"``: the non-linear Fokker-Planck equation for ``p(w | w0)``, finite volumes with
    exponentially fitted upwind fluxes and backward Euler (kernel
    :func:`fastq.ste._fp_kernels._fp_solve`); teacher nodes from
    :func:`fastq.ste.fp_grid.teacher_nodes` (Gauss-Legendre split at omega, ``nodes =
    (inside, outside)``), grid from :func:`fastq.ste.fp_grid.build_grid`.  ``info`` reports the
    largest mass error ``max |sum p - 1|`` and the smallest cell mass over the run.

    ``method="particles"``: ``particles`` interacting SDE particles, Euler-Maruyama with step
    ``dt`` (kernel :func:`fastq.ste._fp_kernels._particles`); teachers stratified over the quantiles
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
    params = _params(q, eta, sigma, rho)
    if method == "particles":
        particles = V.integer("particles", particles, 2)
        if seed is None:
            raise V.FastqInputError("seed is required for method='particles' (an int >= 0)")
        return _particle_run(q, eta, sigma, rho, particles, seed, dt_eff, n_sub, n_rec, dtau, params)
    h = V.positive("h", h)
    try:
        n_in, n_out = nodes
    except (TypeError, ValueError):
        raise V.FastqInputError(f"nodes must be a pair of integers >= 2 (got {nodes!r})") from None
    n_in = V.integer("nodes[0]", n_in, 2, 512)
    n_out = V.integer("nodes[1]", n_out, 2, 512)
    return _pde_run(q, eta, sigma, rho, h, n_in, n_out, tau_max, dt_eff, n_sub, n_rec, dtau, params)


def _records(q, n_rec, dtau):
    """Record arrays ``tau, eg, m, q, bins`` for ``n_rec`` records."""
    n_bins = q.levels.shape[0]
    return (np.arange(n_rec) * dtau, np.empty(n_rec), np.empty(n_rec), np.empty(n_rec),
            np.empty((n_rec, n_bins)))


def _particle_run(q, eta, sigma, rho, particles, seed, dt_eff, n_sub, n_rec, dtau, params):
    """The interacting-particle solution (kernel ``_particles``); teachers stratified."""
    levels = np.ascontiguousarray(q.levels)
    thresholds = np.ascontiguousarray(q.thresholds)
    tau, eg, m, qq, bins = _records(q, n_rec, dtau)
    t_ss, k_ss = spawn_seeds(as_seed_sequence(seed), 2)
    # stratified teachers: one per probability stratum, a random position inside it, so
    # that the empirical law of w0 (hence Eg at tau = 0) has almost no sampling error
    from scipy.special import ndtri

    u = (np.arange(particles) + np.random.default_rng(t_ss).random(particles)) / particles
    w0 = ndtri(u) * math.sqrt(rho)
    _particles(w0, levels, thresholds, eta, sigma, dt_eff, n_sub, n_rec,
               np.random.default_rng(k_ss), eg, m, qq, bins)
    info = {"dt": dt_eff, "particles": particles, "params": params}
    return STETrajectoryResult("particles", tau, eg, m, qq, bins, info=info)


def _pde_run(q, eta, sigma, rho, h, n_in, n_out, tau_max, dt_eff, n_sub, n_rec, dtau, params):
    """The finite-volume solution (kernel ``_fp_solve``) on a grid sized for ``tau_max``."""
    levels = np.ascontiguousarray(q.levels)
    thresholds = np.ascontiguousarray(q.thresholds)
    n_bins = levels.shape[0]
    tau, eg, m, qq, bins = _records(q, n_rec, dtau)
    # Eg at w = 0, doubled: the domain is sized for this diffusion and checked afterwards
    phi0 = float(levels[np.searchsorted(thresholds, 0.0, side="right")])
    eg_bound = 2.0 * 0.5 * (rho + phi0 * phi0 + sigma * sigma)
    length = domain_length(eta, eg_bound, tau_max)
    faces = build_grid(levels, thresholds, h, length)
    centres = 0.5 * (faces[1:] + faces[:-1])
    cell_bin = np.searchsorted(thresholds, centres, side="right").astype(np.int64)
    cell_phi = levels[cell_bin]
    w0n, wq = teacher_nodes(q.omega, rho, n_in, n_out)
    masses = np.tile(initial_masses(faces), (w0n.size, 1))
    mass_err = np.empty(n_rec)
    min_mass = np.empty(n_rec)
    _fp_solve(faces, cell_phi, cell_bin, n_bins, w0n, wq, masses, eta, sigma, dt_eff, n_sub,
                 n_rec, eg, m, qq, bins, mass_err, min_mass)
    ok = bool(np.max(eg) <= eg_bound)
    info = {"dt": dt_eff, "h": h, "cells": int(faces.size - 1), "nodes": int(w0n.size),
            "domain": [float(faces[0]), float(faces[-1])], "eg_bound": eg_bound,
            "domain_ok": ok, "max_mass_error": float(mass_err.max()),
            "min_mass": float(min_mass.min()), "params": params}
    return STETrajectoryResult("pde", tau, eg, m, qq, bins, info=info)
