"""Input validation shared by the Python API and the CLI.

Every public entry point checks its arguments here *before* any work starts, so a bad value
produces one clear message naming the parameter and the allowed range.
"""
from __future__ import annotations

import math
import numbers


class FastqInputError(ValueError):
    """A parameter is outside its allowed range; the message names the parameter."""


def _as_float(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (numbers.Real,)):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise FastqInputError(f"{name} must be a real number (got {value!r})") from None
    value = float(value)
    if not math.isfinite(value):
        raise FastqInputError(f"{name} must be a finite number (got {value!r})")
    return value


def positive(name: str, value) -> float:
    """A finite float > 0."""
    v = _as_float(name, value)
    if not v > 0.0:
        raise FastqInputError(f"{name} must be > 0 (got {v!r})")
    return v


def nonnegative(name: str, value) -> float:
    """A finite float >= 0."""
    v = _as_float(name, value)
    if not v >= 0.0:
        raise FastqInputError(f"{name} must be >= 0 (got {v!r})")
    return v


def in_range(name: str, value, lo: float, hi: float, *, lo_open=False, hi_open=False) -> float:
    """A finite float in the interval [lo, hi] (or open at either end)."""
    v = _as_float(name, value)
    ok_lo = v > lo if lo_open else v >= lo
    ok_hi = v < hi if hi_open else v <= hi
    if not (ok_lo and ok_hi):
        lb = "(" if lo_open else "["
        rb = ")" if hi_open else "]"
        raise FastqInputError(f"{name} must be in {lb}{lo:g}, {hi:g}{rb} (got {v!r})")
    return v


def integer(name: str, value, lo: int | None = None, hi: int | None = None) -> int:
    """An integer in [lo, hi] (either bound optional). Floats with an integer value are accepted."""
    if isinstance(value, bool):
        raise FastqInputError(f"{name} must be an integer (got {value!r})")
    if isinstance(value, numbers.Integral):
        v = int(value)
    else:
        try:
            f = float(value)
        except (TypeError, ValueError):
            raise FastqInputError(f"{name} must be an integer (got {value!r})") from None
        if not math.isfinite(f) or f != int(f):
            raise FastqInputError(f"{name} must be an integer (got {value!r})")
        v = int(f)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        parts = (f">= {lo}" if lo is not None else "", f"<= {hi}" if hi is not None else "")
        bounds = " and ".join(b for b in parts if b)
        raise FastqInputError(f"{name} must be an integer {bounds} (got {v})")
    return v


def model(alpha, sigma, lam, rho=1.0):
    """Validate the teacher-student model parameters (alpha > 0, sigma >= 0, lam >= 0, rho > 0)."""
    return positive("alpha", alpha), nonnegative("sigma", sigma), nonnegative("lam", lam), positive("rho", rho)
