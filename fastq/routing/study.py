"""Many routed runs in parallel, resumable: :func:`routing_study` (a grid) and :func:`route_compare`
(one routed setting against its baselines on the same seeds).

Run ``k`` of a study uses the seed ``SeedSequence(seed).spawn_key + (k,)`` whatever the setting,
so every setting sees the same teachers, test sets and copy samples (paired comparisons), and
nothing depends on ``n_jobs``.  Work is cut into chunks of one setting and ``BLOCK`` seeds, run by
:func:`fastq.checkpoints.run_chunks` (finished chunks reused by a rerun).

Baselines at matched compute (the same number of sample visits): ``independent`` (p = 0, the M
copies never exchange anything), ``elastic`` (p = 0, each copy pulled towards the mean of the
copies with a constant strength gamma every step: Elastic SGD with its centre at the copies'
mean), ``replicated`` (the robust ensemble of Baldassi et al. 2016: the same coupling raised
geometrically from gamma to 1 along training, so the copies end on their centre), and one
model (M = 1): online with M alpha N fresh samples, on a finite set for M E epochs of the same
set.  Online the copies see different samples (so coupling pools data); on a finite set they all
share one training set (so coupling only shapes the search).
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
FORMAT = 2
#: arrays of one run kept by the drivers
KEYS = ("eg", "eg_mean", "eg_vote", "eg_centre", "et", "et_vote")


def _chunk(chunk, *, root):
    """One setting (a dict) x a block of seeds -> errors eg / et (seeds, r, M), the others (seeds, r)."""
    setup_d, first, count = chunk
    s = make_routing_setup(**setup_d)
    outs = [_simulate(s, seed_child(root, first + j))[0] for j in range(count)]
    return {k: np.stack([o[k] for o in outs]) for k in KEYS}


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
        out.append({k: np.concatenate([r[k] for r in rs]) for k in KEYS})
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

    Every ``eg_*`` (test error) and ``et_*`` (training error, finite training set only; None
    online) is a mean over runs with its standard error ``*_se``: ``copies`` (mean over the
    routed copies), ``mean`` / ``vote`` / ``centre`` (the routed copies combined),
    ``independent`` (p = 0) and ``independent_vote``, ``replicated`` (robust ensemble, rising
    coupling) and ``replicated_centre``, ``elastic`` (constant coupling), ``one_model`` (one
    model at matched compute; ``single_total`` is its old name online); ``diff`` / ``diff_se``:
    paired difference copies - independent, ``diff_vote``: vote - independent vote,
    ``diff_replicated``: copies - replicated.
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


def _at_chance(vals: dict, dataset: str) -> bool:
    """True when every test error is at chance level within three standard errors and 0.01:
    nothing was learned (e.g. a learning rate so large that training diverged to noise), which a
    result must say rather than report as fine.  Chance is 0.5 for every ``dataset``: the teacher's
    labels are +-1, and the real data sets are reduced to two balanced classes (5-9 against 0-4).
    """
    del dataset  # every data set of routing is a two-class task
    chance = 0.5
    egs = [(v, vals.get(f"{k}_se") or 0.0) for k, v in vals.items()
           if k.startswith("eg_") and not k.endswith("_se") and isinstance(v, float)]
    return bool(egs) and all(v >= chance - 3.0 * se - 0.01 for v, se in egs)


def baselines(s: RoutingSetup, coupling: float) -> dict:
    """The settings of a comparison at ``s``'s last alpha (routed first)."""
    alpha = s.alphas[-1]
    base = s.replace(alphas=[alpha])
    indep = base.replace(p=0.0, gamma=0.0, gamma_end=0.0)
    one = (base.replace(copies=1, p=0.0, gamma=0.0, gamma_end=0.0, epochs=base.epochs * base.copies) if base.finite
           else base.replace(copies=1, p=0.0, gamma=0.0, gamma_end=0.0, alphas=[alpha * s.copies]))
    return {"routed": base, "independent": indep, "replicated": indep.replace(gamma=coupling, gamma_end=1.0),
            "elastic": indep.replace(gamma=coupling), "one_model": one}


def _summaries(res: dict, finite: bool) -> dict:
    """Means and standard errors of every reported quantity (see RoutingComparisonResult)."""
    def last(name, key):
        r = res[name]
        return r[key][:, -1].mean(axis=1) if key in ("eg", "et") else r[key][:, -1]

    table = {"copies": ("routed", "eg"), "mean": ("routed", "eg_mean"), "vote": ("routed", "eg_vote"),
             "centre": ("routed", "eg_centre"), "independent": ("independent", "eg"),
             "independent_vote": ("independent", "eg_vote"), "replicated": ("replicated", "eg"),
             "replicated_centre": ("replicated", "eg_centre"), "elastic": ("elastic", "eg"),
             "one_model": ("one_model", "eg")}
    vals = {}
    for name, (src, key) in table.items():
        m, se = mean_se(last(src, key))
        vals[f"eg_{name}"], vals[f"eg_{name}_se"] = float(m), float(se)
        tkey = {"eg": "et", "eg_vote": "et_vote"}.get(key)
        if tkey is not None:
            m, se = mean_se(last(src, tkey)) if finite else (None, None)
            vals[f"et_{name}"] = None if m is None else float(m)
            vals[f"et_{name}_se"] = None if se is None else float(se)
    vals["eg_single_total"], vals["eg_single_total_se"] = vals["eg_one_model"], vals["eg_one_model_se"]
    for name, a, b in (("diff", ("routed", "eg"), ("independent", "eg")),
                       ("diff_vote", ("routed", "eg_vote"), ("independent", "eg_vote")),
                       ("diff_replicated", ("routed", "eg"), ("replicated", "eg"))):
        m, se = mean_se(last(*a) - last(*b))
        vals[name], vals[f"{name}_se"] = float(m), float(se)
    return vals


def route_compare(setup: RoutingSetup | None = None, *, runs=8, seed=0, elastic_gamma=0.05, n_jobs=1,
                  backend="loky", progress=False, checkpoint_dir=None, **params) -> RoutingComparisonResult:
    """Routed copies vs independent copies, the robust ensemble, elastic coupling and one model.

    ``setup`` or the keywords of :func:`~fastq.routing.spec.make_routing_setup` (``epochs`` for
    a finite training set); ``runs`` seeds (>= 2) children of ``seed``; ``elastic_gamma`` in
    (0, 1]: the constant coupling of the elastic baseline and the starting coupling of the
    replicated one.  Paired: every setting sees the same teachers, training sets and orders.
    """
    if setup is not None and not isinstance(setup, RoutingSetup):
        raise TypeError(f"setup must be a RoutingSetup from fastq.make_routing_setup, or None "
                        f"(got {type(setup).__name__})")
    s = setup if setup is not None else make_routing_setup(**params)
    runs = V.integer("runs", runs, 2, 100_000)
    g = V.in_range("elastic_gamma", elastic_gamma, 0.0, 1.0, lo_open=True)
    _check_parallel(n_jobs, backend)
    root = as_seed_sequence(seed)
    settings = baselines(s, g)
    out = _run_settings(list(settings.values()), runs, root, n_jobs=n_jobs, backend=backend, progress=progress,
                        checkpoint_dir=checkpoint_dir, desc="fastq routing runs")
    res = dict(zip(settings, out))
    vals = _summaries(res, s.finite)
    ok = all(np.isfinite(r["eg"]).all() for r in out)
    st = "converged" if ok else "diverged"
    if ok and _at_chance(vals, s.dataset):
        st = "chance_level"
    prm = {**settings["routed"].to_dict(), "elastic_gamma": g, "seed_entropy": str(root.entropy)}
    return RoutingComparisonResult(vals, st, ok, runs, prm)


@dataclass(frozen=True)
class RoutingStudyResult:
    """Errors over a grid copies x kernel x p x alpha x seed, plus the baselines.

    ``data`` holds arrays: eg_copies / eg_mean / eg_vote / eg_centre (copies, kernel, p, alpha,
    seed), and on a finite training set et_copies / et_vote (training errors); eg_elastic and
    eg_replicated (copies, gamma, alpha, seed) (with et_* on a finite set); online eg_single
    (alpha_total, seed) for one model at every M alpha, on a finite set eg_one_model / et_one_model
    (copies, alpha, seed) for one model trained M E epochs.  :meth:`dataset` labels them (xarray).
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

        c, d = self.coords, self.data
        main_keys = [k for k in ("eg_copies", "eg_mean", "eg_vote", "eg_centre", "et_copies", "et_vote") if k in d]
        prm = {k: v for k, v in self.params.items() if v is not None}
        main = dataset(c, {k: d[k] for k in main_keys}, ("copies", "kernel", "p", "alpha", "seed"), prm)
        extra = {}
        for k in [k for k in d if k.endswith(("_elastic", "_replicated"))]:
            extra[k] = xr.DataArray(d[k], dims=("copies", "gamma", "alpha", "seed"),
                                    coords={"copies": c["copies"], "gamma": c["gamma"], "alpha": c["alpha"],
                                            "seed": c["seed"]})
        if "eg_single" in d:
            extra["eg_single"] = xr.DataArray(d["eg_single"], dims=("alpha_total", "seed"),
                                              coords={"alpha_total": c["alpha_total"], "seed": c["seed"]})
        for k in [k for k in d if k.endswith("_one_model")]:
            extra[k] = xr.DataArray(d[k], dims=("copies", "alpha", "seed"),
                                    coords={"copies": c["copies"], "alpha": c["alpha"], "seed": c["seed"]})
        return main.assign(**extra)


def parse_kernel(spec: str) -> dict:
    """``"uniform"``, ``"ring"``, ``"gaussian"`` or ``"gaussian:W"`` (width W) -> setup keywords."""
    name, _, width = str(spec).partition(":")
    if width:
        if name != "gaussian":
            raise V.FastqInputError(f"kernel width is only for gaussian (got {spec!r})")
        return {"kernel": name, "width": V.positive("width", V._as_float("width", width))}
    return {"kernel": name}


def _fill(data, prefix, out, idx, finite):
    data[f"eg_{prefix}"][idx] = out["eg"].mean(axis=2).T
    if finite:
        data[f"et_{prefix}"][idx] = out["et"].mean(axis=2).T


def routing_study(model="perceptron", rule=None, *, alphas=(1.0, 2.0, 4.0), copies=(2, 4, 8),
                  ps=(0.0, 0.1, 0.3, 1.0), kernels=("uniform", "ring"), gammas=(0.01, 0.05), seeds=16, seed=0,
                  n_jobs=1, backend="loky", progress=False, checkpoint_dir=None, **params) -> RoutingStudyResult:
    """Routed training over copies x kernel x p (and the baselines) for ``seeds`` paired seeds.

    Other keywords (``n``, ``bits``, ``eta``, ``hidden``, ``epochs``, ...) go to
    :func:`~fastq.routing.spec.make_routing_setup`.  ``kernels`` may hold ``"gaussian:W"`` for
    the circular-Gaussian kernel of width W.  p = 0 is computed once and shared by the kernels.
    Baselines per (M, gamma): elastic (constant coupling) and replicated (coupling rising from
    gamma to 1); one model (online: at every M alpha; finite: M E epochs on the same set).
    """
    seeds = V.integer("seeds", seeds, 2, 100_000)
    copies = [V.integer("copies", m, 1, 64) for m in copies]
    ps = sorted({V.in_range("p", p, 0.0, 1.0) for p in ps})
    gammas = [V.in_range("gamma", g, 0.0, 1.0, lo_open=True) for g in gammas]
    kernels = list(dict.fromkeys(str(k) for k in kernels))
    base = make_routing_setup(model, rule, alphas=alphas, copies=max(copies), **params)
    kw = {k: parse_kernel(k) for k in kernels}
    for k in kernels:
        base.replace(**kw[k])
    _check_parallel(n_jobs, backend)
    root = as_seed_sequence(seed)
    fin = base.finite
    grid = [(m, k, p) for m in copies for k in kernels for p in ps if not (p == 0.0 and k != kernels[0])]
    el = [(m, g) for m in copies for g in gammas]
    a_tot = sorted({a * m for a in base.alphas for m in copies})
    plain = dict(p=0.0, gamma=0.0, gamma_end=0.0)
    singles = ([base.replace(copies=1, epochs=base.epochs * m, **plain) for m in copies] if fin
               else [base.replace(copies=1, alphas=a_tot, **plain)])
    settings = ([base.replace(copies=m, p=p, **kw[k]) for m, k, p in grid]
                + [base.replace(copies=m, p=0.0, gamma=g, gamma_end=0.0) for m, g in el]
                + [base.replace(copies=m, p=0.0, gamma=g, gamma_end=1.0) for m, g in el] + singles)
    res = _run_settings(settings, seeds, root, n_jobs=n_jobs, backend=backend, progress=progress,
                        checkpoint_dir=checkpoint_dir, desc="fastq routing study")
    r = len(base.alphas)
    shape = (len(copies), len(kernels), len(ps), r, seeds)
    names = ("eg_copies", "eg_mean", "eg_vote", "eg_centre") + (("et_copies", "et_vote") if fin else ())
    data = {k: np.empty(shape) for k in names}
    for (m, k, p), out in zip(grid, res):
        for ki in ([kernels.index(k)] if p > 0 else range(len(kernels))):
            idx = (copies.index(m), ki, ps.index(p))
            _fill(data, "copies", out, idx, fin)
            for key in ("eg_mean", "eg_vote", "eg_centre") + (("et_vote",) if fin else ()):
                data[key][idx] = out[key].T
    for j, name in enumerate(("elastic", "replicated")):
        for key in (f"eg_{name}",) + ((f"et_{name}",) if fin else ()):
            data[key] = np.empty((len(copies), len(gammas), r, seeds))
        for (m, g), out in zip(el, res[len(grid) + j * len(el):]):
            _fill(data, name, out, (copies.index(m), gammas.index(g)), fin)
    if fin:
        data["eg_one_model"], data["et_one_model"] = (np.empty((len(copies), r, seeds)) for _ in range(2))
        for i, out in enumerate(res[len(grid) + 2 * len(el):]):
            _fill(data, "one_model", out, i, True)
    else:
        data["eg_single"] = res[-1]["eg"][:, :, 0].T
    ok = all(np.isfinite(o["eg"]).all() for o in res)
    coords = {"copies": np.array(copies), "kernel": np.array(kernels), "p": np.array(ps),
              "alpha": np.array(base.alphas), "seed": np.arange(seeds), "gamma": np.array(gammas),
              "alpha_total": np.array(a_tot)}
    prm = {k: v for k, v in base.to_dict().items() if k not in ("alphas", "copies", "p", "kernel", "gamma")}
    prm.update(seed_entropy=str(root.entropy), seeds=seeds)
    return RoutingStudyResult(coords, data, "converged" if ok else "diverged", ok, prm)
