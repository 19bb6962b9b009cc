"""Synthetic teacher-student instances (THEORY section 1).

Rows of X have i.i.d. N(0, 1/N) entries, the teacher ``w0 ~ N(0, rho I)`` and
``y = X w0 + e`` with ``e ~ N(0, sigma^2 I)``; ``M = round(alpha N)``.

Every draw comes from an explicit seed.  Independent instances are made from
:func:`spawn_seeds`, which derives child seeds from one root with NumPy's ``SeedSequence``,
so instance ``k`` is the same whatever the number of workers that computes it.
"""
from __future__ import annotations

import numpy as np

from . import _validate as V


def as_seed_sequence(seed) -> np.random.SeedSequence:
    """Accept an int >= 0 or a ``SeedSequence``; anything else is an error (no hidden entropy)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    return np.random.SeedSequence(V.integer("seed", seed, 0))


def spawn_seeds(seed, count: int) -> list[np.random.SeedSequence]:
    """``count`` independent child seeds of ``seed`` (stable: child k never depends on count)."""
    count = V.integer("count", count, 0)
    root = as_seed_sequence(seed)
    # SeedSequence children are indexed by spawn_key, so build them explicitly to stay
    # independent of how many were spawned before on the same object.
    return [np.random.SeedSequence(root.entropy, spawn_key=root.spawn_key + (k,)) for k in range(count)]


def teacher(n: int, alpha: float, sigma: float, rho: float = 1.0, *, seed, dtype=np.float64):
    """Draw one instance ``(X, y, w0)``.

    Parameters
    ----------
    n : int >= 1
        Number of weights N.
    alpha : float > 0
        Sample ratio; ``M = round(alpha * n)`` (at least 1).
    sigma : float >= 0
        Noise standard deviation.
    rho : float > 0
        Teacher variance.
    seed : int >= 0 or numpy.random.SeedSequence
        Required; the only source of randomness.
    dtype : float64 (default) or float32
        dtype of X (y and w0 are always float64).

    Returns
    -------
    X : (M, N) array, y : (M,) array, w0 : (N,) array
    """
    n = V.integer("n", n, 1)
    alpha = V.positive("alpha", alpha)
    sigma = V.nonnegative("sigma", sigma)
    rho = V.positive("rho", rho)
    dtype = np.dtype(dtype)
    if dtype not in (np.float64, np.float32):
        raise V.FastqInputError(f"dtype must be float64 or float32 (got {dtype})")
    m = max(1, int(round(alpha * n)))
    rng = np.random.default_rng(as_seed_sequence(seed))
    w0 = rng.standard_normal(n) * np.sqrt(rho)
    X = rng.standard_normal((m, n)) / np.sqrt(n)
    noise = rng.standard_normal(m) * sigma
    y = X @ w0 + noise
    if dtype == np.float32:
        X = X.astype(np.float32)
    return X, y, w0


def generalization_error(w_hat, w0, sigma: float) -> float:
    """``Eg = (||w0 - w_hat||^2 / N + sigma^2) / 2`` for one instance."""
    w_hat = np.asarray(w_hat, dtype=np.float64)
    w0 = np.asarray(w0, dtype=np.float64)
    d = w0 - w_hat
    return 0.5 * (float(d @ d) / w0.shape[0] + sigma * sigma)
