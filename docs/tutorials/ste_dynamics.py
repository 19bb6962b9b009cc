# %% [markdown]
# # STE dynamics: simulation, mean field and the stationary state
#
# Online training of a linear student with quantized weights through the straight-through
# estimator (STE): the forward pass uses the quantized weights, the backward pass pretends the
# quantizer is the identity (Ichikawa, Kashiwamura & Sakata 2025).  fastq follows the
# generalization error `Eg(tau)` in rescaled time `tau = t / N` three ways: a finite-`N`
# simulation, the `N -> infinity` mean field (a Fokker-Planck equation for the latent weights),
# and the self-consistent stationary state the dynamics settle into.

# %%
import matplotlib.pyplot as plt

import fastq

q = fastq.Quantizer.uniform(2, 3.0)  # 2 bits: levels -3, 0, 3
eta, sigma = 0.5, 0.1

sim = fastq.ste_simulate(q, eta, sigma, n=1000, runs=4, seed=1, tau_max=8.0, dtau=0.2)
mf = fastq.ste_mean_field(q, eta, sigma, tau_max=8.0, dtau=0.2)
stat = fastq.ste_stationary(q, eta, sigma)
print(f"simulation  (N = 1000, 4 runs): Eg(0) = {sim.eg[0]:.4f}, Eg(tau=8) = {sim.eg[-1]:.4f} +- {sim.eg_se[-1]:.4f}")
print(f"mean field  (N -> infinity):    Eg(tau=8) = {mf.eg[-1]:.4f}")
print(f"stationary state:               Eg = {stat.eg:.4f} (converged={stat.converged}); "
      f"unquantized student: {stat.eg_unquantized:.4f}")

# %%
fig, ax = plt.subplots(figsize=(7, 4))
ax.errorbar(sim.tau, sim.eg, yerr=sim.eg_se, fmt="o", ms=3, label="simulation, N = 1000")
ax.plot(mf.tau, mf.eg, label="mean field")
ax.axhline(stat.eg, color="k", ls=":", label="stationary state")
ax.set_xlabel("tau = t / N")
ax.set_ylabel("Eg")
ax.legend()
fig.tight_layout()

# %% [markdown]
# ## Plateau and drop
#
# Started from zero weights, `Eg` sits briefly on a plateau (every quantized weight is 0), drops
# once the latent weights cross the first threshold, reaches a minimum and then climbs to the
# stationary value -- which, for this coarse quantizer (levels -3, 0, 3 against a unit-variance
# teacher), is *worse* than the zero start: the noise of the STE gradient keeps pushing latent
# weights across the thresholds.  `eg_drop` reads these features off the curve itself: the start
# and end of the drop, its sharpness, the minimum, and how far the curve climbs back afterwards
# relative to the drop.

# %%
drop = fastq.eg_drop(mf.tau, mf.eg)
for key, value in drop.items():
    print(f"{key:14s} {value}")

# %% [markdown]
# ## Quantized inputs
#
# With the inputs quantized too, only two moments of the input quantizer enter the dynamics,
# `c1 = E[x psi(x)]` and `c2 = E[psi(x)^2]` (both 1 for unquantized inputs).

# %%
qin = fastq.Quantizer.uniform(2, 1.5)
c1, c2 = fastq.input_moments(qin)
stat_in = fastq.ste_stationary(q, eta, sigma, input_quantizer=qin)
print(f"input quantizer moments: c1 = {c1:.4f}, c2 = {c2:.4f}")
print(f"stationary Eg with quantized inputs: {stat_in.eg:.4f} (converged={stat_in.converged})")
