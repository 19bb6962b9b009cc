"""One routed-training run: :func:`route` (kernels ``_perceptron_steps`` / ``_net_steps``).

Random streams of a run with seed ``s`` (``SeedSequence`` children, so that a copy's samples do
not depend on M, p, the kernel or the number of workers):

* ``(0,)`` teacher: perceptron ``w0 = where(random(N) < 1/2, -1, 1)``; networks
  ``W0 = standard_normal((K, N))`` then (mlp) ``v0 = standard_normal(K)``;
* ``(1,)`` test set: ``standard_normal((n_test, N))``;
* digits (networks): the teacher stream shuffles the 1797 images (``permutation``), the first
  1297 train and the rest test; copy ``a`` draws its step's image by ``integers(0, 1297)``;
* ``(2,)`` routing draws (used inside the kernel; see ``_kernels``);
* ``(3, a)`` copy ``a``: first its initial hidden states ``init * standard_normal(N)`` (networks:
  ``(K, N)``), then one sample ``standard_normal(N)`` per step.

So with ``p = 0`` copy ``a`` of an M-copy run is exactly the one-model run fed by stream
``(3, a)``, and copy 0 is exactly the ``M = 1`` run with the same seed.
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
    majority vote of the copies on the test set (ties: sign of the summed outputs);
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

    def to_dict(self) -> dict:
        """The record as a plain dict (JSON-ready through :func:`fastq.store.to_json`)."""
        return {"alphas": self.alphas, "eg": self.eg, "eg_copies": self.eg_copies, "eg_mean": self.eg_mean,
                "eg_vote": self.eg_vote, "status": self.status, "converged": self.converged,
                "params": self.params}


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
        if s.model == "perceptron":
            self.w0 = np.where(teach.random(n) < 0.5, -1.0, 1.0)
            self.h = np.stack([s.init * g.standard_normal(n) for g in self.gens])
        else:
            if s.dataset == "digits":
                self.Xtr, self.ytr, self.X_test, self.y_test = _digits(teach)
            else:
                self.W0 = teach.standard_normal((k, n))
                self.v0 = np.ones(k) if s.model == "committee" else teach.standard_normal(k)
            self.h = np.stack([s.init * g.standard_normal((k, n)) for g in self.gens])
            self.hv = np.ones((m, k))
            self.wv = self.quant(self.hv) if s.model == "mlp" else self.hv.copy()
        self.w = self.quant(self.h)
        if s.dataset != "digits":
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


def _digits(g):
    """scikit-learn's digits shuffled by ``g``: standardized (train statistics), labels +-1 (5-9: +1)."""
    from sklearn.datasets import load_digits

    from .spec import DIGITS_TRAIN

    X, y = load_digits(return_X_y=True)
    perm = g.permutation(X.shape[0])
    X, y = X[perm].astype(np.float64), np.where(y[perm] >= 5, 1.0, -1.0)
    mu, sd = X[:DIGITS_TRAIN].mean(axis=0), X[:DIGITS_TRAIN].std(axis=0)
    sd[sd == 0] = 1.0
    X = (X - mu) / sd
    return X[:DIGITS_TRAIN], y[:DIGITS_TRAIN], X[DIGITS_TRAIN:], y[DIGITS_TRAIN:]


def _advance(st: _State, s: RoutingSetup, n_steps: int) -> None:
    """Draw the copies' samples block by block and run the routed kernel over ``n_steps``."""
    m, n = s.copies, s.n
    block = max(1, BLOCK_ELEMENTS // (m * n))
    done = 0
    while done < n_steps:
        b = min(block, n_steps - done)
        X = np.empty((b, m, n))
        if s.dataset == "digits":
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
                                st.thresholds, s.p, K.KERNELS[s.kernel], s.gamma, st.route_rng, st.src,
                                st.keys)
        else:
            K._net_steps(st.h, st.w, st.hv, st.wv, s.model == "mlp", X, Y, s.eta, st.quantized, st.levels,
                         st.thresholds, s.p, K.KERNELS[s.kernel], s.gamma, st.route_rng, st.src, st.keys,
                         np.empty(s.hidden))
        done += b


def _errors(st: _State, s: RoutingSetup):
    """(eg per copy (M,), eg of the mean of the copies, eg of the vote)."""
    if s.model == "perceptron":
        norm0 = math.sqrt(s.n)

        def eg_of(w):
            nw = np.linalg.norm(w)
            r = float(w @ st.w0) / (nw * norm0) if nw > 0 else 0.0
            return math.acos(min(1.0, max(-1.0, r))) / math.pi

        per = np.array([eg_of(st.w[a]) for a in range(s.copies)])
        out = st.X_test @ st.w.T
        return per, eg_of(st.w.mean(axis=0)), float(np.mean(_vote(_sign(out), out) != st.y_test))
    out = np.empty((st.X_test.shape[0], s.copies))
    for a in range(s.copies):
        out[:, a] = np.tanh(st.X_test @ st.w[a].T / math.sqrt(s.n)) @ st.wv[a] / s.hidden
    per = np.mean(_sign(out) != st.y_test[:, None], axis=0)
    return (per, float(np.mean(_sign(out.mean(axis=1)) != st.y_test)),
            float(np.mean(_vote(_sign(out), out) != st.y_test)))


def _simulate(s: RoutingSetup, ss: np.random.SeedSequence):
    """(errors dict of arrays, final state): the run behind :func:`route`."""
    st = _State(s, ss)
    rec = s.record_steps
    r = rec.size
    eg = np.empty((r, s.copies))
    eg_mean = np.empty(r)
    eg_vote = np.empty(r)
    prev = 0
    ok = True
    for j, step in enumerate(rec):
        _advance(st, s, int(step) - prev)
        prev = int(step)
        if not np.isfinite(st.h).all():
            ok = False
            eg[j:], eg_mean[j:], eg_vote[j:] = np.nan, np.nan, np.nan
            break
        eg[j], eg_mean[j], eg_vote[j] = _errors(st, s)
    return {"eg": eg, "eg_mean": eg_mean, "eg_vote": eg_vote, "ok": ok}, st


def route(setup: RoutingSetup | None = None, *, seed, **params) -> RoutingResult:
    r"""Train M copies with permutation routing (fastq's reading of Kashiwamura and Leleu).

    Parameters: a :class:`~fastq.routing.spec.RoutingSetup` or the keywords of
    :func:`~fastq.routing.spec.make_routing_setup` (``model``, ``rule``, ``n``, ``alpha`` or
    ``alphas``, ``copies``, ``p``, ``kernel``, ``bits``, ``omega``, ``eta``, ``gamma``, ``init``,
    ``hidden``, ``n_test``); ``seed`` an int >= 0 or a SeedSequence (streams in the module
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
                         out["eg_vote"], status, out["ok"], params)
