"""QAT study benchmarks (issue 14).  Run: ``python -m pytest bench/test_qat.py -s -p no:cacheprovider``.

(a) seconds per model (train 40 epochs + all measures) for the default digits MLP at each width
    of the default grid, one core;
(b) models per second of the study driver on 2 cores (``n_jobs=2``) over one seed of the default
    grid (40 models: 5 bit widths x 4 widths x 2 learning rates), and the projected wall time of
    the default 1000-model study (goal: under 15 minutes).

Timings depend on the machine's load; the ratios and projections are printed with ``-s`` and
stored in each benchmark's ``extra_info``.
"""
import time

import pytest

from fastq.qat.datasets import sklearn_available
from fastq.qat.model_run import run_model
from fastq.qat.study import DEFAULT_BITS, DEFAULT_LRS, DEFAULT_SEEDS, DEFAULT_WIDTHS, qat_study, study_config

pytestmark = pytest.mark.skipif(not sklearn_available(), reason="digits needs scikit-learn (fastq[data])")


@pytest.mark.parametrize("width", DEFAULT_WIDTHS)
def test_seconds_per_model(benchmark, width):
    cfg = study_config("digits")
    task = {"model": 0, "bits": 4, "width": width, "lr": 0.1, "seed_index": 0}
    run_model(task, cfg)  # warm-up: compile and load the data
    row = benchmark.pedantic(run_model, args=(task, cfg), rounds=3, iterations=1)
    benchmark.extra_info["seconds_in_model"] = row["seconds"]
    print(f"\nwidth {width}: {row['seconds']:.3f} s per model (train + measures, one core)")


def test_study_models_per_second_two_cores(benchmark):
    qat_study("digits", bits=(2,), widths=(8,), lrs=(0.1,), seeds=2, epochs=1, n_jobs=2)  # warm workers
    n_models = len(DEFAULT_BITS) * len(DEFAULT_WIDTHS) * len(DEFAULT_LRS)

    def run():
        t = time.perf_counter()
        r = qat_study("digits", seeds=1, n_jobs=2, chunk_size=2)
        return r, time.perf_counter() - t

    r, dt = benchmark.pedantic(run, rounds=1, iterations=1)
    assert r.n_models == n_models
    rate = n_models / dt
    projected = len(DEFAULT_BITS) * len(DEFAULT_WIDTHS) * len(DEFAULT_LRS) * DEFAULT_SEEDS / rate
    benchmark.extra_info.update(models_per_second=rate, projected_default_study_s=projected)
    print(f"\n{rate:.2f} models/s on 2 cores; default {n_models * DEFAULT_SEEDS}-model study projected "
          f"at {projected / 60:.1f} min (goal < 15 min)")
