"""The CLI's parser class, number parsing and output (one spelling per idea across commands).

Options shared by several commands are declared once in :mod:`fastq.cli._options`.
"""
from __future__ import annotations

import argparse
import math
import re
import sys
import tempfile
from pathlib import Path

from .. import _validate as V
from ..store import to_json


class FastqArgumentParser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump) and exit code 2.

    Values that start with a minus sign and a digit (``-1``, ``-1:10:50``, ``-.5``) are read as
    values, never as options, so a negative range reaches the range check and its named message
    instead of argparse's "expected one argument".
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = re.compile(r"^-\.?\d")

    def error(self, message):  # noqa: D401
        self.exit(2, f"{self.prog}: error: {message}\n")


#: what the running command has kept on disk, for the message printed when it is interrupted
_KEPT: dict = {}


def keep_note(scope, folder, *, finished=None) -> None:
    """Record the checkpoint scope of the running command (see :func:`interrupted_message`);
    ``finished`` (optional) returns ``(count, what)`` of other finished work kept for a rerun.
    """
    _KEPT.clear()
    _KEPT.update(scope=scope, folder=folder, finished=finished)


def reuse_counts(scope) -> dict:
    """``{"chunks_reused": ..., "chunks_computed": ...}`` of a checkpointing scope (for --json)."""
    if scope is None:
        return {"chunks_reused": 0, "chunks_computed": None}
    return {"chunks_reused": scope.reused, "chunks_computed": scope.computed}


def interrupted_message(command: str) -> str:
    """The truthful one-line message for a Ctrl-C: how much finished work is kept, and where."""
    from ..checkpoints import kept_chunks

    scope = _KEPT.get("scope")
    n = kept_chunks(scope)
    extra = _KEPT.get("finished")
    done, what = extra() if extra is not None else (0, "")
    if done:
        also = f" and {n} finished chunk(s)" if n else ""
        return (f"fastq {command}: interrupted; {done} finished {what}{also} kept under {_KEPT['folder']}; "
                "rerun the same command to resume")
    if n:
        return (f"fastq {command}: interrupted; {n} finished chunk(s) kept under {_KEPT['folder']}; "
                "rerun the same command to resume")
    if scope is not None:
        return f"fastq {command}: interrupted before any chunk finished; nothing was kept"
    return f"fastq {command}: interrupted; nothing was saved"


#: longest file name and path (bytes) accepted for --out: the usual limits of Linux file systems
_NAME_MAX, _PATH_MAX = 255, 4000


def prepare_out(text, name: str = "out") -> Path:
    """The output directory ``text``: created if needed, checked to be a writable directory.

    Called before any work, so that a run never computes for minutes and then fails to write.
    """
    if text is None or not str(text).strip():
        raise V.FastqInputError(f"{name} must be a non-empty directory path (got {text!r})")
    path = Path(str(text))
    longest = max((len(part.encode()) for part in path.parts), default=0)
    if longest > _NAME_MAX:
        raise V.FastqInputError(f"{name} must be a path whose every name is at most {_NAME_MAX} bytes "
                                f"(got a name of {longest} bytes)")
    if len(str(path.absolute()).encode()) > _PATH_MAX:
        raise V.FastqInputError(f"{name} must be a path of at most {_PATH_MAX} bytes in all "
                                f"(got {len(str(path.absolute()).encode())})")
    try:
        is_file = path.exists() and not path.is_dir()
    except OSError as exc:
        raise V.FastqInputError(f"{name} must be a usable directory path ({exc.strerror or exc})") from None
    if is_file:
        raise V.FastqInputError(f"{name} must be a directory, but {str(path)!r} is a file")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".fastq-probe-"):
            pass
    except OSError as exc:
        raise V.FastqInputError(f"{name} must be a writable directory ({str(path)!r}: "
                                f"{exc.strerror or exc})") from None
    return path


def add_renamed(p, name: str, *old: str, required: bool = False, **kwargs):
    """Add option ``name`` with its former spellings ``old`` kept as hidden aliases.

    fastq uses one name per concept across commands (``--lr``, ``--n``, ``--runs``, ``--seed``,
    ``--jobs``, ``--out``); spellings that an earlier release used still parse, to the same
    destination, for one release, but are not shown by ``--help``.  A required option stays
    required: exactly one of its spellings must be given.
    """
    dest = kwargs.pop("dest", name.lstrip("-").replace("-", "_"))
    if not old:
        return p.add_argument(name, dest=dest, required=required, **kwargs)
    g = p.add_mutually_exclusive_group(required=required)
    action = g.add_argument(name, dest=dest, **kwargs)
    hidden = {k: v for k, v in kwargs.items() if k in ("type", "metavar", "action", "choices")}
    for o in old:
        g.add_argument(o, dest=dest, help=argparse.SUPPRESS, **hidden)
    return action


def _float(text):
    """Parse a float without judging its range (ranges are checked with named messages later)."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def add_json_arg(p):
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout (no progress bar)")


def emit(obj: dict, as_json: bool, *, title: str | None = None, file=None):
    """Print ``obj`` as one JSON object, or as aligned ``key  value`` lines."""
    out = file or sys.stdout
    if as_json:
        print(to_json(obj, indent=None), file=out)
        return
    if title:
        print(title, file=out)
    width = max((len(k) for k in obj), default=0)
    for k, v in obj.items():
        print(f"  {k:<{width}}  {_human(v)}", file=out)


def _human(v):
    if isinstance(v, float):
        if math.isinf(v) or math.isnan(v):
            return str(v)
        return f"{v:.10g}"
    if isinstance(v, (list, tuple)) and len(v) > 8:
        return f"[{len(v)} values]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_human(x)}" for k, x in v.items()) + "}"
    return str(v)


def parse_int_range(name: str, text: str) -> list[int]:
    """'LO:HI' -> every integer from LO to HI inclusive (LO <= HI)."""
    parts = str(text).split(":")
    if len(parts) != 2:
        raise V.FastqInputError(f"{name} must be LO:HI with integers LO <= HI (got {text!r})")
    lo = V.integer(f"{name} LO", parts[0])
    hi = V.integer(f"{name} HI", parts[1])
    if hi < lo:
        raise V.FastqInputError(f"{name} must be LO:HI with LO <= HI (got {text!r})")
    return list(range(lo, hi + 1))


def parse_float_grid(name: str, text: str, *, positive: bool = False) -> list[float]:
    """'LO:HI:COUNT' -> COUNT evenly spaced values from LO to HI inclusive; 'X' -> [X]."""
    import numpy as np

    parts = str(text).split(":")
    chk = V.positive if positive else (lambda n, v: V._as_float(n, v))
    if len(parts) == 1:
        return [chk(name, parts[0])]
    if len(parts) != 3:
        raise V.FastqInputError(f"{name} must be LO:HI:COUNT (got {text!r})")
    lo = chk(f"{name} LO", parts[0])
    hi = chk(f"{name} HI", parts[1])
    count = V.integer(f"{name} COUNT", parts[2], 1, 100_000)
    if hi < lo:
        raise V.FastqInputError(f"{name} must have LO <= HI (got {text!r})")
    if count == 1 and hi != lo:
        raise V.FastqInputError(f"{name} COUNT must be >= 2 when LO < HI (got {text!r})")
    if count > 1 and hi == lo:
        raise V.FastqInputError(f"{name} must have LO < HI when COUNT > 1 (got {text!r}: "
                                f"{count} identical values)")
    return [float(v) for v in np.linspace(lo, hi, count)]
