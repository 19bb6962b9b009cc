"""Figures of online STE training (THEORY section 9): compute -> data (NPZ + JSON) -> PNG.

* ``ste_trajectories`` (:func:`make_trajectories`) -- Eg(tau): finite-N simulation (points,
  standard errors) against the mean-field Fokker-Planck solution (lines) for several omega at
  fixed bits, the zero-level occupation, and the plateau length against omega;
* ``ste_stationary`` (:func:`make_stationary`) -- stationary Eg against omega (several b) and
  against b (several omega), uniform and log, with the unquantized reference sigma^2/(2 - eta).

* ``ste_density``, ``ste_maps`` -- the seed paper's setting (THEORY 9b), in :mod:`fastq.figures.ste_seed`.

The PNGs are drawn from the written NPZ files by :mod:`fastq.plotting.ste`, so they can be
redrawn without recomputing.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import store
from ..parallel import parallel_map
from ..plotting.ste import plot_stationary, plot_trajectories
from ..quantizers import Quantizer
from ..ste import plateau_length, ste_mean_field, ste_simulate, ste_stationary
from ..ste.analysis import PLATEAU_LEFT
from .ste_seed import make_density, make_maps


def _sim_item(item):
    """Picklable unit of work for parallel_map: one simulation (all its runs serially)."""
    omega, n_p, eta, sigma, n, runs, seed, tau_max, dtau = item
    r = ste_simulate(Quantizer.uniform(n_p, omega), eta, sigma, n=n, runs=runs, seed=seed,
                     tau_max=tau_max, dtau=dtau)
    return r.tau, r.eg, r.eg_se, r.bin_fraction


def make_trajectories(out_dir, *, quick=False, n_jobs=1, progress=False, n_p=2, eta=0.5, sigma=0.1,
                      omegas=(1.0, 2.0, 3.0, 4.0), plateau_omegas=None, seed=2024):
    """Eg(tau) simulation vs mean field for several omega at fixed n_p (default b = 2).

    Returns the written paths (``ste_trajectories.npz/.json/.png``).
    """
    out_dir = Path(out_dir)
    n, runs, tau_max, dtau = (1000, 4, 8.0, 0.25) if quick else (2000, 16, 15.0, 0.25)
    if plateau_omegas is None:
        plateau_omegas = np.array([1.0, 2.0, 3.0, 4.0, 6.0]) if quick else \
            np.array([1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 16.0])
    omegas = np.asarray(omegas, dtype=float)
    mf_eg, mf_zero, st_eg = [], [], []
    tau_mf = None
    for w in omegas:
        q = Quantizer.uniform(n_p, w)
        r = ste_mean_field(q, eta, sigma, tau_max=tau_max, dtau=0.05)
        tau_mf = r.tau
        mf_eg.append(r.eg)
        mf_zero.append(r.bin_fraction[:, n_p // 2])
        st_eg.append(ste_stationary(q, eta, sigma).eg)
    items = [(float(w), n_p, eta, sigma, n, runs, seed + k, tau_max, dtau) for k, w in enumerate(omegas)]
    sims = parallel_map(_sim_item, items, n_jobs=n_jobs, progress=progress, desc="ste simulations",
                        chunk_size=1)
    # plateau length vs omega (mean field, fine tau resolution, horizon scaled with omega)
    tp = []
    for w in plateau_omegas:
        q = Quantizer.uniform(n_p, w)
        z_inf = ste_stationary(q, eta, sigma).bin_fraction[n_p // 2]
        r = ste_mean_field(q, eta, sigma, tau_max=max(6.0, 1.5 * w), dtau=0.02, dt=0.005)
        tp.append(plateau_length(r.tau, r.bin_fraction[:, n_p // 2], z_inf))
    tp = np.array(tp)
    big = plateau_omegas >= 4.0
    slope, intercept = np.polyfit(np.log(plateau_omegas[big]), np.log(tp[big]), 1)
    data = dict(omega=omegas, tau_mf=tau_mf, eg_mf=np.array(mf_eg), zero_mf=np.array(mf_zero),
                eg_stationary=np.array(st_eg), tau_sim=sims[0][0],
                eg_sim=np.array([s[1] for s in sims]), eg_sim_se=np.array([s[2] for s in sims]),
                zero_sim=np.array([s[3][:, n_p // 2] for s in sims]),
                plateau_omega=plateau_omegas, plateau_tau=tp,
                plateau_fit=np.array([slope, np.exp(intercept)]))
    params = dict(scheme="uniform", n_p=n_p, eta=eta, sigma=sigma, rho=1.0, n=n, runs=runs,
                  tau_max=tau_max, dtau_sim=dtau, seed=seed, quick=quick,
                  plateau_definition=f"first tau at which the zero level has lost {PLATEAU_LEFT:.0%} of its "
                                     "stationary loss (mean field)",
                  plateau_fit="tau_p = c * omega**slope on omega >= 4 (slope, c)")
    paths = [store.write_npz(out_dir / "ste_trajectories.npz", **data)]
    meta = store.metadata("ste_trajectories", params)
    meta["plateau"] = {"omega": plateau_omegas, "tau": tp, "slope": slope, "prefactor": float(np.exp(intercept))}
    meta["eg_stationary"] = dict(zip([f"omega={w:g}" for w in omegas], st_eg))
    paths.append(store.write_json(out_dir / "ste_trajectories.json", meta))
    paths.append(plot_trajectories(out_dir / "ste_trajectories.npz", out_dir / "ste_trajectories.png",
                                   title=f"uniform n_p={n_p}, eta={eta:g}, sigma={sigma:g}, N={n}, {runs} runs"))
    return paths


def make_stationary(out_dir, *, quick=False, n_jobs=1, progress=False, eta=0.5, sigma=0.1,
                    bits_for_omega=(2, 3, 4), omegas_for_bits=(2.0, 4.0)):
    """Stationary Eg vs omega (several b) and vs b (several omega), uniform and log."""
    out_dir = Path(out_dir)
    omega_grid = np.linspace(0.25, 6.0, 24 if quick else 93)
    bits_grid = np.arange(2, 7 if quick else 9)
    schemes = ("uniform", "log")
    eg_omega = np.empty((len(schemes), len(bits_for_omega), omega_grid.size))
    for s, sch in enumerate(schemes):
        for i, b in enumerate(bits_for_omega):
            for j, w in enumerate(omega_grid):
                eg_omega[s, i, j] = ste_stationary(Quantizer.from_bits(b, w, sch), eta, sigma).eg
    eg_bits = np.empty((len(schemes), len(omegas_for_bits), bits_grid.size))
    for s, sch in enumerate(schemes):
        for i, w in enumerate(omegas_for_bits):
            for j, b in enumerate(bits_grid):
                eg_bits[s, i, j] = ste_stationary(Quantizer.from_bits(int(b), w, sch), eta, sigma).eg
    eg_u = sigma * sigma / (2 - eta)
    data = dict(omega_grid=omega_grid, bits_for_omega=np.array(bits_for_omega), eg_omega=eg_omega,
                bits_grid=bits_grid, omegas_for_bits=np.array(omegas_for_bits), eg_bits=eg_bits,
                eg_unquantized=np.array(eg_u), schemes=np.array(schemes))
    params = dict(eta=eta, sigma=sigma, rho=1.0, quick=quick)
    paths = [store.write_npz(out_dir / "ste_stationary.npz", **data)]
    meta = store.metadata("ste_stationary", params)
    best = {}
    for s, sch in enumerate(schemes):
        for i, b in enumerate(bits_for_omega):
            j = int(np.argmin(eg_omega[s, i]))
            best[f"{sch} b={b}"] = {"omega_opt": omega_grid[j], "eg_min": eg_omega[s, i, j],
                                    "ratio_to_unquantized": eg_omega[s, i, j] / eg_u}
    meta["optimal_omega_on_grid"] = best
    meta["eg_unquantized"] = eg_u
    paths.append(store.write_json(out_dir / "ste_stationary.json", meta))
    paths.append(plot_stationary(out_dir / "ste_stationary.npz", out_dir / "ste_stationary.png",
                                 title=f"stationary Eg of STE training, eta={eta:g}, sigma={sigma:g}"))
    return paths


FIGURES = {"ste_trajectories": make_trajectories, "ste_stationary": make_stationary,
           "ste_density": make_density, "ste_maps": make_maps}
