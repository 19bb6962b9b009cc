"""Every name the README lists as Python API works after a plain ``import fastq``, twice.

The README's capability table is parsed; a name added there without an entry here fails the test
(so the README cannot advertise a name nobody called).  Each call uses small, cheap inputs; the
second call must give the same result as the first (no module/function clash, no state).
"""
from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"

#: name -> code run (twice) after ``import fastq``; each returns something comparable
CALLS = {
    "Quantizer": "fastq.Quantizer.from_bits(3, 1.5, edge_width=0.1)(0.7)",
    "gaussian_moments": "tuple(fastq.gaussian_moments([-np.inf, 0.0, np.inf], [0.0, 1.0], [1.0, 0.0]))",
    "solve_rs": "fastq.solve_rs(fastq.Quantizer.uniform(6, 1.5, 0.1), 1.5, 0.01, 1.0).eg",
    "solve_rsb": "fastq.solve_rsb(fastq.Quantizer.uniform(2, 1.0), 1.4, 0.01, 0.01, mu_grid=[5.0, 15.0, 30.0]).energy",
    "RSBResult": ("sorted(fastq.RSBResult(**fastq.solve_rsb(fastq.Quantizer.uniform(2, 1.0), 1.4, 0.01, 0.01, "
                  "mu_grid=[5.0, 15.0, 30.0]).to_dict()).to_dict())"),
    "rs_map": "fastq.rs_map(fastq.Quantizer.uniform(6, 1.5, 0.1), 1.0, 0.2, 1.5, 0.01, 1.0)['eg']",
    "ridge": "fastq.ridge(1.5, 0.01, 1.0).eg",
    "estimate_sweep": ("fastq.estimate_sweep(n_p=[2, 3], omega=[1.0, 2.0], alpha=1.5, sigma=0.01, lam=0.0)"
                       ".memory_bytes"),
    "sweep": "float(fastq.sweep(n_p=[2, 3], omega=[1.0, 2.0], alpha=1.5, sigma=0.01, lam=0.0)['eg'].sum())",
    "solve_field": "fastq.solve_field('uniform', 2, 1.0, 1.5, 0.01, 0.0, dz=0.1).at",
    "leading_at": "float(fastq.leading_at('jump', 0.2, chi=1.0, eg=0.1, kappa=0.3, alpha=1.5, lam=0.0))",
    "resolution_claims": ("fastq.resolution_claims({(s, lam): (np.arange(1, 4), np.linspace(1, 10, 5), "
                          "np.ones((3, 5), bool)) for s in ('uniform', 'log') for lam in (0, 1)})['II']"),
    "phase_diagram": "fastq.phase_diagram(n_p=[2, 3], omega=[1.0, 2.0], kappa_map=False).rs_fraction",
    "rs_boundary": ("len(fastq.rs_boundary(fastq.phase_diagram(n_p=[2, 6], omega=np.linspace(0.5, 4, 8), "
                    "kappa_map=False, boundary=False).result))"),
    "curves": "float(fastq.curves('omega', bits=[2], omega=[1.0, 2.0]).results['uniform']['eg'].sum())",
    "make_figure": "len(fastq.make_figure('fig01', tmp, quick=True))",
    "teacher": "float(fastq.teacher(20, 1.5, 0.1, seed=1)[1].sum())",
    "amp": ("fastq.amp(*fastq.teacher(60, 1.5, 0.1, seed=1)[:2], fastq.Quantizer.from_bits(5, 2.5, edge_width=0.1), "
            "0.1, max_iter=5, tol=0).iterations"),
    "amp_batched": ("len(fastq.amp_batched(*fastq.teacher(60, 1.5, 0.1, seed=1)[:2], "
                    "fastq.Quantizer.from_bits(5, 2.5, edge_width=0.1), 0.1, restarts=2, max_iter=3))"),
    "amp_study": ("float(fastq.amp_study(fastq.Quantizer.from_bits(5, 2.5, edge_width=0.1), 1.5, 0.1, 0.1, n=40, "
                  "runs=2, seed=1, max_iter=5).eg.sum())"),
    "state_evolution": "fastq.state_evolution(fastq.Quantizer.from_bits(5, 2.5, edge_width=0.1), 1.5, 0.1, 0.1).chi",
    "optimal_omega": "fastq.optimal_omega({'scheme': 'uniform', 'bits': 2}, 1.4, 0.01, 0.01, n_scan=8).omega_star",
    "optimal_levels": "fastq.optimal_levels(2, alpha=1.4, sigma=0.1, lam=0.1, n_random=1).levels",
    "OptimalLevelsResult": ("sorted(fastq.OptimalLevelsResult(**fastq.optimal_levels(2, alpha=1.4, sigma=0.1, lam=0.1, "
                            "n_random=0).to_dict()).to_dict())"),
    "format_study": ("fastq.format_study(['nf4', 'int2'], alpha=1.5, sigma=0.1, lam=0.1, omega=[1.0, 2.0], "
                     "n_scan=8).ranking()[0]['format']"),
    "FormatStudyResult": ("sorted(fastq.FormatStudyResult(**vars(fastq.format_study(['int2'], alpha=1.5, sigma=0.1, "
                          "lam=0.1, omega=[1.0], n_scan=8))).to_dict())"),
    "bit_budget": "fastq.bit_budget(1.4, 0.01, 0.01, bits=[2], schemes=['uniform'], n_scan=8).min_bits",
    "exact_erm": ("fastq.exact_erm(*fastq.teacher(8, 1.4, 0.1, seed=2)[:2], fastq.Quantizer.uniform(2, 1.0), "
                  "0.01).objective"),
    "exact_study": ("fastq.exact_study(fastq.Quantizer.uniform(2, 1.0), 1.4, 0.1, 0.01, sizes=[4, 6], instances=2, "
                    "seed=1, amp=False).fit['a']"),
    "ste_simulate": ("float(fastq.ste_simulate(fastq.Quantizer.uniform(2, 2.0), 0.5, 0.1, n=50, runs=1, seed=1, "
                     "tau_max=0.2, dtau=0.1).eg[-1])"),
    "ste_mean_field": ("float(fastq.ste_mean_field(fastq.Quantizer.uniform(2, 2.0), 0.5, 0.1, tau_max=0.2, "
                       "dtau=0.1).eg[-1])"),
    "ste_stationary": "fastq.ste_stationary(fastq.Quantizer.uniform(2, 2.0), 0.5, 0.1).eg",
    "ste_ode": "float(fastq.ste_ode(fastq.Quantizer.uniform(2, 2.0), 0.1, s_max=1.0, ds=0.5, nodes=100).eg[-1])",
    "input_moments": "fastq.input_moments(fastq.Quantizer.uniform(2, 2.0))[1]",
    "eg_drop": "fastq.eg_drop(np.arange(5.0), 2.0 - np.arange(5.0) / 4)['tau_early']",
    "compare": "fastq.compare(fastq.Quantizer.from_bits(3, 2.0, edge_width=0.1), 1.5, 0.1, 0.1).eg_ptq",
    "compare_map": "float(np.nansum(fastq.compare_map([2, 3], [1.0, 2.0], 1.5, 0.1, 0.1).values['eg_ptq']))",
    "compare_curve": "float(np.nansum(fastq.compare_curve(3, 2.0, [1.0, 2.0], 0.1, 0.1).values['eg_ptq']))",
    "simulate_compare": ("fastq.simulate_compare(fastq.Quantizer.from_bits(3, 2.0, edge_width=0.1), 1.5, 0.1, "
                         "0.1, n=60, instances=2, seed=1, qat=False).mean['eg_ptq']"),
    "qat_study": ("float(np.nansum(fastq.qat_study('teacher', bits=(2,), widths=(4,), lrs=(0.1,), seeds=1, "
                  "epochs=1, n_train=40, n_test=40, n_measure=20, probes=2, mc=1).table['test_acc']))"),
    "load_dataset": "fastq.load_dataset('teacher', n_train=30, n_test=30).X_train.shape",
    "MLPSpec": "fastq.MLPSpec((4, 3, 2), bits=2).n_params",
    "sgd_risk": "float(fastq.sgd_risk(dim=20, gamma=0.1, steps=50, data='add:0.01').risk[-1])",
    "sgd_stability": "fastq.sgd_stability(dim=20, gamma=0.1, steps=50).gamma_max",
    "sgd_w_inf": "float(fastq.sgd_w_inf(np.array([1.0, 0.5]), data='add:0.1').sum())",
    "sgd_simulate": "float(fastq.sgd_simulate(dim=10, gamma=0.1, steps=20, runs=4, seed=1).mean[-1])",
    "make_setup": "fastq.make_setup(20, gamma=0.1, steps=50).dim",
    "quantizer_levels": "fastq.quantizer_levels('int:4:2', 1.0, samples=1000).eps_add",
    "int_fp_equivalence": ("float(np.nansum(fastq.int_fp_equivalence(2.0, 20, mantissa=(2, 3), steps=100)"
                           ".int_bits))"),
    "route": ("float(fastq.route(rule='clipped', bits=1, n=20, alpha=1.0, copies=2, p=0.5, seed=1, "
              "n_test=20).eg_copies[-1])"),
    "route_compare": ("fastq.route_compare(rule='hebb', n=20, alpha=1.0, copies=2, p=0.5, runs=2, seed=1, "
                      "n_test=20).values['eg_copies']"),
    "routing_study": ("float(fastq.routing_study(n=20, alphas=(1.0,), copies=(2,), ps=(0.0, 0.5), gammas=(0.1,), "
                      "seeds=2, n_test=20).data['eg_copies'].sum())"),
    "make_routing_setup": "fastq.make_routing_setup('mlp', n=10, alpha=2.0, hidden=2).n_params",
    "hebb_overlap": "float(fastq.hebb_overlap(2.0, bits=2)[0])",
    "hebb_eg": "float(fastq.hebb_eg(2.0)[0])",
    "train_mlp": ("float(fastq.train_mlp(fastq.MLPSpec((20, 4, 4), bits=2), "
                  "fastq.load_dataset('teacher', n_train=30, n_test=30).X_train, "
                  "fastq.load_dataset('teacher', n_train=30, n_test=30).y_train, "
                  "epochs=1, batch=10, lr=0.1, seed=1).theta.sum())"),
}


def readme_names() -> set[str]:
    """``fastq.NAME`` entries of the Python column of the README's capability table."""
    names = set()
    for line in README.read_text().splitlines():
        if line.startswith("|") and "`fastq." in line:
            cells = line.split("|")
            if len(cells) > 2:
                names |= set(re.findall(r"`fastq\.(\w+)`", cells[2]))
    return names


def test_every_readme_name_has_a_call():
    names = readme_names()
    assert len(names) >= 20
    assert names == set(CALLS), f"README-only: {names - set(CALLS)}; test-only: {set(CALLS) - names}"


def test_every_readme_name_works_twice_after_a_plain_import(tmp_path):
    """In a fresh interpreter: ``import fastq`` and nothing else, then each call twice."""
    body = "\n".join(
        f"r1 = {code}\nr2 = {code}\nassert repr(r1) == repr(r2), {name!r}\nprint({name!r}, 'ok')"
        for name, code in sorted(CALLS.items()))
    script = "import numpy as np\nimport fastq\ntmp = sys.argv[1]\n" + body
    out = subprocess.run([sys.executable, "-c", "import sys\n" + textwrap.dedent(script), str(tmp_path)],
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    assert sorted(line.split()[0].strip("'") for line in out.stdout.splitlines()) == sorted(CALLS)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_name_is_the_function_or_class_not_a_module(name):
    import types

    import fastq

    assert not isinstance(getattr(fastq, name), types.ModuleType)
    assert name in fastq.__all__


def test_results_are_frozen_records():
    import dataclasses

    import fastq

    r = fastq.solve_rs(fastq.Quantizer.uniform(2, 1.0, 0.1), 1.5, 0.01, 0.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.eg = 0.0
    q = fastq.Quantizer.uniform(2, 1.0)
    with pytest.raises(AttributeError, match="immutable"):
        q.omega = 5.0
    assert np.array_equal(q.levels, [-1.0, 0.0, 1.0])
    record_names = [n for n in fastq.__all__ if n.endswith("Result")]
    assert len(record_names) >= 12
    for n in record_names:
        cls = getattr(fastq, n)
        assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen, n
