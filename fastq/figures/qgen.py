"""Figure group ``qgen`` (issue 14): quantization as noise, and generalization of QAT.

``FIGURES`` maps a name to ``make_<name>(out_dir, *, quick=False, n_jobs=1, progress=False)``,
which computes, writes its data (NPZ + JSON with every setting and the fastq version), then
draws the PNG from the written data with :mod:`fastq.plotting.qgen` (redraw without recomputing:
``plot_<name>(data_path, png_path)``).  ``quick=True`` uses tiny grids (seconds; for tests).

* ``qgen_map`` -- exact maps over (bits, omega) at four (sigma, lam): the noise model's error
  against PTQ and QAT, QAT's gain over PTQ, QAT's gap minus ridge's, with the RS boundary.
* ``qgen_alpha`` -- the four estimators and the gaps against alpha for two quantizers.
* ``qgen_validation`` -- theory against simulation (PTQ and QAT via AMP) at N = 2000, 20
  instances each, on 24 settings in the RS phase (z-scores).
* ``qgen_study`` -- the default 1000-model digits study: gap vs bits, gap vs sharpness with
  Kendall's tau, robustness vs bits.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

MAP_SETTINGS = {"bits": [2, 3, 4, 5, 6, 7, 8], "omega": (0.1, 4.0, 60), "alpha": 1.5,
                "rows": [(0.1, 0.1), (0.5, 0.1), (0.1, 1.0), (0.5, 1.0)],  # (sigma, lam)
                "edge_fraction": 0.1, "scheme": "uniform"}
ALPHA_SETTINGS = {"quantizers": [(2, 1.0), (4, 2.0)], "alpha": (0.2, 5.0, 60), "sigma": 0.5,
                  "lam": 0.1, "edge_fraction": 0.1}


def _meta(name, settings):
    from ..store import metadata

    return metadata(f"figure-{name}", settings)


def _write(out_dir, name, arrays, settings, extra=None):
    from ..store import write_json, write_npz

    out_dir = Path(out_dir)
    npz = write_npz(out_dir / f"{name}.npz", **arrays)
    meta = _meta(name, settings)
    if extra:
        meta.update(extra)
    js = write_json(out_dir / f"{name}.json", meta)
    return npz, js


def make_qgen_map(out_dir, *, quick=False, n_jobs=1, progress=False) -> list[Path]:
    """Maps over (bits, omega) of QAT, PTQ, ridge and the noise model; returns the written paths."""
    from ..plotting.qgen import plot_qgen_map
    from ..qat.linear_maps import FIELDS, compare_map

    s = dict(MAP_SETTINGS)
    if quick:
        s.update(bits=[2, 3], omega=(0.5, 2.0, 4), rows=[(0.1, 0.1)])
    omegas = np.linspace(*s["omega"])
    arrays, summaries = {"bits": np.array(s["bits"], float), "omega": omegas,
                         "sigma": np.array([r[0] for r in s["rows"]], float),
                         "lam": np.array([r[1] for r in s["rows"]], float)}, {}
    for k, (sig, lam) in enumerate(s["rows"]):
        g = compare_map(s["bits"], omegas, s["alpha"], sig, lam, scheme=s["scheme"],
                        edge_fraction=s["edge_fraction"], n_jobs=n_jobs, progress=progress)
        for f in FIELDS:
            arrays[f"{f}_{k}"] = g.values[f]
        arrays[f"rs_{k}"] = g.rs
        arrays[f"converged_{k}"] = g.converged
        summaries[f"sigma={sig:g}, lam={lam:g}"] = g.summary()
    npz, js = _write(out_dir, "qgen_map", arrays, s, {"summary": summaries})
    png = plot_qgen_map(npz, Path(out_dir) / "qgen_map.png")
    return [npz, js, png]


def make_qgen_alpha(out_dir, *, quick=False, n_jobs=1, progress=False) -> list[Path]:
    """Curves against alpha of QAT, PTQ, ridge and the noise model; returns the written paths."""
    from ..plotting.qgen import plot_qgen_alpha
    from ..qat.linear_maps import FIELDS, compare_curve

    s = dict(ALPHA_SETTINGS)
    if quick:
        s.update(alpha=(0.5, 3.0, 5))
    alphas = np.linspace(*s["alpha"])
    arrays = {"alpha": alphas}
    for k, (b, om) in enumerate(s["quantizers"]):
        c = compare_curve(b, om, alphas, s["sigma"], s["lam"], edge_fraction=s["edge_fraction"],
                          n_jobs=n_jobs, progress=progress)
        for f in FIELDS:
            arrays[f"{f}_{k}"] = c.values[f]
        arrays[f"rs_{k}"] = c.rs
    npz, js = _write(out_dir, "qgen_alpha", arrays, s)
    return [npz, js, plot_qgen_alpha(npz, Path(out_dir) / "qgen_alpha.png")]


#: candidate quantizers (bits, omega, edge width) of the simulation check
_VALIDATION_QUANTIZERS = ((2, 0.5, 0.3), (3, 1.0, 0.3), (3, 0.6, 0.15), (4, 1.0, 0.2), (4, 1.5, 0.1),
                          (5, 1.5, 0.2), (6, 2.0, 0.1))


def validation_settings(quick: bool = False) -> list[dict]:
    """The settings of the simulation check: 24 deterministic points with QAT in the RS phase
    (``at < 0.8``), taken evenly from the candidates quantizers x alpha in {0.7, 1.5, 3} x
    sigma in {0.1, 0.5} x lam in {0.1, 1}.
    """
    from ..qat.linear import compare
    from ..quantizers import Quantizer

    out = []
    for lam in (0.1, 1.0):
        for sigma in (0.1, 0.5):
            for alpha in (0.7, 1.5, 3.0):
                for bits, omega, eps in _VALIDATION_QUANTIZERS:
                    q = Quantizer.from_bits(bits, omega, edge_width=eps)
                    r = compare(q, alpha, sigma, lam)
                    if r.converged and r.at < 0.8:
                        out.append({"bits": bits, "omega": omega, "edge_width": eps, "alpha": alpha,
                                    "sigma": sigma, "lam": lam, "at": r.at})
    idx = np.unique(np.linspace(0, len(out) - 1, 24).round().astype(int))
    out = [out[i] for i in idx]
    return out[:2] if quick else out


def make_qgen_validation(out_dir, *, quick=False, n_jobs=1, progress=False) -> list[Path]:
    """Theory against simulation on teacher instances (N >= 2000); returns the written paths."""
    from ..plotting.qgen import plot_qgen_validation
    from ..qat.linear_sim import simulate_compare
    from ..quantizers import Quantizer

    n, inst = (200, 3) if quick else (2000, 20)
    pts = validation_settings(quick)
    names = ("eg_ridge", "et_ridge", "eg_ptq", "eg_qat", "et_qat", "eg_qat_rounded",
             "ptq_minus_ridge", "qat_minus_ptq")
    mean = np.full((len(pts), len(names)), np.nan)
    se = np.full_like(mean, np.nan)
    theory = np.full_like(mean, np.nan)
    conv = np.zeros(len(pts), bool)
    for i, p in enumerate(pts):
        q = Quantizer.from_bits(p["bits"], p["omega"], edge_width=p["edge_width"])
        r = simulate_compare(q, p["alpha"], p["sigma"], p["lam"], n=n, instances=inst, seed=1000 + i,
                             n_jobs=n_jobs, progress=progress)
        for j, k in enumerate(names):
            mean[i, j], se[i, j] = r.mean[k], r.se[k]
            theory[i, j] = r.expected[k]
        conv[i] = r.converged
    s = {"n": n, "instances": inst, "seeds": "1000 + point index", "points": pts, "names": list(names)}
    npz, js = _write(out_dir, "qgen_validation", {"mean": mean, "se": se, "theory": theory,
                                                  "amp_converged": conv}, s)
    return [npz, js, plot_qgen_validation(npz, Path(out_dir) / "qgen_validation.png")]


def make_qgen_study(out_dir, *, quick=False, n_jobs=1, progress=False) -> list[Path]:
    """The many-models QAT study on small networks and its figure; returns the written paths."""
    from ..plotting.qgen import plot_qgen_study
    from ..qat.datasets import sklearn_available
    from ..qat.study import qat_study

    dataset = "digits" if sklearn_available() else "teacher"
    kw = {}
    if quick:
        kw = dict(bits=(2, 0), widths=(8,), lrs=(0.1,), seeds=3, epochs=2, n_measure=60, probes=2, mc=1)
    r = qat_study(dataset, out=Path(out_dir) / "qgen_study_data", n_jobs=n_jobs, progress=progress, **kw)
    json_path = next(f for f in r.files if str(f).endswith(".json"))
    link = Path(out_dir) / "qgen_study.json"
    from ..store import write_json

    write_json(link, {**_meta("qgen_study", r.config), "study_json": str(Path(json_path).relative_to(out_dir)),
                      "summary": r.summary})
    png = plot_qgen_study(json_path, Path(out_dir) / "qgen_study.png")
    return list(r.files) + [link, png]


FIGURES = {
    "qgen_map": make_qgen_map,
    "qgen_alpha": make_qgen_alpha,
    "qgen_validation": make_qgen_validation,
    "qgen_study": make_qgen_study,
}
