"""Result files: atomic writes and self-describing metadata.

Every file fastq writes goes through :func:`atomic_write_bytes` (write to a temporary file in the
same directory, flush, fsync, then ``os.replace``), so an interrupted run never leaves a truncated
file behind.  :func:`metadata` stamps results with the fastq version, the parameters and the time.
"""
from __future__ import annotations

import contextlib
import csv
import datetime as _dt
import io
import json
import math
import os
import platform
import tempfile
from pathlib import Path

import numpy as np


def atomic_write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp creates the file 0600; result files are ordinary files (0666 minus umask)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:  # including KeyboardInterrupt: never leave the temporary file behind
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if isinstance(x, (np.bool_,)):
        return bool(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return x if math.isfinite(x) else None
    if hasattr(x, "to_dict"):
        return _jsonable(x.to_dict())
    return x


def to_json(obj, indent: int | None = 2) -> str:
    """Strict JSON text (what every fastq command and file writes).

    The one rule for non-finite numbers: NaN and +-infinity are written as ``null`` (JSON has no
    infinity, and a string in a numeric field breaks comparisons).  Every record that can hold
    one carries the flags that say why -- ``converged``/``status`` for a solve, ``rs`` for the
    stability verdict (``at`` is infinite for the hard quantizer), ``ridge_finite`` for ridge.
    """
    return json.dumps(_jsonable(obj), indent=indent, allow_nan=False)


def write_json(path, obj) -> Path:
    """Write ``obj`` as JSON atomically (non-finite numbers as null; see :func:`to_json`)."""
    return atomic_write_bytes(path, (to_json(obj) + "\n").encode())


def read_json(path):
    """Read a JSON file."""
    with open(path) as fh:
        return json.load(fh)


def write_npz(path, **arrays) -> Path:
    """Write arrays to an NPZ file atomically."""
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return atomic_write_bytes(path, buf.getvalue())


def write_csv(path, header, rows) -> Path:
    """Write a CSV file (header and rows; floats by repr) atomically."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for r in rows:
        w.writerow([_fmt(v) for v in r])
    return atomic_write_bytes(path, buf.getvalue().encode())


def _fmt(v):
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    return v


def metadata(kind: str, params: dict) -> dict:
    """Provenance block saved with every result: what, with which parameters, by which fastq."""
    from . import __version__

    return {
        "kind": kind,
        "fastq_version": __version__,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "params": _jsonable(params),
    }
