"""Exact quantized ERM (sphere decoding): nodes and time per instance against N.

Run: ``python -m pytest bench/test_exact.py --benchmark-only -s`` (``-s`` prints the tables).

* ``test_exact_instance``: pytest-benchmark of one instance, parametrized over the setting
  (low noise sigma = 0.01 / high noise sigma = 1.0; uniform n_p = 2, omega = 1, alpha = 1.4,
  lam = 0.01), N and the search variant ("fastq" = V-BLAST order + box bound, "natural" order,
  "nobox" = plain Schnorr-Euchner radius pruning).  Nodes go to ``extra_info``.
* ``test_variants_ratio``: the three variants side by side on the same instances; prints the
  node and time ratios against "fastq".
* ``test_nodes_vs_n`` (slow): median/max nodes and time over instances for growing N, to see how
  far N goes within a minute per instance.
* ``test_brute_force_ratio``: sphere decoding vs the brute-force enumeration of tests/.
"""
from __future__ import annotations

import time

import numpy as np
import pytest

from fastq.exact import exact_erm
from fastq.quantizers import Quantizer
from fastq.synthetic import teacher
from tests.exact import naive_exact

SETTINGS = {"low_noise": 0.01, "high_noise": 1.0}
VARIANTS = {"fastq": {}, "natural": {"order": "natural"}, "nobox": {"box_bound": False}}
Q = Quantizer.uniform(2, 1.0)
ALPHA, LAM = 1.4, 0.01


def _instance(n, sigma, seed=0):
    X, y, _ = teacher(n, ALPHA, sigma, seed=seed)
    return X, y


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("n", [16, 24])
@pytest.mark.parametrize("setting", list(SETTINGS))
def test_exact_instance(benchmark, setting, n, variant):
    X, y = _instance(n, SETTINGS[setting])
    kw = VARIANTS[variant]
    r = exact_erm(X, y, Q, LAM, **kw)  # warm-up (compile / cache load)
    benchmark.extra_info["nodes"] = r.nodes
    benchmark.extra_info["optimal"] = r.optimal
    benchmark(exact_erm, X, y, Q, LAM, **kw)


def test_variants_ratio():
    exact_erm(*_instance(8, 0.01), Q, LAM)
    print()
    for setting, sigma in SETTINGS.items():
        n = 28
        tot = {v: [0, 0.0] for v in VARIANTS}
        objs = {v: [] for v in VARIANTS}
        for seed in range(5):
            X, y = _instance(n, sigma, seed)
            for v, kw in VARIANTS.items():
                t = time.perf_counter()
                r = exact_erm(X, y, Q, LAM, node_limit=50_000_000, **kw)
                tot[v][1] += time.perf_counter() - t
                tot[v][0] += r.nodes
                objs[v].append(r.objective)
        for v in VARIANTS:
            np.testing.assert_allclose(objs[v], objs["fastq"], rtol=1e-10)
            print(f"{setting} N={n} {v:>8}: nodes {tot[v][0]:>10d} ({tot[v][0] / tot['fastq'][0]:7.1f}x), "
                  f"time {tot[v][1]:.3f} s ({tot[v][1] / tot['fastq'][1]:6.1f}x)")


def test_brute_force_ratio():
    X, y = _instance(10, 0.01, 3)
    exact_erm(X, y, Q, LAM)
    t = time.perf_counter()
    r = exact_erm(X, y, Q, LAM)
    t_sd = time.perf_counter() - t
    t = time.perf_counter()
    _, fb, _ = naive_exact.brute_force(X, y, Q.levels, LAM)
    t_bf = time.perf_counter() - t
    assert abs(r.objective - fb) <= 1e-10 * (1 + fb)
    print(f"\nN=10, 3 levels: brute force {t_bf * 1e3:.1f} ms, sphere decoding {t_sd * 1e3:.3f} ms "
          f"({t_bf / t_sd:.0f}x), {r.nodes} nodes vs {3 ** 10} points")


@pytest.mark.slow
@pytest.mark.parametrize("setting", list(SETTINGS))
def test_nodes_vs_n(setting):
    sigma = SETTINGS[setting]
    exact_erm(*_instance(8, sigma), Q, LAM)
    print()
    for n in (20, 30, 40, 44, 48, 52):
        nodes, secs, opt = [], [], 0
        for seed in range(5):
            X, y = _instance(n, sigma, seed)
            t = time.perf_counter()
            r = exact_erm(X, y, Q, LAM, node_limit=1_000_000_000)
            secs.append(time.perf_counter() - t)
            nodes.append(r.nodes)
            opt += r.optimal
        print(f"{setting} N={n}: nodes median {int(np.median(nodes))} max {max(nodes)}; "
              f"time median {np.median(secs):.3f} s max {max(secs):.2f} s; optimal {opt}/5")
        if max(secs) > 60:
            break
