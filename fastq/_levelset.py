"""Checks of a custom level set and its thresholds (``Quantizer.from_levels``, ``--levels``).

One-line :class:`fastq._validate.FastqInputError` messages naming what is wrong and where.
"""
from __future__ import annotations

import numpy as np

from . import _validate as V

#: most levels a custom set may have (as many as the largest uniform grid)
MAX_LEVELS = 2**16 - 1


def _vector(name, values, n_min) -> np.ndarray:
    try:
        arr = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise V.FastqInputError(f"{name} must be a 1-D sequence of numbers") from None
    if arr.ndim != 1 or arr.shape[0] < n_min:
        raise V.FastqInputError(f"{name} must be a 1-D sequence of at least {n_min} numbers "
                                f"(got shape {arr.shape})")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise V.FastqInputError(f"{name} must be finite (entry {bad[0]} is {float(arr[bad[0]])!r})")
    return arr


def check_levels(levels) -> np.ndarray:
    """A strictly increasing, finite float64 copy of ``levels`` (2 to MAX_LEVELS entries)."""
    lv = _vector("levels", levels, 2)
    if lv.shape[0] > MAX_LEVELS:
        raise V.FastqInputError(f"levels must have at most {MAX_LEVELS} entries (got {lv.shape[0]})")
    step = np.diff(lv)
    bad = np.flatnonzero(step <= 0.0)
    if bad.size:
        k = int(bad[0])
        what = "duplicate" if step[k] == 0.0 else "unsorted"
        raise V.FastqInputError(f"levels must be strictly increasing ({what}: levels[{k}] = {float(lv[k])!r}, "
                                f"levels[{k + 1}] = {float(lv[k + 1])!r})")
    return lv


def check_thresholds(levels: np.ndarray, thresholds) -> np.ndarray:
    """``thresholds`` (one fewer than the levels), each strictly between its two neighbours."""
    th = _vector("thresholds", thresholds, 1)
    if th.shape[0] != levels.shape[0] - 1:
        raise V.FastqInputError(f"thresholds must have len(levels) - 1 = {levels.shape[0] - 1} entries "
                                f"(got {th.shape[0]})")
    bad = np.flatnonzero(~((levels[:-1] < th) & (th < levels[1:])))
    if bad.size:
        k = int(bad[0])
        raise V.FastqInputError(f"thresholds[{k}] = {float(th[k])!r} must lie strictly between levels[{k}] = "
                                f"{float(levels[k])!r} and levels[{k + 1}] = {float(levels[k + 1])!r}")
    return th


def check_ramps(levels: np.ndarray, thresholds: np.ndarray, ratio: float) -> None:
    """Per-jump ramps (width ``ratio * D_k`` at ``t_k``) must not overlap their neighbours.

    With midpoint thresholds and ``ratio <= 1`` they never do; given thresholds can make them.
    (Under the absolute convention overlapping ramps are exact and allowed: THEORY section 2.)
    """
    if ratio == 0.0 or thresholds.shape[0] < 2:
        return
    half = 0.5 * ratio * np.diff(levels)
    right = thresholds[:-1] + half[:-1]
    left = thresholds[1:] - half[1:]
    bad = np.flatnonzero(right > left)
    if bad.size:
        k = int(bad[0])
        raise V.FastqInputError(f"edge_width (per-jump ratio r) = {ratio!r} makes the ramps at thresholds[{k}] "
                                f"and thresholds[{k + 1}] overlap; use r <= "
                                f"{(thresholds[k + 1] - thresholds[k]) / (half[k] + half[k + 1]) * ratio:.6g}")
