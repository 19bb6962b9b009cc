"""The paper's figures, one module per figure (``fig01`` ... ``fig10``).

Every module defines ``make(out_dir, *, quick=False, jobs=1, progress=False) -> list[Path]``,
which computes the data, writes it (NPZ/CSV + JSON metadata with the fastq version) next to the
PNG in ``out_dir`` and returns the written paths.  ``quick=True`` uses coarse grids (smoke tests).
Settings the paper does not give are chosen in each module's docstring and saved in its JSON.
"""
from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

FIGURES = tuple(f"fig{k:02d}" for k in range(1, 11))


def available() -> list[str]:
    """Names of the figure modules present in this package (``figNN``), sorted."""
    names = [m.name for m in pkgutil.iter_modules(__path__) if re.fullmatch(r"fig\d\d", m.name)]
    return sorted(names)


def missing() -> list[str]:
    """Figures of the paper (fig01..fig10) with no module here."""
    have = set(available())
    return [f for f in FIGURES if f not in have]


def load(name: str):
    """Import ``fastq.figures.<name>``."""
    return importlib.import_module(f"{__name__}.{name}")


def make(name: str, out_dir, *, quick=False, jobs=1, progress=False) -> list[Path]:
    """Make one figure by name (``"fig02"`` or ``2``)."""
    if not isinstance(name, str) or not name.startswith("fig"):
        name = f"fig{int(name):02d}"
    return load(name).make(Path(out_dir), quick=quick, jobs=jobs, progress=progress)


def figure_meta(name: str, settings: dict, **extra) -> dict:
    """Metadata block for a figure's JSON file (settings plus fastq version etc.)."""
    from ..store import metadata

    meta = metadata(f"figure-{name}", settings)
    meta.update(extra)
    return meta
