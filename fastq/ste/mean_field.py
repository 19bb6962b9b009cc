"""The N -> infinity limit of online STE training (THEORY 9/9b): :func:`ste_mean_field`.

Each coordinate pair ``(w, w0)`` follows
``dw = eta (c1 w0 - c2 phi(w)) dtau + eta sqrt(2 c2 Eg(tau)) dB`` (input moments ``c1, c2`` of
:mod:`fastq.ste.model`, both 1 for unquantized inputs);
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
from .fp_grid import build_grid, domain_length, gaussian_masses, initial_masses, teacher_nodes
from .model import _model
from .records import STETrajectoryResult, _check_common, _check_snapshots, _check_times, _params


def ste_mean_field(quantizer, eta, sigma, rho=1.0, *, tau_max=10.0, dtau=0.1, method="pde",
                   dt=0.005, h=0.02, nodes=(24, 16), particles=200_000, seed=None, input_quantizer=None,
                   init_std=0.0, teacher_value=None, snapshots=None) -> STETrajectoryResult:
    """Eg(tau) in the N -> infinity limit (THEORY sections 9 and 9b).

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
    input_quantizer : hard Quantizer or None (unquantized inputs); see :func:`fastq.ste_simulate`
    init_std : start ``w ~ N(0, init_std^2)`` (0: start at 0; PDE: exact cell masses of the
        Gaussian; particles: stratified quantiles in random order)
    teacher_value : constant teacher ``w* = c`` (a single teacher node), None = Gaussian N(0, rho)
    snapshots : times (multiples of dtau) at which the PDE cell masses are kept (PDE only)
    """
    q, eta, sigma, rho = _check_common(quantizer, eta, sigma, rho)
    model = _model(input_quantizer, init_std, teacher_value, rho)
    tau_max, dtau, n_rec = _check_times(tau_max, dtau)
    _, snap_rec = _check_snapshots(snapshots, tau_max, dtau)
    if method not in ("pde", "particles"):
        raise V.FastqInputError(f"method must be one of pde, particles (got {method!r})")
    dt = V.positive("dt", dt)
    if dt > dtau:
        raise V.FastqInputError(f"dt must be in (0, dtau={dtau:g}] (got {dt!r})")
    n_sub = int(math.ceil(dtau / dt - 1e-9))
    dt_eff = dtau / n_sub
    params = _params(q, eta, sigma, rho, model)
    if method == "particles":
        particles = V.integer("particles", particles, 2)
        if seed is None:
            raise V.FastqInputError("seed is required for method='particles' (an int >= 0)")
        if snap_rec.size:
            raise V.FastqInputError("snapshots must be None for method='particles' (PDE and simulation only)")
        return _particle_run(q, model, eta, sigma, particles, seed, dt_eff, n_sub, n_rec, dtau, params)
    h = V.positive("h", h)
    try:
        n_in, n_out = nodes
    except (TypeError, ValueError):
        raise V.FastqInputError(f"nodes must be a pair of integers >= 2 (got {nodes!r})") from None
    n_in = V.integer("nodes[0]", n_in, 2, 512)
    n_out = V.integer("nodes[1]", n_out, 2, 512)
    return _pde_run(q, model, eta, sigma, h, (n_in, n_out), tau_max, dt_eff, n_sub, n_rec, dtau, params,
                    snap_rec)


def _records(q, n_rec, dtau):
    """Record arrays ``tau, eg, m, q, bins`` for ``n_rec`` records."""
    n_bins = q.levels.shape[0]
    return (np.arange(n_rec) * dtau, np.empty(n_rec), np.empty(n_rec), np.empty(n_rec),
            np.empty((n_rec, n_bins)))


def _particle_run(q, model, eta, sigma, particles, seed, dt_eff, n_sub, n_rec, dtau, params):
    """The interacting-particle solution (kernel ``_particles``); teachers stratified."""
    levels = np.ascontiguousarray(q.levels)
    thresholds = np.ascontiguousarray(q.thresholds)
    tau, eg, m, qq, bins = _records(q, n_rec, dtau)
    t_ss, k_ss, i_ss = spawn_seeds(as_seed_sequence(seed), 3)
    # stratified teachers: one per probability stratum, a random position inside it, so
    # that the empirical law of w0 (hence Eg at tau = 0) has almost no sampling error
    from scipy.special import ndtri

    if model.teacher_value is None:
        u = (np.arange(particles) + np.random.default_rng(t_ss).random(particles)) / particles
        w0 = ndtri(u) * math.sqrt(model.rho)
    else:
        w0 = np.full(particles, model.teacher_value)
    w_init = np.zeros(particles)
    if model.init_std > 0.0:
        g = np.random.default_rng(i_ss)
        u = (np.arange(particles) + g.random(particles)) / particles
        w_init = g.permutation(ndtri(u) * model.init_std)  # stratified, independent of the teacher
    _particles(w0, w_init, levels, thresholds, eta, sigma, model.c1, model.c2, dt_eff, n_sub, n_rec,
               np.random.default_rng(k_ss), eg, m, qq, bins)
    info = {"dt": dt_eff, "particles": particles, "params": params}
    return STETrajectoryResult("particles", tau, eg, m, qq, bins, info=info)


def _eg_bound(q, model, sigma):
    """Bound on Eg(tau) used to size the domain (checked afterwards).  Section 9's default model:
    twice Eg at w = 0; otherwise the hard bound ``(E w*^2 + 2 c1 omega E|w*| + c2 omega^2 + sigma^2)/2``.
    """
    levels, thresholds = q.levels, q.thresholds
    if model.identity and model.init_std == 0.0 and model.teacher_value is None:
        phi0 = float(levels[np.searchsorted(thresholds, 0.0, side="right")])
        return 2.0 * 0.5 * (model.rho + phi0 * phi0 + sigma * sigma)
    abs_mean = math.sqrt(2.0 * model.rho / math.pi) if model.teacher_value is None else abs(model.teacher_value)
    return 0.5 * (model.teacher_m2 + 2.0 * model.c1 * q.omega * abs_mean + model.c2 * q.omega ** 2
                  + sigma * sigma)


def _pde_run(q, model, eta, sigma, h, n_nodes, tau_max, dt_eff, n_sub, n_rec, dtau, params, snap_rec):
    """The finite-volume solution (kernel ``_fp_solve``) on a grid sized for ``tau_max``."""
    levels = np.ascontiguousarray(q.levels)
    thresholds = np.ascontiguousarray(q.thresholds)
    n_bins = levels.shape[0]
    tau, eg, m, qq, bins = _records(q, n_rec, dtau)
    eg_bound = _eg_bound(q, model, sigma)
    s0 = model.init_std
    length = max(domain_length(eta, eg_bound * model.c2, tau_max), 8.0 * s0)
    faces = build_grid(levels, thresholds, h, length, margin=max(2.0, 5.0 * s0))
    centres = 0.5 * (faces[1:] + faces[:-1])
    cell_bin = np.searchsorted(thresholds, centres, side="right").astype(np.int64)
    cell_phi = levels[cell_bin]
    if model.teacher_value is None:
        w0n, wq = teacher_nodes(q.omega / model.ratio, model.rho, *n_nodes)
    else:
        w0n, wq = np.array([model.teacher_value]), np.array([1.0])
    start = initial_masses(faces) if s0 == 0.0 else gaussian_masses(faces, s0)
    masses = np.tile(start, (w0n.size, 1))
    mass_err = np.empty(n_rec)
    min_mass = np.empty(n_rec)
    snaps = np.empty((snap_rec.size, w0n.size, faces.size - 1))
    _fp_solve(faces, cell_phi, cell_bin, n_bins, w0n, wq, masses, eta, sigma, model.c1, model.c2,
              model.teacher_value is None, dt_eff, n_sub, n_rec, eg, m, qq, bins, mass_err, min_mass,
              snap_rec, snaps)
    ok = bool(np.max(eg) <= eg_bound)
    info = {"dt": dt_eff, "h": h, "cells": int(faces.size - 1), "nodes": int(w0n.size),
            "domain": [float(faces[0]), float(faces[-1])], "eg_bound": eg_bound,
            "domain_ok": ok, "max_mass_error": float(mass_err.max()),
            "min_mass": float(min_mass.min()), "params": params}
    if snap_rec.size:
        info.update(faces=faces, teacher_nodes=w0n, teacher_weights=wq)
    return STETrajectoryResult("pde", tau, eg, m, qq, bins, info=info, snapshot_tau=snap_rec * dtau,
                               snapshots=snaps if snap_rec.size else None)
