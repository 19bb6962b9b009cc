"""Many routed runs in parallel, resumable: :func:`routing_study` (a grid) and :func:`route_compare`
(one routed setting against its baselines on the same seeds).

Run ``k`` of a study uses the seed ``SeedSequence(seed).spawn_key + (k,)`` whatever the setting,
so every setting sees the same teachers, test sets and copy samples (paired comparisons), and
nothing depends on ``n_jobs``.  Work is cut into chunks of one setting and ``BLOCK`` seeds, run by
:func:`fastq.checkpoints.run_chunks` (finished chunks reused by a rerun).

Baselines under the same budget of samples per copy (alpha N each): ``independent`` (p = 0, the M
copies never exchange anything), ``elastic`` (p = 0, each copy pulled towards the mean of the
copies with strength gamma every step), and the one model (M = 1) at alpha and at M alpha (the
latter has as many samples as all the copies together).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

from .. import _validate as V
from ..synthetic import as_seed_sequence
from .single import _simulate, seed_child
from .spec import RoutingSetup, make_routing_setup

__all__ = ["routing_study", "RoutingStudyResult", "route_compare", "RoutingComparisonResult", "mean_se"]

BLOCK = 8
#: bump when a run's use of the random streams changes (old checkpoints are then ignored)
FORMAT = 1


def _chunk(chunk, *, root):
    """One setting (a dict) x a block of seeds -> errors (seeds, r, M), mean/vote (seeds, r)."""
    setup_d, first, count = chunk
    s = make_routing_setup(**setup_d)
    eg = np.empty((count, len(s.alphas), s.copies))
    eg_mean = np.empty((count, len(s.alphas)))
    eg_vote = np.empty_like(eg_mean)
    for j in range(count):
        out, _ = _simulate(s, seed_child(root, first + j))
        eg[j], eg_mean[j], eg_vote[j] = out["eg"], out["eg_mean"], out["eg_vote"]
    return {"eg": eg, "eg_mean": eg_mean, "eg_vote": eg_vote}


def _run_settings(setups, seeds, root, *, n_jobs, backend, progress, checkpoint_dir, desc):
    """For each setting: dict of arrays over all seeds (run_chunks over setting x seed blocks)."""
    from ..checkpoints import run_chunks

    chunks = [(s.to_dict(), b, min(BLOCK, seeds - b)) for s in setups for b in range(0, seeds, BLOCK)]
    per = -(-seeds // BLOCK)
    inputs = {"format": FORMAT, "settings": [c[0] for c in chunks[::per]], "entropy": str(root.entropy),
              "spawn_key": list(root.spawn_key)}
    run = run_chunks(functools.partial(_chunk, root=root), chunks, kind="routing", inputs=inputs,
                     checkpoint_dir=checkpoint_dir, n_jobs=n_jobs, backend=backend, progress=progress, desc=desc)
    out = []
    for i in range(len(setups)):
        rs = run.results[i * per:(i + 1) * per]
        out.append({k: np.concatenate([r[k] for r in rs]) for k in ("eg", "eg_mean", "eg_vote")})
    return out


def mean_se(a, axis=0):
    """Mean and standard error over ``axis`` (NaN-free inputs)."""
    a = np.asarray(a, dtype=float)
    n = a.shape[axis]
    return a.mean(axis=axis), (a.std(axis=axis, ddof=1) / math.sqrt(n) if n > 1 else np.full(
        np.delete(a.shape, axis), np.nan))


def _check_parallel(n_jobs, backend):
    from ..parallel import effective_n_jobs, validate_backend

    validate_backend(backend)
    effective_n_jobs(n_jobs)


@dataclass(frozen=True)
class RoutingComparisonResult:
    """A routed setting against its baselines on the same ``runs`` seeds (alpha = the last one).

    Every ``eg_*`` is a mean over runs with its standard error ``eg_*_se``: ``copies`` (mean over
    the routed copies), ``mean`` / ``vote`` (the routed copies combined), ``independent`` (p = 0),
    ``independent_vote``, ``elastic`` (gamma), ``single_total`` (one model at M alpha);
    ``diff`` / ``diff_se``: paired difference copies - independent.
    """

    values: dict
    status: str
    converged: bool
    runs: int
    params: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Plain dict: the values at top level plus status, runs and params."""
        return {**self.values, "status": self.status, "converged": self.converged, "runs": self.runs,
                "params": self.params}


def route_compare(setup: RoutingSetup | None = None, *, runs=8, seed=0, elastic_gamma=0.05, n_jobs=1,
                  backend="loky", progress=False, checkpoint_dir=None, **params) -> RoutingComparisonResult:
    """Routed copies vs independent copies, elastic coupling and one model with all the samples.

    ``setup`` or the keywords of :func:`~fastq.routing.spec.make_routing_setup`; ``runs`` seeds
    (>= 2) children of ``seed``; ``elastic_gamma`` in (0, 1].
    """
    s = setup if setup is not None else make_routing_setup(**params)
    runs = V.integer("runs", runs, 2, 100_000)
    g = V.in_range("elastic_gamma", elastic_gamma, 0.0, 1.0, lo_open=True)
    _check_parallel(n_jobs, backend)
    root = as_seed_sequence(seed)
    alpha = s.alphas[-1]
    base = s.replace(alphas=[alpha])
    settings = [base, base.replace(p=0.0), base.replace(p=0.0, gamma=g),
                base.replace(copies=1, p=0.0, alphas=[alpha * s.copies])]
    res = _run_settings(settings, runs, root, n_jobs=n_jobs, backend=backend, progress=progress,
                        checkpoint_dir=checkpoint_dir, desc="fastq routing runs")
    vals = {}
    for name, r, key in (("copies", res[0], "copies"), ("mean", res[0], "eg_mean"), ("vote", res[0], "eg_vote"),
                         ("independent", res[1], "copies"), ("independent_vote", res[1], "eg_vote"),
                         ("elastic", res[2], "copies"), ("single_total", res[3], "copies")):
        x = r["eg"][:, -1].mean(axis=1) if key == "copies" else r[key][:, -1]
        m, se = mean_se(x)
        vals[f"eg_{name}"], vals[f"eg_{name}_se"] = float(m), float(se)
    d = res[0]["eg"][:, -1].mean(axis=1) - res[1]["eg"][:, -1].mean(axis=1)
    m, se = mean_se(d)
    vals["diff"], vals["diff_se"] = float(m), float(se)
    ok = all(np.isfinite(r["eg"]).all() for r in res)
    st = "converged" if ok else "diverged"
    prm = {**s.replace(alphas=[alpha]).to_dict(), "elastic_gamma": g, "seed_entropy": str(root.entropy)}
    return RoutingComparisonResult(vals, st, ok, runs, prm)


@dataclass(frozen=True)
class RoutingStudyResult:
    """Errors over a grid copies x kernel x p x alpha x seed, plus the baselines.

    ``data`` holds arrays: eg_copies / eg_mean / eg_vote (copies, kernel, p, alpha, seed);
    eg_elastic (copies, gamma, alpha, seed); eg_single (alpha_total, seed) for one model at every
    M alpha.  :meth:`dataset` labels them (xarray).
    """

    coords: dict
    data: dict
    status: str
    converged: bool
    params: dict = field(default_factory=dict)

    def dataset(self):
        """The grid as an ``xarray.Dataset`` (:func:`fastq.labelled.dataset`)."""
        import xarray as xr

        from ..labelled import dataset

        c = self.coords
        main = dataset(c, {k: self.data[k] for k in ("eg_copies", "eg_mean", "eg_vote")},
                       ("copies", "kernel", "p", "alpha", "seed"), self.params)
        el = xr.DataArray(self.data["eg_elastic"], dims=("copies", "gamma", "alpha", "seed"),
                          coords={"copies": c["copies"], "gamma": c["gamma"], "alpha": c["alpha"], "seed": c["seed"]})
        single = xr.DataArray(self.data["eg_single"], dims=("alpha_total", "seed"),
                              coords={"alpha_total": c["alpha_total"], "seed": c["seed"]})
        return main.assign(eg_elastic=el, eg_single=single)


def routing_study(model="perceptron", rule=None, *, alphas=(1.0, 2.0, 4.0), copies=(2, 4, 8),
                  ps=(0.0, 0.1, 0.3, 1.0), kernels=("uniform", "ring"), gammas=(0.01, 0.05), seeds=16, seed=0,
                  n_jobs=1, backend="loky", progress=False, checkpoint_dir=None, **params) -> RoutingStudyResult:
    """Routed training over copies x kernel x p (and the baselines) for ``seeds`` paired seeds.

    Other keywords (``n``, ``bits``, ``eta``, ``hidden``, ...) go to
    :func:`~fastq.routing.spec.make_routing_setup`.  p = 0 is computed once and shared by the kernels.
    """
    seeds = V.integer("seeds", seeds, 2, 100_000)
    copies = [V.integer("copies", m, 1, 64) for m in copies]
    ps = sorted({V.in_range("p", p, 0.0, 1.0) for p in ps})
    gammas = [V.in_range("gamma", g, 0.0, 1.0, lo_open=True) for g in gammas]
    base = make_routing_setup(model, rule, alphas=alphas, copies=max(copies), **params)
    kernels = list(dict.fromkeys(base.replace(kernel=k).kernel for k in kernels))
    _check_parallel(n_jobs, backend)
    root = as_seed_sequence(seed)
    grid = [(m, k, p) for m in copies for k in kernels for p in ps if not (p == 0.0 and k != kernels[0])]
    el = [(m, g) for m in copies for g in gammas]
    a_tot = sorted({a * m for a in base.alphas for m in copies})
    settings = ([base.replace(copies=m, kernel=k, p=p) for m, k, p in grid]
                + [base.replace(copies=m, p=0.0, gamma=g) for m, g in el]
                + [base.replace(copies=1, p=0.0, alphas=a_tot)])
    res = _run_settings(settings, seeds, root, n_jobs=n_jobs, backend=backend, progress=progress,
                        checkpoint_dir=checkpoint_dir, desc="fastq routing study")
    r = len(base.alphas)
    shape = (len(copies), len(kernels), len(ps), r, seeds)
    data = {k: np.empty(shape) for k in ("eg_copies", "eg_mean", "eg_vote")}
    for (m, k, p), out in zip(grid, res):
        for ki in ([kernels.index(k)] if p > 0 else range(len(kernels))):
            idx = (copies.index(m), ki, ps.index(p))
            data["eg_copies"][idx] = out["eg"].mean(axis=2).T
            data["eg_mean"][idx], data["eg_vote"][idx] = out["eg_mean"].T, out["eg_vote"].T
    data["eg_elastic"] = np.empty((len(copies), len(gammas), r, seeds))
    for (m, g), out in zip(el, res[len(grid):]):
        data["eg_elastic"][copies.index(m), gammas.index(g)] = out["eg"].mean(axis=2).T
    data["eg_single"] = res[-1]["eg"][:, :, 0].T
    ok = all(np.isfinite(o["eg"]).all() for o in res)
    coords = {"copies": np.array(copies), "kernel": np.array(kernels), "p": np.array(ps),
              "alpha": np.array(base.alphas), "seed": np.arange(seeds), "gamma": np.array(gammas),
              "alpha_total": np.array(a_tot)}
    prm = {k: v for k, v in base.to_dict().items() if k not in ("alphas", "copies", "p", "kernel", "gamma")}
    prm.update(seed_entropy=str(root.entropy), seeds=seeds)
    return RoutingStudyResult(coords, data, "converged" if ok else "diverged", ok, prm)
