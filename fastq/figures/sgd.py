"""Figures of the quantized-SGD system (seed 002): compute -> NPZ + JSON -> PNG.

``FIGURES`` maps each name to ``make_<name>(out_dir, *, quick=False, n_jobs=1, progress=False)``,
which computes the data with :mod:`fastq.sgd.experiments` / :mod:`fastq.sgd.claims`, writes
``sgd-<name>-<hash>.npz`` and ``.json`` (every setting, fastq version) and draws
``sgd-<name>-<hash>.png`` from the written file (:mod:`fastq.plotting.sgd`).  The hash is of the
settings, so a quick run never overwrites a full one.  Simulations and the INT/FP searches
checkpoint into ``out_dir/checkpoints``: an interrupted figure resumes where it stopped.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .. import store


def _write(out_dir, name: str, arrays: dict, settings: dict, plot) -> list[Path]:
    out_dir = Path(out_dir)
    params = {**settings, "figure": name}
    key = hashlib.sha256(json.dumps(store._jsonable(params), sort_keys=True).encode()).hexdigest()[:10]
    stem = out_dir / f"sgd-{name}-{key}"
    npz = store.write_npz(stem.with_suffix(".npz"), **arrays)
    js = store.write_json(stem.with_suffix(".json"), store.metadata(f"figure-sgd-{name}", params))
    png = plot(npz, stem.with_suffix(".png"))
    return [npz, js, png]


def _ckpt(out_dir) -> Path:
    return Path(out_dir) / "checkpoints"


def make_risk_curves(out_dir, *, quick=False, n_jobs=1, progress=False) -> list[Path]:
    """Risk vs step, d = 200, B = 1, eps in {0, 1e-3, 5e-3, 1e-2}, every target and model."""
    from ..plotting.sgd import plot_risk_curves
    from ..sgd.experiments import risk_curves

    arrays, settings = risk_curves(quick=quick, n_jobs=n_jobs, progress=progress, checkpoint_dir=_ckpt(out_dir))
    return _write(out_dir, "risk_curves", arrays, {**settings, "quick": quick}, plot_risk_curves)


def make_dimension(out_dir, *, quick=False, n_jobs=1, progress=False) -> list[Path]:
    """Excess risk vs d in {50, 100, 200, 400} at eps = 1e-2, gamma in {0.1, 0.3}; stability limits."""
    from ..plotting.sgd import plot_dimension
    from ..sgd.experiments import dimension_study

    arrays, settings = dimension_study(quick=quick)
    return _write(out_dir, "dimension", arrays, {**settings, "quick": quick}, plot_dimension)


def make_batch(out_dir, *, quick=False, n_jobs=1, progress=False) -> list[Path]:
    """Batch-size suppression of activation / gradient noise (B = 1..256), with simulation points."""
    from ..plotting.sgd import plot_batch
    from ..sgd.experiments import batch_study

    arrays, settings = batch_study(quick=quick, n_jobs=n_jobs, progress=progress, checkpoint_dir=_ckpt(out_dir))
    return _write(out_dir, "batch", arrays, {**settings, "quick": quick}, plot_batch)


def make_spectrum(out_dir, *, quick=False, n_jobs=1, progress=False) -> list[Path]:
    """Effective spectrum and mean fixed point under additive / multiplicative / INT / FP data quantization."""
    from ..plotting.sgd import plot_spectrum
    from ..sgd.experiments import spectrum_study

    arrays, settings = spectrum_study(quick=quick)
    return _write(out_dir, "spectrum", arrays, {**settings, "quick": quick}, plot_spectrum)


def make_int_fp(out_dir, *, quick=False, n_jobs=1, progress=False) -> list[Path]:
    """Measured INT / FP constants and equal-risk bit widths (a in {1.5, 2, 3}, d in {100, 1000})."""
    from ..plotting.sgd import plot_int_fp
    from ..sgd.claims import intfp_study

    arrays, settings = intfp_study(quick=quick, n_jobs=n_jobs, progress=progress, checkpoint_dir=_ckpt(out_dir))
    return _write(out_dir, "int_fp", arrays, {**settings, "quick": quick}, plot_int_fp)


def make_mc_check(out_dir, *, quick=False, n_jobs=1, progress=False) -> list[Path]:
    """Recursion vs simulation z-scores over the 60-setting grid (quick: 6 settings)."""
    from ..plotting.sgd import plot_mc_check
    from ..sgd.experiments import mc_validation

    arrays, settings = mc_validation(quick=quick, n_jobs=n_jobs, progress=progress, checkpoint_dir=_ckpt(out_dir))
    return _write(out_dir, "mc_check", arrays, {**settings, "quick": quick}, plot_mc_check)


def make_claims(out_dir, *, quick=False, n_jobs=1, progress=False) -> list[Path]:
    """The seed's claims with verdicts and numbers (JSON, CSV and a table PNG)."""
    import numpy as np

    from ..plotting.sgd import plot_claims
    from ..sgd.claims import seed_claims
    from ..sgd.experiments import _base

    rows = seed_claims(quick=quick)
    settings = {**_base(quick), "quick": quick, "claims": rows}
    paths = _write(out_dir, "claims", {"n_claims": np.array(len(rows))}, settings, plot_claims)
    csv = paths[0].with_suffix(".csv")
    store.write_csv(csv, ["verdict", "claim", "numbers"],
                    [[r["verdict"], r["claim"], store.to_json(r["numbers"], indent=None)] for r in rows])
    return paths + [csv]


FIGURES = {
    "risk_curves": make_risk_curves,
    "dimension": make_dimension,
    "batch": make_batch,
    "spectrum": make_spectrum,
    "int_fp": make_int_fp,
    "mc_check": make_mc_check,
    "claims": make_claims,
}
