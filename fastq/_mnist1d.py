"""MNIST-1D (Greydanus 2020) made locally by the ``mnist1d`` package's ``make_dataset`` (no
download), shared by the QAT study (:mod:`fastq.qat.datasets`) and routing (:mod:`fastq.routing`).

``make_dataset`` seeds NumPy's and Python's global generators; their states are restored
afterwards.  The package's default settings give 5000 signals of 40 samples (its own split: the
first 4000 train, the last 1000 test) of the ten digit templates.
"""
from __future__ import annotations

import functools
import importlib.util

import numpy as np

from . import _validate as V

#: signals and their length with the package's default settings
MNIST1D_SIZE = 5000
MNIST1D_LENGTH = 40


def mnist1d_available() -> bool:
    """Whether the ``mnist1d`` package (part of the optional extra ``fastq[data]``) is installed."""
    return importlib.util.find_spec("mnist1d") is not None


def require_mnist1d() -> None:
    """Refuse (one line) when the ``mnist1d`` package is missing."""
    if not mnist1d_available():
        raise V.FastqInputError("the mnist1d data set needs the mnist1d package: pip install fastq[data] "
                                "(its make_dataset builds the data locally, nothing is downloaded)")


@functools.lru_cache(maxsize=4)
def mnist1d_arrays(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(X (5000, 40) float64, y (5000,) int64), read-only: the package's training signals then its
    test signals, made with its default settings and ``seed`` (cached per process).
    """
    import random

    require_mnist1d()
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    args.seed = int(seed)
    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        d = make_dataset(args)
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
    X = np.concatenate([d["x"], d["x_test"]]).astype(np.float64)
    y = np.concatenate([d["y"], d["y_test"]]).astype(np.int64)
    X.flags.writeable = False
    y.flags.writeable = False
    return X, y
