# %% [markdown]
# # A grid on a Dask cluster
#
# Every grid of fastq (`sweep`, `phase_diagram`, `curves`, and the many-instance studies) can run
# on a Dask cluster through joblib's Dask backend: pass `backend="dask"` and the scheduler's
# address (`fastq phase ... --backend dask --scheduler tcp://HEAD:8786` on the command line).
# The values are the same as a serial run, to the last bit: every chunk is computed by the same
# kernels, and every random draw comes from a seed fixed before the work is distributed.
#
# Here the "cluster" is a `LocalCluster` of two worker processes on this machine, listening on
# the loopback address only; on a real cluster you would start `dask scheduler` on the head node
# and `dask worker tcp://HEAD:8786` on each compute node (see the README).  Needs
# `pip install "fastq[dask]"`.

# %%
import time

import numpy as np
from dask.distributed import LocalCluster

import fastq

cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                       dashboard_address=None)
address = cluster.scheduler_address
print("scheduler at", address, "with", len(cluster.workers), "workers")

# %% [markdown]
# ## The same grid, serially and on the cluster

# %%
grid = dict(n_p=np.arange(1, 31), omega=np.linspace(0.2, 6.0, 80), alpha=1.5, sigma=0.01, lam=0.1)

t0 = time.perf_counter()
serial = fastq.sweep(**grid)
t_serial = time.perf_counter() - t0

t0 = time.perf_counter()
on_cluster = fastq.sweep(**grid, n_jobs=2, backend="dask", scheduler=address)
t_cluster = time.perf_counter() - t0

same = all(np.array_equal(serial.data[k], on_cluster.data[k], equal_nan=True) for k in serial.data)
print(f"{serial.n_points} points: serial {t_serial:.1f} s, cluster {t_cluster:.1f} s "
      "(includes the workers' first compilation; small grids do not pay off)")
print("bit-identical results:", same, "| RS fraction:", round(serial.rs_fraction, 4))

# %% [markdown]
# ## Random draws do not depend on the workers
#
# A study over random instances draws instance `k` from the `k`-th `SeedSequence` child of the
# root seed, wherever it runs:

# %%
q = fastq.Quantizer.from_bits(5, omega=2.5, edge_width=0.1)
kw = dict(n=200, runs=6, seed=7, max_iter=200)
local = fastq.amp_study(q, 1.5, 0.1, 0.1, **kw)
remote = fastq.amp_study(q, 1.5, 0.1, 0.1, **kw, n_jobs=2, backend="dask", scheduler=address)
print("AMP Eg per instance, serial :", np.round(local.eg[:, 0], 6))
print("AMP Eg per instance, cluster:", np.round(remote.eg[:, 0], 6))
print("bit-identical:", np.array_equal(local.eg, remote.eg))

# %%
cluster.close()
