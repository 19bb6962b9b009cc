"""Routed training on a finite training set with a fixed lift (``epochs`` given; THEORY section 12).

P = round(alpha N) samples, shared by all copies, are visited ``epochs`` times; every copy draws
its own shuffle of the set at every epoch (its stream ``(3, a)``, after its initial state); the
lift (one permutation of the copies per (sample, parameter) edge) is fixed for the whole training
and regenerated from a key, never stored (:mod:`fastq.routing._lift`).  Each alpha of the setting
is its own run from the same seed, on the first P rows of one draw of ``P_max`` samples (stream
``(4,)``), so the training sets of a learning curve are nested.  Optional ``warmup``: one model
(copy 0's start) trained for that many epochs (its order from stream ``(5,)``, no routing) before
the copies split from it.  The coupling (``gamma``, rising to ``gamma_end`` if set) acts after
every step of the main phase.
"""
from __future__ import annotations

import math

import numpy as np

from . import _kernels as K
from . import _lift as L
from .single import _empty_record, _errors, _rng, _State, _store, coupling, seed_child
from .spec import RoutingSetup

__all__ = ["simulate_finite", "lift_key", "training_set"]


def lift_key(ss: np.random.SeedSequence) -> tuple:
    """The lift's 128-bit key (two uint64) from stream ``(2,)``."""
    k = seed_child(ss, 2).generate_state(2, np.uint64)
    return np.uint64(k[0]), np.uint64(k[1])


def training_set(st: _State, s: RoutingSetup, ss: np.random.SeedSequence):
    """(X (P_max, N), y (P_max,)): the largest training set; a run at alpha uses its first P rows."""
    p_max = s.n_train()
    if s.dataset != "teacher":
        return st.Xtr[:p_max], st.ytr[:p_max]
    X = _rng(ss, 4).standard_normal((p_max, s.n))
    return X, st.labels(X)


def _epoch(st: _State, s: RoutingSetup, X, y, order, gam, key, p, *, h=None, t0=0) -> None:
    """One epoch of the kernel on the state (or on the one-model arrays ``h`` of the warm-up)."""
    m = order.shape[1]
    kern, cdf = K.KERNELS[s.kernel], (st.cdf if m == s.copies else K.shift_cdf(m, s.width))
    lv, th, q = st.levels, st.thresholds, st.quantized
    hh = st.h if h is None else h["h"]
    ww = st.w if h is None else h["w"]
    if s.model == "perceptron":
        rule = {"hebb": K.RULE_HEBB, "sbpi": K.RULE_SBPI}.get(s.rule, K.RULE_PERCEPTRON)
        L._perceptron_epoch(hh, ww, X, y, order, rule, s.eta / math.sqrt(s.n), q, lv, th, p, kern, cdf,
                            key[0], key[1], gam, np.empty(s.n, dtype=np.int64), s.margin * math.sqrt(s.n), s.clip,
                            s.ps, t0)
    else:
        hv = st.hv if h is None else h["hv"]
        wv = st.wv if h is None else h["wv"]
        L._net_epoch(hh, ww, hv, wv, s.model == "mlp", X, y, order, s.eta, q, lv, th, p, kern, cdf, key[0],
                     key[1], gam, np.empty(s.hidden * s.n + s.hidden, dtype=np.int64), np.empty(s.hidden))


def _warmup(st: _State, s: RoutingSetup, X, y, ss, key) -> None:
    """``s.warmup`` epochs of one model from copy 0's start; every copy then starts from it."""
    one = {"h": st.h[:1].copy(), "w": st.w[:1].copy()}
    if s.model != "perceptron":
        one["hv"], one["wv"] = st.hv[:1].copy(), st.wv[:1].copy()
    g = _rng(ss, 5)
    n_p = X.shape[0]
    for e in range(s.warmup):  # SBPI coins of the warm-up: steps after the main phase's
        _epoch(st, s, X, y, g.permutation(n_p)[:, None], np.zeros(n_p), key, 0.0, h=one, t0=(s.epochs + e) * n_p)
    st.h[:], st.w[:] = one["h"][0], one["w"][0]
    if s.model != "perceptron":
        st.hv[:], st.wv[:] = one["hv"][0], one["wv"][0]


def simulate_finite(s: RoutingSetup, ss: np.random.SeedSequence):
    """(errors dict of arrays, final state of the last alpha): one run per alpha of the setting."""
    rec = _empty_record(s)
    key = lift_key(ss)
    st = _State(s, ss)
    X_all, y_all = training_set(st, s, ss)
    for j, alpha in enumerate(s.alphas):
        if j:
            st = _State(s, ss)
        n_p = s.n_train(alpha)
        X, y = np.ascontiguousarray(X_all[:n_p]), np.ascontiguousarray(y_all[:n_p])
        if s.warmup:
            _warmup(st, s, X, y, ss, key)
        total = s.epochs * n_p
        for e in range(s.epochs):
            order = np.stack([g.permutation(n_p) for g in st.gens], axis=1)
            _epoch(st, s, X, y, order, coupling(s, e * n_p, n_p, total), key, s.p, t0=e * n_p)
        if not np.isfinite(st.h).all():
            rec["ok"] = False
            break
        _store(rec, j, _errors(st, s, (X, y)))
    return rec, st
