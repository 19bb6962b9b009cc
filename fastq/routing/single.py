"""One routed-training run: :func:`route` (kernels ``_perceptron_steps`` / ``_net_steps``).

Random streams of a run with seed ``s`` (``SeedSequence`` children, so that a copy's samples do
not depend on M, p, the kernel or the number of workers):

* ``(0,)`` teacher: perceptron ``w0 = where(random(N) < 1/2, -1, 1)``; networks
  ``W0 = standard_normal((K, N))`` then (mlp) ``v0 = standard_normal(K)``;
* ``(1,)`` test set: ``standard_normal((n_test, N))``;
* digits / mnist1d (networks): the teacher stream shuffles the 1797 images (the 5000 MNIST-1D
  signals, made with seed 0) by ``permutation``, the first 1297 (4000) train and the rest test;
  online, copy ``a`` draws its step's row by ``integers(0, n_train)``;
* ``(2,)`` routing draws (used inside the kernel; see ``_kernels``);
* ``(3, a)`` copy ``a``: first its initial hidden states ``init * standard_normal(N)`` (networks:
  ``(K, N)``; with ``init_mode`` "shared" every copy then starts from copy 0's draw), then one
  sample ``standard_normal(N)`` per step (online) or one ``permutation(P)`` per epoch (finite);
* finite training set (``epochs``, :mod:`fastq.routing.finite`): ``(4,)`` draws
  ``standard_normal((P_max, N))`` once, a run at alpha uses its first ``round(alpha N)`` rows;
  ``(2,)`` gives the lift's key (``generate_state(2, uint64)``); ``(5,)`` the warm-up's order.

So with ``p = 0`` copy ``a`` of an M-copy run is exactly the one-model run fed by stream
``(3, a)`` (with copy 0's start when shared), and copy 0 is exactly the ``M = 1`` run.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..synthetic import as_seed_sequence
from . import _kernels as K
from .spec import RoutingSetup, make_routing_setup

__all__ = ["route", "RoutingResult", "seed_child"]

#: samples drawn per block: steps * copies * N <= this (memory ~ 8 MiB)
BLOCK_ELEMENTS = 1 << 20


def seed_child(root: np.random.SeedSequence, *key) -> np.random.SeedSequence:
    """The child ``key`` of ``root`` (a tuple of ints appended to its spawn key)."""
    return np.random.SeedSequence(root.entropy, spawn_key=tuple(root.spawn_key) + tuple(key))


def _rng(root, *key):
    return np.random.Generator(np.random.PCG64(seed_child(root, *key)))


@dataclass(frozen=True)
class RoutingResult:
    """One routed-training run.

    alphas : (r,) recorded alpha = steps / N per copy; eg : (r, M) generalization error of each
    copy (perceptron: ``arccos(R) / pi`` exactly; networks: test error on ``n_test`` samples);
    eg_copies : (r,) mean over copies; eg_mean : (r,) the mean of the copies (perceptron: the
    averaged weight vector, exact; networks: the averaged output, test error); eg_vote : (r,)
    majority vote of the copies on the test set (ties: sign of the summed outputs); eg_centre :
    (r,) the centre, the model of the quantized mean hidden state; et / et_copies / et_vote :
    training errors (finite training set only; NaN online, where there is no training set);
    status / converged : "diverged" if a hidden state became non-finite; params : the setting.
    """

    alphas: np.ndarray
    eg: np.ndarray
    eg_copies: np.ndarray
    eg_mean: np.ndarray
    eg_vote: np.ndarray
    status: str
    converged: bool
    params: dict = field(default_factory=dict)
    eg_centre: np.ndarray | None = None
    et: np.ndarray | None = None
    et_copies: np.ndarray | None = None
    et_vote: np.ndarray | None = None

    def to_dict(self) -> dict:
        """The record as a plain dict (JSON-ready through :func:`fastq.store.to_json`)."""
        return {"alphas": self.alphas, "eg": self.eg, "eg_copies": self.eg_copies, "eg_mean": self.eg_mean,
                "eg_vote": self.eg_vote, "eg_centre": self.eg_centre, "et": self.et, "et_copies": self.et_copies,
                "et_vote": self.et_vote, "status": self.status, "converged": self.converged, "params": self.params}


def _sign(x):
    return np.where(x >= 0.0, 1.0, -1.0)


def _vote(votes, outputs):
    """Majority of the rows' +-1 votes, ties broken by the sign of the summed outputs."""
    s = votes.sum(axis=1)
    return np.where(s != 0, np.sign(s), _sign(outputs.sum(axis=1)))


class _State:
    """Hidden states, weights, teacher, test set and streams of one run (see module docstring)."""

    def __init__(self, s: RoutingSetup, ss: np.random.SeedSequence):
        m, n, k = s.copies, s.n, s.hidden
        q = s.quantizer
        self.quantized = q is not None
        self.levels = q.levels.copy() if q is not None else np.zeros(2)
        self.thresholds = q.thresholds.copy() if q is not None else np.zeros(1)
        teach = _rng(ss, 0)
        self.gens = [_rng(ss, 3, a) for a in range(m)]
        self.route_rng = _rng(ss, 2)
        self.src = np.empty((s.n_params, m), dtype=np.int64)
        self.keys = np.empty(m)
        self.cdf = K.shift_cdf(m, s.width)
        if s.model == "perceptron":
            self.w0 = np.where(teach.random(n) < 0.5, -1.0, 1.0)
            self.h = np.stack([s.init * g.standard_normal(n) for g in self.gens])
        else:
            if s.dataset != "teacher":
                self.Xtr, self.ytr, self.X_test, self.y_test = _real_data(s.dataset, teach)
            else:
                self.W0 = teach.standard_normal((k, n))
                self.v0 = np.ones(k) if s.model == "committee" else teach.standard_normal(k)
            self.h = np.stack([s.init * g.standard_normal((k, n)) for g in self.gens])
            self.hv = np.ones((m, k))
        if s.init_mode == "shared":
            self.h[:] = self.h[0]
        if s.model != "perceptron":
            self.wv = self.quant(self.hv) if s.model == "mlp" else self.hv.copy()
        self.w = self.quant(self.h)
        if s.dataset == "teacher":
            self.X_test = _rng(ss, 1).standard_normal((s.n_test, n))
            self.y_test = self.labels(self.X_test)

    def quant(self, h):
        if not self.quantized:
            return h.copy()
        idx = np.searchsorted(self.thresholds, h, side="right")  # ties at a threshold go up, as _phi
        return self.levels[idx]

    def labels(self, X):
        if hasattr(self, "w0"):
            return _sign(X @ self.w0)
        return _sign(_sign(X @ self.W0.T) @ self.v0)


def _real_data(name, g):
    """scikit-learn's digits or MNIST-1D (made with seed 0) shuffled by ``g``, standardized with the
    training statistics, labels +-1 (digits 5-9: +1): (X_train, y_train, X_test, y_test).
    """
    from .spec import REAL_DATA

    if name == "digits":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
    else:
        from .._mnist1d import mnist1d_arrays

        X, y = mnist1d_arrays(0)
    n_train = REAL_DATA[name][1]
    perm = g.permutation(X.shape[0])
    X, y = X[perm].astype(np.float64), np.where(y[perm] >= 5, 1.0, -1.0)
    mu, sd = X[:n_train].mean(axis=0), X[:n_train].std(axis=0)
    sd[sd == 0] = 1.0
    X = (X - mu) / sd
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def coupling(s: RoutingSetup, t0: int, count: int, total: int) -> np.ndarray:
    """Coupling at steps t0 .. t0 + count - 1 of ``total``: ``gamma``, or the rise to ``gamma_end``."""
    if s.gamma == 0.0 or s.copies == 1:
        return np.zeros(count)
    if s.gamma_end == 0.0:
        return np.full(count, s.gamma)
    t = np.arange(t0, t0 + count, dtype=float)
    return s.gamma * (s.gamma_end / s.gamma) ** (t / total)


def _advance(st: _State, s: RoutingSetup, n_steps: int, t0: int = 0) -> None:
    """Draw the copies' samples block by block and run the routed kernel over ``n_steps``
    (steps ``t0`` onwards of the run, for the coupling schedule).
    """
    m, n = s.copies, s.n
    block = max(1, BLOCK_ELEMENTS // (m * n))
    done = 0
    total = int(s.record_steps[-1])
    while done < n_steps:
        b = min(block, n_steps - done)
        gam = coupling(s, t0 + done, b, total)
        X = np.empty((b, m, n))
        if s.dataset != "teacher":
            Y = np.empty((b, m))
            for a in range(m):
                idx = st.gens[a].integers(0, st.Xtr.shape[0], size=b)
                X[:, a, :], Y[:, a] = st.Xtr[idx], st.ytr[idx]
        else:
            for a in range(m):
                X[:, a, :] = st.gens[a].standard_normal((b, n))
            Y = st.labels(X)
        if s.model == "perceptron":
            rule = K.RULE_HEBB if s.rule == "hebb" else K.RULE_PERCEPTRON
            K._perceptron_steps(st.h, st.w, X, Y, rule, s.eta / math.sqrt(n), st.quantized, st.levels,
                                st.thresholds, s.p, K.KERNELS[s.kernel], gam, st.route_rng, st.src,
                                st.keys, st.cdf, s.margin * math.sqrt(n), s.clip)
        else:
            K._net_steps(st.h, st.w, st.hv, st.wv, s.model == "mlp", X, Y, s.eta, st.quantized, st.levels,
                         st.thresholds, s.p, K.KERNELS[s.kernel], gam, st.route_rng, st.src, st.keys,
                         np.empty(s.hidden), st.cdf)
        done += b


def _outputs(st: _State, s: RoutingSetup, X, w=None, wv=None):
    """(samples, M) real outputs of the copies (or of the given weights) on the rows of X."""
    w = st.w if w is None else w
    if s.model == "perceptron":
        return X @ w.T
    wv = st.wv if wv is None else wv
    out = np.empty((X.shape[0], w.shape[0]))
    for a in range(w.shape[0]):
        out[:, a] = np.tanh(X @ w[a].T / math.sqrt(s.n)) @ wv[a] / s.hidden
    return out


def _errors(st: _State, s: RoutingSetup, train=None):
    """Dict: per (M,) test error of each copy, mean, vote, centre; with ``train = (X, y)`` also the
    training errors per copy ``tper`` (M,) and of the vote ``tvote``.
    """
    centre = st.quant(st.h.mean(axis=0, keepdims=True))
    cv = st.quant(st.hv.mean(axis=0, keepdims=True)) if s.model == "mlp" else (
        None if s.model == "perceptron" else st.hv[:1])
    out = _outputs(st, s, st.X_test)
    if s.model == "perceptron":
        norm0 = math.sqrt(s.n)

        def eg_of(w):
            nw = np.linalg.norm(w)
            r = float(w @ st.w0) / (nw * norm0) if nw > 0 else 0.0
            return math.acos(min(1.0, max(-1.0, r))) / math.pi

        res = {"per": np.array([eg_of(st.w[a]) for a in range(s.copies)]), "mean": eg_of(st.w.mean(axis=0)),
               "centre": eg_of(centre[0])}
    else:
        per = np.mean(_sign(out) != st.y_test[:, None], axis=0)
        oc = _outputs(st, s, st.X_test, centre, cv)[:, 0]
        res = {"per": per, "mean": float(np.mean(_sign(out.mean(axis=1)) != st.y_test)),
               "centre": float(np.mean(_sign(oc) != st.y_test))}
    res["vote"] = float(np.mean(_vote(_sign(out), out) != st.y_test))
    if train is not None:
        X, y = train
        o = _outputs(st, s, X)
        res["tper"] = np.mean(_sign(o) != y[:, None], axis=0)
        res["tvote"] = float(np.mean(_vote(_sign(o), o) != y))
    return res


def _empty_record(s: RoutingSetup) -> dict:
    r, m = len(s.alphas), s.copies
    return {"eg": np.full((r, m), np.nan), "et": np.full((r, m), np.nan),
            **{k: np.full(r, np.nan) for k in ("eg_mean", "eg_vote", "eg_centre", "et_vote")}, "ok": True}


def _store(rec: dict, j: int, e: dict) -> None:
    rec["eg"][j], rec["eg_mean"][j], rec["eg_vote"][j], rec["eg_centre"][j] = e["per"], e["mean"], e["vote"], e[
        "centre"]
    if "tper" in e:
        rec["et"][j], rec["et_vote"][j] = e["tper"], e["tvote"]


def _simulate(s: RoutingSetup, ss: np.random.SeedSequence):
    """(errors dict of arrays, final state): the run behind :func:`route` (online here; a finite
    training set in :func:`fastq.routing.finite.simulate_finite`).
    """
    if s.finite:
        from .finite import simulate_finite

        return simulate_finite(s, ss)
    st = _State(s, ss)
    rec = _empty_record(s)
    prev = 0
    for j, step in enumerate(s.record_steps):
        _advance(st, s, int(step) - prev, prev)
        prev = int(step)
        if not np.isfinite(st.h).all():
            rec["ok"] = False
            break
        _store(rec, j, _errors(st, s))
    return rec, st


def route(setup: RoutingSetup | None = None, *, seed, **params) -> RoutingResult:
    r"""Train M copies with permutation routing (fastq's reading of Kashiwamura and Leleu).

    Parameters: a :class:`~fastq.routing.spec.RoutingSetup` or the keywords of
    :func:`~fastq.routing.spec.make_routing_setup` (``model``, ``rule``, ``n``, ``alpha`` or
    ``alphas``, ``copies``, ``p``, ``kernel``, ``bits``, ``omega``, ``eta``, ``gamma``, ``init``,
    ``hidden``, ``n_test``, ``epochs``, ``width``, ``init_mode``, ``gamma_end``, ``warmup``);
    ``epochs`` trains on a finite set with a fixed lift (:mod:`fastq.routing.finite`); ``seed``
    an int >= 0 or a SeedSequence (streams in the module
    docstring).  Kernels: ``fastq.routing._kernels._perceptron_steps`` and ``_net_steps``.

    .. math::

        \mathrm{routed}_a[j] = \theta^{\pi_j(a)}_j, \qquad
        \theta^{\pi_j(a)}_j \leftarrow \theta^{\pi_j(a)}_j + \Delta_j(\mathrm{routed}_a; x^a, y^a)
    """
    s = setup if setup is not None else make_routing_setup(**params)
    if setup is not None and params:
        s = setup.replace(**params)
    ss = as_seed_sequence(seed)
    out, _ = _simulate(s, ss)
    status = "converged" if out["ok"] else "diverged"
    params = s.to_dict()
    params.update(seed_entropy=str(ss.entropy), seed_spawn_key=list(ss.spawn_key))
    return RoutingResult(np.array(s.alphas), out["eg"], out["eg"].mean(axis=1), out["eg_mean"],
                         out["eg_vote"], status, out["ok"], params, out["eg_centre"], out["et"],
                         out["et"].mean(axis=1), out["et_vote"])
