"""The STE seed paper's own setting (THEORY 9b): quantized inputs, Gaussian start, constant teacher.

* ``ste_density`` (:func:`make_density`) -- the conditional density of the latent weight
  ``mu_tau(w | w* = 1)`` at tau = 10, 25, 50, 100: histograms of a finite-d simulation against
  the Fokker-Planck solution, with the Kolmogorov-Smirnov distance between the two, and Eg(tau).
  Settings: d = 3000, 8 runs, w* = 1 on every coordinate, mu_0 = N(0, 1), inputs and weights
  uniform with omega = 2 and b = 2.  The paper's learning rate and noise are not at hand; fastq
  uses eta = 0.05 (so that tau = 100 is near stationarity) and sigma = 0.1.
* ``ste_maps`` (:func:`make_maps`) -- plateau length and stationary deviation over the weight
  quantizer (bits, omega) and over the input quantizer (bits, omega) at fixed weight bits, for a
  constant teacher w* = 1 started at w = 0 (where a plateau exists; with the Gaussian start of
  the density figure Eg falls from tau = 0), eta = 0.5, sigma = 0.1.  The plateau is read off the
  zero level (every weight starts there); the sharpness of the Eg drop is reported where Eg falls.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import store
from ..plotting.ste_seed import plot_density, plot_maps
from ..quantizers import Quantizer
from ..ste import eg_drop, input_moments, plateau_length, ste_mean_field, ste_simulate, ste_stationary
from ..ste.analysis import ks_distance, pde_cdf


def make_density(out_dir, *, quick=False, n_jobs=1, progress=False, eta=0.05, sigma=0.1, seed=2025):
    """The seed paper's density figure (see the module docstring); returns the written paths."""
    out_dir = Path(out_dir)
    d, runs = (300, 2) if quick else (3000, 8)
    q = psi = Quantizer.uniform(2, 2.0)
    taus = (10.0, 25.0, 50.0, 100.0)
    kw = dict(input_quantizer=psi, init_std=1.0, teacher_value=1.0, tau_max=100.0, snapshots=taus)
    sim = ste_simulate(q, eta, sigma, n=d, runs=runs, seed=seed, dtau=1.0, n_jobs=n_jobs, progress=progress,
                       **kw)
    pde = ste_mean_field(q, eta, sigma, dtau=0.5, dt=0.02, h=0.01 if quick else 0.005, **kw)
    st = ste_stationary(q, eta, sigma, input_quantizer=psi, teacher_value=1.0)
    faces = pde.info["faces"]
    cdfs, ks = [], []
    for j in range(len(taus)):
        _, f = pde_cdf(faces, pde.snapshots[j])
        cdfs.append(f)
        ks.append(ks_distance(sim.snapshots[:, j, :], faces, f))
    drop = eg_drop(pde.tau, pde.eg)
    data = dict(taus=np.array(taus), faces=faces, cdf_pde=np.array(cdfs), weights_sim=sim.snapshots,
                tau_sim=sim.tau, eg_sim=sim.eg, eg_sim_se=sim.eg_se, tau_pde=pde.tau, eg_pde=pde.eg,
                eg_stationary=np.array(st.eg), ks=np.array(ks))
    c1, c2 = input_moments(psi)
    params = dict(d=d, runs=runs, eta=eta, sigma=sigma, teacher_value=1.0, init_std=1.0, weights=q.to_dict(),
                  inputs=psi.to_dict(), c1=c1, c2=c2, seed=seed, quick=quick, pde_h=pde.info["h"],
                  pde_dt=pde.info["dt"])
    paths = [store.write_npz(out_dir / "ste_density.npz", **data)]
    meta = store.metadata("ste_density", params)
    within = np.abs(np.interp(pde.tau, sim.tau, sim.eg) - pde.eg)
    meta.update(ks_distance=dict(zip([f"tau={t:g}" for t in taus], ks)),
                ks_noise_95=1.36 / np.sqrt(sim.snapshots[:, 0, :].size),
                eg_stationary=st.eg, eg_pde_end=float(pde.eg[-1]), eg_drop=drop,
                max_abs_eg_difference=float(within.max()),
                eg_sim_vs_pde_max_ratio_to_4se_plus_1pc=float(np.max(
                    np.abs(sim.eg - np.interp(sim.tau, pde.tau, pde.eg))
                    / (4 * sim.eg_se + 0.01 * np.interp(sim.tau, pde.tau, pde.eg)))))
    paths.append(store.write_json(out_dir / "ste_density.json", meta))
    paths.append(plot_density(out_dir / "ste_density.npz", out_dir / "ste_density.png",
                              title=f"inputs and weights b=2, omega=2; w*=1, mu_0=N(0,1); eta={eta:g}, "
                                    f"sigma={sigma:g}; d={d}, {runs} runs"))
    return paths


def _plateau_point(q, psi, eta, sigma, h):
    """(tau_p, sharpness, Eg_inf, Eg_float, first threshold) for a constant teacher 1 started at
    w = 0; tau_p from the zero level (:func:`fastq.ste.plateau_length`), sharpness of the Eg drop
    from :func:`fastq.ste.eg_drop` (NaN when Eg never falls below its start).
    """
    c1, c2 = input_moments(psi)
    st = ste_stationary(q, eta, sigma, input_quantizer=psi, teacher_value=1.0)
    zero_bin = q.thresholds[q.thresholds > 0]
    reach = float(zero_bin[0]) if zero_bin.size else 0.0  # first threshold above 0
    tau_max = 20.0 + 4.0 * reach / (eta * c1)
    r = ste_mean_field(q, eta, sigma, tau_max=tau_max, dtau=tau_max / 400, dt=min(0.01, tau_max / 400), h=h,
                       input_quantizer=psi, teacher_value=1.0)
    dr = eg_drop(r.tau, r.eg)
    k0 = q.n_p // 2  # the zero level (integer bits: n_p even)
    tp = plateau_length(r.tau, r.bin_fraction[:, k0], st.bin_fraction[k0])
    return tp, dr["sharpness"], st.eg, st.eg_float_weights, reach


def make_maps(out_dir, *, quick=False, n_jobs=1, progress=False, eta=0.5, sigma=0.1):
    """Plateau length and stationary deviation maps (see the module docstring)."""
    out_dir = Path(out_dir)
    w_bits = (2, 3) if quick else (2, 3, 4)
    w_omegas = np.array([1.0, 2.0, 3.0]) if quick else np.array([0.5, 1.0, 1.5, 2.0, 3.0, 4.0])
    in_bits = (1.0, 2.0) if quick else (1.0, 2.0, 3.0, 4.0)   # 1 "bit" here means n_p = 1 (sign)
    in_omegas = np.array([1.0, 2.0]) if quick else np.array([0.5, 1.0, 2.0, 3.0])
    psi0 = Quantizer.uniform(2, 2.0)
    h = 0.02
    shape = (len(w_bits), w_omegas.size)
    tp, sharp, eg_inf, eg_float, reach = (np.empty(shape) for _ in range(5))
    for i, b in enumerate(w_bits):
        for j, w in enumerate(w_omegas):
            tp[i, j], sharp[i, j], eg_inf[i, j], eg_float[i, j], reach[i, j] = _plateau_point(
                Quantizer.from_bits(b, w), psi0, eta, sigma, h)
    q0 = Quantizer.uniform(2, 2.0)
    shape2 = (len(in_bits), in_omegas.size)
    tp2, sharp2, eg2, egf2, c1s = (np.empty(shape2) for _ in range(5))
    for i, b in enumerate(in_bits):
        for j, w in enumerate(in_omegas):
            psi = Quantizer.uniform(1, w) if b == 1.0 else Quantizer.from_bits(b, w)
            tp2[i, j], sharp2[i, j], eg2[i, j], egf2[i, j], _ = _plateau_point(q0, psi, eta, sigma, h)
            c1s[i, j] = input_moments(psi)[0]
    eg_u = sigma * sigma / (2 - eta)
    data = dict(w_bits=np.array(w_bits), w_omegas=w_omegas, tau_p=tp, sharpness=sharp, eg_inf=eg_inf,
                eg_float=eg_float, reach=reach, in_bits=np.array(in_bits), in_omegas=in_omegas,
                tau_p_in=tp2, sharpness_in=sharp2, eg_inf_in=eg2, eg_float_in=egf2, c1_in=c1s,
                eg_unquantized=np.array(eg_u))
    params = dict(eta=eta, sigma=sigma, teacher_value=1.0, init="zero", inputs_for_weight_map=psi0.to_dict(),
                  weights_for_input_map=q0.to_dict(), pde_h=h, quick=quick,
                  plateau="fastq.ste.plateau_length: the zero level has lost 10% of its stationary loss; "
                          "sharpness from fastq.ste.eg_drop (tau_early / (tau_late - tau_early))",
                  input_bits_note="input bits 1 means the sign quantizer n_p = 1 (levels +-omega)")
    paths = [store.write_npz(out_dir / "ste_maps.npz", **data)]
    meta = store.metadata("ste_maps", params)
    c1_0 = input_moments(psi0)[0]
    meta.update(
        plateau_times_eta_c1_over_reach_weights=(tp * eta * c1_0 / reach).tolist(),
        plateau_times_eta_c1_inputs=(tp2 * eta * c1s).tolist(),
        deviation_vs_unquantized=(eg_inf - eg_u).tolist(), deviation_vs_float_weights=(eg_inf - eg_float).tolist(),
        deviation_vs_unquantized_inputs_map=(eg2 - eg_u).tolist(),
        deviation_vs_float_weights_inputs_map=(eg2 - egf2).tolist(), eg_unquantized=eg_u)
    paths.append(store.write_json(out_dir / "ste_maps.json", meta))
    paths.append(plot_maps(out_dir / "ste_maps.npz", out_dir / "ste_maps.png",
                           title=f"constant teacher w*=1, start w=0, eta={eta:g}, sigma={sigma:g}"))
    return paths
