"""Figures of the STE seed setting (THEORY 9b), drawn from the NPZ files the figure makers write."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib import colormaps

from ._canvas import new_figure, save_figure


def plot_density(npz_path, png_path, *, title=""):
    """Histograms of the simulated latent weights against the PDE density at each tau, and Eg(tau),
    from the NPZ written by :func:`fastq.figures.ste_seed.make_density`.
    """
    with np.load(npz_path) as z:
        d = {k: z[k] for k in z.files}
    taus = d["taus"]
    fig, axes = new_figure(1, len(taus) + 1, size=(3.6, 3.4))
    axes = axes[0]
    faces = d["faces"]
    centres = 0.5 * (faces[1:] + faces[:-1])
    for j, t in enumerate(taus):
        ax = axes[j]
        dens = np.diff(d["cdf_pde"][j]) / np.diff(faces)
        ax.hist(d["weights_sim"][:, j, :].ravel(), bins=np.linspace(-4, 4, 81), density=True, color="0.75",
                label="simulation")
        ax.plot(centres, dens, "C3", lw=1.3, label="PDE")
        for t_k in (-1.0, 1.0):
            ax.axvline(t_k, color="k", ls=":", lw=0.7)
        ax.set_xlim(-4, 4)
        ax.set_xlabel("latent weight w")
        ax.set_title(f"tau = {t:g}   KS = {d['ks'][j]:.4f}", fontsize=9)
        if j == 0:
            ax.set_ylabel("mu_tau(w | w* = 1)")
            ax.legend(fontsize=7)
    ax = axes[-1]
    ax.plot(d["tau_pde"], d["eg_pde"], "C3", lw=1.5, label="PDE")
    ax.errorbar(d["tau_sim"][::4], d["eg_sim"][::4], yerr=d["eg_sim_se"][::4], fmt="o", ms=2.5, color="k",
                elinewidth=0.8, label="simulation (s.e.)")
    ax.axhline(float(d["eg_stationary"]), color="C0", ls="--", lw=1, label="stationary closed form")
    ax.set_xlabel("tau = t / d")
    ax.set_ylabel("Eg")
    ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    return save_figure(fig, Path(png_path), dpi=110)


def plot_maps(npz_path, png_path, *, title=""):
    """Plateau length and stationary deviation against the weight and input quantizers, from the
    NPZ written by :func:`fastq.figures.ste_seed.make_maps`.
    """
    with np.load(npz_path) as z:
        d = {k: z[k] for k in z.files}
    fig, axes = new_figure(1, 4, size=(3.8, 3.4))
    axes = axes[0]
    eg_u = float(d["eg_unquantized"])
    cw = colormaps["viridis"](np.linspace(0, 0.8, len(d["w_bits"])))
    for i, b in enumerate(d["w_bits"]):
        axes[0].plot(d["w_omegas"], d["tau_p"][i], "o-", color=cw[i], label=f"weights b={b}")
        axes[1].semilogy(d["w_omegas"], d["eg_inf"][i] - eg_u, "o-", color=cw[i], label=f"b={b}: vs unquantized")
        axes[1].semilogy(d["w_omegas"], np.abs(d["eg_inf"][i] - d["eg_float"][i]), "x--", color=cw[i],
                         label=f"b={b}: |vs float weights|")
    axes[0].set_xlabel("weight omega")
    axes[0].set_ylabel("plateau length tau_p")
    axes[0].set_title("inputs b=2, omega=2", fontsize=9)
    axes[0].legend(fontsize=7)
    axes[1].set_xlabel("weight omega")
    axes[1].set_ylabel("stationary deviation of Eg")
    axes[1].legend(fontsize=6)
    ci = colormaps["plasma"](np.linspace(0, 0.8, len(d["in_bits"])))
    for i, b in enumerate(d["in_bits"]):
        lab = "sign" if b == 1 else f"b={b:g}"
        axes[2].plot(1.0 / d["c1_in"][i], d["tau_p_in"][i], "o-", color=ci[i], label=f"inputs {lab}")
        axes[3].semilogy(d["in_omegas"], d["eg_inf_in"][i] - eg_u, "o-", color=ci[i], label=f"inputs {lab}")
    axes[2].set_xlabel("1 / c1 (input range varies along each line)")
    axes[2].set_ylabel("plateau length tau_p")
    axes[2].set_title("weights b=2, omega=2", fontsize=9)
    axes[2].legend(fontsize=7)
    axes[3].set_xlabel("input omega")
    axes[3].set_ylabel("Eg_inf - sigma^2/(2 - eta)")
    axes[3].legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    return save_figure(fig, Path(png_path), dpi=110)
