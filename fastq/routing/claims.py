"""Does routing improve generalization?  The claims table of docs/routing.md.

For every model / rule / bits setting of :data:`CLAIM_SETTINGS` a :func:`routing_study` is run;
the best routed configuration (M, p > 0, kernel) at the last alpha is *selected on the first
half of the seeds* and *reported on the second half* (so the table is not flattered by picking
the luckiest of many configurations), against the baselines on the same (second-half) seeds:
independent copies (p = 0, same M), the best elastic coupling (same M, gamma selected on the
first half too), one model with all the samples (M alpha), and the vote of the independent
copies against the vote of the routed ones.  Differences are paired (same seeds) with standard
errors over seeds.
"""
from __future__ import annotations

import numpy as np

from .study import mean_se, routing_study

#: (label, model, rule, bits, n, alphas); quick mode uses a smaller n and fewer seeds
CLAIM_SETTINGS = [
    ("perceptron / Hebb / real", "perceptron", "hebb", 0, 200, (1.0, 2.0, 4.0)),
    ("perceptron / perceptron rule / real", "perceptron", "perceptron", 0, 200, (1.0, 2.0, 4.0)),
    ("perceptron / clipped / binary", "perceptron", "clipped", 1, 200, (1.0, 2.0, 4.0)),
    ("perceptron / clipped / 2-bit", "perceptron", "clipped", 2, 200, (1.0, 2.0, 4.0)),
    ("committee K=3 / STE / binary", "committee", "ste", 1, 100, (2.0, 5.0, 10.0)),
    ("MLP K=4 / SGD / real", "mlp", "ste", 0, 100, (2.0, 5.0, 10.0)),
]
STUDY = dict(copies=(4, 8), ps=(0.0, 0.1, 0.3, 1.0), kernels=("uniform", "ring"), gammas=(0.01, 0.05))
QUICK = dict(n=30, seeds=4, copies=(2, 4))


def _row(label, res):
    d = res.data
    c = res.coords
    half = d["eg_copies"].shape[-1] // 2
    sel, rep = slice(0, half), slice(half, None)
    routed = d["eg_copies"][..., -1, :]               # (copies, kernel, p, seed)
    score = routed[..., sel].mean(axis=-1)
    score[:, :, c["p"] == 0.0] = np.inf
    mi, ki, pi = np.unravel_index(np.argmin(score), score.shape)
    best = routed[mi, ki, pi, rep]
    indep = d["eg_copies"][mi, 0, list(c["p"]).index(0.0), -1, rep]
    el = d["eg_elastic"][mi, :, -1, :]                 # (gamma, seed)
    gi = int(np.argmin(el[:, sel].mean(axis=1)))
    m = int(c["copies"][mi])
    a_last = float(c["alpha"][-1])
    single = d["eg_single"][list(c["alpha_total"]).index(a_last * m), rep]
    vote_r = d["eg_vote"][mi, ki, pi, -1, rep]
    vote_i = d["eg_vote"][mi, 0, list(c["p"]).index(0.0), -1, rep]
    out = {"setting": label, "alpha": a_last, "copies": m, "kernel": str(c["kernel"][ki]), "p": float(c["p"][pi]),
           "gamma": float(c["gamma"][gi]), "seeds_reported": int(best.size)}
    for name, x in (("routed", best), ("independent", indep), ("elastic", el[gi, rep]), ("single_total", single),
                    ("vote_routed", vote_r), ("vote_independent", vote_i),
                    ("routed_minus_independent", best - indep), ("routed_minus_elastic", best - el[gi, rep]),
                    ("routed_minus_single_total", best - single),
                    ("vote_routed_minus_vote_independent", vote_r - vote_i)):
        out[name], out[f"{name}_se"] = (float(v) for v in mean_se(x))
    return out


def routing_claims(*, quick=False, seeds=24, seed=0, n_jobs=1, progress=False, checkpoint_dir=None):
    """(rows, studies): one claims row per setting of :data:`CLAIM_SETTINGS` and the studies."""
    rows, studies = [], []
    for label, model, rule, bits, n, alphas in CLAIM_SETTINGS:
        kw = dict(STUDY)
        extra = {"hidden": 4} if model == "mlp" else ({"hidden": 3} if model == "committee" else {})
        if quick:
            kw["copies"] = QUICK["copies"]
            n, seeds_ = QUICK["n"], QUICK["seeds"]
        else:
            seeds_ = seeds
        res = routing_study(model, rule, bits=bits, n=n, alphas=alphas, seeds=seeds_, seed=seed, n_jobs=n_jobs,
                            progress=progress, checkpoint_dir=checkpoint_dir, **kw, **extra)
        rows.append(_row(label, res))
        studies.append(res)
    return rows, studies


#: the finite-set learning curves (figure ``routing_finite``): clipped perceptron, binary weights,
#: unbounded (clip 0) and bounded hidden states (clip 1, margin 1)
FINITE_SETTINGS = [
    ("clipped perceptron / binary / unbounded", dict(clip=0.0, margin=0.0)),
    ("clipped perceptron / binary / clip 1, margin 1", dict(clip=1.0, margin=1.0)),
]
FINITE_STUDY = dict(alphas=(0.3, 0.6, 1.0, 1.5, 2.0, 3.0), copies=(2, 4, 8), ps=(0.0, 0.3, 1.0),
                    kernels=("uniform", "gaussian:1"), gammas=(0.05,), n=201, epochs=20)
FINITE_QUICK = dict(alphas=(0.5, 1.5), copies=(2, 4), n=31, epochs=3)


def finite_rows(label, res, *, target="copies", n_select=None):
    """Per (alpha, M): the best routed (kernel, p > 0) selected on the first ``n_select`` seeds
    (default half) by the mean of ``target`` ("copies": the copies' test error, "vote": their
    vote's), reported with every baseline on the other seeds (paired differences, standard errors).
    """
    d, c = res.data, res.coords
    n_seeds = d["eg_copies"].shape[-1]
    n_select = n_seeds // 2 if n_select is None else int(n_select)
    if not 1 <= n_select < n_seeds - 1:
        raise ValueError(f"n_select must leave >= 2 seeds to report (got {n_select} of {n_seeds})")
    sel, rep = slice(0, n_select), slice(n_select, None)
    p0 = list(c["p"]).index(0.0)
    rows = []
    for ai, alpha in enumerate(c["alpha"]):
        for mi, m in enumerate(c["copies"]):
            routed = d["eg_copies"][mi, :, :, ai, :]               # (kernel, p, seed)
            score = d[f"eg_{target}"][mi, :, :, ai, sel].mean(axis=-1)
            score[:, p0] = np.inf
            ki, pi = np.unravel_index(np.argmin(score), score.shape)
            pick = {"routed": routed[ki, pi, rep], "independent": d["eg_copies"][mi, 0, p0, ai, rep],
                    "replicated": d["eg_replicated"][mi, 0, ai, rep], "elastic": d["eg_elastic"][mi, 0, ai, rep],
                    "one_model": d["eg_one_model"][mi, ai, rep], "vote_routed": d["eg_vote"][mi, ki, pi, ai, rep],
                    "vote_independent": d["eg_vote"][mi, 0, p0, ai, rep],
                    "centre_routed": d["eg_centre"][mi, ki, pi, ai, rep],
                    "centre_independent": d["eg_centre"][mi, 0, p0, ai, rep],
                    "train_routed": d["et_copies"][mi, ki, pi, ai, rep],
                    "train_independent": d["et_copies"][mi, 0, p0, ai, rep],
                    "train_replicated": d["et_replicated"][mi, 0, ai, rep]}
            pick["routed_minus_independent"] = pick["routed"] - pick["independent"]
            pick["routed_minus_replicated"] = pick["routed"] - pick["replicated"]
            pick["routed_minus_elastic"] = pick["routed"] - pick["elastic"]
            pick["routed_minus_one_model"] = pick["routed"] - pick["one_model"]
            pick["replicated_minus_independent"] = pick["replicated"] - pick["independent"]
            pick["vote_routed_minus_vote_independent"] = pick["vote_routed"] - pick["vote_independent"]
            pick["centre_routed_minus_centre_independent"] = pick["centre_routed"] - pick["centre_independent"]
            out = {"setting": label, "alpha": float(alpha), "copies": int(m), "kernel": str(c["kernel"][ki]),
                   "p": float(c["p"][pi]), "target": target, "seeds_selected": n_select,
                   "seeds_reported": int(pick["routed"].size)}
            for name, x in pick.items():
                out[name], out[f"{name}_se"] = (float(v) for v in mean_se(x))
            rows.append(out)
    return rows


def routing_finite_claims(*, quick=False, seeds=12, seed=0, n_jobs=1, progress=False, checkpoint_dir=None):
    """(rows, studies): the finite-set learning curves of :data:`FINITE_SETTINGS` and their rows."""
    rows, studies = [], []
    for label, extra in FINITE_SETTINGS:
        kw = {**FINITE_STUDY, **(FINITE_QUICK if quick else {})}
        res = routing_study("perceptron", "clipped", bits=1, seeds=4 if quick else seeds, seed=seed, n_jobs=n_jobs,
                            progress=progress, checkpoint_dir=checkpoint_dir, n_test=500, **kw, **extra)
        rows += finite_rows(label, res)
        studies.append(res)
    return rows, studies
