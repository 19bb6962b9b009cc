r"""Mean-field limit of online STE training: Fokker-Planck (finite volume) and particle solvers.

THEORY sections 9 and 9b.  As N -> infinity each coordinate pair (w, w0) of online STE SGD
follows (input moments ``c1 = E[x psi(x)]``, ``c2 = E[psi(x)^2]``; both 1 for unquantized inputs)

.. math::

    dw = \eta\,(c_1 w_0 - c_2 \phi(w))\,d\tau + \eta\sqrt{2 c_2 E_g(\tau)}\,dB,\qquad
    E_g(\tau) = \tfrac12\left(\mathbb{E}[w_0^2 - 2 c_1 w_0 \phi(w) + c_2 \phi(w)^2] + \sigma^2\right),

so the conditional density ``p(w | w0)`` obeys the non-linear Fokker-Planck equation

.. math::

    \partial_\tau p = -\partial_w[\eta (c_1 w_0 - c_2 \phi(w)) p] + \eta^2 c_2 E_g(\tau)\,\partial_{ww} p .

This module holds the numerical kernels; the validating public entry point is
:func:`fastq.ste_mean_field` (grid, start and quadrature in :mod:`fastq.ste.fp_grid`).

Finite-volume scheme (kernel ``_fp_solve``)
-------------------------------------------
* Cell masses on a non-uniform grid whose faces contain every threshold, so the drift
  ``a = eta (c1 w0 - c2 phi(w))`` is constant inside each cell and jumps only on faces.
* Face fluxes use the exponentially fitted (Scharfetter-Gummel) form, generalised to a drift that
  changes at the face: the two half-cells are treated as two constant-drift segments in series
  and the interface density is eliminated.  The flux is ``F = f1 u_L - f2 u_R`` with ``f1, f2 >= 0``
  for any Peclet number; it is exact for a stationary flux through piecewise-constant drift and
  reduces to first-order upwinding for strong drift and to central differences for weak drift.
* Backward Euler in time with ``Eg`` taken at the start of each step.  The matrix
  ``I - dt A`` is a column-stochastic M-matrix: masses stay non-negative and their sum is conserved
  to rounding for any ``dt``.
* Domain: weights whose teacher lies outside ``[-omega, omega]`` drift off for ever.  Beyond the
  outermost thresholds ``phi = +-omega`` is constant, so *where* such a weight is does not change
  ``Eg``, only whether it comes back.  The grid extends by ``L`` beyond the outer thresholds with
  geometrically growing cells and ends with zero-flux walls (mass is conserved exactly).  ``L`` is
  chosen from ``tau_max`` so that a walker either cannot reach the wall in time or, having reached
  it, cannot come back against its drift (both probabilities below ~1e-6; see ``domain_length``).

Particle solver (kernel ``_particles``)
---------------------------------------
Euler-Maruyama for ``P`` interacting particles ``(w0_p, w_p)``, ``Eg`` estimated from the
particles at each step (the McKean-Vlasov system whose limit is the equation above).
"""
from __future__ import annotations

import math

import numpy as np

from .._jit import njit
from ..quantizers import _count_le, _shift_bin


@njit
def _bernoulli(x):
    """B(x) = x / (exp(x) - 1), stable for all x (B(0) = 1, B(-x) = B(x) + x)."""
    if abs(x) < 1e-8:
        return 1.0 - 0.5 * x
    if x > 700.0:
        return x * math.exp(-x)
    return x / math.expm1(x)


@njit
def _thomas(lower, diag, upper, rhs, cp, dp):
    """Solve a tridiagonal system in place of ``rhs`` (no pivoting: the matrix is an M-matrix)."""
    n = diag.shape[0]
    cp[0] = upper[0] / diag[0]
    dp[0] = rhs[0] / diag[0]
    for i in range(1, n):
        den = diag[i] - lower[i] * cp[i - 1]
        cp[i] = upper[i] / den if i < n - 1 else 0.0
        dp[i] = (rhs[i] - lower[i] * dp[i - 1]) / den
    rhs[n - 1] = dp[n - 1]
    for i in range(n - 2, -1, -1):
        rhs[i] = dp[i] - cp[i] * rhs[i + 1]


@njit
def _fp_observables(masses, nodes, weights, cell_phi, cell_bin, n_bins, sigma, c1, c2, mirror, out_bins):
    """Eg, m = E[w0 phi], q = E[phi^2] and bin fractions (symmetrised if ``mirror``) from the
    cell masses.  ``2 Eg = E[(w0 - phi)^2] + 2 (1 - c1) m + (c2 - 1) q + sigma^2``, which is
    ``E[w0^2 - 2 c1 w0 phi + c2 phi^2] + sigma^2`` and adds exact zeros when ``c1 = c2 = 1``.
    """
    n_nodes, n_cells = masses.shape
    err = 0.0
    mm = 0.0
    qq = 0.0
    for k in range(n_bins):
        out_bins[k] = 0.0
    for j in range(n_nodes):
        w0 = nodes[j]
        e = 0.0
        f = 0.0
        g = 0.0
        for i in range(n_cells):
            mi = masses[j, i]
            d = w0 - cell_phi[i]
            e += mi * d * d
            f += mi * cell_phi[i]
            g += mi * cell_phi[i] * cell_phi[i]
            b = cell_bin[i]
            if mirror:
                # mirror image -w0 puts the same mass in bin n_bins-1-b
                out_bins[b] += 0.5 * weights[j] * mi
                out_bins[n_bins - 1 - b] += 0.5 * weights[j] * mi
            else:
                out_bins[b] += weights[j] * mi
        err += weights[j] * e
        mm += weights[j] * w0 * f
        qq += weights[j] * g
    return 0.5 * (err + 2.0 * (1.0 - c1) * mm + (c2 - 1.0) * qq + sigma * sigma), mm, qq


@njit
def _fp_solve(faces, cell_phi, cell_bin, n_bins, nodes, weights, masses, eta, sigma, c1, c2, mirror,
              dt, n_sub, n_rec, eg_rec, m_rec, q_rec, bin_rec, mass_err_rec, min_mass_rec,
              snap_rec, snap_out):
    """Integrate the Fokker-Planck equation; ``masses`` (nodes x cells) is updated in place.

    Drift ``eta (c1 w0 - c2 phi(w))``, diffusion ``eta^2 c2 Eg`` (THEORY 9b; section 9 for
    ``c1 = c2 = 1``).  Records at steps ``0, n_sub, 2 n_sub, ...`` (``n_rec`` records); the masses
    are copied into ``snap_out[j]`` at record ``snap_rec[j]`` (sorted).  Per step and node: one
    Bernoulli evaluation per cell, one tridiagonal solve.  The time loop stays in one function
    (about 90 lines): the assembly reuses the face coefficients of the previous face across the
    uniform cells of a bin, a state that would otherwise have to be passed around per face.
    """
    n_nodes, n_cells = masses.shape
    width = np.empty(n_cells)
    for i in range(n_cells):
        width[i] = faces[i + 1] - faces[i]
    lower = np.empty(n_cells)
    diag = np.empty(n_cells)
    upper = np.empty(n_cells)
    rhs = np.empty(n_cells)
    cp = np.empty(n_cells)
    dp = np.empty(n_cells)
    bl = np.empty(n_cells)   # B(a_i h_i / (2D))
    bins = np.empty(n_bins)
    eg = 0.0
    ns = 0
    for r in range(n_rec):
        while ns < snap_rec.shape[0] and snap_rec[ns] == r:
            snap_out[ns, :, :] = masses
            ns += 1
        eg, mm, qq = _fp_observables(masses, nodes, weights, cell_phi, cell_bin, n_bins, sigma, c1, c2,
                                     mirror, bins)
        eg_rec[r] = eg
        m_rec[r] = mm
        q_rec[r] = qq
        for k in range(n_bins):
            bin_rec[r, k] = bins[k]
        worst = 0.0
        low = np.inf
        for j in range(n_nodes):
            s = 0.0
            for i in range(n_cells):
                s += masses[j, i]
                if masses[j, i] < low:
                    low = masses[j, i]
            if abs(s - 1.0) > worst:
                worst = abs(s - 1.0)
        mass_err_rec[r] = worst
        min_mass_rec[r] = low
        if r == n_rec - 1:
            break
        for step in range(n_sub):
            if step > 0:
                eg, mm, qq = _fp_observables(masses, nodes, weights, cell_phi, cell_bin, n_bins,
                                             sigma, c1, c2, mirror, bins)
            dcoef = eta * eta * eg * c2
            for j in range(n_nodes):
                w0 = nodes[j]
                for i in range(n_cells):
                    if i > 0 and abs(width[i] - width[i - 1]) <= 1e-12 * width[i] and cell_phi[i] == cell_phi[i - 1]:
                        # uniform cells inside one bin share coefficients (widths equal to rounding)
                        bl[i] = bl[i - 1]
                    else:
                        a = eta * (c1 * w0 - c2 * cell_phi[i])
                        bl[i] = _bernoulli(a * 0.5 * width[i] / dcoef)
                for i in range(n_cells):
                    lower[i] = 0.0
                    upper[i] = 0.0
                    diag[i] = 1.0
                    rhs[i] = masses[j, i]
                f1 = 0.0
                f2 = 0.0
                for i in range(n_cells - 1):
                    if (i > 0 and abs(width[i + 1] - width[i]) <= 1e-12 * width[i]
                            and abs(width[i] - width[i - 1]) <= 1e-12 * width[i]
                            and cell_phi[i + 1] == cell_phi[i] and cell_phi[i] == cell_phi[i - 1]):
                        # same face coefficients as the previous face
                        diag[i] += dt * f1
                        upper[i] -= dt * f2
                        lower[i + 1] -= dt * f1
                        diag[i + 1] += dt * f2
                        continue
                    hl = 0.5 * width[i]
                    hr = 0.5 * width[i + 1]
                    al = dcoef / hl
                    ar = dcoef / hr
                    pl = eta * (c1 * w0 - c2 * cell_phi[i]) * hl / dcoef
                    pr = eta * (c1 * w0 - c2 * cell_phi[i + 1]) * hr / dcoef
                    b_pl = bl[i]
                    b_mpl = b_pl + pl
                    b_pr = bl[i + 1]
                    b_mpr = b_pr + pr
                    den = al * b_pl + ar * b_mpr
                    f1 = al * b_mpl * ar * b_mpr / den / width[i]
                    f2 = al * b_pl * ar * b_pr / den / width[i + 1]
                    # flux i -> i+1 : f1 m_i - f2 m_{i+1}
                    diag[i] += dt * f1
                    upper[i] -= dt * f2
                    lower[i + 1] -= dt * f1
                    diag[i + 1] += dt * f2
                _thomas(lower, diag, upper, rhs, cp, dp)
                for i in range(n_cells):
                    masses[j, i] = rhs[i]
    return eg


@njit
def _record_state(w0, levels, kk, sigma, c1, c2, r, eg_rec, m_rec, q_rec, bin_rec):
    """Record Eg, m, Q and the bin fractions of weights sitting at levels ``kk`` into row ``r``;
    returns ``N (2 Eg - sigma^2)``.  Shared by the particle solver and the STE simulation.
    ``2 Eg = mean[(w0 - phi)^2 + 2 (1 - c1) w0 phi + (c2 - 1) phi^2] + sigma^2`` (exact zeros
    added when ``c1 = c2 = 1``).
    """
    n = w0.shape[0]
    s2 = 0.0
    sm = 0.0
    sq2 = 0.0
    for k in range(bin_rec.shape[1]):
        bin_rec[r, k] = 0.0
    for i in range(n):
        ph = levels[kk[i]]
        d = w0[i] - ph
        s2 += d * d
        sm += w0[i] * ph
        sq2 += ph * ph
        bin_rec[r, kk[i]] += 1.0
    for k in range(bin_rec.shape[1]):
        bin_rec[r, k] /= n
    s2 = s2 + 2.0 * (1.0 - c1) * sm + (c2 - 1.0) * sq2
    eg_rec[r] = 0.5 * (s2 / n + sigma * sigma)
    m_rec[r] = sm / n
    q_rec[r] = sq2 / n
    return s2


@njit
def _particles(w0, w_init, levels, thresholds, eta, sigma, c1, c2, dt, n_sub, n_rec, rng,
               eg_rec, m_rec, q_rec, bin_rec):
    """Euler-Maruyama for the McKean-Vlasov particle system (drift ``eta (c1 w0 - c2 phi)``,
    noise ``eta sqrt(2 c2 Eg)``) from the latent weights ``w_init``; ``rng`` is a
    ``numpy.random.Generator``.
    """
    n = w0.shape[0]
    w = w_init.copy()
    kk = np.empty(n, dtype=np.int64)
    for i in range(n):
        kk[i] = _count_le(thresholds, w[i])
    sq = math.sqrt(dt)
    for r in range(n_rec):
        s2 = _record_state(w0, levels, kk, sigma, c1, c2, r, eg_rec, m_rec, q_rec, bin_rec)
        if r == n_rec - 1:
            break
        for step in range(n_sub):
            if step > 0:
                s2 = 0.0
                sm = 0.0
                sq2 = 0.0
                for i in range(n):
                    ph = levels[kk[i]]
                    d = w0[i] - ph
                    s2 += d * d
                    sm += w0[i] * ph
                    sq2 += ph * ph
                s2 = s2 + 2.0 * (1.0 - c1) * sm + (c2 - 1.0) * sq2
            eg = 0.5 * (s2 / n + sigma * sigma)
            amp = eta * math.sqrt(2.0 * c2 * eg) * sq
            for i in range(n):
                wi = w[i] + eta * (c1 * w0[i] - c2 * levels[kk[i]]) * dt + amp * rng.standard_normal()
                w[i] = wi
                kk[i] = _shift_bin(kk[i], wi, thresholds)
