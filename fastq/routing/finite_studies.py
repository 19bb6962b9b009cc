"""Finite-set studies beyond the perceptron's learning curves (docs/routing.md).

* :func:`routing_network_curves` -- committee machines and MLPs on a finite teacher task, learning
  curves Eg(alpha) for alpha in [0.3, 3], M in {2, 4, 8}, p and kernel chosen on half of the seeds
  and reported with every baseline on the other half (figure ``routing_networks``);
* :func:`routing_vote_study` -- the copies' vote on small training sets, the routed configuration
  selected *on the vote* on some fresh seeds and reported on the others (the one hint of a gain in
  the perceptron's curves, tested again);
* :func:`routing_width_sweep` -- the circular-Gaussian kernel's width swept, every setting reported
  (no selection) as paired differences against independent copies.

All are :func:`~fastq.routing.study.routing_study` grids (shared starts, the same seeds, training
sets and orders for every setting), so they checkpoint and resume through ``checkpoint_dir``.
"""
from __future__ import annotations

import numpy as np

from .claims import finite_rows
from .study import mean_se, routing_study

__all__ = ["routing_network_curves", "routing_vote_study", "routing_width_sweep", "NETWORK_SETTINGS"]

#: (label, setup keywords): the binary committee machine (STE) and the real MLP of the online claims
NETWORK_SETTINGS = [
    ("committee K=3 / STE / binary", dict(model="committee", rule="ste", bits=1, hidden=3)),
    ("MLP K=4 / SGD / real", dict(model="mlp", rule="ste", bits=0, hidden=4)),
]
NETWORK_STUDY = dict(alphas=(0.3, 0.6, 1.0, 1.5, 2.0, 3.0), copies=(2, 4, 8), ps=(0.0, 0.3, 1.0),
                     kernels=("uniform", "gaussian:1"), gammas=(0.05,), n=150, epochs=20, init_mode="shared",
                     n_test=1000)
NETWORK_QUICK = dict(alphas=(0.5, 1.5), copies=(2, 4), n=16, epochs=3, n_test=200)


def routing_network_curves(*, quick=False, seeds=12, seed=0, n_jobs=1, progress=False, checkpoint_dir=None,
                           init_mode="shared", learners=None):
    """(rows, studies): learning curves of :data:`NETWORK_SETTINGS` on a finite teacher task.

    N = 150, P = alpha N samples shared by the copies, 20 epochs, ``init_mode`` starts (shared by
    default), 1000 test samples; the rows of :func:`~fastq.routing.claims.finite_rows` (selected on
    the first half of the seeds, reported on the second).  ``learners``: labels of
    :data:`NETWORK_SETTINGS` to run (all by default).  Quick: N = 16, 3 epochs, 4 seeds, M in
    {2, 4}, two alphas.
    """
    rows, studies = [], []
    for label, extra in NETWORK_SETTINGS:
        if learners is not None and label not in learners:
            continue
        kw = {**NETWORK_STUDY, **(NETWORK_QUICK if quick else {}), **extra, "init_mode": init_mode}
        model, rule = kw.pop("model"), kw.pop("rule")
        res = routing_study(model, rule, seeds=4 if quick else seeds, seed=seed, n_jobs=n_jobs, progress=progress,
                            checkpoint_dir=checkpoint_dir, **kw)
        rows += finite_rows(label, res)
        studies.append(res)
    return rows, studies


#: the bounded clipped perceptron (the learner whose vote hinted at a gain), small training sets
VOTE_STUDY = dict(alphas=(0.3, 0.6, 1.0), copies=(2, 4, 8), ps=(0.0, 0.3, 1.0), kernels=("uniform", "gaussian:1"),
                  gammas=(0.05,), n=201, epochs=20, clip=1.0, margin=1.0, n_test=500, bits=1)


def routing_vote_study(*, quick=False, seeds=24, n_select=8, seed=1, n_jobs=1, progress=False,
                       checkpoint_dir=None):
    """(rows, study): the routed (kernel, p) chosen by the copies' *vote* on the first ``n_select``
    seeds, reported on the other ``seeds - n_select``; root ``seed`` 1 gives seeds unused by the
    perceptron's curves (root 0).  Quick: N = 31, 3 epochs, 6 seeds (2 select, 4 report).
    """
    kw = dict(VOTE_STUDY)
    if quick:
        kw.update(alphas=(0.5,), copies=(2, 4), n=31, epochs=3)
        seeds, n_select = 6, 2
    res = routing_study("perceptron", "clipped", seeds=seeds, seed=seed, n_jobs=n_jobs, progress=progress,
                        checkpoint_dir=checkpoint_dir, **kw)
    return finite_rows("clipped perceptron / binary / clip 1, margin 1", res, target="vote", n_select=n_select), res


WIDTH_STUDY = dict(alphas=(0.3, 1.0, 3.0), copies=(4, 8), ps=(0.0, 0.3, 1.0), gammas=(0.05,), n=201, epochs=20,
                   clip=1.0, margin=1.0, n_test=500, bits=1)
WIDTHS = (0.5, 1.0, 2.0, 4.0)


def routing_width_sweep(*, quick=False, widths=WIDTHS, seeds=8, seed=2, n_jobs=1, progress=False,
                        checkpoint_dir=None):
    """(rows, study): routed minus independent copies (and votes) for every width, alpha, M and
    p > 0 of the circular-Gaussian kernel, over all ``seeds`` (every setting reported, none chosen).
    Quick: N = 31, 3 epochs, 3 seeds, M = 4, widths 0.5 and 2.
    """
    kw = dict(WIDTH_STUDY)
    if quick:
        kw.update(alphas=(0.5,), copies=(4,), n=31, epochs=3)
        seeds, widths = 3, (0.5, 2.0)
    kernels = [f"gaussian:{w:g}" for w in widths]
    res = routing_study("perceptron", "clipped", kernels=kernels, seeds=seeds, seed=seed, n_jobs=n_jobs,
                        progress=progress, checkpoint_dir=checkpoint_dir, **kw)
    d, c = res.data, res.coords
    p0 = list(c["p"]).index(0.0)
    rows = []
    for ki, w in enumerate(widths):
        for ai, alpha in enumerate(c["alpha"]):
            for mi, m in enumerate(c["copies"]):
                for pi, p in enumerate(c["p"]):
                    if p == 0.0:
                        continue
                    out = {"width": float(w), "alpha": float(alpha), "copies": int(m), "p": float(p),
                           "seeds": int(seeds)}
                    for name, key in (("copies", "eg_copies"), ("vote", "eg_vote"), ("train", "et_copies")):
                        x = d[key][mi, ki, pi, ai] - d[key][mi, 0, p0, ai]
                        out[f"{name}_minus_independent"], out[f"{name}_minus_independent_se"] = (
                            float(v) for v in mean_se(x))
                    out["independent"] = float(np.mean(d["eg_copies"][mi, 0, p0, ai]))
                    rows.append(out)
    return rows, res
