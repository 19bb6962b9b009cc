"""Files of an exact study: JSON (metadata, summary, fit, RS), CSV (one row per N), NPZ (instances)."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..store import metadata, read_json, write_csv, write_json, write_npz
from .study import ExactStudyResult


def save_study(result: ExactStudyResult, out_dir, stem: str = "exact") -> list[Path]:
    """Write ``stem.json`` (metadata + summary + fit + RS), ``stem.csv`` (one row per N),
    ``stem.npz`` (per-instance arrays); the plot is drawn from these by
    :func:`fastq.plotting.exact.plot_study` to ``out_dir``.
    """
    out = Path(out_dir)
    paths = []
    doc = metadata("exact_study", result.params)
    doc.update(result.to_dict())
    paths.append(write_json(out / f"{stem}.json", doc))
    header = list(result.summary[0].keys())
    paths.append(write_csv(out / f"{stem}.csv", header, [[r[h] for h in header] for r in result.summary]))
    arrays = {k: np.asarray(v) for k, v in result.per_instance.items()}
    paths.append(write_npz(out / f"{stem}.npz", sizes=np.asarray(result.sizes), **arrays))
    return paths


def load_study(out_dir, stem: str = "exact") -> ExactStudyResult:
    """Read back what :func:`save_study` wrote (``stem.json`` + ``stem.npz``), e.g. to redraw the plot."""
    out = Path(out_dir)
    doc = read_json(out / f"{stem}.json")
    with np.load(out / f"{stem}.npz") as z:
        per = {k: z[k] for k in z.files if k != "sizes"}

    def num(v):  # store.to_json writes every non-finite number as null
        return math.nan if v is None else v

    summary = [{k: (num(v) if k.startswith("eg") else v) for k, v in row.items()} for row in doc["summary"]]
    fit = {k: num(v) for k, v in doc["fit"].items()}
    rs = {k: (num(v) if k not in ("converged", "status", "rs_phase_edge") else v) for k, v in doc["rs"].items()}
    return ExactStudyResult(params=doc["params"], sizes=doc["sizes"], per_instance=per, summary=summary,
                       fit=fit, rs=rs, amp_available=doc["amp_available"])
