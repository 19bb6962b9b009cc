"""scripts/bench_regress.py: the comparison on synthetic pytest-benchmark JSON (fast), and one
end-to-end run that makes the head slower on purpose (slow)."""
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_regress", ROOT / "scripts" / "bench_regress.py")
br = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(br)


def _doc(t_rs=20e-6, it_rs=10, t_amp=5e-3, ratio=1.3, per_point=6.9, extra=None):
    """A pytest-benchmark JSON document shaped like bench/test_regress.py's."""
    info = {"count_iterations_to_converge": 80, "ratio_full_iteration_vs_floor": ratio, "note": "text",
            "flag": True}
    info.update(extra or {})
    return {"benchmarks": [
        {"fullname": "bench/test_regress.py::test_regress_rs_point", "name": "test_regress_rs_point",
         "stats": {"min": t_rs, "mean": 2 * t_rs}, "extra_info": {"count_iterations": it_rs}},
        {"fullname": "bench/test_regress.py::test_regress_amp_iteration", "name": "test_regress_amp_iteration",
         "stats": {"min": t_amp}, "extra_info": info},
        {"fullname": "bench/test_regress.py::test_regress_sweep_16x16", "name": "test_regress_sweep_16x16",
         "stats": {"min": 4e-3}, "extra_info": {"count_iterations_per_point": per_point}},
    ]}


def _verdicts(rows):
    return {(r["benchmark"].split("::")[-1], r["metric"]): r["verdict"] for r in rows}


def test_metrics_keep_time_ratios_and_counts_only():
    m = br.metrics(_doc())
    amp = m["bench/test_regress.py::test_regress_amp_iteration"]
    assert amp == {"time": 5e-3, "count_iterations_to_converge": 80.0, "ratio_full_iteration_vs_floor": 1.3}


def test_unchanged_is_ok_and_small_noise_passes():
    base = br.metrics(_doc())
    head = br.metrics(_doc(t_rs=22e-6, t_amp=5.5e-3, ratio=1.4))  # +10%, +10%, +7.7%: below the limits
    rows = br.compare(base, head)
    assert all(r["verdict"] == "ok" for r in rows)
    assert all(r["verdict"] == "ok" for r in br.compare(base, base))


def test_slower_time_is_a_regression():
    rows = br.compare(br.metrics(_doc()), br.metrics(_doc(t_amp=7e-3)))  # +40% > 25%
    v = _verdicts(rows)
    assert v[("test_regress_amp_iteration", "time")] == "REGRESSION"
    assert sum(x == "REGRESSION" for x in v.values()) == 1
    # with timing off the same pair passes: only machine-independent checks are compared
    assert "REGRESSION" not in _verdicts(br.compare(br.metrics(_doc()), br.metrics(_doc(t_amp=7e-3)),
                                                    timing=False)).values()


def test_grown_iteration_count_is_a_regression():
    rows = br.compare(br.metrics(_doc()), br.metrics(_doc(it_rs=11, per_point=7.2)))
    v = _verdicts(rows)
    assert v[("test_regress_rs_point", "count_iterations")] == "REGRESSION"  # +10% > 2%
    assert v[("test_regress_sweep_16x16", "count_iterations_per_point")] == "REGRESSION"  # +4.3%
    # fewer iterations is an improvement, never a regression
    assert "REGRESSION" not in _verdicts(br.compare(br.metrics(_doc()), br.metrics(_doc(it_rs=8)))).values()


def test_worse_same_run_ratio_is_a_regression_with_its_own_threshold():
    base, head = br.metrics(_doc(ratio=1.0)), br.metrics(_doc(ratio=1.3))
    assert _verdicts(br.compare(base, head))[("test_regress_amp_iteration", "ratio_full_iteration_vs_floor")] \
        == "REGRESSION"
    assert "REGRESSION" not in _verdicts(br.compare(base, head, {"ratio": 40.0})).values()


def test_benchmarks_on_one_side_only_are_reported_not_failed():
    base = br.metrics(_doc())
    head = br.metrics(_doc(extra={"count_restarts": 3}))
    rows = br.compare(base, head)
    assert _verdicts(rows)[("test_regress_amp_iteration", "count_restarts")] == "new"
    assert _verdicts(br.compare(head, base))[("test_regress_amp_iteration", "count_restarts")] == "gone"
    assert "REGRESSION" not in _verdicts(rows).values()


def test_rounds_keep_the_best_value():
    a = br.metrics(_doc(t_amp=6e-3, ratio=1.5))
    b = br.metrics(_doc(t_amp=5e-3, ratio=1.7))
    best = br.best_of_rounds([a, b])["bench/test_regress.py::test_regress_amp_iteration"]
    assert best["time"] == 5e-3 and best["ratio_full_iteration_vs_floor"] == 1.5


def test_table_lists_every_row():
    rows = br.compare(br.metrics(_doc()), br.metrics(_doc(t_amp=7e-3)))
    text = br.table(rows)
    assert len(text.splitlines()) == len(rows) + 1
    assert "REGRESSION" in text and "+40.0%" in text


@pytest.mark.parametrize("argv,name", [
    (["HEAD", "--rounds", "0"], "--rounds"),
    (["HEAD", "--time-threshold", "-1"], "--time-threshold"),
    (["HEAD", "--head-env", "NOEQUALS"], "--head-env"),
    (["no-such-revision-xyz"], "no-such-revision-xyz"),
])
def test_bad_input_exit_2(argv, name, capsys):
    try:
        rc = br.main(argv)
    except SystemExit as e:
        rc = e.code
    assert rc == 2
    assert name in capsys.readouterr().err


@pytest.mark.slow
def test_end_to_end_unchanged_passes_and_injected_sleep_fails():
    # both sides are this working tree (compiled caches warm); the head spends 20 ms more CPU
    # per timed call through the benchmarks' FASTQ_BENCH_DELAY hook: far beyond the 25% limit
    cmd = [sys.executable, str(ROOT / "scripts" / "bench_regress.py"), ".", ".", "--rounds", "1",
           "-k", "rs_point or sweep"]
    same = subprocess.run(cmd + ["--no-timing"], capture_output=True, text=True, cwd=ROOT)
    assert same.returncode == 0, same.stdout + same.stderr
    assert "no regression" in same.stdout and "count_iterations" in same.stdout
    slow = subprocess.run(cmd + ["--head-env", "FASTQ_BENCH_DELAY=0.02"], capture_output=True, text=True, cwd=ROOT)
    assert slow.returncode == 1, slow.stdout + slow.stderr
    assert "REGRESSION" in slow.stdout
