"""Work limits: what fastq refuses to start because it would not fit this machine.

Commands estimate the memory and the time of a job before any work and refuse, in one line that
names the limit, a job beyond it (``--allow-large`` overrides the time and size limits, never the
memory limit, which would only end in an allocation failure later).  The limits:

* :data:`MEMORY_FRACTION` of the machine's physical memory for the estimated peak;
* :data:`MAX_SECONDS` (24 hours) of estimated single-core compute time;
* :data:`MAX_GRID_POINTS` points in one grid (curves, phase diagrams, sweeps).

The estimates are deliberately simple (bytes of the big arrays; elementary steps times a cost
per step measured on a 2-core workstation, stated next to each use) -- their job is to catch
the mistyped ``--n 10000000`` or ``--tau-max 1e9``, not to predict run times to the second.
"""
from __future__ import annotations

import os

from . import _validate as V

#: share of the physical memory an estimated peak may use
MEMORY_FRACTION = 0.75
#: longest estimated single-core compute time started without --allow-large (seconds)
MAX_SECONDS = 24 * 3600.0
#: largest grid started without --allow-large
MAX_GRID_POINTS = 10_000_000


def physical_memory() -> int:
    """Bytes of physical memory (``os.sysconf``; 8 GiB assumed where it cannot be read)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 8 * 2**30


def _human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.3g} {unit}"
        n /= 1024
    return f"{n:.3g} PiB"  # pragma: no cover


def _human_seconds(s: float) -> str:
    if s < 120:
        return f"{s:.3g} s"
    if s < 7200:
        return f"{s / 60:.3g} min"
    if s < 2 * 86400:
        return f"{s / 3600:.3g} h"
    if s < 2 * 365 * 86400:
        return f"{s / 86400:.3g} days"
    return f"{s / (365 * 86400):.3g} years"


def check_memory(what: str, nbytes: float) -> None:
    """Refuse a job whose estimated peak memory exceeds :data:`MEMORY_FRACTION` of the machine."""
    limit = MEMORY_FRACTION * physical_memory()
    if nbytes > limit:
        raise V.FastqInputError(
            f"{what} needs about {_human_bytes(nbytes)} of memory, above the limit of "
            f"{_human_bytes(limit)} ({MEMORY_FRACTION:.0%} of this machine's {_human_bytes(physical_memory())})")


def check_seconds(what: str, seconds: float, *, allow_large: bool = False) -> None:
    """Refuse a job estimated to take longer than :data:`MAX_SECONDS` on one core."""
    if seconds > MAX_SECONDS and not allow_large:
        raise V.FastqInputError(
            f"{what} would take about {_human_seconds(seconds)} of compute, above the limit of "
            f"{_human_seconds(MAX_SECONDS)} (pass --allow-large to start it anyway)")


def check_points(what: str, points: int, *, allow_large: bool = False) -> None:
    """Refuse a grid with more than :data:`MAX_GRID_POINTS` points."""
    if points > MAX_GRID_POINTS and not allow_large:
        raise V.FastqInputError(
            f"{what} has {points:,} points, above the limit of {MAX_GRID_POINTS:,} per grid "
            "(pass --allow-large to start it anyway)")


def describe(nbytes: float | None = None, seconds: float | None = None) -> str:
    """A short human estimate, e.g. for a progress line: ``"~1.2 GiB, ~3 min"``."""
    parts = []
    if nbytes is not None:
        parts.append(f"~{_human_bytes(nbytes)}")
    if seconds is not None:
        parts.append(f"~{_human_seconds(seconds)}")
    return ", ".join(parts)
