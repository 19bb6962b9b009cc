"""The figures of each system's paper, grouped: compute -> data files -> PNG.

Each group is a module (or package) of this package exposing ``FIGURES``, a dict from figure
name to a maker ``make(out_dir, *, quick=False, n_jobs=1, progress=False) -> list[Path]`` that
computes the data, writes it (NPZ/CSV + JSON metadata with every setting and the fastq version)
next to the PNG in ``out_dir`` and returns the written paths.  ``quick=True`` uses coarse grids
(smoke tests).  Settings a paper does not give are chosen in each maker's docstring and saved in
its JSON.  Groups:

* ``replica`` -- the ten figures of Kashiwamura, Sakata & Imaizumi (2024), ``fig01`` .. ``fig10``;
* ``ste`` -- online STE training (``ste_trajectories``, ``ste_stationary``; with quantized inputs
  as in the seed paper: ``ste_density``, ``ste_maps``);
* ``qgen`` -- quantization as noise and QAT generalization (``qgen_map``, ``qgen_alpha``,
  ``qgen_validation``, ``qgen_study``);
* ``sgd`` -- quantized SGD in linear regression (risk curves, dimension, batch, spectrum, INT vs
  FP, simulation check, claims);
* ``routing`` -- permutation routing across model copies (``routing_claims``, ``routing_hebb``,
  ``routing_finite``, ``routing_networks``);
* ``formats`` -- weight formats side by side and the optimal level set (``formats_4bit``,
  ``formats_8bit``);
* ``claims`` -- the paper's Eg claims under RS, 1RSB and ridge-then-round (``claims_optimum``,
  ``claims_schemes``, ``claims_double_descent``).
"""
from __future__ import annotations

import importlib
from pathlib import Path

from .. import _validate as V

#: group name -> module holding its FIGURES dict (imported on demand: figures are heavy)
GROUPS = {"replica": "fastq.figures.replica", "ste": "fastq.figures.ste", "qgen": "fastq.figures.qgen",
          "sgd": "fastq.figures.sgd", "routing": "fastq.figures.routing", "formats": "fastq.figures.formats",
          "claims": "fastq.figures.claims"}
#: the group ``fastq figures`` makes by default
DEFAULT_GROUP = "replica"


def figures_of(group: str) -> dict:
    """``{name: maker}`` of one group."""
    if group not in GROUPS:
        raise V.FastqInputError(f"group must be one of {', '.join(GROUPS)} (got {group!r})")
    return dict(importlib.import_module(GROUPS[group]).FIGURES)


def catalogue() -> dict:
    """``{group: [figure names]}`` of every group."""
    return {g: list(figures_of(g)) for g in GROUPS}


def find(name: str) -> tuple[str, object]:
    """``(group, maker)`` of a figure by name (``"fig02"``, ``"2"`` for ``fig02``, ``"ste_stationary"``)."""
    key = str(name).strip()
    if key.isdigit():
        key = f"fig{int(key):02d}"
    for g in GROUPS:
        figs = figures_of(g)
        if key in figs:
            return g, figs[key]
    known = ", ".join(n for names in catalogue().values() for n in names)
    raise V.FastqInputError(f"figure must be one of {known} (got {name!r})")


def make(name: str, out_dir, *, quick: bool = False, n_jobs: int = 1, progress: bool = False) -> list[Path]:
    """Make one figure by name (see :func:`find`); returns the written paths."""
    _, maker = find(name)
    return maker(Path(out_dir), quick=quick, n_jobs=n_jobs, progress=progress)


def figure_meta(name: str, settings: dict, **extra) -> dict:
    """Metadata block for a figure's JSON file (settings plus fastq version etc.)."""
    from ..store import metadata

    meta = metadata(f"figure-{name}", settings)
    meta.update(extra)
    return meta
