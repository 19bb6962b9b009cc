"""Input validation shared by the Python API and the CLI.

Every public entry point checks its arguments here *before* any work starts, so a bad value
produces one clear message naming the parameter and the allowed range.

The input contract of the Python API, the same for every public function:

* a **number** is a Python or NumPy int/float (or a 0-d array), or a string that spells one
  (``"1.5"``, as the command line passes them); ``True``/``False`` are never numbers, and
  nan/inf are refused wherever a finite value is needed;
* an **array** is anything NumPy turns into a float array of the expected shape (lists, tuples,
  arrays); boolean arrays and non-numeric entries are refused;
* a **name** (scheme, model, rule, format, ...) is a ``str`` from a documented set;
* a value of the wrong kind raises :class:`FastqInputError` (a ``ValueError``) naming the
  parameter, or ``TypeError`` for a missing or unexpected argument -- never an error from inside
  NumPy, SciPy or Numba.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

#: largest magnitude of any real input: every model quantity is O(1) in sensible units, and a
#: value whose square or product could overflow a float must never reach arithmetic or a kernel
MAX_MAGNITUDE = 1e100


class FastqInputError(ValueError):
    """A parameter is outside its allowed range or of the wrong kind; the message names it.

    Raised by every public function before any work starts (see the module's input contract).
    It is a ``ValueError``, so ``except ValueError`` also catches it.  The command line prints
    its message as one line, ``fastq COMMAND: error: MESSAGE``, and exits with code 2.
    """


def _as_float(name: str, value) -> float:
    if isinstance(value, (bool, np.bool_)):
        raise FastqInputError(f"{name} must be a real number, not a boolean (got {value!r})")
    if not isinstance(value, (numbers.Real,)):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise FastqInputError(f"{name} must be a real number (got {value!r})") from None
    value = float(value)
    if not math.isfinite(value):
        raise FastqInputError(f"{name} must be a finite number (got {value!r})")
    if abs(value) > MAX_MAGNITUDE:
        raise FastqInputError(f"{name} must have a magnitude of at most {MAX_MAGNITUDE:g} (got {value!r})")
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
    if isinstance(value, (bool, np.bool_)):
        raise FastqInputError(f"{name} must be an integer, not a boolean (got {value!r})")
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


def float_array(name: str, value, *, ndim: int | None = None, finite: bool = True) -> np.ndarray:
    """``value`` as a float64 array (see the module's input contract), with ``ndim`` dimensions
    when given and only finite entries when ``finite``.
    """
    if isinstance(value, (str, bytes, dict, set)) or value is None:
        raise FastqInputError(f"{name} must be an array of numbers (got {type(value).__name__})")
    raw = np.asarray(value) if not isinstance(value, np.ndarray) else value
    if raw.dtype == bool:
        raise FastqInputError(f"{name} must be an array of numbers, not booleans")
    try:
        arr = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise FastqInputError(f"{name} must be an array of numbers (got {value!r:.60})") from None
    if ndim is not None and arr.ndim != ndim:
        raise FastqInputError(f"{name} must have {ndim} dimension(s) (got shape {arr.shape})")
    if finite and not np.isfinite(arr).all():
        raise FastqInputError(f"{name} must hold finite numbers only (nan or inf found)")
    return arr
