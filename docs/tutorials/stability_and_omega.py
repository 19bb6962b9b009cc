# %% [markdown]
# # Is my setting stable, and what omega should I use?
#
# You have a data regime -- `alpha = N/M` samples per weight, label noise `sigma`, ridge `lam` --
# and a bit budget.  Two questions: is the replica-symmetric prediction trustworthy there (AT
# stability), and which clipping range `omega` gives the smallest generalization error `Eg`?
# fastq answers both with `optimal_omega`, which scans omega, refines the minimum with Brent's
# method, and also reports the best omega *among stable points*.

# %%
import matplotlib.pyplot as plt

import fastq

alpha, sigma, lam = 1.4, 0.01, 0.01
opt = fastq.optimal_omega({"scheme": "uniform", "bits": 4}, alpha, sigma, lam)
print(f"status={opt.status} converged={opt.converged} ({opt.n_solves} RS solves)")
print(f"error-optimal omega*  = {opt.omega_star:.4f}  Eg = {opt.eg_star:.5f}  AT = {opt.at_star:.3f}  "
      f"stable = {opt.stable}")
print(f"best stable omega     = {opt.omega_star_stable:.4f}  Eg = {opt.eg_star_stable:.5f}")
print(opt.stable_message)

# %% [markdown]
# With four uniform bits the error-optimal range sits where the RS solution is unstable at the
# default edge width (`AT > 1`): the prediction there is the RS value, not a proven one.  The best
# stable range costs a larger error.  The scan behind the optimizer shows why:

# %%
fig, ax = plt.subplots(figsize=(7, 4))
ax.semilogy(opt.scan_omega, opt.scan_eg, label="Eg (RS)")
unstable = opt.scan_at >= 1
ax.fill_between(opt.scan_omega, opt.scan_eg.min() / 2, opt.scan_eg.max() * 2, where=unstable,
                color="tab:red", alpha=0.15, label="AT >= 1 (RSB)")
ax.axvline(opt.omega_star, color="k", ls="--", label="omega*")
ax.axvline(opt.omega_star_stable, color="tab:green", ls=":", label="best stable omega")
ax.set_xlabel("omega")
ax.set_ylabel("Eg")
ax.legend()
fig.tight_layout()

# %% [markdown]
# ## One point, checked directly
#
# The same verdict from a single solve at the stable optimum: converged, with `at` on the
# stability boundary (1 to the digits shown).

# %%
q = fastq.Quantizer.from_bits(4, omega=opt.omega_star_stable, edge_width=fastq.DEFAULT_EDGE_WIDTH)
r = fastq.solve_rs(q, alpha, sigma, lam)
print(f"converged={r.converged}  Eg={r.eg:.5f}  AT={r.at:.4f}  RS={r.rs}")

# %% [markdown]
# ## How many bits do I need?
#
# `bit_budget` repeats the optimization for each number of bits and scheme and reports the
# smallest budget whose optimum is within 5 % of ridge regression (no quantization), or `None`
# when no budget searched gets there.  The log quantizer saturates (its levels crowd near zero).

# %%
bits = [2, 4, 6, 8]
budget = fastq.bit_budget(alpha, sigma, lam, bits=bits, schemes=["uniform", "log"], n_scan=48)
print(f"ridge Eg = {budget.ridge_eg:.6f}; target Eg <= {budget.threshold:.6f}")
for scheme in budget.schemes:
    row = "  ".join(f"{b}b: {o.eg_star / budget.ridge_eg:6.2f}x" for b, o in zip(bits, budget.optima[scheme]))
    print(f"{scheme:8s} Eg*/ridge  {row}")
print("smallest sufficient bits:", budget.min_bits, "| among stable points:", budget.min_bits_stable)
