"""Data sets of the network study: a random teacher network, scikit-learn's 8x8 digits, MNIST-1D.

* ``teacher``: inputs ``x ~ N(0, I_d)``; a random teacher MLP ``d -> teacher_width -> classes``
  (He-normal weights, ReLU) whose logits are centred per class over a reference sample (so no
  class is empty); the label is the argmax of the teacher's logits, flipped to a uniformly drawn
  class with probability ``label_noise``.  Training and test sets are independent draws.
* ``digits``: the 1797 8x8 images bundled inside scikit-learn (``sklearn.datasets.load_digits``,
  read from the installed package, never downloaded; install with ``pip install fastq[data]``).
  Rows are shuffled with the seed, the first ``n_train`` form the training set and the rest the
  test set; every pixel is standardized with the training set's mean and standard deviation
  (constant pixels get standard deviation 1).
* ``mnist1d``: MNIST-1D (Greydanus 2020), 40-sample 1-D signals of the ten digit templates with
  random padding, translation, shear and correlated noise, made locally by the ``mnist1d``
  package's ``make_dataset`` (no download; ``pip install fastq[data]``) with its default settings
  (5000 signals) and ``seed`` as its seed.  That function seeds NumPy's and Python's global
  generators; their states are restored afterwards.  The first ``n_train`` signals (default 4000,
  the package's own split) train, the rest test; standardized like digits.  A small MLP stays well
  below its ceiling here (full precision tests near 0.6), unlike on digits (0.97).

All randomness comes from ``seed`` (int >= 0 or SeedSequence).  Public: :func:`load_dataset`,
:class:`Dataset`, :data:`DATASETS`.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from .. import _validate as V
from .._mnist1d import MNIST1D_SIZE, mnist1d_arrays, mnist1d_available  # noqa: F401 (re-exported)

DATASETS = ("teacher", "digits", "mnist1d")
#: digits has 1797 images
DIGITS_SIZE = 1797
#: largest synthetic set accepted: rows per split, and rows x features over both splits
#: (1e8 float64 values = 0.8 GB, comfortable on a 24 GiB machine with workers holding copies)
MAX_ROWS = 1_000_000
MAX_VALUES = 100_000_000


@dataclass(frozen=True)
class Dataset:
    """Standardized training and test sets with integer labels ``0..classes-1``."""

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    classes: int
    params: dict = field(default_factory=dict)

    @property
    def n_features(self) -> int:
        """Number of input features."""
        return self.X_train.shape[1]


def sklearn_available() -> bool:
    """Whether scikit-learn (the optional extra ``fastq[data]``) is installed."""
    import importlib.util

    return importlib.util.find_spec("sklearn") is not None


def _mnist1d(n_train, seed):
    X, y = mnist1d_arrays(int(seed))
    Xtr, Xte = _standardize(X[:n_train], X[n_train:])
    return Xtr, y[:n_train].copy(), Xte, y[n_train:].copy(), 10


def _standardize(X_train, X_test):
    mu = X_train.mean(axis=0)
    sd = X_train.std(axis=0)
    sd[sd == 0] = 1.0
    return (X_train - mu) / sd, (X_test - mu) / sd


def _digits(n_train, seed):
    if not sklearn_available():
        raise V.FastqInputError("the digits data set needs scikit-learn: pip install fastq[data] "
                                "(it is read from the installed package, never downloaded)")
    from sklearn.datasets import load_digits

    from ..synthetic import as_seed_sequence

    X, y = load_digits(return_X_y=True)
    perm = np.random.default_rng(as_seed_sequence(seed)).permutation(X.shape[0])
    X = X[perm].astype(np.float64)
    y = y[perm].astype(np.int64)
    Xtr, Xte = _standardize(X[:n_train], X[n_train:])
    return Xtr, y[:n_train], Xte, y[n_train:], 10


def _teacher(n_train, n_test, d, width, classes, label_noise, seed):
    from ..synthetic import spawn_seeds

    s_net, s_tr, s_te = spawn_seeds(seed, 3)
    rng = np.random.default_rng(s_net)
    W1 = rng.standard_normal((d, width)) * np.sqrt(2.0 / d)
    W2 = rng.standard_normal((width, classes)) * np.sqrt(2.0 / width)
    ref = rng.standard_normal((4096, d))
    centre = (np.maximum(ref @ W1, 0.0) @ W2).mean(axis=0)

    def draw(s, n):
        r = np.random.default_rng(s)
        X = r.standard_normal((n, d))
        y = np.argmax(np.maximum(X @ W1, 0.0) @ W2 - centre, axis=1)
        flip = r.random(n) < label_noise
        y = np.where(flip, r.integers(0, classes, n), y)
        return X, y.astype(np.int64)

    Xtr, ytr = draw(s_tr, n_train)
    Xte, yte = draw(s_te, n_test)
    return Xtr, ytr, Xte, yte, classes


@functools.lru_cache(maxsize=8)
def _cached(name, n_train, n_test, d, width, classes, label_noise, seed):
    if name == "digits":
        return _digits(n_train, seed)
    if name == "mnist1d":
        return _mnist1d(n_train, seed)
    return _teacher(n_train, n_test, d, width, classes, label_noise, seed)


def load_dataset(name: str, *, n_train: int | None = None, n_test: int = 5000, seed: int = 0,
                 n_features: int = 20, teacher_width: int = 32, classes: int = 4,
                 label_noise: float = 0.1) -> Dataset:
    """Build (or fetch from this process's cache) a data set.

    Parameters
    ----------
    name : "teacher", "digits" or "mnist1d"
    n_train : training rows; default 1000 (digits: 1 to 1796, the rest is the test set;
        teacher: 1 to 1,000,000; mnist1d: 1 to 4999, default 4000)
    n_test : teacher only: test rows (1 to 1,000,000)
    seed : int >= 0 (the split for digits; teacher network and draws for teacher)
    n_features, teacher_width, classes, label_noise : teacher only: input dimension (1..4096),
        hidden width of the teacher (1..4096), number of classes (2..100), probability of a
        random label (in [0, 1])
    """
    if name not in DATASETS:
        raise V.FastqInputError(f"dataset must be one of {', '.join(DATASETS)} (got {name!r})")
    seed = V.integer("seed", seed, 0)
    if name == "digits":
        n_train = V.integer("n_train", 1000 if n_train is None else n_train, 1, DIGITS_SIZE - 1)
        key = ("digits", n_train, 0, 0, 0, 0, 0.0, seed)
        params = {"n_train": n_train, "n_test": DIGITS_SIZE - n_train, "seed": seed}
    elif name == "mnist1d":
        n_train = V.integer("n_train", 4000 if n_train is None else n_train, 1, MNIST1D_SIZE - 1)
        key = ("mnist1d", n_train, 0, 0, 0, 0, 0.0, seed)
        params = {"n_train": n_train, "n_test": MNIST1D_SIZE - n_train, "seed": seed}
    else:
        n_train = V.integer("n_train", 1000 if n_train is None else n_train, 1, MAX_ROWS)
        n_test = V.integer("n_test", n_test, 1, MAX_ROWS)
        n_features = V.integer("n_features", n_features, 1, 4096)
        teacher_width = V.integer("teacher_width", teacher_width, 1, 4096)
        classes = V.integer("classes", classes, 2, 100)
        label_noise = V.in_range("label_noise", label_noise, 0.0, 1.0)
        if (n_train + n_test) * n_features > MAX_VALUES:
            raise V.FastqInputError(f"(n_train + n_test) * n_features = {(n_train + n_test) * n_features} "
                                    f"exceeds the limit of {MAX_VALUES} values")
        key = ("teacher", n_train, n_test, n_features, teacher_width, classes, label_noise, seed)
        params = {"n_train": n_train, "n_test": n_test, "seed": seed, "n_features": n_features,
                  "teacher_width": teacher_width, "classes": classes, "label_noise": label_noise}
    Xtr, ytr, Xte, yte, c = (a.copy() if isinstance(a, np.ndarray) else a for a in _cached(*key))
    return Dataset(name=name, X_train=Xtr, y_train=ytr, X_test=Xte, y_test=yte, classes=c, params=params)
