# %% [markdown]
# # Theory vs an instance: AMP and the exact minimizer
#
# The replica theory predicts the generalization error `Eg` of quantized ridge regression in the
# limit `N -> infinity`.  On a finite instance -- a teacher `w0`, data `X`, labels `y` -- two
# algorithms can be run: approximate message passing (AMP), whose state evolution *is* the RS
# map, and, at small `N`, the exact minimizer of the quantized loss (sphere decoding).  This page
# checks the theory against both, with error bars.

# %%
import matplotlib.pyplot as plt
import numpy as np

import fastq

q = fastq.Quantizer.from_bits(6, omega=2.5, edge_width=0.1)
alpha, sigma, lam = 1.5, 0.1, 0.1
rs = fastq.solve_rs(q, alpha, sigma, lam)
print(f"RS theory: Eg = {rs.eg:.5f} (converged={rs.converged}, AT = {rs.at:.3f}, RS stable = {rs.rs})")

# %% [markdown]
# ## One instance
#
# `teacher` draws one instance from an explicit seed; `amp` runs on it and records `Eg` per
# iteration.  State evolution is the `N -> infinity` description of the same iteration; it starts
# from its own deterministic point rather than AMP's random start, so the two curves differ in
# the first few steps and meet at the RS fixed point.

# %%
X, y, w0 = fastq.teacher(1000, alpha, sigma, seed=1)
run = fastq.amp(X, y, q, lam, w0=w0, sigma=sigma)
se = fastq.state_evolution(q, alpha, sigma, lam)
print(f"AMP on N = {X.shape[1]}: Eg = {run.eg:.5f} after {run.iterations} iterations ({run.status})")
print(f"state evolution fixed point: Eg = {se.eg_final:.5f} ({se.status})")

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(run.trace_eg, "o-", ms=3, label="AMP, one instance (N = 1000)")
ax.plot(se.eg, "-", label="state evolution")
ax.axhline(rs.eg, color="k", ls=":", label="RS fixed point")
ax.set_xlabel("iteration")
ax.set_ylabel("Eg")
ax.set_xlim(0, 30)
ax.legend()
fig.tight_layout()

# %% [markdown]
# ## Many instances
#
# `amp_study` repeats this on independent instances (seeds are `SeedSequence` children of the
# root seed, so the result does not depend on the number of workers).  The mean should sit
# within a few standard errors of the theory.

# %%
study = fastq.amp_study(q, alpha, sigma, lam, n=1000, runs=12, seed=1)
eg = study.eg[:, 0]
ok = study.converged[:, 0]
mean, se_mean = eg[ok].mean(), eg[ok].std(ddof=1) / np.sqrt(ok.sum())
print(f"{ok.sum()}/{len(ok)} runs converged; Eg = {mean:.5f} +- {se_mean:.5f}  vs theory {rs.eg:.5f} "
      f"({(mean - rs.eg) / se_mean:+.1f} standard errors)")

# %% [markdown]
# ## The exact minimizer at small N
#
# With 2 bits (`n_p = 2`, three levels), `exact_erm` finds the true minimizer of the quantized
# ridge loss by sphere decoding.  `exact_study` solves many instances per size and fits
# `Eg(N) = a + b / N`; the intercept `a` is compared with the replica prediction.  This setting
# is in the RSB phase at the default edge width, so RS is only an approximation here.

# %%
qe = fastq.Quantizer.uniform(2, 1.0)
ex = fastq.exact_study(qe, 1.4, 0.01, 0.01, sizes=[8, 12, 16], instances=40, seed=1, amp=False)
for row in ex.summary:
    print(f"N = {row['n']:2d}: exact Eg = {row['eg_exact']:.4f} +- {row['eg_exact_se']:.4f}, "
          f"rounded ridge {row['eg_rounded_ridge']:.4f}, searches not finished: {row['not_optimal']}")
print(f"fit a + b/N: a = {ex.fit['a']:.4f} +- {ex.fit['a_err']:.4f}; RS theory Eg = {ex.rs['eg']:.4f} "
      f"(AT at eps = {ex.rs['edge_width']}: {ex.rs['at_edge']:.2f})")
