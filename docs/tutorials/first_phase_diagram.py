# %% [markdown]
# # Your first phase diagram
#
# fastq's central question for quantized ridge regression: for a quantizer with `n_p + 1` levels
# spread over `[-omega, omega]`, is the replica-symmetric (RS) solution stable (a single, easy
# energy landscape) or does replica symmetry break (RSB: many minima)?  The answer over the plane
# `(n_p, omega)` is the phase diagram of Fig. 2 of Kashiwamura, Sakata & Imaizumi (2024).
#
# This page is executed every time the site is built, so every number below is what this
# version of fastq computes.

# %%
import matplotlib.pyplot as plt
import numpy as np

import fastq

print("fastq", fastq.__version__)

# %% [markdown]
# ## One point first
#
# A uniform 3-bit quantizer (`n_p = 6`, seven levels) with range `omega = 1.5`, each jump smoothed
# over the default edge width `eps = 0.1` (see the [conventions](../conventions.md) page).  `solve_rs`
# returns a frozen record; always look at `converged` (or `status`) before using a number.

# %%
q = fastq.Quantizer.from_bits(3, omega=1.5, edge_width=fastq.DEFAULT_EDGE_WIDTH)
r = fastq.solve_rs(q, alpha=1.5, sigma=0.01, lam=1.0)
print(f"converged={r.converged} status={r.status} iterations={r.iterations}")
print(f"Eg={r.eg:.6f}  AT={r.at:.4f}  RS stable={r.rs}  kappa={r.kappa:.4f}")
print(f"ridge (no quantization): Eg={fastq.ridge(alpha=1.5, sigma=0.01, lam=1.0).eg:.6f}")

# %% [markdown]
# `at < 1` means the RS solution is stable.  The jump coefficient `kappa` gives the verdict for
# every edge width at once: roughly RS where `kappa < eps`.
#
# ## The whole plane
#
# `phase_diagram` solves every point of the grid (warm-started along omega), adds the `eps = 0`
# kappa map and traces the boundary `at = 1` to sub-grid precision.  A 20 x 60 grid takes about a
# second once the Numba kernels are compiled.

# %%
pd = fastq.phase_diagram(n_p=np.arange(1, 21), omega=np.linspace(0.1, 8, 60), alpha=1.5, sigma=0.01, lam=0.0)
ds = pd.result.to_xarray()
print(f"RS fraction of the grid: {pd.rs_fraction:.3f}; every point converged: {bool(ds.converged.all())}")
print("boundary (first three n_p):")
for b in pd.boundary[:3]:
    print(f"  n_p={b['n_p']:2d}  omega={b['omega']:.4f}  ({b['kind']})")

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
ds.rs.astype(int).plot(ax=ax1, x="omega", y="n_p", add_colorbar=False, cmap="RdBu")
ax1.plot([b["omega"] for b in pd.boundary], [b["n_p"] for b in pd.boundary], "k.-", label="at = 1")
ax1.set_title("RS (blue) / RSB (red), eps = 0.1")
ax1.legend()
np.log10(ds.eg).plot(ax=ax2, x="omega", y="n_p", cbar_kwargs={"label": "log10 Eg"})
ax2.set_title("generalization error")
fig.tight_layout()

# %% [markdown]
# ## The same from the command line
#
# `fastq phase --out fastq-out` makes the paper's Fig. 2(a) (62 x 200 grid) and writes the grid as
# netCDF, the boundary as CSV, JSON metadata and a PNG.  The saved grid reads back with xarray,
# without fastq:

# %%
import tempfile
from pathlib import Path

import xarray as xr

with tempfile.TemporaryDirectory() as tmp:
    files = pd.save(tmp, "first")
    print(sorted(Path(f).name for f in files))
    nc = next(Path(f) for f in files if str(f).endswith(".nc"))
    back = xr.load_dataset(nc)
    print("eg identical after the round trip:", bool((back.eg == ds.eg).all()))
