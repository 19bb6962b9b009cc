"""The many-models QAT study: bits x width x learning rate x seed (driver).

:func:`qat_study` trains and measures every model of the grid (:func:`fastq.qat.model_run.run_model`),
in parallel over ``n_jobs`` workers (``fastq.parallel.parallel_map``), in chunks that are
checkpointed as they finish (atomic JSON files under ``out/.fastq-checkpoints/qat-<key>/``,
``key`` a hash of every setting and the fastq version): rerunning the same call resumes, and runs
with other settings never touch each other's files.  Results are one table, written as
``qat-<dataset>-<key>.csv`` plus ``.npz`` (the same columns as arrays) and ``.json`` (settings,
fastq version, column descriptions, and the summary of :func:`fastq.qat.analysis.summarize`).
Every model's randomness comes from the study seed (see ``model_run``), so the table is
identical for any number of workers.

Public: :func:`qat_study`, :func:`load_study`, :class:`QATStudyResult`, :func:`study_config`.
"""
from __future__ import annotations

import functools
import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import _validate as V
from .model_run import COLUMNS, corruption_columns, run_model

CHECKPOINT_DIRNAME = ".fastq-checkpoints"
#: default grid: 5 x 4 x 2 x 25 = 1000 models
DEFAULT_BITS = (2, 3, 4, 8, 0)
DEFAULT_WIDTHS = (16, 32, 64, 128)
DEFAULT_LRS = (0.02, 0.1)
DEFAULT_SEEDS = 25
DEFAULT_CORRUPTION = (0.0, 0.5, 1.0, 2.0)
#: refuse studies beyond these (a 2-core machine does ~2e9 useful flop/s per core here)
MAX_MODELS = 100_000
MAX_FLOP = 5e13  # about 3.5 hours on 2 cores


def study_config(dataset: str = "digits", *, bits=DEFAULT_BITS, widths=DEFAULT_WIDTHS,
                 lrs=DEFAULT_LRS, seeds: int = DEFAULT_SEEDS, depth: int = 1, act_bits: int = 0,
                 act_clip: float = 4.0, epochs: int = 40, batch: int = 32, momentum: float = 0.9,
                 weight_decay: float = 0.0, seed: int = 0, data_seed: int = 0,
                 n_train: int | None = None, n_test: int = 5000, n_features: int = 20,
                 teacher_width: int = 32, classes: int = 4, label_noise: float = 0.1,
                 n_measure: int = 500, probes: int = 16, mc: int = 4,
                 corruption=DEFAULT_CORRUPTION, noise_control: bool = False) -> dict:
    """Validate every setting of a study and return them as a plain dict (what is hashed,
    saved and passed to the workers).  Bits 0 means full precision.  See :func:`qat_study`.
    """
    from .datasets import DATASETS, load_dataset

    if dataset not in DATASETS:
        raise V.FastqInputError(f"dataset must be one of {', '.join(DATASETS)} (got {dataset!r})")

    def axis(name, values, check):
        vals = list(np.atleast_1d(values).tolist())
        if not vals:
            raise V.FastqInputError(f"{name} must hold at least one value")
        out = [check(v) for v in vals]
        if len(set(out)) != len(out):
            raise V.FastqInputError(f"{name} must not repeat values (got {vals})")
        return out

    def bit(v):
        b = V.integer("bits", v, 0, 16)
        if b == 1:
            raise V.FastqInputError("bits must be 0 (full precision) or an integer in [2, 16] (got 1)")
        return b

    cfg = {
        "dataset": dataset,
        "bits": axis("bits", bits, bit),
        "widths": axis("widths", widths, lambda v: V.integer("widths", v, 1, 4096)),
        "lrs": axis("lrs", lrs, lambda v: V.in_range("lrs", v, 0.0, 10.0, lo_open=True)),
        "seeds": V.integer("seeds", seeds, 1, MAX_MODELS),
        "depth": V.integer("depth", depth, 1, 2),
        "act_bits": V.integer("act_bits", act_bits, 0, 16),
        "act_clip": V.positive("act_clip", act_clip),
        "epochs": V.integer("epochs", epochs, 1, 10_000),
        "batch": V.integer("batch", batch, 1, 1_000_000),
        "momentum": V.in_range("momentum", momentum, 0.0, 1.0, hi_open=True),
        "weight_decay": V.nonnegative("weight_decay", weight_decay),
        "seed": V.integer("seed", seed, 0),
        "n_measure": V.integer("n_measure", n_measure, 2, 1_000_000),
        "probes": V.integer("probes", probes, 2, 10_000),
        "mc": V.integer("mc", mc, 1, 1000),
        "corruption": axis("corruption", corruption, lambda v: V.nonnegative("corruption", v)),
        "noise_control": bool(noise_control),
    }
    if not isinstance(noise_control, (bool, np.bool_)):
        raise V.FastqInputError(f"noise_control must be True or False (got {noise_control!r})")
    data = {"n_train": n_train, "seed": V.integer("data_seed", data_seed, 0)}
    if dataset == "teacher":
        data.update(n_test=n_test, n_features=n_features, teacher_width=teacher_width,
                    classes=classes, label_noise=label_noise)
    ds = load_dataset(dataset, **data)  # validates the data settings (and needs sklearn for digits)
    data["n_train"] = ds.params["n_train"]
    cfg["data"] = data
    if cfg["batch"] > data["n_train"]:
        raise V.FastqInputError(f"batch must be <= n_train = {data['n_train']} (got {cfg['batch']})")
    n_models = n_models_of(cfg)
    if n_models > MAX_MODELS:
        raise V.FastqInputError(f"the grid has {n_models} models; the limit is {MAX_MODELS}")
    flop = estimated_flop(cfg, ds.n_features, ds.classes)
    if flop > MAX_FLOP:
        raise V.FastqInputError(f"the study needs about {flop:.2g} flop; the limit is {MAX_FLOP:.0e} "
                                f"(about 3.5 hours on 2 cores): use fewer models, epochs or samples")
    return cfg


def estimated_flop(cfg: dict, n_features: int, classes: int) -> float:
    """Rough work of a study: 6 flop per parameter per sample for each training pass, plus the
    measures (Hessian probes ~12, perturbation searches ~20 mc passes of 2 flop each).
    """
    tot = 0.0
    n_tr = cfg["data"]["n_train"]
    nm = min(cfg["n_measure"], n_tr)
    for w in cfg["widths"]:
        dims = [n_features] + [w] * cfg["depth"] + [classes]
        p = sum(dims[i] * dims[i + 1] + dims[i + 1] for i in range(len(dims) - 1))
        per = 6.0 * p * n_tr * cfg["epochs"] + nm * p * (12.0 * cfg["probes"] + 40.0 * cfg["mc"])
        tot += per
    return tot * n_models_of(cfg) / len(cfg["widths"])


def n_models_of(cfg: dict) -> int:
    """Models in the grid: bits x width x lr x seed, plus one noise twin per quantized model."""
    n_set = len(cfg["bits"]) + (sum(1 for b in cfg["bits"] if b) if cfg.get("noise_control") else 0)
    return n_set * len(cfg["widths"]) * len(cfg["lrs"]) * cfg["seeds"]


def study_key(cfg: dict) -> str:
    """Hash of the settings and the fastq version (12 hex digits): names checkpoints and results."""
    from .. import __version__

    text = json.dumps({"cfg": cfg, "version": __version__}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def tasks_of(cfg: dict) -> list[dict]:
    """The grid in row-major order bits x width x lr x seed_index; with ``noise_control`` the
    noise twins of the quantized settings follow in the same order (``noise = 1``).
    """
    out = []
    twins = [b for b in cfg["bits"] if b] if cfg.get("noise_control") else []
    for noise, bits in ((0, cfg["bits"]), (1, twins)):
        for b in bits:
            for w in cfg["widths"]:
                for lr in cfg["lrs"]:
                    for s in range(cfg["seeds"]):
                        out.append({"model": len(out), "bits": b, "width": w, "lr": lr, "seed_index": s,
                                    "noise": noise})
    return out


def _run_chunk(chunk, cfg):
    """Train and measure the models of one chunk: a dict column -> array (a checkpoint chunk)."""
    rows = [run_model(t, cfg) for t in chunk]
    out = {}
    for c in rows[0]:
        vals = [r[c] for r in rows]
        out[c] = np.array(vals) if isinstance(vals[0], str) else np.array(vals, dtype=float)
    return out


@dataclass(frozen=True)
class QATStudyResult:
    """Results of :func:`qat_study`: ``table`` (column -> array, one entry per model, in grid
    order), ``config`` (settings), ``summary`` (:func:`fastq.qat.analysis.summarize`), ``files``
    written, ``key``, and the counts of models computed now and resumed from checkpoints.
    """

    table: dict
    config: dict
    summary: dict
    key: str
    files: list = field(default_factory=list)
    computed: int = 0
    resumed: int = 0
    seconds: float = 0.0

    @property
    def n_models(self) -> int:
        """Number of models in the table."""
        return len(self.table["model"])


def _columns(cfg):
    return list(COLUMNS) + corruption_columns(cfg["corruption"])


def _table(rows, cfg):
    cols = _columns(cfg)
    out = {}
    for c in cols:
        vals = [r[c] for r in rows]
        if isinstance(vals[0], str):
            out[c] = np.array(vals, dtype=object)
        else:  # NaN was stored as null in the JSON checkpoints
            out[c] = np.array([math.nan if v is None else v for v in vals])
    return out


def qat_study(dataset: str = "digits", *, out=None, n_jobs: int = 1, backend: str = "loky",
              scheduler=None, resume: bool = True, chunk_size: int = 10, progress: bool = False,
              **settings) -> QATStudyResult:
    """Train and measure every model of a grid (see module docstring).

    Parameters
    ----------
    dataset : "teacher" or "digits"
    out : directory for checkpoints and the result files (None: compute in memory only)
    n_jobs : workers (1 = here, -1 = all cores);  resume : reuse finished chunks under ``out``
    chunk_size : models per task and per checkpoint file (1..1000)
    progress : tqdm bar (``fastq.parallel.show_progress``)
    **settings : the grid and training settings of :func:`study_config`: bits (0 = full
        precision), widths, lrs, seeds, depth (1 or 2 hidden layers), act_bits, act_clip,
        epochs, batch, momentum, weight_decay, seed, data_seed, n_train, teacher options,
        n_measure (training rows used for the sharpness measures), probes (Hutchinson), mc
        (perturbation draws), corruption (input-noise levels in feature standard deviations),
        noise_control (True: also train, for every quantized model, its noise twin --
        :mod:`fastq.qat.noise_twin` -- with the same seeds)
    """
    from ..checkpoints import remove_checkpoints, run_chunks
    from ..parallel import effective_n_jobs
    from ..store import metadata, write_csv, write_json, write_npz
    from .analysis import summarize

    t0 = time.perf_counter()
    cfg = study_config(dataset, **settings)
    n_jobs = effective_n_jobs(n_jobs)
    chunk_size = V.integer("chunk_size", chunk_size, 1, 1000)
    key = study_key(cfg)
    tasks = tasks_of(cfg)
    chunks = [tasks[i:i + chunk_size] for i in range(0, len(tasks), chunk_size)]
    run = run_chunks(functools.partial(_run_chunk, cfg=cfg), chunks, kind=f"qat-{dataset}",
                     inputs={"key": key, "chunk_size": chunk_size},
                     checkpoint_dir=Path(out) / CHECKPOINT_DIRNAME if out is not None and resume else None,
                     n_jobs=n_jobs, backend=backend, scheduler=scheduler, progress=progress,
                     desc="qat models")
    rows = [{c: (str(v[i]) if v.dtype.kind == "U" else float(v[i])) for c, v in r.items()}
            for r in run.results for i in range(len(next(iter(r.values()))))]
    todo = list(run.computed)
    table = _table(rows, cfg)
    summary = summarize(table, cfg)
    files = []
    if out is not None:
        stem = Path(out) / f"qat-{dataset}-{key}"
        cols = _columns(cfg)
        files.append(write_csv(stem.with_suffix(".csv"), cols,
                               ([table[c][i] for c in cols] for i in range(len(rows)))))
        files.append(write_npz(stem.with_suffix(".npz"), config=np.array(json.dumps(cfg)),
                               **{c: table[c].astype(str) if table[c].dtype == object else table[c]
                                  for c in cols}))
        meta = metadata("qat-study", cfg)
        meta.update(key=key, n_models=len(rows), columns={c: COLUMNS.get(c, "test accuracy with input "
                    "noise of this many feature standard deviations") for c in cols},
                    summary=summary, files={"csv": stem.with_suffix(".csv").name,
                                            "npz": stem.with_suffix(".npz").name})
        files.append(write_json(stem.with_suffix(".json"), meta))
        remove_checkpoints(run.folder)  # the table is saved: finished chunks are not needed
    return QATStudyResult(table=table, config=cfg, summary=summary, key=key, files=files,
                    computed=sum(len(chunks[k]) for k in todo),
                    resumed=len(tasks) - sum(len(chunks[k]) for k in todo),
                    seconds=time.perf_counter() - t0)


def load_study(json_path) -> QATStudyResult:
    """Read a study back from its ``.json`` (and the ``.npz`` next to it)."""
    from ..store import read_json

    p = Path(json_path)
    meta = read_json(p)
    z = np.load(p.with_name(meta["files"]["npz"]), allow_pickle=False)
    cfg = json.loads(str(z["config"]))
    table = {c: z[c] for c in meta["columns"]}
    for c, a in table.items():
        if a.dtype.kind == "U":
            table[c] = a.astype(object)
    return QATStudyResult(table=table, config=cfg, summary=meta["summary"], key=meta["key"], files=[p])
